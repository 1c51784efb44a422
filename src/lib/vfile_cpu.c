/* Producers of the CPU files: proc/cpuinfo, proc/stat, sys/devices/system/cpu/{online,...}.
 * caller -> cgroup -> CPU model -> view. */
#include "proclens/caller_cpu.h"
#include "proclens/cpu_views.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/vfiles.h"

static gboolean
read_proc_file(const PlContext *ctx, const char *name, char **ret_text, GError **error)
{
  return pl_host_cache_read_in(ctx->host_cache, ctx->proc_root, name, ret_text, error);
}

gboolean
pl_produce_cpuinfo(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  g_autofree char *host = NULL;

  if (!pl_caller_cpu(ctx, pid, &caller, error) || !read_proc_file(ctx, "cpuinfo", &host, error))
    return FALSE;
  if (!caller.view.limited) {
    g_string_append(out, host);
    return TRUE;
  }
  pl_render_cpuinfo(host, &caller.view, out);
  return TRUE;
}

gboolean
pl_produce_stat(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  g_auto(PlHostStat) host = {0};
  g_autofree char *text = NULL;
  guint64 uptime_cs, host_up, host_idle, start_cs;
  gboolean host_ns;

  if (!pl_caller_cpu(ctx, pid, &caller, error) || !read_proc_file(ctx, "stat", &text, error))
    return FALSE;
  if (!pl_caller_boot(ctx, pid, &uptime_cs, &host_up, &host_idle, &host_ns, &start_cs, error))
    return FALSE;
  if (caller.host && host_ns) {
    g_string_append(out, text);
    return TRUE;
  }
  if (!pl_host_stat_parse(text, &host, error))
    return FALSE;

  PlStatModel model = {.view = &caller.view};
  g_autofree PlCpuTimes *cpus = g_new0(PlCpuTimes, caller.view.n);
  PlCpuTimes total;
  PlTaskCounts counts = {0};
  guint64 processes;
  gboolean has_tasks = FALSE;
  if (!caller.host && pl_caller_cpu_times(ctx, &caller, uptime_cs * 10000000, cpus, &total,
                                          &processes, &counts, &has_tasks)) {
    model.cpus = cpus;
    model.total = &total;
    model.processes = processes;
  } else {
    model.processes = counts.total;
  }
  model.has_tasks = !caller.host && has_tasks;
  model.running = counts.running;
  model.blocked = counts.blocked;
  /* btime + uptime = now: psutil and friends compute uptime as now - btime. */
  model.has_btime = !host_ns;
  model.btime = host.btime + start_cs / PL_USER_HZ;
  pl_render_stat(&host, &model, out);
  return TRUE;
}

/* online, possible and present all show the visible CPUs, renumbered from 0; a caller
 * that sees the whole host gets the host's own file (possible may exceed online). */
static gboolean
produce_cpu_range(const PlContext *ctx, pid_t pid, const char *name, GString *out, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  g_autofree char *text = NULL;

  if (!pl_caller_cpu(ctx, pid, &caller, error))
    return FALSE;
  if (!caller.view.limited) {
    g_autofree char *dir = g_build_filename(ctx->sys_root, "devices/system/cpu", NULL);
    if (pl_host_cache_read_in(ctx->host_cache, dir, name, &text, NULL)) {
      g_string_append(out, text);
      return TRUE;
    }
  }
  pl_render_cpu_range(caller.view.n, out);
  return TRUE;
}

gboolean
pl_produce_cpu_online(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  return produce_cpu_range(ctx, pid, "online", out, error);
}

gboolean
pl_produce_cpu_possible(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  return produce_cpu_range(ctx, pid, "possible", out, error);
}

gboolean
pl_produce_cpu_present(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  return produce_cpu_range(ctx, pid, "present", out, error);
}
