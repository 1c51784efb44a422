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
# cg_usage_and_stat NAME STATFILE: one process reads the cgroup's own CPU time (in ticks)
# and then STATFILE's "cpu" line, printing "RAW BUSY IDLE": the two are read microseconds
# apart, so they can be compared.
cg_usage_and_stat() {
  local raw
  if cg_is_v2; then raw="$PL_CG_ROOT/$PL_PREFIX/$1/cpu.stat"; else raw="$PL_CG_ROOT/cpuacct/$PL_PREFIX/$1/cpuacct.usage"; fi
  cg_exec "$1" awk 'FNR == NR { if (NF == 1) r = int($1 / 10000000); else if ($1 == "usage_usec") r = int($2 / 10000); next }
                    $1 == "cpu" { print r, $2 + $4, $5 }' "$raw" "$2"
}
