#include "monitor.h"
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

void
plc_monitor_signal_set(sigset_t *ret_set)
{
  sigemptyset(ret_set);
  sigaddset(ret_set, SIGCHLD);
  for (gsize i = 0; i < G_N_ELEMENTS(forwarded); i++)
    sigaddset(ret_set, forwarded[i]);
}

void
plc_monitor_block_signals(sigset_t *ret_old)
{
  sigset_t set;
  plc_monitor_signal_set(&set);
  sigprocmask(SIG_BLOCK, &set, ret_old);
  signal(SIGPIPE, SIG_IGN);
}

static void
write_all(int fd, const char *buf, ssize_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, buf, (size_t)n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        poll(&p, 1, 1000);
        continue;
      }
      return; /* the reader went away: drop the output, keep the container */
    }
    buf += w;
    n -= w;
  }
}

/* Copies what is available on from to to; FALSE at end of file or error. */
static gboolean
relay(int from, int to)
{
  char buf[8192];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return TRUE;
  if (n <= 0)
    return FALSE;
  write_all(to, buf, n);
  return TRUE;
}

int
plc_monitor_wait(PlcRunning *r, int in_fd, int out_fd)
{
  sigset_t set;
  int status = 0;
  gboolean done = FALSE, master_open = r->pty_master >= 0, in_open = in_fd >= 0 && master_open;

  plc_monitor_signal_set(&set);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (master_open)
    fcntl(r->pty_master, F_SETFL, fcntl(r->pty_master, F_GETFL) | O_NONBLOCK);

  while (!done) {
    struct pollfd p[3];
    nfds_t n = 0;
    p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    int mi = -1, ii = -1;
    if (master_open) {
      mi = (int)n;
      p[n++] = (struct pollfd){.fd = r->pty_master, .events = POLLIN};
    }
    if (in_open) {
      ii = (int)n;
      p[n++] = (struct pollfd){.fd = in_fd, .events = POLLIN};
    }
    if (poll(p, n, sfd < 0 ? 100 : -1) < 0 && errno != EINTR)
      break;

    struct signalfd_siginfo si;
    while (sfd >= 0 && read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
      int sig = (int)si.ssi_signo;
      if (sig == SIGCHLD)
        continue;
      if (sig == SIGWINCH) {
        if (master_open && in_fd >= 0)
          plc_tty_copy_winsize(in_fd, r->pty_master);
        continue;
      }
      kill(r->pid, sig);
    }
    /* Reap on every wake-up: SIGCHLD may merge, and the init shim may exit any time. */
    for (;;) {
      int st;
      pid_t w = waitpid(-1, &st, WNOHANG);
      if (w <= 0)
        break;
      if (w == r->pid) {
        status = st;
        done = TRUE;
      }
    }
    if (mi >= 0 && (p[mi].revents & (POLLIN | POLLHUP | POLLERR)))
      if (!relay(r->pty_master, out_fd))
        master_open = FALSE;
    if (ii >= 0 && (p[ii].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!relay(in_fd, r->pty_master)) {
        /* End of input: the terminal's end-of-file character, as a user typing ^D. */
        char eot = 4;
        write_all(r->pty_master, &eot, 1);
        in_open = FALSE;
      }
    }
  }
  /* Whatever the command wrote last is still in the pty. */
  while (master_open && relay(r->pty_master, out_fd)) {
    struct pollfd p = {.fd = r->pty_master, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0)
      break;
  }
  if (sfd >= 0)
    close(sfd);
  return status;
}
