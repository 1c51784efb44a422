/* proclens run: create a container from a root filesystem tree and run a command in it. */
#include "config.h"
#include "cli.h"
#include "container.h"
#include "idmap.h"
#include "image_store.h"
#include "monitor.h"
#include "pty.h"
#include "rootless.h"
#include "seccomp_filter.h"
#include "size.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLC_MIN_MEMORY (6 * 1024 * 1024)
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char run_description[] =
    "ROOTFS is a directory holding a root filesystem (a busybox --install tree, a\n"
    "debootstrap tree, an unpacked 'docker export'). It becomes the read-only lower layer\n"
    "of an overlay; the container's writes go to /run/proclens/<id>/upper and vanish with\n"
    "'proclens rm'. COMMAND defaults to /bin/sh.\n"
    "\n"
    "ROOTFS may also name an image of the store ('proclens image import'), as NAME[:TAG]\n"
    "or id: its layers are the overlay's lower layers, and its config applies as in\n"
    "docker: the Entrypoint stays and COMMAND replaces its Cmd; -e adds to and overrides\n"
    "its Env; -w and -u override its WorkingDir and User.\n"
    "\n"
    "The container gets new pid, mount, uts, ipc, cgroup and time namespaces (the boot\n"
    "clock starts with the container; and a network namespace with only loopback,\n"
    "unless --network host); a cgroup proclens/<id> with the limits given; a fresh\n"
    "/proc with proclensd's files bound over their namesakes (everything the mount\n"
    "serves under proc/, sys/devices/system/cpu/ and node/); read-only /sys; a\n"
    "minimal /dev; generated /etc/hostname, /etc/hosts and /etc/resolv.conf.\n"
    "The command is pid 1 (with --init a small init reaps zombies and forwards signals).\n"
    "\n"
    "SIZE is a number of bytes with an optional unit: k, m, g, t (powers of 1024),\n"
    "e.g. 300m, 1g, 1.5g. --memory-swap is memory plus swap (-1: unlimited swap; when\n"
    "unset, twice --memory, as docker).\n"
    "\n"
    "Disk limits apply to whole block devices (not partitions) through the blkio (v1) or io\n"
    "(v2) controller; RATE is bytes per second with the units of SIZE (512k, 1mb, 10MB).\n"
    "A device that does not exist or is not a block device is refused before anything starts.\n"
    "\n"
    "Exit status: the command's; 125 when proclens fails (nothing it created is left\n"
    "behind), 126 when the command cannot be executed, 127 when it is not found.\n"
    "With -d, 0 once the container runs (its id is printed).\n"
    "\n"
    "Examples:\n"
    "  proclens run --rm -m 300m --cpus 1 ./rootfs cat /proc/meminfo\n"
    "  proclens run -d --name web -v /srv/www:/www:ro ./rootfs httpd -f -h /www\n"
    "  proclens run --rm -it ./rootfs /bin/sh\n";

typedef struct {
  char *image_root;
  char *name, *memory, *memory_swap, *cpus, *cpuset, *pids, *hostname, *workdir, *user;
  char *network, *lxcfs_dir, *userns;
  char **env, **volumes, **uidmaps, **gidmaps;
  char *blkio_weight, **throttle[PLC_THROTTLE_KINDS], **devices; /* disk options */
  gboolean detach, rm, interactive, tty, no_lxcfs, init, no_sysinfo, no_limits, no_time_ns;
} RunOpts;

static void
run_opts_clear(RunOpts *o)
{
  g_free(o->name);
  g_free(o->memory);
  g_free(o->memory_swap);
  g_free(o->cpus);
  g_free(o->cpuset);
  g_free(o->pids);
  g_free(o->hostname);
  g_free(o->workdir);
  g_free(o->user);
  g_free(o->network);
  g_free(o->lxcfs_dir);
  g_free(o->image_root);
  g_strfreev(o->env);
  g_strfreev(o->volumes);
  g_free(o->blkio_weight);
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++)
    g_strfreev(o->throttle[k]);
  g_strfreev(o->devices);
  g_free(o->userns);
  g_strfreev(o->uidmaps);
  g_strfreev(o->gidmaps);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RunOpts, run_opts_clear)

