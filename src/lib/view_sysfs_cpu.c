/* Renders the host's sysfs CPU files in a container's CPU numbering. */
#include "proclens/cpu_views.h"

#include <string.h>

/* Files holding a CPU bitmap (%*pb) rather than a list (%*pbl); cpumap and cpulist are
 * a NUMA node's (sys/devices/system/node/nodeN/). */
static const char *const mask_files[] = {
    "core_cpus",    "core_siblings", "die_cpus",        "package_cpus",   "thread_siblings",
    "cluster_cpus", "book_siblings", "drawer_siblings", "shared_cpu_map", "cpumap",
    NULL,
};

/* CPU lists directly in sys/devices/system/cpu (online/possible/present are files of
 * their own in the table). */
static const char *const top_level_lists[] = {"offline", "isolated", "nohz_full", "enabled", NULL};

void
pl_render_sysfs_cpu_file(const char *name, gboolean top_level, const char *host_text,
                         const PlCpuView *view, GString *out)
{
  PlCpuSet host_set, shown;
  gboolean is_list = g_str_has_suffix(name, "_list") || strcmp(name, "cpulist") == 0 ||
                     (top_level && g_strv_contains(top_level_lists, name));

  if (is_list && pl_cpuset_parse_list(host_text, &host_set)) {
    pl_cpuset_renumber(&host_set, &view->visible, &shown);
    pl_cpuset_format_list(&shown, out);
    g_string_append_c(out, '\n');
    return;
  }
  if (g_strv_contains(mask_files, name) && pl_cpuset_parse_mask(host_text, &host_set)) {
    pl_cpuset_renumber(&host_set, &view->visible, &shown);
    pl_cpuset_format_mask(&shown, view->n, out);
    g_string_append_c(out, '\n');
    return;
  }
  g_string_append(out, host_text);
}
