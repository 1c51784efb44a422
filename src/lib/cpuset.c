/* CPU sets: a fixed bitmap, parsed from and formatted to the kernel's spellings. */
#include "proclens/cpuset.h"

#include <string.h>

void
pl_cpuset_clear(PlCpuSet *set)
{
  memset(set, 0, sizeof *set);
}

void
pl_cpuset_add(PlCpuSet *set, guint cpu)
{
  if (cpu < PL_CPUSET_MAX)
    set->bits[cpu / 64] |= G_GUINT64_CONSTANT(1) << (cpu % 64);
}

gboolean
pl_cpuset_has(const PlCpuSet *set, guint cpu)
{
  return cpu < PL_CPUSET_MAX && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

guint
pl_cpuset_count(const PlCpuSet *set)
{
  guint n = 0;
  for (guint w = 0; w < G_N_ELEMENTS(set->bits); w++)
    n += (guint)__builtin_popcountll(set->bits[w]);
  return n;
}

void
pl_cpuset_and(PlCpuSet *a, const PlCpuSet *b)
{
  for (guint w = 0; w < G_N_ELEMENTS(a->bits); w++)
    a->bits[w] &= b->bits[w];
}

int
pl_cpuset_next(const PlCpuSet *set, guint from)
{
  for (guint w = from / 64; w < G_N_ELEMENTS(set->bits); w++) {
    guint64 word = set->bits[w];
    if (w == from / 64)
      word &= ~G_GUINT64_CONSTANT(0) << (from % 64);
    if (word != 0)
      return (int)(w * 64 + (guint)__builtin_ctzll(word));
  }
  return -1;
}

void
pl_cpuset_keep_first(PlCpuSet *set, guint n)
{
  guint seen = 0;
  for (int c = pl_cpuset_next(set, 0); c >= 0; c = pl_cpuset_next(set, (guint)c + 1)) {
    if (seen++ >= n)
      set->bits[c / 64] &= ~(G_GUINT64_CONSTANT(1) << (c % 64));
  }
}

int
pl_cpuset_nth(const PlCpuSet *set, guint n)
{
  guint seen = 0;
  for (int c = pl_cpuset_next(set, 0); c >= 0; c = pl_cpuset_next(set, (guint)c + 1)) {
    if (seen++ == n)
      return c;
  }
  return -1;
}

int
pl_cpuset_rank(const PlCpuSet *set, guint cpu)
{
  if (!pl_cpuset_has(set, cpu))
    return -1;
  int rank = 0;
  for (guint w = 0; w < cpu / 64; w++)
    rank += __builtin_popcountll(set->bits[w]);
  guint64 below = set->bits[cpu / 64] & ((G_GUINT64_CONSTANT(1) << (cpu % 64)) - 1);
  return rank + __builtin_popcountll(below);
}

static gboolean
parse_cpu_number(const char **p, guint *ret_cpu)
{
  if (!g_ascii_isdigit(**p))
    return FALSE;
  guint64 v = 0;
  while (g_ascii_isdigit(**p)) {
    v = v * 10 + (guint64)(**p - '0');
    if (v >= PL_CPUSET_MAX)
      return FALSE;
    (*p)++;
  }
  *ret_cpu = (guint)v;
  return TRUE;
}

gboolean
pl_cpuset_parse_list(const char *text, PlCpuSet *ret_set)
{
  PlCpuSet set;
  const char *p = text;

  pl_cpuset_clear(&set);
  while (g_ascii_isspace(*p))
    p++;
  while (*p != '\0' && !g_ascii_isspace(*p)) {
    guint lo, hi;
    if (!parse_cpu_number(&p, &lo))
      return FALSE;
    hi = lo;
    if (*p == '-') {
      p++;
      if (!parse_cpu_number(&p, &hi) || hi < lo)
        return FALSE;
    }
    for (guint c = lo; c <= hi; c++)
      pl_cpuset_add(&set, c);
    if (*p == ',')
      p++;
    else if (*p != '\0' && !g_ascii_isspace(*p))
      return FALSE;
  }
  while (g_ascii_isspace(*p))
    p++;
  if (*p != '\0')
    return FALSE;
  *ret_set = set;
  return TRUE;
}

void
pl_cpuset_format_list(const PlCpuSet *set, GString *out)
{
  gboolean first = TRUE;
  int c = pl_cpuset_next(set, 0);

  while (c >= 0) {
    int end = c;
    while (pl_cpuset_has(set, (guint)end + 1))
      end++;
    g_string_append_printf(out, first ? "%d" : ",%d", c);
    if (end > c)
      g_string_append_printf(out, "-%d", end);
    first = FALSE;
    c = pl_cpuset_next(set, (guint)end + 1);
  }
}

gboolean
pl_cpuset_parse_mask(const char *text, PlCpuSet *ret_set)
{
  g_autofree char *copy = g_strstrip(g_strdup(text));
  g_auto(GStrv) groups = g_strsplit(copy, ",", -1);
  guint n = g_strv_length(groups);
  PlCpuSet set;

  pl_cpuset_clear(&set);
  if (n == 0 || n * 32 > PL_CPUSET_MAX)
    return FALSE;
  /* The last group holds CPUs 0-31. */
  for (guint g = 0; g < n; g++) {
    const char *s = groups[n - 1 - g];
    if (*s == '\0' || strlen(s) > 8)
      return FALSE;
    guint32 word = 0;
    for (const char *q = s; *q != '\0'; q++) {
      if (!g_ascii_isxdigit(*q))
        return FALSE;
      word = word << 4 | (guint32)g_ascii_xdigit_value(*q);
    }
    for (guint b = 0; b < 32; b++) {
      if (word >> b & 1)
        pl_cpuset_add(&set, g * 32 + b);
    }
  }
  *ret_set = set;
  return TRUE;
}

void
pl_cpuset_format_mask(const PlCpuSet *set, guint nbits, GString *out)
{
  if (nbits == 0)
    nbits = 1;
  nbits = MIN(nbits, PL_CPUSET_MAX);
  guint groups = (nbits + 31) / 32;
  for (guint g = groups; g-- > 0;) {
    guint32 word = 0;
    for (guint b = 0; b < 32 && g * 32 + b < nbits; b++) {
      if (pl_cpuset_has(set, g * 32 + b))
        word |= (guint32)1 << b;
    }
    /* Like the kernel's bitmap_print: the top group only as wide as its bits need. */
    guint width = g == groups - 1 ? ((nbits - g * 32) + 3) / 4 : 8;
    g_string_append_printf(out, "%s%0*x", g == groups - 1 ? "" : ",", (int)width, word);
  }
}

void
pl_cpuset_renumber(const PlCpuSet *src, const PlCpuSet *from, PlCpuSet *ret_set)
{
  guint rank = 0;
  pl_cpuset_clear(ret_set);
  for (int c = pl_cpuset_next(from, 0); c >= 0; c = pl_cpuset_next(from, (guint)c + 1), rank++) {
    if (pl_cpuset_has(src, (guint)c))
      pl_cpuset_add(ret_set, rank);
  }
}
