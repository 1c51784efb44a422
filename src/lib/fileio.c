/* Small file readers and number parsers shared by every source. */
#include "proclens/fileio.h"
#include "proclens/cgfile_cache.h"
#include "proclens/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* procfs and cgroupfs files report size 0, so read into a growing buffer until a read
 * returns 0. A seq_file read returns at most one buffer of whole records, so a short read
 * is not the end of /proc/PID/mountinfo, cpuinfo, diskstats, swaps or cgroup.procs. Only
 * a file written by a single show() call (every cgroup value file: the kernel grows its
 * buffer until that one record fits) may stop at the first short read: single_record
 * saves the EOF read there (each syscall is costly in a VM). pread from offset 0 also
 * lets a kept descriptor be read again (cgfile_cache.c). */
gssize
pl_pread_whole(int fd, gboolean single_record, char **ret_text)
{
  gsize cap = 4096, len = 0;
  g_autofree char *buf = g_malloc(cap);
  for (;;) {
    if (cap - len < 1024) {
      cap *= 2;
      buf = g_realloc(buf, cap);
    }
    gsize want = cap - len - 1;
    ssize_t n = pread(fd, buf + len, want, (off_t)len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    len += (gsize)n;
    if (n == 0 || (single_record && (gsize)n < want))
      break;
  }
  buf[len] = '\0';
  *ret_text = g_steal_pointer(&buf);
  return (gssize)len;
}

int
pl_open_and_read(const char *path, gboolean single_record, char **ret_text, gsize *ret_len,
                 GError **error)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    pl_set_errno(error, errno, "open %s", path);
    return -1;
  }
  gssize n = pl_pread_whole(fd, single_record, ret_text);
  if (n < 0) {
    pl_set_errno(error, errno, "read %s", path);
    close(fd);
    return -1;
  }
  if (ret_len != NULL)
    *ret_len = (gsize)n;
  return fd;
}

static gboolean
read_uncached(const char *path, gboolean single_record, char **ret_text, gsize *ret_len,
              GError **error)
{
  int fd = pl_open_and_read(path, single_record, ret_text, ret_len, error);
  if (fd < 0)
    return FALSE;
  close(fd);
  return TRUE;
}

gboolean
pl_next_line(const char **cursor, const char **ret_line, const char **ret_eol)
{
  const char *l = *cursor;
  if (*l == '\0')
    return FALSE;
  const char *eol = strchrnul(l, '\n');
  *ret_line = l;
  *ret_eol = eol;
  *cursor = *eol == '\n' ? eol + 1 : eol;
  return TRUE;
}

gboolean
pl_read_file(const char *path, char **ret_text, gsize *ret_len, GError **error)
{
  if (pl_cgfile_cacheable(path))
    return pl_cgfile_read(path, ret_text, ret_len, error);
  return read_uncached(path, FALSE, ret_text, ret_len, error);
}

gboolean
pl_read_record(const char *path, char **ret_text, GError **error)
{
  return read_uncached(path, TRUE, ret_text, NULL, error);
}

gboolean
pl_read_file_in(const char *dir, const char *name, char **ret_text, GError **error)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  return pl_read_file(path, ret_text, NULL, error);
}

gboolean
pl_parse_u64(const char *text, guint64 *ret_value)
{
  while (g_ascii_isspace(*text))
    text++;
  if (!g_ascii_isdigit(*text))
    return FALSE;
  errno = 0;
  char *end = NULL;
  guint64 v = g_ascii_strtoull(text, &end, 10);
  if (errno != 0 || end == text)
    return FALSE;
  while (g_ascii_isspace(*end))
    end++;
  if (*end != '\0')
    return FALSE;
  *ret_value = v;
  return TRUE;
}

/* v1 reports "no limit" as 2^63 rounded down to a page (9223372036854771712); anything
 * this large cannot be a real amount of memory, so it means unlimited too. */
#define PL_ABSURD_LIMIT (G_GUINT64_CONSTANT(1) << 62)

gboolean
pl_parse_limit(const char *text, guint64 *ret_value)
{
  g_autofree char *s = g_strstrip(g_strdup(text));
  guint64 v;

  if (strcmp(s, "max") == 0 || strcmp(s, "-1") == 0) {
    *ret_value = PL_UNLIMITED;
    return TRUE;
  }
  if (!pl_parse_u64(s, &v))
    return FALSE;
  *ret_value = v >= PL_ABSURD_LIMIT ? PL_UNLIMITED : v;
  return TRUE;
}

gboolean
pl_keyed_limit(const char *text, const char *key, guint64 *ret_value)
{
  guint64 v;

  if (!pl_keyed_u64(text, key, &v))
    return FALSE;
  *ret_value = v >= PL_ABSURD_LIMIT ? PL_UNLIMITED : v;
  return TRUE;
}

guint64
pl_read_limit_in(const char *dir, const char *name)
{
  g_autofree char *text = NULL;
  guint64 v;

  if (!pl_read_file_in(dir, name, &text, NULL) || !pl_parse_limit(text, &v))
    return PL_UNLIMITED;
  return v;
}

gboolean
pl_read_u64_in(const char *dir, const char *name, guint64 *ret_value)
{
  g_autofree char *text = NULL;

  return pl_read_file_in(dir, name, &text, NULL) && pl_parse_u64(text, ret_value);
}

gboolean
pl_keyed_u64(const char *text, const char *key, guint64 *ret_value)
{
  size_t klen = strlen(key);
  const char *p = text;

  while (p != NULL && *p != '\0') {
    if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
      char *end = NULL;
      const char *num = p + klen + 1;
      if (!g_ascii_isdigit(*num))
        return FALSE;
      guint64 v = g_ascii_strtoull(num, &end, 10);
      if (end == num || (*end != '\n' && *end != '\0'))
        return FALSE;
      *ret_value = v;
      return TRUE;
    }
    p = strchr(p, '\n');
    if (p != NULL)
      p++;
  }
  return FALSE;
}
