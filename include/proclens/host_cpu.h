/* The host's CPU-related /proc files, parsed: stat, uptime. */
#pragma once

#include <glib.h>

#define PL_STAT_CPU_FIELDS 10 /* user nice system idle iowait irq softirq steal guest guest_nice   \
                               */

typedef struct {
  int cpu; /* host CPU number */
  guint64 v[PL_STAT_CPU_FIELDS];
} PlStatCpuLine;

typedef struct {
  guint64 total[PL_STAT_CPU_FIELDS]; /* the "cpu" line */
  GArray *cpus;                      /* of PlStatCpuLine, in the host's order */
  GPtrArray *other;                  /* every other line, verbatim without its newline */
  guint64 btime;
} PlHostStat;

void pl_host_stat_clear(PlHostStat *stat);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlHostStat, pl_host_stat_clear)

gboolean pl_host_stat_parse(const char *text, PlHostStat *ret_stat, GError **error);
/* The host's line for host CPU cpu, or NULL. */
const PlStatCpuLine *pl_host_stat_cpu(const PlHostStat *stat, guint cpu);

/* /proc/uptime: both figures in hundredths of a second. */
gboolean pl_host_uptime_parse(const char *text, guint64 *ret_uptime_cs, guint64 *ret_idle_cs);
