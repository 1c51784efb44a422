/* sys/devices/system/cpu: cpuN/ for the caller's visible CPUs, renumbered, each showing
 * the host's directory of the CPU it maps to; the host's other entries (cpufreq/,
 * kernel_max, offline, ...) pass through, CPU lists renumbered. Symlinks are left out.
 * With this, the whole directory can be bind-mounted (lscpu, _NPROCESSORS_CONF).
 * sys/devices/system/node: the host's, each nodeN/cpulist and cpumap in the caller's CPU
 * numbering (lscpu's "NUMA node0 CPU(s)", libnuma). */
#include "proclens/caller_cpu.h"
#include "proclens/cpu_views.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/vfiles.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int
compare_names(gconstpointer a, gconstpointer b, gpointer unused)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "cpu12" names a CPU directory; "cpufreq" does not. */
static gboolean
is_cpu_name(const char *name)
{
  if (!g_str_has_prefix(name, "cpu") || name[3] == '\0')
    return FALSE;
  for (const char *p = name + 3; *p != '\0'; p++) {
    if (!g_ascii_isdigit(*p))
      return FALSE;
  }
  return TRUE;
}

/* No empty, "." or ".." component: a path stays inside the host directory it names. */
static gboolean
rel_is_plain(char **parts, const char *rel, GError **error)
{
  for (char **p = parts; *p != NULL; p++) {
    if (**p == '\0' || strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0) {
      pl_set_errno(error, ENOENT, "%s", rel);
      return FALSE;
    }
  }
  return TRUE;
}

static char *
host_cpu_dir(const PlContext *ctx)
{
  return g_build_filename(ctx->sys_root, "devices/system/cpu", NULL);
}

/* "cpu3/topology/core_id" -> the host path of the caller's CPU 3; "cpufreq/..." -> the
 * host's own. */
static gboolean
resolve(const PlContext *ctx, const PlCpuView *view, const char *rel, char **ret_host_path,
        GError **error)
{
  g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
  guint64 index;

  if (!rel_is_plain(parts, rel, error))
    return FALSE;
  if (!is_cpu_name(parts[0])) {
    g_autofree char *top = host_cpu_dir(ctx);
    *ret_host_path = g_build_filename(top, rel, NULL);
    return TRUE;
  }
  if (!pl_parse_u64(parts[0] + 3, &index) || (parts[0][3] == '0' && parts[0][4] != '\0') ||
      index >= view->n) {
    pl_set_errno(error, ENOENT, "%s", rel);
    return FALSE;
  }
  int host = pl_cpuset_nth(&view->visible, (guint)index);
  const char *rest = strchr(rel, '/');
  g_autofree char *cpu = g_strdup_printf("cpu%d", host);
  *ret_host_path = g_build_filename(ctx->sys_root, "devices/system/cpu", cpu, rest, NULL);
  return TRUE;
}

static gboolean
host_kind(const char *path, gboolean *ret_is_dir, GError **error)
{
  struct stat st;
  if (lstat(path, &st) != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
    pl_set_errno(error, ENOENT, "%s", path);
    return FALSE;
  }
  *ret_is_dir = S_ISDIR(st.st_mode);
  return TRUE;
}

static gboolean
sysfs_lookup(const PlContext *ctx, pid_t pid, const char *rel, gboolean *ret_is_dir, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  g_autofree char *path = NULL;

  if (*rel == '\0') {
    *ret_is_dir = TRUE;
    return TRUE;
  }
  if (!pl_caller_cpu(ctx, pid, &caller, error) || !resolve(ctx, &caller.view, rel, &path, error))
    return FALSE;
  return host_kind(path, ret_is_dir, error);
}

static gboolean list_host_dir(const char *path, gboolean skip_cpus, GPtrArray *ret_names,
                              GError **error);

