/* Volume specifications: -v SRC:DST[:ro|:rw]. */
#pragma once

#include <glib.h>

typedef struct {
  char *source;      /* absolute host path */
  char *destination; /* absolute path inside the container, normalised */
  gboolean read_only;
} PlcVolume;

void plc_volume_free(PlcVolume *volume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcVolume, plc_volume_free)

/* Parses a spec. Both paths must be absolute; DST may not contain "..". Pure. */
PlcVolume *plc_volume_parse(const char *spec, GError **error);

/* --device HOST[:CONTAINER][:PERMS] as docker: the host's device node bound at CONTAINER
 * (default: the same path). PERMS may only be rwm (the default): the launcher does not confine
 * device access, so a narrower grant would be a promise it cannot keep. Pure. */
PlcVolume *plc_device_parse(const char *spec, GError **error);

/* The device's host node must exist and be a block or character device. */
gboolean plc_device_check(const PlcVolume *device, GError **error);
