/* The image store on disk: layout, records (JSON, written atomically), lookup, the lowerdir
 * string, and which layers are in use. */
#include "image_store.h"
#include "image_names.h"
#include "state.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The kernel copies mount options into one page; upperdir/workdir need room too. */
#define LOWERDIR_MAX 3000

void
plc_image_config_clear(PlcImageConfig *c)
{
  g_clear_pointer(&c->entrypoint, g_strfreev);
  g_clear_pointer(&c->cmd, g_strfreev);
  g_clear_pointer(&c->env, g_strfreev);
  g_clear_pointer(&c->workdir, g_free);
  g_clear_pointer(&c->user, g_free);
}

void
plc_image_free(PlcImage *image)
{
  if (image == NULL)
    return;
  g_free(image->id);
  g_strfreev(image->names);
  g_strfreev(image->layers);
  plc_image_config_clear(&image->config);
  g_free(image->created);
  g_free(image->source);
  g_free(image);
}

const char *
plc_image_root(const char *option)
{
  if (option && *option)
    return option;
  const char *env = g_getenv("PROCLENS_IMAGE_ROOT");
  return env && *env ? env : PLC_IMAGE_ROOT_DEFAULT;
}

gboolean
plc_image_store_init(const char *root, GError **error)
{
  static const char *const subdirs[] = {"layers", "images", "tmp"};
  for (gsize i = 0; i < G_N_ELEMENTS(subdirs); i++) {
    g_autofree char *d = g_build_filename(root, subdirs[i], NULL);
    if (!plc_mkdir_p(d, 0700, error)) {
      g_prefix_error(error, "image store: ");
      return FALSE;
    }
  }
  return TRUE;
}

int
plc_image_store_lock(const char *root, GError **error)
{
  g_autofree char *path = g_build_filename(root, ".lock", NULL);
  return plc_lock_file(path, error);
}

char *
plc_image_layer_dir(const char *root, const char *digest)
{
  const char *hex = strchr(digest, ':');
  return g_build_filename(root, "layers", hex ? hex + 1 : digest, NULL);
}

/* A JSON array of strings, or NULL (missing or null member); anything else is an error. */
static gboolean
strv_member(JsonObject *o, const char *member, char ***ret, GError **error)
{
  /* Declared before any goto: jumping over an initialised g_autoptr would free garbage. */
  g_autoptr(GPtrArray) v = NULL;
  *ret = NULL;
  JsonNode *n = json_object_get_member(o, member);
  if (n == NULL || JSON_NODE_HOLDS_NULL(n))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY(n))
    goto bad;
  JsonArray *a = json_node_get_array(n);
  v = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
      goto bad;
    g_ptr_array_add(v, g_strdup(json_node_get_string(e)));
  }
  g_ptr_array_add(v, NULL);
  *ret = (char **)g_ptr_array_free(g_steal_pointer(&v), FALSE);
  return TRUE;
bad:
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not an array of strings", member);
  return FALSE;
}

static char *
string_member(JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member(o, member);
  if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
    return g_strdup(json_node_get_string(n));
  return NULL;
}

gboolean
plc_image_config_from_json(JsonObject *config, PlcImageConfig *ret, GError **error)
{
  PlcImageConfig c = {0};
  if (config) {
    if (!strv_member(config, "Entrypoint", &c.entrypoint, error) ||
        !strv_member(config, "Cmd", &c.cmd, error) || !strv_member(config, "Env", &c.env, error)) {
      plc_image_config_clear(&c);
      return FALSE;
    }
    c.workdir = string_member(config, "WorkingDir");
    c.user = string_member(config, "User");
  }
  *ret = c;
  return TRUE;
}

JsonNode *
plc_image_to_json(const PlcImage *image)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "Id", image->id);
  json_object_set_member(o, "Names", plc_json_strv(image->names));
  json_object_set_member(o, "Layers", plc_json_strv(image->layers));
  json_object_set_string_member(o, "Created", image->created ? image->created : "");
  json_object_set_string_member(o, "Source", image->source ? image->source : "");
  JsonObject *c = json_object_new();
  const PlcImageConfig *ic = &image->config;
  if (ic->entrypoint)
    json_object_set_member(c, "Entrypoint", plc_json_strv(ic->entrypoint));
  if (ic->cmd)
    json_object_set_member(c, "Cmd", plc_json_strv(ic->cmd));
  json_object_set_member(c, "Env", plc_json_strv(ic->env));
  json_object_set_string_member(c, "WorkingDir", ic->workdir ? ic->workdir : "");
  json_object_set_string_member(c, "User", ic->user ? ic->user : "");
  json_object_set_object_member(o, "Config", c);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  return n;
}

