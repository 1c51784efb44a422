/* Unpacking tar archives (plain, gzip, zstd: libarchive detects) into a directory, safely:
 * no entry may land or point outside it. */
#pragma once

#include <glib.h>

typedef enum {
  /* An image layer: whiteouts become overlayfs whiteouts (.wh.NAME -> 0:0 char device NAME,
   * .wh..wh..opq -> trusted.overlay.opaque=y on the dir); device nodes refused; owners kept
   * numerically (the image's ids, not the host's names). */
  PLC_UNPACK_LAYER,
  /* An image archive (OCI layout or docker save tar): directories and regular files only. */
  PLC_UNPACK_FILES_ONLY,
} PlcUnpackMode;

/* Unpacks archive_path into dest (an existing, empty directory). On failure dest may hold a
 * partial tree: the caller removes it. */
gboolean plc_archive_unpack(const char *archive_path, const char *dest, PlcUnpackMode mode,
                            GError **error);

/* The names of an archive's top-level entries (clean, "./" stripped), to tell its format. */
gboolean plc_archive_top_names(const char *archive_path, GHashTable **ret_names, GError **error);
