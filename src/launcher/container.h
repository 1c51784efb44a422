/* A container's life: create its state, cgroup and namespaces, start its command, and
 * take it all down again. The verbs (run.c, exec.c, ...) call this; it prints nothing. */
#pragma once

#include "cgroup_manager.h"
#include "state.h"
#include "undo.h"

#include <glib.h>
#include <sys/types.h>

/* Exit statuses of run and exec, as docker's. */
#define PLC_EXIT_LAUNCHER 125
#ifdef PROCLENS_DEFAULT_MOUNTPOINT
#define PLC_DEFAULT_LXCFS_DIR PROCLENS_DEFAULT_MOUNTPOINT
#else
#define PLC_DEFAULT_LXCFS_DIR "/var/lib/lxcfs"
#endif
#define PLC_EXIT_NOT_EXECUTABLE 126
#define PLC_EXIT_NOT_FOUND 127

typedef struct {
  char *id;
  char *name;
  char *rootfs; /* canonical path */
  char **argv;  /* the command */
  char **env;   /* KEY=VALUE, final */
  char *hostname;
  char *workdir; /* NULL: / */
  gboolean has_user;
  guint32 uid, gid;
  gboolean tty, interactive, detach, auto_remove, init;
  PlcLimits limits;
  char *cpuset_cpus; /* owned; limits.cpuset_cpus points here */
  gboolean net_host;
  GPtrArray *volumes; /* of PlcVolume */
  GPtrArray *devices; /* --device: of PlcVolume, host device nodes */
  PlcBlkio *blkio;    /* owned; limits.blkio points here */
  char *lxcfs_dir;    /* NULL with --no-lxcfs */
  char *cgroup_root;
  gboolean no_sysinfo; /* --no-sysinfo, or no kernel support: sysinfo(2) is not intercepted */
  char *userns;        /* "host", "auto" (a range of /etc/subuid) or "private" (--uidmap) */
  GArray *uid_map, *gid_map; /* of PlcIdMap; empty with "host", filled at start with "auto" */
  gboolean no_limits;        /* --no-limits: no cgroup at all */
  char *cgroup_parent;       /* rootless: the delegated cgroup for proclens/<id>; NULL: root */
  gboolean no_time_ns;       /* --no-time-ns: CLOCK_BOOTTIME stays the host's */
} PlcConfig;

PlcConfig *plc_config_new(void);
void plc_config_free(PlcConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcConfig, plc_config_free)

/* A started container, as its monitor holds it. */
typedef struct {
  PlcConfig *cfg; /* borrowed */
  PlcState *state;
  PlcCgroup *cgroup;
  pid_t pid;      /* the container's init, in the launcher's pid namespace */
  int pty_master; /* -1 without -t */
  int log_fd;     /* detached: where output goes; -1 attached */
  int sysinfo_listener;                 /* the init's seccomp listener until served; -1 */
  struct PlcSysinfoResponder *sysinfo; /* answers sysinfo(2) for the container; NULL */
} PlcRunning;

void plc_running_free(PlcRunning *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcRunning, plc_running_free)

/* Creates everything and starts the command. On failure everything created is undone and
 * *ret_exit_code says how run should exit (125, or 126/127 when the command could not be
 * executed). The signals the monitor forwards must already be blocked (see monitor.h). */
PlcRunning *plc_container_start(PlcConfig *cfg, int *ret_exit_code, GError **error);

/* After the command exited with a wait status: records it, removes the cgroup and, with
 * --rm, the state directory. Returns the docker-style exit code. */
int plc_container_finish(PlcRunning *r, int wait_status);

/* Removes a stopped container named by its state: cgroup (if left) and state directory. */
gboolean plc_container_remove(PlcState *state, GError **error);

/* Sends sig to the container's init (by the pid in its state). */
gboolean plc_container_signal(PlcState *state, int sig, GError **error);
/* Waits until the container's monitor recorded its exit (or both vanished). */
gboolean plc_container_wait_stopped(const char *id, double timeout_s);

/* What exec runs inside a running container. */
typedef struct {
  char **argv;
  char **env;
  const char *workdir;
  gboolean has_user;
  guint32 uid, gid;
  gboolean tty, interactive;
  gboolean no_sysinfo; /* do not intercept sysinfo(2) in this process */
} PlcExecSpec;

/* Joins the container's cgroup, namespaces and root, runs spec's command there and waits for
 * it. Returns its docker-style exit status; 125/126/127 with an error when it could not run. */
int plc_container_exec(PlcState *state, const PlcExecSpec *spec, GError **error);
