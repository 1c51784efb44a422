/* proclens: a small daemonless, docker-like container launcher whose containers see their
 * own limits in /proc (through proclensd's files). One file per verb; the work is in the
 * launcher library (container.c, rootfs.c, cgroup_manager.c, state.c, ...). */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} verbs[] = {
    {"run", plc_cmd_run, "Run a command in a new container"},
    {"exec", plc_cmd_exec, "Run a command in a running container"},
    {"ps", plc_cmd_ps, "List containers"},
    {"inspect", plc_cmd_inspect, "Show a container's configuration and state (JSON)"},
    {"logs", plc_cmd_logs, "Show the output of a detached container"},
    {"stop", plc_cmd_stop, "Stop a container (SIGTERM, then SIGKILL)"},
    {"kill", plc_cmd_kill, "Send a signal to a container"},
    {"rm", plc_cmd_rm, "Remove a stopped container"},
    {"image", plc_cmd_image, "Manage images: import, ls, inspect, rm, prune"},
};

static void
usage(FILE *out)
{
  fprintf(out, "Usage: proclens COMMAND [OPTIONS] [ARGS...]\n"
               "\n"
               "A daemonless, docker-like launcher of containers whose /proc shows their own\n"
               "limits: proclensd's files (meminfo, cpuinfo, uptime, ...) are bound over the\n"
               "container's /proc, so free, top and uptime inside report the container's memory,\n"
               "CPUs and uptime. Runs as root.\n"
               "\n"
               "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++)
    fprintf(out, "  %-9s %s\n", verbs[i].name, verbs[i].summary);
  fprintf(out,
          "\n"
          "Run 'proclens COMMAND --help' for the options of a command.\n"
          "\n"
          "Containers are addressed by name, full id or a unique prefix of the id. Their\n"
          "state lives in /run/proclens/<id>/, their cgroups in proclens/<id> under each\n"
          "cgroup hierarchy.\n"
          "\n"
          "Exit status: run and exec exit with the command's status; 125 when proclens\n"
          "itself fails, 126 when the command cannot be executed, 127 when it is not\n"
          "found. Other commands exit 0 on success and 1 on failure (e.g. an unknown\n"
          "container).\n"
          "\n"
          "proclens %s\n",
          PROCLENS_VERSION);
}

int
main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 125;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("proclens %s\n", PROCLENS_VERSION);
    return 0;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++)
    if (strcmp(argv[1], verbs[i].name) == 0)
      return verbs[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "proclens: unknown command '%s'\nSee 'proclens --help'.\n", argv[1]);
  return 125;
}
