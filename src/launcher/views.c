/* Registering the launcher's containers for proclensd's container views. */
#include "views.h"
#include "proclens/cgroup.h"
#include "proclens/registry.h"

#include <stdlib.h>

gboolean
plc_views_wanted(void)
{
  return g_strcmp0(g_getenv("PROCLENS_CONTAINER_VIEWS"), "0") != 0;
}

const char *
plc_views_registry(void)
{
  const char *dir = g_getenv("PROCLENS_REGISTRY");
  return dir != NULL && *dir != '\0' ? dir : PL_REGISTRY_DEFAULT_DIR;
}

/* The init's cgroup as the kernel names it (under --cgroup-parent too): v2's, or the
 * first v1 hierarchy's the launcher made. */
static const char *
cgroup_of(const PlcCgroup *cg, const PlCgMembership *m)
{
  static const PlController order[] = {PL_CTRL_MEMORY, PL_CTRL_CPU,    PL_CTRL_CPUACCT,
                                       PL_CTRL_PIDS,   PL_CTRL_CPUSET, PL_CTRL_BLKIO};
  if (plc_cgroup_is_v2(cg))
    return m->v2_path;
  for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
    if (m->v1_path[order[i]] != NULL && g_strcmp0(m->v1_path[order[i]], "/") != 0)
      return m->v1_path[order[i]];
  return NULL;
}

gboolean
plc_views_register(const char *id, const PlcCgroup *cg, pid_t pid, GError **error)
{
  g_auto(PlCgMembership) membership = {0};
  if (plc_cgroup_paths(cg)[0] == NULL)
    return FALSE;
  if (!pl_cg_membership_read("/proc", pid, &membership, error))
    return FALSE;
  const char *cgroup = cgroup_of(cg, &membership);
  if (cgroup == NULL)
    return FALSE;
  PlRegistryEntry entry = {.cgroup = (char *)cgroup, .pid = pid};
  return pl_registry_add(plc_views_registry(), id, &entry, error);
}

void
plc_views_unregister(const char *id)
{
  g_autoptr(GError) error = NULL;
  if (!pl_registry_remove(plc_views_registry(), id, &error))
    g_printerr("proclens: unregister the container's views: %s\n", error->message);
}
