/* Pseudo-terminals for -t: opened inside the container (its own devpts instance), the master
 * handed to the launcher over a socket, the host terminal put in raw mode while attached. */
#pragma once

#include <glib.h>
#include <termios.h>

/* Opens a new pty from /dev/ptmx, sized like the terminal on stdin (if any); returns the
 * master fd and the slave's path. */
gboolean plc_pty_open(int *ret_master, char **ret_slave_path, GError **error);
/* In the process that will exec: new session, slave as controlling terminal and stdio. */
gboolean plc_pty_make_controlling(const char *slave_path, GError **error);

/* Passing a descriptor over a unix socket (SCM_RIGHTS) with a small tag. */

/* Raw mode for the host's terminal; restore with plc_tty_restore. */
gboolean plc_tty_raw(int fd, struct termios *ret_saved);
void plc_tty_restore(int fd, const struct termios *saved);
/* Copies the window size of from_fd (a terminal) to to_fd (a pty master). */
void plc_tty_copy_winsize(int from_fd, int to_fd);
