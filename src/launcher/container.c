#include "container.h"
#include "monitor.h"
#include "namespaces.h"
#include "pty.h"
#include "rootfs.h"
#include "seccomp_filter.h"
#include "sysinfo_responder.h"
#include "userns.h"
#include "util.h"
#include "views.h"
#include "volume.h"
#include "proclens/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* What the container's init tells the launcher over the sync socket. End of file means the
 * command was executed (the socket is close-on-exec). */
enum { MSG_SETUP_ERROR = 'E', MSG_EXEC_ERROR = 'X', MSG_PTY = 'T', MSG_SECCOMP = 'S' };
/* What the launcher sends the init before its command: idmapped lower layers, then "go". */
enum { MSG_LOWER = 'L', MSG_GO = 'G' };

typedef struct {
  char kind;
  int err;
  char text[2048];
} SyncMsg;

PlcConfig *
plc_config_new(void)
{
  PlcConfig *cfg = g_new0(PlcConfig, 1);
  cfg->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)plc_volume_free);
  cfg->devices = g_ptr_array_new_with_free_func((GDestroyNotify)plc_volume_free);
  cfg->cgroup_root = g_strdup("/sys/fs/cgroup");
  cfg->userns = g_strdup("host");
  cfg->uid_map = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  cfg->gid_map = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  return cfg;
}

void
plc_config_free(PlcConfig *cfg)
{
  if (cfg == NULL)
    return;
  g_free(cfg->id);
  g_free(cfg->name);
  g_free(cfg->rootfs);
  g_strfreev(cfg->argv);
  g_strfreev(cfg->env);
  g_free(cfg->hostname);
  g_free(cfg->workdir);
  g_free(cfg->cpuset_cpus);
  g_ptr_array_unref(cfg->volumes);
  g_ptr_array_unref(cfg->devices);
  plc_blkio_free(cfg->blkio);
  g_free(cfg->lxcfs_dir);
  g_free(cfg->cgroup_root);
  g_free(cfg->userns);
  g_free(cfg->cgroup_parent);
  g_array_unref(cfg->uid_map);
  g_array_unref(cfg->gid_map);
  g_free(cfg);
}

void
plc_running_free(PlcRunning *r)
{
  if (r == NULL)
    return;
  plc_state_free(r->state);
  plc_cgroup_free(r->cgroup);
  if (r->pty_master >= 0)
    close(r->pty_master);
  if (r->log_fd >= 0)
    close(r->log_fd);
  plc_sysinfo_responder_stop(r->sysinfo);
  g_free(r);
}

/* ---- the container's side -------------------------------------------------------------- */

static void
send_msg(int sock, char kind, int err, const char *text)
{
  SyncMsg m;
  memset(&m, 0, sizeof m);
  m.kind = kind;
  m.err = err;
  g_strlcpy(m.text, text, sizeof m.text);
  send(sock, &m, sizeof m, MSG_NOSIGNAL);
}

static G_GNUC_NORETURN void
die_setup(int sock, GError *error, const char *step)
{
  g_autofree char *text = g_strdup_printf("%s: %s", step, error ? error->message : "failed");
  send_msg(sock, MSG_SETUP_ERROR, 0, text);
  _exit(PLC_EXIT_LAUNCHER);
}

static G_GNUC_NORETURN void
die_errno(int sock, const char *step)
{
  g_autofree char *text = g_strdup_printf("%s: %s", step, g_strerror(errno));
  send_msg(sock, MSG_SETUP_ERROR, errno, text);
  _exit(PLC_EXIT_LAUNCHER);
}

static void
reset_signals(const sigset_t *old_mask)
{
  for (int s = 1; s < NSIG; s++)
    signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, old_mask, NULL);
}

/* The sysinfo(2) filter; its listener goes to whoever serves it over sock. */
static void
install_sysinfo_filter(int sock)
{
  int listener = plc_seccomp_install_sysinfo(NULL);
  if (listener < 0)
    return;
  plc_send_fd(sock, listener, MSG_SECCOMP, "the sysinfo listener", NULL);
  close(listener);
}

/* pid 1 with --init: forwards signals to the command, reaps every orphan, and exits as
 * the command did. */
