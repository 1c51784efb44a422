/* The host's whole-system files (/proc/meminfo, /proc/stat, /proc/uptime, the online CPU
 * list, ...) read at most once per interval and shared by every request: they are the
 * same for every caller, and reading them per request was a third of a read's syscalls. */
#pragma once

#include <glib.h>

/* How long a host file's text is reused: a value that changes shows in the first read
 * after at most this long (uptime's 10 ms resolution; MemFree and the CPU counters the
 * kernel itself updates no more often than that). */
#define PL_HOST_CACHE_MS 10

typedef struct PlHostCache PlHostCache;

/* interval_ms 0 reads the file every time. */
PlHostCache *pl_host_cache_new(guint interval_ms);
void pl_host_cache_free(PlHostCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlHostCache, pl_host_cache_free)

/* A copy of the text of path, read at most interval_ms ago; errors are not kept (the
 * next call tries again). Thread-safe. */
gboolean pl_host_cache_read(PlHostCache *cache, const char *path, char **ret_text, GError **error);

/* The same for <dir>/<name>. */
gboolean pl_host_cache_read_in(PlHostCache *cache, const char *dir, const char *name,
                               char **ret_text, GError **error);
