/* proclens-oci-hook: an OCI runtime hook (createContainer) that bind-mounts proclensd's files
 * over the container's /proc files and /sys/devices/system/cpu, so that free, top and nproc
 * inside show the container's limits. Reads the container state (JSON) from stdin.
 *
 * Where it runs: the OCI spec runs createContainer hooks in the runtime's namespaces, with
 * "pid" the container's process; runc runs them from the container's init itself, in the
 * container's mount namespace before pivot_root, with "pid" its pid there (1). So: when the
 * state's pid is our parent, we are in the container's mount namespace already; otherwise
 * we enter that process's mount namespace. Either way the root file system is still at the
 * bundle's root.path (or, once pivoted, at /). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546

typedef struct {
  gint64 pid;
  char *id;
  char *bundle;
} State;

static void
state_clear(State *s)
{
  g_clear_pointer(&s->id, g_free);
  g_clear_pointer(&s->bundle, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(State, state_clear)

static gboolean
parse_state(const char *text, State *ret_state, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, text, -1, error)) {
    g_prefix_error(error, "container state on stdin: ");
    return FALSE;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "container state: not an object");
    return FALSE;
  }
  JsonObject *o = json_node_get_object(root);
  if (!json_object_has_member(o, "pid") || !json_object_has_member(o, "bundle")) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "container state: no \"pid\" or no \"bundle\" (is this an OCI hook stage?)");
    return FALSE;
  }
  ret_state->pid = json_object_get_int_member(o, "pid");
  ret_state->bundle = g_strdup(json_object_get_string_member(o, "bundle"));
  if (json_object_has_member(o, "id"))
    ret_state->id = g_strdup(json_object_get_string_member(o, "id"));
  if (ret_state->pid <= 0 || ret_state->bundle == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "container state: bad \"pid\" or \"bundle\"");
    return FALSE;
  }
  return TRUE;
}

/* The bundle's root.path, absolute. */
static char *
bundle_rootfs(const char *bundle, GError **error)
{
  g_autofree char *path = g_build_filename(bundle, "config.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_file(parser, path, error)) {
    g_prefix_error(error, "%s: ", path);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  JsonObject *o = root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonObject *r = o != NULL && json_object_has_member(o, "root")
                      ? json_object_get_object_member(o, "root")
                      : NULL;
  const char *rel = r != NULL && json_object_has_member(r, "path")
                        ? json_object_get_string_member(r, "path")
                        : NULL;
  if (rel == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no root.path", path);
    return NULL;
  }
  return g_path_is_absolute(rel) ? g_strdup(rel) : g_build_filename(bundle, rel, NULL);
}

static gboolean
same_ns(const char *a, const char *b)
{
  char la[64] = "", lb[64] = "";
  if (readlink(a, la, sizeof la - 1) < 0 || readlink(b, lb, sizeof lb - 1) < 0)
    return FALSE;
  return strcmp(la, lb) == 0;
}

/* Joins the container's mount namespace unless we are in it (see the top of the file). */
static gboolean
enter_container(gint64 pid, GError **error)
{
  if (pid == (gint64)getppid())
    return TRUE;
  g_autofree char *ns = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/ns/mnt", pid);
  if (same_ns(ns, "/proc/self/ns/mnt"))
    return TRUE;
  int fd = open(ns, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNS) != 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "enter the mount namespace %s: %s", ns,
                g_strerror(e));
    return FALSE;
  }
  close(fd);
  return TRUE;
}

static gboolean
daemon_serves(const char *mountpoint)
{
  g_autofree char *probe = g_build_filename(mountpoint, "proc", "meminfo", NULL);
  struct statfs fs;
  return statfs(mountpoint, &fs) == 0 && fs.f_type == FUSE_SUPER_MAGIC && access(probe, R_OK) == 0;
}

/* Binds src over root/rel, read-only, when both exist and rel resolves inside root (the
 * image decides what its /proc and /sys hold until they are mounted). */
