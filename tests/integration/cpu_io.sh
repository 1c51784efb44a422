#!/usr/bin/env bash
# proc/diskstats and proc/pressure through the mount: a container's own I/O counters,
# and pressure files in the kernel's format. Works on v1, hybrid and v2 hosts.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cpu_helpers.sh"
require_root; require_fuse

MNT=$(pl_tmpdir)/mnt
daemon_start "$MNT" || { not_ok "daemon starts"; finish; }
ok "daemon starts and serves $MNT"

# The test runner in the root cgroup is the host: it sees the host's file.
if runner_in_root_cgroup; then
  check_eq "a caller in the root cgroup sees the host's diskstats devices" \
    "$(awk '{print $3}' /proc/diskstats | tr '\n' ' ')" "$(awk '{print $3}' "$MNT/proc/diskstats" | tr '\n' ' ')"
fi

cg_create disk && cg_create quiet || { not_ok "create the cgroups"; finish; }
# A container that did no I/O sees the host's devices (tools look them up by name), all at 0.
quiet=$(cg_exec quiet cat "$MNT/proc/diskstats")
check_eq "a container that did no I/O sees every host device" \
  "$(awk '{print $3}' /proc/diskstats | tr '\n' ' ')" "$(awk '{print $3}' <<<"$quiet" | tr '\n' ' ')"
check_eq "... with zero counters" "" "$(awk '{for (i = 4; i <= NF; i++) if ($i != 0) print $3}' <<<"$quiet")"

# A disk-backed directory (not tmpfs or overlay) for direct I/O the cgroup is charged for.
DIR=$(mktemp -d "/var/tmp/$PL_PREFIX-XXXXXX") && on_exit "rm -rf '$DIR'"
dev=$(stat -c '%d' "$DIR")
major=$((dev >> 8)); minor=$((dev & 255))
name=$(awk -v a="$major" -v b="$minor" '$1 == a && $2 == b {print $3}' /proc/diskstats)
if [ -z "$name" ]; then
  # Not a failure: a guest whose root is an overlay over tmpfs has no disk to write to.
  ok "diskstats of a container that did I/O # SKIP /var/tmp is on $major:$minor, not a block device"
else
  # v1 blkio counts a device's I/O only while a throttling rule exists for it: set one that
  # never binds (1 TiB/s), on our own cgroup.
  if ! cg_is_v2; then
    cg_set disk blkio.throttle.read_bps_device - "$major:$minor 1099511627776"
    cg_set disk blkio.throttle.write_bps_device - "$major:$minor 1099511627776"
  fi
  cg_exec disk dd if=/dev/zero of="$DIR/blob" bs=1M count=8 oflag=direct status=none
  cg_exec disk dd if="$DIR/blob" of=/dev/null bs=1M iflag=direct status=none
  sleep 0.5
  mine=$(cg_exec disk cat "$MNT/proc/diskstats")
  line=$(awk -v n="$name" '$3 == n' <<<"$mine")
  check "diskstats lists $name for the container that used it" test -n "$line"
  check_range "sectors written: the 8 MiB written" 16384 20000 "$(awk '{print $10}' <<<"$line")"
  check_range "sectors read: the 8 MiB read" 16384 20000 "$(awk '{print $6}' <<<"$line")"
  check_eq "only the device it touched counts" "$name" \
    "$(awk '{s = 0; for (i = 4; i <= NF; i++) s += $i; if (s > 0) print $3}' <<<"$mine" | tr '\n' ' ' | sed 's/ $//')"
  check_eq "the kernel's field count" "$(awk -v n="$name" '$3 == n {print NF}' /proc/diskstats)" "$(awk '{print NF}' <<<"$line")"
  check "the kernel's column format" grep -qE "^ {0,3}$major +$minor $name( [0-9]+)+$" <<<"$line"
fi

for r in cpu memory io; do
  if [ -e "/proc/pressure/$r" ]; then
    check "pressure/$r in the kernel's format" \
      grep -qE '^some avg10=[0-9]+\.[0-9]{2} avg60=[0-9]+\.[0-9]{2} avg300=[0-9]+\.[0-9]{2} total=[0-9]+$' \
      <(cg_exec disk cat "$MNT/proc/pressure/$r")
  fi
done
finish
