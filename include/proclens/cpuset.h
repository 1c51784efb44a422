/* Sets of CPU numbers, in the kernel's list ("0-3,8") and mask ("ff,00000001") spellings. */
#pragma once

#include <glib.h>

/* The kernel's largest NR_CPUS; a set is a fixed bitmap so it can live on the stack. */
#define PL_CPUSET_MAX 8192

typedef struct {
  guint64 bits[PL_CPUSET_MAX / 64];
} PlCpuSet;

void pl_cpuset_clear(PlCpuSet *set);
void pl_cpuset_add(PlCpuSet *set, guint cpu);
gboolean pl_cpuset_has(const PlCpuSet *set, guint cpu);
guint pl_cpuset_count(const PlCpuSet *set);
/* a &= b */
void pl_cpuset_and(PlCpuSet *a, const PlCpuSet *b);
/* Keeps only the lowest n members. */
void pl_cpuset_keep_first(PlCpuSet *set, guint n);
/* The n-th (0-based) member in ascending order, or -1. */
int pl_cpuset_nth(const PlCpuSet *set, guint n);
/* The rank of cpu among the members (its renumbered index), or -1 when not a member. */
int pl_cpuset_rank(const PlCpuSet *set, guint cpu);
/* The next member >= from, or -1. */
int pl_cpuset_next(const PlCpuSet *set, guint from);

/* Parses a list ("0-3,8\n"); an empty (or all-blank) text is the empty set. */
gboolean pl_cpuset_parse_list(const char *text, PlCpuSet *ret_set);
/* Appends the kernel's list spelling ("0-3,8"), without a newline; "" for the empty set. */
void pl_cpuset_format_list(const PlCpuSet *set, GString *out);

/* Parses a hex mask in 32-bit groups separated by commas ("3", "00000000,00000101"). */
gboolean pl_cpuset_parse_mask(const char *text, PlCpuSet *ret_set);
/* Appends the kernel's mask spelling for a bitmap of nbits bits (%*pb), without a newline. */
void pl_cpuset_format_mask(const PlCpuSet *set, guint nbits, GString *out);

/* The set {0..n-1} renumbered from members of from: maps each member of src that is in
 * from to its rank in from. Used to show host CPU sets in a container's numbering. */
void pl_cpuset_renumber(const PlCpuSet *src, const PlCpuSet *from, PlCpuSet *ret_set);
