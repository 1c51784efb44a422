/* A container's cgroup: proclens/<id> under every v1 hierarchy the launcher uses, or under the
 * cgroup2 tree on a pure v2 host. One interface over both versions. */
#pragma once

#include "blkio.h"

#include <glib.h>
#include <sys/types.h>

typedef struct {
  gint64 memory; /* bytes; 0 = no limit */
  gint64
      memory_swap;  /* memory + swap, bytes; 0 = docker's default (twice memory), -1 = unlimited */
  gint64 nano_cpus; /* 0 = no limit */
  const char *cpuset_cpus; /* NULL = the parent's */
  gint64 pids_limit;       /* <= 0 = no limit */
  const PlcBlkio *blkio;   /* NULL = no disk I/O limits */
} PlcLimits;

typedef struct PlcCgroup PlcCgroup;

/* Finds the hierarchies under root (normally /sys/fs/cgroup). Creates nothing. */
PlcCgroup *plc_cgroup_new(const char *root, const char *id, GError **error);
/* No cgroup at all (run --no-limits): creating, applying no limits and adding do nothing. */
PlcCgroup *plc_cgroup_new_none(const char *id);
void plc_cgroup_free(PlcCgroup *cg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcCgroup, plc_cgroup_free)

gboolean plc_cgroup_is_v2(const PlcCgroup *cg);
/* Creates the directories (and enables v2 controllers in the parents). On failure nothing
 * it created is left. */
gboolean plc_cgroup_create(PlcCgroup *cg, GError **error);
/* Writes the limits; the error names the file and the value the kernel refused. */
gboolean plc_cgroup_apply(PlcCgroup *cg, const PlcLimits *limits, GError **error);
/* Moves pid into the container's cgroup in every hierarchy. */
gboolean plc_cgroup_add_pid(PlcCgroup *cg, pid_t pid, GError **error);
/* The container's cgroup directories (NULL-terminated, owned by cg). */
char *const *plc_cgroup_paths(const PlcCgroup *cg);
/* How many times the kernel's OOM killer killed a task in the cgroup. */
guint64 plc_cgroup_oom_kills(const PlcCgroup *cg);
guint64 plc_cgroup_oom_kills_paths(char *const *paths);

/* Kills whatever is left in each directory, removes it, and removes its "proclens" parent
 * when that is empty. Missing directories are fine. */
gboolean plc_cgroup_destroy_paths(char *const *paths, GError **error);
