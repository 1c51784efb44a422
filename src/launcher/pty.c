#include "pty.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

gboolean
plc_pty_open(int *ret_master, char **ret_slave_path, GError **error)
{
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[128];
  if (master < 0) {
    plc_set_errno(error, errno, "open /dev/ptmx");
    return FALSE;
  }
  if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof name) != 0) {
    plc_set_errno(error, errno, "set up the pty");
    close(master);
    return FALSE;
  }
  /* Still holding the caller's stdin (the user's terminal, if any): size the new pty like it
   * before the command starts, so it never sees 0x0; SIGWINCH handles later changes. */
  plc_tty_copy_winsize(STDIN_FILENO, master);
  *ret_master = master;
  *ret_slave_path = g_strdup(name);
  return TRUE;
}

gboolean
plc_pty_make_controlling(const char *slave_path, GError **error)
{
  if (setsid() < 0 && errno != EPERM) {
    plc_set_errno(error, errno, "setsid");
    return FALSE;
  }
  int fd = open(slave_path, O_RDWR);
  if (fd < 0) {
    plc_set_errno(error, errno, "open %s", slave_path);
    return FALSE;
  }
  if (ioctl(fd, TIOCSCTTY, 0) < 0) {
    plc_set_errno(error, errno, "make %s the controlling terminal", slave_path);
    close(fd);
    return FALSE;
  }
  for (int i = 0; i < 3; i++)
    if (dup2(fd, i) < 0) {
      plc_set_errno(error, errno, "dup2 %s", slave_path);
      close(fd);
      return FALSE;
    }
  if (fd > 2)
    close(fd);
  return TRUE;
}

gboolean
plc_tty_raw(int fd, struct termios *ret_saved)
{
  struct termios t;
  if (!isatty(fd) || tcgetattr(fd, ret_saved) < 0)
    return FALSE;
  t = *ret_saved;
  cfmakeraw(&t);
  return tcsetattr(fd, TCSANOW, &t) == 0;
}

void
plc_tty_restore(int fd, const struct termios *saved)
{
  tcsetattr(fd, TCSANOW, saved);
}

void
plc_tty_copy_winsize(int from_fd, int to_fd)
{
  struct winsize ws;
  if (ioctl(from_fd, TIOCGWINSZ, &ws) == 0)
    ioctl(to_fd, TIOCSWINSZ, &ws);
}
