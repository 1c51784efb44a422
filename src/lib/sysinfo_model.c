/* sysinfo(2) for a caller: the figures of its meminfo, uptime and loadavg, from the same
 * model functions their producers (vfile_memory.c, vfile_time.c) use. */
#include "proclens/sysinfo_model.h"
#include "proclens/caller_cpu.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/host.h"
#include "proclens/loadavg.h"
#include "proclens/tasks.h"
#include "proclens/vfiles.h"
#include "proclens/views.h"

#include <errno.h>
#include <string.h>

#define KB G_GUINT64_CONSTANT(1024)

gboolean
pl_sysinfo_memory(const PlContext *ctx, pid_t pid, struct sysinfo *info, GError **error)
{
  g_auto(PlHostMeminfo) host = {0};
  PlCgMemory memory;
  gboolean limited;
  PlMemSummary s;

  if (!pl_caller_memory(ctx, pid, &memory, &limited, error) ||
      !pl_host_meminfo_read(ctx->proc_root, &host, error))
    return FALSE;
  if (limited) {
    pl_mem_summary(&host, &memory, &s);
  } else {
    /* The host's meminfo lines as they are (pl_render_meminfo with cg NULL). */
    s = (PlMemSummary){
        .total = pl_host_meminfo_get(&host, "MemTotal") * KB,
        .free = pl_host_meminfo_get(&host, "MemFree") * KB,
        .buffers = pl_host_meminfo_get(&host, "Buffers") * KB,
        .shmem = pl_host_meminfo_get(&host, "Shmem") * KB,
        .swap_total = pl_host_meminfo_get(&host, "SwapTotal") * KB,
        .swap_free = pl_host_meminfo_get(&host, "SwapFree") * KB,
    };
  }
  info->totalram = s.total;
  info->freeram = s.free;
  info->sharedram = s.shmem;
  info->bufferram = s.buffers;
  info->totalswap = s.swap_total;
  info->freeswap = s.swap_free;
  info->totalhigh = 0;
  info->freehigh = 0;
  info->mem_unit = 1;
  return TRUE;
}

gboolean
pl_sysinfo_parse_load(const char *text, unsigned long *ret_load)
{
  guint64 whole = 0, frac = 0;
  const char *dot = strchr(text, '.');
  g_autofree char *int_part = dot ? g_strndup(text, dot - text) : g_strdup(text);

  if (!pl_parse_u64(int_part, &whole))
    return FALSE;
  if (dot != NULL) {
    g_autofree char *f = g_strndup(dot + 1, 2);
    if (strlen(f) != 2 || !pl_parse_u64(f, &frac))
      return FALSE;
  }
  /* proc/loadavg rounds to hundredths; this is the nearest fixed-point value. */
  *ret_load = (unsigned long)((whole << PL_SI_LOAD_SHIFT) +
                              (frac * (G_GUINT64_CONSTANT(1) << PL_SI_LOAD_SHIFT) + 50) / 100);
  return TRUE;
}

/* The host's proc/loadavg: the three averages and the thread count. */
static gboolean
host_loads(const PlContext *ctx, struct sysinfo *info, GError **error)
{
  g_autofree char *path = g_build_filename(ctx->proc_root, "loadavg", NULL);
  g_autofree char *text = NULL;

  if (!pl_read_file(path, &text, NULL, error))
    return FALSE;
  g_auto(GStrv) f = g_strsplit_set(g_strstrip(text), " /", -1);
  guint64 total;
  if (g_strv_length(f) < 5 || !pl_sysinfo_parse_load(f[0], &info->loads[0]) ||
      !pl_sysinfo_parse_load(f[1], &info->loads[1]) ||
      !pl_sysinfo_parse_load(f[2], &info->loads[2]) || !pl_parse_u64(f[4], &total)) {
    pl_set_errno(error, EIO, "%s: malformed", path);
    return FALSE;
  }
  info->procs = (unsigned short)MIN(total, G_MAXUINT16);
  return TRUE;
}

gboolean
pl_sysinfo_time(const PlContext *ctx, pid_t pid, struct sysinfo *info, GError **error)
{
  g_auto(PlCgMembership) membership = {0};
  g_auto(PlCgNode) node = {0};
  guint64 uptime_cs, host_up, host_idle, start_cs;
  gboolean host_ns;

  /* Uptime: pl_produce_uptime's figure, in whole seconds as the kernel's sysinfo. */
  if (!pl_caller_boot(ctx, pid, &uptime_cs, &host_up, &host_idle, &host_ns, &start_cs, error))
    return FALSE;
  info->uptime = (long)(uptime_cs / 100);

  /* Loads and procs: pl_produce_loadavg's choice of the host's or the container's. */
  if (pid > 0 && !pl_cg_membership_read(ctx->proc_root, pid, &membership, error))
    return FALSE;
  if (pid <= 0 || !ctx->loadavg_enabled || !pl_cg_task_node(ctx->layout, &membership, &node) ||
      pl_cg_node_depth(&node) == 0)
    return host_loads(ctx, info, error);
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
  for (int i = 0; i < 3; i++)
    info->loads[i] = (unsigned long)(avenrun[i] << (PL_SI_LOAD_SHIFT - PL_FSHIFT));
  info->procs = (unsigned short)MIN(counts.total, G_MAXUINT16);
  return TRUE;
}

gboolean
pl_sysinfo_fill(const PlContext *ctx, pid_t pid, struct sysinfo *ret_info, GError **error)
{
  struct sysinfo info;

  memset(&info, 0, sizeof info);
  if (!pl_sysinfo_memory(ctx, pid, &info, error) || !pl_sysinfo_time(ctx, pid, &info, error))
    return FALSE;
  *ret_info = info;
  return TRUE;
}
