/* Small I/O helpers of the launcher: whole-file reads and writes, directory trees,
 * errno errors that name what failed. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Sets error (G_IO_ERROR) to "<formatted>: <strerror(errnum)>". */
void plc_set_errno(GError **error, int errnum, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* Writes text to an existing file (O_WRONLY|O_TRUNC), as one write: how cgroup files want it. */
gboolean plc_write_file(const char *path, const char *text, GError **error);
/* Creates or replaces path with text, mode 0644. */
gboolean plc_create_file(const char *path, const char *text, GError **error);
/* Replaces path atomically: a temporary file beside it, fsync, rename. */
gboolean plc_write_file_atomic(const char *path, const char *text, GError **error);
gboolean plc_read_file(const char *path, char **ret_text, GError **error);

gboolean plc_mkdir_p(const char *path, mode_t mode, GError **error);
/* Removes a tree without crossing into other mounts; a missing path is not an error. */
gboolean plc_rm_rf(const char *path, GError **error);

/* Whether something is mounted exactly at path (per /proc/self/mountinfo). */
gboolean plc_is_mountpoint(const char *path);

/* The start time (field 22 of /proc/PID/stat) of a process, 0 if it is gone. Guards against
 * pid reuse: a (pid, start time) pair names one process. */
guint64 plc_pid_start_time(pid_t pid);
/* Whether the process (pid, start_time) is alive and not a zombie. start_time 0 skips the check. */
gboolean plc_pid_alive(pid_t pid, guint64 start_time);

/* RFC 3339 UTC timestamp of now, with nanoseconds, like docker's. */
char *plc_now_rfc3339(void);

/* Sends fd over a unix socket (SCM_RIGHTS) with a one-byte tag telling the receiver what it
 * is; `what` names it in the error. */
gboolean plc_send_fd(int sock, int fd, char tag, const char *what, GError **error);

/* Receives one message of plc_send_fd (or a bare one-byte tag): sets *ret_tag ('\0' at end of
 * file or on error) and returns the fd received, or -1 when there was none. */
int plc_recv_fd(int sock, char *ret_tag);

/* Opens (creating) and takes an exclusive flock on path; returns the fd to close to unlock. */
int plc_lock_file(const char *path, GError **error);
