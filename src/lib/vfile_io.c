/* Producers of proc/diskstats and proc/pressure/{cpu,memory,io}. */
#include "proclens/diskio.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/vfiles.h"

gboolean
pl_produce_diskstats(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlCgMembership) membership = {0};
  g_auto(PlCgNode) node = {0};
  g_autofree char *host = NULL;
  g_autoptr(GArray) devs = g_array_new(FALSE, FALSE, sizeof(PlDevIo));

  if (pid > 0 && !pl_cg_membership_read(ctx->proc_root, pid, &membership, error))
    return FALSE;
  if (!pl_host_cache_read_in(ctx->host_cache, ctx->proc_root, "diskstats", &host, error))
    return FALSE;
  /* The root cgroup is the host; without a blkio/io controller, degrade to the host's. */
  if (pid <= 0 || !pl_cg_node_for(ctx->layout, &membership, PL_CTRL_BLKIO, &node) ||
      pl_cg_node_depth(&node) == 0 || !pl_cg_io_read(&node, devs)) {
    g_string_append(out, host);
    return TRUE;
  }
  pl_render_diskstats(host, devs, out);
  return TRUE;
}

/* The caller's cgroup's <resource>.pressure: in its cgroup2 directory, or (cgroup1 PSI)
 * beside its v1 cpuacct cgroup; the host's /proc/pressure file otherwise. */
static gboolean
produce_pressure(const PlContext *ctx, pid_t pid, const char *resource, GString *out,
                 GError **error)
{
  g_auto(PlCgMembership) membership = {0};
  g_autofree char *file = g_strconcat(resource, ".pressure", NULL);
  g_autofree char *text = NULL;

  if (pid > 0) {
    if (!pl_cg_membership_read(ctx->proc_root, pid, &membership, error))
      return FALSE;
    g_auto(PlCgNode) v1 = {0};
    g_autofree char *v2dir = NULL;
    g_autofree char *v1dir = NULL;
    if (ctx->layout->v2_dir != NULL && membership.v2_path != NULL &&
        g_strcmp0(membership.v2_path, "/") != 0)
      v2dir = g_build_filename(ctx->layout->v2_dir, membership.v2_path, NULL);
    if (pl_cg_node_for(ctx->layout, &membership, PL_CTRL_CPUACCT, &v1) && !v1.v2 &&
        pl_cg_node_depth(&v1) > 0)
      v1dir = pl_cg_node_dir(&v1, 0);
    if ((v2dir != NULL && pl_read_file_in(v2dir, file, &text, NULL)) ||
        (v1dir != NULL && pl_read_file_in(v1dir, file, &text, NULL))) {
      g_string_append(out, text);
      return TRUE;
    }
  }
  g_autofree char *path = g_build_filename(ctx->proc_root, "pressure", resource, NULL);
  if (!pl_read_file(path, &text, NULL, error))
    return FALSE;
  g_string_append(out, text);
  return TRUE;
}

gboolean
pl_produce_pressure_cpu(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  return produce_pressure(ctx, pid, "cpu", out, error);
}

gboolean
pl_produce_pressure_memory(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  return produce_pressure(ctx, pid, "memory", out, error);
}

gboolean
pl_produce_pressure_io(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  return produce_pressure(ctx, pid, "io", out, error);
}
