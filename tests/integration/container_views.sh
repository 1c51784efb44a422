#!/usr/bin/env bash
# Container views: containers/<name>/... for registered cgroups, served from the page cache
# and refreshed once per refresh interval while read; root-only, isolated, and gone (ENOENT)
# once unregistered or once their cgroup is removed.
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse; require_cmd setpriv

TMP=$(pl_tmpdir)
MNT=$TMP/mnt
REG=$TMP/registry
CONF=$TMP/proclensd.conf
MiB=1048576
# A long interval first: nothing may refresh while the cache is under test.
printf '[containers]\nrefresh-interval=60000\n' >"$CONF"
daemon_start "$MNT" -d -c "$CONF" --registry "$REG" || { not_ok "daemon starts"; finish; }
LOG=$MNT.log
V=$MNT/containers
check "the views are mounted on containers/" grep -q " $V fuse" /proc/self/mounts
check_eq "containers/ is root's alone (0700)" 700 "$(stat -c %a "$V")"

# register NAME CGROUP [PID]: the way any runtime does it (temporary file, then rename).
register() {
  printf '[container]\ncgroup=%s\n%s' "$2" "${3:+pid=$3
}" >"$REG/.$1.tmp" && mv "$REG/.$1.tmp" "$REG/$1"
}
# bg_in NAME: a long sleep inside cgroup NAME; prints its pid.
bg_in() { cg_exec "$1" sleep 1000 >/dev/null 2>&1 & echo $!; }

cg_create box && cg_set_memory box $((300 * MiB)) || { not_ok "create a 300 MiB cgroup"; finish; }
cg_create box2 && cg_set_memory box2 $((500 * MiB)) || { not_ok "create a 500 MiB cgroup"; finish; }
P1=$(bg_in box); P2=$(bg_in box2)
on_exit "kill $P1 $P2"
sleep 0.2
register box "/$PL_PREFIX/box" "$P1"
# Read at once: the daemon looks a name up in the registry itself when its watcher has not
# seen the file yet, so a runtime may bind right after registering.
check_eq "a view shows its cgroup's limit right after registering" 307200 \
  "$(meminfo_kb "$V/box/proc/meminfo" MemTotal)"
register box2 "/$PL_PREFIX/box2"
check_eq "a second container sees its own limit (no init given: a task of the cgroup)" 512000 \
  "$(meminfo_kb "$V/box2/proc/meminfo" MemTotal)"
check_eq "the first still sees its own" 307200 "$(meminfo_kb "$V/box/proc/meminfo" MemTotal)"
for i in $(seq 50); do [ "$(ls "$V" | tr '\n' ' ')" = "box box2 " ] && break; sleep 0.1; done
check_eq "containers/ lists the registered names" "box box2 " "$(ls "$V" | tr '\n' ' ')"
check_eq "each holds proc/ and sys/" "proc sys " "$(ls "$V/box" | tr '\n' ' ')"
for f in meminfo cpuinfo stat uptime loadavg swaps; do
  check "proc/$f is served" test -s "$V/box/proc/$f"
done
check_eq "proc/diskstats is served: the host's devices" \
  "$(awk '{print $3}' /proc/diskstats | tr '\n' ' ')" "$(awk '{print $3}' "$V/box/proc/diskstats" | tr '\n' ' ')"
check "sys/devices/system/cpu/online is served" grep -qE '^[0-9]' "$V/box/sys/devices/system/cpu/online"

# Not for other users: no listing, no way through a container's directory.
check "a non-root user cannot list containers/" \
  sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups ls '$V' >/dev/null 2>&1"
check "nor read a view by its path" \
  sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat '$V/box/proc/meminfo' >/dev/null 2>&1"

# The page cache serves repeated reads: the daemon sees no READ (and, with no-open, no
# OPEN) for them, and a change in the cgroup does not show before the interval.
M=$V/box/proc/meminfo
ino=$(stat -c %i "$M")
requests() { grep -c "opcode: $1 ([0-9]*), nodeid: $ino," "$LOG"; }
first=$(cat "$M")
reads=$(requests READ); opens=$(requests OPEN)
SHM=$TMP/shm; mkdir -p "$SHM"
mount -t tmpfs tmpfs "$SHM" && on_exit "umount -l '$SHM'"
cg_exec box dd if=/dev/zero of="$SHM/blob" bs=1M count=64 status=none
same=0
for i in $(seq 20); do [ "$(cat "$M")" = "$first" ] && same=$((same + 1)); done
check_eq "20 reads within the interval return the same bytes" 20 "$same"
check_eq "and never reach the daemon (READ requests)" "$reads" "$(requests READ)"
if grep -q "opens without a round trip" "$LOG"; then
  check_eq "nor open through it (no-open)" "$opens" "$(requests OPEN)"
else
  ok "# SKIP the kernel has no no-open support"
fi

# A shorter interval, by reload: the 64 MiB now show within it plus one read.
printf '[containers]\nrefresh-interval=200\n' >"$CONF"
kill -HUP "$PL_DAEMON_PID"
for i in $(seq 50); do grep -q "reloaded" "$LOG" && break; sleep 0.1; done
before=$(meminfo_kb <(echo "$first") MemFree)
sleep 1 # several intervals: the refresher has dropped the cached copy by now
after=$(meminfo_kb "$M" MemFree)
check_range "the allocation shows after the interval, in one read" $((60 * 1024)) $((70 * 1024)) \
  $((before - after))
