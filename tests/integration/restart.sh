#!/usr/bin/env bash
# A restarted daemon repairs the bind mounts its predecessor left dead in other mount
# namespaces, and leaves another daemon's mounts alone.
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse; require_cmd unshare; require_cmd nsenter

TMP=$(pl_tmpdir)
A=$TMP/a B=$TMP/b
mkdir -p "$TMP/with space"
touch "$TMP/with space/loadavg"

# start NAME: proclensd on $TMP/NAME with its own state directory; waits until it serves.
start() {
  local mnt=$TMP/$1
  mkdir -p "$mnt" 2>/dev/null
  "$PROCLENSD" --state-dir "$TMP/state-$1" -l info "$mnt" >>"$TMP/$1.log" 2>&1 &
  eval "PID_$1=$!"
  on_exit "kill -9 $!; umount -l '$mnt'"
  for _ in $(seq 100); do
    grep -qs MemTotal "$mnt/proc/meminfo" && return 0
    sleep 0.05
  done
  diag "proclensd did not serve $mnt:"; sed 's/^/#   /' "$TMP/$1.log"; return 1
}
# in_ns CMD...: runs CMD in the holder's mount namespace.
in_ns() { nsenter -t "$HOLDER" -m "$@"; }
works() { in_ns cat "$1" >/dev/null 2>&1; }
dead() { in_ns cat "$1" 2>&1 | grep -q 'not connected'; }
# wait_works FILE: the repair runs just after the mount serves; poll for it.
wait_works() { for _ in $(seq 100); do works "$1" && return 0; sleep 0.1; done; return 1; }
# mount_id TARGET: the id of the topmost mount at TARGET in the holder's namespace.
mount_id() { awk -v t="$1" '$5 == t { id = $1 } END { print id }' "/proc/$HOLDER/mountinfo"; }
mount_opts() { awk -v t="$1" '$5 == t { o = $6 } END { print o }' "/proc/$HOLDER/mountinfo"; }

start a || { not_ok "daemon a starts"; finish; }
start b || { not_ok "daemon b starts"; finish; }

# The holder: a private mount namespace with binds from both daemons, as a container has.
unshare -m --propagation private sh -c '
  mount --bind "$1/proc/meminfo" /proc/meminfo && mount -o remount,bind,rw /proc/meminfo &&
  mount --bind -o ro "$1/sys/devices/system/cpu" /sys/devices/system/cpu &&
  mount --bind "$1/proc/loadavg" "$3/with space/loadavg" &&
  mount --bind "$2/proc/uptime" /proc/uptime &&
  touch "$3/ready" && exec sleep 100000' sh "$A" "$B" "$TMP" &
HOLDER=$!
on_exit "kill -9 $HOLDER"
for _ in $(seq 100); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
check "the holder's binds read through the daemons" works /proc/meminfo
check "from both daemons" works /proc/uptime
B_ID=$(mount_id /proc/uptime)
check "the holder's meminfo bind is read-write (a per-mount flag)" grep -q '^rw' <<<"$(mount_opts /proc/meminfo)"
SPACED="$TMP/with space/loadavg"

for how in KILL TERM; do
  kill -"$how" "$(eval echo "\$PID_a")"; wait "$(eval echo "\$PID_a")" 2>/dev/null
  check "SIG$how: the holder's meminfo is dead" dead /proc/meminfo
  check "SIG$how: and its CPU directory" dead /sys/devices/system/cpu/online
  start a || not_ok "SIG$how: daemon a restarts"
  check "SIG$how: meminfo works again in the holder's namespace" wait_works /proc/meminfo
  check "SIG$how: so does the CPU directory" works /sys/devices/system/cpu/online
  check "SIG$how: and the file under a path with a space" works "$SPACED"
  # The daemon's own mount is read-only: a rw result can only come from the original.
  check "SIG$how: the read-only bind is read-only again" grep -q '^ro' <<<"$(mount_opts /sys/devices/system/cpu)"
  check "SIG$how: the read-write bind is read-write again" grep -q '^rw' <<<"$(mount_opts /proc/meminfo)"
  check_eq "SIG$how: one mount at /proc/meminfo (the dead one detached)" 1 \
    "$(awk '$5 == "/proc/meminfo"' "/proc/$HOLDER/mountinfo" | grep -c fuse)"
  check_eq "SIG$how: daemon b's bind was not touched" "$B_ID" "$(mount_id /proc/uptime)"
  check "SIG$how: and still works" works /proc/uptime
done
check "the log names what was repaired" grep -q "repaired /proc/meminfo" "$TMP/a.log"

# Both daemons gone; only a restarts: b's dead bind is not a's to repair.
kill -TERM "$PID_a" "$PID_b"; wait "$PID_a" "$PID_b" 2>/dev/null
start a || not_ok "daemon a restarts alone"
wait_works /proc/meminfo
check "a repairs its own binds" works /proc/meminfo
check "but not b's, which stays dead" dead /proc/uptime
check_eq "and keeps its mount" "$B_ID" "$(mount_id /proc/uptime)"
start b || not_ok "daemon b restarts"
check "b repairs its own bind" wait_works /proc/uptime
check "a's are still fine" works /proc/meminfo

# A restart with no dead mounts anywhere repairs nothing and says nothing about it.
: >"$TMP/a.log"
kill -TERM "$PID_a"; wait "$PID_a" 2>/dev/null
kill -9 "$HOLDER"; wait "$HOLDER" 2>/dev/null
start a || not_ok "daemon a restarts with no holder"
# The repair runs before readiness, which the log line "ready:" marks.
for _ in $(seq 100); do grep -q 'ready:' "$TMP/a.log" && break; sleep 0.1; done
check "no repair is logged" sh -c "! grep -q 'remount: repaired' '$TMP/a.log'"
finish
