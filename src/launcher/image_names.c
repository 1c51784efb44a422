/* Pure helpers of the image store and importer: references, digests, entry paths, whiteouts,
 * media types. No I/O. */
#include "image_names.h"

#include <gio/gio.h>
#include <string.h>

static gboolean
name_char(char c)
{
  return g_ascii_islower(c) || g_ascii_isdigit(c) || c == '.' || c == '_' || c == '-' || c == '/' ||
         c == ':';
}

gboolean
plc_image_ref_parse(const char *ref, char **ret_name, char **ret_tag, GError **error)
{
  const char *slash = strrchr(ref, '/');
  const char *colon = strrchr(slash ? slash : ref, ':');
  g_autofree char *name = colon ? g_strndup(ref, (gsize)(colon - ref)) : g_strdup(ref);
  const char *tag = colon ? colon + 1 : "latest";

  if (*name == '\0' || !g_ascii_isalnum(*name) || name[strlen(name) - 1] == '/') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid image name '%s'", ref);
    return FALSE;
  }
  for (const char *p = name; *p; p++)
    if (!name_char(*p) || (*p == '/' && p[1] == '/')) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "invalid image name '%s': use lowercase letters, digits, '.', '_', '-', '/'",
                  ref);
      return FALSE;
    }
  gsize n = strlen(tag);
  gboolean ok = n > 0 && n <= 128 && tag[0] != '.' && tag[0] != '-';
  for (const char *p = tag; ok && *p; p++)
    ok = g_ascii_isalnum(*p) || *p == '_' || *p == '.' || *p == '-';
  if (!ok) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid image tag in '%s'", ref);
    return FALSE;
  }
  *ret_name = g_steal_pointer(&name);
  *ret_tag = g_strdup(tag);
  return TRUE;
}

gboolean
plc_digest_parse(const char *digest, const char **ret_hex, GError **error)
{
  if (!g_str_has_prefix(digest, "sha256:")) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "digest '%s': only sha256 digests are supported", digest);
    return FALSE;
  }
  const char *hex = digest + strlen("sha256:");
  gsize n = 0;
  for (; hex[n]; n++)
    if (!g_ascii_isdigit(hex[n]) && !(hex[n] >= 'a' && hex[n] <= 'f'))
      break;
  if (n != 64 || hex[n] != '\0') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "malformed digest '%s'", digest);
    return FALSE;
  }
  *ret_hex = hex;
  return TRUE;
}

gboolean
plc_layer_path_clean(const char *path, char **ret_clean, GError **error)
{
  if (path == NULL || *path == '\0') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "layer entry with an empty name");
    return FALSE;
  }
  if (path[0] == '/') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "layer entry '%s': absolute path refused", path);
    return FALSE;
  }
  g_auto(GStrv) parts = g_strsplit(path, "/", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  for (char **p = parts; *p; p++) {
    if (**p == '\0' || strcmp(*p, ".") == 0)
      continue;
    if (strcmp(*p, "..") == 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                  "layer entry '%s': '..' component refused", path);
      return FALSE;
    }
    if (out->len)
      g_string_append_c(out, '/');
    g_string_append(out, *p);
  }
  *ret_clean = g_string_free(g_steal_pointer(&out), FALSE);
  return TRUE;
}

gboolean
plc_layer_symlink_safe(const char *clean_path, const char *target)
{
  if (target == NULL || *target == '\0')
    return FALSE;
  if (target[0] == '/')
    return TRUE;
  /* Depth of the link's directory, then walk the target lexically. */
  int depth = 0;
  for (const char *p = clean_path; *p; p++)
    if (*p == '/')
      depth++;
  g_auto(GStrv) parts = g_strsplit(target, "/", -1);
  for (char **p = parts; *p; p++) {
    if (**p == '\0' || strcmp(*p, ".") == 0)
      continue;
    if (strcmp(*p, "..") == 0) {
      if (--depth < 0)
        return FALSE;
    } else {
      depth++;
    }
  }
  return TRUE;
}

PlcWhiteout
plc_whiteout_classify(const char *clean_path, char **ret_target)
{
  const char *slash = strrchr(clean_path, '/');
  const char *base = slash ? slash + 1 : clean_path;
  gsize dirlen = slash ? (gsize)(slash - clean_path) : 0;

  *ret_target = NULL;
  if (!g_str_has_prefix(base, ".wh."))
    return PLC_WHITEOUT_NONE;
  if (strcmp(base, ".wh..wh..opq") == 0) {
    *ret_target = g_strndup(clean_path, dirlen);
    return PLC_WHITEOUT_OPAQUE;
  }
  if (g_str_has_prefix(base, ".wh..wh.") || base[4] == '\0')
    return PLC_WHITEOUT_FILE; /* AUFS bookkeeping (.wh..wh.plnk, ...): nothing to create */
  *ret_target =
      slash ? g_strdup_printf("%.*s/%s", (int)dirlen, clean_path, base + 4) : g_strdup(base + 4);
  return PLC_WHITEOUT_FILE;
}

static const struct {
  const char *type;
  PlcMediaKind kind;
  gboolean compressed;
} media_types[] = {
    {"application/vnd.oci.image.index.v1+json", PLC_MEDIA_INDEX, FALSE},
    {"application/vnd.docker.distribution.manifest.list.v2+json", PLC_MEDIA_INDEX, FALSE},
    {"application/vnd.oci.image.manifest.v1+json", PLC_MEDIA_MANIFEST, FALSE},
    {"application/vnd.docker.distribution.manifest.v2+json", PLC_MEDIA_MANIFEST, FALSE},
    {"application/vnd.oci.image.config.v1+json", PLC_MEDIA_CONFIG, FALSE},
    {"application/vnd.docker.container.image.v1+json", PLC_MEDIA_CONFIG, FALSE},
    {"application/vnd.oci.image.layer.v1.tar", PLC_MEDIA_LAYER, FALSE},
    {"application/vnd.oci.image.layer.v1.tar+gzip", PLC_MEDIA_LAYER, TRUE},
    {"application/vnd.oci.image.layer.v1.tar+zstd", PLC_MEDIA_LAYER, TRUE},
    {"application/vnd.docker.image.rootfs.diff.tar", PLC_MEDIA_LAYER, FALSE},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", PLC_MEDIA_LAYER, TRUE},
};

PlcMediaKind
plc_media_type_kind(const char *media_type, gboolean *ret_compressed)
{
  if (ret_compressed)
    *ret_compressed = FALSE;
  for (gsize i = 0; media_type && i < G_N_ELEMENTS(media_types); i++)
    if (strcmp(media_type, media_types[i].type) == 0) {
      if (ret_compressed)
        *ret_compressed = media_types[i].compressed;
      return media_types[i].kind;
    }
  return PLC_MEDIA_UNKNOWN;
}
