/* proclens-oci-hook: an OCI runtime hook that bind-mounts proclensd's files over the
 * container's /proc files and /sys/devices/system/{cpu,node}, so that free, top, nproc and
 * lscpu inside show the container's limits. Reads the container state (JSON) from stdin.
 *
 * Two modes. Without an argument (createRuntime, or createContainer) it binds; where it can,
 * it first registers the container (its id, cgroup and init) in proclensd's registry and binds
 * the container's own views (MOUNTPOINT/containers/<id>/..., page-cached), else the caller
 * views at the top of the mount. With "poststop" it unregisters the container.
 *
 * Where it runs (runc 1.1, checked with a probe hook): createRuntime hooks run in the
 * runtime's namespaces once the container's mounts are made, before pivot_root, with "pid"
 * the container's init as the host sees it: /proc/PID/cgroup names its cgroup and the host's
 * registry directory is at hand, so this stage registers, then enters that process's mount
 * namespace to bind. createContainer hooks run from the container's init itself, in its mount,
 * pid and cgroup namespaces, with "pid" its pid there (1): the state's pid is our parent, we
 * are in the right mount namespace already, but neither the init's host pid nor its cgroup
 * path can be learnt, so this stage binds the caller views only. poststop runs in the
 * runtime's namespaces after the container is gone; its state has no "pid". Either way the
 * root file system is still at the bundle's root.path (or, once pivoted, at /). */
#include "config.h"
#include "proclens/cgroup.h"
#include "proclens/registry.h"

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
#include <sys/wait.h>
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

/* Reads the state's id, pid and bundle. need_pid: the stages that bind need "pid" and
 * "bundle"; poststop's state has neither a live pid nor a use for the bundle. */
