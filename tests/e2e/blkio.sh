#!/usr/bin/env bash
# Disk I/O limits on a loop device: --device-write-bps slows direct writes inside the container
# to about the limit, the container's proc/diskstats shows what it wrote, the four throttles and
# the weight reach the cgroup's files and inspect, and a wrong device or rate leaves nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon
require_cmd losetup

TMP=$(pl_tmpdir)
OUT=$TMP/out ERR=$TMP/err
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
# busybox dd has oflag=direct when built with it; else coreutils' dd and its libraries.
if ! "$PL_BUSYBOX" dd --help 2>&1 | grep -q 'oflag=.*direct'; then
  rm -f "$ROOTFS/bin/dd"
  copy_with_libs "$ROOTFS" "$(command -v dd)"
  ln -sf "$(command -v dd)" "$ROOTFS/bin/dd"
fi

truncate -s 64M "$TMP/disk.img"
# Without udev (the v2 guest) /dev/loop-control appears only once the driver is loaded.
[ -e /dev/loop-control ] || modprobe loop 2>/dev/null || true
LOOP=$(losetup -f --show "$TMP/disk.img" 2>"$ERR") || skip_all "no loop device: $(cat "$ERR")"
on_exit "losetup -d '$LOOP'"
MAJMIN=$(printf '%d:%d' "0x$(stat -c %t "$LOOP")" "0x$(stat -c %T "$LOOP")")
ok "loop device $LOOP ($MAJMIN) on a 64 MiB file"

MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }
served proc/diskstats || skip_all "the daemon does not serve proc/diskstats"

# 8 MiB at 2 MiB/s: about 4 s. A lower bound only (load makes it slower, never faster).
MIB=8 RATE_MIB=2
start=$(date +%s%N)
prun run --rm --lxcfs-dir "$MNT" --device "$LOOP" --device-write-bps "$LOOP:${RATE_MIB}mb" "$ROOTFS" \
  sh -c "dd if=/dev/zero of=$LOOP bs=1M count=$MIB oflag=direct 2>/dev/null && cat /proc/diskstats >/dev/null && cat /proc/diskstats"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check_eq "dd with direct I/O to the limited device exits 0" 0 "$RC"
[ "$RC" = 0 ] || diag "stderr: $(cat "$ERR")"
expected_ms=$((MIB * 1000 / RATE_MIB))
diag "$MIB MiB at ${RATE_MIB}mb took $elapsed_ms ms (expected about $expected_ms)"
check_range "the write took at least half the time the limit implies" "$((expected_ms / 2))" 10000000 "$elapsed_ms"

line=$(awk -v mm="$MAJMIN" '$1 ":" $2 == mm' "$OUT")
check "the container's diskstats lists $LOOP" test -n "$line"
check_range "diskstats: sectors written are the $MIB MiB written" "$((MIB * 2048))" "$((MIB * 2048 + 64))" \
  "$(awk '{print $10}' <<<"$line")"
check_range "diskstats: the writes were counted" 1 100000 "$(awk '{print $8}' <<<"$line")"
check_eq "diskstats lists every device the host lists" \
  "$(awk '{print $3}' /proc/diskstats | tr '\n' ' ')" "$(awk '{print $3}' "$OUT" | tr '\n' ' ')"

# All four throttles on a running container: its cgroup's files and inspect.
THROTTLES=(--device-read-bps "$LOOP:1mb" --device-write-bps "$LOOP:512k"
  --device-read-iops "$LOOP:100" --device-write-iops "$LOOP:50")
prun run -d --no-lxcfs "${THROTTLES[@]}" "$ROOTFS" sleep 100
ID=$(cat "$OUT")
check_eq "run -d with the four throttles exits 0" 0 "$RC"
track "$ID"
version=$("$PROCLENS" inspect -f '{{.Cgroup.Version}}' "$ID")
if [ "$version" = v2 ]; then
  dir=$("$PROCLENS" inspect -f '{{json .Cgroup.Paths}}' "$ID" | tr -d '[]"')
  check_eq "io.max holds the four limits" "$MAJMIN rbps=1048576 wbps=524288 riops=100 wiops=50" \
    "$(grep "^$MAJMIN " "$dir/io.max")"
