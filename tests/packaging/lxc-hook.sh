#!/usr/bin/env bash
# The LXC mount hook without LXC: in a private mount namespace (unshare -m), a fake container
# root with a fresh procfs gets proclensd's files bound over its /proc files, as LXC's
# lxc.hook.mount would run it (LXC_ROOTFS_MOUNT set, before pivot_root).
source "$(dirname "$0")/../lib/common.sh"
require_root
require_fuse
require_cmd unshare
HOOK=${PROCLENS_BUILD_ROOT:?}/packaging/proclens-lxc-hook
work=$(pl_tmpdir)
on_exit "rm -rf '$work'"
mnt=$work/mnt
daemon_start "$mnt" || { not_ok "proclensd serves"; finish; }
ok "proclensd serves $mnt"
check "the hook is built" test -f "$HOOK" # made executable when installed

root=$work/rootfs
mkdir -p "$root/proc" "$root/sys"
cg_create lxc || { not_ok "cgroup"; finish; }
cg_set_memory lxc $((128 * 1024 * 1024))
# In a new mount namespace: procfs at $root/proc, the hook, then a read of $root/proc/meminfo
# from inside the limited cgroup.
out=$(cg_exec lxc unshare -m --propagation private sh -c '
  mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" || exit 90
  LXC_ROOTFS_MOUNT=$1 PROCLENS_MOUNTPOINT=$2 LXC_NAME=test sh "$3" || exit 91
  awk "\$1 == \"MemTotal:\" { print \$2 }" "$1/proc/meminfo"
  grep -c " $1/proc/.* fuse.proclens " /proc/self/mounts
  [ -f "$1/sys/devices/system/cpu/online" ] && grep -c " $1/sys/devices/system/cpu fuse.proclens " /proc/self/mounts
' _ "$root" "$mnt" "$HOOK" 2>&1)
rc=$?
check_eq "the hook runs (exit 0)" 0 "$rc"
check_eq "the fake container's /proc/meminfo shows its limit" 131072 "$(sed -n 1p <<<"$out")"
check_range "the proc files are bound (at least meminfo, cpuinfo, stat, uptime)" 4 100 "$(sed -n 2p <<<"$out")"
check_eq "sys/devices/system/cpu is bound" 1 "$(sed -n 3p <<<"$out")"
check "nothing leaked into the test's own mount namespace" sh -c "! grep -q ' $root/proc' /proc/self/mounts"
out=$(unshare -m --propagation private sh -c 'LXC_ROOTFS_MOUNT=$1 PROCLENS_MOUNTPOINT=$2 sh "$3"' _ "$root" "$work/none" "$HOOK" 2>&1)
rc=$?
check_eq "no daemon: the hook lets the container start (exit 0)" 0 "$rc"
check "no daemon: it says so" grep -q "not serving" <<<"$out"
finish
