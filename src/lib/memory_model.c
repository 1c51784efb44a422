/* The memory model: reads a memory cgroup and its ancestors into a PlCgMemory. */
#include "proclens/memory.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <string.h>

/* Looks up v1's hierarchical "total_<key>" first, then the plain key. */
static guint64
stat_v1(const char *text, const char *key)
{
  g_autofree char *total = g_strconcat("total_", key, NULL);
  guint64 v = 0;
  if (!pl_keyed_u64(text, total, &v))
    pl_keyed_u64(text, key, &v);
  return v;
}

static guint64
stat_v2(const char *text, const char *key)
{
  guint64 v = 0;
  pl_keyed_u64(text, key, &v);
  return v;
}

void
pl_mem_stat_parse(const char *text, gboolean v2, PlMemStat *ret_stat)
{
  PlMemStat s = {0};
  guint64 (*get)(const char *, const char *) = v2 ? stat_v2 : stat_v1;

  s.cache = get(text, v2 ? "file" : "cache");
  s.anon = get(text, v2 ? "anon" : "rss");
  s.shmem = get(text, "shmem");
  s.mapped = get(text, v2 ? "file_mapped" : "mapped_file");
  s.dirty = get(text, v2 ? "file_dirty" : "dirty");
  s.writeback = get(text, v2 ? "file_writeback" : "writeback");
  s.swapcached = get(text, "swapcached");
  s.active_anon = get(text, "active_anon");
  s.inactive_anon = get(text, "inactive_anon");
  s.active_file = get(text, "active_file");
  s.inactive_file = get(text, "inactive_file");
  s.unevictable = get(text, "unevictable");
  if (v2) {
    guint64 probe;
    s.has_kernel = pl_keyed_u64(text, "slab_reclaimable", &probe);
    s.slab_reclaimable = get(text, "slab_reclaimable");
    s.slab_unreclaimable = get(text, "slab_unreclaimable");
    s.kernel_stack = get(text, "kernel_stack");
    s.pagetables = get(text, "pagetables");
  }
  *ret_stat = s;
}

/* The level (0 = the cgroup itself) with the smallest value of a limit file, and that value. */
static guint64
tightest_level(const PlCgNode *node, const char *file, guint *ret_level)
{
  guint64 best = PL_UNLIMITED;
  guint depth = pl_cg_node_depth(node);

  *ret_level = 0;
  for (guint up = 0; up <= depth; up++) {
    g_autofree char *dir = pl_cg_node_dir(node, up);
    guint64 v = pl_read_limit_in(dir, file);
    if (v < best) {
      best = v;
      *ret_level = up;
    }
  }
  return best;
}

static gboolean
read_required_u64(const char *dir, const char *file, guint64 *ret_value, GError **error)
{
  g_autofree char *text = NULL;
  if (!pl_read_file_in(dir, file, &text, error))
    return FALSE;
  if (!pl_parse_u64(text, ret_value)) {
    pl_set_errno(error, EIO, "unparseable %s/%s", dir, file);
    return FALSE;
  }
  return TRUE;
}

/* v2: memory.swap.max bounds swap alone; the usage is memory.swap.current. */
static void
read_swap_v2(const PlCgNode *node, guint mem_level, PlCgMemory *m)
{
  guint level;
  g_autofree char *own = pl_cg_node_dir(node, 0);
  guint64 probe;

  m->swap_known = pl_read_u64_in(own, "memory.swap.current", &probe);
  if (!m->swap_known)
    return;
  m->swap_limit = tightest_level(node, "memory.swap.max", &level);
  guint at = m->swap_limit == PL_UNLIMITED ? mem_level : level;
  if (at == 0) {
    m->swap_usage = probe;
    return;
  }
  g_autofree char *dir = pl_cg_node_dir(node, at);
  if (!pl_read_u64_in(dir, "memory.swap.current", &m->swap_usage))
    m->swap_usage = 0;
}

/* v1: memory.memsw.* count memory plus swap; swap alone is the difference. The own
 * memory.stat's hierarchical_memsw_limit is the minimum over the ancestors already. */
