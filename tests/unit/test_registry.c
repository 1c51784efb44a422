/* The container registry's files: names, parsing, writing and removing. */
#include "proclens/error.h"
#include "proclens/registry.h"
#include "unit.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

START_TEST(names_are_one_safe_path_component)
{
  g_autofree char *longest = g_strnfill(PL_REGISTRY_NAME_MAX, 'a');
  g_autofree char *too_long = g_strnfill(PL_REGISTRY_NAME_MAX + 1, 'a');
  const char *good[] = {"web", "4f1c0e9a2b", "pod_1.app-2", "A", longest};
  const char *bad[] = {"", ".", "..", ".web.tmp", "a/b", "../etc", "a b", "é", "x\n", too_long};

  for (gsize i = 0; i < G_N_ELEMENTS(good); i++)
    ck_assert_msg(pl_registry_name_valid(good[i], NULL), "%s", good[i]);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    ck_assert_msg(!pl_registry_name_valid(bad[i], &error), "%s", bad[i]);
    ck_assert_int_eq(pl_error_to_errno(error), EINVAL);
  }
}
END_TEST

START_TEST(parse_reads_cgroup_and_optional_pid)
{
  g_auto(PlRegistryEntry) a = {0};
  g_auto(PlRegistryEntry) b = {0};
  g_auto(PlRegistryEntry) root = {0};

  ck_assert(pl_registry_entry_parse("[container]\ncgroup=/proclens/ab12\npid=4711\n", &a, NULL));
  ck_assert_str_eq(a.cgroup, "/proclens/ab12");
  ck_assert_int_eq(a.pid, 4711);
  /* Normalised: repeated and trailing slashes go; a comment and blank lines are fine. */
  ck_assert(pl_registry_entry_parse("# by hand\n\n[container]\ncgroup= //k8s//pod1/ \n", &b, NULL));
  ck_assert_str_eq(b.cgroup, "/k8s/pod1");
  ck_assert_int_eq(b.pid, 0);
  ck_assert(pl_registry_entry_parse("[container]\ncgroup=/\n", &root, NULL));
  ck_assert_str_eq(root.cgroup, "/");
}
END_TEST

START_TEST(parse_refuses_what_it_cannot_use)
{
  const char *bad[] = {
      "",                                          /* no group */
      "cgroup=/a\n",                               /* no group header */
      "[container]\npid=12\n",                     /* no cgroup */
      "[container]\ncgroup=relative/path\n",       /* not absolute */
      "[container]\ncgroup=/a/../b\n",             /* climbs */
      "[container]\ncgroup=/a/./b\n",              /* "." component */
      "[container]\ncgroup=/a\npid=0\n",           /* no such pid */
      "[container]\ncgroup=/a\npid=-3\n",          /* negative */
      "[container]\ncgroup=/a\npid=12abc\n",       /* garbage */
      "[container]\ncgroup=/a\npid=99999999999\n", /* beyond pid_t */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_auto(PlRegistryEntry) e = {0};
    g_autoptr(GError) error = NULL;
    ck_assert_msg(!pl_registry_entry_parse(bad[i], &e, &error), "accepted: %s", bad[i]);
    ck_assert_ptr_null(e.cgroup);
    ck_assert_int_eq(pl_error_to_errno(error), EINVAL);
  }
}
END_TEST

START_TEST(format_parses_back)
{
  PlRegistryEntry in = {.cgroup = (char *)"/proclens/ff00", .pid = 99};
  g_auto(PlRegistryEntry) out = {0};
  g_autofree char *text = pl_registry_entry_format(&in);
  ck_assert(pl_registry_entry_parse(text, &out, NULL));
  ck_assert_str_eq(out.cgroup, in.cgroup);
  ck_assert_int_eq(out.pid, 99);
}
END_TEST

