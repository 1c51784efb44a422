/* Renders /proc/stat for a container. */
#include "proclens/cpu_views.h"

#include <string.h>

#define NS_PER_TICK (G_GUINT64_CONSTANT(1000000000) / PL_USER_HZ)

static void
append_fields(GString *out, const guint64 *v)
{
  for (guint i = 0; i < PL_STAT_CPU_FIELDS; i++)
    g_string_append_printf(out, " %" G_GUINT64_FORMAT, v[i]);
  g_string_append_c(out, '\n');
}

/* Only user, system and idle are known for a cgroup; the rest is 0 (nice time is in
 * user, and interrupts are not accounted to cgroups). */
static void
times_to_fields(const PlCpuTimes *t, guint64 *v)
{
  memset(v, 0, sizeof(guint64) * PL_STAT_CPU_FIELDS);
  v[0] = t->user / NS_PER_TICK;
  v[2] = t->system / NS_PER_TICK;
  v[3] = t->idle / NS_PER_TICK;
}

void
pl_render_stat(const PlHostStat *host, const PlStatModel *m, GString *out)
{
  const PlCpuView *view = m->view;
  guint64 total[PL_STAT_CPU_FIELDS] = {0};
  guint64 v[PL_STAT_CPU_FIELDS];
  g_autoptr(GString) lines = g_string_new(NULL);

  for (guint i = 0; i < view->n; i++) {
    if (m->cpus != NULL) {
      times_to_fields(&m->cpus[i], v);
    } else {
      const PlStatCpuLine *h = pl_host_stat_cpu(host, (guint)pl_cpuset_nth(&view->visible, i));
      if (h != NULL)
        memcpy(v, h->v, sizeof v);
      else
        memset(v, 0, sizeof v);
      for (guint f = 0; f < PL_STAT_CPU_FIELDS; f++)
        total[f] += v[f];
    }
    g_string_append_printf(lines, "cpu%u", i);
    append_fields(lines, v);
  }
  if (m->cpus != NULL)
    times_to_fields(m->total, total);
  g_string_append(out, "cpu ");
  append_fields(out, total);
  g_string_append_len(out, lines->str, (gssize)lines->len);

  for (guint i = 0; i < host->other->len; i++) {
    const char *line = host->other->pdata[i];
    if (m->has_btime && g_str_has_prefix(line, "btime "))
      g_string_append_printf(out, "btime %" G_GUINT64_FORMAT "\n", m->btime);
    else if (m->has_tasks && g_str_has_prefix(line, "processes "))
      g_string_append_printf(out, "processes %" G_GUINT64_FORMAT "\n", m->processes);
    else if (m->has_tasks && g_str_has_prefix(line, "procs_running "))
      g_string_append_printf(out, "procs_running %" G_GUINT64_FORMAT "\n", m->running);
    else if (m->has_tasks && g_str_has_prefix(line, "procs_blocked "))
      g_string_append_printf(out, "procs_blocked %" G_GUINT64_FORMAT "\n", m->blocked);
    else
      g_string_append_printf(out, "%s\n", line);
  }
}

void
pl_render_cpu_range(guint n, GString *out)
{
  if (n <= 1)
    g_string_append(out, "0\n");
  else
    g_string_append_printf(out, "0-%u\n", n - 1);
}
