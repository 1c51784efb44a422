/* Pure parsers for the sizes and CPU amounts of run's options. */
#pragma once

#include <glib.h>

/* Parses a docker-style size: a decimal number with an optional unit b, k, m, g, t (powers of
 * 1024, case-insensitive, an optional trailing "b" as in "256mb"). "1.5g" is allowed; the
 * result is rounded down to a byte. Zero and negative sizes are refused. */
gboolean plc_parse_size(const char *text, gint64 *ret_bytes, GError **error);

/* Like plc_parse_size but "-1" means unlimited (returned as -1): for --memory-swap. */
gboolean plc_parse_size_or_unlimited(const char *text, gint64 *ret_bytes, GError **error);

/* Parses --cpus: a positive decimal with up to 9 fractional digits, as nano-CPUs
 * ("1.5" -> 1500000000). At least 0.01 CPU (the kernel's 1 ms quota per 100 ms). */
gboolean plc_parse_cpus(const char *text, gint64 *ret_nano_cpus, GError **error);

/* The CFS quota for nano_cpus with the given period (both microseconds). */
gint64 plc_cpus_quota_us(gint64 nano_cpus, gint64 period_us);

/* Parses a CPU list such as "0", "0-3", "0,2-3" and checks its shape (not the host's CPUs). */
gboolean plc_parse_cpu_list(const char *text, GError **error);

/* Parses a positive decimal (for --pids-limit; -1 or 0 means unlimited and gives -1). */
gboolean plc_parse_pids_limit(const char *text, gint64 *ret_limit, GError **error);

/* Parses UID[:GID] (numbers only). ret_has_gid tells whether a GID was given. */
gboolean plc_parse_user(const char *text, guint32 *ret_uid, guint32 *ret_gid, gboolean *ret_has_gid,
                        GError **error);
