/* The importer: tells the format, walks index -> manifest -> config + layers (OCI) or
 * manifest.json (docker save), verifies each blob's sha256, unpacks new layers in a private
 * temporary directory and commits the image with renames under the store's lock. */
#include "image_import.h"
#include "image_names.h"
#include "layer_unpack.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OCI_REF_NAME "org.opencontainers.image.ref.name"

typedef struct {
  const char *root;
  char *tmp;          /* ROOT/tmp/import-XXXXXX: everything in progress lives here */
  const char *source; /* the directory to read blobs from (maybe tmp/src) */
  GPtrArray *layers;  /* "sha256:<hex>", bottom first */
  GPtrArray *names;   /* "name:tag" */
  PlcImageConfig config;
  char *id;
  const char *format;
} Import;

static void
import_clear(Import *im)
{
  if (im->tmp) {
    plc_rm_rf(im->tmp, NULL);
    g_free(im->tmp);
  }
  g_clear_pointer(&im->layers, g_ptr_array_unref);
  g_clear_pointer(&im->names, g_ptr_array_unref);
  plc_image_config_clear(&im->config);
  g_free(im->id);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Import, import_clear)

static gboolean
hash_file(const char *path, gint64 expect_size, char **ret_hex, GError **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  guchar buf[64 * 1024];
  gint64 total = 0;
  ssize_t n;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

  if (fd < 0) {
    plc_set_errno(error, errno, "open %s", path);
    return FALSE;
  }
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      plc_set_errno(error, errno, "read %s", path);
      close(fd);
      return FALSE;
    }
    g_checksum_update(sum, buf, (gsize)n);
    total += n;
  }
  close(fd);
  if (expect_size >= 0 && total != expect_size) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "%s: size %" G_GINT64_FORMAT " where %" G_GINT64_FORMAT " was expected", path,
                total, expect_size);
    return FALSE;
  }
  *ret_hex = g_strdup(g_checksum_get_string(sum));
  return TRUE;
}

/* Checks that the file at path has the given digest. */
static gboolean
verify_blob(const char *path, const char *digest, gint64 size, GError **error)
{
  const char *hex;
  g_autofree char *got = NULL;
  if (!plc_digest_parse(digest, &hex, error) || !hash_file(path, size, &got, error))
    return FALSE;
  if (strcmp(got, hex) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "digest mismatch: %s has sha256:%s, expected %s", path, got, digest);
    return FALSE;
  }
  return TRUE;
}

static JsonNode *
load_json(const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_file(parser, path, error)) {
    g_prefix_error(error, "%s: ", path);
    return NULL;
  }
  return json_node_copy(json_parser_get_root(parser));
}

static JsonObject *
require_object(JsonNode *n, const char *what, GError **error)
{
  if (n == NULL || !JSON_NODE_HOLDS_OBJECT(n)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a JSON object", what);
    return NULL;
  }
  return json_node_get_object(n);
}

static const char *
string_member(JsonObject *o, const char *member)
{
  JsonNode *n = o ? json_object_get_member(o, member) : NULL;
  if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
    return json_node_get_string(n);
  return NULL;
}

/* Unpacks one verified layer archive as layer hex unless the store or this import has it. */
static gboolean
add_layer(Import *im, const char *archive, const char *hex, GError **error)
{
  g_autofree char *digest = g_strdup_printf("sha256:%s", hex);
  g_autofree char *stored = plc_image_layer_dir(im->root, digest);
  g_autofree char *staged = g_build_filename(im->tmp, hex, NULL);

  if (!g_file_test(stored, G_FILE_TEST_IS_DIR) && !g_file_test(staged, G_FILE_TEST_IS_DIR)) {
    g_autofree char *partial = g_build_filename(im->tmp, "partial", NULL);
    plc_rm_rf(partial, NULL);
    if (mkdir(partial, 0755) < 0) {
      plc_set_errno(error, errno, "mkdir %s", partial);
      return FALSE;
    }
    if (!plc_archive_unpack(archive, partial, PLC_UNPACK_LAYER, error)) {
      g_prefix_error(error, "layer %s: ", digest);
      return FALSE;
    }
    if (rename(partial, staged) < 0) {
      plc_set_errno(error, errno, "rename %s", partial);
      return FALSE;
    }
  }
  g_ptr_array_add(im->layers, g_steal_pointer(&digest));
  return TRUE;
}

