/* proclens image: the image store's verbs (import, ls, inspect, rm, prune). */
#include "cli.h"
#include "image_import.h"
#include "image_names.h"
#include "image_store.h"
#include "util.h"

#include <errno.h>
#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *image_root_opt;

#define ROOT_ENTRY                                                                                 \
  {                                                                                                \
    "image-root", 0, 0, G_OPTION_ARG_FILENAME, &image_root_opt,                                    \
        "The image store (default $PROCLENS_IMAGE_ROOT, else " PLC_IMAGE_ROOT_DEFAULT ")", "DIR"   \
  }

static int
cmd_import(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {ROOT_ENTRY, {NULL}};
  if (!plc_cli_parse("image import", "FILE|DIR [NAME[:TAG]]", "Import an image.",
                     "FILE|DIR is an OCI image layout (a directory or a tar of one: oci-layout,\n"
                     "index.json, blobs/sha256/...), a 'docker save' tarball (manifest.json), or\n"
                     "a plain root filesystem tarball (docker export, debootstrap), which becomes\n"
                     "a one-layer image. Layers may be gzip-compressed. Every blob is checked\n"
                     "against its sha256 digest; each layer is unpacked once into\n"
                     "ROOT/layers/<digest>/ and shared by the images that hold it. A failed\n"
                     "import leaves the store unchanged. Prints the image id.",
                     entries, FALSE, &argc, &argv))
    return 1;
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "proclens image import: give FILE|DIR and optionally NAME[:TAG]\n");
    return 1;
  }
  if (geteuid() != 0) {
    fprintf(stderr, "proclens image import: must run as root (layers keep their owners)\n");
    return 1;
  }
  g_autoptr(PlcImage) image =
      plc_image_import(plc_image_root(image_root_opt), argv[1], argc > 2 ? argv[2] : NULL, &error);
  if (image == NULL) {
    plc_cli_error("image import", error);
    return 1;
  }
  printf("%s\n", image->id);
  return 0;
}

static guint64
dir_size(const char *path)
{
  g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
  const char *name;
  guint64 total = 0;
  while (d && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *p = g_build_filename(path, name, NULL);
    struct stat st;
    if (lstat(p, &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode))
      total += dir_size(p);
    else if (S_ISREG(st.st_mode))
      total += (guint64)st.st_size;
  }
  return total;
}

static int
cmd_ls(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
      ROOT_ENTRY, {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print the ids only", NULL}, {NULL}};
  if (!plc_cli_parse("image ls", "", "List images.",
                     "One line per image name (an image without a name shows <none>): name, tag,\n"
                     "short id, number of layers, size of its unpacked layers, import time.",
                     entries, FALSE, &argc, &argv))
    return 1;
  const char *root = plc_image_root(image_root_opt);
  g_autoptr(GPtrArray) images = plc_image_list(root, &error);
  if (images == NULL) {
    plc_cli_error("image ls", error);
    return 1;
  }
  if (!quiet)
    printf("%-30s %-12s %-12s %-6s %-10s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "LAYERS", "SIZE",
           "CREATED");
  for (guint i = 0; i < images->len; i++) {
    PlcImage *im = images->pdata[i];
    if (quiet) {
      printf("%.12s\n", im->id);
      continue;
    }
    guint64 size = 0;
    for (char **l = im->layers; *l; l++) {
      g_autofree char *dir = plc_image_layer_dir(root, *l);
      size += dir_size(dir);
    }
    g_autofree char *hsize = g_format_size(size);
    const char *none[] = {"<none>:<none>", NULL};
    for (char **n = *im->names ? im->names : (char **)none; *n; n++) {
      const char *colon = strrchr(*n, ':');
      g_autofree char *repo = g_strndup(*n, (gsize)(colon - *n));
      printf("%-30s %-12s %.12s %-6u %-10s %s\n", repo, colon + 1, im->id,
             g_strv_length(im->layers), hsize, im->created ? im->created : "");
    }
  }
  return 0;
}

static int
cmd_inspect(int argc, char **argv)
{
  int rc = 0;
  const GOptionEntry entries[] = {ROOT_ENTRY, {NULL}};
  if (!plc_cli_parse("image inspect", "IMAGE...", "Show images (JSON).",
                     "Prints a JSON array with each image's record: Id, Names, Layers (digests,\n"
                     "bottom first), LayerDirs, Config (Entrypoint, Cmd, Env, WorkingDir, User),\n"
                     "Created, Source. IMAGE is NAME[:TAG], an id or a unique id prefix.",
                     entries, FALSE, &argc, &argv))
    return 1;
  if (argc < 2) {
    fprintf(stderr, "proclens image inspect: name at least one image\n");
    return 1;
  }
  const char *root = plc_image_root(image_root_opt);
  g_autoptr(JsonArray) out = json_array_new();
  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PlcImage) im = plc_image_lookup(root, argv[i], &error);
    if (im == NULL) {
      plc_cli_error("image inspect", error);
      rc = 1;
      continue;
    }
    JsonNode *n = plc_image_to_json(im);
    JsonArray *dirs = json_array_new();
    for (char **l = im->layers; *l; l++) {
      g_autofree char *dir = plc_image_layer_dir(root, *l);
      json_array_add_string_element(dirs, dir);
    }
    json_object_set_array_member(json_node_get_object(n), "LayerDirs", dirs);
    json_array_add_element(out, n);
  }
  g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
  json_node_set_array(node, out);
  g_autofree char *text = json_to_string(node, TRUE);
  printf("%s\n", text);
  return rc;
}

