/* Small file readers and number parsers shared by every source. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* "No limit": what `max`, missing files and absurd values turn into. */
#define PL_UNLIMITED UINT64_MAX

/* Reads a whole (small, procfs/cgroupfs-style) file into a NUL-terminated string.
 * Errors are in PL_ERRNO_ERROR with the path named. A controller's value file goes
 * through the kept-open descriptors of cgfile_cache.h once that cache is enabled. */
gboolean pl_read_file(const char *path, char **ret_text, gsize *ret_len, GError **error);

/* Reads a file the kernel writes with one show() call (/proc/TID/stat, status, cgroup: a
 * single_open seq_file) with one read: its first short read is the end. */
gboolean pl_read_record(const char *path, char **ret_text, GError **error);

/* Opens path and reads it whole (as pl_pread_whole); the descriptor stays open for the
 * caller, who may keep it (cgfile_cache.h, task_files.h). -1 with error set. */
int pl_open_and_read(const char *path, gboolean single_record, char **ret_text, gsize *ret_len,
                     GError **error);

/* Steps *cursor over text one line at a time, in place: the line is [*ret_line, *ret_eol)
 * without its newline (the last one may have none). FALSE at the end. */
gboolean pl_next_line(const char **cursor, const char **ret_line, const char **ret_eol);

/* Reads fd whole from offset 0 into a NUL-terminated string; its length, or -1 with
 * errno set. single_record: the file is one seq_file record (a cgroup value file), so
 * the first short read is its end. */
gssize pl_pread_whole(int fd, gboolean single_record, char **ret_text);

/* Same, relative to a directory; dir and name are joined with one '/'. */
gboolean pl_read_file_in(const char *dir, const char *name, char **ret_text, GError **error);

/* Parses a decimal unsigned 64-bit number, surrounding whitespace allowed. */
gboolean pl_parse_u64(const char *text, guint64 *ret_value);

/* Parses a cgroup limit: a number, or "max" / "-1" for no limit. Values at or above
 * 2^62 (v1's "unlimited" is 2^63 - page size) also mean no limit. */
gboolean pl_parse_limit(const char *text, guint64 *ret_value);

/* Reads a limit file in dir; a missing, unreadable or malformed file means no limit. */
guint64 pl_read_limit_in(const char *dir, const char *name);

/* Reads one number from a file in dir; FALSE (and *ret_value untouched) if missing or malformed. */
gboolean pl_read_u64_in(const char *dir, const char *name, guint64 *ret_value);

/* Looks up `key` in "key value\n" text (memory.stat, cpu.stat); FALSE if absent or malformed. */
gboolean pl_keyed_u64(const char *text, const char *key, guint64 *ret_value);

/* The same for a limit (v1's hierarchical_memory_limit): absurd values mean no limit. */
gboolean pl_keyed_limit(const char *text, const char *key, guint64 *ret_value);