static gboolean
valid_name(const char *name)
{
  if (!g_ascii_isalnum(name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
      return FALSE;
  return TRUE;
}

static char **
build_env(PlcConfig *cfg, char **extra)
{
  char **result = g_new0(char *, 1);

  result = g_environ_setenv(result, "PATH", DEFAULT_PATH, TRUE);
  result = g_environ_setenv(result, "HOSTNAME", cfg->hostname, TRUE);
  result = g_environ_setenv(result, "HOME", "/root", TRUE);
  if (cfg->tty)
    result = g_environ_setenv(result, "TERM", "xterm", TRUE);
  for (char **e = extra; e && *e; e++) {
    const char *eq = strchr(*e, '=');
    if (eq) {
      g_autofree char *key = g_strndup(*e, (gsize)(eq - *e));
      result = g_environ_setenv(result, key, eq + 1, TRUE);
    } else if (g_getenv(*e)) {
      /* docker's -e KEY: take the value from the caller's environment. */
      result = g_environ_setenv(result, *e, g_getenv(*e), TRUE);
    }
  }
  return result;
}

/* --device and the disk limits: every device is looked at now, before anything is created. */
static gboolean
disk_options(RunOpts *o, PlcConfig *cfg, GError **error)
{
  for (char **d = o->devices; d && *d; d++) {
    PlcVolume *dev = plc_device_parse(*d, error);
    if (dev == NULL)
      return FALSE;
    g_ptr_array_add(cfg->devices, dev);
    if (!plc_device_check(dev, error))
      return FALSE;
  }
  cfg->blkio = plc_blkio_from_options(o->blkio_weight, o->throttle, error);
  cfg->limits.blkio = cfg->blkio;
  return cfg->blkio != NULL;
}

static PlcConfig *
build_config(RunOpts *o, int argc, char **argv, GError **error)
{
  g_autoptr(PlcConfig) cfg = plc_config_new();

  if (argc < 2) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "missing ROOTFS (a directory holding the container's root filesystem) or IMAGE");
    return NULL;
  }
  /* Not a directory: an image, whose layers become the overlay's lowers (cfg->rootfs is then
   * the ':'-joined lowerdir list) and whose config applies with docker's precedence. */
  g_autoptr(PlcImage) image = NULL;
  g_auto(GStrv) env = NULL;
  const char *user = o->user;
  /* A path (image references never start with '/' or '.') must be a directory. */
  if (argv[1][0] == '/' || argv[1][0] == '.') {
    struct stat st;
    int err = stat(argv[1], &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (err != 0) {
      plc_set_errno(error, err, "rootfs %s", argv[1]);
      return NULL;
    }
  }
  if (g_file_test(argv[1], G_FILE_TEST_IS_DIR)) {
    cfg->rootfs = realpath(argv[1], NULL);
    if (cfg->rootfs == NULL) {
      plc_set_errno(error, errno, "rootfs %s", argv[1]);
      return NULL;
    }
    if (strchr(cfg->rootfs, ':')) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "rootfs %s: overlayfs cannot take a path holding ':'", cfg->rootfs);
      return NULL;
    }
    cfg->argv = argc > 2 ? g_strdupv(argv + 2) : NULL;
    env = g_strdupv(o->env);
  } else {
    const char *root = plc_image_root(o->image_root);
    image = plc_image_lookup(root, argv[1], error);
    if (image == NULL) {
      g_prefix_error(error, "%s is not a directory; ", argv[1]);
      return NULL;
    }
    cfg->rootfs = plc_image_lowerdir(root, image, error);
    if (cfg->rootfs == NULL)
      return NULL;
    cfg->argv = plc_image_command(&image->config, argc > 2 ? argv + 2 : NULL);
    env = plc_image_env_merge(&image->config, o->env);
    if (o->workdir == NULL && image->config.workdir && *image->config.workdir)
      o->workdir = g_strdup(image->config.workdir);
    if (user == NULL && image->config.user && *image->config.user)
      user = image->config.user;
  }
  if (cfg->argv == NULL)
    cfg->argv = g_strsplit("/bin/sh", " ", -1);

  cfg->id = plc_id_generate();
  if (o->name) {
    if (!valid_name(o->name)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "invalid --name '%s': use letters, digits, '_', '.', '-'", o->name);
      return NULL;
    }
    cfg->name = g_strdup(o->name);
  } else {
    cfg->name = g_strdup_printf("proclens-%.12s", cfg->id);
  }
  cfg->detach = o->detach;
  cfg->auto_remove = o->rm;
  cfg->interactive = o->interactive;
  cfg->tty = o->tty;
  cfg->init = o->init;

  if (o->network == NULL || strcmp(o->network, "none") == 0)
    cfg->net_host = FALSE;
  else if (strcmp(o->network, "host") == 0)
    cfg->net_host = TRUE;
  else {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --network '%s': none or host", o->network);
    return NULL;
  }
  g_clear_pointer(&cfg->userns, g_free);
  if (!plc_userns_options(o->userns, o->uidmaps, o->gidmaps, &cfg->userns, cfg->uid_map,
                          cfg->gid_map, error))
    return NULL;
  if (cfg->net_host && strcmp(cfg->userns, "host") != 0) {
    /* sysfs can only be mounted by the owner of the network namespace. */
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--network host needs --userns=host (the host's sysfs belongs to its network)");
    return NULL;
  }
  if (o->hostname)
    cfg->hostname = g_strdup(o->hostname);
  else if (cfg->net_host)
    cfg->hostname = g_strdup(g_get_host_name());
  else
    cfg->hostname = g_strndup(cfg->id, 12);
  if (strlen(cfg->hostname) > 64 || *cfg->hostname == '\0') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid --hostname '%s'",
                cfg->hostname);
    return NULL;
  }
  if (o->workdir) {
    if (o->workdir[0] != '/') {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "invalid --workdir '%s': must be absolute", o->workdir);
      return NULL;
    }
    cfg->workdir = g_strdup(o->workdir);
  }
  if (user && !plc_parse_user(user, &cfg->uid, &cfg->gid, &cfg->has_user, error)) {
    if (user != o->user)
      g_prefix_error(error, "the image's User (override it with -u UID[:GID]): ");
    return NULL;
  }
  if (user) {
    gboolean has_gid = cfg->has_user;
    cfg->has_user = TRUE;
    if (!has_gid)
      cfg->gid = cfg->uid;
  }

  if (o->memory && !plc_parse_size(o->memory, &cfg->limits.memory, error))
    return NULL;
  if (o->memory && cfg->limits.memory < PLC_MIN_MEMORY) {
    /* Below a few MiB the command is OOM-killed before it runs; say so instead. */
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --memory '%s': the minimum is 6m", o->memory);
    return NULL;
  }
  if (o->memory_swap) {
    if (!plc_parse_size_or_unlimited(o->memory_swap, &cfg->limits.memory_swap, error))
      return NULL;
    if (cfg->limits.memory_swap > 0 && cfg->limits.memory_swap < cfg->limits.memory) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "--memory-swap (memory plus swap) must be at least --memory");
      return NULL;
    }
    if (cfg->limits.memory == 0 && cfg->limits.memory_swap > 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--memory-swap needs --memory");
      return NULL;
    }
  }
  if (o->cpus && !plc_parse_cpus(o->cpus, &cfg->limits.nano_cpus, error))
    return NULL;
  if (o->cpuset) {
    if (!plc_parse_cpu_list(o->cpuset, error))
      return NULL;
    cfg->cpuset_cpus = g_strdup(o->cpuset);
    cfg->limits.cpuset_cpus = cfg->cpuset_cpus;
  }
  if (o->pids && !plc_parse_pids_limit(o->pids, &cfg->limits.pids_limit, error))
    return NULL;
  for (char **v = o->volumes; v && *v; v++) {
    PlcVolume *vol = plc_volume_parse(*v, error);
    if (vol == NULL)
      return NULL;
    g_ptr_array_add(cfg->volumes, vol);
  }
  if (!disk_options(o, cfg, error) || !plc_rootless_prepare(cfg, o->userns, o->no_limits, error))
    return NULL;
  cfg->no_sysinfo = o->no_sysinfo;
  cfg->no_time_ns = o->no_time_ns;
  if (!cfg->no_sysinfo && !plc_seccomp_notify_supported()) {
    /* Said once, here; the container runs with the host's sysinfo(2). */
    fprintf(stderr, "proclens run: warning: this kernel has no seccomp user notification "
                    "(Linux >= 5.0): sysinfo(2) in the container shows the host's figures\n");
    cfg->no_sysinfo = TRUE;
  }
  if (!o->no_lxcfs)
    cfg->lxcfs_dir = g_strdup(o->lxcfs_dir ? o->lxcfs_dir : PLC_DEFAULT_LXCFS_DIR);
  cfg->env = build_env(cfg, env);
  return g_steal_pointer(&cfg);
}