static int
cmd_rm(int argc, char **argv)
{
  gboolean force = FALSE;
  int rc = 0;
  const GOptionEntry entries[] = {
      ROOT_ENTRY,
      {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
       "Remove the record even while containers use it (their layers stay until prune)", NULL},
      {NULL}};
  if (!plc_cli_parse("image rm", "IMAGE...", "Remove images.",
                     "IMAGE given as NAME[:TAG] removes that name; the image goes when it has no\n"
                     "name left (or when named by its id). Its layers are removed unless another\n"
                     "image or a container (running or stopped, until 'proclens rm') uses them.\n"
                     "An image a container uses is refused unless -f is given.",
                     entries, FALSE, &argc, &argv))
    return 1;
  if (argc < 2) {
    fprintf(stderr, "proclens image rm: name at least one image\n");
    return 1;
  }
  const char *root = plc_image_root(image_root_opt);
  g_autoptr(GError) lock_error = NULL;
  int lock = plc_image_store_lock(root, &lock_error);
  if (lock < 0) {
    plc_cli_error("image rm", lock_error);
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PlcImage) im = plc_image_lookup(root, argv[i], &error);
    if (im == NULL) {
      plc_cli_error("image rm", error);
      rc = 1;
      continue;
    }
    /* By name: drop that name; the image itself goes with its last name. */
    g_autofree char *name = NULL, *tag = NULL, *full = NULL;
    if (!g_str_has_prefix(im->id, argv[i]) && plc_image_ref_parse(argv[i], &name, &tag, NULL))
      full = g_strdup_printf("%s:%s", name, tag);
    guint left = 0;
    for (char **n = im->names; *n; n++)
      left += full == NULL || strcmp(*n, full) != 0;
    if (full && left > 0 && g_strv_contains((const char *const *)im->names, full)) {
      g_auto(GStrv) old = g_steal_pointer(&im->names);
      GPtrArray *keep = g_ptr_array_new();
      for (char **n = old; *n; n++)
        if (strcmp(*n, full) != 0)
          g_ptr_array_add(keep, g_strdup(*n));
      g_ptr_array_add(keep, NULL);
      im->names = (char **)g_ptr_array_free(keep, FALSE);
      if (!plc_image_save(root, im, &error)) {
        plc_cli_error("image rm", error);
        rc = 1;
        continue;
      }
      printf("Untagged: %s\n", full);
      continue;
    }
    g_autoptr(GPtrArray) users = plc_image_containers_using(root, im);
    if (users->len > 0 && !force) {
      fprintf(stderr,
              "proclens image rm: image %s is used by container %s: remove it first, or "
              "use image rm -f\n",
              argv[i], (char *)users->pdata[0]);
      rc = 1;
      continue;
    }
    g_autofree char *file = g_strdup_printf("%s.json", im->id);
    g_autofree char *path = g_build_filename(root, "images", file, NULL);
    if (unlink(path) < 0) {
      fprintf(stderr, "proclens image rm: %s: %s\n", path, g_strerror(errno));
      rc = 1;
      continue;
    }
    printf("Deleted: sha256:%s\n", im->id);
  }
  g_autoptr(GError) error = NULL;
  plc_image_remove_unused_layers(root, &error);
  if (error) {
    plc_cli_error("image rm", error);
    rc = 1;
  }
  close(lock);
  return rc;
}

