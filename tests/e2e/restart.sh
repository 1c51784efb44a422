#!/usr/bin/env bash
# A running container survives a daemon restart: after a crash (SIGKILL) or a clean stop
# (SIGTERM) and a new start, `proclens exec` reads the container's limits again.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon

TMP=$(pl_tmpdir)
OUT=$TMP/out ERR=$TMP/err
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }
NAME=restart-$$
track "$NAME"

prun run -d --name "$NAME" --lxcfs-dir "$MNT" -m 300m --cpus 1 "$ROOTFS" sh -c 'while :; do sleep 1; done'
check_eq "run -d exits 0" 0 "$RC"
memtotal() { "$PROCLENS" exec "$NAME" awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo 2>&1; }
check_eq "the container sees its limit" 307200 "$(memtotal)"

for sig in KILL TERM; do
  kill -"$sig" "$PL_DAEMON_PID"; wait "$PL_DAEMON_PID" 2>/dev/null
  # statfs always asks the daemon (a container view's reads may still come from the page cache).
  check "SIG$sig: the container's meminfo mount is dead" sh -c "'$PROCLENS' exec '$NAME' stat -f /proc/meminfo 2>&1 | grep -q 'not connected'"
  daemon_start "$MNT" -l info || not_ok "SIG$sig: proclensd starts again"
  # The new daemon repairs the container's mounts once its own mount answers.
  for _ in $(seq 100); do [ "$(memtotal)" = 307200 ] && break; sleep 0.1; done
  check_eq "SIG$sig: the container sees its limit again" 307200 "$(memtotal)"
  prun exec "$NAME" cat /sys/devices/system/cpu/online
  check_eq "SIG$sig: and its one CPU" 0 "$(cat "$OUT")"
  prun exec "$NAME" sh -c 'head -1 /proc/uptime && head -1 /proc/stat'
  check "SIG$sig: and the other files" grep -q '^cpu ' "$OUT"
  check "SIG$sig: the daemon logs the repair" grep -q 'remount: repaired /proc/meminfo' "$MNT.log"
done

prun rm -f "$NAME"
check_eq "rm -f of the container exits 0" 0 "$RC"
finish
