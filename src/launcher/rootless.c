#include "rootless.h"
#include "blkio.h"
#include "util.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char no_limits_hint[] =
    "the limits cannot be applied; pass --no-limits to run without any (no cgroup)";

/* The caller's cgroup-v2 path ("/a/b") from /proc/self/cgroup's "0::" line. */
static char *
own_v2_path(GError **error)
{
  g_autofree char *text = NULL;
  if (!plc_read_file("/proc/self/cgroup", &text, error))
    return NULL;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, "0::"))
      return g_strdup(*l + 3);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no cgroup2 line in /proc/self/cgroup");
  return NULL;
}

static gboolean
delegated_to_me(const char *dir)
{
  g_autofree char *procs = g_build_filename(dir, "cgroup.procs", NULL);
  g_autofree char *ctl = g_build_filename(dir, "cgroup.subtree_control", NULL);
  struct stat st;
  return stat(dir, &st) == 0 && st.st_uid == geteuid() && access(procs, W_OK) == 0 &&
         access(ctl, W_OK) == 0;
}

char *
plc_cgroup_delegated_dir(const char *cgroup_root, GError **error)
{
  g_autofree char *controllers = g_build_filename(cgroup_root, "cgroup.controllers", NULL);
  if (!g_file_test(controllers, G_FILE_TEST_EXISTS)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "%s holds cgroup v1 (or hybrid) hierarchies, which cannot be delegated to an "
                "unprivileged user: %s",
                cgroup_root, no_limits_hint);
    return NULL;
  }
  g_autofree char *own = own_v2_path(error);
  if (own == NULL)
    return NULL;
  g_autofree char *dir = g_build_filename(cgroup_root, own, NULL);
  g_autofree char *best = NULL;
  while (strlen(dir) > strlen(cgroup_root) && delegated_to_me(dir)) {
    g_free(best);
    best = g_strdup(dir);
    char *parent = g_path_get_dirname(dir);
    g_free(dir);
    dir = parent;
  }
  if (best == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "your cgroup %s%s is not delegated to you (uid %u does not own it): %s; or start "
                "from a delegated cgroup (systemd-run --user --scope -p Delegate=yes, or a tree "
                "chowned to you by root)",
                cgroup_root, own, (unsigned)geteuid(), no_limits_hint);
    return NULL;
  }
  return g_steal_pointer(&best);
}

static gboolean
has_limits(const PlcLimits *l)
{
  return l->memory || l->memory_swap || l->nano_cpus || l->cpuset_cpus || l->pids_limit > 0 ||
         !plc_blkio_is_empty(l->blkio);
}

gboolean
plc_rootless_prepare(PlcConfig *cfg, const char *userns_opt, gboolean no_limits, GError **error)
{
  if (no_limits && has_limits(&cfg->limits)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--no-limits runs without a cgroup: drop the limit options");
    return FALSE;
  }
  cfg->no_limits = no_limits;
  if (geteuid() == 0)
    return TRUE;
  if (g_strcmp0(userns_opt, "host") == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "--userns=host needs root; a rootless container has its own user namespace");
    return FALSE;
  }
  if (cfg->net_host) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "--network host needs root (the host's sysfs belongs to its network)");
    return FALSE;
  }
  if (strcmp(cfg->userns, "host") == 0) {
    g_free(cfg->userns);
    cfg->userns = g_strdup("auto");
  }
  if (!no_limits) {
    cfg->cgroup_parent = plc_cgroup_delegated_dir(cfg->cgroup_root, error);
    if (cfg->cgroup_parent == NULL)
      return FALSE;
  }
  return TRUE;
}
