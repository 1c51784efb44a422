/* Pure helpers of the image store and importer (unit-tested in tests/unit_image): image
 * references NAME[:TAG], digests, layer entry paths, whiteout names and media types. */
#pragma once

#include <glib.h>

/* Splits "name[:tag]" (tag defaults to "latest"). The name is lowercase letters, digits and
 * the separators '.', '_', '-', '/'; a ':' before the last '/' belongs to the name (a
 * registry port). The tag: letters, digits, '_', '.', '-', at most 128, not starting with
 * '.' or '-'. */
gboolean plc_image_ref_parse(const char *ref, char **ret_name, char **ret_tag, GError **error);

/* Whether digest is "sha256:" followed by 64 lowercase hex digits (the only algorithm the
 * store keys layers by). On success *ret_hex points into digest. */
gboolean plc_digest_parse(const char *digest, const char **ret_hex, GError **error);

/* Normalises a layer entry path ("./usr//bin/" -> "usr/bin"; "." or "./" -> ""). Refuses
 * absolute paths, ".." components and empty names. */
gboolean plc_layer_path_clean(const char *path, char **ret_clean, GError **error);

/* Whether a relative symlink target, resolved from the directory of the clean entry path,
 * stays inside the layer. Absolute targets are resolved in the container's root at run time
 * and are allowed. */
gboolean plc_layer_symlink_safe(const char *clean_path, const char *target);

typedef enum {
  PLC_WHITEOUT_NONE,
  PLC_WHITEOUT_FILE,   /* dir/.wh.NAME: NAME is deleted (-> 0:0 char device dir/NAME) */
  PLC_WHITEOUT_OPAQUE, /* dir/.wh..wh..opq: dir hides the lower layers (-> xattr on dir) */
} PlcWhiteout;

/* Classifies a clean entry path; *ret_target (for FILE and OPAQUE) is the path the overlayfs
 * whiteout goes on: dir/NAME, or dir ("" for the layer root). Other ".wh..wh." names (AUFS
 * metadata) are PLC_WHITEOUT_FILE with *ret_target NULL: to be skipped. */
PlcWhiteout plc_whiteout_classify(const char *clean_path, char **ret_target);

typedef enum {
  PLC_MEDIA_UNKNOWN,
  PLC_MEDIA_INDEX,
  PLC_MEDIA_MANIFEST,
  PLC_MEDIA_CONFIG,
  PLC_MEDIA_LAYER,
} PlcMediaKind;

/* The media types the importer knows; *ret_compressed says a layer is gzip/zstd (libarchive
 * detects which). Foreign (non-distributable) layers are unknown. */
PlcMediaKind plc_media_type_kind(const char *media_type, gboolean *ret_compressed);
