/* User namespaces at the edges: the ranges of /etc/subuid and /etc/subgid given to the
 * "proclens" entry and their allocation to containers (under the state lock, recorded in
 * each container's state), writing a child's uid_map/gid_map, idmapped mounts of the lower
 * layers, and becoming root inside. */
#pragma once

#include "idmap.h"

#include <glib.h>
#include <sys/types.h>

#define PLC_SUBID_OWNER "proclens"
#define PLC_SUBUID_FILE "/etc/subuid"
#define PLC_SUBGID_FILE "/etc/subgid"

/* --userns=auto: a free range of PLC_USERNS_AUTO_SIZE uids and gids of the "proclens"
 * entries, skipping every range some container's state records (HostConfig.UidMap/GidMap).
 * The caller holds the state lock until the new state is saved. Appends one map each. */
gboolean plc_userns_allocate(GArray *uid_map, GArray *gid_map, GError **error);

/* Rootless --userns=auto: container root is the caller's own uid/gid, ids 1..65535 the
 * first range of its /etc/subuid and /etc/subgid entries (by name or uid). Appends both maps. */
gboolean plc_userns_rootless_maps(GArray *uid_map, GArray *gid_map, GError **error);

/* The host ids that container root (0) maps to. */
guint32 plc_userns_host_root(const GArray *maps);

/* Writes pid's gid_map then uid_map: directly as root, else through newgidmap/newuidmap. */
gboolean plc_userns_write_maps(pid_t pid, const GArray *uid_map, const GArray *gid_map,
                               GError **error);

/* A detached bind mount of path, idmapped through the user namespace userns_fd (the on-disk
 * owners appear shifted by the namespace's maps; the files stay as they are). Needs
 * CAP_SYS_ADMIN in the filesystem's namespace: the launcher, not the container. */
int plc_userns_idmapped_tree(const char *path, int userns_fd, GError **error);

/* In a new (or joined) user namespace: drops the host's supplementary groups and switches
 * to uid/gid 0 of the namespace, keeping its capabilities there. */
gboolean plc_userns_become_root(GError **error);
