#!/usr/bin/env bash
# The LXC mount hook without LXC: in a private mount namespace (unshare -m), a fake container
# root with a fresh procfs gets proclensd's files bound over its /proc files, as LXC's
# lxc.hook.mount would run it (LXC_ROOTFS_MOUNT set, before pivot_root); the binds survive a
# daemon crash and restart.
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
  if [ -d /sys/devices/system/node ]; then grep -c " $1/sys/devices/system/node fuse.proclens " /proc/self/mounts; else echo none; fi
' _ "$root" "$mnt" "$HOOK" 2>&1)
rc=$?
check_eq "the hook runs (exit 0)" 0 "$rc"
check_eq "the fake container's /proc/meminfo shows its limit" 131072 "$(sed -n 1p <<<"$out")"
check_range "the proc files are bound (at least meminfo, cpuinfo, stat, uptime)" 4 100 "$(sed -n 2p <<<"$out")"
check_eq "sys/devices/system/cpu is bound" 1 "$(sed -n 3p <<<"$out")"
if [ "$(sed -n 4p <<<"$out")" = none ]; then ok "sys/devices/system/node is bound # SKIP the host has none"; else
  check_eq "sys/devices/system/node is bound" 1 "$(sed -n 4p <<<"$out")"
fi
check "nothing leaked into the test's own mount namespace" sh -c "! grep -q ' $root/proc' /proc/self/mounts"
out=$(unshare -m --propagation private sh -c 'LXC_ROOTFS_MOUNT=$1 PROCLENS_MOUNTPOINT=$2 sh "$3"' _ "$root" "$work/none" "$HOOK" 2>&1)
rc=$?
check_eq "no daemon: the hook lets the container start (exit 0)" 0 "$rc"
check "no daemon: it says so" grep -q "not serving" <<<"$out"

# A running "container" across a daemon crash: the next daemon repairs the hook's binds.
ready=$work/held
cg_exec lxc unshare -m --propagation private sh -c '
  mount -t proc proc "$1/proc" && mount -t sysfs sysfs "$1/sys" || exit 90
  LXC_ROOTFS_MOUNT=$1 PROCLENS_MOUNTPOINT=$2 LXC_NAME=test sh "$3" >/dev/null 2>&1 || exit 91
  echo $$ >"$4.tmp" && mv "$4.tmp" "$4" && exec sleep 100000' _ "$root" "$mnt" "$HOOK" "$ready" &
on_exit "kill -9 $!"
for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.1; done
holder=$(cat "$ready") # cg_exec is a function: $! is a subshell, not the sleep
on_exit "kill -9 $holder"
held() { cg_exec lxc nsenter -t "$holder" -m awk '$1 == "MemTotal:" { print $2 }' "$root/proc/meminfo" 2>&1; }
check_eq "a running container reads its limit" 131072 "$(held)"
kill -9 "$PL_DAEMON_PID"; wait "$PL_DAEMON_PID" 2>/dev/null
daemon_start "$mnt" || not_ok "proclensd starts again"
for _ in $(seq 100); do [ "$(held)" = 131072 ] && break; sleep 0.1; done
check_eq "after a daemon crash and a new start, it reads it again" 131072 "$(held)"
check "the repaired bind is read-only, as the hook made it" \
  awk -v t="$root/proc/meminfo" '$5 == t { o = $6 } END { exit o !~ /^ro/ }' "/proc/$holder/mountinfo"
finish
