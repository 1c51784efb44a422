/* Per-container load averages, computed like the kernel's: every 5 s, the number of
 * runnable and uninterruptible tasks of each tracked cgroup is folded into three
 * exponentially decaying averages in 11-bit fixed point. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* include/linux/sched/loadavg.h */
#define PL_FSHIFT 11
#define PL_FIXED_1 (G_GUINT64_CONSTANT(1) << PL_FSHIFT)
#define PL_EXP_1 1884  /* 1/exp(5sec/1min) as fixed-point */
#define PL_EXP_5 2014  /* 1/exp(5sec/5min) */
#define PL_EXP_15 2037 /* 1/exp(5sec/15min) */
#define PL_LOAD_FREQ_SEC 5

/* One step of the kernel's calc_load(): active is tasks * PL_FIXED_1. */
guint64 pl_calc_load(guint64 load, guint64 exp, guint64 active);
/* Folds nr_active tasks into avenrun[3] (1, 5, 15 minutes). */
void pl_loadavg_fold(guint64 avenrun[3], guint nr_active);

/* Renders proc/loadavg: "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n". */
void pl_render_loadavg(const guint64 avenrun[3], guint running, guint total, pid_t last_pid,
                       GString *out);

typedef struct PlLoadavg PlLoadavg;

/* At most this many cgroups are sampled; the least recently read go first. */
#define PL_LOADAVG_MAX 1024

PlLoadavg *pl_loadavg_new(const char *proc_root);
/* Stops the sampler thread (if started) and frees everything. */
void pl_loadavg_free(PlLoadavg *loadavg);

/* The averages of the cgroup directory dir (v2: a cgroup2 directory), which is tracked
 * from now on while it is read at least every 10 minutes and exists. The sampler thread
 * starts on the first call. A newly tracked cgroup starts at 0, like a booting kernel. */
void pl_loadavg_get(PlLoadavg *loadavg, const char *dir, gboolean v2, guint64 ret_avenrun[3]);

/* Runs one sampling pass now (tests; the thread calls it every 5 s). */
void pl_loadavg_sample_all(PlLoadavg *loadavg);
guint pl_loadavg_tracked(PlLoadavg *loadavg);