static int
cmd_prune(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {ROOT_ENTRY, {NULL}};
  if (!plc_cli_parse("image prune", "", "Remove unused layers and images.",
                     "Removes images without a name that no container uses, layers that no image\n"
                     "and no container uses (e.g. left by 'image rm -f' once the containers are\n"
                     "gone), and leftovers of interrupted imports.",
                     entries, FALSE, &argc, &argv))
    return 1;
  const char *root = plc_image_root(image_root_opt);
  g_autofree char *layers = g_build_filename(root, "layers", NULL);
  if (!g_file_test(layers, G_FILE_TEST_IS_DIR))
    return 0; /* no store, nothing to prune */
  int lock = plc_image_store_lock(root, &error);
  if (lock < 0) {
    plc_cli_error("image prune", error);
    return 1;
  }
  g_autoptr(GPtrArray) images = plc_image_list(root, &error);
  guint images_removed = 0;
  for (guint i = 0; images && i < images->len; i++) {
    PlcImage *im = images->pdata[i];
    g_autoptr(GPtrArray) users = plc_image_containers_using(root, im);
    if (*im->names || users->len)
      continue;
    g_autofree char *file = g_strdup_printf("%s.json", im->id);
    g_autofree char *path = g_build_filename(root, "images", file, NULL);
    if (unlink(path) == 0)
      images_removed++;
  }
  /* Imports in progress hold the lock, so whatever is in tmp/ now is a leftover. */
  g_autofree char *tmp = g_build_filename(root, "tmp", NULL);
  g_autoptr(GDir) d = g_dir_open(tmp, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *p = g_build_filename(tmp, name, NULL);
    plc_rm_rf(p, NULL);
  }
  guint layers_removed = images ? plc_image_remove_unused_layers(root, &error) : 0;
  close(lock);
  if (error) {
    plc_cli_error("image prune", error);
    return 1;
  }
  printf("Removed %u images, %u layers\n", images_removed, layers_removed);
  return 0;
}

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} subverbs[] = {
    {"import", cmd_import, "Import an OCI layout, a docker save tarball or a rootfs tarball"},
    {"ls", cmd_ls, "List images"},
    {"inspect", cmd_inspect, "Show images (JSON)"},
    {"rm", cmd_rm, "Remove images (and the layers nothing else uses)"},
    {"prune", cmd_prune, "Remove unused layers and unnamed images"},
};

static void
usage(FILE *out)
{
  fprintf(out, "Usage: proclens image COMMAND [OPTIONS] [ARGS...]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(subverbs); i++)
    fprintf(out, "  %-8s %s\n", subverbs[i].name, subverbs[i].summary);
  fprintf(out, "\nRun 'proclens image COMMAND --help' for the options of a command.\n"
               "The store is --image-root, else $PROCLENS_IMAGE_ROOT, else " PLC_IMAGE_ROOT_DEFAULT
               ".\n'proclens run NAME[:TAG]' runs an image.\n");
}

int
plc_cmd_image(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 1;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(subverbs); i++)
    if (strcmp(argv[1], subverbs[i].name) == 0)
      return subverbs[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "proclens image: unknown command '%s'\nSee 'proclens image --help'.\n", argv[1]);
  return 1;
}