static G_GNUC_NORETURN void
init_shim(pid_t child)
{
  sigset_t all;
  sigfillset(&all);
  for (;;) {
    siginfo_t si;
    int sig = sigwaitinfo(&all, &si);
    if (sig < 0)
      continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    for (;;) {
      int st;
      pid_t w = waitpid(-1, &st, WNOHANG);
      if (w <= 0)
        break;
      if (w == child)
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
  }
}

static G_GNUC_NORETURN void
container_init(PlcConfig *cfg, const char *state_dir, int sock, const int stdio[3],
               const sigset_t *old_mask)
{
  g_autoptr(GError) error = NULL;
  char go;

  /* Wait until the launcher has put us in the cgroup (the cgroup namespace made next must
   * have the container's cgroup as its root) and written our id maps. */
  g_autoptr(GArray) lower_fds = g_array_new(FALSE, FALSE, sizeof(int));
  for (;;) {
    int fd = plc_recv_fd(sock, &go);
    if (go == MSG_GO)
      break;
    if (go != MSG_LOWER || fd < 0)
      _exit(PLC_EXIT_LAUNCHER);
    g_array_append_val(lower_fds, fd);
  }
  if (cfg->uid_map->len > 0 && !plc_userns_become_root(&error))
    die_setup(sock, error, "user namespace");
  if (unshare(CLONE_NEWCGROUP) < 0)
    die_errno(sock, "unshare the cgroup namespace");
  if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
    die_errno(sock, "set the hostname");
  if (!cfg->net_host && !plc_ns_loopback_up(&error))
    die_setup(sock, error, "network");

  /* The daemon's views of this container when it serves them (registered before "G"). */
  g_autofree char *views_dir =
      cfg->lxcfs_dir ? pl_registry_view_dir(cfg->lxcfs_dir, cfg->id) : NULL;
  PlcRootfsSpec spec = {
      .views_dir = views_dir,
      .lower = cfg->rootfs,
      .state_dir = state_dir,
      .volumes = cfg->volumes,
      .devices = cfg->devices,
      .lxcfs_dir = cfg->lxcfs_dir,
      .tty = cfg->tty,
      .userns = cfg->uid_map->len > 0,
      .lower_fds = (const int *)lower_fds->data,
      .n_lower_fds = lower_fds->len,
  };
  if (!plc_rootfs_setup(&spec, &error))
    die_setup(sock, error, "root filesystem");
  for (guint i = 0; i < lower_fds->len; i++)
    close(g_array_index(lower_fds, int, i));

  if (cfg->tty) {
    int master;
    g_autofree char *slave = NULL;
    if (!plc_pty_open(&master, &slave, &error) ||
        !plc_send_fd(sock, master, MSG_PTY, "the pty to the launcher", &error) ||
        !plc_rootfs_bind_console(slave, &error) || !plc_pty_make_controlling(slave, &error))
      die_setup(sock, error, "terminal");
    close(master);
  } else {
    for (int i = 0; i < 3; i++)
      if (stdio[i] >= 0 && dup2(stdio[i], i) < 0)
        die_errno(sock, "set up stdio");
    setsid();
  }

  if (cfg->init) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    pid_t child = fork();
    if (child < 0)
      die_errno(sock, "fork the command under --init");
    if (child > 0) {
      close(sock);
      init_shim(child);
    }
  }
  reset_signals(old_mask);

  const char *wd = cfg->workdir ? cfg->workdir : "/";
  if (g_mkdir_with_parents(wd, 0755) < 0 || chdir(wd) < 0) {
    g_autofree char *step = g_strdup_printf("working directory %s", wd);
    die_errno(sock, step);
  }
  /* Still root here: the filter needs no no_new_privs. Without kernel support the command
   * runs unfiltered and the launcher, receiving no listener, records "unavailable". */
  if (!cfg->no_sysinfo)
    install_sysinfo_filter(sock);
  if (cfg->has_user) {
    if (setgroups(0, NULL) < 0 || setgid(cfg->gid) < 0 || setuid(cfg->uid) < 0) {
      g_autofree char *step = g_strdup_printf("switch to user %u:%u", cfg->uid, cfg->gid);
      die_errno(sock, step);
    }
  }
  /* execvp searches the PATH of environ, so the container's environment goes there. */
  environ = cfg->env;
  execvp(cfg->argv[0], cfg->argv);
  int err = errno;
  g_autofree char *text = g_strdup_printf("exec %s: %s", cfg->argv[0], g_strerror(err));
  send_msg(sock, MSG_EXEC_ERROR, err, text);
  _exit(err == ENOENT ? PLC_EXIT_NOT_FOUND : PLC_EXIT_NOT_EXECUTABLE);
}

/* ---- the launcher's side --------------------------------------------------------------- */

/* docker's names: BlkioWeight, BlkioDevice{Read,Write}{Bps,IOps} [{Path, Rate}], Devices. */
static void
add_disk_members(JsonObject *h, const PlcConfig *cfg)
{
  static const char *const names[PLC_THROTTLE_KINDS] = {
      [PLC_READ_BPS] = "BlkioDeviceReadBps",
      [PLC_WRITE_BPS] = "BlkioDeviceWriteBps",
      [PLC_READ_IOPS] = "BlkioDeviceReadIOps",
      [PLC_WRITE_IOPS] = "BlkioDeviceWriteIOps",
  };
  json_object_set_int_member(h, "BlkioWeight", cfg->blkio ? cfg->blkio->weight : 0);
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++) {
    JsonArray *list = json_array_new();
    for (guint i = 0; cfg->blkio && i < cfg->blkio->throttle[k]->len; i++) {
      const PlcThrottle *t = cfg->blkio->throttle[k]->pdata[i];
      JsonObject *o = json_object_new();
      json_object_set_string_member(o, "Path", t->path);
      json_object_set_int_member(o, "Rate", (gint64)t->rate);
      json_array_add_object_element(list, o);
    }
    json_object_set_array_member(h, names[k], list);
  }
  JsonArray *devices = json_array_new();
  for (guint i = 0; i < cfg->devices->len; i++) {
    const PlcVolume *d = cfg->devices->pdata[i];
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "PathOnHost", d->source);
    json_object_set_string_member(o, "PathInContainer", d->destination);
    json_object_set_string_member(o, "CgroupPermissions", "rwm");
    json_array_add_object_element(devices, o);
  }
  json_object_set_array_member(h, "Devices", devices);
}

