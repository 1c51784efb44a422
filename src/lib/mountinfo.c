/* /proc/PID/mountinfo parsing: the fields of proc(5), optional fields skipped. */
#include "proclens/mountinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

void
pl_mount_free(PlMount *m)
{
  if (m == NULL)
    return;
  g_free(m->root);
  g_free(m->mountpoint);
  g_free(m->options);
  g_free(m->fstype);
  g_free(m->source);
  g_free(m);
}

static gboolean
is_octal(char c)
{
  return c >= '0' && c <= '7';
}

char *
pl_mountinfo_unescape(const char *s)
{
  GString *out = g_string_new(NULL);
  for (; *s != '\0'; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && is_octal(s[2]) && is_octal(s[3])) {
      g_string_append_c(out, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
      s += 3;
    } else {
      g_string_append_c(out, *s);
    }
  }
  return g_string_free(out, FALSE);
}

static gboolean
parse_int(const char *s, int *ret)
{
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0 || v > G_MAXINT)
    return FALSE;
  *ret = (int)v;
  return TRUE;
}

static gboolean
parse_dev(const char *s, dev_t *ret)
{
  unsigned int maj, min;
  int used = 0;
  if (sscanf(s, "%u:%u%n", &maj, &min, &used) != 2 || s[used] != '\0')
    return FALSE;
  *ret = makedev(maj, min);
  return TRUE;
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": fields 0-5, then
 * optional fields up to "-", then fstype and source. */
static PlMount *
parse_line(const char *line)
{
  g_auto(GStrv) f = g_strsplit(line, " ", -1);
  guint n = g_strv_length(f);
  g_autoptr(PlMount) m = g_new0(PlMount, 1);

  if (n < 9 || !parse_int(f[0], &m->id) || !parse_int(f[1], &m->parent_id) ||
      !parse_dev(f[2], &m->dev))
    return NULL;
  guint sep = 6;
  while (sep < n && strcmp(f[sep], "-") != 0)
    sep++;
  if (sep + 2 >= n)
    return NULL;
  m->root = pl_mountinfo_unescape(f[3]);
  m->mountpoint = pl_mountinfo_unescape(f[4]);
  m->options = g_strdup(f[5]);
  m->fstype = pl_mountinfo_unescape(f[sep + 1]);
  m->source = pl_mountinfo_unescape(f[sep + 2]);
  return g_steal_pointer(&m);
}

GPtrArray *
pl_mountinfo_parse(const char *text)
{
  GPtrArray *mounts = g_ptr_array_new_with_free_func((GDestroyNotify)pl_mount_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    PlMount *m = parse_line(*l);
    if (m != NULL)
      g_ptr_array_add(mounts, m);
  }
  return mounts;
}

gboolean
pl_mount_has_option(const PlMount *m, const char *opt)
{
  g_auto(GStrv) opts = g_strsplit(m->options, ",", -1);
  return g_strv_contains((const char *const *)opts, opt);
}

const PlMount *
pl_mountinfo_find_id(GPtrArray *mounts, int id)
{
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (m->id == id)
      return m;
  }
  return NULL;
}

gboolean
pl_mountinfo_is_covered(GPtrArray *mounts, const PlMount *mount)
{
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (m->parent_id == mount->id && m != mount && strcmp(m->mountpoint, mount->mountpoint) == 0)
      return TRUE;
  }
  return FALSE;
}

const PlMount *
pl_mountinfo_top_at(GPtrArray *mounts, const char *path)
{
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (strcmp(m->mountpoint, path) == 0 && !pl_mountinfo_is_covered(mounts, m))
      return m;
  }
  return NULL;
}
