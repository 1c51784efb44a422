/* Renders /proc/meminfo for a container: every host line, in the host's order and the
 * kernel's format, with the container's figures where its cgroup knows them. */
#include "proclens/views.h"

#include <string.h>

#define KB 1024ULL

/* What a meminfo key becomes in a container. */
typedef enum {
  K_OTHER, /* any other amount of memory: at most the container's total */
  K_HOST,  /* host-wide geometry, not memory the container holds: the host's value */
  K_MEM_TOTAL, K_MEM_FREE, K_MEM_AVAILABLE, K_BUFFERS, K_CACHED, K_SWAP_CACHED, K_ACTIVE,
  K_INACTIVE, K_ACTIVE_ANON, K_INACTIVE_ANON, K_ACTIVE_FILE, K_INACTIVE_FILE, K_UNEVICTABLE,
  K_MLOCKED, K_SWAP_TOTAL, K_SWAP_FREE, K_DIRTY, K_WRITEBACK, K_ANON_PAGES, K_MAPPED,
  K_SHMEM, K_SLAB_RECLAIMABLE, K_SLAB, K_SUNRECLAIM, K_KERNEL_STACK, K_PAGE_TABLES,
} KeyKind;

static const struct {
  const char *key;
  KeyKind kind;
} key_kinds[] = {
    {"VmallocTotal", K_HOST}, {"VmallocUsed", K_HOST}, {"VmallocChunk", K_HOST},
    {"Hugepagesize", K_HOST}, {"Hugetlb", K_HOST}, {"DirectMap4k", K_HOST},
    {"DirectMap2M", K_HOST}, {"DirectMap1G", K_HOST}, {"HugePages_Total", K_HOST},
    {"HugePages_Free", K_HOST}, {"HugePages_Rsvd", K_HOST}, {"HugePages_Surp", K_HOST},
    {"MemTotal", K_MEM_TOTAL}, {"MemFree", K_MEM_FREE}, {"MemAvailable", K_MEM_AVAILABLE},
    {"Buffers", K_BUFFERS}, {"Cached", K_CACHED}, {"SwapCached", K_SWAP_CACHED},
    {"Active", K_ACTIVE}, {"Inactive", K_INACTIVE}, {"Active(anon)", K_ACTIVE_ANON},
    {"Inactive(anon)", K_INACTIVE_ANON}, {"Active(file)", K_ACTIVE_FILE},
    {"Inactive(file)", K_INACTIVE_FILE}, {"Unevictable", K_UNEVICTABLE},
    {"Mlocked", K_MLOCKED}, {"SwapTotal", K_SWAP_TOTAL}, {"SwapFree", K_SWAP_FREE},
    {"Dirty", K_DIRTY}, {"Writeback", K_WRITEBACK}, {"AnonPages", K_ANON_PAGES},
    {"Mapped", K_MAPPED}, {"Shmem", K_SHMEM}, {"KReclaimable", K_SLAB_RECLAIMABLE},
    {"SReclaimable", K_SLAB_RECLAIMABLE}, {"Slab", K_SLAB}, {"SUnreclaim", K_SUNRECLAIM},
    {"KernelStack", K_KERNEL_STACK}, {"PageTables", K_PAGE_TABLES},
};

static gpointer
build_kinds(gpointer unused)
{
  GHashTable *kinds = g_hash_table_new(g_str_hash, g_str_equal);
  for (gsize i = 0; i < G_N_ELEMENTS(key_kinds); i++)
    g_hash_table_insert(kinds, (gpointer)key_kinds[i].key, GINT_TO_POINTER(key_kinds[i].kind));
  return kinds;
}

/* One hash lookup per line (this runs for every line of every read). */
static KeyKind
kind_of(const char *key)
{
  static GOnce once = G_ONCE_INIT;
  GHashTable *kinds = g_once(&once, build_kinds, NULL);
  return (KeyKind)GPOINTER_TO_INT(g_hash_table_lookup(kinds, key));
}