static JsonNode *
idmap_json(const GArray *maps)
{
  g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < maps->len; i++)
    g_ptr_array_add(v, plc_idmap_format(&g_array_index(maps, PlcIdMap, i)));
  g_ptr_array_add(v, NULL);
  return plc_json_strv((char **)v->pdata);
}

static JsonNode *
initial_state(PlcConfig *cfg, PlcCgroup *cg, const char *state_dir)
{
  g_autofree char *now = plc_now_rfc3339();
  g_autofree char *log = g_build_filename(state_dir, "container.log", NULL);
  g_autoptr(JsonBuilder) b = json_builder_new();
  g_autofree char *user =
      cfg->has_user ? g_strdup_printf("%u:%u", cfg->uid, cfg->gid) : g_strdup("");
  JsonObject *o;

  json_builder_begin_object(b);
  json_builder_set_member_name(b, "Id");
  json_builder_add_string_value(b, cfg->id);
  json_builder_set_member_name(b, "Name");
  json_builder_add_string_value(b, cfg->name);
  json_builder_set_member_name(b, "Created");
  json_builder_add_string_value(b, now);
  json_builder_set_member_name(b, "Path");
  json_builder_add_string_value(b, cfg->argv[0]);
  json_builder_set_member_name(b, "Args");
  json_builder_add_value(b, plc_json_strv(cfg->argv + 1));
  json_builder_set_member_name(b, "Rootfs");
  json_builder_add_string_value(b, cfg->rootfs);
  json_builder_set_member_name(b, "StateDir");
  json_builder_add_string_value(b, state_dir);
  json_builder_set_member_name(b, "LogPath");
  json_builder_add_string_value(b, cfg->detach ? log : "");
  json_builder_end_object(b);
  JsonNode *root = json_builder_get_root(b);
  o = json_node_get_object(root);

  JsonObject *st = json_object_new();
  json_object_set_string_member(st, "Status", "created");
  json_object_set_boolean_member(st, "Running", FALSE);
  json_object_set_int_member(st, "Pid", 0);
  json_object_set_int_member(st, "ExitCode", 0);
  json_object_set_boolean_member(st, "OOMKilled", FALSE);
  json_object_set_string_member(st, "Error", "");
  json_object_set_string_member(st, "StartedAt", "");
  json_object_set_string_member(st, "FinishedAt", "");
  json_object_set_int_member(st, "MonitorPid", getpid());
  json_object_set_int_member(st, "MonitorStartTime", (gint64)plc_pid_start_time(getpid()));
  json_object_set_object_member(o, "State", st);

  JsonObject *c = json_object_new();
  json_object_set_string_member(c, "Hostname", cfg->hostname);
  json_object_set_string_member(c, "User", user);
  json_object_set_member(c, "Env", plc_json_strv(cfg->env));
  json_object_set_member(c, "Cmd", plc_json_strv(cfg->argv));
  json_object_set_string_member(c, "WorkingDir", cfg->workdir ? cfg->workdir : "");
  json_object_set_boolean_member(c, "Tty", cfg->tty);
  json_object_set_boolean_member(c, "OpenStdin", cfg->interactive);
  json_object_set_string_member(c, "Image", cfg->rootfs);
  json_object_set_object_member(o, "Config", c);

  JsonObject *h = json_object_new();
  json_object_set_int_member(h, "Memory", cfg->limits.memory);
  json_object_set_int_member(h, "MemorySwap", cfg->limits.memory_swap);
  json_object_set_int_member(h, "NanoCpus", cfg->limits.nano_cpus);
  json_object_set_string_member(h, "CpusetCpus", cfg->cpuset_cpus ? cfg->cpuset_cpus : "");
  json_object_set_int_member(h, "PidsLimit", cfg->limits.pids_limit);
  json_object_set_string_member(h, "NetworkMode", cfg->net_host ? "host" : "none");
  JsonArray *binds = json_array_new();
  for (guint i = 0; i < cfg->volumes->len; i++) {
    PlcVolume *v = cfg->volumes->pdata[i];
    g_autofree char *s =
        g_strdup_printf("%s:%s%s", v->source, v->destination, v->read_only ? ":ro" : "");
    json_array_add_string_element(binds, s);
  }
  json_object_set_array_member(h, "Binds", binds);
  add_disk_members(h, cfg);
  json_object_set_boolean_member(h, "AutoRemove", cfg->auto_remove);
  json_object_set_boolean_member(h, "Init", cfg->init);
  json_object_set_string_member(h, "LxcfsDir", cfg->lxcfs_dir ? cfg->lxcfs_dir : "");
  json_object_set_string_member(h, "UsernsMode", cfg->userns);
  json_object_set_member(h, "UidMap", idmap_json(cfg->uid_map));
  json_object_set_member(h, "GidMap", idmap_json(cfg->gid_map));
  json_object_set_object_member(o, "HostConfig", h);

  JsonObject *cgo = json_object_new();
  json_object_set_string_member(cgo, "Version", plc_cgroup_is_v2(cg) ? "v2" : "v1");
  JsonArray *paths = json_array_new();
  for (char *const *p = plc_cgroup_paths(cg); *p; p++)
    json_array_add_string_element(paths, *p);
  json_object_set_array_member(cgo, "Paths", paths);
  json_object_set_object_member(o, "Cgroup", cgo);
  return root;
}

