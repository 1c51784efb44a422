/* Getting the mountpoint ready: create it, clear a dead predecessor's mount, and refuse
 * to stack on a live one. */
#pragma once

#include <glib.h>

/* The fstype of the topmost mount at path per mountinfo text ("fuse.lxcfs"), or NULL. */
char *mountpoint_fstype(const char *mountinfo, const char *path);

/* Prepares path for mounting; errors name the path and what is in the way. */
gboolean mountpoint_prepare(const char *path, GError **error);
