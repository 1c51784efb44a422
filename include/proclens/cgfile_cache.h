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
 * PL_CGFILE_IDLE_SEC are closed, a few at a time on later reads, and all of them by
 * pl_cgfile_close_idle (the daemon calls it every PL_CGFILE_IDLE_SEC while some are
 * kept: an open file keeps a removed cgroup in the kernel). At most half of
 * RLIMIT_NOFILE are kept. */
#pragma once

#include <glib.h>

#define PL_CGFILE_IDLE_SEC 10

/* Turns the cache on for this process (proclensd does at start); until then
 * pl_cgfile_read is a plain open/read/close. first_kept, if not NULL, is called (from the
 * reading thread, outside the cache's lock) whenever the cache goes from empty to one
 * kept file: the daemon's sweeper then starts its periodic pl_cgfile_close_idle. */
void pl_cgfile_cache_enable(void (*first_kept)(void));

/* Whether path is one the cache may keep (a controller's value file, by its name). */
gboolean pl_cgfile_cacheable(const char *path);

/* Reads path whole, through a kept descriptor when cacheable and the cache is on. Errors
 * as pl_read_file's. */
gboolean pl_cgfile_read(const char *path, char **ret_text, gsize *ret_len, GError **error);

/* Closes every descriptor idle for PL_CGFILE_IDLE_SEC or more. */
void pl_cgfile_close_idle(void);

/* Number of descriptors kept. */
guint pl_cgfile_kept(void);
