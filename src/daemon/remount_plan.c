/* Planning the repair of one mount namespace from its mountinfo. */
#include "remount_plan.h"

#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

void
remount_action_free(RemountAction *a)
{
  if (a == NULL)
    return;
  g_free(a->root);
  g_free(a->target);
  g_free(a->id);
  g_free(a);
}

char *
remount_identity(const PlMount *m)
{
  return g_strdup_printf("%u:%u %s", major(m->dev), minor(m->dev), m->source);
}

char *
remount_identity_role(const char *id)
{
  const char *source = strchr(id, ' ');
  source = source != NULL ? source + 1 : id;
  const char *colon = strrchr(source, ':');
  return colon != NULL ? g_strndup(source, (gsize)(colon - source)) : g_strdup(source);
}

static gboolean
matches(const PlMount *m, const char *fstype, const char *const *ids)
{
  if (m == NULL || strcmp(m->fstype, fstype) != 0)
    return FALSE;
  g_autofree char *id = remount_identity(m);
  return g_strv_contains(ids, id);
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
nested(GPtrArray *mounts, const PlMount *m, const char *fstype, const char *const *ids)
{
  const PlMount *parent = pl_mountinfo_find_id(mounts, m->parent_id);
  return parent != m && matches(parent, fstype, ids) &&
         strcmp(parent->mountpoint, m->mountpoint) != 0;
}

/* How many matching mounts are stacked at m's mountpoint, m included. */
static guint
stack_depth(GPtrArray *mounts, const PlMount *m, const char *fstype, const char *const *ids)
{
  guint depth = 1;
  for (const PlMount *p = pl_mountinfo_find_id(mounts, m->parent_id);
       p != NULL && p != m && matches(p, fstype, ids) && strcmp(p->mountpoint, m->mountpoint) == 0;
       m = p, p = pl_mountinfo_find_id(mounts, p->parent_id))
    depth++;
  return depth;
}

GPtrArray *
remount_plan(GPtrArray *mounts, const char *fstype, const char *const *ids)
{
  GPtrArray *actions = g_ptr_array_new_with_free_func((GDestroyNotify)remount_action_free);
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (!matches(m, fstype, ids) || pl_mountinfo_is_covered(mounts, m) ||
        nested(mounts, m, fstype, ids))
      continue;
    RemountAction *a = g_new0(RemountAction, 1);
    a->root = g_strdup(m->root);
    a->target = g_strdup(m->mountpoint);
    a->id = remount_identity(m);
    a->detach = stack_depth(mounts, m, fstype, ids);
    remount_attrs_from_options(m, &a->attr_set, &a->attr_clr);
    g_ptr_array_add(actions, a);
  }
  return actions;
}
