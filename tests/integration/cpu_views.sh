#!/usr/bin/env bash
# CPU views through the mount (cpuinfo, stat, online, cpuN/, uptime) for readers in a real
# cgroup pinned to one CPU with a 50 ms / 100 ms quota, and what nproc, getconf and top
# make of them. Works on v1, hybrid and v2 hosts.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cpu_helpers.sh"
require_root; require_fuse
require_cmd unshare; require_cmd top; require_cmd getconf; require_cmd nproc

MNT=$(pl_tmpdir)/mnt
daemon_start "$MNT" || { not_ok "daemon starts"; finish; }
ok "daemon starts and serves $MNT"
SYSCPU=$MNT/sys/devices/system/cpu


cg_create one && cg_cpus one 0 && cg_quota one 50000 100000 ||
  { not_ok "create a cgroup pinned to CPU 0 with a 50 ms / 100 ms quota"; finish; }
ok "cgroup pinned to CPU 0 with a 50 ms / 100 ms quota"

check_eq "cpuinfo: one processor" 1 "$(cg_exec one grep -c '^processor' "$MNT/proc/cpuinfo")"
check_eq "cpuinfo: it is processor 0" "processor	: 0" "$(cg_exec one grep '^processor' "$MNT/proc/cpuinfo")"
stat=$(cg_exec one cat "$MNT/proc/stat")
check_eq "stat: one cpuN line" "cpu0" "$(grep -o '^cpu[0-9]\+' <<<"$stat" | tr '\n' ' ' | sed 's/ $//')"
check "stat: the aggregate line in the kernel's format" grep -qE '^cpu  [0-9]+( [0-9]+){9}$' <<<"$stat"
check_eq "stat: the host's other lines, in order" "$(grep -v '^cpu' /proc/stat | awk '{print $1}' | tr '\n' ' ')" \
  "$(grep -v '^cpu' <<<"$stat" | awk '{print $1}' | tr '\n' ' ')"
check_eq "online is 0" 0 "$(cg_exec one cat "$SYSCPU/online")"
check_eq "possible is 0" 0 "$(cg_exec one cat "$SYSCPU/possible")"
check_eq "present is 0" 0 "$(cg_exec one cat "$SYSCPU/present")"
check_eq "sys/devices/system/cpu lists cpu0 only" "cpu0" \
  "$(cg_exec one ls "$SYSCPU" | grep -E '^cpu[0-9]+$' | tr '\n' ' ' | sed 's/ $//')"
check_eq "sys/devices/system/cpu keeps online, possible, present" "online possible present" \
  "$(cg_exec one ls "$SYSCPU" | grep -E '^(online|possible|present)$' | tr '\n' ' ' | sed 's/ $//')"
check "cpu1/ does not exist for it" cg_exec one sh -c "! test -e '$SYSCPU/cpu1'"
check "cpu0/topology/core_id is readable" cg_exec one test -n "$(cg_exec one cat "$SYSCPU/cpu0/topology/core_id")"
check_eq "cpu0/topology/thread_siblings_list is renumbered" 0 \
  "$(cg_exec one cat "$SYSCPU/cpu0/topology/thread_siblings_list")"

host_n=$(grep -c '^processor' /proc/cpuinfo)
check_eq "an unlimited caller sees the host's processors" "$host_n" "$(grep -c '^processor' "$MNT/proc/cpuinfo")"
check_eq "an unlimited caller sees the host's online" "$(cat /sys/devices/system/cpu/online)" "$(cat "$SYSCPU/online")"
check_eq "an unlimited caller sees every cpuN/" "$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)" \
  "$(ls -d "$SYSCPU"/cpu[0-9]* | wc -l)"

# The quota alone (no cpuset): ceil(quota/period) CPUs.
if [ "$host_n" -ge 2 ]; then
  cg_create q && cg_quota q 50000 100000
  check_eq "quota 0.5 CPU on $host_n CPUs: online 0" 0 "$(cg_exec q cat "$SYSCPU/online")"
  cg_quota q 150000 100000
  check_eq "quota 1.5 CPUs: online 0-1" 0-1 "$(cg_exec q cat "$SYSCPU/online")"
  cg_create qp && cg_quota qp 100000 100000 && cg_create qp/child
  check_eq "quota on the parent only binds the child" 0 "$(cg_exec qp/child cat "$SYSCPU/online")"
fi

# Counters only grow, read after read.
mono=1
prev=$(cg_exec one head -2 "$MNT/proc/stat")
for i in 1 2 3 4 5; do
  sleep 0.2
  cur=$(cg_exec one head -2 "$MNT/proc/stat")
  paste <(tr ' ' '\n' <<<"$prev") <(tr ' ' '\n' <<<"$cur") |
    awk '$1 ~ /^[0-9]+$/ && $2 < $1 { bad = 1 } END { exit bad }' || mono=0
  prev=$cur
done
check "stat counters never decrease across reads" test $mono = 1

# glibc and procps, with the files bound over /proc and /sys in a private mount namespace.
binds="mount --bind '$MNT/proc/cpuinfo' /proc/cpuinfo && mount --bind '$MNT/proc/stat' /proc/stat &&
       mount --bind '$SYSCPU/online' /sys/devices/system/cpu/online"