/* Reads and verifies the blob a descriptor names; returns its path. */
static char *
descriptor_blob(Import *im, JsonObject *desc, PlcMediaKind want, gboolean *ret_compressed,
                GError **error)
{
  const char *media = string_member(desc, "mediaType");
  const char *digest = string_member(desc, "digest");
  const char *hex;
  gint64 size =
      json_object_has_member(desc, "size") ? json_object_get_int_member(desc, "size") : -1;

  if (digest == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "descriptor without a digest");
    return NULL;
  }
  PlcMediaKind kind = plc_media_type_kind(media, ret_compressed);
  if (kind != want) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s: unsupported media type '%s'",
                digest, media ? media : "(none)");
    return NULL;
  }
  if (!plc_digest_parse(digest, &hex, error))
    return NULL;
  g_autofree char *path = g_build_filename(im->source, "blobs", "sha256", hex, NULL);
  if (!verify_blob(path, digest, size, error))
    return NULL;
  return g_steal_pointer(&path);
}

static gboolean
apply_config_blob(Import *im, const char *path, GError **error)
{
  g_autoptr(JsonNode) node = load_json(path, error);
  JsonObject *o = node ? require_object(node, path, error) : NULL;
  if (o == NULL)
    return FALSE;
  JsonObject *c = json_object_has_member(o, "config") &&
                          JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "config"))
                      ? json_object_get_object_member(o, "config")
                      : NULL;
  if (!plc_image_config_from_json(c, &im->config, error)) {
    g_prefix_error(error, "image config %s: ", path);
    return FALSE;
  }
  return TRUE;
}

static gboolean
wanted_manifest(JsonObject *desc, const char *ref)
{
  const char *ann = NULL;
  JsonNode *a = json_object_get_member(desc, "annotations");
  if (a && JSON_NODE_HOLDS_OBJECT(a))
    ann = string_member(json_node_get_object(a), OCI_REF_NAME);
  if (ann == NULL || ref == NULL)
    return FALSE;
  g_autofree char *name = NULL, *tag = NULL;
  if (!plc_image_ref_parse(ref, &name, &tag, NULL))
    return FALSE;
  g_autofree char *full = g_strdup_printf("%s:%s", name, tag);
  return strcmp(ann, tag) == 0 || strcmp(ann, full) == 0;
}