static gboolean
parse_state(const char *text, gboolean need_pid, State *ret_state, GError **error)
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
  if (need_pid && (!json_object_has_member(o, "pid") || !json_object_has_member(o, "bundle"))) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "container state: no \"pid\" or no \"bundle\" (is this an OCI hook stage?)");
    return FALSE;
  }
  ret_state->pid = json_object_get_int_member_with_default(o, "pid", 0);
  ret_state->bundle = g_strdup(json_object_get_string_member_with_default(o, "bundle", NULL));
  ret_state->id = g_strdup(json_object_get_string_member_with_default(o, "id", NULL));
  if (need_pid && (ret_state->pid <= 0 || ret_state->bundle == NULL)) {
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

/* Whether we run in the container's mount namespace already (createContainer under runc),
 * rather than in the runtime's (createRuntime, prestart). */
static gboolean
in_container(gint64 pid)
{
  if (pid == (gint64)getppid())
    return TRUE;
  g_autofree char *ns = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/ns/mnt", pid);
  return same_ns(ns, "/proc/self/ns/mnt");
}

static gboolean
enter_container(gint64 pid, GError **error)
{
  g_autofree char *ns = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/ns/mnt", pid);
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

/* Every file served below proc/ (and proc/pressure/), and the CPU and NUMA node directories
 * (whole, as their listings depend on the reader). served: the daemon's mount (caller views)
 * or a container's views directory, which has the same layout. */
static gboolean
bind_all(const char *served, const char *root, guint *count, GError **error)
{
  static const char *const dirs[] = {"proc", "proc/pressure"};
  for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
    g_autofree char *dir_path = g_build_filename(served, dirs[i], NULL);
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
  static const char *const sys_dirs[] = {"sys/devices/system/cpu", "sys/devices/system/node"};
  for (gsize i = 0; i < G_N_ELEMENTS(sys_dirs); i++) {
    g_autofree char *src = g_build_filename(served, sys_dirs[i], NULL);
    if (!bind_one(src, root, sys_dirs[i], count, error))
      return FALSE;
  }
  return TRUE;
}

/* Registers the container under id with its init's cgroup, as the host sees it. */
static gboolean
register_container(const char *registry, const char *id, gint64 pid, GError **error)
{
  g_autoptr(PlCgLayout) layout = pl_cg_layout_discover("/sys/fs/cgroup", error);
  g_auto(PlCgMembership) membership = {0};
  if (layout == NULL || !pl_cg_membership_read("/proc", (pid_t)pid, &membership, error))
    return FALSE;
  const char *cgroup = pl_registry_cgroup_of(layout, &membership);
  if (cgroup == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "process %" G_GINT64_FORMAT " is in the root cgroup", pid);
    return FALSE;
  }
  PlRegistryEntry entry = {.cgroup = (char *)cgroup, .pid = (pid_t)pid};
  return pl_registry_add(registry, id, &entry, error);
}

static void
unregister_container(const char *registry, const char *id)
{
  g_autoptr(GError) error = NULL;
  if (!pl_registry_remove(registry, id, &error))
    g_printerr("proclens-oci-hook: container %s: unregister: %s\n", id, error->message);
}

/* Registers the container and returns its views directory, or NULL, having said why on
 * stderr, when the caller views serve it: then it is not registered. */
static char *
register_views(const char *mountpoint, const char *registry, const State *s, gboolean inside)
{
  g_autoptr(GError) error = NULL;
  const char *id = s->id != NULL ? s->id : "?";

  if (inside) {
    g_printerr("proclens-oci-hook: container %s: run inside the container (createContainer), "
               "where its host pid and cgroup are hidden; binding the caller views (use the "
               "createRuntime stage for its own views)\n",
               id);
    return NULL;
  }
  if (s->id == NULL || !pl_registry_name_valid(s->id, &error)) {
    g_printerr("proclens-oci-hook: container %s: not a registry name (%s); binding the caller "
               "views\n",
               id, error != NULL ? error->message : "no \"id\" in the state");
    return NULL;
  }
  if (!register_container(registry, s->id, s->pid, &error)) {
    g_printerr("proclens-oci-hook: container %s: register in %s: %s; binding the caller views\n",
               id, registry, error->message);
    return NULL;
  }
  char *views = pl_registry_view_dir(mountpoint, s->id);
  if (views == NULL) {
    g_printerr("proclens-oci-hook: container %s: proclensd at %s serves no view of it (an "
               "older daemon, or a registry other than %s); binding the caller views\n",
               id, mountpoint, registry);
    unregister_container(registry, s->id);
  }
  return views;
}

/* Binds served's files into the container, in a child so that the mount namespace we may
 * enter is the child's only: the parent stays in the runtime's, where it registered and
 * so can unregister. */
static gboolean
bind_in_container(const State *s, gboolean inside, const char *served, const char *rootfs)
{
  pid_t child = fork();
  if (child < 0) {
    g_printerr("proclens-oci-hook: fork: %s\n", g_strerror(errno));
    return FALSE;
  }
  if (child == 0) {
    g_autoptr(GError) error = NULL;
    const char *id = s->id != NULL ? s->id : "?";
    /* Before pivot_root the root is at root.path; a runtime that calls us later has
     * pivoted already. */
    char resolved[PATH_MAX];
    guint count = 0;
    if (!inside && !enter_container(s->pid, &error)) {
      g_printerr("proclens-oci-hook: container %s: %s\n", id, error->message);
      _exit(1);
    }
    const char *root = realpath(rootfs, resolved) != NULL ? resolved : "/";
    if (!bind_all(served, root, &count, &error)) {
      g_printerr("proclens-oci-hook: container %s: %s\n", id, error->message);
      _exit(1);
    }
    if (count == 0)
      g_printerr("proclens-oci-hook: container %s: nothing to bind (no /proc under %s yet?)\n", id,
                 root);
    _exit(0);
  }
  int status;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      g_printerr("proclens-oci-hook: wait for the binding child: %s\n", g_strerror(errno));
      return FALSE;
    }
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

typedef struct {
  char *mountpoint;
  char *registry;
  gboolean caller_views;
  gboolean required;
} Options;

/* createRuntime, createContainer, prestart: register when we can, then bind. */
static int
hook_bind(const Options *o, const State *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rootfs = bundle_rootfs(s->bundle, &error);
  if (rootfs == NULL) {
    g_printerr("proclens-oci-hook: %s\n", error->message);
    return 1;
  }
  if (!daemon_serves(o->mountpoint)) {
    g_printerr("proclens-oci-hook: proclensd is not serving %s; container %s sees the host's "
               "files\n",
               o->mountpoint, s->id != NULL ? s->id : "?");
    return o->required ? 1 : 0;
  }
  gboolean inside = in_container(s->pid);
  g_autofree char *views =
      o->caller_views ? NULL : register_views(o->mountpoint, o->registry, s, inside);
  if (!bind_in_container(s, inside, views != NULL ? views : o->mountpoint, rootfs)) {
    /* runc runs poststop when it tears a failed start down, but not every runtime does. */
    if (views != NULL)
      unregister_container(o->registry, s->id);
    return 1;
  }
  return 0;
}

/* poststop: the container is gone; its registry entry goes too. */
static int
hook_poststop(const Options *o, const State *s)
{
  g_autoptr(GError) error = NULL;
  /* An id that is no registry name was never registered (the bind fell back). */
  if (s->id == NULL || !pl_registry_name_valid(s->id, NULL))
    return 0;
  if (!pl_registry_remove(o->registry, s->id, &error)) {
    g_printerr("proclens-oci-hook: container %s: unregister: %s\n", s->id, error->message);
    return 1;
  }
  return 0;
}

static void
options_clear(Options *o)
{
  g_clear_pointer(&o->mountpoint, g_free);
  g_clear_pointer(&o->registry, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

static const char *
env_or(const char *name, const char *fallback)
{
  const char *value = g_getenv(name);
  return value != NULL && *value != '\0' ? value : fallback;
}

int
main(int argc, char **argv)
{
  g_auto(Options) o = {0};
  gboolean version = FALSE;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
      {"mountpoint", 'm', 0, G_OPTION_ARG_FILENAME, &o.mountpoint,
       "Where proclensd serves (default $PROCLENS_MOUNTPOINT, else " PROCLENS_DEFAULT_MOUNTPOINT
       ")",
       "DIR"},
      {"registry", 0, 0, G_OPTION_ARG_FILENAME, &o.registry,
       "proclensd's container registry (default $PROCLENS_REGISTRY, else " PL_REGISTRY_DEFAULT_DIR
       ")",
       "DIR"},
      {"caller-views", 0, 0, G_OPTION_ARG_NONE, &o.caller_views,
       "Do not register the container; bind the caller views (as with LXCFS)", NULL},
      {"required", 0, 0, G_OPTION_ARG_NONE, &o.required,
       "Fail (and so fail the container's start) when proclensd is not serving", NULL},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
      {NULL},
  };
  g_autoptr(GOptionContext) context = g_option_context_new("[poststop] < STATE.json");
  g_option_context_set_summary(
      context,
      "OCI hook. As a createRuntime (or createContainer) hook it bind-mounts proclensd's files\n"
      "over the container's /proc files and /sys/devices/system/{cpu,node}; from createRuntime\n"
      "it registers the container first and binds its own views. As \"poststop\" it\n"
      "unregisters the container. Reads the container state on stdin.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    g_printerr("proclens-oci-hook: %s\n", error->message);
    return 2;
  }
  if (version) {
    printf("proclens-oci-hook %s\n", PROCLENS_VERSION);
    return 0;
  }
  gboolean poststop = argc == 2 && strcmp(argv[1], "poststop") == 0;
  if (argc > 2 || (argc == 2 && !poststop)) {
    g_printerr("proclens-oci-hook: unknown mode '%s' (none, or poststop)\n", argv[1]);
    return 2;
  }
  if (o.mountpoint == NULL)
    o.mountpoint = g_strdup(env_or("PROCLENS_MOUNTPOINT", PROCLENS_DEFAULT_MOUNTPOINT));
  if (o.registry == NULL)
    o.registry = g_strdup(env_or("PROCLENS_REGISTRY", PL_REGISTRY_DEFAULT_DIR));

  g_autofree char *text = NULL;
  g_autoptr(GIOChannel) in = g_io_channel_unix_new(STDIN_FILENO);
  g_auto(State) state = {0};
  if (g_io_channel_set_encoding(in, NULL, &error) != G_IO_STATUS_NORMAL ||
      g_io_channel_read_to_end(in, &text, NULL, &error) != G_IO_STATUS_NORMAL ||
      !parse_state(text, !poststop, &state, &error)) {
    g_printerr("proclens-oci-hook: %s\n", error->message);
    return 1;
  }
  return poststop ? hook_poststop(&o, &state) : hook_bind(&o, &state);
}
