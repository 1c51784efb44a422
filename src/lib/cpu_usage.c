/* A cgroup's cumulative CPU time per host CPU, from cpuacct (v1) or cpu.stat (v2). */
#include "proclens/cpu.h"
#include "proclens/fileio.h"

#include <stdio.h>
#include <string.h>

void
pl_cpu_usage_clear(PlCpuUsage *usage)
{
  g_clear_pointer(&usage->total, g_free);
  g_clear_pointer(&usage->user, g_free);
  g_clear_pointer(&usage->system, g_free);
  usage->ncpus = 0;
  usage->per_cpu = FALSE;
}

static void
usage_alloc(PlCpuUsage *u, guint ncpus, gboolean per_cpu)
{
  u->ncpus = MAX(ncpus, 1);
  u->total = g_new0(guint64, u->ncpus);
  u->user = g_new0(guint64, u->ncpus);
  u->system = g_new0(guint64, u->ncpus);
  u->per_cpu = per_cpu;
}

/* cpuacct.usage_all: a header "cpu user system", then "N USER_NS SYSTEM_NS" per CPU. */
gboolean
pl_cpu_usage_parse_all(const char *usage_all, PlCpuUsage *ret_usage)
{
  g_auto(GStrv) lines = g_strsplit(usage_all, "\n", -1);
  guint max_cpu = 0, rows = 0;
  g_auto(PlCpuUsage) u = {0};

  if (lines[0] == NULL || !g_str_has_prefix(lines[0], "cpu "))
    return FALSE;
  for (char **l = lines + 1; *l != NULL; l++) {
    guint64 cpu, us, sy;
    if (**l == '\0')
      continue;
    if (sscanf(*l, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &cpu, &us,
               &sy) != 3 ||
        cpu >= PL_CPUSET_MAX)
      return FALSE;
    max_cpu = MAX(max_cpu, (guint)cpu);
    rows++;
  }
  if (rows == 0)
    return FALSE;
  usage_alloc(&u, max_cpu + 1, TRUE);
  for (char **l = lines + 1; *l != NULL; l++) {
    guint64 cpu, us, sy;
    if (**l != '\0' && sscanf(*l, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                              &cpu, &us, &sy) == 3) {
      u.user[cpu] = us;
      u.system[cpu] = sy;
      u.total[cpu] = us + sy;
    }
  }
  *ret_usage = u;
  memset(&u, 0, sizeof u);
  return TRUE;
}

/* cpuacct.usage_percpu gives each CPU's total; cpuacct.stat's user/system (in ticks)
 * splits it, with one ratio for all CPUs. Without cpuacct.stat all of it is user time. */
gboolean
pl_cpu_usage_parse_percpu(const char *percpu, const char *cpuacct_stat, PlCpuUsage *ret_usage)
{
  g_auto(GStrv) f = g_strsplit_set(percpu, " \t\n", -1);
  g_autoptr(GArray) totals = g_array_new(FALSE, FALSE, sizeof(guint64));
  guint64 st_user = 1, st_system = 0;

  for (char **p = f; *p != NULL; p++) {
    guint64 v;
    if (**p == '\0')
      continue;
    if (!pl_parse_u64(*p, &v))
      return FALSE;
    g_array_append_val(totals, v);
  }
  if (totals->len == 0 || totals->len > PL_CPUSET_MAX)
    return FALSE;
  if (cpuacct_stat != NULL) {
    guint64 us, sy;
    if (pl_keyed_u64(cpuacct_stat, "user", &us) && pl_keyed_u64(cpuacct_stat, "system", &sy) &&
        us + sy > 0) {
      st_user = us;
      st_system = sy;
    }
  }
  usage_alloc(ret_usage, totals->len, TRUE);
  for (guint i = 0; i < totals->len; i++) {
    guint64 t = g_array_index(totals, guint64, i);
    /* t * user / (user + system) without overflowing 64 bits. */
    guint64 sys = (guint64)((double)t * (double)st_system / (double)(st_user + st_system));
    ret_usage->system[i] = MIN(sys, t);
    ret_usage->user[i] = t - ret_usage->system[i];
    ret_usage->total[i] = t;
  }
  return TRUE;
}

/* v2 cpu.stat knows totals only (microseconds). */
gboolean
pl_cpu_usage_parse_v2(const char *cpu_stat, PlCpuUsage *ret_usage)
{
  guint64 usage, user = 0, system = 0;

  if (!pl_keyed_u64(cpu_stat, "usage_usec", &usage))
    return FALSE;
  if (!pl_keyed_u64(cpu_stat, "user_usec", &user) ||
      !pl_keyed_u64(cpu_stat, "system_usec", &system)) {
    user = usage;
    system = 0;
  }
  usage_alloc(ret_usage, 1, FALSE);
  ret_usage->total[0] = usage * 1000;
  ret_usage->user[0] = user * 1000;
  ret_usage->system[0] = system * 1000;
  return TRUE;
}

gboolean
pl_cpu_usage_read(const PlCgNode *node, PlCpuUsage *ret_usage)
{
  g_autofree char *dir = pl_cg_node_dir(node, 0);
  g_autofree char *text = NULL;
  g_autofree char *stat = NULL;

  if (node->v2)
    return pl_read_file_in(dir, "cpu.stat", &text, NULL) && pl_cpu_usage_parse_v2(text, ret_usage);
  g_autofree char *percpu = NULL;
  pl_read_file_in(dir, "cpuacct.usage_percpu", &percpu, NULL);
  if (pl_read_file_in(dir, "cpuacct.usage_all", &text, NULL) &&
      pl_cpu_usage_parse_all(text, ret_usage)) {
    g_auto(PlCpuUsage) precise = {0};
    /* usage_all's columns are tick samples; usage_percpu has the run time itself. */
    if (percpu != NULL && pl_cpu_usage_parse_percpu(percpu, NULL, &precise) &&
        precise.ncpus == ret_usage->ncpus)
      memcpy(ret_usage->total, precise.total, sizeof(guint64) * precise.ncpus);
    return TRUE;
  }
  if (percpu == NULL)
    return FALSE;
  pl_read_file_in(dir, "cpuacct.stat", &stat, NULL);
  return pl_cpu_usage_parse_percpu(percpu, stat, ret_usage);
}

guint64
pl_cpu_usage_total(const PlCpuUsage *usage)
{
  guint64 t = 0;
  for (guint i = 0; i < usage->ncpus; i++)
    t += usage->total[i];
  return t;
}
