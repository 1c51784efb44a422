/* What changes when an ordinary user runs a container (rootless) and with --no-limits: a user
 * namespace of the caller's own subordinate ids is required, and the cgroup goes under a
 * cgroup-v2 subtree delegated to the caller, or nowhere (--no-limits). */
#pragma once

#include "container.h"

#include <glib.h>

/* The highest cgroup-v2 directory above (and including) the caller's own cgroup that the
 * caller owns and may write cgroup.procs and cgroup.subtree_control of (systemd's Delegate=,
 * or a tree chowned to the user). An error saying why limits cannot be applied otherwise
 * (v1 or hybrid hierarchies cannot be delegated; the cgroup belongs to someone else). */
char *plc_cgroup_delegated_dir(const char *cgroup_root, GError **error);

/* Completes cfg for the caller: with no_limits, no cgroup (refused with limit options); as
 * an ordinary user, --userns=auto unless given (host is refused) and the delegated cgroup as
 * the parent of proclens/<id>, or the refusal. userns_opt is run's --userns (NULL if unset). */
gboolean plc_rootless_prepare(PlcConfig *cfg, const char *userns_opt, gboolean no_limits,
                              GError **error);
