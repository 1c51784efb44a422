/* Caller -> CPU view, boot time and CPU counters: shared by the CPU and time producers. */
#include "proclens/caller_cpu.h"
#include "proclens/cpu_views.h"
#include "proclens/error.h"
#include "proclens/host_cpu.h"
#include "proclens/pidns.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

void
pl_caller_cpu_clear(PlCallerCpu *caller)
{
  pl_cg_membership_clear(&caller->membership);
}

void
pl_host_online(const PlContext *ctx, PlCpuSet *ret_online)
{
  g_autofree char *dir = g_build_filename(ctx->sys_root, "devices/system/cpu", NULL);
  g_autofree char *text = NULL;
  if (pl_host_cache_read_in(ctx->host_cache, dir, "online", &text, NULL) &&
      pl_cpuset_parse_list(text, ret_online) && pl_cpuset_count(ret_online) > 0)
    return;
  cpu_set_t mask;
  pl_cpuset_clear(ret_online);
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) {
    for (guint c = 0; c < CPU_SETSIZE && c < PL_CPUSET_MAX; c++) {
      if (CPU_ISSET(c, &mask))
        pl_cpuset_add(ret_online, c);
    }
  }
  if (pl_cpuset_count(ret_online) == 0)
    pl_cpuset_add(ret_online, 0);
}

static gboolean
node_is_root(const PlCgLayout *layout, const PlCgMembership *m, PlController ctrl)
{
  g_auto(PlCgNode) node = {0};
  return !pl_cg_node_for(layout, m, ctrl, &node) || pl_cg_node_depth(&node) == 0;
}

gboolean
pl_caller_cpu(const PlContext *ctx, pid_t pid, PlCallerCpu *ret_caller, GError **error)
{
  PlCpuSet online;

  memset(ret_caller, 0, sizeof *ret_caller);
  pl_host_online(ctx, &online);
  if (pid <= 0) {
    pl_cpu_view_compute(&online, NULL, 0, FALSE, &ret_caller->view);
    ret_caller->host = TRUE;
    return TRUE;
  }
  if (!pl_cg_membership_read(ctx->proc_root, pid, &ret_caller->membership, error))
    return FALSE;
  pl_cpu_view_read(ctx->layout, &ret_caller->membership, &online, g_atomic_int_get(&ctx->quota_cap),
                   &ret_caller->view);
  ret_caller->host = !ret_caller->view.limited &&
                     node_is_root(ctx->layout, &ret_caller->membership, PL_CTRL_CPUACCT) &&
                     node_is_root(ctx->layout, &ret_caller->membership, PL_CTRL_CPU) &&
                     node_is_root(ctx->layout, &ret_caller->membership, PL_CTRL_CPUSET);
  return TRUE;
}

gboolean
pl_caller_boot(const PlContext *ctx, pid_t pid, guint64 *ret_uptime_cs, guint64 *ret_host_uptime_cs,
               guint64 *ret_host_idle_cs, gboolean *ret_host_ns, guint64 *ret_start_cs,
               GError **error)
{
  guint64 up, idle, start = 0;
  gboolean host_ns = TRUE;
  g_autofree char *text = NULL;

  if (!pl_host_cache_read_in(ctx->host_cache, ctx->proc_root, "uptime", &text, error))
    return FALSE;
  if (!pl_host_uptime_parse(text, &up, &idle)) {
    pl_set_errno(error, EINVAL, "malformed %s/uptime", ctx->proc_root);
    return FALSE;
  }
  if (pid > 0 && !pl_pidns_init_start(ctx->pidns, ctx->proc_root, pid, &start, &host_ns, error))
    return FALSE;
  /* Start times are in USER_HZ ticks, which are hundredths of a second. */
  G_STATIC_ASSERT(PL_USER_HZ == 100);
  *ret_uptime_cs = host_ns ? up : up - MIN(up, start);
  *ret_host_uptime_cs = up;
  *ret_host_idle_cs = idle;
  *ret_host_ns = host_ns;
  *ret_start_cs = host_ns ? 0 : start;
  return TRUE;
}

gboolean
pl_caller_cpu_times(const PlContext *ctx, const PlCallerCpu *caller, guint64 age_ns,
                    PlCpuTimes *ret_cpus, PlCpuTimes *ret_total, guint64 *ret_processes,
                    PlTaskCounts *ret_counts, gboolean *ret_has_tasks)
{
  g_auto(PlCgNode) node = {0};
  g_auto(PlCgNode) task_node = {0};
  g_auto(PlCpuUsage) usage = {0};
  struct stat st;

  PlTaskCounts counts = {0};
  gboolean has_tasks = FALSE;
  /* Counting tasks reads each one's /proc/TID/stat: only for callers that show them. */
  if (ret_counts != NULL && pl_cg_task_node(ctx->layout, &caller->membership, &task_node)) {
    g_autofree char *dir = pl_cg_node_dir(&task_node, 0);
    g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    if (pl_cg_tasks_collect(dir, task_node.v2, tids)) {
      pl_tasks_count(ctx->proc_root, tids, &counts);
      has_tasks = TRUE;
    }
  }
  if (ret_counts != NULL) {
    *ret_counts = counts;
    *ret_has_tasks = has_tasks;
  }
  if (!pl_cg_node_for(ctx->layout, &caller->membership, PL_CTRL_CPUACCT, &node) ||
      !pl_cpu_usage_read(&node, &usage))
    return FALSE;
  g_autofree char *dir = pl_cg_node_dir(&node, 0);
  if (stat(dir, &st) != 0)
    return FALSE;
  pl_stat_state_sample(ctx->stat_state, dir, (guint64)st.st_ino, &usage, &caller->view, age_ns,
                       counts.total, -1, ret_cpus, ret_total, ret_processes);
  return TRUE;
}
