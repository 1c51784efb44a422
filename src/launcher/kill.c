/* proclens kill: send a signal to a container's pid 1. */
#include "cli.h"
#include "container.h"

#include <signal.h>
#include <stdio.h>

int
plc_cmd_kill(int argc, char **argv)
{
  g_autofree char *signame = NULL;
  int rc = 0;
  const GOptionEntry entries[] = {
      {"signal", 's', 0, G_OPTION_ARG_STRING, &signame,
       "Signal to send: a name (TERM, SIGTERM) or a number (default KILL)", "SIGNAL"},
      {NULL}};
  if (!plc_cli_parse("kill", "CONTAINER...", "Send a signal to running containers.", NULL, entries,
                     FALSE, &argc, &argv))
    return 1;
  int sig = signame ? plc_parse_signal(signame) : SIGKILL;
  if (sig < 0) {
    fprintf(stderr, "proclens kill: unknown signal '%s'\n", signame);
    return 1;
  }
  if (argc < 2) {
    fprintf(stderr, "proclens kill: name at least one container\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(PlcState) st = plc_state_find(argv[i], &error);
    if (st == NULL || !plc_container_signal(st, sig, &error)) {
      plc_cli_error("kill", error);
      rc = 1;
      continue;
    }
    printf("%s\n", argv[i]);
  }
  return rc;
}
