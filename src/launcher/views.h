/* proclensd's container views for the launcher's containers: registering a container in the
 * daemon's registry (pl_registry_view_dir finds its views under the daemon's mount). */
#pragma once

#include "cgroup_manager.h"

#include <glib.h>
#include <sys/types.h>

/* Whether run uses the container views: yes unless PROCLENS_CONTAINER_VIEWS=0 (then the
 * caller views, as with LXCFS). */
gboolean plc_views_wanted(void);

/* The registry directory: $PROCLENS_REGISTRY, else proclensd's default. */
const char *plc_views_registry(void);

/* Registers container id (its cgroup, its init pid). A container without a cgroup is not
 * registered (FALSE, no error). */
gboolean plc_views_register(const char *id, const PlcCgroup *cg, pid_t pid, GError **error);

/* Unregisters id; a container that was never registered is fine. */
void plc_views_unregister(const char *id);
