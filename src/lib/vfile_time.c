/* Producers of the time files: proc/uptime and proc/loadavg. */
#include "proclens/caller_cpu.h"
#include "proclens/cpu_views.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/loadavg.h"
#include "proclens/pidns.h"
#include "proclens/vfiles.h"

#include <errno.h>
#include <string.h>

#define NS_PER_CS G_GUINT64_CONSTANT(10000000)

gboolean
pl_produce_uptime(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  guint64 uptime_cs, host_up, host_idle, start_cs;
  gboolean host_ns;

  if (!pl_caller_cpu(ctx, pid, &caller, error) ||
      !pl_caller_boot(ctx, pid, &uptime_cs, &host_up, &host_idle, &host_ns, &start_cs, error))
    return FALSE;

  /* Idle is the same counter proc/stat shows, so the two agree; it cannot exceed what
   * the visible CPUs could have idled since the container started. */
  guint64 idle_cs = host_idle;
  if (!caller.host) {
    g_autofree PlCpuTimes *cpus = g_new0(PlCpuTimes, caller.view.n);
    PlCpuTimes total;
    guint64 processes;
    if (pl_caller_cpu_times(ctx, &caller, uptime_cs * NS_PER_CS, cpus, &total, &processes, NULL,
                            NULL))
      idle_cs = total.idle / NS_PER_CS;
  }
  idle_cs = MIN(idle_cs, uptime_cs * caller.view.n);
  pl_render_uptime(uptime_cs, idle_cs, out);
  return TRUE;
}

/* The NSpid line of a task: its pid in each namespace from the host's inwards. */
static GStrv
nspids(const char *proc_root, pid_t pid)
{
  g_autofree char *path = g_strdup_printf("%s/%d/status", proc_root, (int)pid);
  g_autofree char *text = NULL;
  if (!pl_read_file(path, &text, NULL, NULL))
    return NULL;
  const char *line = strstr(text, "\nNSpid:");
  if (line == NULL)
    return NULL;
  g_autofree char *copy = g_strndup(line + 7, strchrnul(line + 7, '\n') - (line + 7));
  return g_strsplit_set(g_strstrip(copy), " \t", -1);
}

/* The container's highest pid as the caller numbers it (0 when it cannot see it). */
static pid_t
last_pid_for(const PlContext *ctx, pid_t caller, pid_t max_tid)
{
  /* The common case (no pid namespace of its own) needs no status text. */
  if (pl_pidns_is_daemons(ctx->pidns, ctx->proc_root, caller))
    return max_tid;
  g_auto(GStrv) mine = nspids(ctx->proc_root, caller);
  /* Often the caller is the container's newest task: its status is read once. */
  g_auto(GStrv) theirs = max_tid == caller ? g_strdupv(mine) : nspids(ctx->proc_root, max_tid);
  if (mine == NULL || theirs == NULL)
    return max_tid;
  guint level = g_strv_length(mine) - 1;
  guint64 v;
  if (level >= g_strv_length(theirs) || !pl_parse_u64(theirs[level], &v))
    return 0;
  return (pid_t)v;
}

gboolean
pl_produce_loadavg(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlCgMembership) membership = {0};
  g_auto(PlCgNode) node = {0};
  g_autofree char *host = NULL;

  if (pid > 0 && !pl_cg_membership_read(ctx->proc_root, pid, &membership, error))
    return FALSE;
  if (pid <= 0 || !g_atomic_int_get(&ctx->loadavg_enabled) ||
      !pl_cg_task_node(ctx->layout, &membership, &node) || pl_cg_node_depth(&node) == 0) {
    if (!pl_host_cache_read_in(ctx->host_cache, ctx->proc_root, "loadavg", &host, error))
      return FALSE;
    g_string_append(out, host);
    return TRUE;
  }
  g_autofree char *dir = pl_cg_node_dir(&node, 0);
  g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
  if (!pl_cg_tasks_collect(dir, node.v2, tids)) {
    pl_set_errno(error, ENOENT, "cgroup %s", dir);
    return FALSE;
  }
  PlTaskCounts counts;
  guint64 avenrun[3];
  pl_tasks_count(ctx->proc_root, tids, &counts);
  pl_loadavg_get(ctx->loadavg, dir, node.v2, avenrun);
  pid_t last = counts.max_tid > 0 ? last_pid_for(ctx, pid, counts.max_tid) : 0;
  pl_render_loadavg(avenrun, counts.running, counts.total, last, out);
  return TRUE;
}
