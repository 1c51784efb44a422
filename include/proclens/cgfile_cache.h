/* Cgroup value files kept open: a request reads memory.stat, memory.usage_in_bytes,
 * cpu.cfs_quota_us ... with one pread(2) at offset 0 (cgroupfs regenerates a file's text
 * on every read there) instead of an open, a read and a close with a path walk.
 *
 * Only files on cgroupfs are kept, and only the value files of the controllers (names
 * starting "memory.", "cpu.", "cpuacct.", "cpuset.", "blkio.", "io.", "pids."): the task
 * lists (cgroup.procs, tasks) keep a per-open pid list that can be a second old.
 *
 * Invalidation: when a cgroup is removed, cgroupfs makes every read of its open files fail
 * with ENODEV; the kept descriptor is then dropped and the path opened again, which gives
 * ENOENT, or the files of a cgroup created since under the same name. Descriptors idle for
 * PL_CGFILE_IDLE_SEC are closed (a few at a time, on later reads: an idle daemon keeps
 * them until its next read), and at most half of RLIMIT_NOFILE are kept. */
#pragma once

#include <glib.h>

#define PL_CGFILE_IDLE_SEC 10

/* Turns the cache on for this process (proclensd does at start); until then
 * pl_cgfile_read is a plain open/read/close. */
void pl_cgfile_cache_enable(void);

/* Whether path is one the cache may keep (a controller's value file, by its name). */
gboolean pl_cgfile_cacheable(const char *path);

/* Reads path whole, through a kept descriptor when cacheable and the cache is on. Errors
 * as pl_read_file's. */
gboolean pl_cgfile_read(const char *path, char **ret_text, gsize *ret_len, GError **error);

/* Number of descriptors kept (for tests). */
guint pl_cgfile_kept(void);
