/* proclensd's command line. */
#pragma once

#include <glib.h>

#define DAEMON_MAX_THREADS 64

typedef struct {
  char *mountpoint;
  char *cgroup_root;
  char *proc_root;
  char *pidfile;
  char *state_dir;     /* --state-dir: where the mount's device is recorded for the next start */
  char **fuse_options; /* each -o argument, as given */
  gboolean debug;
  gboolean no_quota_cap;  /* --no-cpu-quota-cap: visible CPUs ignore the CPU quota */
  gboolean no_loadavg;    /* --no-loadavg: proc/loadavg shows the host's */
  gboolean no_swap;       /* --no-swap: meminfo and swaps show no swap */
  char *log_level;        /* --log-level, as given; NULL: the config file's */
  char *config_file;      /* --config; NULL: the default file, which may be missing */
  char *registry;         /* --registry: the container registry directory; NULL: the file's */
  guint refresh_interval; /* --refresh-interval in ms; 0: the file's */
  gint threads;           /* --threads: request threads of the caller views; 0: automatic */
  /* Which of mountpoint, cgroup_root, proc_root and state_dir the command line gave (the
   * others hold defaults, which the config file overrides). */
  gboolean mountpoint_given, cgroup_root_given, proc_root_given, state_dir_given;
} DaemonOptions;

/* Parses argv. On --help/--version prints and sets *ret_exit to 0; on a usage error
 * fills error. Returns FALSE whenever the program should not go on. */
gboolean daemon_options_parse(int argc, char **argv, DaemonOptions *ret_options, int *ret_exit,
                              GError **error);
void daemon_options_clear(DaemonOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DaemonOptions, daemon_options_clear)
