/* proclens rm: remove containers (state, overlay upper dir, cgroup). */
#include "cli.h"
#include "container.h"

#include <signal.h>
#include <stdio.h>

int
plc_cmd_rm(int argc, char **argv)
{
  gboolean force = FALSE;
  int rc = 0;
  const GOptionEntry entries[] = {
      {"force", 'f', 0, G_OPTION_ARG_NONE, &force, "Kill a running container first", NULL}, {NULL}};
  if (!plc_cli_parse("rm", "CONTAINER...", "Remove containers.",
                     "Removes the container's state directory (with the overlay's upper layer:\n"
                     "every change the container made) and its cgroup. A running container is\n"
                     "refused unless -f is given, which kills it (SIGKILL) first.",
                     entries, FALSE, &argc, &argv))
    return 1;
  if (argc < 2) {
    fprintf(stderr, "proclens rm: name at least one container\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PlcState) st = plc_state_find(argv[i], &error);
    if (st == NULL) {
      plc_cli_error("rm", error);
      rc = 1;
      continue;
    }
    plc_state_notice_dead(st);
    if (g_strcmp0(plc_state_get_string(st, "State.Status"), "running") == 0) {
      if (!force) {
        fprintf(stderr, "proclens rm: container %s is running: stop it first, or use rm -f\n",
                argv[i]);
        rc = 1;
        continue;
      }
      plc_container_signal(st, SIGKILL, NULL);
      if (!plc_container_wait_stopped(st->id, 10)) {
        fprintf(stderr, "proclens rm: container %s did not stop\n", argv[i]);
        rc = 1;
        continue;
      }
    }
    if (!plc_container_remove(st, &error)) {
      plc_cli_error("rm", error);
      rc = 1;
      continue;
    }
    printf("%s\n", argv[i]);
  }
  return rc;
}
