/* Renderers of the CPU and time files: pure functions from host figures and a container's
 * model to the kernel's text, byte for byte. No I/O here. */
#pragma once

#include "proclens/cpu.h"
#include "proclens/host_cpu.h"
#include "proclens/stat_state.h"
#include <glib.h>

/* USER_HZ: /proc/stat and /proc/PID/stat count in these ticks on every Linux architecture. */
#define PL_USER_HZ 100

/* What proc/stat shows of a container. */
typedef struct {
  const PlCpuView *view;
  const PlCpuTimes *cpus;  /* view->n entries; NULL: the host's lines of the visible CPUs */
  const PlCpuTimes *total; /* with cpus */
  gboolean has_tasks;
  guint64 processes, running, blocked;
  gboolean has_btime;
  guint64 btime;
} PlStatModel;

/* stat: "cpu" and "cpuN" lines for the visible CPUs (renumbered), the container's task
 * figures and btime, the host's other lines in the host's order. */
void pl_render_stat(const PlHostStat *host, const PlStatModel *model, GString *out);

/* cpuinfo: one stanza per visible CPU, renumbered, from the host stanza of the CPU it maps
 * to; "siblings" and "cpu cores" count what is shown. Stanzas that do not start with a
 * "processor : N" line (headers and trailers of other architectures) pass through. */
void pl_render_cpuinfo(const char *host_cpuinfo, const PlCpuView *view, GString *out);

/* uptime: "%lu.%02lu %lu.%02lu\n" from hundredths of a second. */
void pl_render_uptime(guint64 uptime_cs, guint64 idle_cs, GString *out);

/* online/possible/present: "0-(n-1)\n" (or "0\n"). */
void pl_render_cpu_range(guint n, GString *out);

/* A host sysfs CPU file as the container sees it: CPU lists (*_list, a NUMA node's cpulist,
 * and at the top of sys/devices/system/cpu also offline, isolated, nohz_full, enabled) and
 * CPU masks (thread_siblings, shared_cpu_map, a node's cpumap, ...) keep only visible CPUs,
 * renumbered; every other
 * file is the host's text. name is the file's base name; top_level tells whether it sits
 * directly in sys/devices/system/cpu (where cpuN/online, a flag, is not). */
void pl_render_sysfs_cpu_file(const char *name, gboolean top_level, const char *host_text,
                              const PlCpuView *view, GString *out);
