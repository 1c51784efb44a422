/* proclens exec: run a command in a running container. */
#include "cli.h"
#include "container.h"
#include "size.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char **
exec_env(PlcState *st, char **extra, gboolean tty)
{
  JsonObject *cfg = json_object_get_object_member(json_node_get_object(st->root), "Config");
  JsonArray *env = cfg ? json_object_get_array_member(cfg, "Env") : NULL;
  char **result = g_new0(char *, 1);
  for (guint i = 0; env && i < json_array_get_length(env); i++) {
    const char *kv = json_array_get_string_element(env, i);
    const char *eq = strchr(kv, '=');
    if (eq) {
      g_autofree char *key = g_strndup(kv, (gsize)(eq - kv));
      result = g_environ_setenv(result, key, eq + 1, TRUE);
    }
  }
  if (tty)
    result = g_environ_setenv(result, "TERM", "xterm", FALSE);
  for (char **e = extra; e && *e; e++) {
    const char *eq = strchr(*e, '=');
    if (eq) {
      g_autofree char *key = g_strndup(*e, (gsize)(eq - *e));
      result = g_environ_setenv(result, key, eq + 1, TRUE);
    } else if (g_getenv(*e)) {
      result = g_environ_setenv(result, *e, g_getenv(*e), TRUE);
    }
  }
  return result;
}

int
plc_cmd_exec(int argc, char **argv)
{
  gboolean interactive = FALSE, tty = FALSE, no_sysinfo = FALSE;
  g_auto(GStrv) env = NULL;
  g_autofree char *workdir = NULL, *user = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
      {"interactive", 'i', 0, G_OPTION_ARG_NONE, &interactive, "Keep stdin attached", NULL},
      {"tty", 't', 0, G_OPTION_ARG_NONE, &tty, "Allocate a pseudo-terminal", NULL},
      {"env", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &env, "Set an environment variable; repeatable",
       "KEY=VALUE"},
      {"workdir", 'w', 0, G_OPTION_ARG_STRING, &workdir,
       "Working directory (default: the container's)", "DIR"},
      {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "Run as this numeric user and group",
       "UID[:GID]"},
      {"no-sysinfo", 0, 0, G_OPTION_ARG_NONE, &no_sysinfo,
       "Do not intercept sysinfo(2) in this process", NULL},
      {NULL}};
  if (!plc_cli_parse("exec", "CONTAINER COMMAND [ARG...]", "Run a command in a running container.",
                     "The command joins all the container's namespaces (through\n"
                     "/proc/PID/ns/*), its cgroup and its root, with the container's environment\n"
                     "(plus -e). Exit status: the command's; 125 when proclens fails (e.g. the\n"
                     "container is not running), 126 not executable, 127 not found.",
                     entries, TRUE, &argc, &argv))
    return PLC_EXIT_LAUNCHER;
  if (argc < 3) {
    fprintf(stderr, "proclens exec: need CONTAINER and COMMAND\nSee 'proclens exec --help'.\n");
    return PLC_EXIT_LAUNCHER;
  }
  g_autoptr(PlcState) st = plc_state_find(argv[1], &error);
  if (st == NULL) {
    plc_cli_error("exec", error);
    return PLC_EXIT_LAUNCHER;
  }
  PlcExecSpec spec = {0};
  g_auto(GStrv) final_env = exec_env(st, env, tty);
  spec.argv = argv + 2;
  spec.env = final_env;
  spec.workdir = workdir ? workdir : plc_state_get_string(st, "Config.WorkingDir");
  spec.tty = tty;
  spec.interactive = interactive;
  spec.no_sysinfo = no_sysinfo;
  if (user) {
    gboolean has_gid;
    if (!plc_parse_user(user, &spec.uid, &spec.gid, &has_gid, &error)) {
      plc_cli_error("exec", error);
      return PLC_EXIT_LAUNCHER;
    }
    if (!has_gid)
      spec.gid = spec.uid;
    spec.has_user = TRUE;
  } else {
    const char *u = plc_state_get_string(st, "Config.User");
    gboolean has_gid;
    if (u && *u && plc_parse_user(u, &spec.uid, &spec.gid, &has_gid, NULL))
      spec.has_user = TRUE;
  }
  int code = plc_container_exec(st, &spec, &error);
  if (error)
    plc_cli_error("exec", error);
  /* This process now sits in the container's namespaces and root, and forks into its pid
   * namespace: exit-time work cannot run here (LeakSanitizer's check spins for ever trying to
   * stop the world across pid namespaces). End at once. */
  fflush(stdout);
  fflush(stderr);
  _exit(code);
}
