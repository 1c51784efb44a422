/* proclens ps: list containers. */
#include "cli.h"
#include "container.h"
#include "state.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static gint64
parse_time(const char *rfc3339)
{
  if (rfc3339 == NULL || *rfc3339 == '\0')
    return 0;
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(rfc3339, NULL);
  return dt ? g_date_time_to_unix(dt) : 0;
}

static char *
ago(gint64 then)
{
  gint64 d = (gint64)time(NULL) - then;
  if (d < 1)
    return g_strdup("Less than a second");
  if (d < 60)
    return g_strdup_printf("%" G_GINT64_FORMAT " seconds", d);
  if (d < 3600)
    return g_strdup_printf("%" G_GINT64_FORMAT " minutes", d / 60);
  if (d < 86400)
    return g_strdup_printf("%" G_GINT64_FORMAT " hours", d / 3600);
  return g_strdup_printf("%" G_GINT64_FORMAT " days", d / 86400);
}

static char *
command_of(PlcState *st)
{
  JsonObject *cfg = json_object_get_object_member(json_node_get_object(st->root), "Config");
  JsonArray *cmd = cfg ? json_object_get_array_member(cfg, "Cmd") : NULL;
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; cmd && i < json_array_get_length(cmd); i++) {
    if (i)
      g_string_append_c(s, ' ');
    g_string_append(s, json_array_get_string_element(cmd, i));
  }
  if (s->len > 20) {
    g_string_truncate(s, 19);
    g_string_append(s, "…");
  }
  return g_strdup_printf("\"%s\"", s->str);
}

int
plc_cmd_ps(int argc, char **argv)
{
  gboolean all = FALSE, quiet = FALSE;
  const GOptionEntry entries[] = {
      {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Show every container (default: running ones)",
       NULL},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only the ids", NULL},
      {NULL}};
  if (!plc_cli_parse("ps", "", "List containers.",
                     "Columns: CONTAINER ID (the first 12 digits), NAME, COMMAND, CREATED,\n"
                     "STATUS (Up ... / Exited (code) ... ago), PID (in the host's pid namespace).",
                     entries, FALSE, &argc, &argv))
    return 1;
  if (argc > 1) {
    fprintf(stderr, "proclens ps: unexpected argument '%s'\n", argv[1]);
    return 1;
  }
  g_autoptr(GPtrArray) list = plc_state_list();
  if (!quiet)
    printf("%-12s   %-20s   %-22s   %-20s   %-28s   %s\n", "CONTAINER ID", "NAME", "COMMAND",
           "CREATED", "STATUS", "PID");
  for (guint i = 0; i < list->len; i++) {
    PlcState *st = list->pdata[i];
    plc_state_notice_dead(st);
    const char *status = plc_state_get_string(st, "State.Status");
    gboolean running = g_strcmp0(status, "running") == 0;
    if (!all && !running)
      continue;
    if (quiet) {
      printf("%.12s\n", st->id);
      continue;
    }
    g_autofree char *created = ago(parse_time(plc_state_get_string(st, "Created")));
    g_autofree char *created_s = g_strdup_printf("%s ago", created);
    g_autofree char *status_s = NULL;
    if (running) {
      g_autofree char *up = ago(parse_time(plc_state_get_string(st, "State.StartedAt")));
      /* Degraded: the monitor is gone, sysinfo(2) in the container fails with ENOSYS. */
      gboolean degraded =
          g_strcmp0(plc_state_get_string(st, "State.Sysinfo"), "unavailable") == 0;
      status_s = g_strdup_printf("Up %s%s", up, degraded ? " (sysinfo unavailable)" : "");
    } else if (g_strcmp0(status, "exited") == 0) {
      g_autofree char *since = ago(parse_time(plc_state_get_string(st, "State.FinishedAt")));
      status_s = g_strdup_printf("Exited (%" G_GINT64_FORMAT ") %s ago",
                                 plc_state_get_int(st, "State.ExitCode", -1), since);
    } else {
      status_s = g_strdup(status ? status : "unknown");
    }
    g_autofree char *cmd = command_of(st);
    printf("%-12.12s   %-20s   %-22s   %-20s   %-28s   %" G_GINT64_FORMAT "\n", st->id,
           plc_state_get_string(st, "Name"), cmd, created_s, status_s,
           running ? plc_state_get_int(st, "State.Pid", 0) : 0);
  }
  return 0;
}