check_eq "nproc reports 1" 1 "$(cg_exec one unshare -m sh -c "$binds && nproc")"
check_eq "getconf _NPROCESSORS_ONLN reports 1" 1 "$(cg_exec one unshare -m sh -c "$binds && getconf _NPROCESSORS_ONLN")"
# top -1 shows one summary line per CPU.
top_out=$(cg_exec one unshare -m sh -c "$binds && HOME=/nonexistent top -b -1 -n 2 -d 0.3")
check_eq "top shows one CPU" 1 "$(grep -cE '^%Cpu[0-9]+' <<<"$(awk '/^top - /{n++} n==2' <<<"$top_out")")"

# The whole of sys/devices/system/cpu bound: glibc's configured count and lscpu agree.
dirbind="mount --bind '$MNT/proc/cpuinfo' /proc/cpuinfo && mount --bind '$SYSCPU' /sys/devices/system/cpu"
check_eq "getconf _NPROCESSORS_CONF reports 1" 1 "$(cg_exec one unshare -m sh -c "$dirbind && getconf _NPROCESSORS_CONF")"
if command -v lscpu >/dev/null; then
  lscpu_out=$(cg_exec one unshare -m sh -c "$dirbind && lscpu")
  check_eq "lscpu: CPU(s) 1" 1 "$(awk -F: '$1 == "CPU(s)" {gsub(/ /, "", $2); print $2}' <<<"$lscpu_out")"
  check_eq "lscpu: on-line list 0" 0 "$(awk -F: '$1 ~ /^On-line CPU/ {gsub(/ /, "", $2); print $2}' <<<"$lscpu_out")"
fi
check_eq "the host's other entries pass through (kernel_max)" "$(cat /sys/devices/system/cpu/kernel_max)" \
  "$(cg_exec one cat "$SYSCPU/kernel_max")"

# uptime in a new pid namespace counts from its init.
up=$(cg_exec one unshare -pf --mount-proc sh -c "mount --bind '$MNT/proc/uptime' /proc/uptime && sleep 1 && cat /proc/uptime")
check_range "uptime in a new pid namespace is small (${up%% *})" 1 5 "$(awk '{print int($1)}' <<<"$up")"
check "uptime: two decimals, like the kernel" grep -qE '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$' <<<"$up"
pretty=$(cg_exec one unshare -pf --mount-proc sh -c "mount --bind '$MNT/proc/uptime' /proc/uptime && uptime")
check "procps uptime says 'up 0 min' ($pretty)" grep -q 'up 0 min' <<<"$pretty"
host_up=$(awk '{print int($1)}' /proc/uptime)
check_range "the host's pid namespace sees the host's uptime" $((host_up - 2)) $((host_up + 2)) \
  "$(cg_exec one awk '{print int($1)}' "$MNT/proc/uptime")"
bt=$(cg_exec one unshare -pf --mount-proc sh -c "sleep 1; awk '/^btime/{print \$2}' '$MNT/proc/stat'")
now=$(date +%s)
check_range "btime in a new pid namespace is its boot" $((now - 5)) "$now" "$bt"

# Concurrent readers in different cgroups: each only ever sees its own CPUs.
if [ "$host_n" -ge 2 ]; then
  cg_create two && cg_cpus two 0-1
  pids=()
  for i in 1 2 3 4 5 6 7 8; do
    if [ $((i % 2)) = 0 ]; then name=one want=1 list=0; else name=two want=2 list=0-1; fi
    cg_exec "$name" sh -c 'n=0; while [ $n -lt 60 ]; do
        c=$(grep -c "^cpu[0-9]" "$1/proc/stat"); p=$(grep -c "^processor" "$1/proc/cpuinfo")
        o=$(cat "$1/sys/devices/system/cpu/online"); d=$(ls -d "$1"/sys/devices/system/cpu/cpu[0-9]* | wc -l)
        [ "$c $p $o $d" = "$2 $2 $3 $2" ] || { echo "got $c $p $o $d want $2 $2 $3 $2"; exit 1; }
        n=$((n + 1)); done' sh "$MNT" "$want" "$list" &
    pids+=($!)
  done
  bad=0
  for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
  check_eq "8 concurrent readers x 60 rounds in two cgroups: no cross-talk" 0 "$bad"
fi
check "the daemon still serves" test -n "$(cat "$MNT/proc/stat")"

# --no-cpu-quota-cap: a quota alone hides no CPU.
daemon_stop "$MNT"
MNT2=$(pl_tmpdir)/mnt
daemon_start "$MNT2" --no-cpu-quota-cap || { not_ok "daemon starts with --no-cpu-quota-cap"; finish; }
cg_create wide && cg_quota wide 50000 100000
check_eq "--no-cpu-quota-cap: a 0.5 CPU quota shows every CPU" "$(cat /sys/devices/system/cpu/online)" \
  "$(cg_exec wide cat "$MNT2/sys/devices/system/cpu/online")"
check_eq "--no-cpu-quota-cap: the cpuset still applies" 0 "$(cg_exec one cat "$MNT2/sys/devices/system/cpu/online")"
finish
