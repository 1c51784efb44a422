/* The CPU model: which CPUs a container sees, how much CPU time it may use, and how much
 * it has used. */
#pragma once

#include "proclens/cgroup.h"
#include "proclens/cpuset.h"
#include <glib.h>

/* What a container is shown of the host's CPUs. Visible CPU i (0-based, as the container
 * numbers them) is the i-th member of `visible`, a set of host CPU numbers. */
typedef struct {
  PlCpuSet visible;
  guint n;          /* members of visible, at least 1 */
  double capacity;  /* CPUs' worth of time it may use per second: min(n, quota/period) */
  gboolean limited; /* visible differs from the host's online CPUs, or a quota applies */
} PlCpuView;

/* The quota of a cgroup, as the minimum of quota/period (in CPUs) over it and its
 * ancestors; 0 when no level sets one. v1 reads cpu.cfs_quota_us / cpu.cfs_period_us,
 * v2 cpu.max. */
double pl_cpu_quota_read(const PlCgNode *cpu_node);

/* The effective cpuset of a cgroup: cpuset.cpus.effective (v2) / cpuset.effective_cpus
 * (v1), else cpuset.cpus, walking up while a level's set is empty or unreadable.
 * FALSE when no level tells. */
gboolean pl_cpuset_read_effective(const PlCgNode *cpuset_node, PlCpuSet *ret_set);

/* Pure: the view from the host's online CPUs, the cgroup's cpuset (NULL: all online) and its
 * quota in CPUs (0: none). With quota_cap the count is capped at ceil(quota), keeping the
 * lowest-numbered CPUs. */
void pl_cpu_view_compute(const PlCpuSet *online, const PlCpuSet *cpuset, double quota,
                         gboolean quota_cap, PlCpuView *ret_view);

/* The host's online CPUs: <sys_root>/devices/system/cpu/online; FALSE when unreadable. */
gboolean pl_host_online_read(const char *sys_root, PlCpuSet *ret_set);

/* Reads the caller's view. A missing controller degrades to the host's value (all online
 * CPUs, no quota). */
void pl_cpu_view_read(const PlCgLayout *layout, const PlCgMembership *membership,
                      const PlCpuSet *online, gboolean quota_cap, PlCpuView *ret_view);

/* A container's CPU time, cumulative, in nanoseconds, per host CPU. The kernel counts the
 * run time itself precisely (`total`) but its user/system split by sampling at ticks, so
 * the two need not add up: shown time follows `total`, split in the ratio of user to
 * system over the same interval. */
typedef struct {
  guint ncpus;    /* entries in each array (host CPU numbers 0..ncpus-1) */
  guint64 *total; /* run time */
  guint64 *user;  /* its user part, as the kernel samples it */
  guint64 *system;
  gboolean per_cpu; /* FALSE: only totals are known; they sit at index 0 */
} PlCpuUsage;

void pl_cpu_usage_clear(PlCpuUsage *usage);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlCpuUsage, pl_cpu_usage_clear)

/* Parsers for the cgroup files, exposed for tests. */
gboolean pl_cpu_usage_parse_all(const char *usage_all, PlCpuUsage *ret_usage);
gboolean pl_cpu_usage_parse_percpu(const char *percpu, const char *cpuacct_stat,
                                   PlCpuUsage *ret_usage);
gboolean pl_cpu_usage_parse_v2(const char *cpu_stat, PlCpuUsage *ret_usage);

/* Reads the cgroup's CPU time: v1 cpuacct.usage_percpu (run time) split by the per-CPU
 * user/system of cpuacct.usage_all, else by cpuacct.stat's ratio; v2 cpu.stat (usage_usec,
 * user_usec, system_usec). FALSE when nothing is readable. */
gboolean pl_cpu_usage_read(const PlCgNode *cpuacct_node, PlCpuUsage *ret_usage);

/* Sum over all CPUs. */
guint64 pl_cpu_usage_total(const PlCpuUsage *usage);
