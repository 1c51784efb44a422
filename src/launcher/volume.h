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
