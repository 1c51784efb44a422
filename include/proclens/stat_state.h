/* Per-container CPU time counters as shown in proc/stat and proc/uptime: kept so that
 * every counter only ever grows across reads (top computes deltas), bounded and pruned. */
#pragma once

#include "proclens/cpu.h"
#include <glib.h>

/* One CPU's (or the aggregate's) shown times, in nanoseconds. */
typedef struct {
  guint64 user, system, idle;
} PlCpuTimes;

/* One container's counters. */
typedef struct {
  guint nshown;      /* entries in shown: the most CPUs ever visible */
  PlCpuTimes *shown; /* per visible CPU index */
  PlCpuTimes total;  /* the "cpu" line: its own counter, so it grows even when n shrinks */
  PlCpuUsage prev;   /* the last raw sample; ncpus 0 before the first */
  gint64 prev_ns;    /* monotonic time of that sample */
  guint64 processes; /* largest task count seen */
} PlStatEntry;

void pl_stat_entry_clear(PlStatEntry *entry);

/* Pure: advances entry by a new raw sample taken at now_ns.
 *
 * The rule: run time since the previous sample (split into user and system as
 * PlCpuUsage describes) on a visible host CPU is credited to that
 * CPU's renumbered index; usage on host CPUs outside the visible set (quota-capped CPUs,
 * or v2 where only totals exist) is spread evenly over the visible CPUs. Each visible CPU
 * may use capacity/n of the elapsed time; what it did not use is idle. A container using
 * its whole quota thus looks fully busy, an idle one idle. The first sample starts from the
 * cumulative usage and credits idle for age_ns (the container's age) the same way. */
void pl_stat_entry_update(PlStatEntry *entry, const PlCpuUsage *raw, const PlCpuView *view,
                          gint64 now_ns, guint64 age_ns);

/* A sample that cannot be compared with the previous one (cgroup recreated): the next
 * update only records a new base. */
void pl_stat_entry_rebase(PlStatEntry *entry);

typedef struct PlStatState PlStatState;

/* How many containers the daemon keeps counters for. */
#define PL_STAT_STATE_MAX 4096

/* A table of at most max_entries containers, sharded so that readers of different
 * containers rarely share a lock. */
PlStatState *pl_stat_state_new(guint max_entries);
void pl_stat_state_free(PlStatState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlStatState, pl_stat_state_free)

/* Updates the entry for the cgroup directory key (identity cg_ino, to notice a recreated
 * cgroup) and copies out its times: ret_cpus gets view->n entries (caller-allocated),
 * ret_total the aggregate. tasks is the current task count, ret_processes the monotonic
 * figure shown. now_ns < 0 means the monotonic clock. */
void pl_stat_state_sample(PlStatState *state, const char *key, guint64 cg_ino,
                          const PlCpuUsage *raw, const PlCpuView *view, guint64 age_ns,
                          guint64 tasks, gint64 now_ns, PlCpuTimes *ret_cpus, PlCpuTimes *ret_total,
                          guint64 *ret_processes);

/* Number of containers held (for tests). */
guint pl_stat_state_size(PlStatState *state);