static gboolean
sysfs_list(const PlContext *ctx, pid_t pid, const char *rel, GPtrArray *ret_names, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  g_autofree char *path = NULL;

  if (!pl_caller_cpu(ctx, pid, &caller, error))
    return FALSE;
  if (*rel == '\0') {
    for (guint i = 0; i < caller.view.n; i++)
      g_ptr_array_add(ret_names, g_strdup_printf("cpu%u/", i));
    path = host_cpu_dir(ctx);
  } else if (!resolve(ctx, &caller.view, rel, &path, error)) {
    return FALSE;
  }
  /* At the top, the host's CPUs are left out: the caller's are listed above. */
  return list_host_dir(path, *rel == '\0', ret_names, error);
}

/* Appends the directories ("name/") and regular files of a host directory, sorted. */
static gboolean
list_host_dir(const char *path, gboolean skip_cpus, GPtrArray *ret_names, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) dir = g_dir_open(path, 0, &local);
  if (dir == NULL) {
    pl_set_errno(error, ENOTDIR, "%s", path);
    return FALSE;
  }
  guint first = ret_names->len;
  for (const char *name; (name = g_dir_read_name(dir)) != NULL;) {
    if (skip_cpus && is_cpu_name(name))
      continue;
    g_autofree char *child = g_build_filename(path, name, NULL);
    gboolean is_dir;
    if (host_kind(child, &is_dir, NULL))
      g_ptr_array_add(ret_names, g_strconcat(name, is_dir ? "/" : "", NULL));
  }
  /* sysfs order is stable but arbitrary; sorted reads better and stays stable. */
  if (ret_names->len > first)
    g_qsort_with_data(ret_names->pdata + first, (gint)(ret_names->len - first), sizeof(gpointer),
                      compare_names, NULL);
  return TRUE;
}

static gboolean
sysfs_read(const PlContext *ctx, pid_t pid, const char *rel, GString *out, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  if (!pl_caller_cpu(ctx, pid, &caller, error) || !resolve(ctx, &caller.view, rel, &path, error))
    return FALSE;
  if (!pl_read_file(path, &text, NULL, error))
    return FALSE;
  g_autofree char *base = g_path_get_basename(path);
  pl_render_sysfs_cpu_file(base, strchr(rel, '/') == NULL, text, &caller.view, out);
  return TRUE;
}

const PlVdirOps pl_cpu_sysfs_dir = {
    .lookup = sysfs_lookup,
    .list = sysfs_list,
    .read = sysfs_read,
};

/* "node0/cpulist" -> the host's sys/devices/system/node/node0/cpulist. */
static char *
node_path(const PlContext *ctx, const char *rel, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
  if (*rel != '\0' && !rel_is_plain(parts, rel, error))
    return NULL;
  return g_build_filename(ctx->sys_root, "devices/system/node", rel, NULL);
}

static gboolean
node_lookup(const PlContext *ctx, pid_t pid, const char *rel, gboolean *ret_is_dir, GError **error)
{
  g_autofree char *path = node_path(ctx, rel, error);
  return path != NULL && host_kind(path, ret_is_dir, error);
}

static gboolean
node_list(const PlContext *ctx, pid_t pid, const char *rel, GPtrArray *ret_names, GError **error)
{
  g_autofree char *path = node_path(ctx, rel, error);
  return path != NULL && list_host_dir(path, FALSE, ret_names, error);
}

static gboolean
node_read(const PlContext *ctx, pid_t pid, const char *rel, GString *out, GError **error)
{
  g_auto(PlCallerCpu) caller = {0};
  g_autofree char *path = node_path(ctx, rel, error);
  g_autofree char *text = NULL;

  if (path == NULL || !pl_caller_cpu(ctx, pid, &caller, error) ||
      !pl_read_file(path, &text, NULL, error))
    return FALSE;
  g_autofree char *base = g_path_get_basename(path);
  pl_render_sysfs_cpu_file(base, FALSE, text, &caller.view, out);
  return TRUE;
}

const PlVdirOps pl_node_sysfs_dir = {
    .lookup = node_lookup,
    .list = node_list,
    .read = node_read,
};
