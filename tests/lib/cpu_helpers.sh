# Helpers of the CPU view tests (tests/integration/cpu_*.sh), on top of common.sh. Sourced.
# shellcheck shell=bash

# cg_quota NAME QUOTA_US PERIOD_US: a CPU quota in whichever version the host has.
cg_quota() {
  if cg_is_v2; then cg_set "$1" - cpu.max "$2 $3"; else
    cg_set "$1" cpu.cfs_period_us - "$3" && cg_set "$1" cpu.cfs_quota_us - "$2"; fi
}
# cg_cpus NAME LIST: the cgroup's cpuset.
cg_cpus() { cg_set "$1" cpuset.cpus cpuset.cpus "$2"; }

# Whether this shell sits in the root cgroup of the CPU controllers (it is the host then,
# and sees the host's files).
runner_in_root_cgroup() {
  if cg_is_v2; then grep -qx '0::/' /proc/self/cgroup; else
    awk -F: '$2 ~ /(^|,)cpuacct(,|$)/ && $3 != "/" { bad = 1 } END { exit bad }' /proc/self/cgroup; fi
}
# cg_favour NAME: the largest CPU weight, so the cgroup gets its quota on a busy host too.
cg_favour() { if cg_is_v2; then cg_set "$1" - cpu.weight 10000; else cg_set "$1" cpu.shares - 262144; fi; }
# cg_usage_ticks NAME: the cgroup's CPU time so far, in USER_HZ ticks, from cgroupfs itself.
cg_usage_ticks() {
  if cg_is_v2; then awk '$1 == "usage_usec" { printf "%d\n", $2 / 10000 }' "$PL_CG_ROOT/$PL_PREFIX/$1/cpu.stat"
  else awk '{ printf "%d\n", $1 / 10000000 }' "$PL_CG_ROOT/cpuacct/$PL_PREFIX/$1/cpuacct.usage"; fi
}
