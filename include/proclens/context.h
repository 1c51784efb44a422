/* What every virtual file needs to answer a caller: the roots and the cgroup layout. */
#pragma once

#include "proclens/cgroup.h"
#include "proclens/host_cache.h"
#include "proclens/loadavg.h"
#include "proclens/pidns.h"
#include "proclens/stat_state.h"
#include <glib.h>
#include <sys/types.h>

typedef struct {
  char *cgroup_root;
  char *proc_root;
  PlCgLayout *layout;
  /* CPU and time views (issue 4). The state objects lock internally (sharded), so
   * producers may use them through a const context from any thread. */
  char *sys_root;             /* sysfs root for the host's CPU directories (default /sys) */
  gboolean quota_cap;         /* cap visible CPUs at ceil(quota/period); default TRUE; read
                               * with g_atomic_int_get (a reload may change it) */
  gboolean loadavg_enabled;   /* per-container load averages; FALSE shows the host's */
  gboolean swap_enabled;      /* FALSE: a limited caller sees no swap (SwapTotal 0); default TRUE */
  PlStatState *stat_state;    /* monotonic per-container proc/stat counters */
  PlPidnsCache *pidns;        /* pid namespace -> init start time */
  PlLoadavg *loadavg;         /* sampler of tracked cgroups (its thread starts on first use) */
  PlHostCache *host_cache;    /* the host's /proc and sysfs files, shared for PL_HOST_CACHE_MS */
} PlContext;

PlContext *pl_context_new(const char *cgroup_root, const char *proc_root, GError **error);
void pl_context_free(PlContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlContext, pl_context_free)
