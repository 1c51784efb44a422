/* The image store: layers unpacked once each under ROOT/layers/<sha256 hex>/ and shared by
 * every image holding them; images as JSON records ROOT/images/<id>.json (names, ordered
 * layer digests bottom first, config); ROOT/tmp/ for imports in progress (renamed into
 * place when complete, so a failed import leaves nothing). Layer use is counted, not stored:
 * by the image records and by the containers whose state names the layer directories. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#define PLC_IMAGE_ROOT_DEFAULT "/var/lib/proclens/images"

/* The image's run configuration (what docker calls the config's "config"). */
typedef struct {
  char **entrypoint; /* NULL if unset */
  char **cmd;        /* NULL if unset */
  char **env;        /* KEY=VALUE */
  char *workdir;     /* NULL or "" if unset */
  char *user;        /* NULL or "" if unset */
} PlcImageConfig;

typedef struct {
  char *id;      /* sha256 hex */
  char **names;  /* "name:tag" */
  char **layers; /* "sha256:<hex>", bottom first */
  PlcImageConfig config;
  char *created; /* RFC 3339, when imported */
  char *source;  /* "oci", "docker-save", "rootfs-tar" */
} PlcImage;

void plc_image_free(PlcImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcImage, plc_image_free)
void plc_image_config_clear(PlcImageConfig *config);

/* --image-root, else $PROCLENS_IMAGE_ROOT, else the default. */
const char *plc_image_root(const char *option);

/* Creates ROOT/{layers,images,tmp}. */
gboolean plc_image_store_init(const char *root, GError **error);
/* An exclusive lock on ROOT/.lock for changes to the store; close the fd to release. */
int plc_image_store_lock(const char *root, GError **error);

char *plc_image_layer_dir(const char *root, const char *digest);

JsonNode *plc_image_to_json(const PlcImage *image);
PlcImage *plc_image_from_json(JsonNode *node, GError **error);
gboolean plc_image_config_from_json(JsonObject *config, PlcImageConfig *ret, GError **error);

gboolean plc_image_save(const char *root, const PlcImage *image, GError **error);
/* All images, sorted by creation time. */
GPtrArray *plc_image_list(const char *root, GError **error);
/* By "name[:tag]", full id or unique id prefix (at least 4 digits). */
PlcImage *plc_image_lookup(const char *root, const char *ref, GError **error);

/* The overlay lowerdir value (top layer first, ':'-joined) for an image; refuses a value
 * the kernel's one-page mount option limit cannot take. */
char *plc_image_lowerdir(const char *root, const PlcImage *image, GError **error);

/* Layer hex digests the containers in /run/proclens use (their state names the layer dirs). */
GHashTable *plc_image_layers_in_use_by_containers(const char *root);
/* Container names whose state uses any layer of image. */
GPtrArray *plc_image_containers_using(const char *root, const PlcImage *image);

/* Removes the layer directories no image record and no container uses; returns how many. */
guint plc_image_remove_unused_layers(const char *root, GError **error);

/* docker's precedence for `run IMAGE [COMMAND...]`: Entrypoint stays, a COMMAND given on the
 * command line replaces Cmd. NULL when both are empty. */
char **plc_image_command(const PlcImageConfig *config, char **cli_command);
/* The image's Env followed by the command line's -e values (later ones win). */
char **plc_image_env_merge(const PlcImageConfig *config, char **cli_env);