/* A container-specific value in bytes for a key of this kind. Each formula is the meaning
 * of the kernel's field restricted to the cgroup's memory.stat. */
static guint64
container_value(KeyKind kind, const PlHostMeminfo *host, const PlCgMemory *cg,
                const PlMemSummary *s)
{
  const PlMemStat *st = &cg->stat;
  guint64 v;

  switch (kind) {
  case K_MEM_TOTAL: v = s->total; break;
  case K_MEM_FREE: v = s->free; break;
  case K_MEM_AVAILABLE: v = s->available; break;
  case K_BUFFERS: v = s->buffers; break;
  case K_CACHED: v = s->cached; break;
  case K_SWAP_CACHED: v = st->swapcached; break;
  case K_ACTIVE: v = st->active_anon + st->active_file; break;
  case K_INACTIVE: v = st->inactive_anon + st->inactive_file; break;
  case K_ACTIVE_ANON: v = st->active_anon; break;
  case K_INACTIVE_ANON: v = st->inactive_anon; break;
  case K_ACTIVE_FILE: v = st->active_file; break;
  case K_INACTIVE_FILE: v = st->inactive_file; break;
  case K_UNEVICTABLE: v = st->unevictable; break;
  /* memory.stat has no mlocked count; mlocked pages are unevictable */
  case K_MLOCKED: v = MIN(pl_host_meminfo_get(host, "Mlocked") * KB, st->unevictable); break;
  /* Swap is not memory: the only figures not capped at the container's total below. */
  case K_SWAP_TOTAL: return s->swap_total;
  case K_SWAP_FREE: return s->swap_free;
  case K_DIRTY: v = st->dirty; break;
  case K_WRITEBACK: v = st->writeback; break;
  case K_ANON_PAGES: v = st->anon; break;
  case K_MAPPED: v = st->mapped; break;
  case K_SHMEM: v = s->shmem; break;
  /* Kernel memory: v2 reports it per cgroup; v1 does not split it, so it shows 0. */
  case K_SLAB_RECLAIMABLE: v = st->slab_reclaimable; break;
  case K_SLAB: v = st->slab_reclaimable + st->slab_unreclaimable; break;
  case K_SUNRECLAIM: v = st->slab_unreclaimable; break;
  case K_KERNEL_STACK: v = st->kernel_stack; break;
  case K_PAGE_TABLES: v = st->pagetables; break;
  default: g_assert_not_reached();
  }
  return MIN(v, s->total);
}

/* The kernel's "%-16s%8lu kB\n" with "Key:" as the label, written without printf (this
 * runs for every line of every read). */
static void
append_line(GString *out, const PlMeminfoLine *line, guint64 value)
{
  char digits[24];
  gsize n = 0;
  do {
    digits[sizeof digits - 1 - n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  gsize key_len = strlen(line->key);
  g_string_append_len(out, line->key, (gssize)key_len);
  g_string_append_c(out, ':');
  for (gsize col = key_len + 1; col < 16; col++)
    g_string_append_c(out, ' ');
  for (gsize pad = n; pad < 8; pad++)
    g_string_append_c(out, ' ');
  g_string_append_len(out, digits + sizeof digits - n, (gssize)n);
  g_string_append(out, line->has_unit ? " kB\n" : "\n");
}

void
pl_render_meminfo(const PlHostMeminfo *host, const PlCgMemory *cg, GString *out)
{
  PlMemSummary s;

  if (cg != NULL)
    pl_mem_summary(host, cg, &s);
  for (guint i = 0; i < host->lines->len; i++) {
    const PlMeminfoLine *line = &g_array_index(host->lines, PlMeminfoLine, i);
    guint64 value = line->value;
    KeyKind kind = cg != NULL ? kind_of(line->key) : K_HOST;

    if (kind == K_OTHER && line->has_unit)
      value = MIN(line->value, s.total / KB);
    else if (kind != K_OTHER && kind != K_HOST)
      value = container_value(kind, host, cg, &s) / KB;
    append_line(out, line, value);
  }
}
