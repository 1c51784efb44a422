/* proclens stop: SIGTERM, then SIGKILL after a grace period. */
#include "cli.h"
#include "container.h"

#include <signal.h>
#include <stdio.h>

int
plc_cmd_stop(int argc, char **argv)
{
  gint timeout = 10;
  int rc = 0;
  const GOptionEntry entries[] = {{"time", 't', 0, G_OPTION_ARG_INT, &timeout,
                                   "Seconds to wait after SIGTERM before SIGKILL (default 10)",
                                   "SECONDS"},
                                  {NULL}};
  if (!plc_cli_parse("stop", "CONTAINER...", "Stop running containers.",
                     "Sends SIGTERM to the container's pid 1 and, if it is still running after\n"
                     "the grace period, SIGKILL. A pid 1 without a SIGTERM handler ignores\n"
                     "SIGTERM (the kernel's rule for namespace inits), so it is killed.\n"
                     "Stopping a stopped container succeeds.",
                     entries, FALSE, &argc, &argv))
    return 1;
  if (argc < 2) {
    fprintf(stderr, "proclens stop: name at least one container\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PlcState) st = plc_state_find(argv[i], &error);
    if (st == NULL) {
      plc_cli_error("stop", error);
      rc = 1;
      continue;
    }
    if (plc_state_is_running(st)) {
      plc_container_signal(st, SIGTERM, NULL);
      if (!plc_container_wait_stopped(st->id, timeout < 0 ? 0 : timeout)) {
        plc_container_signal(st, SIGKILL, NULL);
        if (!plc_container_wait_stopped(st->id, 10)) {
          fprintf(stderr, "proclens stop: container %s did not stop\n", argv[i]);
          rc = 1;
          continue;
        }
      }
    }
    printf("%s\n", argv[i]);
  }
  return rc;
}
