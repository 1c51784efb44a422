/* Kept-open /proc/TID files: the daemon reads the caller's /proc/TID/cgroup on every
 * request, and /proc/TID/stat of each task of a small container for proc/stat and
 * proc/loadavg. One pread(2) at offset 0 of a kept descriptor (procfs regenerates the
 * text there) replaces an open, a read and a close with a path walk.
 *
 * Safe against pid reuse: a procfs descriptor stays bound to the task it was opened for,
 * and once that task is gone every read fails with ESRCH, even when a new task got the
 * same number; the descriptor is then dropped and the path opened again, which reaches
 * the new task (or fails: the task exited mid-request).
 *
 * Bounded: PL_TASK_FILE_SLOTS descriptors per kind of file at most (fewer when
 * RLIMIT_NOFILE is low), in slots chosen by tid; a tid whose slot holds another's
 * replaces it. Frequent readers (top, monitoring agents, the benchmark) keep theirs;
 * one-shot readers cost what they did before. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#define PL_TASK_FILE_SLOTS 1024

typedef enum {
  PL_TASK_FILE_CGROUP, /* /proc/TID/cgroup */
  PL_TASK_FILE_STAT,   /* /proc/TID/stat */
  PL_TASK_FILE_KINDS
} PlTaskFile;

/* Turns the cache on for this process (proclensd does at start); until then, and for
 * files that are not on procfs (fixture trees), reads are a plain open/read/close. */
void pl_task_files_enable(void);

/* Reads PROC_ROOT/TID/<file> whole. Errors as pl_read_file's. */
gboolean pl_task_file_read(PlTaskFile file, const char *proc_root, pid_t tid, char **ret_text,
                           GError **error);

/* Number of descriptors of that kind kept (for tests). */
guint pl_task_files_kept(PlTaskFile file);
