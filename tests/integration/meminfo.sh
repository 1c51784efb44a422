#!/usr/bin/env bash
# meminfo and swaps through the mount, for readers in real memory-limited cgroups.
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse

MNT=$(pl_tmpdir)/mnt
daemon_start "$MNT" || { not_ok "daemon starts"; finish; }
ok "daemon starts and serves $MNT"
M=$MNT/proc/meminfo
MiB=1048576

cg_create box && cg_set_memory box $((300 * MiB)) || { not_ok "create a 300 MiB cgroup"; finish; }
out=$(cg_exec box cat "$M")
check_eq "MemTotal is the cgroup limit" 307200 "$(awk '$1=="MemTotal:"{print $2}' <<<"$out")"
free_kb=$(awk '$1=="MemFree:"{print $2}' <<<"$out")
avail_kb=$(awk '$1=="MemAvailable:"{print $2}' <<<"$out")
check "MemFree <= MemAvailable <= MemTotal ($free_kb, $avail_kb)" test "$free_kb" -le "$avail_kb" -a "$avail_kb" -le 307200
check_eq "every host key, in the host's order" "$(awk '{print $1}' /proc/meminfo | tr '\n' ' ')" \
  "$(awk '{print $1}' <<<"$out" | tr '\n' ' ')"
check "kernel's column format" grep -qE '^MemTotal: {9}307200 kB$' <<<"$out"

host_total=$(meminfo_kb /proc/meminfo MemTotal)
check_eq "an unlimited caller sees the host's MemTotal" "$host_total" "$(meminfo_kb "$M" MemTotal)"

# Memory the container allocates (tmpfs pages are charged to the writer's cgroup).
SHM=$(pl_tmpdir)
mount -t tmpfs tmpfs "$SHM" && on_exit "umount -l '$SHM'"
before=$(cg_exec box cat "$M" | awk '$1=="MemFree:"{print $2}')
cg_exec box dd if=/dev/zero of="$SHM/blob" bs=1M count=64 status=none
after=$(cg_exec box cat "$M" | awk '$1=="MemFree:"{print $2}')
shmem=$(cg_exec box cat "$M" | awk '$1=="Shmem:"{print $2}')
check_range "MemFree drops by the 64 MiB written to tmpfs" $((60 * 1024)) $((70 * 1024)) $((before - after))
check_range "Shmem shows the 64 MiB" $((64 * 1024)) $((70 * 1024)) "$shmem"

# top keeps its fd open and does lseek(0) + read on each refresh: it must see fresh numbers.
fresh=$(cg_exec box perl -e '
  open(my $f, "<", $ARGV[0]) or die; my $a = join("", <$f>);
  system("rm", "-f", $ARGV[1]);
  seek($f, 0, 0); my $b = join("", <$f>);
  my ($x) = $a =~ /MemFree:\s+(\d+)/; my ($y) = $b =~ /MemFree:\s+(\d+)/; print $y - $x;' "$M" "$SHM/blob")
check_range "lseek(0) + read sees memory freed meanwhile" $((60 * 1024)) $((70 * 1024)) "$fresh"

# Reading in small chunks gives one consistent snapshot.
chunked=$(cg_exec box dd if="$M" bs=7 status=none | awk '$1=="MemTotal:"{print $2}')
check_eq "7-byte reads assemble the same file" 307200 "$chunked"

# A tighter parent binds a looser child, and the figures describe the parent.
cg_create outer && cg_set_memory outer $((200 * MiB)) && cg_create outer/inner && cg_set_memory outer/inner $((500 * MiB))
check_eq "nested: the tighter parent limit wins" 204800 "$(cg_exec outer/inner cat "$M" | awk '$1=="MemTotal:"{print $2}')"

# swaps agrees with meminfo's swap lines.
swaps=$(cg_exec box cat "$MNT/proc/swaps")
check "swaps starts with the kernel's header" grep -q '^Filename' <<<"$swaps"
swap_total=$(cg_exec box cat "$M" | awk '$1=="SwapTotal:"{print $2}')
if [ "$swap_total" = 0 ]; then
  check_eq "no swap: header only" 1 "$(wc -l <<<"$swaps")"
else
  check_eq "swap line size = SwapTotal" "$swap_total" "$(awk 'NR==2{print $3}' <<<"$swaps")"
fi

# procps free, with the file bind-mounted over /proc/meminfo in a private mount namespace.
if command -v free >/dev/null; then
  free_total=$(cg_exec box unshare -m sh -c "mount --bind '$M' /proc/meminfo && free -k" | awk '/^Mem:/{print $2}')
  check_eq "procps free reports the limit" 307200 "$free_total"
else
  not_ok "procps free is installed"
fi

# Many concurrent readers in different cgroups: each only ever sees its own limit.
# (Fewer rounds in the emulated v2 guest, where each exec costs ~50 ms.)
ROUNDS=150; [ "${PROCLENS_IN_GUEST:-0}" = 1 ] && ROUNDS=25
for i in 1 2 3 4 5 6 7 8; do cg_create "r$i" && cg_set_memory "r$i" $((i * 64 * MiB)); done
pids=()
for i in 1 2 3 4 5 6 7 8; do
  cg_exec "r$i" sh -c 'n=0; while [ $n -lt "$3" ]; do
      v=$(awk "\$1==\"MemTotal:\"{print \$2}" "$1"); [ "$v" = "$2" ] || { echo "got $v want $2"; exit 1; }
      n=$((n + 1)); done' sh "$M" $((i * 64 * 1024)) "$ROUNDS" &
  pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
check_eq "8 concurrent readers x $ROUNDS reads: no cross-talk" 0 "$bad"
finish
