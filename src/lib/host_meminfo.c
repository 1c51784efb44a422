/* Parses the host's /proc/meminfo, keeping its order and units. */
#include "proclens/host.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <string.h>

void
pl_host_meminfo_clear(PlHostMeminfo *meminfo)
{
  g_clear_pointer(&meminfo->lines, g_array_unref);
}

/* "Key:   <spaces>  123 kB" or "HugePages_Total:       0": the line is [line, eol). */
static gboolean
parse_line(const char *line, const char *eol, PlMeminfoLine *ret)
{
  const char *colon = memchr(line, ':', eol - line);
  if (colon == NULL || colon == line || (gsize)(colon - line) >= sizeof ret->key)
    return FALSE;
  memset(ret, 0, sizeof *ret);
  memcpy(ret->key, line, colon - line);
  const char *p = colon + 1;
  while (p < eol && *p == ' ')
    p++;
  if (p == eol || !g_ascii_isdigit(*p))
    return FALSE;
  char *end = NULL;
  ret->value = g_ascii_strtoull(p, &end, 10);
  if (eol - end == 3 && memcmp(end, " kB", 3) == 0)
    ret->has_unit = TRUE;
  else if (end != eol)
    return FALSE;
  return TRUE;
}

/* Walks the text in place (it is parsed on every request: no copy per line). */
gboolean
pl_host_meminfo_parse(const char *text, PlHostMeminfo *ret_meminfo, GError **error)
{
  g_autoptr(GArray) lines = g_array_sized_new(FALSE, FALSE, sizeof(PlMeminfoLine), 64);

  const char *cursor = text, *l, *eol;
  while (pl_next_line(&cursor, &l, &eol)) {
    PlMeminfoLine line;
    if (eol == l)
      continue;
    if (!parse_line(l, eol, &line)) {
      g_autofree char *bad = g_strndup(l, eol - l);
      pl_set_errno(error, EINVAL, "malformed meminfo line '%s'", bad);
      return FALSE;
    }
    g_array_append_val(lines, line);
  }
  ret_meminfo->lines = g_steal_pointer(&lines);
  return TRUE;
}

gboolean
pl_host_meminfo_read(const char *proc_root, PlHostMeminfo *ret_meminfo, GError **error)
{
  g_autofree char *path = g_build_filename(proc_root, "meminfo", NULL);
  g_autofree char *text = NULL;

  if (!pl_read_file(path, &text, NULL, error))
    return FALSE;
  return pl_host_meminfo_parse(text, ret_meminfo, error);
}

guint64
pl_host_meminfo_get(const PlHostMeminfo *meminfo, const char *key)
{
  for (guint i = 0; i < meminfo->lines->len; i++) {
    const PlMeminfoLine *l = &g_array_index(meminfo->lines, PlMeminfoLine, i);
    if (strcmp(l->key, key) == 0)
      return l->value;
  }
  return 0;
}
