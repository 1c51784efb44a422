/* Replacing dead bind mounts inside one mount namespace (see remount.h for the design). */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct {
  guint repaired; /* dead mounts replaced by a clone of the live one */
  guint alive;    /* already working (repaired through propagation, or not ours) */
  guint failed;
} RemountCounts;

/* Repairs, in the mount namespace and root of pid, the mounts that its mountinfo shows
 * on one of devs (n_devs), with clones taken under live_root (an fd of the daemon's own
 * mount). retain collects (dev_t) the devices of mounts that could not be repaired. Logs
 * each mount; never fails as a whole. */
void remount_exec_namespace(int pid, int live_root, const dev_t *devs, gsize n_devs,
                            RemountCounts *counts, GArray *retain);
