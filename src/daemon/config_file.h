/* proclensd's configuration file (/etc/proclens/proclensd.conf): a GKeyFile. */
#pragma once

#include "proclens/vfiles.h"
#include <glib.h>

#define DAEMON_CONFIG_ERROR (daemon_config_error_quark())
GQuark daemon_config_error_quark(void);

typedef enum {
  DAEMON_CONFIG_ERROR_SYNTAX,  /* a line that is no group, key=value or comment */
  DAEMON_CONFIG_ERROR_UNKNOWN, /* a group or key proclensd does not know */
  DAEMON_CONFIG_ERROR_VALUE,   /* a known key with a value it cannot take */
} DaemonConfigError;

/* What the file says. Strings are NULL when the file does not set them. */
typedef struct {
  char *mountpoint;
  char *cgroup_root;
  char *proc_root;
  char *state_dir;          /* [daemon] state-dir: where the mount's device is recorded */
  char **files;             /* [views] files: entries of pl_vfiles or directories; NULL: all */
  gboolean quota_cap;       /* [views] cpu-quota-cap, default TRUE */
  gboolean loadavg;         /* [views] loadavg, default TRUE */
  gboolean swap;            /* [views] swap, default TRUE */
  GLogLevelFlags log_level; /* [daemon] log-level: the least severe level shown */
  char *registry;           /* [containers] registry: the container registry directory */
  guint refresh_interval;   /* [containers] refresh-interval, in ms (default 100) */
} DaemonConfig;

/* The defaults: every file, quota cap, loadavg and swap on, log level "message", container
 * views refreshed every 100 ms. */
void daemon_config_init(DaemonConfig *ret_config);

/* Parses the text of a configuration file. `name` (the file's path) prefixes the error,
 * which names the line and the key: "FILE:7: [views] loadavg: 'maybe' is not a boolean".
 * On failure *ret_config is left untouched. */
gboolean daemon_config_parse(const char *text, const char *name, DaemonConfig *ret_config,
                             GError **error);

/* Loads the file at path. A missing file is not an error when !must_exist (the defaults
 * apply then, and *ret_found is FALSE). */
gboolean daemon_config_load(const char *path, gboolean must_exist, DaemonConfig *ret_config,
                            gboolean *ret_found, GError **error);

void daemon_config_clear(DaemonConfig *config);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DaemonConfig, daemon_config_clear)

/* The entries of `all` that `files` selects (an entry's exact path, or a directory that
 * holds it), NULL-terminated, in table order; every entry when files is NULL. Free with
 * g_free (the entries point into `all`). */
PlVfile *daemon_config_select_vfiles(const PlVfile *all, char *const *files);

#define DAEMON_CONFIG_DEFAULT_REFRESH_MS 100
#define DAEMON_CONFIG_MAX_REFRESH_MS 3600000
/* A refresh interval in milliseconds, 1 to an hour. */
gboolean daemon_config_parse_interval(const char *text, guint *ret_ms);

/* "error", "critical", "warning", "message", "info", "debug" and back. */
gboolean daemon_config_parse_log_level(const char *name, GLogLevelFlags *ret_level);
const char *daemon_config_log_level_name(GLogLevelFlags level);
