/* sysinfo(2) as a container sees it: a struct sysinfo filled from the same model code
 * that renders proc/meminfo, proc/uptime and proc/loadavg (one truth, two faces). */
#pragma once

#include "proclens/context.h"
#include <glib.h>
#include <sys/sysinfo.h>
#include <sys/types.h>

/* The kernel's sysinfo loads are in 16-bit fixed point (SI_LOAD_SHIFT). */
#define PL_SI_LOAD_SHIFT 16

/* totalram, freeram, sharedram, bufferram, totalswap, freeswap (bytes, mem_unit 1) =
 * MemTotal, MemFree, Shmem, Buffers, SwapTotal, SwapFree of pid's meminfo. */
gboolean pl_sysinfo_memory(const PlContext *ctx, pid_t pid, struct sysinfo *info,
                           GError **error);

/* uptime (seconds, as proc/uptime), loads (proc/loadavg's averages, fixed point) and procs
 * (the container's threads, proc/loadavg's total; capped at 65535). */
gboolean pl_sysinfo_time(const PlContext *ctx, pid_t pid, struct sysinfo *info, GError **error);

/* The whole struct for caller pid (a thread id in ctx's pid namespace; 0: the host's).
 * ret_info is zeroed first and untouched on failure. */
gboolean pl_sysinfo_fill(const PlContext *ctx, pid_t pid, struct sysinfo *ret_info,
                         GError **error);

/* A load average as proc/loadavg prints it ("0.52") in sysinfo's fixed point. */
gboolean pl_sysinfo_parse_load(const char *text, unsigned long *ret_load);