static int
run_attached(PlcConfig *cfg)
{
  g_autoptr(GError) error = NULL;
  int code;
  sigset_t old;
  struct termios saved;
  gboolean raw = FALSE;

  plc_monitor_block_signals(&old);
  g_autoptr(PlcRunning) r = plc_container_start(cfg, &code, &error);
  if (r == NULL) {
    plc_cli_error("run", error);
    return code;
  }
  if (cfg->tty && r->pty_master >= 0) {
    plc_tty_copy_winsize(STDIN_FILENO, r->pty_master);
    if (cfg->interactive)
      raw = plc_tty_raw(STDIN_FILENO, &saved);
  }
  int status = plc_monitor_wait(r, cfg->tty && cfg->interactive ? STDIN_FILENO : -1, STDOUT_FILENO);
  if (raw)
    plc_tty_restore(STDIN_FILENO, &saved);
  return plc_container_finish(r, status);
}

/* -d: the monitor is a child in its own session; it reports the start (or the error, with
 * the exit status run should have) through a pipe, then watches the container. */
static int
run_detached(PlcConfig *cfg)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    perror("proclens run: pipe");
    return PLC_EXIT_LAUNCHER;
  }
  fflush(NULL);
  pid_t mon = fork();
  if (mon < 0) {
    perror("proclens run: fork");
    return PLC_EXIT_LAUNCHER;
  }
  if (mon == 0) {
    g_autoptr(GError) error = NULL;
    int code, null = open("/dev/null", O_RDWR | O_CLOEXEC);
    sigset_t old;
    close(p[0]);
    setsid();
    if (chdir("/") < 0)
      _exit(PLC_EXIT_LAUNCHER);
    for (int i = 0; i < 3; i++)
      dup2(null, i);
    plc_monitor_block_signals(&old);
    g_autoptr(PlcRunning) r = plc_container_start(cfg, &code, &error);
    if (r == NULL) {
      g_autofree char *msg = g_strdup_printf("%d\n%s", code, error->message);
      if (write(p[1], msg, strlen(msg)) < 0)
        _exit(code);
      _exit(code);
    }
    if (write(p[1], "0\n", 2) != 2)
      kill(r->pid, SIGKILL);
    close(p[1]);
    int status = plc_monitor_wait(r, -1, r->log_fd);
    plc_container_finish(r, status);
    _exit(0);
  }
  close(p[1]);
  g_autoptr(GString) reply = g_string_new(NULL);
  char buf[1024];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    g_string_append_len(reply, buf, n);
  }
  close(p[0]);
  if (g_str_has_prefix(reply->str, "0\n")) {
    printf("%s\n", cfg->id);
    return 0;
  }
  waitpid(mon, NULL, 0);
  const char *nl = strchr(reply->str, '\n');
  if (nl == NULL) {
    fprintf(stderr, "proclens run: the monitor died while starting the container\n");
    return PLC_EXIT_LAUNCHER;
  }
  fprintf(stderr, "proclens run: %s\n", nl + 1);
  return atoi(reply->str);
}

