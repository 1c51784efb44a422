/* The CPU model on v1, v2 and hybrid fixture trees: cpuset and quota combinations. */
#include "cpu_unit.h"
#include "proclens/cgroup.h"
#include "proclens/cpu.h"

static char *
list_of(const PlCpuSet *set)
{
  GString *s = g_string_new(NULL);
  pl_cpuset_format_list(set, s);
  return g_string_free(s, FALSE);
}

/* The view of fixture pid on layout kind ("v1", "v2", "hybrid"). */
static void
view_of(const char *kind, int pid, gboolean quota_cap, PlCpuView *ret)
{
  g_autofree char *rel = g_strdup_printf("%s/cgroup", kind);
  g_autofree char *croot = cpu_fixture(rel);
  g_autofree char *proot = cpu_fixture("proc");
  g_autofree char *sroot = cpu_fixture("sys");
  g_autoptr(PlCgLayout) layout = pl_cg_layout_discover(croot, NULL);
  g_auto(PlCgMembership) m = {0};
  PlCpuSet online;

  ck_assert_ptr_nonnull(layout);
  ck_assert(pl_host_online_read(sroot, &online));
  ck_assert(pl_cg_membership_read(proot, pid, &m, NULL));
  pl_cpu_view_read(layout, &m, &online, quota_cap, ret);
}

static void
expect(const char *kind, int pid, gboolean cap, const char *visible, double capacity,
       gboolean limited)
{
  PlCpuView v;
  view_of(kind, pid, cap, &v);
  g_autofree char *l = list_of(&v.visible);
  ck_assert_msg(g_str_equal(l, visible), "%s pid %d: visible %s, want %s", kind, pid, l, visible);
  ck_assert_uint_eq(v.n, pl_cpuset_count(&v.visible));
  ck_assert_msg(G_APPROX_VALUE(v.capacity, capacity, 1e-9), "%s pid %d: capacity %f want %f", kind,
                pid, v.capacity, capacity);
  ck_assert_int_eq(v.limited, limited);
}

static const char *const kinds[] = {"v1", "v2", "hybrid"};

/* cpuset 2-3 with 50 ms / 100 ms: one CPU (the lowest), half of it usable. */
START_TEST(pinned_with_fractional_quota)
{
  expect(kinds[_i], 100, TRUE, "2", 0.5, TRUE);
  expect(kinds[_i], 100, FALSE, "2-3", 0.5, TRUE);
}
END_TEST

/* 150 ms / 100 ms on all CPUs: ceil(1.5) = 2 CPUs. */
START_TEST(fractional_quota_rounds_up)
{
  expect(kinds[_i], 101, TRUE, "0-1", 1.5, TRUE);
  expect(kinds[_i], 101, FALSE, "0-3", 1.5, TRUE);
}
END_TEST

/* The child sets neither cpuset nor quota; its parent has 1-3 and one CPU of quota. */
START_TEST(quota_and_cpuset_on_the_parent_only)
{
  expect(kinds[_i], 102, TRUE, "1", 1.0, TRUE);
}
END_TEST

/* A quota of 4 CPUs in a cpuset of 2: the cpuset wins, capacity is the 2 CPUs. */
START_TEST(quota_larger_than_the_cpuset)
{
  expect(kinds[_i], 103, TRUE, "1-2", 2.0, TRUE);
}
END_TEST

START_TEST(root_sees_the_host)
{
  expect(kinds[_i], 104, TRUE, "0-3", 4.0, FALSE);
}
END_TEST

START_TEST(compute_edge_cases)
{
  PlCpuSet online, cpuset;
  PlCpuView v;

  ck_assert(pl_cpuset_parse_list("0-1,4-5", &online));
  /* A cpuset of offline CPUs only: the tasks run on online ones; show those. */
  ck_assert(pl_cpuset_parse_list("2-3", &cpuset));
  pl_cpu_view_compute(&online, &cpuset, 0, TRUE, &v);
  ck_assert_uint_eq(v.n, 4);
  /* Floating point: 3 * (1/3 period) must not turn into 2. */
  ck_assert(pl_cpuset_parse_list("0-5", &cpuset));
  pl_cpu_view_compute(&online, &cpuset, 300000.0 / 100000.0, TRUE, &v);
  ck_assert_uint_eq(v.n, 3);
  /* A tiny quota still shows one CPU. */
  pl_cpu_view_compute(&online, NULL, 0.01, TRUE, &v);
  ck_assert_uint_eq(v.n, 1);
  ck_assert_int_eq(pl_cpuset_nth(&v.visible, 0), 0);
  ck_assert(v.limited);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cpu_model");
  TCase *tc = tcase_create("layouts");
  tcase_set_timeout(tc, 30); /* sanitizer builds on a busy CI host */
  tcase_add_loop_test(tc, pinned_with_fractional_quota, 0, G_N_ELEMENTS(kinds));
  tcase_add_loop_test(tc, fractional_quota_rounds_up, 0, G_N_ELEMENTS(kinds));
  tcase_add_loop_test(tc, quota_and_cpuset_on_the_parent_only, 0, G_N_ELEMENTS(kinds));
  tcase_add_loop_test(tc, quota_larger_than_the_cpuset, 0, G_N_ELEMENTS(kinds));
  tcase_add_loop_test(tc, root_sees_the_host, 0, G_N_ELEMENTS(kinds));
  tcase_add_test(tc, compute_edge_cases);
  suite_add_tcase(s, tc);
  return cpu_run_suite(s);
}
