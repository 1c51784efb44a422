/* The tasks of a container: which threads its cgroup holds and what state they are in. */
#pragma once

#include "proclens/cgroup.h"
#include <glib.h>
#include <sys/types.h>

/* At most this many threads are looked at per container (the cost of a read is bounded). */
#define PL_TASKS_MAX 65536

typedef struct {
  guint total;   /* threads */
  guint running; /* state R */
  guint blocked; /* state D (uninterruptible): counts in the load average */
  pid_t max_tid; /* the highest thread id (host numbering); 0 when none */
} PlTaskCounts;

/* The cgroup whose task lists describe the container: cpuacct, cpu, pids, else the v2
 * path. FALSE when none is known. */
gboolean pl_cg_task_node(const PlCgLayout *layout, const PlCgMembership *membership,
                         PlCgNode *ret_node);

/* Appends the thread ids of the cgroup directory and its descendants (v1 "tasks", v2
 * "cgroup.threads") to tids, at most PL_TASKS_MAX. FALSE when dir cannot be read. */
gboolean pl_cg_tasks_collect(const char *dir, gboolean v2, GArray *tids);

/* Bounds pl_cg_tasks_collect in the calling thread to max tasks (0: PL_TASKS_MAX again)
 * and clears the mark below. The daemon's request thread renders small cgroups itself and
 * hands bigger ones to its worker pool: it sets a bound, renders, and if the bound was
 * hit throws the render away. */
void pl_tasks_limit_thread(guint max);

/* Whether a task list was cut at this thread's bound since pl_tasks_limit_thread. */
gboolean pl_tasks_limit_hit(void);

/* The state letter of /proc/<tid>/stat text (after the last ')'), or 0 when malformed. */
char pl_proc_stat_state(const char *stat_text);

/* Counts tids by state, reading <proc_root>/<tid>/stat; vanished threads are skipped. */
void pl_tasks_count(const char *proc_root, const GArray *tids, PlTaskCounts *ret_counts);
