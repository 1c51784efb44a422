#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void
plc_set_errno(GError **error, int errnum, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  va_start(ap, format);
  what = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errnum), "%s: %s", what, g_strerror(errnum));
}

static gboolean
write_all(int fd, const char *text, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, text, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return FALSE;
    }
    text += n;
    len -= (size_t)n;
  }
  return TRUE;
}

gboolean
plc_write_file(const char *path, const char *text, GError **error)
{
  int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) {
    plc_set_errno(error, errno, "open %s", path);
    return FALSE;
  }
  if (!write_all(fd, text, strlen(text))) {
    int saved = errno;
    close(fd);
    plc_set_errno(error, saved, "write '%s' to %s", text, path);
    return FALSE;
  }
  if (close(fd) < 0) {
    plc_set_errno(error, errno, "write '%s' to %s", text, path);
    return FALSE;
  }
  return TRUE;
}

gboolean
plc_create_file(const char *path, const char *text, GError **error)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    plc_set_errno(error, errno, "create %s", path);
    return FALSE;
  }
  if (!write_all(fd, text, strlen(text))) {
    int saved = errno;
    close(fd);
    plc_set_errno(error, saved, "write %s", path);
    return FALSE;
  }
  close(fd);
  return TRUE;
}

gboolean
plc_write_file_atomic(const char *path, const char *text, GError **error)
{
  g_autofree char *tmp = g_strdup_printf("%s.tmp.XXXXXX", path);
  int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) {
    plc_set_errno(error, errno, "create %s", tmp);
    return FALSE;
  }
  if (!write_all(fd, text, strlen(text)) || fsync(fd) < 0) {
    int saved = errno;
    close(fd);
    unlink(tmp);
    plc_set_errno(error, saved, "write %s", tmp);
    return FALSE;
  }
  close(fd);
  if (rename(tmp, path) < 0) {
    int saved = errno;
    unlink(tmp);
    plc_set_errno(error, saved, "rename %s to %s", tmp, path);
    return FALSE;
  }
  return TRUE;
}

gboolean
plc_read_file(const char *path, char **ret_text, GError **error)
{
  g_autoptr(GString) buf = g_string_new(NULL);
  char chunk[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    plc_set_errno(error, errno, "open %s", path);
    return FALSE;
  }
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int saved = errno;
      close(fd);
      plc_set_errno(error, saved, "read %s", path);
      return FALSE;
    }
    if (n == 0)
      break;
    g_string_append_len(buf, chunk, n);
  }
  close(fd);
  *ret_text = g_string_free(g_steal_pointer(&buf), FALSE);
  return TRUE;
}

gboolean
plc_mkdir_p(const char *path, mode_t mode, GError **error)
{
  if (g_mkdir_with_parents(path, (int)mode) < 0) {
    plc_set_errno(error, errno, "mkdir %s", path);
    return FALSE;
  }
  return TRUE;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  /* A directory we may not read (overlayfs leaves work/work at mode 000): open it up and
   * remove it as a tree of its own. Root never gets here; a rootless launcher does. */
  if (type == FTW_DNR) {
    if (chmod(path, 0700) < 0)
      return errno;
    return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 ? 0 : EACCES;
  }
  int r = (type == FTW_DP) ? rmdir(path) : unlink(path);
  if (r < 0 && errno != ENOENT)
    return errno;
  return 0;
}

gboolean
plc_rm_rf(const char *path, GError **error)
{
  struct stat st;
  if (lstat(path, &st) < 0) {
    if (errno == ENOENT)
      return TRUE;
    plc_set_errno(error, errno, "stat %s", path);
    return FALSE;
  }
  /* FTW_MOUNT: never descend into another filesystem, whatever is mounted below path. */
  int r = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (r != 0) {
    plc_set_errno(error, r > 0 ? r : errno, "remove %s", path);
    return FALSE;
  }
  return TRUE;
}

/* Undoes the octal escapes (\040 for space) mountinfo uses in paths. */
static void
unescape_octal(char *s)
{
  char *out = s;
  while (*s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
      *out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
      s += 4;
    } else {
      *out++ = *s++;
    }
  }
  *out = '\0';
}

gboolean
plc_is_mountpoint(const char *path)
{
  g_autofree char *real = realpath(path, NULL);
  g_autofree char *text = NULL;
  if (real == NULL || !plc_read_file("/proc/self/mountinfo", &text, NULL))
    return FALSE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(*l, " ", 6);
    if (g_strv_length(f) < 5)
      continue;
    unescape_octal(f[4]);
    if (strcmp(f[4], real) == 0)
      return TRUE;
  }
  return FALSE;
}

static gboolean
read_stat_fields(pid_t pid, char *ret_state, guint64 *ret_start)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
  g_autofree char *text = NULL;
  if (!plc_read_file(path, &text, NULL))
    return FALSE;
  /* comm may hold spaces and parentheses: fields restart after the last ')'. */
  char *p = strrchr(text, ')');
  if (p == NULL)
    return FALSE;
  g_auto(GStrv) f = g_strsplit(p + 2, " ", 0);
  /* f[0] is field 3 (state); field 22 (starttime) is f[19]. */
  if (g_strv_length(f) < 20)
    return FALSE;
  *ret_state = f[0][0];
  *ret_start = g_ascii_strtoull(f[19], NULL, 10);
  return TRUE;
}

guint64
plc_pid_start_time(pid_t pid)
{
  char state;
  guint64 start;
  if (pid <= 0 || !read_stat_fields(pid, &state, &start))
    return 0;
  return start;
}

gboolean
plc_pid_alive(pid_t pid, guint64 start_time)
{
  char state;
  guint64 start;
  if (pid <= 0 || !read_stat_fields(pid, &state, &start))
    return FALSE;
  if (state == 'Z' || state == 'X')
    return FALSE;
  return start_time == 0 || start == start_time;
}

char *
plc_now_rfc3339(void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return g_strdup_printf("%s.%09ldZ", buf, ts.tv_nsec);
}

gboolean
plc_send_fd(int sock, int fd, char tag, const char *what, GError **error)
{
  struct iovec iov = {.iov_base = &tag, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    plc_set_errno(error, errno, "send %s", what);
    return FALSE;
  }
  return TRUE;
}

int
plc_recv_fd(int sock, char *ret_tag)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = ret_tag, .iov_len = 1};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  int fd = -1;
  ssize_t n;
  *ret_tag = '\0';
  do
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

int
plc_lock_file(const char *path, GError **error)
{
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    plc_set_errno(error, errno, "open %s", path);
    return -1;
  }
  if (flock(fd, LOCK_EX) < 0) {
    plc_set_errno(error, errno, "lock %s", path);
    close(fd);
    return -1;
  }
  return fd;
}
