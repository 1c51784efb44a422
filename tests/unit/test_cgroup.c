/* cgroup layout discovery, membership parsing and node paths. */
#include "proclens/cgroup.h"
#include "proclens/error.h"
#include "unit.h"

#include <errno.h>

static PlCgLayout *
layout_of(const char *kind)
{
  g_autofree char *rel = g_strdup_printf("memory/%s/cgroup", kind);
  g_autofree char *root = fixture(rel);
  g_autoptr(GError) error = NULL;
  PlCgLayout *layout = pl_cg_layout_discover(root, &error);
  ck_assert_msg(layout != NULL, "%s", error ? error->message : "");
  return layout;
}

START_TEST(discovers_v1)
{
  g_autoptr(PlCgLayout) l = layout_of("v1");
  ck_assert_int_eq(l->kind, PL_CG_LAYOUT_V1);
  ck_assert(g_str_has_suffix(l->v1_dir[PL_CTRL_MEMORY], "/memory"));
  ck_assert(g_str_has_suffix(l->v1_dir[PL_CTRL_CPUACCT], "/cpuacct"));
  ck_assert(g_str_has_suffix(l->v1_dir[PL_CTRL_BLKIO], "/blkio"));
  ck_assert_ptr_null(l->v2_dir);
}
END_TEST

START_TEST(discovers_v2)
{
  g_autoptr(PlCgLayout) l = layout_of("v2");
  ck_assert_int_eq(l->kind, PL_CG_LAYOUT_V2);
  ck_assert_ptr_nonnull(l->v2_dir);
  for (int c = 0; c < PL_CTRL_COUNT; c++) {
    ck_assert_ptr_null(l->v1_dir[c]);
    ck_assert(l->v2_enabled[c]);
  }
}
END_TEST

START_TEST(discovers_hybrid_with_empty_unified)
{
  g_autoptr(PlCgLayout) l = layout_of("hybrid");
  ck_assert_int_eq(l->kind, PL_CG_LAYOUT_HYBRID);
  ck_assert(g_str_has_suffix(l->v2_dir, "/unified"));
  ck_assert(!l->v2_enabled[PL_CTRL_MEMORY]);
  ck_assert_ptr_nonnull(l->v1_dir[PL_CTRL_MEMORY]);
}
END_TEST

START_TEST(discovery_fails_without_hierarchies)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = g_dir_make_tmp("proclens-unit-XXXXXX", NULL);
  ck_assert_ptr_null(pl_cg_layout_discover(empty, &error));
  ck_assert_int_eq(pl_error_to_errno(error), ENOENT);
  g_clear_error(&error);
  ck_assert_ptr_null(pl_cg_layout_discover("/nonexistent/cgroup", &error));
  rmdir(empty);
}
END_TEST

START_TEST(membership_parses_v1_v2_and_comounted)
{
  g_auto(PlCgMembership) m = {0};
  const char *text = "12:cpu,cpuacct:/docker/abc\n"
                     "4:memory:/docker/abc\n"
                     "1:name=systemd:/docker/abc\n"
                     "0::/system.slice/docker.service\n";
  ck_assert(pl_cg_membership_parse(text, &m, NULL));
  ck_assert_str_eq(m.v1_path[PL_CTRL_CPU], "/docker/abc");
  ck_assert_str_eq(m.v1_path[PL_CTRL_CPUACCT], "/docker/abc");
  ck_assert_str_eq(m.v1_path[PL_CTRL_MEMORY], "/docker/abc");
  ck_assert_ptr_null(m.v1_path[PL_CTRL_PIDS]);
  ck_assert_str_eq(m.v2_path, "/system.slice/docker.service");
}
END_TEST

START_TEST(membership_rejects_malformed_and_escaping_paths)
{
  g_auto(PlCgMembership) m = {0};
  g_autoptr(GError) error = NULL;
  ck_assert(!pl_cg_membership_parse("4:memory\n", &m, &error));
  ck_assert_int_eq(pl_error_to_errno(error), EINVAL);
  g_clear_error(&error);
  ck_assert(!pl_cg_membership_parse("0::/a/../../etc\n", &m, &error));
  g_clear_error(&error);
  ck_assert(!pl_cg_membership_parse("0::relative\n", &m, &error));
}
END_TEST

START_TEST(membership_of_vanished_process_is_esrch)
{
  g_auto(PlCgMembership) m = {0};
  g_autoptr(GError) error = NULL;
  g_autofree char *proc = fixture("memory/v1/proc");
  ck_assert(!pl_cg_membership_read(proc, 99999, &m, &error));
  ck_assert_int_eq(pl_error_to_errno(error), ESRCH);
}
END_TEST

START_TEST(node_prefers_v1_then_enabled_v2)
{
  g_autoptr(PlCgLayout) hybrid = layout_of("hybrid");
  g_auto(PlCgMembership) m = {0};
  g_auto(PlCgNode) node = {0};
  ck_assert(pl_cg_membership_parse("4:memory:/box\n0::/box\n", &m, NULL));
  ck_assert(pl_cg_node_for(hybrid, &m, PL_CTRL_MEMORY, &node));
  ck_assert(!node.v2);
  ck_assert_str_eq(node.path, "/box");
  /* pids is not listed for this process and unified has no controllers. */
  g_auto(PlCgNode) none = {0};
  ck_assert(!pl_cg_node_for(hybrid, &m, PL_CTRL_PIDS, &none));

  g_autoptr(PlCgLayout) v2 = layout_of("v2");
  g_auto(PlCgNode) v2node = {0};
  ck_assert(pl_cg_node_for(v2, &m, PL_CTRL_BLKIO, &v2node));
  ck_assert(v2node.v2);
}
END_TEST

START_TEST(node_dirs_walk_up_to_the_root)
{
  PlCgNode node = {.mount = "/sys/fs/cgroup/memory", .path = (char *)"/a/b/c"};
  ck_assert_uint_eq(pl_cg_node_depth(&node), 3);
  g_autofree char *d0 = pl_cg_node_dir(&node, 0);
  g_autofree char *d1 = pl_cg_node_dir(&node, 1);
  g_autofree char *d3 = pl_cg_node_dir(&node, 3);
  g_autofree char *d4 = pl_cg_node_dir(&node, 4);
  ck_assert_str_eq(d0, "/sys/fs/cgroup/memory/a/b/c");
  ck_assert_str_eq(d1, "/sys/fs/cgroup/memory/a/b");
  ck_assert_str_eq(d3, "/sys/fs/cgroup/memory");
  ck_assert_ptr_null(d4);

  PlCgNode root = {.mount = "/sys/fs/cgroup", .path = (char *)"/"};
  ck_assert_uint_eq(pl_cg_node_depth(&root), 0);
  g_autofree char *r0 = pl_cg_node_dir(&root, 0);
  ck_assert_str_eq(r0, "/sys/fs/cgroup");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cgroup");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, discovers_v1);
  tcase_add_test(tc, discovers_v2);
  tcase_add_test(tc, discovers_hybrid_with_empty_unified);
  tcase_add_test(tc, discovery_fails_without_hierarchies);
  tcase_add_test(tc, membership_parses_v1_v2_and_comounted);
  tcase_add_test(tc, membership_rejects_malformed_and_escaping_paths);
  tcase_add_test(tc, membership_of_vanished_process_is_esrch);
  tcase_add_test(tc, node_prefers_v1_then_enabled_v2);
  tcase_add_test(tc, node_dirs_walk_up_to_the_root);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