static void
read_swap_v1(const PlCgNode *node, const char *own_stat, guint mem_level, PlCgMemory *m)
{
  guint level;
  g_autofree char *dir = pl_cg_node_dir(node, mem_level);
  guint64 memsw_usage, memsw_limit;

  m->swap_known = pl_read_u64_in(dir, "memory.memsw.usage_in_bytes", &memsw_usage);
  if (!m->swap_known)
    return;
  if (own_stat == NULL || !pl_keyed_limit(own_stat, "hierarchical_memsw_limit", &memsw_limit))
    memsw_limit = tightest_level(node, "memory.memsw.limit_in_bytes", &level);
  m->swap_limit = memsw_limit == PL_UNLIMITED ? PL_UNLIMITED
                                              : memsw_limit - MIN(memsw_limit, m->limit);
  m->swap_usage = memsw_usage - MIN(memsw_usage, m->usage);
}

/* v1: the own memory.stat's hierarchical_memory_limit is the effective limit; the binding
 * level is the nearest one whose own limit equals it (one read when it is the cgroup
 * itself, instead of a read per ancestor). Without the key, or when a limit changed
 * between the reads, every level is read. */
static guint64
limit_v1(const PlCgNode *node, const char *own_stat, guint *ret_level)
{
  guint64 limit;

  if (own_stat == NULL || !pl_keyed_limit(own_stat, "hierarchical_memory_limit", &limit))
    return tightest_level(node, "memory.limit_in_bytes", ret_level);
  *ret_level = 0;
  if (limit == PL_UNLIMITED)
    return limit;
  guint depth = pl_cg_node_depth(node);
  for (guint up = 0; up <= depth; up++) {
    g_autofree char *dir = pl_cg_node_dir(node, up);
    if (pl_read_limit_in(dir, "memory.limit_in_bytes") == limit) {
      *ret_level = up;
      return limit;
    }
  }
  return tightest_level(node, "memory.limit_in_bytes", ret_level);
}

gboolean
pl_cg_memory_read(const PlCgLayout *layout, const PlCgMembership *membership,
                  PlCgMemory *ret_memory, gboolean *ret_limited, GError **error)
{
  g_auto(PlCgNode) node = {0};
  g_autofree char *own_stat = NULL;
  g_autofree char *stat = NULL;
  PlCgMemory m = {0};
  guint level;

  if (!pl_cg_node_for(layout, membership, PL_CTRL_MEMORY, &node)) {
    *ret_limited = FALSE;
    return TRUE;
  }
  g_autofree char *own = pl_cg_node_dir(&node, 0);
  /* The directory is checked only when its memory.stat cannot be read. */
  if (!pl_read_file_in(own, "memory.stat", &own_stat, NULL) &&
      !g_file_test(own, G_FILE_TEST_IS_DIR)) {
    pl_set_errno(error, ENOENT, "memory cgroup %s", own);
    return FALSE;
  }
  m.limit = node.v2 ? tightest_level(&node, "memory.max", &level)
                    : limit_v1(&node, own_stat, &level);
  if (m.limit == PL_UNLIMITED) {
    *ret_limited = FALSE;
    return TRUE;
  }
  g_autofree char *dir = pl_cg_node_dir(&node, level);
  if (!read_required_u64(dir, node.v2 ? "memory.current" : "memory.usage_in_bytes", &m.usage,
                         error))
    return FALSE;
  if (level > 0)
    pl_read_file_in(dir, "memory.stat", &stat, NULL);
  const char *level_stat = level > 0 ? stat : own_stat;
  if (level_stat != NULL)
    pl_mem_stat_parse(level_stat, node.v2, &m.stat);
  m.swap_limit = PL_UNLIMITED;
  if (node.v2)
    read_swap_v2(&node, level, &m);
  else
    read_swap_v1(&node, own_stat, level, &m);
  *ret_memory = m;
  *ret_limited = TRUE;
  return TRUE;
}