int
plc_cmd_run(int argc, char **argv)
{
  g_auto(RunOpts) o = {0};
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
      {"name", 0, 0, G_OPTION_ARG_STRING, &o.name, "Name the container", "NAME"},
      {"detach", 'd', 0, G_OPTION_ARG_NONE, &o.detach,
       "Run in the background; print the container id", NULL},
      {"rm", 0, 0, G_OPTION_ARG_NONE, &o.rm, "Remove the container when it exits", NULL},
      {"interactive", 'i', 0, G_OPTION_ARG_NONE, &o.interactive, "Keep stdin attached", NULL},
      {"tty", 't', 0, G_OPTION_ARG_NONE, &o.tty,
       "Allocate a pseudo-terminal (window size and signals forwarded)", NULL},
      {"init", 0, 0, G_OPTION_ARG_NONE, &o.init,
       "Run a small init as pid 1 that reaps zombies and forwards signals", NULL},
      {"memory", 'm', 0, G_OPTION_ARG_STRING, &o.memory, "Memory limit", "SIZE"},
      {"memory-swap", 0, 0, G_OPTION_ARG_STRING, &o.memory_swap,
       "Memory plus swap limit (-1: unlimited swap)", "SIZE"},
      {"cpus", 0, 0, G_OPTION_ARG_STRING, &o.cpus, "CPU quota, e.g. 1.5 (CFS quota per 100 ms)",
       "DECIMAL"},
      {"cpuset-cpus", 0, 0, G_OPTION_ARG_STRING, &o.cpuset, "CPUs allowed, e.g. 0-1 or 0,2",
       "LIST"},
      {"pids-limit", 0, 0, G_OPTION_ARG_STRING, &o.pids, "Maximum number of tasks (-1: none)", "N"},
      {"blkio-weight", 0, 0, G_OPTION_ARG_STRING, &o.blkio_weight,
       "Relative disk I/O weight, 10 to 1000", "N"},
      {"device-read-bps", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.throttle[PLC_READ_BPS],
       "Limit reads from a block device, e.g. /dev/sda:10mb; repeatable", "DEV:RATE"},
      {"device-write-bps", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.throttle[PLC_WRITE_BPS],
       "Limit writes to a block device (bytes per second); repeatable", "DEV:RATE"},
      {"device-read-iops", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.throttle[PLC_READ_IOPS],
       "Limit read requests per second to a block device; repeatable", "DEV:N"},
      {"device-write-iops", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.throttle[PLC_WRITE_IOPS],
       "Limit write requests per second to a block device; repeatable", "DEV:N"},
      {"device", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.devices,
       "Make a host device node available inside; repeatable", "HOST[:CONTAINER][:rwm]"},
      {"hostname", 'h', 0, G_OPTION_ARG_STRING, &o.hostname,
       "Container hostname (default: the id's first 12 digits)", "NAME"},
      {"env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &o.env,
       "Set an environment variable (KEY alone: the caller's value); repeatable", "KEY=VALUE"},
      {"volume", 'v', 0, G_OPTION_ARG_STRING_ARRAY, &o.volumes,
       "Bind a host path (absolute) into the container; repeatable", "SRC:DST[:ro]"},
      {"workdir", 'w', 0, G_OPTION_ARG_STRING, &o.workdir,
       "Working directory of the command (created if missing)", "DIR"},
      {"user", 'u', 0, G_OPTION_ARG_STRING, &o.user, "Run as this numeric user and group",
       "UID[:GID]"},
      {"network", 0, 0, G_OPTION_ARG_STRING, &o.network,
       "none (default: own namespace, loopback only) or host", "MODE"},
      {"userns", 0, 0, G_OPTION_ARG_STRING, &o.userns,
       "host (default) or auto: root inside is 65536 ids of /etc/subuid's proclens entry",
       "MODE"},
      {"uidmap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.uidmaps,
       "Map container uids to host uids (a user namespace); repeatable", "CONTAINER:HOST:SIZE"},
      {"gidmap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.gidmaps,
       "Map container gids to host gids; repeatable", "CONTAINER:HOST:SIZE"},
      {"lxcfs-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.lxcfs_dir,
       "Where proclensd (or LXCFS) is mounted (default " PLC_DEFAULT_LXCFS_DIR ")", "DIR"},
      {"image-root", 0, 0, G_OPTION_ARG_FILENAME, &o.image_root,
       "The image store (default $PROCLENS_IMAGE_ROOT, else " PLC_IMAGE_ROOT_DEFAULT ")", "DIR"},
      {"no-lxcfs", 0, 0, G_OPTION_ARG_NONE, &o.no_lxcfs,
       "Do not bind the daemon's files: /proc shows the host's figures", NULL},
      {"no-limits", 0, 0, G_OPTION_ARG_NONE, &o.no_limits,
       "No cgroup (rootless without a delegated cgroup v2 tree)", NULL},
      {"no-sysinfo", 0, 0, G_OPTION_ARG_NONE, &o.no_sysinfo,
       "Do not intercept sysinfo(2) (free, os.totalmem() then show the host's memory)", NULL},
      {"no-time-ns", 0, 0, G_OPTION_ARG_NONE, &o.no_time_ns,
       "No time namespace: CLOCK_BOOTTIME shows the host's uptime", NULL},
      {NULL}};

  if (!plc_cli_parse("run", "ROOTFS|IMAGE [COMMAND [ARG...]]", "Run a command in a new container.",
                     run_description, entries, TRUE, &argc, &argv))
    return PLC_EXIT_LAUNCHER;
  g_autoptr(PlcConfig) cfg = build_config(&o, argc, argv, &error);
  if (cfg == NULL) {
    plc_cli_error("run", error);
    return PLC_EXIT_LAUNCHER;
  }
  return cfg->detach ? run_detached(cfg) : run_attached(cfg);
}