PlcImage *
plc_image_from_json(JsonNode *node, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "image record is not an object");
    return NULL;
  }
  JsonObject *o = json_node_get_object(node);
  g_autoptr(PlcImage) image = g_new0(PlcImage, 1);
  image->id = string_member(o, "Id");
  image->created = string_member(o, "Created");
  image->source = string_member(o, "Source");
  if (image->id == NULL || !strv_member(o, "Names", &image->names, error) ||
      !strv_member(o, "Layers", &image->layers, error) ||
      !plc_image_config_from_json(json_object_get_object_member(o, "Config"), &image->config,
                                  error)) {
    if (error && *error == NULL)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "image record without an Id");
    return NULL;
  }
  if (image->names == NULL)
    image->names = g_new0(char *, 1);
  if (image->layers == NULL)
    image->layers = g_new0(char *, 1);
  return g_steal_pointer(&image);
}

gboolean
plc_image_save(const char *root, const PlcImage *image, GError **error)
{
  g_autoptr(JsonNode) node = plc_image_to_json(image);
  g_autofree char *text = json_to_string(node, TRUE);
  g_autofree char *name = g_strdup_printf("%s.json", image->id);
  g_autofree char *path = g_build_filename(root, "images", name, NULL);
  g_autofree char *with_nl = g_strconcat(text, "\n", NULL);
  return plc_write_file_atomic(path, with_nl, error);
}

static PlcImage *
image_load_path(const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_file(parser, path, error)) {
    g_prefix_error(error, "%s: ", path);
    return NULL;
  }
  PlcImage *image = plc_image_from_json(json_parser_get_root(parser), error);
  if (image == NULL)
    g_prefix_error(error, "%s: ", path);
  return image;
}

static gint
by_created(gconstpointer a, gconstpointer b)
{
  const PlcImage *x = *(PlcImage *const *)a, *y = *(PlcImage *const *)b;
  return g_strcmp0(x->created, y->created);
}

GPtrArray *
plc_image_list(const char *root, GError **error)
{
  g_autofree char *dir = g_build_filename(root, "images", NULL);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)plc_image_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;

  if (d == NULL) /* no store yet: no images */
    return g_steal_pointer(&out);
  while ((name = g_dir_read_name(d)) != NULL) {
    if (!g_str_has_suffix(name, ".json") || name[0] == '.')
      continue;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    PlcImage *image = image_load_path(path, error);
    if (image == NULL)
      return NULL;
    g_ptr_array_add(out, image);
  }
  g_ptr_array_sort(out, by_created);
  return g_steal_pointer(&out);
}

PlcImage *
plc_image_lookup(const char *root, const char *ref, GError **error)
{
  g_autoptr(GPtrArray) images = plc_image_list(root, error);
  g_autofree char *name = NULL, *tag = NULL, *full = NULL;
  PlcImage *found = NULL;

  if (images == NULL)
    return NULL;
  if (plc_image_ref_parse(ref, &name, &tag, NULL)) {
    full = g_strdup_printf("%s:%s", name, tag);
    for (guint i = 0; i < images->len; i++) {
      PlcImage *im = images->pdata[i];
      if (g_strv_contains((const char *const *)im->names, full))
        return g_ptr_array_steal_index(images, i);
    }
  }
  const char *q = g_str_has_prefix(ref, "sha256:") ? ref + 7 : ref;
  if (strlen(q) >= 4)
    for (guint i = 0; i < images->len; i++) {
      PlcImage *im = images->pdata[i];
      if (!g_str_has_prefix(im->id, q))
        continue;
      if (found) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "image id prefix '%s' is ambiguous", ref);
        return NULL;
      }
      found = im;
    }
  if (found) {
    guint idx;
    g_ptr_array_find(images, found, &idx);
    return g_ptr_array_steal_index(images, idx);
  }
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such image: %s", ref);
  return NULL;
}

