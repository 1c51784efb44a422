/* The container registry's files: names, parsing, atomic writes. */
#include "proclens/registry.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define GROUP "container"

void
pl_registry_entry_clear(PlRegistryEntry *entry)
{
  g_clear_pointer(&entry->cgroup, g_free);
  entry->pid = 0;
}

gboolean
pl_registry_name_valid(const char *name, GError **error)
{
  size_t len = strlen(name);
  if (len == 0 || len > PL_REGISTRY_NAME_MAX) {
    pl_set_errno(error, EINVAL, "container name of %zu characters (1 to %d allowed)", len,
                 PL_REGISTRY_NAME_MAX);
    return FALSE;
  }
  if (name[0] == '.') {
    pl_set_errno(error, EINVAL, "container name '%s' starts with '.'", name);
    return FALSE;
  }
  for (const char *p = name; *p != '\0'; p++) {
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-') {
      pl_set_errno(error, EINVAL, "container name '%s': only letters, digits, '_', '.', '-'", name);
      return FALSE;
    }
  }
  return TRUE;
}

/* "/a//b/" -> "/a/b"; refuses relative paths and "." or ".." components. */
static char *
normalise_cgroup(const char *path, GError **error)
{
  if (path[0] != '/') {
    pl_set_errno(error, EINVAL, "cgroup '%s' is not an absolute cgroup path", path);
    return NULL;
  }
  g_auto(GStrv) parts = g_strsplit(path, "/", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (char **p = parts; *p != NULL; p++) {
    if (**p == '\0')
      continue;
    if (strcmp(*p, ".") == 0 || strcmp(*p, "..") == 0) {
      pl_set_errno(error, EINVAL, "cgroup '%s' holds a '%s' component", path, *p);
      return NULL;
    }
    g_string_append_printf(out, "/%s", *p);
  }
  if (out->len == 0)
    g_string_append_c(out, '/');
  return g_string_free(g_steal_pointer(&out), FALSE);
}

gboolean
pl_registry_entry_parse(const char *text, PlRegistryEntry *ret_entry, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;

  if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &local)) {
    pl_set_errno(error, EINVAL, "%s", local->message);
    return FALSE;
  }
  g_autofree char *raw = g_key_file_get_string(kf, GROUP, "cgroup", &local);
  if (raw == NULL) {
    pl_set_errno(error, EINVAL, "[" GROUP "] cgroup is required");
    return FALSE;
  }
  g_autofree char *cgroup = normalise_cgroup(g_strstrip(raw), error);
  if (cgroup == NULL)
    return FALSE;
  guint64 pid = 0;
  g_autofree char *pid_text = g_key_file_get_string(kf, GROUP, "pid", NULL);
  if (pid_text != NULL &&
      (!pl_parse_u64(g_strstrip(pid_text), &pid) || pid == 0 || pid > G_MAXINT32)) {
    pl_set_errno(error, EINVAL, "[" GROUP "] pid '%s' is not a process id", pid_text);
    return FALSE;
  }
  ret_entry->cgroup = g_steal_pointer(&cgroup);
  ret_entry->pid = (pid_t)pid;
  return TRUE;
}

char *
pl_registry_entry_format(const PlRegistryEntry *entry)
{
  g_autoptr(GString) out = g_string_new("[" GROUP "]\n");
  g_string_append_printf(out, "cgroup=%s\n", entry->cgroup);
  if (entry->pid > 0)
    g_string_append_printf(out, "pid=%d\n", (int)entry->pid);
  return g_string_free(g_steal_pointer(&out), FALSE);
}

gboolean
pl_registry_load(const char *dir, const char *name, PlRegistryEntry *ret_entry, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  if (!pl_registry_name_valid(name, error))
    return FALSE;
  path = g_build_filename(dir, name, NULL);
  if (!g_file_get_contents(path, &text, NULL, error))
    return FALSE;
  if (!pl_registry_entry_parse(text, ret_entry, error)) {
    g_prefix_error(error, "%s: ", path);
    return FALSE;
  }
  return TRUE;
}

gboolean
pl_registry_add(const char *dir, const char *name, const PlRegistryEntry *entry, GError **error)
{
  if (!pl_registry_name_valid(name, error))
    return FALSE;
  if (g_mkdir_with_parents(dir, 0700) < 0) {
    pl_set_errno(error, errno, "create %s", dir);
    return FALSE;
  }
  g_autofree char *text = pl_registry_entry_format(entry);
  g_autofree char *tmp_name = g_strdup_printf(".%s.tmp", name);
  g_autofree char *tmp = g_build_filename(dir, tmp_name, NULL);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  /* g_file_set_contents renames too, but from a temporary name the daemon would see as a
   * candidate container: this one starts with '.', which it ignores. */
  if (!g_file_set_contents_full(tmp, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, error))
    return FALSE;
  if (rename(tmp, path) < 0) {
    pl_set_errno(error, errno, "rename %s to %s", tmp, path);
    unlink(tmp);
    return FALSE;
  }
  return TRUE;
}

gboolean
pl_registry_remove(const char *dir, const char *name, GError **error)
{
  if (!pl_registry_name_valid(name, error))
    return FALSE;
  g_autofree char *path = g_build_filename(dir, name, NULL);
  if (unlink(path) < 0 && errno != ENOENT) {
    pl_set_errno(error, errno, "remove %s", path);
    return FALSE;
  }
  return TRUE;
}

const char *
pl_registry_cgroup_of(const PlCgLayout *layout, const PlCgMembership *membership)
{
  static const PlController order[] = {PL_CTRL_MEMORY, PL_CTRL_CPUACCT, PL_CTRL_CPU,
                                       PL_CTRL_PIDS,   PL_CTRL_CPUSET,  PL_CTRL_BLKIO};
  for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
    const char *path = membership->v1_path[order[i]];
    if (layout->v1_dir[order[i]] != NULL && path != NULL && strcmp(path, "/") != 0)
      return path;
  }
  const char *path = membership->v2_path;
  return layout->v2_dir != NULL && path != NULL && strcmp(path, "/") != 0 ? path : NULL;
}

char *
pl_registry_view_dir(const char *mountpoint, const char *name)
{
  if (!pl_registry_name_valid(name, NULL))
    return NULL;
  g_autofree char *dir = g_build_filename(mountpoint, "containers", name, NULL);
  g_autofree char *proc = g_build_filename(dir, "proc", NULL);
  return g_file_test(proc, G_FILE_TEST_IS_DIR) ? g_steal_pointer(&dir) : NULL;
}