static gboolean
write_etc_files(PlcConfig *cfg, const char *state_dir, GError **error)
{
  g_autofree char *etc = g_build_filename(state_dir, "etc", NULL);
  g_autofree char *hostname = g_build_filename(etc, "hostname", NULL);
  g_autofree char *hosts = g_build_filename(etc, "hosts", NULL);
  g_autofree char *resolv = g_build_filename(etc, "resolv.conf", NULL);
  g_autofree char *hostname_text = g_strdup_printf("%s\n", cfg->hostname);
  g_autofree char *hosts_text = NULL;
  g_autofree char *resolv_text = NULL;

  if (!plc_mkdir_p(etc, 0755, error))
    return FALSE;
  if (cfg->net_host) {
    /* The host's network: its names and resolvers work as they are. */
    if (!plc_read_file("/etc/hosts", &hosts_text, NULL))
      hosts_text = g_strdup("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    if (!plc_read_file("/etc/resolv.conf", &resolv_text, NULL))
      resolv_text = g_strdup("");
    char *with_name = g_strdup_printf("%s127.0.1.1\t%s\n", hosts_text, cfg->hostname);
    g_free(hosts_text);
    hosts_text = with_name;
  } else {
    hosts_text = g_strdup_printf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                                 "ip6-loopback\n127.0.1.1\t%s\n",
                                 cfg->hostname);
    resolv_text = g_strdup("# --network none: no name servers\n");
  }
  return plc_create_file(hostname, hostname_text, error) &&
         plc_create_file(hosts, hosts_text, error) && plc_create_file(resolv, resolv_text, error);
}

static gboolean
name_taken(const char *name, GError **error)
{
  g_autoptr(GPtrArray) all = plc_state_list();
  for (guint i = 0; i < all->len; i++) {
    PlcState *st = all->pdata[i];
    if (g_strcmp0(plc_state_get_string(st, "Name"), name) == 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                  "the name '%s' is already in use by container %.12s; remove it (proclens rm) "
                  "or choose another --name",
                  name, st->id);
      return TRUE;
    }
  }
  return FALSE;
}

static void
undo_rm_rf(gpointer path)
{
  plc_rm_rf(path, NULL);
}

static void
undo_cgroup(gpointer paths)
{
  plc_cgroup_destroy_paths(paths, NULL);
}

static void
undo_unregister(gpointer id)
{
  plc_views_unregister(id);
}

/* Registers the container for the daemon's container views; without them (an old daemon,
 * LXCFS, a user namespace that may not see them) the init binds the caller views. */
static void
register_views(PlcConfig *cfg, PlcRunning *r, PlcUndo *undo)
{
  g_autoptr(GError) ignored = NULL;
  if (cfg->lxcfs_dir == NULL || cfg->uid_map->len > 0 || !plc_views_wanted() ||
      !plc_views_register(cfg->id, r->cgroup, r->pid, &ignored))
    return;
  plc_undo_push(undo, "unregister the container's views", undo_unregister, g_strdup(cfg->id),
                g_free);
}

