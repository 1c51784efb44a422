/* The memory model: a container's memory and swap, from its cgroup. */
#pragma once

#include "proclens/cgroup.h"
#include <glib.h>

/* memory.stat figures in bytes, named after the meminfo fields they feed.
 * v1 fills them from the hierarchical total_* keys, v2 from its own keys. */
typedef struct {
  guint64 cache;          /* v1 total_cache, v2 file: page cache incl. shmem */
  guint64 anon;           /* v1 total_rss, v2 anon */
  guint64 shmem;
  guint64 mapped;         /* v1 total_mapped_file, v2 file_mapped */
  guint64 dirty;          /* v1 total_dirty, v2 file_dirty */
  guint64 writeback;      /* v1 total_writeback, v2 file_writeback */
  guint64 swapcached;
  guint64 active_anon;
  guint64 inactive_anon;
  guint64 active_file;
  guint64 inactive_file;
  guint64 unevictable;
  guint64 slab_reclaimable; /* v2 only */
  guint64 slab_unreclaimable; /* v2 only */
  guint64 kernel_stack;   /* v2 only */
  guint64 pagetables;     /* v2 only */
  gboolean has_kernel;    /* the slab/kernel_stack/pagetables figures are known */
} PlMemStat;

typedef struct {
  guint64 limit;       /* effective memory limit in bytes: minimum over the cgroup and its ancestors */
  guint64 usage;       /* bytes charged to the level that sets the limit */
  PlMemStat stat;      /* memory.stat of that level */
  guint64 swap_limit;  /* swap allowed beyond memory, bytes; PL_UNLIMITED when not limited or unknown */
  guint64 swap_usage;  /* swap in use, bytes */
  gboolean swap_known; /* swap accounting exists for this cgroup */
} PlCgMemory;

/* Reads the memory model for a process's memory cgroup. Returns FALSE with *ret_limited
 * unset on error (ENOENT when the cgroup vanished). *ret_limited is FALSE when no level
 * has a limit; the caller then shows the host's figures. */
gboolean pl_cg_memory_read(const PlCgLayout *layout, const PlCgMembership *membership,
                           PlCgMemory *ret_memory, gboolean *ret_limited, GError **error);

/* Parses memory.stat text (v1 or v2 keys) into stat. */
void pl_mem_stat_parse(const char *text, gboolean v2, PlMemStat *ret_stat);
