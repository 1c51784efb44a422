/* Renders /proc/meminfo for a container: every host line, in the host's order and the
 * kernel's format, with the container's figures where its cgroup knows them. */
#include "proclens/views.h"

#include <string.h>

#define KB 1024ULL

/* Host-wide geometry, not memory the container holds: shown as the host has it. */
static const char *const host_geometry_keys[] = {
    "VmallocTotal", "VmallocUsed", "VmallocChunk", "Hugepagesize", "Hugetlb",
    "DirectMap4k",  "DirectMap2M", "DirectMap1G",  "HugePages_Total", "HugePages_Free",
    "HugePages_Rsvd", "HugePages_Surp", NULL,
};

/* A container-specific value in bytes for key, or FALSE when the key is not one
 * the model computes. Each formula is the meaning of the kernel's field restricted
 * to the cgroup's memory.stat. */
static gboolean
container_value(const char *key, const PlHostMeminfo *host, const PlCgMemory *cg,
                const PlMemSummary *s, guint64 *ret_bytes)
{
  const PlMemStat *st = &cg->stat;
  guint64 v;

#define IS(k) (strcmp(key, k) == 0)
  if (IS("MemTotal"))
    v = s->total;
  else if (IS("MemFree"))
    v = s->free;
  else if (IS("MemAvailable"))
    v = s->available;
  else if (IS("Buffers"))
    v = s->buffers;
  else if (IS("Cached"))
    v = s->cached;
  else if (IS("SwapCached"))
    v = st->swapcached;
  else if (IS("Active"))
    v = st->active_anon + st->active_file;
  else if (IS("Inactive"))
    v = st->inactive_anon + st->inactive_file;
  else if (IS("Active(anon)"))
    v = st->active_anon;
  else if (IS("Inactive(anon)"))
    v = st->inactive_anon;
  else if (IS("Active(file)"))
    v = st->active_file;
  else if (IS("Inactive(file)"))
    v = st->inactive_file;
  else if (IS("Unevictable"))
    v = st->unevictable;
  else if (IS("Mlocked")) /* memory.stat has no mlocked count; mlocked pages are unevictable */
    v = MIN(pl_host_meminfo_get(host, "Mlocked") * KB, st->unevictable);
  else if (IS("SwapTotal"))
    v = s->swap_total;
  else if (IS("SwapFree"))
    v = s->swap_free;
  else if (IS("Dirty"))
    v = st->dirty;
  else if (IS("Writeback"))
    v = st->writeback;
  else if (IS("AnonPages"))
    v = st->anon;
  else if (IS("Mapped"))
    v = st->mapped;
  else if (IS("Shmem"))
    v = s->shmem;
  /* Kernel memory: v2 reports it per cgroup; v1 does not split it, so it shows 0. */
  else if (IS("KReclaimable") || IS("SReclaimable"))
    v = st->slab_reclaimable;
  else if (IS("Slab"))
    v = st->slab_reclaimable + st->slab_unreclaimable;
  else if (IS("SUnreclaim"))
    v = st->slab_unreclaimable;
  else if (IS("KernelStack"))
    v = st->kernel_stack;
  else if (IS("PageTables"))
    v = st->pagetables;
  else
    return FALSE;
#undef IS
  /* Swap is not memory; everything else is the container's and cannot exceed its total. */
  if (!g_str_has_prefix(key, "Swap") || strcmp(key, "SwapCached") == 0)
    v = MIN(v, s->total);
  *ret_bytes = v;
  return TRUE;
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
    guint64 bytes;

    if (cg == NULL || g_strv_contains(host_geometry_keys, line->key))
      value = line->value;
    else if (container_value(line->key, host, cg, &s, &bytes))
      value = bytes / KB;
    else if (line->has_unit) /* any other amount of memory: at most the container's total */
      value = MIN(line->value, s.total / KB);
    append_line(out, line, value);
  }
}
