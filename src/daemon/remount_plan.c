/* Planning the repair of one mount namespace from its mountinfo. */
#include "remount_plan.h"

#include <string.h>
#include <sys/mount.h>

void
remount_action_free(RemountAction *a)
{
  if (a == NULL)
    return;
  g_free(a->root);
  g_free(a->target);
  g_free(a);
}

static gboolean
matches(const PlMount *m, const char *fstype, const dev_t *devs, gsize n_devs)
{
  if (m == NULL || strcmp(m->fstype, fstype) != 0)
    return FALSE;
  for (gsize i = 0; i < n_devs; i++) {
    if (devs[i] == m->dev)
      return TRUE;
  }
  return FALSE;
}

void
remount_attrs_from_options(const PlMount *m, guint *ret_set, guint *ret_clr)
{
  static const struct {
    const char *opt;
    guint attr;
  } flags[] = {
      {"ro", MOUNT_ATTR_RDONLY},
      {"nosuid", MOUNT_ATTR_NOSUID},
      {"nodev", MOUNT_ATTR_NODEV},
      {"noexec", MOUNT_ATTR_NOEXEC},
      {"nodiratime", MOUNT_ATTR_NODIRATIME},
  };
  guint set = 0, clr = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(flags); i++) {
    if (pl_mount_has_option(m, flags[i].opt))
      set |= flags[i].attr;
    else
      clr |= flags[i].attr;
  }
  /* The atime mode is one value in a field: clearing the field replaces it. */
  clr |= MOUNT_ATTR__ATIME;
  if (pl_mount_has_option(m, "noatime"))
    set |= MOUNT_ATTR_NOATIME;
  else if (pl_mount_has_option(m, "strictatime"))
    set |= MOUNT_ATTR_STRICTATIME;
  else
    set |= MOUNT_ATTR_RELATIME;
  *ret_set = set;
  *ret_clr = clr;
}

/* Whether m sits inside (not on) another matching mount. */
static gboolean
nested(GPtrArray *mounts, const PlMount *m, const char *fstype, const dev_t *devs, gsize n_devs)
{
  const PlMount *parent = pl_mountinfo_find_id(mounts, m->parent_id);
  return parent != m && matches(parent, fstype, devs, n_devs) &&
         strcmp(parent->mountpoint, m->mountpoint) != 0;
}

/* How many matching mounts are stacked at m's mountpoint, m included. */
static guint
stack_depth(GPtrArray *mounts, const PlMount *m, const char *fstype, const dev_t *devs,
            gsize n_devs)
{
  guint depth = 1;
  for (const PlMount *p = pl_mountinfo_find_id(mounts, m->parent_id);
       p != NULL && p != m && matches(p, fstype, devs, n_devs) &&
       strcmp(p->mountpoint, m->mountpoint) == 0;
       m = p, p = pl_mountinfo_find_id(mounts, p->parent_id))
    depth++;
  return depth;
}

GPtrArray *
remount_plan(GPtrArray *mounts, const char *fstype, const dev_t *devs, gsize n_devs)
{
  GPtrArray *actions = g_ptr_array_new_with_free_func((GDestroyNotify)remount_action_free);
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (!matches(m, fstype, devs, n_devs) || pl_mountinfo_is_covered(mounts, m) ||
        nested(mounts, m, fstype, devs, n_devs))
      continue;
    RemountAction *a = g_new0(RemountAction, 1);
    a->root = g_strdup(m->root);
    a->target = g_strdup(m->mountpoint);
    a->dev = m->dev;
    a->detach = stack_depth(mounts, m, fstype, devs, n_devs);
    remount_attrs_from_options(m, &a->attr_set, &a->attr_clr);
    g_ptr_array_add(actions, a);
  }
  return actions;
}
