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

gboolean
pl_produce_meminfo(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlHostMeminfo) host = {0};
  PlCgMemory memory;
  gboolean limited;

  if (!pl_caller_memory(ctx, pid, &memory, &limited, error))
    return FALSE;
  if (!pl_host_meminfo_read(ctx->proc_root, &host, error))
    return FALSE;
  pl_render_meminfo(&host, limited ? &memory : NULL, out);
  return TRUE;
}

gboolean
pl_produce_swaps(const PlContext *ctx, pid_t pid, GString *out, GError **error)
{
  g_auto(PlHostMeminfo) host = {0};
  g_autofree char *host_swaps = NULL;
  g_autofree char *swaps_path = g_build_filename(ctx->proc_root, "swaps", NULL);
  PlCgMemory memory;
  gboolean limited;

  if (!pl_caller_memory(ctx, pid, &memory, &limited, error))
    return FALSE;
  if (!pl_read_file(swaps_path, &host_swaps, NULL, error))
    return FALSE;
  if (limited && !pl_host_meminfo_read(ctx->proc_root, &host, error))
    return FALSE;
  pl_render_swaps(host_swaps, &host, limited ? &memory : NULL, out);
  return TRUE;
}