else
  dir=$("$PROCLENS" inspect -f '{{json .Cgroup.Paths}}' "$ID" | tr -d '[]"' | tr , '\n' | grep -m1 blkio)
  for f in read_bps:1048576 write_bps:524288 read_iops:100 write_iops:50; do
    check_eq "blkio.throttle.${f%:*}_device holds $MAJMIN ${f#*:}" "$MAJMIN ${f#*:}" \
      "$(cat "$dir/blkio.throttle.${f%:*}_device")"
  done
fi
check_eq "inspect: BlkioDeviceReadBps" "[{\"Path\":\"$LOOP\",\"Rate\":1048576}]" \
  "$("$PROCLENS" inspect -f '{{json .HostConfig.BlkioDeviceReadBps}}' "$ID")"
check_eq "inspect: BlkioDeviceWriteIOps" "[{\"Path\":\"$LOOP\",\"Rate\":50}]" \
  "$("$PROCLENS" inspect -f '{{json .HostConfig.BlkioDeviceWriteIOps}}' "$ID")"
"$PROCLENS" rm -f "$ID" >/dev/null

# --blkio-weight needs a proportional scheduler (CFQ/BFQ on v1, iocost or BFQ on v2): either
# the weight is in the cgroup's file, or run says why and leaves nothing.
snapshot
prun run -d --no-lxcfs --blkio-weight 300 "$ROOTFS" sleep 100
if [ "$RC" = 0 ]; then
  ID=$(cat "$OUT"); track "$ID"
  check_eq "inspect: BlkioWeight" 300 "$("$PROCLENS" inspect -f '{{.HostConfig.BlkioWeight}}' "$ID")"
  paths=$("$PROCLENS" inspect -f '{{json .Cgroup.Paths}}' "$ID" | tr -d '[]"' | tr , '\n')
  # v1 and BFQ take the weight as is; cgroup2's iocost io.weight its 1..10000 equivalent.
  weights=$(for d in $paths; do cat "$d"/blkio.weight "$d"/blkio.bfq.weight "$d"/io.bfq.weight "$d"/io.weight; done 2>/dev/null)
  io_weight=$((1 + (300 - 10) * 9999 / 990))
  check "the weight is in the cgroup (300, or io.weight $io_weight)" grep -Eq "(^| )(300|$io_weight)\$" <<<"$weights"
  "$PROCLENS" rm -f "$ID" >/dev/null
else
  check_eq "--blkio-weight refused: exit status 125" 125 "$RC"
  check "--blkio-weight refused: the error names the missing scheduler" grep -q "needs a proportional I/O scheduler" "$ERR"
  assert_unchanged_for "--blkio-weight refused" "$ROOTFS"
fi

# fails DESCRIPTION ERROR_REGEX ARGS...: run exits 125 before creating anything.
fails() {
  local d=$1 re=$2; shift 2
  snapshot
  prun run --no-lxcfs "$@" "$ROOTFS" true
  check_eq "$d: exit status 125" 125 "$RC"
  if grep -Eq -- "$re" "$ERR"; then ok "$d: the error matches /$re/"
  else not_ok "$d: the error matches /$re/"; diag "stderr: $(cat "$ERR")"; fi
  assert_unchanged_for "$d" "$ROOTFS"
}
fails "a device that does not exist" "device $TMP/nodisk: No such file" --device-write-bps "$TMP/nodisk:1mb"
fails "not a block device" "/dev/null is not a block device" --device-read-iops /dev/null:10
fails "a rate that does not parse" "'fast' is not a rate" --device-write-bps "$LOOP:fast"
fails "an iops rate with a unit" "not a positive number" --device-read-iops "$LOOP:1k"
fails "a weight out of range" "invalid --blkio-weight '5'" --blkio-weight 5
fails "--device of a missing node" "--device $TMP/nodev: No such file" --device "$TMP/nodev"
fails "--device with narrower permissions" "only rwm" --device "$LOOP:r"
part=$(find /sys/dev/block/ -maxdepth 1 -name '*:*' -exec test -e '{}/partition' \; -print -quit 2>/dev/null)
if [ -n "$part" ] && [ -b "/dev/$(basename "$(readlink "$part")")" ]; then
  fails "a partition" "is a partition" --device-read-bps "/dev/$(basename "$(readlink "$part")"):1mb"
else
  ok "a partition is refused # SKIP no partition on this host"
fi
finish
