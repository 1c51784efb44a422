/* proclens logs: the output of a detached container. */
#include "cli.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* Copies from fd to stdout until end of file; FALSE on a read error. */
static gboolean
copy_out(int fd)
{
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return n == 0;
    if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
      return FALSE;
  }
}

int
plc_cmd_logs(int argc, char **argv)
{
  gboolean follow = FALSE;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {{"follow", 'f', 0, G_OPTION_ARG_NONE, &follow,
                                   "Keep printing new output until the container exits", NULL},
                                  {NULL}};
  if (!plc_cli_parse("logs", "CONTAINER",
                     "Show the output (stdout and stderr) of a container "
                     "started with -d.",
                     NULL, entries, FALSE, &argc, &argv))
    return 1;
  if (argc != 2) {
    fprintf(stderr, "proclens logs: name exactly one container\n");
    return 1;
  }
  g_autoptr(PlcState) st = plc_state_find(argv[1], &error);
  if (st == NULL) {
    plc_cli_error("logs", error);
    return 1;
  }
  const char *path = plc_state_get_string(st, "LogPath");
  if (path == NULL || *path == '\0') {
    fprintf(stderr,
            "proclens logs: container %.12s was not started with -d: its output went to the "
            "terminal\n",
            st->id);
    return 1;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "proclens logs: open %s: %s\n", path, g_strerror(errno));
    return 1;
  }
  gboolean ok = copy_out(fd);
  while (ok && follow) {
    fflush(stdout);
    g_autoptr(PlcState) now = plc_state_load(st->id, NULL);
    if (now)
      plc_state_notice_dead(now);
    gboolean running = now && g_strcmp0(plc_state_get_string(now, "State.Status"), "running") == 0;
    g_usleep(100000);
    ok = copy_out(fd);
    if (!running)
      break;
  }
  close(fd);
  fflush(stdout);
  return ok ? 0 : 1;
}