static gboolean
import_oci(Import *im, const char *ref, GError **error)
{
  g_autofree char *index_path = g_build_filename(im->source, "index.json", NULL);
  g_autoptr(JsonNode) index = load_json(index_path, error);
  JsonObject *io = index ? require_object(index, "index.json", error) : NULL;
  JsonObject *chosen = NULL;

  im->format = "oci";
  if (io == NULL)
    return FALSE;
  JsonNode *mn = json_object_get_member(io, "manifests");
  JsonArray *manifests = mn && JSON_NODE_HOLDS_ARRAY(mn) ? json_node_get_array(mn) : NULL;
  guint n = manifests ? json_array_get_length(manifests) : 0;
  if (n == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "index.json lists no manifests");
    return FALSE;
  }
  for (guint i = 0; i < n && n > 1; i++) {
    JsonNode *d = json_array_get_element(manifests, i);
    if (JSON_NODE_HOLDS_OBJECT(d) && wanted_manifest(json_node_get_object(d), ref))
      chosen = json_node_get_object(d);
  }
  if (n == 1)
    chosen = require_object(json_array_get_element(manifests, 0), "index.json manifest", error);
  else if (chosen == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "the layout holds %u images: give NAME:TAG whose tag matches an "
                "org.opencontainers.image.ref.name annotation",
                n);
    return FALSE;
  }
  if (chosen == NULL)
    return FALSE;

  g_autofree char *manifest_path = descriptor_blob(im, chosen, PLC_MEDIA_MANIFEST, NULL, error);
  if (manifest_path == NULL) {
    g_prefix_error(error, "manifest: ");
    return FALSE;
  }
  g_autoptr(JsonNode) manifest = load_json(manifest_path, error);
  JsonObject *mo = manifest ? require_object(manifest, "manifest", error) : NULL;
  if (mo == NULL)
    return FALSE;
  JsonNode *cn = json_object_get_member(mo, "config");
  JsonNode *ln = json_object_get_member(mo, "layers");
  if (cn == NULL || !JSON_NODE_HOLDS_OBJECT(cn) || ln == NULL || !JSON_NODE_HOLDS_ARRAY(ln)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "manifest %s: no config or layers",
                manifest_path);
    return FALSE;
  }
  g_autofree char *config_path =
      descriptor_blob(im, json_node_get_object(cn), PLC_MEDIA_CONFIG, NULL, error);
  if (config_path == NULL) {
    g_prefix_error(error, "config: ");
    return FALSE;
  }
  if (!apply_config_blob(im, config_path, error))
    return FALSE;
  im->id = g_path_get_basename(config_path);

  JsonArray *layers = json_node_get_array(ln);
  for (guint i = 0; i < json_array_get_length(layers); i++) {
    JsonNode *d = json_array_get_element(layers, i);
    JsonObject *lo = require_object(d, "layer descriptor", error);
    if (lo == NULL)
      return FALSE;
    g_autofree char *blob = descriptor_blob(im, lo, PLC_MEDIA_LAYER, NULL, error);
    if (blob == NULL) {
      g_prefix_error(error, "layer %u: ", i + 1);
      return FALSE;
    }
    g_autofree char *hex = g_path_get_basename(blob);
    if (!add_layer(im, blob, hex, error))
      return FALSE;
  }
  return TRUE;
}

/* A path named inside manifest.json, checked to stay inside the archive. */
static char *
docker_path(Import *im, const char *rel, GError **error)
{
  g_autofree char *clean = NULL;
  if (rel == NULL || !plc_layer_path_clean(rel, &clean, error) || *clean == '\0') {
    if (error && *error == NULL)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "manifest.json: bad path");
    return NULL;
  }
  return g_build_filename(im->source, clean, NULL);
}

