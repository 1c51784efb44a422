/* Producers of the memory files: caller -> cgroup -> model -> view. */
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/vfiles.h"
#include "proclens/views.h"

/* The caller's memory model (shared with sysinfo_model.c); *ret_limited FALSE means "show the host". pid 0 is a caller
 * outside the daemon's pid namespace, which gets the host's view. */
gboolean
pl_caller_memory(const PlContext *ctx, pid_t pid, PlCgMemory *ret_memory, gboolean *ret_limited,
                 GError **error)
{
  g_auto(PlCgMembership) membership = {0};

  *ret_limited = FALSE;
  if (pid <= 0)
    return TRUE;
  if (!pl_cg_membership_read(ctx->proc_root, pid, &membership, error))
    return FALSE;
  if (!pl_cg_memory_read(ctx->layout, &membership, ret_memory, ret_limited, error))
    return FALSE;
  /* Swap turned off (proclensd.conf swap=false): a container with no swap allowance. */
  if (*ret_limited && !ctx->swap_enabled) {
    ret_memory->swap_known = TRUE;
    ret_memory->swap_limit = 0;
    ret_memory->swap_usage = 0;
  }
  return TRUE;
}

/* The host's /proc/meminfo, from the shared cache. */
static gboolean
host_meminfo(const PlContext *ctx, PlHostMeminfo *ret_host, GError **error)
{
  g_autofree char *text = NULL;
  return pl_host_cache_read_in(ctx->host_cache, ctx->proc_root, "meminfo", &text, error) &&
         pl_host_meminfo_parse(text, ret_host, error);
}

gboolean
pl_produce_meminfo(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlHostMeminfo) host = {0};
  PlCgMemory memory;
  gboolean limited;

  if (!pl_caller_memory(ctx, pid, &memory, &limited, error))
    return FALSE;
  if (!host_meminfo(ctx, &host, error))
    return FALSE;
  pl_render_meminfo(&host, limited ? &memory : NULL, out);
  return TRUE;
}

gboolean
pl_produce_swaps(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlHostMeminfo) host = {0};
  g_autofree char *host_swaps = NULL;
  PlCgMemory memory;
  gboolean limited;

  if (!pl_caller_memory(ctx, pid, &memory, &limited, error))
    return FALSE;
  if (!pl_host_cache_read_in(ctx->host_cache, ctx->proc_root, "swaps", &host_swaps, error))
    return FALSE;
  if (limited && !host_meminfo(ctx, &host, error))
    return FALSE;
  pl_render_swaps(host_swaps, &host, limited ? &memory : NULL, out);
  return TRUE;
}
