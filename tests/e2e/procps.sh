#!/usr/bin/env bash
# procps's free, top and uptime inside a container (a rootfs carrying the binaries and their
# libraries) show the container's limits: ~300 MiB, 1 CPU, a small uptime.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon
for c in free top uptime ldd; do require_cmd "$c"; done
free --version 2>&1 | grep -q procps || skip_all "needs procps's free (apt-get install procps)"

TMP=$(pl_tmpdir)
OUT=$TMP/out ERR=$TMP/err
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
copy_with_libs "$ROOTFS" "$(command -v free)" "$(command -v top)" "$(command -v uptime)"
for t in /lib/terminfo/x/xterm /lib/terminfo/d/dumb /usr/share/terminfo/x/xterm; do
  [ -e "$t" ] && { mkdir -p "$ROOTFS$(dirname "$t")"; cp -L "$t" "$ROOTFS$t"; }
done
MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }
RUN=(run --rm --lxcfs-dir "$MNT" -m 300m --cpus 1 --cpuset-cpus 0 -e TERM=dumb)
PROCPS_DIR=$(dirname "$(command -v free)")

prun "${RUN[@]}" "$ROOTFS" "$PROCPS_DIR/free" -k
check_eq "procps free -k exits 0" 0 "$RC"
check_eq "free: total memory is 300 MiB (307200 kB)" 307200 "$(awk '/^Mem:/ { print $2 }' "$OUT")"
used=$(awk '/^Mem:/ { print $3 }' "$OUT")
check_range "free: used is below the limit" 1 307200 "$used"
prun "${RUN[@]}" "$ROOTFS" "$PROCPS_DIR/free" -m
check_eq "free -m: 300" 300 "$(awk '/^Mem:/ { print $2 }' "$OUT")"

prun "${RUN[@]}" "$ROOTFS" "$PROCPS_DIR/top" -b -n 1
check_eq "procps top -b -n 1 exits 0" 0 "$RC"
check "top: MiB Mem total is 300.0" grep -Eq 'MiB Mem : +300\.0 total' "$OUT"
check "top: lists the container's only task as pid 1" grep -Eq '^ +1 +root .* top *$' "$OUT"
if served proc/stat; then
  prun "${RUN[@]}" "$ROOTFS" "$PROCPS_DIR/top" -b -n 1 -1
  check_eq "top -1: one CPU line" 1 "$(grep -c '^%Cpu[0-9]' "$OUT")"
else
  skip_one "top -1: one CPU line" "the daemon does not serve proc/stat"
fi

prun "${RUN[@]}" "$ROOTFS" "$PROCPS_DIR/uptime"
check_eq "procps uptime exits 0" 0 "$RC"
if served proc/uptime; then
  check "uptime: up 0 min (the container's start)" grep -q 'up 0 min' "$OUT"
else
  skip_one "uptime: up 0 min" "the daemon does not serve proc/uptime"
fi

prun "${RUN[@]}" "$ROOTFS" nproc
check_eq "nproc: 1" 1 "$(cat "$OUT")"
if served sys/devices/system/cpu/online; then
  prun "${RUN[@]}" "$ROOTFS" cat /sys/devices/system/cpu/online
  check_eq "cpu/online: 0" 0 "$(cat "$OUT")"
else
  skip_one "cpu/online: 0" "the daemon does not serve sys/devices/system/cpu/online"
fi
finish
