/* The virtual files: for each path under the mount, the function that produces its
 * content for a calling process. The FUSE front serves exactly this table. */
#pragma once

#include "proclens/context.h"
#include <glib.h>
#include <sys/types.h>

/* Produces the file's text for caller pid (a thread id in the daemon's pid namespace;
 * 0 when the caller is invisible there: produce the host's view). Errors are in
 * PL_ERRNO_ERROR so the front can answer with the errno. */
typedef gboolean (*PlProduceFn)(const PlContext *ctx, pid_t pid, GString *out, GError **error);

typedef struct {
  const char *path; /* relative to the mount, e.g. "proc/meminfo" */
  PlProduceFn produce;
} PlVfile;

/* NULL-terminated table of every file served. */
extern const PlVfile pl_vfiles[];

const PlVfile *pl_vfile_lookup(const char *path);

/* The producers, one per file (vfile_*.c). */
gboolean pl_produce_meminfo(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_swaps(const PlContext *ctx, pid_t pid, GString *out, GError **error);
