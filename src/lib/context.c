/* The roots and cgroup layout every virtual file is computed from. */
#include "proclens/context.h"

PlContext *
pl_context_new(const char *cgroup_root, const char *proc_root, GError **error)
{
  g_autoptr(PlContext) ctx = g_new0(PlContext, 1);

  ctx->cgroup_root = g_strdup(cgroup_root);
  ctx->proc_root = g_strdup(proc_root);
  ctx->layout = pl_cg_layout_discover(cgroup_root, error);
  if (ctx->layout == NULL)
    return NULL;
  ctx->sys_root = g_strdup("/sys");
  ctx->quota_cap = TRUE;
  ctx->loadavg_enabled = TRUE;
  ctx->swap_enabled = TRUE;
  ctx->stat_state = pl_stat_state_new(PL_STAT_STATE_MAX);
  ctx->pidns = pl_pidns_cache_new();
  ctx->loadavg = pl_loadavg_new(ctx->proc_root);
  ctx->host_cache = pl_host_cache_new(PL_HOST_CACHE_MS);
  return g_steal_pointer(&ctx);
}

void
pl_context_free(PlContext *ctx)
{
  if (ctx == NULL)
    return;
  /* The sampler thread reads the layout: stop it first. */
  pl_loadavg_free(ctx->loadavg);
  pl_pidns_cache_free(ctx->pidns);
  pl_host_cache_free(ctx->host_cache);
  pl_stat_state_free(ctx->stat_state);
  g_free(ctx->sys_root);
  pl_cg_layout_free(ctx->layout);
  g_free(ctx->cgroup_root);
  g_free(ctx->proc_root);
  g_free(ctx);
}
