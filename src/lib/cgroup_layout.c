/* Discovers which cgroup hierarchies a host mounts below its cgroup root. Only the
 * directory tree is inspected (no mountinfo), so fixture trees work the same. */
#include "proclens/cgroup.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char *const v1_names[PL_CTRL_COUNT] = {
    [PL_CTRL_MEMORY] = "memory", [PL_CTRL_CPU] = "cpu",   [PL_CTRL_CPUACCT] = "cpuacct",
    [PL_CTRL_CPUSET] = "cpuset", [PL_CTRL_PIDS] = "pids", [PL_CTRL_BLKIO] = "blkio",
};

/* cgroup2 folds cpuacct into cpu and calls blkio "io". */
static const char *const v2_names[PL_CTRL_COUNT] = {
    [PL_CTRL_MEMORY] = "memory", [PL_CTRL_CPU] = "cpu",   [PL_CTRL_CPUACCT] = "cpu",
    [PL_CTRL_CPUSET] = "cpuset", [PL_CTRL_PIDS] = "pids", [PL_CTRL_BLKIO] = "io",
};

const char *
pl_controller_name(PlController ctrl)
{
  return v1_names[ctrl];
}

const char *
pl_cg_layout_kind_name(PlCgLayoutKind kind)
{
  switch (kind) {
  case PL_CG_LAYOUT_V1:
    return "v1";
  case PL_CG_LAYOUT_V2:
    return "v2";
  case PL_CG_LAYOUT_HYBRID:
    return "hybrid";
  }
  return "unknown";
}

static gboolean
file_exists_in(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  return g_file_test(path, G_FILE_TEST_EXISTS);
}

static void
read_v2_controllers(PlCgLayout *layout)
{
  g_autofree char *text = NULL;
  if (!pl_read_file_in(layout->v2_dir, "cgroup.controllers", &text, NULL))
    return;
  g_auto(GStrv) names = g_strsplit_set(g_strstrip(text), " \n", -1);
  for (int c = 0; c < PL_CTRL_COUNT; c++)
    layout->v2_enabled[c] = g_strv_contains((const char *const *)names, v2_names[c]);
}

gint
pl_controller_named(const char *name, gsize len)
{
  for (gint c = 0; c < PL_CTRL_COUNT; c++) {
    if (strlen(v1_names[c]) == len && memcmp(v1_names[c], name, len) == 0)
      return c;
  }
  return -1;
}

/* A v1 hierarchy directory is named after its controllers ("memory", "cpu,cpuacct"). */
static void
claim_v1_hierarchy(PlCgLayout *layout, const char *dir, const char *name)
{
  g_auto(GStrv) tokens = g_strsplit(name, ",", -1);
  for (char **t = tokens; *t != NULL; t++) {
    gint c = pl_controller_named(*t, strlen(*t));
    if (c >= 0 && layout->v1_dir[c] == NULL)
      layout->v1_dir[c] = g_strdup(dir);
  }
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

PlCgLayout *
pl_cg_layout_discover(const char *root, GError **error)
{
  g_autoptr(PlCgLayout) layout = g_new0(PlCgLayout, 1);
  layout->root = g_strdup(root);

  if (file_exists_in(root, "cgroup.controllers")) {
    layout->kind = PL_CG_LAYOUT_V2;
    layout->v2_dir = g_strdup(root);
    read_v2_controllers(layout);
    return g_steal_pointer(&layout);
  }

  g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
  if (dir == NULL) {
    pl_set_errno(error, errno ? errno : ENOENT, "open cgroup root %s", root);
    return NULL;
  }
  /* Sorted, so that symlinked aliases ("cpu" -> "cpu,cpuacct") resolve the same way every run. */
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  for (const char *n; (n = g_dir_read_name(dir)) != NULL;)
    g_ptr_array_add(names, g_strdup(n));
  g_ptr_array_sort(names, compare_names);

  gboolean any_v1 = FALSE;
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    g_autofree char *sub = g_build_filename(root, name, NULL);
    if (!g_file_test(sub, G_FILE_TEST_IS_DIR))
      continue;
    if (file_exists_in(sub, "cgroup.controllers")) {
      if (layout->v2_dir == NULL)
        layout->v2_dir = g_strdup(sub);
    } else if (file_exists_in(sub, "cgroup.procs")) {
      claim_v1_hierarchy(layout, sub, name);
      any_v1 = TRUE;
    }
  }
  if (!any_v1 && layout->v2_dir == NULL) {
    pl_set_errno(error, ENOENT, "no cgroup hierarchy found below %s", root);
    return NULL;
  }
  if (layout->v2_dir != NULL)
    read_v2_controllers(layout);
  layout->kind = any_v1 ? (layout->v2_dir ? PL_CG_LAYOUT_HYBRID : PL_CG_LAYOUT_V1) : PL_CG_LAYOUT_V2;
  return g_steal_pointer(&layout);
}

void
pl_cg_layout_free(PlCgLayout *layout)
{
  if (layout == NULL)
    return;
  for (int c = 0; c < PL_CTRL_COUNT; c++)
    g_free(layout->v1_dir[c]);
  g_free(layout->v2_dir);
  g_free(layout->root);
  g_free(layout);
}