check "the daemon rendered it afresh (GETATTR, then READ)" test "$(requests READ)" -gt "$reads"
check_eq "the other container did not move" 512000 "$(meminfo_kb "$V/box2/proc/meminfo" MemTotal)"

# A container reads its views by bind mount, as proclens run binds them.
free_total=$(cg_exec box unshare -m sh -c "mount --bind '$M' /proc/meminfo && free -k" | awk '/^Mem:/{print $2}')
check_eq "procps free in the container, through the bound view" 307200 "$free_total"
if [ "$(nproc --all)" -ge 2 ] && ! cg_is_v2; then
  for d in $(cg_dirs box); do [ -f "$d/cpuset.cpus" ] && echo 1 >"$d/cpuset.cpus"; done
  sleep 0.5
  check_eq "a 1-CPU cpuset: sys/devices/system/cpu/online" 0 "$(cat "$V/box/sys/devices/system/cpu/online")"
  check_eq "and only cpu0 listed" cpu0 "$(ls "$V/box/sys/devices/system/cpu" | grep -E '^cpu[0-9]+$' | tr '\n' ' ' | xargs)"

  # busybox cat into a file uses sendfile, which never asks for attributes: a longer render
  # reaches it through the refresher's store (within the interval plus one read), a shorter
  # one at once; never cut, never padded with NUL bytes.
  S=$V/box/proc/stat
  whole() { tr -d '\000' <"$1" | cmp -s - "$1" && [ -z "$(tail -c1 "$1")" ] && grep -q '^softirq ' "$1"; }
  busybox cat "$S" >"$TMP/stat.0"
  for d in $(cg_dirs box); do [ -f "$d/cpuset.cpus" ] && cat "$d/../cpuset.cpus" >"$d/cpuset.cpus"; done
  sleep 0.5
  busybox cat "$S" >/dev/null
  busybox cat "$S" >"$TMP/stat.1"
  check "sendfile: a longer render (a cpu1 line) after the interval plus one read" grep -q '^cpu1 ' "$TMP/stat.1"
  check "sendfile: and whole" whole "$TMP/stat.1"
  for d in $(cg_dirs box); do [ -f "$d/cpuset.cpus" ] && echo 0 >"$d/cpuset.cpus"; done
  sleep 0.5
  busybox cat "$S" >"$TMP/stat.2"
  check "sendfile: a shorter render (no cpu1 line) in the first read after the interval" sh -c "! grep -q '^cpu1 ' '$TMP/stat.2'"
  check "sendfile: and whole" whole "$TMP/stat.2"
fi

# Uptime counts from the registered init's pid namespace.
unshare --pid --fork --kill-child sleep 1000 >/dev/null 2>&1 &
U=$!; on_exit "kill $U"
for i in $(seq 50); do INIT=$(pgrep -P "$U" sleep) && break; sleep 0.1; done
register ns "/" "$INIT"
sleep 1.2
up=$(awk '{print int($1)}' "$V/ns/proc/uptime")
host_up=$(awk '{print int($1)}' /proc/uptime)
# The host may have booted a few seconds ago (the v2 guest): compare, with a margin.
check "uptime from the init's pid namespace ($up s, host $host_up s)" test "$up" -le 30 -a $((up + 3)) -lt "$host_up"
rm -f "$REG/ns"

# Gone: unregistering makes a bound view answer ENOENT; so does removing the cgroup.
mkfifo "$TMP/fifo"
(
  unshare -m sh -c "mount --bind '$M' /proc/meminfo; head -1 /proc/meminfo >/dev/null; echo ready; read _; cat /proc/meminfo" \
    <"$TMP/fifo" >"$TMP/bound.out" 2>&1
) &
B=$!
exec 7>"$TMP/fifo"
for i in $(seq 50); do grep -q ready "$TMP/bound.out" && break; sleep 0.1; done
rm "$REG/box"
for i in $(seq 50); do [ ! -e "$V/box" ] && break; sleep 0.1; done
check "an unregistered container leaves containers/" test ! -e "$V/box"
echo go >&7; exec 7>&-; wait "$B"
check "its bound view answers ENOENT" grep -q "No such file or directory" "$TMP/bound.out"
kill "$P2"; wait "$P2" 2>/dev/null
for d in $(cg_dirs box2); do cg_rmdir "$d"; done
out=$(cat "$V/box2/proc/meminfo" 2>&1)
check "a removed cgroup's view answers ENOENT" grep -q "No such file or directory" <<<"$out"

# What the registry cannot name safely is left out; the daemon serves on.
printf '[container]\ncgroup=/\n' >"$REG/bad name"
printf 'garbage\n' >"$REG/garbage"
sleep 0.3
check "names with unsafe characters are ignored" test ! -e "$V/bad name"
check "unparseable files are ignored" test ! -e "$V/garbage"
check "the daemon still serves" grep -q MemTotal "$MNT/proc/meminfo"
register host /
check_eq "and its views (the root cgroup: the host's figures)" "$(meminfo_kb /proc/meminfo MemTotal)" \
  "$(meminfo_kb "$V/host/proc/meminfo" MemTotal)"
daemon_stop "$MNT"
check "SIGTERM unmounts both mounts" sh -c "! grep -q ' $MNT' /proc/self/mounts"
finish
