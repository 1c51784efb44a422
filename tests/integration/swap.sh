#!/usr/bin/env bash
# Swap as a container sees it: meminfo's SwapTotal/SwapFree and the swaps line, from the
# cgroup's swap allowance, with a real swap file switched on for the test.
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse
MiB=1048576

TMP=$(pl_tmpdir)
# Swap files cannot live on tmpfs or overlayfs; /var/tmp is on the real disk on Debian.
SWAPDIR=$(mktemp -d /var/tmp/proclens-swap-XXXXXX); on_exit "rm -rf '$SWAPDIR'"
SWAPFILE=$SWAPDIR/swap
# A zram device of our own when no file can hold swap (the v2 guest's root is overlay on 9p).
zram_swap() {
  modprobe zram num_devices=0 2>/dev/null
  [ -e /sys/class/zram-control/hot_add ] || return 1
  local n; n=$(cat /sys/class/zram-control/hot_add) || return 1
  on_exit "echo $n > /sys/class/zram-control/hot_remove"
  echo 128M >"/sys/block/zram$n/disksize" && mkswap "/dev/zram$n" >/dev/null 2>&1 &&
    swapon "/dev/zram$n" && on_exit "swapoff /dev/zram$n"
}
if dd if=/dev/zero of="$SWAPFILE" bs=1M count=128 status=none && chmod 600 "$SWAPFILE" &&
   mkswap "$SWAPFILE" >/dev/null 2>&1 && swapon "$SWAPFILE" 2>/dev/null; then
  on_exit "swapoff '$SWAPFILE'"
elif ! zram_swap; then
  skip_all "no swap can be switched on here (neither a swap file in /var/tmp nor zram)"
fi

MNT=$TMP/mnt
daemon_start "$MNT" || { not_ok "daemon starts"; finish; }
M=$MNT/proc/meminfo
field() { awk -v k="$2:" '$1 == k { print $2 }' <<<"$1"; }

host_swap=$(meminfo_kb /proc/meminfo SwapTotal)
check_range "the host has the 128 MiB swap file" 130000 99999999 "$host_swap"

cg_create box
if cg_is_v2; then
  cg_set_memory box $((100 * MiB)); cg_set box - memory.swap.max $((32 * MiB))
else
  cg_set_memory box $((100 * MiB)); cg_set box memory.memsw.limit_in_bytes - $((132 * MiB))
fi
out=$(cg_exec box cat "$M")
check_eq "SwapTotal is the cgroup's swap allowance (32 MiB)" 32768 "$(field "$out" SwapTotal)"
check_eq "SwapFree = SwapTotal while nothing is swapped" 32768 "$(field "$out" SwapFree)"
swaps=$(cg_exec box cat "$MNT/proc/swaps")
check_eq "swaps: one line for the container's swap" 2 "$(wc -l <<<"$swaps")"
check_eq "swaps: its size is SwapTotal" 32768 "$(awk 'NR == 2 { print $3 }' <<<"$swaps")"

# Push 48 MiB of anonymous memory into a 32 MiB limit with 96 MiB of swap: the rest must go to swap.
# (v1: lower memory first, then memory+swap, which may never be below memory.)
cg_set_memory box $((32 * MiB))
if ! cg_is_v2; then
  cg_set box memory.memsw.limit_in_bytes - $((128 * MiB))
  cg_set box memory.swappiness - 100
else
  cg_set box - memory.swap.max $((96 * MiB))
fi
out=$(cg_exec box perl -e '
  my $buf = "x" x (48 * 1048576);
  open(my $f, "<", $ARGV[0]) or die; print <$f>;' "$M")
total=$(field "$out" SwapTotal) free=$(field "$out" SwapFree)
check_eq "after the limits change, SwapTotal follows (96 MiB)" 98304 "$total"
check_range "memory pushed out shows as used swap" 8192 98304 $((total - free))
check "SwapFree <= SwapTotal" test "$free" -le "$total"

check_eq "an unlimited caller sees the host's swap" "$host_swap" "$(meminfo_kb "$M" SwapTotal)"
finish
