/* The state file that tells the next proclensd which superblock this one served: one
 * identity ("MAJOR:MINOR SOURCE", see remount_identity) a line, the current mount's first,
 * then predecessors not yet repaired. */
#pragma once

#include <glib.h>

/* STATE_DIR/<mountpoint, URI-escaped>.dev: one file per mountpoint, so that daemons on
 * different mountpoints never read each other's. */
char *remount_state_path(const char *state_dir, const char *mountpoint);

/* The identities in the text, in order, malformed lines skipped (g_free'd strings). */
GPtrArray *remount_state_parse(const char *text);

/* Reads path; a missing file is an empty list. */
GPtrArray *remount_state_load(const char *path);

/* Writes ids (one a line) to path atomically, creating its directory. */
gboolean remount_state_save(const char *path, GPtrArray *ids, GError **error);
