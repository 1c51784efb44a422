/* The steps the CPU and time producers share: from a calling process to its CPU view,
 * its container's age and its CPU time counters. */
#pragma once

#include "proclens/context.h"
#include "proclens/cpu.h"
#include "proclens/stat_state.h"
#include "proclens/tasks.h"
#include <glib.h>
#include <sys/types.h>

typedef struct {
  PlCgMembership membership;
  PlCpuView view;
  gboolean host; /* show the host's files: pid 0, or a caller in the root cgroups seeing
                  * every CPU without a quota */
} PlCallerCpu;

void pl_caller_cpu_clear(PlCallerCpu *caller);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlCallerCpu, pl_caller_cpu_clear)

/* The host's online CPUs: sysfs, else the CPUs the daemon itself could run on. */
void pl_host_online(const PlContext *ctx, PlCpuSet *ret_online);

/* Resolves the caller (ESRCH when it vanished). */
gboolean pl_caller_cpu(const PlContext *ctx, pid_t pid, PlCallerCpu *ret_caller, GError **error);

/* The caller's boot as its pid namespace sees it: uptime and boot time. ret_host_ns is TRUE
 * in the host's pid namespace (the host's own figures then). */
gboolean pl_caller_boot(const PlContext *ctx, pid_t pid, guint64 *ret_uptime_cs,
                        guint64 *ret_host_uptime_cs, guint64 *ret_host_idle_cs,
                        gboolean *ret_host_ns, guint64 *ret_start_cs, GError **error);

/* The container's CPU times as proc/stat shows them (monotonic per container). FALSE when
 * its cgroup accounts no CPU time (the host's figures are shown then). ret_cpus gets
 * view.n entries; ret_counts the current tasks (total 0 if unknown) — NULL skips counting
 * them (it costs a read per task), and ret_has_tasks/ret_processes are then unset. */
gboolean pl_caller_cpu_times(const PlContext *ctx, const PlCallerCpu *caller, guint64 age_ns,
                             PlCpuTimes *ret_cpus, PlCpuTimes *ret_total, guint64 *ret_processes,
                             PlTaskCounts *ret_counts, gboolean *ret_has_tasks);
