/* The tasks of a container: task lists of a cgroup and its descendants, and the states in
 * /proc/TID/stat, on a temporary fixture tree. */
#include "cpu_unit.h"
#include "proclens/tasks.h"

#include <glib/gstdio.h>

static void
put(const char *root, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename(root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname(path);
  ck_assert_int_eq(g_mkdir_with_parents(dir, 0755), 0);
  ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static char *
tree(void)
{
  char *root = g_dir_make_tmp("tasks-XXXXXX", NULL);
  put(root, "cg/tasks", "101\n102\n");
  put(root, "cg/child/tasks", "103\n");
  put(root, "cg/child/grand/tasks", "");
  put(root, "cg/memory.stat", "cache 0\n");
  put(root, "proc/101/stat", "101 (a) R 1 101 101 0 -1\n");
  put(root, "proc/102/stat", "102 (sleepy one) S 1 102 102 0 -1\n");
  /* A command name may hold ") " and spaces: the state follows the last ')'. */
  put(root, "proc/103/stat", "103 (x) D (y) D 1 103 103 0 -1\n");
  return root;
}

static void
rm_tree(const char *root)
{
  g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
  ck_assert_int_eq(system(cmd), 0);
}

START_TEST(collects_the_cgroup_and_its_descendants)
{
  g_autofree char *root = tree();
  g_autofree char *cg = g_build_filename(root, "cg", NULL);
  g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
  ck_assert(pl_cg_tasks_collect(cg, FALSE, tids));
  ck_assert_uint_eq(tids->len, 3);
  g_autofree char *proc = g_build_filename(root, "proc", NULL);
  PlTaskCounts c;
  /* 104 is listed but gone (exited since): skipped. */
  pid_t gone = 104;
  g_array_append_val(tids, gone);
  pl_tasks_count(proc, tids, &c);
  ck_assert_uint_eq(c.total, 3);
  ck_assert_uint_eq(c.running, 1);
  ck_assert_uint_eq(c.blocked, 1);
  ck_assert_int_eq(c.max_tid, 103);
  rm_tree(root);
}
END_TEST

START_TEST(a_removed_cgroup_has_no_list)
{
  g_autofree char *root = tree();
  g_autofree char *gone = g_build_filename(root, "gone", NULL);
  g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
  ck_assert(!pl_cg_tasks_collect(gone, FALSE, tids));
  ck_assert_uint_eq(tids->len, 0);
  /* v2 lists threads in cgroup.threads: the v1 file is not read there. */
  g_autofree char *cg = g_build_filename(root, "cg", NULL);
  ck_assert(pl_cg_tasks_collect(cg, TRUE, tids));
  ck_assert_uint_eq(tids->len, 0);
  rm_tree(root);
}
END_TEST

/* The request thread's bound: a bigger cgroup is found out from its task lists, the mark is
 * this thread's, and a bound of 0 gives the full list again. */
START_TEST(thread_bound_marks_a_bigger_cgroup)
{
  g_autofree char *root = tree();
  g_autofree char *cg = g_build_filename(root, "cg", NULL);
  g_autoptr(GArray) small = g_array_new(FALSE, FALSE, sizeof(pid_t));
  g_autoptr(GArray) big = g_array_new(FALSE, FALSE, sizeof(pid_t));
  g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(pid_t));
  pl_tasks_limit_thread(3);
  ck_assert(pl_cg_tasks_collect(cg, FALSE, small));
  ck_assert_uint_eq(small->len, 3);
  pl_tasks_limit_thread(2);
  ck_assert(!pl_tasks_limit_hit());
  ck_assert(pl_cg_tasks_collect(cg, FALSE, big));
  ck_assert(pl_tasks_limit_hit());
  ck_assert_uint_le(big->len, 2);
  pl_tasks_limit_thread(0);
  ck_assert(!pl_tasks_limit_hit());
  ck_assert(pl_cg_tasks_collect(cg, FALSE, all));
  ck_assert(!pl_tasks_limit_hit());
  ck_assert_uint_eq(all->len, 3);
  rm_tree(root);
}
END_TEST

START_TEST(state_letters)
{
  ck_assert_int_eq(pl_proc_stat_state("1 (init) S 0"), 'S');
  ck_assert_int_eq(pl_proc_stat_state("7 (a) b) R 1"), 'R');
  ck_assert_int_eq(pl_proc_stat_state("7 (no close paren R 1"), 0);
  ck_assert_int_eq(pl_proc_stat_state("7 (a)"), 0);
  ck_assert_int_eq(pl_proc_stat_state(""), 0);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("tasks");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, collects_the_cgroup_and_its_descendants);
  tcase_add_test(tc, a_removed_cgroup_has_no_list);
  tcase_add_test(tc, thread_bound_marks_a_bigger_cgroup);
  tcase_add_test(tc, state_letters);
  suite_add_tcase(s, tc);
  return cpu_run_suite(s);
}
