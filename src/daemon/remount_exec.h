/* Replacing dead bind mounts inside one mount namespace (see remount.h for the design). */
#pragma once

#include <glib.h>

typedef struct {
  guint repaired; /* dead mounts replaced by a clone of the live one */
  guint alive;    /* already working (repaired through propagation, or not ours) */
  guint failed;
} RemountCounts;

/* Repairs, in the mount namespace and root of pid, the mounts that its mountinfo shows
 * of one of the superblocks ids (NULL-terminated identities, see remount_identity), with
 * clones taken under live_roots' fd for the dead mount's role (role -> O_PATH fd of the
 * daemon's live mount, see remount_identity_role). retain collects (g_free'd
 * strings) the identities of mounts that could not be repaired. Logs each mount; never
 * fails as a whole. */
void remount_exec_namespace(int pid, GHashTable *live_roots, const char *const *ids,
                            RemountCounts *counts, GPtrArray *retain);