static void
undo_child(gpointer p)
{
  pid_t pid = GPOINTER_TO_INT(p);
  kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* Creates the state directory under the lock, refusing a name in use, and takes the ids of
 * --userns=auto. The caller closes *ret_lock once the state (which records them) is saved. */
static char *
create_state_dir(PlcConfig *cfg, PlcUndo *undo, int *ret_lock, GError **error)
{
  int lock = plc_state_lock(error);
  if (lock < 0)
    return NULL;
  g_autofree char *dir = plc_state_dir_for(cfg->id);
  gboolean ok = !name_taken(cfg->name, error);
  if (ok && strcmp(cfg->userns, "auto") == 0)
    ok = geteuid() == 0 ? plc_userns_allocate(cfg->uid_map, cfg->gid_map, error)
                        : plc_userns_rootless_maps(cfg->uid_map, cfg->gid_map, error);
  if (ok && mkdir(dir, 0700) < 0) {
    plc_set_errno(error, errno, "create the state directory %s", dir);
    ok = FALSE;
  }
  if (ok)
    plc_undo_push(undo, "remove the state directory", undo_rm_rf, g_strdup(dir), g_free);
  if (!ok) {
    close(lock);
    return NULL;
  }
  *ret_lock = lock;
  return g_steal_pointer(&dir);
}

/* With a user namespace, container root must reach and own its part of the state dir: the
 * dir itself (group: mapped root, mode 0710), upper/ and work/ (overlayfs writes there as the
 * mounter), the /etc files, and lower/N where the idmapped lower layers get attached. */
static gboolean
prepare_userns_dirs(PlcConfig *cfg, const char *state_dir, GError **error)
{
  static const char *const owned[] = {"upper", "work", "etc/hostname", "etc/hosts",
                                      "etc/resolv.conf", NULL};
  uid_t uid = plc_userns_host_root(cfg->uid_map);
  gid_t gid = plc_userns_host_root(cfg->gid_map);
  if (chown(state_dir, (uid_t)-1, gid) < 0 || chmod(state_dir, 0710) < 0) {
    plc_set_errno(error, errno, "give %s to the container's root group %u", state_dir, gid);
    return FALSE;
  }
  for (gsize i = 0; owned[i]; i++) {
    g_autofree char *p = g_build_filename(state_dir, owned[i], NULL);
    if (chown(p, uid, gid) < 0) {
      plc_set_errno(error, errno, "give %s to the container's root %u:%u", p, uid, gid);
      return FALSE;
    }
  }
  g_auto(GStrv) lowers = g_strsplit(cfg->rootfs, ":", -1);
  for (guint i = 0; lowers[i]; i++) {
    g_autofree char *name = g_strdup_printf("lower/%u", i);
    g_autofree char *d = g_build_filename(state_dir, name, NULL);
    if (!plc_mkdir_p(d, 0755, error))
      return FALSE;
  }
  return TRUE;
}

/* Maps the new init's ids, then sends it an idmapped clone of each lower layer (the files
 * on disk keep their owners; inside they appear shifted into the container's range). */
static gboolean
map_userns(PlcConfig *cfg, pid_t pid, int sock, GError **error)
{
  if (!plc_userns_write_maps(pid, cfg->uid_map, cfg->gid_map, error))
    return FALSE;
  g_autofree char *ns_path = g_strdup_printf("/proc/%d/ns/user", (int)pid);
  int ns = open(ns_path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) {
    plc_set_errno(error, errno, "open %s", ns_path);
    return FALSE;
  }
  g_auto(GStrv) lowers = g_strsplit(cfg->rootfs, ":", -1);
  /* Rootless, idmapped mounts are out of reach: the caller's own files appear as root's. */
  gboolean ok = TRUE, idmap = geteuid() == 0;
  for (char **l = lowers; ok && idmap && *l; l++) {
    int fd = plc_userns_idmapped_tree(*l, ns, error);
    ok = fd >= 0 && plc_send_fd(sock, fd, MSG_LOWER, "an idmapped lower layer", error);
    if (fd >= 0)
      close(fd);
  }
  close(ns);
  return ok;
}

/* Reads the init's messages until end of file (the command was executed). */
static gboolean
await_exec(int sock, PlcRunning *r, int *ret_exit_code, GError **error)
{
  for (;;) {
    SyncMsg m;
    union {
      char buf[CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } u;
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof m};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    memset(&m, 0, sizeof m);
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      plc_set_errno(error, errno, "read from the container's init");
      return FALSE;
    }
    if (n == 0)
      return TRUE;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (m.kind == MSG_PTY && c && c->cmsg_type == SCM_RIGHTS) {
      memcpy(&r->pty_master, CMSG_DATA(c), sizeof(int));
      continue;
    }
    if (m.kind == MSG_SECCOMP && c && c->cmsg_type == SCM_RIGHTS) {
      memcpy(&r->sysinfo_listener, CMSG_DATA(c), sizeof(int));
      continue;
    }
    m.text[sizeof m.text - 1] = '\0';
    if (m.kind == MSG_EXEC_ERROR)
      *ret_exit_code = m.err == ENOENT ? PLC_EXIT_NOT_FOUND : PLC_EXIT_NOT_EXECUTABLE;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", m.text);
    return FALSE;
  }
}

/* Starts answering the init's sysinfo notifications and records whether they are served.
 * A failure here degrades (the kernel answers ENOSYS once the listener is closed). */
static void
serve_sysinfo(PlcRunning *r, const char *state_dir)
{
  const char *how = "off";
  if (r->sysinfo_listener >= 0) {
    r->sysinfo = plc_sysinfo_responder_start(r->cfg->cgroup_root, state_dir,
                                             g_steal_fd(&r->sysinfo_listener), NULL);
    how = r->sysinfo ? "served" : "unavailable";
  } else if (!r->cfg->no_sysinfo) {
    how = "unavailable";
  }
  plc_state_set_string(r->state, "State.Sysinfo", how);
}

