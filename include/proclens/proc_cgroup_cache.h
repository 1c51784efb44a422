/* Kept-open /proc/TID/cgroup files: the daemon reads the caller's cgroup membership on
 * every request, and one pread(2) at offset 0 of a kept descriptor (procfs regenerates
 * the text there) replaces an open, a read and a close with a path walk.
 *
 * Safe against pid reuse: a procfs descriptor stays bound to the task it was opened for,
 * and once that task is gone every read fails with ESRCH, even when a new task got the
 * same number; the descriptor is then dropped and the path opened again, which reaches
 * the new task (or fails: the caller exited mid-request).
 *
 * Bounded: PL_PROC_CGROUP_SLOTS descriptors at most, in slots chosen by tid; a tid whose
 * slot holds another's replaces it. Frequent readers (top, monitoring agents, the
 * benchmark) keep theirs; one-shot readers cost what they did before. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#define PL_PROC_CGROUP_SLOTS 256

/* Turns the cache on for this process (proclensd does at start); until then, and for
 * files that are not on procfs (fixture trees), reads are a plain open/read/close. */
void pl_proc_cgroup_cache_enable(void);

/* Reads PROC_ROOT/TID/cgroup whole. Errors as pl_read_file's. */
gboolean pl_proc_cgroup_read(const char *proc_root, pid_t tid, char **ret_text, GError **error);

/* Number of descriptors kept (for tests). */
guint pl_proc_cgroup_kept(void);
