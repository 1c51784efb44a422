/* Parses the host's /proc/stat and /proc/uptime. */
#include "proclens/host_cpu.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <string.h>

void
pl_host_stat_clear(PlHostStat *stat)
{
  g_clear_pointer(&stat->cpus, g_array_unref);
  g_clear_pointer(&stat->other, g_ptr_array_unref);
  memset(stat, 0, sizeof *stat);
}

/* Reads up to PL_STAT_CPU_FIELDS numbers; older kernels print fewer (missing ones are 0). */
static gboolean
parse_fields(const char *p, guint64 *v)
{
  memset(v, 0, sizeof(guint64) * PL_STAT_CPU_FIELDS);
  for (guint i = 0; i < PL_STAT_CPU_FIELDS; i++) {
    while (*p == ' ')
      p++;
    if (*p == '\0')
      return i >= 4;
    if (!g_ascii_isdigit(*p))
      return FALSE;
    char *end;
    v[i] = g_ascii_strtoull(p, &end, 10);
    p = end;
  }
  return TRUE;
}

gboolean
pl_host_stat_parse(const char *text, PlHostStat *ret_stat, GError **error)
{
  g_auto(PlHostStat) s = {0};
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

  s.cpus = g_array_new(FALSE, FALSE, sizeof(PlStatCpuLine));
  s.other = g_ptr_array_new_with_free_func(g_free);
  for (char **l = lines; *l != NULL; l++) {
    const char *line = *l;
    if (*line == '\0')
      continue;
    if (g_str_has_prefix(line, "cpu ")) {
      if (!parse_fields(line + 3, s.total))
        goto malformed;
    } else if (g_str_has_prefix(line, "cpu") && g_ascii_isdigit(line[3])) {
      PlStatCpuLine c;
      char *end;
      guint64 cpu = g_ascii_strtoull(line + 3, &end, 10);
      if (*end != ' ' || cpu >= G_MAXINT || !parse_fields(end, c.v))
        goto malformed;
      c.cpu = (int)cpu;
      g_array_append_val(s.cpus, c);
    } else {
      if (g_str_has_prefix(line, "btime "))
        pl_parse_u64(line + 6, &s.btime);
      g_ptr_array_add(s.other, g_strdup(line));
    }
    continue;
  malformed:
    pl_set_errno(error, EINVAL, "malformed stat line '%.40s'", line);
    return FALSE;
  }
  *ret_stat = s;
  memset(&s, 0, sizeof s);
  return TRUE;
}

const PlStatCpuLine *
pl_host_stat_cpu(const PlHostStat *stat, guint cpu)
{
  for (guint i = 0; i < stat->cpus->len; i++) {
    const PlStatCpuLine *c = &g_array_index(stat->cpus, PlStatCpuLine, i);
    if (c->cpu == (int)cpu)
      return c;
  }
  return NULL;
}

/* "123.45" -> 12345 */
static gboolean
parse_centi(const char **p, guint64 *ret)
{
  char *end;
  if (!g_ascii_isdigit(**p))
    return FALSE;
  guint64 whole = g_ascii_strtoull(*p, &end, 10);
  guint64 frac = 0;
  if (*end == '.') {
    const char *f = end + 1;
    if (!g_ascii_isdigit(f[0]) || !g_ascii_isdigit(f[1]))
      return FALSE;
    frac = (guint64)(f[0] - '0') * 10 + (guint64)(f[1] - '0');
    end = (char *)f + 2;
    while (g_ascii_isdigit(*end))
      end++;
  }
  *ret = whole * 100 + frac;
  *p = end;
  return TRUE;
}

gboolean
pl_host_uptime_parse(const char *text, guint64 *ret_uptime_cs, guint64 *ret_idle_cs)
{
  const char *p = text;
  guint64 up, idle;

  if (!parse_centi(&p, &up) || *p++ != ' ' || !parse_centi(&p, &idle))
    return FALSE;
  *ret_uptime_cs = up;
  *ret_idle_cs = idle;
  return TRUE;
}
