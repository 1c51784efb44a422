#!/usr/bin/env bash
# proclensd with a configuration file, on the host: the file's settings apply, the command
# line overrides them, an invalid file is refused at start with its line and key, and SIGHUP
# applies a changed switch without a remount (and refuses an invalid file, keeping serving).
source "$(dirname "$0")/../lib/common.sh"
require_root
require_fuse
work=$(pl_tmpdir)
on_exit "rm -rf '$work'"
conf=$work/proclensd.conf
mnt=$work/mnt

# files= selects what is served.
printf '[daemon]\nlog-level=info\n[views]\nfiles=proc/meminfo;proc/swaps;proc/pressure\n' >"$conf"
daemon_start "$mnt" --config "$conf" || { not_ok "proclensd starts with $conf"; finish; }
ok "proclensd starts with $conf"
check "proc/meminfo is served" test -f "$mnt/proc/meminfo"
check "proc/pressure/io is served (a directory entry selects what it holds)" test -f "$mnt/proc/pressure/io"
check "proc/cpuinfo is not" test ! -e "$mnt/proc/cpuinfo"
check "sys/ is not" test ! -e "$mnt/sys"

# SIGHUP: swap=false applies to a limited cgroup at once, on the same mount.
cg_create cfg && cg_set_memory cfg $((100 * 1024 * 1024))
cg_set cfg memory.memsw.limit_in_bytes memory.swap.max $((300 * 1024 * 1024)) 2>/dev/null
swap_total() { cg_exec cfg awk '$1 == "SwapTotal:" { print $2 }' "$mnt/proc/meminfo"; }
before=$(swap_total)
diag "SwapTotal before the reload: $before kB (0 when the host has no swap)"
printf '[daemon]\nlog-level=info\n[views]\nfiles=proc/meminfo;proc/swaps;proc/pressure\nswap=false\n' >"$conf"
kill -HUP "$PL_DAEMON_PID"
n=0; until grep -q "reloaded $conf" "$mnt.log" || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
check "SIGHUP: the daemon logs the reload" grep -q "reloaded $conf: .*swap=false" "$mnt.log"
check_eq "swap=false: a limited cgroup sees SwapTotal 0" 0 "$(swap_total)"
check_eq "swap=false: its proc/swaps has the header only" 1 "$(cg_exec cfg wc -l <"$mnt/proc/swaps" | tr -d ' ')"
check "the daemon still runs (a reload is no exit)" kill -0 "$PL_DAEMON_PID"
printf '[views]\nfiles=proc/meminfo\nbogus=1\n' >"$conf"
kill -HUP "$PL_DAEMON_PID"
n=0; until grep -q "reload refused" "$mnt.log" || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
check "an invalid file at reload: refused, naming line 3 and the key" grep -q "reload refused.*$conf:3: unknown key 'bogus' in \[views\]" "$mnt.log"
check "and the daemon keeps serving" grep -q '^MemTotal:' "$mnt/proc/meminfo"
daemon_stop "$mnt"

# Invalid at start: exit 1, line and key named, nothing mounted.
printf '[daemon]\n\nlog-level=loud\n' >"$conf"
out=$("$PROCLENSD" --config "$conf" "$mnt" 2>&1); rc=$?
check_eq "an invalid file at start: exit 1" 1 "$rc"
check "the message names the file, line 3 and the key" grep -q "$conf:3: \[daemon\] log-level: 'loud'" <<<"$out"
check "nothing is mounted" sh -c "! grep -q ' $mnt fuse' /proc/self/mounts"
out=$("$PROCLENSD" --config "$work/missing.conf" "$mnt" 2>&1); rc=$?
check_eq "a --config file that does not exist: exit 1" 1 "$rc"

# The command line overrides the file: mountpoint and log level.
printf '[daemon]\nmountpoint=%s/elsewhere\nlog-level=error\n' "$work" >"$conf"
daemon_start "$mnt" --config "$conf" --log-level info || { not_ok "starts with overrides"; finish; }
check "the command line's MOUNTPOINT wins over the file's" test -f "$mnt/proc/meminfo"
check "the file's mountpoint is not used" test ! -e "$work/elsewhere/proc"
check "--log-level info wins over log-level=error (info lines are logged)" grep -q "INFO" "$mnt.log"
daemon_stop "$mnt"
finish
