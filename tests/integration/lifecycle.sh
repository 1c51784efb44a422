#!/usr/bin/env bash
# Start-up and shut-down: signals, pidfile, stale mounts, refusing to stack on a live mount.
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse

TMP=$(pl_tmpdir)
mounted() { grep -q " $1 fuse" /proc/self/mounts; }

# Usage errors.
"$PROCLENSD" --bogus >/dev/null 2>"$TMP/err"; rc=$?
check_eq "an unknown flag exits 2" 2 "$rc"
check "and names the flag" grep -q -- '--bogus' "$TMP/err"
check "--version prints the version" sh -c "'$PROCLENSD' --version | grep -qE '^proclensd [0-9]'"
check "--help documents --cgroup-root" sh -c "'$PROCLENSD' --help | grep -q -- '--cgroup-root'"
"$PROCLENSD" --cgroup-root "$TMP/none" "$TMP/m0" 2>"$TMP/err"; rc=$?
check_eq "a cgroup root without hierarchies exits 1" 1 "$rc"
check "and names it" grep -q "$TMP/none" "$TMP/err"

# SIGTERM and SIGINT unmount and exit 0; a missing mountpoint is created; the pidfile comes and goes.
for sig in TERM INT; do
  MNT=$TMP/deep/$sig/mnt
  "$PROCLENSD" --state-dir "$TMP/state" -p "$TMP/pid.$sig" "$MNT" 2>"$TMP/log.$sig" &
  pid=$!
  for _ in $(seq 50); do mounted "$MNT" && break; sleep 0.1; done
  check "creates the missing mountpoint and mounts ($sig)" mounted "$MNT"
  check_eq "pidfile holds the daemon's pid ($sig)" "$pid" "$(cat "$TMP/pid.$sig" 2>/dev/null)"
  kill -"$sig" "$pid"; wait "$pid"; rc=$?
  check_eq "SIG$sig: exit status 0" 0 "$rc"
  check "SIG$sig: unmounted" sh -c "! grep -q ' $MNT fuse' /proc/self/mounts"
  check "SIG$sig: pidfile removed" test ! -e "$TMP/pid.$sig"
  mounted "$MNT" && umount -l "$MNT"
done

# A daemon killed with SIGKILL leaves a dead mount ("Transport endpoint is not connected").
MNT=$TMP/stale
"$PROCLENSD" --state-dir "$TMP/state" "$MNT" 2>/dev/null &
pid=$!
on_exit "kill -9 $pid; umount -l '$MNT'"
for _ in $(seq 50); do mounted "$MNT" && break; sleep 0.1; done
kill -9 "$pid"; wait "$pid" 2>/dev/null
check "a killed daemon leaves a dead mount" sh -c "! stat '$MNT/proc' 2>/dev/null; cat '$MNT/proc/meminfo' 2>&1 | grep -q 'not connected'"
daemon_start "$MNT" || not_ok "restart on the stale mountpoint"
check "the stale mount is cleared and replaced" grep -q MemTotal "$MNT/proc/meminfo"
check_eq "exactly one fuse mount there" 1 "$(grep -c " $MNT fuse" /proc/self/mounts)"

# A live mount is refused, never stacked, never unmounted from under its owner.
"$PROCLENSD" "$MNT" 2>"$TMP/err"; rc=$?
check_eq "a second proclensd on a live mount exits 1" 1 "$rc"
check "with a clear message" grep -q "already served" "$TMP/err"
check "the first one still serves" grep -q MemTotal "$MNT/proc/meminfo"
check_eq "still exactly one mount" 1 "$(grep -c " $MNT fuse" /proc/self/mounts)"

if command -v lxcfs >/dev/null; then
  LX=$TMP/lxcfs
  mkdir -p "$LX"
  lxcfs "$LX" >/dev/null 2>&1 &
  lxpid=$!
  on_exit "kill $lxpid; umount -l '$LX'"
  for _ in $(seq 50); do grep -q " $LX fuse" /proc/self/mounts && break; sleep 0.1; done
  "$PROCLENSD" "$LX" 2>"$TMP/err"; rc=$?
  check_eq "a live LXCFS mount is refused with exit 1" 1 "$rc"
  check "naming lxcfs" grep -q "fuse.lxcfs" "$TMP/err"
  check "LXCFS still serves" grep -q MemTotal "$LX/proc/meminfo"
else
  diag "lxcfs not installed: the LXCFS refusal case is covered by the unit tests only"
fi

# Several request threads (--threads): concurrent readers are all answered, SIGTERM still
# stops every thread and unmounts.
MT=$TMP/threads
"$PROCLENSD" --threads=3 --state-dir "$TMP/state-mt" "$MT" 2>"$TMP/err-mt" &
mtpid=$!
on_exit "kill -9 $mtpid 2>/dev/null; umount -l '$MT' 2>/dev/null"
for _ in $(seq 50); do mounted "$MT" && break; sleep 0.1; done
readers=()
for i in $(seq 12); do grep -c MemTotal "$MT/proc/meminfo" >"$TMP/mt.$i" & readers+=($!); done
wait "${readers[@]}"
check_eq "--threads=3: 12 concurrent readers all answered" 12 "$(cat "$TMP"/mt.* | awk '{s += $1} END {print s}')"
kill -TERM "$mtpid"; wait "$mtpid"; rc=$?
check_eq "--threads=3: SIGTERM exits 0" 0 "$rc"
check "--threads=3: unmounted" sh -c "! grep -q ' $MT fuse' /proc/self/mounts"
"$PROCLENSD" --threads=0 "$MT" 2>"$TMP/err"; rc=$?
check_eq "--threads=0 is refused with exit 2" 2 "$rc"

# A file where the mountpoint should be.
touch "$TMP/file"
"$PROCLENSD" "$TMP/file" 2>"$TMP/err"; rc=$?
check_eq "a regular file as mountpoint exits 1" 1 "$rc"
check "and says why" grep -q "Not a directory" "$TMP/err"
finish
