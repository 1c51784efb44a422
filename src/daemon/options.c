/* proclensd's command line: GOption, with LXCFS-compatible spellings where they exist. */
#include "options.h"
#include "config.h"
#include "config_file.h"
#include "remount.h"
#include "proclens/registry.h"

#include <stdio.h>
#include <string.h>

void
daemon_options_clear(DaemonOptions *o)
{
  g_clear_pointer(&o->mountpoint, g_free);
  g_clear_pointer(&o->cgroup_root, g_free);
  g_clear_pointer(&o->proc_root, g_free);
  g_clear_pointer(&o->pidfile, g_free);
  g_clear_pointer(&o->state_dir, g_free);
  g_clear_pointer(&o->fuse_options, g_strfreev);
  g_clear_pointer(&o->log_level, g_free);
  g_clear_pointer(&o->config_file, g_free);
  g_clear_pointer(&o->registry, g_free);
}

static const char summary[] =
    "Serves /proc files (meminfo, swaps, ...) computed from the cgroup of the process\n"
    "that reads them, so that free, top and friends inside a container show its limits.\n"
    "Bind-mount MOUNTPOINT/proc/meminfo over a container's /proc/meminfo to use it.\n"
    "Stays in the foreground; SIGTERM or SIGINT unmounts and exits, SIGHUP reloads the\n"
    "configuration file (" PROCLENS_SYSCONFDIR "/proclens/proclensd.conf by default).\n"
    "Command-line options override the file. See proclensd(8) and proclensd.conf(5).";

static const char description[] =
    "Exit status: 0 after a clean unmount, 1 on a runtime error (for example a live\n"
    "proclensd or LXCFS already serving MOUNTPOINT), 2 on a usage error.";

gboolean
daemon_options_parse(int argc, char **argv, DaemonOptions *ret_options, int *ret_exit,
                     GError **error)
{
  g_auto(DaemonOptions) o = {0};
  gboolean version = FALSE, foreground = TRUE;
  g_auto(GStrv) rest = NULL;
  g_autofree char *interval = NULL;
  o.threads = G_MININT; /* "not given", told apart from a given 0 */
  GOptionEntry entries[] = {
      {"cgroup-root", 0, 0, G_OPTION_ARG_FILENAME, &o.cgroup_root,
       "Where the cgroup hierarchies are mounted (default /sys/fs/cgroup)", "DIR"},
      {"proc-root", 0, 0, G_OPTION_ARG_FILENAME, &o.proc_root,
       "Where the host's procfs is mounted (default /proc)", "DIR"},
      {"pidfile", 'p', 0, G_OPTION_ARG_FILENAME, &o.pidfile, "Write the daemon's pid to FILE",
       "FILE"},
      {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.state_dir,
       "Record the mount's device in DIR, so that the next start repairs the containers' "
       "bind mounts (default " REMOUNT_DEFAULT_STATE_DIR ")",
       "DIR"},
      {"options", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &o.fuse_options,
       "Extra FUSE mount options (may be repeated)", "OPT[,OPT...]"},
      {"debug", 'd', 0, G_OPTION_ARG_NONE, &o.debug, "Log every FUSE request", NULL},
      {"no-cpu-quota-cap", 0, 0, G_OPTION_ARG_NONE, &o.no_quota_cap,
       "Show a container's cpuset CPUs even when its CPU quota allows fewer", NULL},
      {"no-loadavg", 0, 0, G_OPTION_ARG_NONE, &o.no_loadavg,
       "Show the host's proc/loadavg instead of sampling each container's", NULL},
      {"no-swap", 0, 0, G_OPTION_ARG_NONE, &o.no_swap,
       "Show no swap in proc/meminfo and proc/swaps", NULL},
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config_file,
       "Read the configuration from FILE (default " PROCLENS_SYSCONFDIR "/proclens/proclensd.conf)",
       "FILE"},
      {"registry", 0, 0, G_OPTION_ARG_FILENAME, &o.registry,
       "The container registry directory (default " PL_REGISTRY_DEFAULT_DIR ")", "DIR"},
      {"refresh-interval", 0, 0, G_OPTION_ARG_STRING, &interval,
       "Refresh each container view being read at most every MS milliseconds (default 100)", "MS"},
      {"threads", 0, 0, G_OPTION_ARG_INT, &o.threads,
       "Answer the caller views' requests in N threads (default: one per two CPUs, at most 4)",
       "N"},
      {"log-level", 'l', 0, G_OPTION_ARG_STRING, &o.log_level,
       "Show log messages down to LEVEL: error, critical, warning, message (default), info, "
       "debug",
       "LEVEL"},
      {"foreground", 'f', G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &foreground,
       "Accepted for LXCFS compatibility; proclensd always stays in the foreground", NULL},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "[MOUNTPOINT]"},
      {NULL},
  };
  g_autoptr(GOptionContext) context = g_option_context_new("[MOUNTPOINT]");
  g_option_context_set_summary(context, summary);
  g_option_context_set_description(context, description);
  g_option_context_add_main_entries(context, entries, NULL);

  *ret_exit = 2;
  if (!g_option_context_parse(context, &argc, &argv, error))
    return FALSE;
  if (version) {
    printf("proclensd %s\n", PROCLENS_VERSION);
    *ret_exit = 0;
    return FALSE;
  }
  if (rest != NULL && g_strv_length(rest) > 1) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                "only one MOUNTPOINT may be given (got '%s' and '%s')", rest[0], rest[1]);
    return FALSE;
  }
  GLogLevelFlags level;
  if (o.log_level != NULL && !daemon_config_parse_log_level(o.log_level, &level)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--log-level: '%s' is not one of error, critical, warning, message, info, debug",
                o.log_level);
    return FALSE;
  }
  if (interval != NULL && !daemon_config_parse_interval(interval, &o.refresh_interval)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--refresh-interval: '%s' is not a number of milliseconds from 1 to %d", interval,
                DAEMON_CONFIG_MAX_REFRESH_MS);
    return FALSE;
  }
  if (o.threads == G_MININT) {
    o.threads = 0; /* not given: automatic */
  } else if (o.threads < 1 || o.threads > DAEMON_MAX_THREADS) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--threads: %d is not a number of threads from 1 to %d", o.threads,
                DAEMON_MAX_THREADS);
    return FALSE;
  }
  o.mountpoint_given = rest != NULL && rest[0] != NULL;
  o.cgroup_root_given = o.cgroup_root != NULL;
  o.proc_root_given = o.proc_root != NULL;
  o.state_dir_given = o.state_dir != NULL;
  o.mountpoint = g_strdup(rest != NULL && rest[0] != NULL ? rest[0] : PROCLENS_DEFAULT_MOUNTPOINT);
  if (o.cgroup_root == NULL)
    o.cgroup_root = g_strdup("/sys/fs/cgroup");
  if (o.state_dir == NULL)
    o.state_dir = g_strdup(REMOUNT_DEFAULT_STATE_DIR);
  if (o.proc_root == NULL)
    o.proc_root = g_strdup("/proc");
  *ret_options = o;
  memset(&o, 0, sizeof o);
  return TRUE;
}
