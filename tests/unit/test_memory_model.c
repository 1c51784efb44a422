/* The memory model on v1, v2 and hybrid fixture trees. */
#include "proclens/cgroup.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/memory.h"
#include "unit.h"

#include <errno.h>

#define MiB (1024ULL * 1024ULL)

/* Reads the model for fixture pid in layout kind; returns whether it succeeded. */
static gboolean
model_of(const char *kind, int pid, PlCgMemory *ret, gboolean *limited, int *ret_errno)
{
  g_autofree char *croot_rel = g_strdup_printf("memory/%s/cgroup", kind);
  g_autofree char *proot_rel = g_strdup_printf("memory/%s/proc", kind);
  g_autofree char *croot = fixture(croot_rel);
  g_autofree char *proot = fixture(proot_rel);
  g_autoptr(PlCgLayout) layout = pl_cg_layout_discover(croot, NULL);
  g_auto(PlCgMembership) m = {0};
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_nonnull(layout);
  *limited = 99;
  if (!pl_cg_membership_read(proot, pid, &m, &error) ||
      !pl_cg_memory_read(layout, &m, ret, limited, &error)) {
    *ret_errno = pl_error_to_errno(error);
    return FALSE;
  }
  return TRUE;
}

START_TEST(v1_limited_box)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  ck_assert(model_of("v1", 100, &m, &limited, &err));
  ck_assert(limited);
  ck_assert_uint_eq(m.limit, 300 * MiB);
  ck_assert_uint_eq(m.usage, 100 * MiB);
  ck_assert_uint_eq(m.stat.cache, 40 * MiB); /* from total_cache, not cache */
  ck_assert_uint_eq(m.stat.anon, 55 * MiB);
  ck_assert_uint_eq(m.stat.active_file, 12 * MiB);
  ck_assert_uint_eq(m.stat.unevictable, 8192);
  ck_assert(!m.stat.has_kernel);
  ck_assert(m.swap_known);
  ck_assert_uint_eq(m.swap_limit, 300 * MiB); /* memsw 600M - mem 300M */
  ck_assert_uint_eq(m.swap_usage, 10 * MiB);  /* memsw 110M - mem 100M */
}
END_TEST

START_TEST(v1_child_reports_the_binding_parent)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  ck_assert(model_of("v1", 101, &m, &limited, &err));
  ck_assert(limited);
  ck_assert_uint_eq(m.limit, 300 * MiB);
  ck_assert_uint_eq(m.usage, 100 * MiB); /* the whole container, not the child's 50M */
  ck_assert_uint_eq(m.stat.anon, 55 * MiB);
}
END_TEST

START_TEST(tighter_parent_wins)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  ck_assert(model_of("v1", 102, &m, &limited, &err));
  ck_assert_uint_eq(m.limit, 200 * MiB);
  ck_assert_uint_eq(m.usage, 20 * MiB);
  ck_assert(model_of("v2", 202, &m, &limited, &err));
  ck_assert_uint_eq(m.limit, 200 * MiB);
  ck_assert_uint_eq(m.usage, 20 * MiB);
}
END_TEST

START_TEST(unlimited_and_malformed_mean_host)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  ck_assert(model_of("v1", 103, &m, &limited, &err));
  ck_assert(!limited);
  ck_assert(model_of("v1", 104, &m, &limited, &err)); /* "banana" */
  ck_assert(!limited);
  ck_assert(model_of("v2", 203, &m, &limited, &err));
  ck_assert(!limited);
  ck_assert(model_of("v1", 111, &m, &limited, &err)); /* the root cgroup */
  ck_assert(!limited);
}
END_TEST

/* memory.stat's hierarchical limit says 200M, but no level's own limit is that (a limit
 * changed between the two reads): the levels' own files decide. */
START_TEST(v1_hierarchical_limit_no_level_matches)
{
  PlCgMemory m;
  int err;
  gboolean limited;

  ck_assert(model_of("v1", 112, &m, &limited, &err));
  ck_assert(limited);
  ck_assert_uint_eq(m.limit, 300 * MiB);
  ck_assert_uint_eq(m.usage, 100 * MiB);
}
END_TEST

START_TEST(v1_without_swap_accounting)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  ck_assert(model_of("v1", 105, &m, &limited, &err));
  ck_assert(limited);
  ck_assert(!m.swap_known);
}
END_TEST

START_TEST(v1_missing_stat_is_zero_missing_usage_is_an_error)
{
  PlCgMemory m;
  gboolean limited;
  int err = 0;
  ck_assert(model_of("v1", 108, &m, &limited, &err));
  ck_assert_uint_eq(m.stat.cache, 0);
  ck_assert_uint_eq(m.usage, 10 * MiB);
  ck_assert(!model_of("v1", 109, &m, &limited, &err));
  ck_assert_int_eq(err, ENOENT);
}
END_TEST