static gboolean
import_docker(Import *im, const char *ref, GError **error)
{
  g_autofree char *path = g_build_filename(im->source, "manifest.json", NULL);
  g_autoptr(JsonNode) node = load_json(path, error);

  im->format = "docker-save";
  if (node == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY(node) || json_array_get_length(json_node_get_array(node)) == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "manifest.json: no images");
    return FALSE;
  }
  if (json_array_get_length(json_node_get_array(node)) > 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "manifest.json holds several images: import them one at a time");
    return FALSE;
  }
  JsonObject *m = require_object(json_array_get_element(json_node_get_array(node), 0),
                                 "manifest.json entry", error);
  if (m == NULL)
    return FALSE;
  g_autofree char *config_path = docker_path(im, string_member(m, "Config"), error);
  if (config_path == NULL)
    return FALSE;
  /* The config's name is its digest (<hex>.json, or blobs/sha256/<hex>). */
  g_autofree char *base = g_path_get_basename(config_path);
  if (g_str_has_suffix(base, ".json"))
    base[strlen(base) - 5] = '\0';
  g_autofree char *config_digest = g_strdup_printf("sha256:%s", base);
  const char *hex;
  if (plc_digest_parse(config_digest, &hex, NULL)) {
    if (!verify_blob(config_path, config_digest, -1, error))
      return FALSE;
    im->id = g_strdup(hex);
  } else if (!hash_file(config_path, -1, &im->id, error)) {
    return FALSE;
  }
  if (!apply_config_blob(im, config_path, error))
    return FALSE;

  g_autoptr(JsonNode) cfg_node = load_json(config_path, error);
  if (cfg_node == NULL)
    return FALSE;
  JsonObject *co = require_object(cfg_node, config_path, error);
  JsonObject *rootfs = co && json_object_has_member(co, "rootfs") &&
                               JSON_NODE_HOLDS_OBJECT(json_object_get_member(co, "rootfs"))
                           ? json_object_get_object_member(co, "rootfs")
                           : NULL;
  JsonNode *dn = rootfs ? json_object_get_member(rootfs, "diff_ids") : NULL;
  JsonNode *ln = json_object_get_member(m, "Layers");
  if (dn == NULL || !JSON_NODE_HOLDS_ARRAY(dn) || ln == NULL || !JSON_NODE_HOLDS_ARRAY(ln) ||
      json_array_get_length(json_node_get_array(dn)) !=
          json_array_get_length(json_node_get_array(ln))) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "docker save archive: Layers and the config's rootfs.diff_ids do not match");
    return FALSE;
  }
  JsonArray *layers = json_node_get_array(ln), *diff_ids = json_node_get_array(dn);
  for (guint i = 0; i < json_array_get_length(layers); i++) {
    const char *diff_id = json_array_get_string_element(diff_ids, i);
    g_autofree char *blob = docker_path(im, json_array_get_string_element(layers, i), error);
    /* docker save layers are uncompressed: the file's digest is the diff_id. */
    if (blob == NULL || diff_id == NULL || !verify_blob(blob, diff_id, -1, error) ||
        !plc_digest_parse(diff_id, &hex, error) || !add_layer(im, blob, hex, error)) {
      g_prefix_error(error, "layer %u: ", i + 1);
      return FALSE;
    }
  }
  if (ref == NULL) {
    JsonNode *tn = json_object_get_member(m, "RepoTags");
    JsonArray *tags = tn && JSON_NODE_HOLDS_ARRAY(tn) ? json_node_get_array(tn) : NULL;
    for (guint i = 0; tags && i < json_array_get_length(tags); i++) {
      g_autofree char *name = NULL, *tag = NULL;
      const char *t = json_array_get_string_element(tags, i);
      if (t && plc_image_ref_parse(t, &name, &tag, NULL))
        g_ptr_array_add(im->names, g_strdup_printf("%s:%s", name, tag));
    }
  }
  return TRUE;
}

static gboolean
import_rootfs_tar(Import *im, const char *file, GError **error)
{
  g_autofree char *hex = NULL;
  im->format = "rootfs-tar";
  if (!hash_file(file, -1, &hex, error) || !add_layer(im, file, hex, error))
    return FALSE;
  g_autofree char *seed = g_strdup_printf("rootfs-tar:sha256:%s", hex);
  im->id = g_compute_checksum_for_string(G_CHECKSUM_SHA256, seed, -1);
  return TRUE;
}

