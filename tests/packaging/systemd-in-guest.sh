#!/usr/bin/env bash
# proclensd.service under systemd as PID 1 (run by tests/vm/run-in-guest.sh --systemd in the
# pure cgroup-v2 guest): the unit goes active through sd_notify, serves a container's
# meminfo, keeps pinging the watchdog, is restarted when wedged, reloads its configuration,
# refuses an invalid one with the line and key, restarts (repairing a container's bind mount)
# and stops cleanly.
source "$(dirname "$0")/../lib/common.sh"
require_root
[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] || skip_all "needs systemd as PID 1 (run-in-guest.sh --systemd)"
[ "${PROCLENS_IN_GUEST:-0}" = 1 ] || skip_all "runs only in the test guest (it installs a unit and uses /var/lib/lxcfs)"
UNIT_IN=${PROCLENS_UNIT:?}
SRC=${PROCLENS_SOURCE_ROOT:?}
mnt=/var/lib/lxcfs
conf=/etc/proclens/proclensd.conf

prop() { systemctl show -P "$1" proclensd.service; }
# wait_for SECONDS COMMAND...: polls COMMAND every 0.5 s.
wait_for() {
  local n=$(($1 * 2)); shift
  while ! "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.5; done
}
is_active() { [ "$(systemctl is-active proclensd.service)" = active ]; }
mounted() { grep -q " $mnt fuse.proclens " /proc/self/mounts; }
journal() { journalctl -u proclensd.service --no-pager -o cat 2>/dev/null; }

# The unit as built, with the build's daemon; faster watchdog and stop time-out for the test.
install -D -m 644 "$SRC/config/proclensd.conf" "$conf"
sed "s|^ExecStart=.*|ExecStart=$PROCLENSD --config $conf|" "$UNIT_IN" >/etc/systemd/system/proclensd.service
mkdir -p /etc/systemd/system/proclensd.service.d
cat >/etc/systemd/system/proclensd.service.d/test.conf <<CONF
[Service]
# Generous: under TCG on a busy host the guest's clock runs in bursts.
WatchdogSec=15s
TimeoutStartSec=300s
TimeoutStopSec=60s
# A sanitizer build: LeakSanitizer's ptrace is outside the system call filter.
Environment=ASAN_OPTIONS=detect_leaks=0
CONF
systemctl daemon-reload
check "systemd-analyze verify accepts the unit" systemd-analyze verify --man=no /etc/systemd/system/proclensd.service

# --- start: active only through READY=1 ------------------------------------------------------
if timeout 120 systemctl start proclensd.service; then ok "systemctl start returns"; else
  not_ok "systemctl start returns"; systemctl status --no-pager proclensd.service | sed 's/^/# /'
  journal | tail -n 20 | sed 's/^/# /'; finish
fi
check_eq "the unit is active" active "$(systemctl is-active proclensd.service)"
check_eq "Type=notify" notify "$(prop Type)"
check "the daemon told systemd its status (STATUS=)" sh -c "systemctl show -P StatusText proclensd.service | grep -q serving"
check "the mount is live at $mnt" mounted
pid1=$(prop MainPID)
check_eq "OOMScoreAdjust=-1000 reached the daemon" -1000 "$(cat /proc/"$pid1"/oom_score_adj)"

# --- a read, from a cgroup with a limit (pure v2 here) ------------------------------------------
cg=/sys/fs/cgroup/proclens-systemd-test
mkdir -p $cg && on_exit "rmdir $cg"
echo $((200 * 1024 * 1024)) >$cg/memory.max
read_memtotal() { sh -c "echo \$\$ >$cg/cgroup.procs && exec awk '\$1 == \"MemTotal:\" { print \$2 }' $mnt/proc/meminfo"; }
check_eq "a process in a 200 MiB cgroup reads MemTotal 204800 kB" 204800 "$(read_memtotal)"

# --- the watchdog: pings keep it alive; a wedged daemon is restarted -----------------------------
sleep 35
check_eq "after two watchdog periods the daemon is still the same process" "$pid1" "$(prop MainPID)"
check_eq "no restart so far" 0 "$(prop NRestarts)"
kill -STOP "$pid1"
if wait_for 180 sh -c "[ \"\$(systemctl show -P NRestarts proclensd.service)\" -ge 1 ] && [ \"\$(systemctl is-active proclensd.service)\" = active ]"; then
  ok "a stopped (wedged) daemon misses its pings and systemd restarts it"
else
  not_ok "a stopped (wedged) daemon misses its pings and systemd restarts it"
  systemctl status --no-pager proclensd.service | sed 's/^/# /'
fi
check "the journal names the watchdog" sh -c "journalctl -u proclensd.service --no-pager | grep -qi watchdog"
pid2=$(prop MainPID)
check "a new daemon serves" sh -c "[ '$pid2' != '$pid1' ] && [ '$pid2' != 0 ]"
check_eq "the new daemon serves the cgroup's MemTotal" 204800 "$(read_memtotal)"

