/* Renders /proc/diskstats for a container. */
#include "proclens/diskio.h"

#include <stdio.h>
#include <string.h>

static const PlDevIo *
find_dev(const GArray *devs, guint major, guint minor)
{
  for (guint i = 0; i < devs->len; i++) {
    const PlDevIo *d = &g_array_index(devs, PlDevIo, i);
    if (d->major == major && d->minor == minor)
      return d;
  }
  return NULL;
}

/* Counts the numbers after the device name: 11 (before 4.18), 15 (4.18), 17 (5.5+). */
static guint
host_field_count(const char *rest)
{
  guint n = 0;
  for (const char *p = rest; *p != '\0';) {
    while (*p == ' ')
      p++;
    if (*p == '\0')
      break;
    n++;
    while (*p != ' ' && *p != '\0')
      p++;
  }
  return n;
}

void
pl_render_diskstats(const char *host_diskstats, const GArray *devs, GString *out)
{
  g_auto(GStrv) lines = g_strsplit(host_diskstats, "\n", -1);

  for (char **l = lines; *l != NULL; l++) {
    guint major, minor;
    char name[64];
    int used = 0;
    if (sscanf(*l, "%u %u %63s%n", &major, &minor, name, &used) != 3)
      continue;
    /* Every host device stays listed (iostat, vmstat -d and exporters look devices up by
     * name and expect a stable set); one the cgroup never used counts zero. */
    static const PlDevIo unused;
    const PlDevIo *d = find_dev(devs, major, minor);
    if (d == NULL)
      d = &unused;
    guint nfields = MIN(host_field_count(*l + used), 17);
    /* reads merged sectors ms, writes merged sectors ms, in_flight io_ms weighted_ms,
     * discards merged sectors ms, flushes ms: a cgroup counts requests and bytes only. */
    guint64 v[17] = {0};
    v[0] = d->rios;
    v[2] = d->rbytes / 512;
    v[4] = d->wios;
    v[6] = d->wbytes / 512;
    v[11] = d->dios;
    v[13] = d->dbytes / 512;
    /* The kernel's "%4d %7d %s" prefix, then one space before each number. */
    g_string_append_printf(out, "%4u %7u %s", major, minor, name);
    for (guint i = 0; i < nfields; i++)
      g_string_append_printf(out, " %" G_GUINT64_FORMAT, v[i]);
    g_string_append_c(out, '\n');
  }
}