PlcRunning *
plc_container_start(PlcConfig *cfg, int *ret_exit_code, GError **error)
{
  g_autoptr(PlcUndo) undo = plc_undo_new();
  g_autoptr(PlcRunning) r = g_new0(PlcRunning, 1);
  g_autofree char *state_dir = NULL;
  int stdio[3] = {-1, -1, -1};
  int sv[2] = {-1, -1};
  int lock = -1;
  sigset_t old_mask;

  *ret_exit_code = PLC_EXIT_LAUNCHER;
  r->cfg = cfg;
  r->pty_master = -1;
  r->log_fd = -1;
  r->sysinfo_listener = -1;
  sigprocmask(SIG_SETMASK, NULL, &old_mask);
  {
    /* The init must not inherit the monitor's blocked signals. */
    sigset_t mon;
    plc_monitor_signal_set(&mon);
    for (int s = 1; s < NSIG; s++)
      if (sigismember(&mon, s))
        sigdelset(&old_mask, s);
  }

  if (!plc_rootfs_check(cfg->rootfs, error))
    return NULL;
  if (cfg->lxcfs_dir && !plc_is_mountpoint(cfg->lxcfs_dir)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_MOUNTED,
                "nothing is mounted at %s: start proclensd there (proclensd %s), point "
                "--lxcfs-dir at its mount, or pass --no-lxcfs to run without its files",
                cfg->lxcfs_dir, cfg->lxcfs_dir);
    return NULL;
  }
  r->cgroup = cfg->no_limits ? plc_cgroup_new_none(cfg->id)
                             : plc_cgroup_new(cfg->cgroup_parent ? cfg->cgroup_parent
                                                                 : cfg->cgroup_root,
                                              cfg->id, error);
  if (r->cgroup == NULL)
    return NULL;

  state_dir = create_state_dir(cfg, undo, &lock, error);
  if (state_dir == NULL)
    goto fail;
  r->state = plc_state_new(cfg->id, initial_state(cfg, r->cgroup, state_dir));
  gboolean saved = plc_state_save(r->state, error);
  close(g_steal_fd(&lock));
  if (!saved)
    goto fail;
  {
    static const char *const dirs[] = {"upper", "work", "rootfs", NULL};
    for (gsize i = 0; dirs[i]; i++) {
      g_autofree char *d = g_build_filename(state_dir, dirs[i], NULL);
      if (!plc_mkdir_p(d, 0755, error))
        goto fail;
    }
  }
  if (!write_etc_files(cfg, state_dir, error))
    goto fail;
  if (cfg->uid_map->len > 0 && !prepare_userns_dirs(cfg, state_dir, error))
    goto fail;

  if (cfg->detach) {
    g_autofree char *log = g_build_filename(state_dir, "container.log", NULL);
    r->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (r->log_fd < 0) {
      plc_set_errno(error, errno, "create the log %s", log);
      goto fail;
    }
    stdio[1] = stdio[2] = r->log_fd;
  }
  if (!cfg->interactive || cfg->detach) {
    stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (stdio[0] < 0) {
      plc_set_errno(error, errno, "open /dev/null");
      goto fail;
    }
  }

  if (!plc_cgroup_create(r->cgroup, error))
    goto fail;
  plc_undo_push(undo, "remove the cgroup", undo_cgroup,
                g_strdupv((char **)plc_cgroup_paths(r->cgroup)), (GDestroyNotify)g_strfreev);
  if (!plc_cgroup_apply(r->cgroup, &cfg->limits, error))
    goto fail;

  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    plc_set_errno(error, errno, "socketpair");
    goto fail;
  }
  int own_time = -1;
  if (!cfg->no_time_ns && !plc_ns_time_for_children(&own_time, error))
    goto fail;
  r->pid = plc_ns_clone(plc_ns_clone_flags(cfg->net_host, cfg->uid_map->len > 0));
  if (r->pid == 0) {
    if (own_time >= 0)
      close(own_time);
    close(sv[0]);
    container_init(cfg, state_dir, sv[1], stdio, &old_mask);
  }
  if (r->pid < 0) {
    int clone_errno = errno;
    plc_ns_time_restore(own_time, NULL);
    plc_set_errno(error, clone_errno, "create the container's namespaces (clone3)");
    goto fail;
  }
  close(sv[1]);
  sv[1] = -1;
  plc_undo_push(undo, "kill the container's init", undo_child, GINT_TO_POINTER(r->pid), NULL);
  if (!plc_ns_time_restore(own_time, error))
    goto fail;

  if (!plc_cgroup_add_pid(r->cgroup, r->pid, error))
    goto fail;
  register_views(cfg, r, undo);
  if (cfg->uid_map->len > 0 && !map_userns(cfg, r->pid, sv[0], error))
    goto fail;
  if (write(sv[0], "G", 1) != 1) {
    plc_set_errno(error, errno, "start the container's init");
    goto fail;
  }
  if (!await_exec(sv[0], r, ret_exit_code, error))
    goto fail;
  close(sv[0]);
  sv[0] = -1;
  if (stdio[0] >= 0)
    close(stdio[0]);
  stdio[0] = -1;
  serve_sysinfo(r, state_dir);

  {
    g_autofree char *now = plc_now_rfc3339();
    plc_state_set_string(r->state, "State.Status", "running");
    plc_state_set_bool(r->state, "State.Running", TRUE);
    plc_state_set_int(r->state, "State.Pid", r->pid);
    plc_state_set_int(r->state, "State.PidStartTime", (gint64)plc_pid_start_time(r->pid));
    plc_state_set_string(r->state, "State.StartedAt", now);
  }
  if (!plc_state_save(r->state, error))
    goto fail;
  plc_undo_forget(undo);
  *ret_exit_code = 0;
  return g_steal_pointer(&r);

