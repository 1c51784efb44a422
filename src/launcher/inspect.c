/* proclens inspect: print containers' configuration and state. */
#include "cli.h"
#include "state.h"
#include "template.h"

#include <stdio.h>

int
plc_cmd_inspect(int argc, char **argv)
{
  g_autofree char *format = NULL;
  int rc = 0;
  const GOptionEntry entries[] = {
      {"format", 'f', 0, G_OPTION_ARG_STRING, &format,
       "Print through a template: {{.State.Pid}}, {{.Name}}, {{json .HostConfig}}", "TEMPLATE"},
      {NULL}};
  if (!plc_cli_parse("inspect", "CONTAINER...", "Show containers' configuration and state.",
                     "Without --format, prints a JSON array with one object per container, with\n"
                     "docker-like fields: Id, Name, Created, Path, Args, State {Status, Running,\n"
                     "Pid, ExitCode, OOMKilled, StartedAt, FinishedAt}, Config, HostConfig,\n"
                     "Cgroup {Version, Paths}, Rootfs, StateDir, LogPath.\n"
                     "Fields are addressed in templates by dotted paths: {{.State.ExitCode}}.",
                     entries, FALSE, &argc, &argv))
    return 1;
  if (argc < 2) {
    fprintf(stderr, "proclens inspect: name at least one container\n");
    return 1;
  }
  JsonArray *out = json_array_new();
  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PlcState) st = plc_state_find(argv[i], &error);
    if (st == NULL) {
      plc_cli_error("inspect", error);
      rc = 1;
      continue;
    }
    plc_state_notice_dead(st);
    if (format) {
      g_autofree char *text = plc_template_render(format, st->root, &error);
      if (text == NULL) {
        plc_cli_error("inspect", error);
        json_array_unref(out);
        return 1;
      }
      printf("%s\n", text);
    } else {
      json_array_add_element(out, json_node_ref(st->root));
    }
  }
  if (!format && (json_array_get_length(out) > 0 || rc == 0)) {
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, out);
    g_autofree char *text = json_to_string(n, TRUE);
    printf("%s\n", text);
    json_node_unref(n);
  } else {
    json_array_unref(out);
  }
  return rc;
}