START_TEST(vanished_cgroup_is_enoent)
{
  PlCgMemory m;
  gboolean limited;
  int err = 0;
  ck_assert(!model_of("v1", 110, &m, &limited, &err));
  ck_assert_int_eq(err, ENOENT);
  ck_assert(!model_of("v2", 206, &m, &limited, &err));
  ck_assert_int_eq(err, ENOENT);
}
END_TEST

START_TEST(v2_box_with_swap_and_kernel_memory)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  ck_assert(model_of("v2", 200, &m, &limited, &err));
  ck_assert(limited);
  ck_assert_uint_eq(m.limit, 300 * MiB);
  ck_assert_uint_eq(m.usage, 100 * MiB);
  ck_assert_uint_eq(m.stat.cache, 40 * MiB);
  ck_assert_uint_eq(m.stat.mapped, 10 * MiB);
  ck_assert_uint_eq(m.stat.swapcached, 65536);
  ck_assert(m.stat.has_kernel);
  ck_assert_uint_eq(m.stat.slab_reclaimable, 1048576);
  ck_assert_uint_eq(m.stat.kernel_stack, 262144);
  ck_assert(m.swap_known);
  ck_assert_uint_eq(m.swap_limit, 100 * MiB);
  ck_assert_uint_eq(m.swap_usage, 10 * MiB);
}
END_TEST

START_TEST(v2_swap_limit_is_the_minimum_over_ancestors)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  ck_assert(model_of("v2", 205, &m, &limited, &err));
  ck_assert_uint_eq(m.limit, 300 * MiB);
  ck_assert_uint_eq(m.swap_limit, 50 * MiB);
  ck_assert_uint_eq(m.swap_usage, 5 * MiB);
  ck_assert(model_of("v2", 204, &m, &limited, &err));
  ck_assert_uint_eq(m.swap_limit, 0);
}
END_TEST

START_TEST(hybrid_reads_v1_memory)
{
  PlCgMemory m;
  gboolean limited;
  int err;
  /* unified/box has memory.max = 1, but memory is not enabled in the unified tree. */
  ck_assert(model_of("hybrid", 300, &m, &limited, &err));
  ck_assert_uint_eq(m.limit, 300 * MiB);
  ck_assert_uint_eq(m.swap_limit, 300 * MiB);
}
END_TEST

START_TEST(stat_parse_prefers_hierarchical_totals)
{
  PlMemStat s;
  pl_mem_stat_parse("cache 1\nrss 2\ntotal_cache 10\n", FALSE, &s);
  ck_assert_uint_eq(s.cache, 10);
  ck_assert_uint_eq(s.anon, 2); /* no total_rss: the local key */
  pl_mem_stat_parse("", TRUE, &s);
  ck_assert_uint_eq(s.cache, 0);
  ck_assert(!s.has_kernel);
}
END_TEST

/* Edge cases of the one-pass parser: a malformed total falls back to the plain key, the
 * first line of a key wins, prefixes and v2-only keys do not match, a last line without
 * newline counts, v2 has no total_ keys. */
START_TEST(stat_parse_edge_cases)
{
  PlMemStat s;
  pl_mem_stat_parse("total_cache x\ncache 5\nrss 7\nrss 8\nrssx 9\ntotal_ 3\n"
                    "slab_reclaimable 4\nunevictable 6",
                    FALSE, &s);
  ck_assert_uint_eq(s.cache, 5);
  ck_assert_uint_eq(s.anon, 7);
  ck_assert_uint_eq(s.unevictable, 6);
  ck_assert_uint_eq(s.slab_reclaimable, 0);
  ck_assert(!s.has_kernel);
  pl_mem_stat_parse("anon 1\ntotal_anon 2\nfile -3\nslab_reclaimable 4\nkernel_stack 5\n"
                    "pagetables 6\nfile_mapped 7 \n",
                    TRUE, &s);
  ck_assert_uint_eq(s.anon, 1);
  ck_assert_uint_eq(s.cache, 0);
  ck_assert_uint_eq(s.mapped, 0);
  ck_assert(s.has_kernel);
  ck_assert_uint_eq(s.slab_reclaimable, 4);
  ck_assert_uint_eq(s.kernel_stack, 5);
  ck_assert_uint_eq(s.pagetables, 6);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("memory_model");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, v1_limited_box);
  tcase_add_test(tc, v1_child_reports_the_binding_parent);
  tcase_add_test(tc, tighter_parent_wins);
  tcase_add_test(tc, unlimited_and_malformed_mean_host);
  tcase_add_test(tc, v1_hierarchical_limit_no_level_matches);
  tcase_add_test(tc, v1_without_swap_accounting);
  tcase_add_test(tc, v1_missing_stat_is_zero_missing_usage_is_an_error);
  tcase_add_test(tc, vanished_cgroup_is_enoent);
  tcase_add_test(tc, v2_box_with_swap_and_kernel_memory);
  tcase_add_test(tc, v2_swap_limit_is_the_minimum_over_ancestors);
  tcase_add_test(tc, hybrid_reads_v1_memory);
  tcase_add_test(tc, stat_parse_prefers_hierarchical_totals);
  tcase_add_test(tc, stat_parse_edge_cases);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