fail:
  if (r->sysinfo_listener >= 0)
    close(g_steal_fd(&r->sysinfo_listener));
  plc_sysinfo_responder_stop(g_steal_pointer(&r->sysinfo));
  if (sv[0] >= 0)
    close(sv[0]);
  if (sv[1] >= 0)
    close(sv[1]);
  if (stdio[0] >= 0)
    close(stdio[0]);
  plc_undo_run(undo);
  return NULL;
}

int
plc_container_finish(PlcRunning *r, int wait_status)
{
  int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  g_autofree char *now = plc_now_rfc3339();
  g_autoptr(GError) error = NULL;
  guint64 ooms = plc_cgroup_oom_kills(r->cgroup);

  plc_sysinfo_responder_stop(g_steal_pointer(&r->sysinfo));

  plc_state_set_string(r->state, "State.Status", "exited");
  plc_state_set_bool(r->state, "State.Running", FALSE);
  plc_state_set_int(r->state, "State.Pid", 0);
  plc_state_set_int(r->state, "State.ExitCode", code);
  plc_state_set_bool(r->state, "State.OOMKilled", ooms > 0);
  plc_state_set_string(r->state, "State.FinishedAt", now);
  plc_views_unregister(r->cfg->id);
  if (!plc_cgroup_destroy_paths(plc_cgroup_paths(r->cgroup), &error)) {
    g_printerr("proclens: %s\n", error->message);
    g_clear_error(&error);
  }
  if (r->cfg->auto_remove) {
    if (!plc_rm_rf(r->state->dir, &error))
      g_printerr("proclens: %s\n", error->message);
  } else if (!plc_state_save(r->state, &error)) {
    g_printerr("proclens: %s\n", error->message);
  }
  return code;
}

gboolean
plc_container_remove(PlcState *state, GError **error)
{
  JsonNode *paths_node = json_object_get_member(
      json_object_get_object_member(json_node_get_object(state->root), "Cgroup"), "Paths");
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  if (paths_node && JSON_NODE_HOLDS_ARRAY(paths_node)) {
    JsonArray *a = json_node_get_array(paths_node);
    for (guint i = 0; i < json_array_get_length(a); i++)
      g_ptr_array_add(paths, g_strdup(json_array_get_string_element(a, i)));
  }
  g_ptr_array_add(paths, NULL);
  plc_views_unregister(state->id);
  if (!plc_cgroup_destroy_paths((char *const *)paths->pdata, error))
    return FALSE;
  return plc_rm_rf(state->dir, error);
}

gboolean
plc_container_signal(PlcState *state, int sig, GError **error)
{
  pid_t pid = (pid_t)plc_state_get_int(state, "State.Pid", 0);
  if (!plc_state_is_running(state)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "container %.12s is not running", state->id);
    return FALSE;
  }
  if (kill(pid, sig) < 0) {
    plc_set_errno(error, errno, "send signal %d to pid %d", sig, (int)pid);
    return FALSE;
  }
  return TRUE;
}

gboolean
plc_container_wait_stopped(const char *id, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)(timeout_s * G_USEC_PER_SEC);
  do {
    g_autoptr(PlcState) st = plc_state_load(id, NULL);
    if (st == NULL)
      return TRUE;
    plc_state_notice_dead(st);
    if (g_strcmp0(plc_state_get_string(st, "State.Status"), "running") != 0) {
      /* Exited; wait for the monitor too, which removes the cgroup (and --rm's state). */
      pid_t mon = (pid_t)plc_state_get_int(st, "State.MonitorPid", 0);
      guint64 start = (guint64)plc_state_get_int(st, "State.MonitorStartTime", 0);
      if (mon <= 0 || mon == getpid() || !plc_pid_alive(mon, start))
        return TRUE;
    }
    g_usleep(20000);
  } while (g_get_monotonic_time() < deadline);
  return FALSE;
}

/* ---- exec ------------------------------------------------------------------------------ */

static gboolean
join_cgroups(PlcState *state, GError **error)
{
  JsonObject *cg = json_object_get_object_member(json_node_get_object(state->root), "Cgroup");
  JsonArray *paths = cg ? json_object_get_array_member(cg, "Paths") : NULL;
  g_autofree char *pid = g_strdup_printf("%d", (int)getpid());
  for (guint i = 0; paths && i < json_array_get_length(paths); i++) {
    g_autofree char *procs =
        g_build_filename(json_array_get_string_element(paths, i), "cgroup.procs", NULL);
    if (!plc_write_file(procs, pid, error)) {
      g_prefix_error(error, "join the container's cgroup: ");
      return FALSE;
    }
  }
  return TRUE;
}

