/* Renders /proc/swaps for a container, consistent with its meminfo's SwapTotal/SwapFree. */
#include "proclens/views.h"

#define KB 1024ULL

void
pl_render_swaps(const char *host_swaps, const PlHostMeminfo *host, const PlCgMemory *cg,
                GString *out)
{
  PlMemSummary s;

  if (cg == NULL) {
    g_string_append(out, host_swaps);
    return;
  }
  pl_mem_summary(host, cg, &s);
  g_string_append(out, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  if (s.swap_total == 0)
    return;
  /* One virtual device standing for the container's share of the host's swap, in the
   * kernel's column layout (name padded to 40, an extra tab after short numbers). */
  guint64 size = s.swap_total / KB, used = (s.swap_total - s.swap_free) / KB;
  g_string_append_printf(out, "%-40s%s\t%" G_GUINT64_FORMAT "\t%s%" G_GUINT64_FORMAT "\t%s%d\n",
                         "none", "virtual", size, size < 10000000 ? "\t" : "", used,
                         used < 10000000 ? "\t" : "", -1);
}
