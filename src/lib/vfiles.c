/* The table of files the mount serves. */
#include "proclens/vfiles.h"

#include <string.h>

const PlVfile pl_vfiles[] = {
    {.path = "proc/meminfo", .produce = pl_produce_meminfo},
    {.path = "proc/swaps", .produce = pl_produce_swaps},
    {.path = "proc/cpuinfo", .produce = pl_produce_cpuinfo},
    {.path = "proc/stat", .produce = pl_produce_stat, .unbounded = TRUE},
    {.path = "proc/uptime", .produce = pl_produce_uptime},
    {.path = "proc/loadavg", .produce = pl_produce_loadavg, .unbounded = TRUE},
    {.path = "proc/diskstats", .produce = pl_produce_diskstats},
    {.path = "proc/pressure/cpu", .produce = pl_produce_pressure_cpu},
    {.path = "proc/pressure/memory", .produce = pl_produce_pressure_memory},
    {.path = "proc/pressure/io", .produce = pl_produce_pressure_io},
    {.path = "sys/devices/system/cpu", .dir = &pl_cpu_sysfs_dir},
    {.path = "sys/devices/system/cpu/online", .produce = pl_produce_cpu_online},
    {.path = "sys/devices/system/cpu/possible", .produce = pl_produce_cpu_possible},
    {.path = "sys/devices/system/cpu/present", .produce = pl_produce_cpu_present},
    {.path = "sys/devices/system/node", .dir = &pl_node_sysfs_dir},
    {.path = NULL},
};

const PlVfile *
pl_vfile_lookup(const char *path)
{
  for (const PlVfile *f = pl_vfiles; f->path != NULL; f++) {
    if (strcmp(f->path, path) == 0)
      return f;
  }
  return NULL;
}