/* Moves the staged layers into the store and writes the record; the store is locked. */
static PlcImage *
commit(Import *im, GError **error)
{
  g_autoptr(GPtrArray) images = plc_image_list(im->root, error);
  if (images == NULL)
    return NULL;
  for (guint i = 0; i < im->layers->len; i++) {
    const char *digest = im->layers->pdata[i];
    g_autofree char *stored = plc_image_layer_dir(im->root, digest);
    g_autofree char *staged = g_build_filename(im->tmp, strchr(digest, ':') + 1, NULL);
    if (g_file_test(staged, G_FILE_TEST_IS_DIR) && !g_file_test(stored, G_FILE_TEST_EXISTS) &&
        rename(staged, stored) < 0) {
      plc_set_errno(error, errno, "rename %s to %s", staged, stored);
      return NULL;
    }
  }
  g_autoptr(PlcImage) image = g_new0(PlcImage, 1);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  image->id = g_strdup(im->id);
  image->created = plc_now_rfc3339();
  for (guint i = 0; i < images->len; i++) {
    PlcImage *other = images->pdata[i];
    if (strcmp(other->id, im->id) == 0) { /* re-import: keep its names and age */
      for (char **n = other->names; *n; n++)
        g_ptr_array_add(names, g_strdup(*n));
      g_free(image->created);
      image->created = g_strdup(other->created);
      continue;
    }
    /* A name moves to the new image, as docker's tags do. */
    gboolean changed = FALSE;
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    for (char **n = other->names; *n; n++) {
      gboolean taken = FALSE;
      for (guint j = 0; j < im->names->len; j++)
        taken |= strcmp(*n, im->names->pdata[j]) == 0;
      if (taken)
        changed = TRUE;
      else
        g_ptr_array_add(keep, g_strdup(*n));
    }
    if (changed) {
      g_ptr_array_add(keep, NULL);
      g_strfreev(other->names);
      other->names = (char **)g_ptr_array_free(g_steal_pointer(&keep), FALSE);
      if (!plc_image_save(im->root, other, error))
        return NULL;
    }
  }
  for (guint j = 0; j < im->names->len; j++)
    if (!g_ptr_array_find_with_equal_func(names, im->names->pdata[j], g_str_equal, NULL))
      g_ptr_array_add(names, g_strdup(im->names->pdata[j]));
  g_ptr_array_add(names, NULL);
  image->names = (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
  g_ptr_array_add(im->layers, NULL);
  image->layers = (char **)g_ptr_array_free(g_steal_pointer(&im->layers), FALSE);
  image->config = im->config;
  memset(&im->config, 0, sizeof im->config);
  image->source = g_strdup(im->format);
  if (!plc_image_save(im->root, image, error))
    return NULL;
  return g_steal_pointer(&image);
}

PlcImage *
plc_image_import(const char *root, const char *source, const char *ref, GError **error)
{
  g_auto(Import) im = {.root = root};
  struct stat st;

  im.layers = g_ptr_array_new_with_free_func(g_free);
  im.names = g_ptr_array_new_with_free_func(g_free);
  if (ref) {
    g_autofree char *name = NULL, *tag = NULL;
    if (!plc_image_ref_parse(ref, &name, &tag, error))
      return NULL;
    g_ptr_array_add(im.names, g_strdup_printf("%s:%s", name, tag));
  }
  if (stat(source, &st) < 0) {
    plc_set_errno(error, errno, "%s", source);
    return NULL;
  }
  if (!plc_image_store_init(root, error))
    return NULL;
  im.tmp = g_build_filename(root, "tmp", "import-XXXXXX", NULL);
  if (g_mkdtemp(im.tmp) == NULL) {
    plc_set_errno(error, errno, "mkdtemp %s", im.tmp);
    g_clear_pointer(&im.tmp, g_free);
    return NULL;
  }

  gboolean ok;
  g_autofree char *unpacked = NULL;
  if (S_ISDIR(st.st_mode)) {
    im.source = source;
  } else {
    g_autoptr(GHashTable) top = NULL;
    if (!plc_archive_top_names(source, &top, error))
      return NULL;
    if ((g_hash_table_contains(top, "oci-layout") && g_hash_table_contains(top, "index.json")) ||
        g_hash_table_contains(top, "manifest.json")) {
      unpacked = g_build_filename(im.tmp, "src", NULL);
      if (mkdir(unpacked, 0700) < 0) {
        plc_set_errno(error, errno, "mkdir %s", unpacked);
        return NULL;
      }
      if (!plc_archive_unpack(source, unpacked, PLC_UNPACK_FILES_ONLY, error))
        return NULL;
      im.source = unpacked;
    }
  }
  if (im.source) {
    g_autofree char *layout = g_build_filename(im.source, "oci-layout", NULL);
    g_autofree char *index = g_build_filename(im.source, "index.json", NULL);
    g_autofree char *manifest = g_build_filename(im.source, "manifest.json", NULL);
    if (g_file_test(layout, G_FILE_TEST_IS_REGULAR) && g_file_test(index, G_FILE_TEST_IS_REGULAR))
      ok = import_oci(&im, ref, error);
    else if (g_file_test(manifest, G_FILE_TEST_IS_REGULAR))
      ok = import_docker(&im, ref, error);
    else {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                  "%s: neither an OCI image layout (oci-layout, index.json) nor a docker save "
                  "archive (manifest.json)",
                  source);
      return NULL;
    }
  } else {
    ok = import_rootfs_tar(&im, source, error);
  }
  if (!ok)
    return NULL;

  int lock = plc_image_store_lock(root, error);
  if (lock < 0)
    return NULL;
  PlcImage *image = commit(&im, error);
  close(lock);
  return image;
}
