/* Pid namespaces: when the init of a caller's pid namespace started, which is when the
 * container "booted" as far as uptime and btime go. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct PlPidnsCache PlPidnsCache;

PlPidnsCache *pl_pidns_cache_new(void);
void pl_pidns_cache_free(PlPidnsCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlPidnsCache, pl_pidns_cache_free)

/* The start time of /proc/<pid>/stat (field 22), in clock ticks since boot. */
gboolean pl_proc_stat_starttime(const char *stat_text, guint64 *ret_ticks);

/* The inode of a namespace link's target ("pid:[4026531836]"). */
gboolean pl_ns_link_inode(const char *link, guint64 *ret_inode);

/* The boot time offset of a /proc/PID/timens_offsets text, in nanoseconds (negative: the
 * namespace's CLOCK_BOOTTIME is behind the host's). FALSE when it has no boottime line. */
gboolean pl_timens_boottime_offset(const char *text, gint64 *ret_offset_ns);

/* Whether pid shares the pid namespace of <proc_root>/self (the daemon's: the host's), so
 * that it numbers tasks as the daemon does. FALSE too when it cannot be told. */
gboolean pl_pidns_is_daemons(PlPidnsCache *cache, const char *proc_root, pid_t pid);

/* Finds the init of pid's pid namespace and its start time (or, when init sits in a time
 * namespace whose boot clock started before it, when that clock read zero). *ret_host is TRUE (and
 * the start time 0) when pid shares the pid namespace of <proc_root>/self (the daemon's: it runs in
 * the host's), or when its namespace cannot be inspected. Uses ioctl(NS_GET_TGID_FROM_PIDNS) where
 * the kernel has it, else scans <proc_root>/ * /status for NSpid; results are cached by namespace
 * inode. A vanished pid gives ESRCH. */
gboolean pl_pidns_init_start(PlPidnsCache *cache, const char *proc_root, pid_t pid,
                             guint64 *ret_start_ticks, gboolean *ret_host, GError **error);
