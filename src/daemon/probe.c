/* The health probe, in a child process (see probe.h). */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child of a probe that did not answer in time; the health thread alone uses it. */
static pid_t pending_child;

/* In the child: only async-signal-safe calls (the parent has other threads). Every other
 * descriptor is closed first: a child holding the daemon's /dev/fuse would keep the
 * connection alive after the daemon dies, and wait for its own answer for ever. */
static void G_GNUC_NORETURN
child_probe(const char *path, int result_fd)
{
  if ((result_fd > 0 && close_range(0, (unsigned)result_fd - 1, 0) != 0) ||
      close_range((unsigned)result_fd + 1, ~0U, 0) != 0)
    _exit(1);
  char buf[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  char ok = fd >= 0 && read(fd, buf, sizeof buf) > 0;
  if (write(result_fd, &ok, 1) != 1)
    _exit(1);
  _exit(0);
}

/* Waits for the child's one byte until the deadline or a stop, in slices of 100 ms. */
static gboolean
await_result(int fd, gint64 deadline, const gint *stop)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  while (!g_atomic_int_get(stop) && g_get_monotonic_time() < deadline) {
    int r = poll(&p, 1, 100);
    if (r < 0 && errno != EINTR)
      return FALSE;
    if (r > 0) {
      char ok = 0;
      return read(fd, &ok, 1) == 1 && ok == 1;
    }
  }
  return FALSE;
}

gboolean
probe_through_mount(const char *path, gint64 timeout_us, const gint *stop)
{
  if (pending_child > 0) {
    if (waitpid(pending_child, NULL, WNOHANG) == 0)
      return FALSE; /* still waiting for the daemon: it is wedged */
    pending_child = 0;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return FALSE;
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    child_probe(path, fds[1]);
  }
  close(fds[1]);
  if (child < 0) {
    close(fds[0]);
    return FALSE;
  }
  gboolean ok = await_result(fds[0], g_get_monotonic_time() + timeout_us, stop);
  close(fds[0]);
  if (waitpid(child, NULL, ok ? 0 : WNOHANG) == 0)
    pending_child = child;
  return ok;
}
