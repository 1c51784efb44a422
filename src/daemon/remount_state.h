/* The state file that tells the next proclensd which superblock this one served: one
 * "MAJOR:MINOR" line per device, the current one first, then predecessors not yet repaired. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* STATE_DIR/<mountpoint, URI-escaped>.dev: one file per mountpoint, so that daemons on
 * different mountpoints never read each other's. */
char *remount_state_path(const char *state_dir, const char *mountpoint);

/* The devices in the text, in order, malformed lines skipped (a GArray of dev_t). */
GArray *remount_state_parse(const char *text);

/* The text for devs, the way remount_state_parse reads it. */
char *remount_state_format(const dev_t *devs, gsize n_devs);

/* Reads path; a missing file is an empty list. */
GArray *remount_state_load(const char *path);

/* Writes path atomically, creating its directory. */
gboolean remount_state_save(const char *path, const dev_t *devs, gsize n_devs, GError **error);