# --- reload: switches apply without a remount -------------------------------------------------
swap_total() { sh -c "echo \$\$ >$cg/cgroup.procs && exec awk '\$1 == \"SwapTotal:\" { print \$2 }' $mnt/proc/meminfo"; }
printf '[views]\nswap=false\nloadavg=false\n' >"$conf"
check "systemctl reload proclensd" timeout 30 systemctl reload proclensd.service
check "the reload is logged" wait_for 10 sh -c "journalctl -u proclensd.service --no-pager -o cat | grep -q 'reloaded $conf'"
check_eq "swap=false applies at once: SwapTotal 0" 0 "$(swap_total)"
check_eq "a reload keeps the process" "$pid2" "$(prop MainPID)"
check_eq "still active after the reload" active "$(systemctl is-active proclensd.service)"
printf '[views]\nswap=maybe\n' >"$conf"
systemctl reload proclensd.service
check "an invalid file at reload is refused, naming line and key" \
  wait_for 10 sh -c "journalctl -u proclensd.service --no-pager -o cat | grep -q \"$conf:2: \\[views\\] swap: 'maybe'\""
check_eq "and the daemon keeps serving" 204800 "$(read_memtotal)"

# --- an invalid file at start: refused, with line and key --------------------------------------
systemctl stop proclensd.service
check "a clean stop unmounts" sh -c "! grep -q ' $mnt fuse' /proc/self/mounts"
check_eq "stopped: inactive" inactive "$(systemctl is-active proclensd.service)"
printf '[daemon]\nlog-level=chatty\n' >"$conf"
check "an invalid file: the start fails" sh -c '! timeout 60 systemctl start proclensd.service'
check "the journal names the file, line and key" \
  sh -c "journalctl -u proclensd.service --no-pager -o cat | grep -q \"$conf:2: \\[daemon\\] log-level: 'chatty'\""
# Restart=on-failure keeps retrying with the bad file: stop that before fixing the file.
systemctl stop proclensd.service 2>/dev/null
systemctl reset-failed proclensd.service 2>/dev/null

# --- restart ---------------------------------------------------------------------------------------
install -m 644 "$SRC/config/proclensd.conf" "$conf"
check "starts again with a valid file" timeout 120 systemctl start proclensd.service
pid3=$(prop MainPID)
check "systemctl restart" timeout 120 systemctl restart proclensd.service
check_eq "active after the restart" active "$(systemctl is-active proclensd.service)"
check "a new process" sh -c "[ \"\$(systemctl show -P MainPID proclensd.service)\" != '$pid3' ]"
check_eq "serving after the restart" 204800 "$(read_memtotal)"

# --- restarts repair a container's bind mount (a private namespace holding one) ------------------
ready=/run/proclens-systemd-test-holder
unshare -m --propagation private sh -c "mount --bind $mnt/proc/meminfo /proc/meminfo && touch $ready && exec sleep 100000" &
holder=$!
on_exit "kill -9 $holder; rm -f $ready"
wait_for 60 test -e $ready
held_memtotal() { sh -c "echo \$\$ >$cg/cgroup.procs && exec nsenter -t $holder -m awk '\$1 == \"MemTotal:\" { print \$2 }' /proc/meminfo" 2>&1; }
check_eq "the holder's bind reads through the mount" 204800 "$(held_memtotal)"
check "systemctl restart with a container running" timeout 120 systemctl restart proclensd.service
check_eq "its bind works when restart returns (repaired before READY=1)" 204800 "$(held_memtotal)"
restarts=$(prop NRestarts)
kill -KILL "$(prop MainPID)"
wait_for 120 sh -c "[ \"\$(systemctl show -P NRestarts proclensd.service)\" -gt $restarts ] && [ \"\$(systemctl is-active proclensd.service)\" = active ]"
check_eq "after a crash and Restart=on-failure too" 204800 "$(held_memtotal)"
check "the journal names the repair" sh -c "journalctl -u proclensd.service --no-pager -o cat | grep -q 'remount: repaired /proc/meminfo'"
systemctl stop proclensd.service

# --- why the unit has no ProtectSystem= & co: they give the service its own mount namespace ----
cat >/etc/systemd/system/proclensd.service.d/protect.conf <<CONF
[Service]
ProtectSystem=full
CONF
systemctl daemon-reload
if timeout 120 systemctl start proclensd.service; then
  check_eq "with ProtectSystem=full the unit still goes active" active "$(systemctl is-active proclensd.service)"
  check "but its mount is not visible outside the service (hence not in the unit)" sh -c "! grep -q ' $mnt fuse' /proc/self/mounts"
  systemctl stop proclensd.service
else
  ok "with ProtectSystem=full the unit does not even start (hence not in the unit)"
fi
rm /etc/systemd/system/proclensd.service.d/protect.conf
systemctl daemon-reload
finish