static gboolean
bind_one(const char *src, const char *root, const char *rel, guint *count, GError **error)
{
  g_autofree char *target = g_build_filename(root, rel, NULL);
  struct stat st_src, st_target;
  char resolved[PATH_MAX];

  if (stat(src, &st_src) != 0 || lstat(target, &st_target) != 0)
    return TRUE;
  if (S_ISLNK(st_target.st_mode) || (S_ISDIR(st_src.st_mode) != S_ISDIR(st_target.st_mode)))
    return TRUE;
  if (realpath(target, resolved) == NULL || !g_str_has_prefix(resolved, root) ||
      (resolved[strlen(root)] != '/' && strcmp(root, "/") != 0))
    return TRUE;
  if (mount(src, target, NULL, MS_BIND, NULL) != 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "bind %s on %s: %s", src, target,
                g_strerror(errno));
    return FALSE;
  }
  /* The mount is read-only already; say so on the bind too, as a container's /proc
   * files are. Failing that is harmless. */
  mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
  (*count)++;
  return TRUE;
}

/* Every file the daemon serves below proc/ (and proc/pressure/), and the CPU directory. */
static gboolean
bind_all(const char *mountpoint, const char *root, guint *count, GError **error)
{
  static const char *const dirs[] = {"proc", "proc/pressure"};
  for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
    g_autofree char *dir_path = g_build_filename(mountpoint, dirs[i], NULL);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *src = g_build_filename(dir_path, name, NULL);
      g_autofree char *rel = g_build_filename(dirs[i], name, NULL);
      if (!g_file_test(src, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!bind_one(src, root, rel, count, error))
        return FALSE;
    }
  }
  g_autofree char *cpu = g_build_filename(mountpoint, "sys/devices/system/cpu", NULL);
  return bind_one(cpu, root, "sys/devices/system/cpu", count, error);
}

int
main(int argc, char **argv)
{
  g_autofree char *mountpoint = NULL;
  gboolean required = FALSE, version = FALSE;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
      {"mountpoint", 'm', 0, G_OPTION_ARG_FILENAME, &mountpoint,
       "Where proclensd serves (default $PROCLENS_MOUNTPOINT, else " PROCLENS_DEFAULT_MOUNTPOINT
       ")",
       "DIR"},
      {"required", 0, 0, G_OPTION_ARG_NONE, &required,
       "Fail (and so fail the container's start) when proclensd is not serving", NULL},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) context = g_option_context_new("< STATE.json");
  g_option_context_set_summary(
      context, "OCI createContainer hook: bind-mounts proclensd's files over the container's\n"
               "/proc files and /sys/devices/system/cpu. Reads the container state on stdin.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    g_printerr("proclens-oci-hook: %s\n", error->message);
    return 2;
  }
  if (version) {
    printf("proclens-oci-hook %s\n", PROCLENS_VERSION);
    return 0;
  }
  if (mountpoint == NULL)
    mountpoint = g_strdup(g_getenv("PROCLENS_MOUNTPOINT") != NULL ? g_getenv("PROCLENS_MOUNTPOINT")
                                                                  : PROCLENS_DEFAULT_MOUNTPOINT);

  g_autofree char *text = NULL;
  g_autoptr(GIOChannel) in = g_io_channel_unix_new(STDIN_FILENO);
  g_auto(State) state = {0};
  if (g_io_channel_set_encoding(in, NULL, &error) != G_IO_STATUS_NORMAL ||
      g_io_channel_read_to_end(in, &text, NULL, &error) != G_IO_STATUS_NORMAL ||
      !parse_state(text, &state, &error)) {
    g_printerr("proclens-oci-hook: %s\n", error->message);
    return 1;
  }
  g_autofree char *rootfs = bundle_rootfs(state.bundle, &error);
  if (rootfs == NULL) {
    g_printerr("proclens-oci-hook: %s\n", error->message);
    return 1;
  }
  if (!enter_container(state.pid, &error)) {
    g_printerr("proclens-oci-hook: %s\n", error->message);
    return 1;
  }
  if (!daemon_serves(mountpoint)) {
    g_printerr("proclens-oci-hook: proclensd is not serving %s; container %s sees the host's "
               "files\n",
               mountpoint, state.id != NULL ? state.id : "?");
    return required ? 1 : 0;
  }
  /* Before pivot_root the root is at root.path; a runtime that calls us later has
   * pivoted already. */
  char resolved[PATH_MAX];
  const char *root = realpath(rootfs, resolved) != NULL ? resolved : "/";
  guint count = 0;
  if (!bind_all(mountpoint, root, &count, &error)) {
    g_printerr("proclens-oci-hook: container %s: %s\n", state.id != NULL ? state.id : "?",
               error->message);
    return 1;
  }
  if (count == 0)
    g_printerr("proclens-oci-hook: container %s: nothing to bind (no /proc under %s yet?)\n",
               state.id != NULL ? state.id : "?", root);
  return 0;
}
