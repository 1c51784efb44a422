/* The container's headline memory figures, shared by meminfo and sysinfo(2). */
#include "proclens/views.h"
#include "proclens/fileio.h"

#define KB 1024ULL

void
pl_mem_summary(const PlHostMeminfo *host, const PlCgMemory *cg, PlMemSummary *ret_summary)
{
  PlMemSummary s = {0};
  guint64 host_total = pl_host_meminfo_get(host, "MemTotal") * KB;
  guint64 host_swap_total = pl_host_meminfo_get(host, "SwapTotal") * KB;
  guint64 host_swap_free = pl_host_meminfo_get(host, "SwapFree") * KB;

  /* MemTotal: the effective limit, never more than the host has. */
  s.total = MIN(cg->limit, host_total);
  /* Used: what the binding level is charged (page cache included, as the kernel counts it). */
  guint64 used = MIN(cg->usage, s.total);
  /* MemFree: what the limit still allows. */
  s.free = s.total - used;
  /* Cached: the cgroup's page cache (shmem included, as in the kernel's Cached). */
  s.cached = MIN(cg->stat.cache, used);
  s.shmem = MIN(cg->stat.shmem, s.cached);
  /* Buffers: cgroups do not account buffer heads apart from the page cache. */
  s.buffers = 0;
  /* MemAvailable: free plus what reclaim can take back without swapping (file LRUs and
   * reclaimable slab), bounded by MemTotal. */
  guint64 reclaimable = cg->stat.active_file + cg->stat.inactive_file + cg->stat.slab_reclaimable;
  s.available = MIN(s.free + MIN(reclaimable, used), s.total);

  /* Swap: the container's own allowance where the cgroup accounts swap, never more than
   * the host has; without swap accounting the host's swap is what the container can use. */
  if (cg->swap_known) {
    s.swap_total = MIN(cg->swap_limit, host_swap_total);
    s.swap_free = s.swap_total - MIN(cg->swap_usage, s.swap_total);
  } else {
    s.swap_total = host_swap_total;
    s.swap_free = host_swap_free;
  }
  *ret_summary = s;
}