START_TEST(add_load_remove_in_a_directory)
{
  g_autofree char *tmp = g_dir_make_tmp("registry-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename(tmp, "sub", "containers", NULL);
  PlRegistryEntry in = {.cgroup = (char *)"/proclens/c1"};
  g_auto(PlRegistryEntry) out = {0};
  g_autoptr(GError) missing = NULL;
  g_autoptr(GError) invalid = NULL;

  /* The directory is made on demand; no temporary file is left behind. */
  ck_assert(pl_registry_add(dir, "c1", &in, NULL));
  ck_assert(pl_registry_load(dir, "c1", &out, NULL));
  ck_assert_str_eq(out.cgroup, "/proclens/c1");
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  ck_assert_str_eq(g_dir_read_name(d), "c1");
  ck_assert_ptr_null(g_dir_read_name(d));
  /* A name that could escape the directory is refused before any file is touched. */
  ck_assert(!pl_registry_add(dir, "../c2", &in, &invalid));
  ck_assert_int_eq(pl_error_to_errno(invalid), EINVAL);
  ck_assert(pl_registry_remove(dir, "c1", NULL));
  ck_assert(pl_registry_remove(dir, "c1", NULL)); /* already gone: fine */
  ck_assert(!pl_registry_load(dir, "c1", &out, &missing));
  ck_assert(g_error_matches(missing, G_FILE_ERROR, G_FILE_ERROR_NOENT));
  g_rmdir(dir);
  g_autofree char *sub = g_path_get_dirname(dir);
  g_rmdir(sub);
  g_rmdir(tmp);
}
END_TEST

START_TEST(cgroup_of_picks_a_hierarchy_the_daemon_reads)
{
  PlCgLayout v1 = {.kind = PL_CG_LAYOUT_HYBRID};
  PlCgLayout v2 = {.kind = PL_CG_LAYOUT_V2, .v2_dir = (char *)"/sys/fs/cgroup"};
  PlCgMembership m = {0};

  v1.v1_dir[PL_CTRL_CPU] = (char *)"/sys/fs/cgroup/cpu";
  v1.v1_dir[PL_CTRL_MEMORY] = (char *)"/sys/fs/cgroup/memory";
  v1.v2_dir = (char *)"/sys/fs/cgroup/unified";
  m.v1_path[PL_CTRL_CPU] = (char *)"/oci/c1";
  m.v1_path[PL_CTRL_MEMORY] = (char *)"/";
  m.v1_path[PL_CTRL_PIDS] = (char *)"/not-mounted";
  m.v2_path = (char *)"/unified-path";
  /* memory first, but its root cgroup says nothing; pids is not mounted here. */
  ck_assert_str_eq(pl_registry_cgroup_of(&v1, &m), "/oci/c1");
  ck_assert_str_eq(pl_registry_cgroup_of(&v2, &m), "/unified-path");
  m.v2_path = (char *)"/";
  ck_assert_ptr_null(pl_registry_cgroup_of(&v2, &m));
  m.v1_path[PL_CTRL_CPU] = NULL;
  m.v2_path = NULL;
  ck_assert_ptr_null(pl_registry_cgroup_of(&v1, &m));
}
END_TEST

START_TEST(view_dir_only_where_the_daemon_serves_the_name)
{
  g_autofree char *tmp = g_dir_make_tmp("registry-XXXXXX", NULL);
  g_autofree char *proc = g_build_filename(tmp, "containers", "web", "proc", NULL);
  g_autofree char *want = g_build_filename(tmp, "containers", "web", NULL);

  ck_assert_ptr_null(pl_registry_view_dir(tmp, "web"));
  ck_assert_int_eq(g_mkdir_with_parents(proc, 0700), 0);
  g_autofree char *dir = pl_registry_view_dir(tmp, "web");
  ck_assert_str_eq(dir, want);
  ck_assert_ptr_null(pl_registry_view_dir(tmp, "web/proc/.."));
  ck_assert_ptr_null(pl_registry_view_dir(tmp, "other"));
  g_rmdir(proc);
  g_rmdir(want);
  g_autofree char *containers = g_path_get_dirname(want);
  g_rmdir(containers);
  g_rmdir(tmp);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("registry");
  TCase *tc = tcase_create("registry");
  tcase_add_test(tc, names_are_one_safe_path_component);
  tcase_add_test(tc, parse_reads_cgroup_and_optional_pid);
  tcase_add_test(tc, parse_refuses_what_it_cannot_use);
  tcase_add_test(tc, format_parses_back);
  tcase_add_test(tc, add_load_remove_in_a_directory);
  tcase_add_test(tc, cgroup_of_picks_a_hierarchy_the_daemon_reads);
  tcase_add_test(tc, view_dir_only_where_the_daemon_serves_the_name);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