static G_GNUC_NORETURN void
exec_child(const PlcExecSpec *spec, int sock, int monitor_sock, const sigset_t *old_mask)
{
  g_autoptr(GError) error = NULL;
  if (spec->tty) {
    int master;
    g_autofree char *slave = NULL;
    if (!plc_pty_open(&master, &slave, &error) ||
        !plc_send_fd(sock, master, MSG_PTY, "the pty to the launcher", &error) ||
        !plc_pty_make_controlling(slave, &error))
      die_setup(sock, error, "terminal");
    close(master);
  } else {
    setsid();
    if (!spec->interactive) {
      int null = open("/dev/null", O_RDONLY);
      if (null >= 0 && null != 0) {
        dup2(null, 0);
        close(null);
      }
    }
  }
  reset_signals(old_mask);
  const char *wd = spec->workdir && *spec->workdir ? spec->workdir : "/";
  if (chdir(wd) < 0) {
    g_autofree char *step = g_strdup_printf("working directory %s", wd);
    die_errno(sock, step);
  }
  /* The exec'd process gets its own filter; the container's monitor serves its listener. */
  if (monitor_sock >= 0) {
    int listener = plc_seccomp_install_sysinfo(NULL);
    if (listener >= 0) {
      plc_sysinfo_send_listener(monitor_sock, listener, NULL);
      close(listener);
    }
    close(monitor_sock);
  }
  if (spec->has_user) {
    if (setgroups(0, NULL) < 0 || setgid(spec->gid) < 0 || setuid(spec->uid) < 0) {
      g_autofree char *step = g_strdup_printf("switch to user %u:%u", spec->uid, spec->gid);
      die_errno(sock, step);
    }
  }
  environ = spec->env;
  execvp(spec->argv[0], spec->argv);
  int err = errno;
  g_autofree char *text = g_strdup_printf("exec %s: %s", spec->argv[0], g_strerror(err));
  send_msg(sock, MSG_EXEC_ERROR, err, text);
  _exit(err == ENOENT ? PLC_EXIT_NOT_FOUND : PLC_EXIT_NOT_EXECUTABLE);
}

int
plc_container_exec(PlcState *state, const PlcExecSpec *spec, GError **error)
{
  sigset_t old_mask, mon;
  int sv[2];
  int code = PLC_EXIT_LAUNCHER;
  struct termios saved;
  gboolean raw = FALSE;

  if (!plc_state_is_running(state)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "container %.12s is not running", state->id);
    return PLC_EXIT_LAUNCHER;
  }
  pid_t target = (pid_t)plc_state_get_int(state, "State.Pid", 0);
  plc_monitor_block_signals(&old_mask);
  plc_monitor_signal_set(&mon);
  for (int s = 1; s < NSIG; s++)
    if (sigismember(&mon, s))
      sigdelset(&old_mask, s);

  /* Connect to the monitor while its state directory is still reachable (before setns). */
  int monitor_sock = -1;
  if (!spec->no_sysinfo && g_strcmp0(plc_state_get_string(state, "State.Sysinfo"), "served") == 0)
    monitor_sock = plc_sysinfo_connect(state->dir, NULL);
  if (!join_cgroups(state, error) || !plc_ns_join(target, error)) {
    if (monitor_sock >= 0)
      close(monitor_sock);
    return PLC_EXIT_LAUNCHER;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    plc_set_errno(error, errno, "socketpair");
    if (monitor_sock >= 0)
      close(monitor_sock);
    return PLC_EXIT_LAUNCHER;
  }
  /* The first child after setns(pid) is in the container's pid namespace. */
  pid_t child = fork();
  if (child < 0) {
    plc_set_errno(error, errno, "fork into the container");
    return PLC_EXIT_LAUNCHER;
  }
  if (child == 0) {
    close(sv[0]);
    exec_child(spec, sv[1], monitor_sock, &old_mask);
  }
  if (monitor_sock >= 0)
    close(monitor_sock);
  close(sv[1]);
  g_autoptr(PlcRunning) r = g_new0(PlcRunning, 1);
  r->pid = child;
  r->pty_master = -1;
  r->log_fd = -1;
  if (!await_exec(sv[0], r, &code, error)) {
    close(sv[0]);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return code;
  }
  close(sv[0]);
  if (spec->tty && r->pty_master >= 0) {
    plc_tty_copy_winsize(STDIN_FILENO, r->pty_master);
    if (spec->interactive)
      raw = plc_tty_raw(STDIN_FILENO, &saved);
  }
  int status =
      plc_monitor_wait(r, spec->tty && spec->interactive ? STDIN_FILENO : -1, STDOUT_FILENO);
  if (raw)
    plc_tty_restore(STDIN_FILENO, &saved);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
