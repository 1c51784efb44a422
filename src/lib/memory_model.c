/* The memory model: reads a memory cgroup and its ancestors into a PlCgMemory. */
#include "proclens/memory.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <string.h>

/* memory.stat keys of the PlMemStat fields, in field order; v1 also has "total_<key>", its
 * hierarchical figure, which wins over the plain one. */
enum { F_CACHE, F_ANON, F_SHMEM, F_MAPPED, F_DIRTY, F_WRITEBACK, F_SWAPCACHED, F_ACTIVE_ANON,
       F_INACTIVE_ANON, F_ACTIVE_FILE, F_INACTIVE_FILE, F_UNEVICTABLE, F_SLAB_RECLAIMABLE,
       F_SLAB_UNRECLAIMABLE, F_KERNEL_STACK, F_PAGETABLES, F_COUNT };

static const char *const v1_keys[F_COUNT] = {
    "cache", "rss", "shmem", "mapped_file", "dirty", "writeback", "swapcached", "active_anon",
    "inactive_anon", "active_file", "inactive_file", "unevictable", NULL, NULL, NULL, NULL,
};
static const char *const v2_keys[F_COUNT] = {
    "file", "anon", "shmem", "file_mapped", "file_dirty", "file_writeback", "swapcached",
    "active_anon", "inactive_anon", "active_file", "inactive_file", "unevictable",
    "slab_reclaimable", "slab_unreclaimable", "kernel_stack", "pagetables",
};

static gint
field_of(const char *const keys[F_COUNT], const char *key, gsize len)
{
  for (gint f = 0; f < F_COUNT; f++) {
    if (keys[f] != NULL && strlen(keys[f]) == len && memcmp(keys[f], key, len) == 0)
      return f;
  }
  return -1;
}

/* The figures of one kind (plain or v1's total_) as read, the first line of a key only. */
typedef struct {
  guint64 value[F_COUNT];
  guint32 seen;  /* a line with the key was there */
  guint32 valid; /* ... and its value was a number */
} StatFigures;

static void
note_figure(StatFigures *fig, gint f, const char *num, const char *eol)
{
  if (f < 0 || (fig->seen & (1u << f)))
    return;
  fig->seen |= 1u << f;
  char *end = NULL;
  if (num >= eol || !g_ascii_isdigit(*num))
    return;
  guint64 v = g_ascii_strtoull(num, &end, 10);
  if (end != eol)
    return;
  fig->value[f] = v;
  fig->valid |= 1u << f;
}

/* One pass over the text (it is parsed on every request). */
void
pl_mem_stat_parse(const char *text, gboolean v2, PlMemStat *ret_stat)
{
  const char *const *keys = v2 ? v2_keys : v1_keys;
  StatFigures plain = {0}, total = {0};

  const char *cursor = text, *l, *eol;
  while (pl_next_line(&cursor, &l, &eol)) {
    const char *sp = memchr(l, ' ', eol - l);
    if (sp != NULL) {
      gsize len = sp - l;
      if (!v2 && len > 6 && memcmp(l, "total_", 6) == 0)
        note_figure(&total, field_of(keys, l + 6, len - 6), sp + 1, eol);
      else
        note_figure(&plain, field_of(keys, l, len), sp + 1, eol);
    }
  }
  guint64 v[F_COUNT];
  for (gint f = 0; f < F_COUNT; f++)
    v[f] = (total.valid & (1u << f)) ? total.value[f] : (plain.valid & (1u << f)) ? plain.value[f] : 0;
  *ret_stat = (PlMemStat){
      .cache = v[F_CACHE], .anon = v[F_ANON], .shmem = v[F_SHMEM], .mapped = v[F_MAPPED],
      .dirty = v[F_DIRTY], .writeback = v[F_WRITEBACK], .swapcached = v[F_SWAPCACHED],
      .active_anon = v[F_ACTIVE_ANON], .inactive_anon = v[F_INACTIVE_ANON],
      .active_file = v[F_ACTIVE_FILE], .inactive_file = v[F_INACTIVE_FILE],
      .unevictable = v[F_UNEVICTABLE], .slab_reclaimable = v[F_SLAB_RECLAIMABLE],
      .slab_unreclaimable = v[F_SLAB_UNRECLAIMABLE], .kernel_stack = v[F_KERNEL_STACK],
      .pagetables = v[F_PAGETABLES],
      .has_kernel = v2 && (plain.valid & (1u << F_SLAB_RECLAIMABLE)) != 0,
  };
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
