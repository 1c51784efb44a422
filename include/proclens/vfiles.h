/* The virtual files: for each path under the mount, the function that produces its
 * content for a calling process. The FUSE front serves exactly this table. */
#pragma once

#include "proclens/context.h"
#include "proclens/memory.h"
#include <glib.h>
#include <sys/types.h>

/* Produces the file's text for caller pid (a thread id in the daemon's pid namespace;
 * 0 when the caller is invisible there: produce the host's view). Errors are in
 * PL_ERRNO_ERROR so the front can answer with the errno. */
typedef gboolean (*PlProduceFn)(const PlContext *ctx, pid_t pid, GString *out, GError **error);

/* A directory whose entries depend on the caller (sys/devices/system/cpu: the cpuN/
 * directories of the caller's visible CPUs). `rel` is a path below the table entry's
 * directory ("cpu0", "cpu0/topology/core_id"); "" is the directory itself. Each returns
 * FALSE with an error in PL_ERRNO_ERROR (ENOENT for what the caller cannot see). */
typedef struct {
  /* Whether rel exists for the caller, and whether it is a directory. */
  gboolean (*lookup)(const PlContext *ctx, pid_t pid, const char *rel, gboolean *ret_is_dir,
                     GError **error);
  /* The names directly below directory rel, a trailing '/' marking directories. */
  gboolean (*list)(const PlContext *ctx, pid_t pid, const char *rel, GPtrArray *ret_names,
                   GError **error);
  /* The content of file rel. */
  gboolean (*read)(const PlContext *ctx, pid_t pid, const char *rel, GString *out,
                   GError **error);
} PlVdirOps;

typedef struct {
  const char *path;     /* relative to the mount, e.g. "proc/meminfo" */
  PlProduceFn produce;  /* NULL for a caller-dependent directory */
  const PlVdirOps *dir; /* set: path is a directory; its static children are other entries,
                         * the rest come from these operations per caller */
  gboolean unbounded;   /* its cost grows with the caller's cgroup (a read per task): the
                         * daemon renders it off its request loop */
} PlVfile;

/* NULL-terminated table of every file served. */
extern const PlVfile pl_vfiles[];

const PlVfile *pl_vfile_lookup(const char *path);

/* The caller's memory model, as meminfo and sysinfo(2) use it (vfile_memory.c). *ret_limited
 * FALSE means "show the host"; pid 0 gets the host's view. */
gboolean pl_caller_memory(const PlContext *ctx, pid_t pid, PlCgMemory *ret_memory,
                          gboolean *ret_limited, GError **error);

/* The producers, one per file (vfile_*.c). */
gboolean pl_produce_meminfo(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_swaps(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_cpuinfo(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_stat(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_uptime(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_loadavg(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_diskstats(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_pressure_cpu(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_pressure_memory(const PlContext *ctx, pid_t pid, GString *out,
                                    GError **error);
gboolean pl_produce_pressure_io(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_cpu_online(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_cpu_possible(const PlContext *ctx, pid_t pid, GString *out, GError **error);
gboolean pl_produce_cpu_present(const PlContext *ctx, pid_t pid, GString *out, GError **error);

/* sys/devices/system/cpu: cpuN/ for the caller's visible CPUs (vfile_sysfs_cpu.c). */
extern const PlVdirOps pl_cpu_sysfs_dir;
/* sys/devices/system/node: the host's, node CPU lists renumbered (vfile_sysfs_cpu.c). */
extern const PlVdirOps pl_node_sysfs_dir;
