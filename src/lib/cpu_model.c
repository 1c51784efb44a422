/* The CPU model: visible CPUs (effective cpuset ∩ host online, capped by the quota) and
 * the CPU time the container may use. */
#include "proclens/cpu.h"
#include "proclens/fileio.h"

#include <math.h>
#include <string.h>

/* One level's quota in CPUs, 0 when it sets none. */
static double
level_quota(const char *dir, gboolean v2)
{
  g_autofree char *text = NULL;

  if (v2) {
    if (!pl_read_file_in(dir, "cpu.max", &text, NULL))
      return 0;
    g_auto(GStrv) f = g_strsplit_set(g_strstrip(text), " \t", -1);
    guint64 quota, period;
    if (g_strv_length(f) != 2 || !pl_parse_u64(f[0], &quota) || !pl_parse_u64(f[1], &period) ||
        period == 0 || quota == 0)
      return 0; /* "max 100000", or malformed */
    return (double)quota / (double)period;
  }
  guint64 period;
  if (!pl_read_file_in(dir, "cpu.cfs_quota_us", &text, NULL))
    return 0;
  g_strstrip(text);
  guint64 quota;
  if (text[0] == '-' || !pl_parse_u64(text, &quota) || quota == 0) /* -1: no quota */
    return 0;
  if (!pl_read_u64_in(dir, "cpu.cfs_period_us", &period) || period == 0)
    return 0;
  return (double)quota / (double)period;
}

double
pl_cpu_quota_read(const PlCgNode *cpu_node)
{
  double best = 0;
  guint depth = pl_cg_node_depth(cpu_node);

  for (guint up = 0; up <= depth; up++) {
    g_autofree char *dir = pl_cg_node_dir(cpu_node, up);
    double q = level_quota(dir, cpu_node->v2);
    if (q > 0 && (best == 0 || q < best))
      best = q;
  }
  return best;
}

static gboolean
read_set_in(const char *dir, const char *name, PlCpuSet *ret_set)
{
  g_autofree char *text = NULL;
  PlCpuSet set;

  if (!pl_read_file_in(dir, name, &text, NULL) || !pl_cpuset_parse_list(text, &set) ||
      pl_cpuset_count(&set) == 0)
    return FALSE;
  *ret_set = set;
  return TRUE;
}

gboolean
pl_cpuset_read_effective(const PlCgNode *cpuset_node, PlCpuSet *ret_set)
{
  guint depth = pl_cg_node_depth(cpuset_node);
  const char *effective = cpuset_node->v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus";

  for (guint up = 0; up <= depth; up++) {
    g_autofree char *dir = pl_cg_node_dir(cpuset_node, up);
    if (read_set_in(dir, effective, ret_set) || read_set_in(dir, "cpuset.cpus", ret_set))
      return TRUE;
  }
  return FALSE;
}

void
pl_cpu_view_compute(const PlCpuSet *online, const PlCpuSet *cpuset, double quota,
                    gboolean quota_cap, PlCpuView *ret_view)
{
  PlCpuView v;
  guint n_online = MAX(pl_cpuset_count(online), 1);

  v.visible = *online;
  if (cpuset != NULL) {
    pl_cpuset_and(&v.visible, cpuset);
    /* A cpuset of CPUs that are all offline: the kernel runs the tasks on the parent's
     * CPUs, so show the host's online CPUs rather than none. */
    if (pl_cpuset_count(&v.visible) == 0)
      v.visible = *online;
  }
  if (pl_cpuset_count(&v.visible) == 0)
    pl_cpuset_add(&v.visible, 0);
  if (quota_cap && quota > 0) {
    /* Round before ceil so that 150000/100000 computed in floating point stays 2. */
    double cap = ceil(quota - 1e-9);
    pl_cpuset_keep_first(&v.visible, (guint)MAX(cap, 1.0));
  }
  v.n = pl_cpuset_count(&v.visible);
  v.capacity = quota > 0 ? MIN((double)v.n, quota) : (double)v.n;
  v.limited = v.n != n_online || memcmp(&v.visible, online, sizeof v.visible) != 0 ||
              v.capacity < (double)v.n;
  *ret_view = v;
}

gboolean
pl_host_online_read(const char *sys_root, PlCpuSet *ret_set)
{
  g_autofree char *dir = g_build_filename(sys_root, "devices/system/cpu", NULL);
  return read_set_in(dir, "online", ret_set);
}

void
pl_cpu_view_read(const PlCgLayout *layout, const PlCgMembership *membership, const PlCpuSet *online,
                 gboolean quota_cap, PlCpuView *ret_view)
{
  g_auto(PlCgNode) cpuset_node = {0};
  g_auto(PlCgNode) cpu_node = {0};
  PlCpuSet cpuset;
  gboolean have_cpuset = FALSE;
  double quota = 0;

  if (pl_cg_node_for(layout, membership, PL_CTRL_CPUSET, &cpuset_node))
    have_cpuset = pl_cpuset_read_effective(&cpuset_node, &cpuset);
  if (pl_cg_node_for(layout, membership, PL_CTRL_CPU, &cpu_node))
    quota = pl_cpu_quota_read(&cpu_node);
  pl_cpu_view_compute(online, have_cpuset ? &cpuset : NULL, quota, quota_cap, ret_view);
}