char *
plc_image_lowerdir(const char *root, const PlcImage *image, GError **error)
{
  g_autoptr(GString) s = g_string_new(NULL);
  guint n = g_strv_length(image->layers);

  if (n == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "image %.12s has no layers", image->id);
    return NULL;
  }
  if (strpbrk(root, ",:\\")) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "image root %s: overlayfs cannot take a path holding ',', ':' or '\\'", root);
    return NULL;
  }
  for (guint i = n; i-- > 0;) { /* overlayfs wants the top layer first */
    g_autofree char *dir = plc_image_layer_dir(root, image->layers[i]);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "image %.12s: layer %s is missing",
                  image->id, image->layers[i]);
      return NULL;
    }
    if (s->len)
      g_string_append_c(s, ':');
    g_string_append(s, dir);
  }
  if (s->len > LOWERDIR_MAX) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "image %.12s: %u layers under %s make an overlay option of %zu bytes, more "
                "than the kernel's one page allows (use a shorter --image-root)",
                image->id, n, root, s->len);
    return NULL;
  }
  return g_string_free(g_steal_pointer(&s), FALSE);
}

/* The layer hex digests named in one container's Rootfs (a ':'-joined lowerdir list). */
static void
container_layers(const char *root, PlcState *st, GHashTable *into)
{
  const char *rootfs = plc_state_get_string(st, "Rootfs");
  g_autofree char *prefix = g_strconcat(root, "/layers/", NULL);
  if (rootfs == NULL)
    return;
  g_auto(GStrv) parts = g_strsplit(rootfs, ":", -1);
  for (char **p = parts; *p; p++)
    if (g_str_has_prefix(*p, prefix) && strchr(*p + strlen(prefix), '/') == NULL)
      g_hash_table_add(into, g_strdup(*p + strlen(prefix)));
}

GHashTable *
plc_image_layers_in_use_by_containers(const char *root)
{
  GHashTable *used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) states = plc_state_list();
  for (guint i = 0; states && i < states->len; i++)
    container_layers(root, states->pdata[i], used);
  return used;
}

GPtrArray *
plc_image_containers_using(const char *root, const PlcImage *image)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) states = plc_state_list();
  for (guint i = 0; states && i < states->len; i++) {
    g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    container_layers(root, states->pdata[i], used);
    for (char **l = image->layers; *l; l++) {
      const char *hex = strchr(*l, ':') ? strchr(*l, ':') + 1 : *l;
      if (g_hash_table_contains(used, hex)) {
        const char *name = plc_state_get_string(states->pdata[i], "Name");
        g_ptr_array_add(names, g_strdup(name ? name : ((PlcState *)states->pdata[i])->id));
        break;
      }
    }
  }
  return names;
}

guint
plc_image_remove_unused_layers(const char *root, GError **error)
{
  g_autoptr(GPtrArray) images = plc_image_list(root, error);
  g_autoptr(GHashTable) used = plc_image_layers_in_use_by_containers(root);
  g_autofree char *dir = g_build_filename(root, "layers", NULL);
  guint removed = 0;

  if (images == NULL)
    return 0;
  for (guint i = 0; i < images->len; i++)
    for (char **l = ((PlcImage *)images->pdata[i])->layers; *l; l++)
      g_hash_table_add(used, g_strdup(strchr(*l, ':') ? strchr(*l, ':') + 1 : *l));
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d)) != NULL) {
    if (g_hash_table_contains(used, name))
      continue;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (!plc_rm_rf(path, error))
      return removed;
    removed++;
  }
  return removed;
}

char **
plc_image_command(const PlcImageConfig *config, char **cli_command)
{
  GPtrArray *v = g_ptr_array_new();
  for (char **p = config->entrypoint; p && *p; p++)
    g_ptr_array_add(v, g_strdup(*p));
  for (char **p = cli_command && *cli_command ? cli_command : config->cmd; p && *p; p++)
    g_ptr_array_add(v, g_strdup(*p));
  if (v->len == 0) {
    g_ptr_array_free(v, TRUE);
    return NULL;
  }
  g_ptr_array_add(v, NULL);
  return (char **)g_ptr_array_free(v, FALSE);
}

char **
plc_image_env_merge(const PlcImageConfig *config, char **cli_env)
{
  GPtrArray *v = g_ptr_array_new();
  for (char **p = config->env; p && *p; p++)
    g_ptr_array_add(v, g_strdup(*p));
  for (char **p = cli_env; p && *p; p++)
    g_ptr_array_add(v, g_strdup(*p));
  g_ptr_array_add(v, NULL);
  return (char **)g_ptr_array_free(v, FALSE);
}
