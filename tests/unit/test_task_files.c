/* Kept-open /proc/TID/{cgroup,stat}: read again through the kept descriptor, dropped when
 * its task is gone (never another task's text), and never kept for files off procfs. */
#include "proclens/cgroup.h"
#include "proclens/error.h"
#include "proclens/task_files.h"
#include "unit.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t
spawn_sleeper(void)
{
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    pause();
    _exit(0);
  }
  return pid;
}

/* What identifies the task in the text: all of /proc/TID/cgroup; stat's pid, comm and
 * parent (its state and counters move while the child settles into pause()). */
static char *
identity(PlTaskFile kind, const char *text)
{
  if (kind == PL_TASK_FILE_CGROUP)
    return g_strdup(text);
  const char *paren = strrchr(text, ')');
  ck_assert_ptr_nonnull(paren);
  int ppid = -1;
  char state;
  ck_assert_int_eq(sscanf(paren + 1, " %c %d", &state, &ppid), 2);
  return g_strdup_printf("%.*s %d", (int)(paren + 1 - text), text, ppid);
}

/* _i: the kind of file (PlTaskFile). */
START_TEST(kept_until_the_task_is_gone)
{
  static const char *const names[] = {"cgroup", "stat"};
  PlTaskFile kind = (PlTaskFile)_i;
  pl_task_files_enable();
  pid_t child = spawn_sleeper();
  g_autofree char *own = NULL, *first = NULL, *again = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf("/proc/%d/%s", (int)child, names[kind]);

  ck_assert(g_file_get_contents(path, &own, NULL, NULL));
  guint before = pl_task_files_kept(kind);
  ck_assert(pl_task_file_read(kind, "/proc", child, &first, &error));
  g_autofree char *own_id = identity(kind, own), *first_id = identity(kind, first);
  ck_assert_str_eq(first_id, own_id);
  ck_assert_uint_eq(pl_task_files_kept(kind), before + 1);
  ck_assert(pl_task_file_read(kind, "/proc", child, &again, &error));
  g_autofree char *again_id = identity(kind, again);
  ck_assert_str_eq(again_id, own_id);
  ck_assert_uint_eq(pl_task_files_kept(kind), before + 1);

  kill(child, SIGKILL);
  ck_assert_int_eq(waitpid(child, NULL, 0), child);
  /* The number may be reused at once; either way the old task's text never comes back
   * from the kept descriptor: the path is opened again. */
  ck_assert(!pl_task_file_read(kind, "/proc", child, &after, &error));
  ck_assert(g_error_matches(error, PL_ERRNO_ERROR, ENOENT) ||
            g_error_matches(error, PL_ERRNO_ERROR, ESRCH));
  ck_assert_uint_eq(pl_task_files_kept(kind), before);
}
END_TEST

/* A membership read of a caller that exited reports ESRCH, as before the cache. */
START_TEST(membership_of_an_exited_caller)
{
  pl_task_files_enable();
  pid_t child = spawn_sleeper();
  PlCgMembership m = {0};
  g_autoptr(GError) error = NULL;
  ck_assert(pl_cg_membership_read("/proc", child, &m, &error));
  pl_cg_membership_clear(&m);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  ck_assert(!pl_cg_membership_read("/proc", child, &m, &error));
  ck_assert(g_error_matches(error, PL_ERRNO_ERROR, ESRCH));
}
END_TEST

START_TEST(fixture_files_are_read_afresh)
{
  pl_task_files_enable();
  g_autofree char *root = g_dir_make_tmp("proc-cgroup-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename(root, "4242", NULL);
  g_autofree char *file = g_build_filename(dir, "cgroup", NULL);
  g_autofree char *one = NULL, *two = NULL;
  ck_assert_int_eq(g_mkdir(dir, 0755), 0);
  ck_assert(g_file_set_contents(file, "0::/a\n", -1, NULL));
  guint before = pl_task_files_kept(PL_TASK_FILE_CGROUP);
  ck_assert(pl_task_file_read(PL_TASK_FILE_CGROUP, root, 4242, &one, NULL));
  ck_assert_str_eq(one, "0::/a\n");
  ck_assert(g_file_set_contents(file, "0::/b\n", -1, NULL));
  ck_assert(pl_task_file_read(PL_TASK_FILE_CGROUP, root, 4242, &two, NULL));
  ck_assert_str_eq(two, "0::/b\n");
  ck_assert_uint_eq(pl_task_files_kept(PL_TASK_FILE_CGROUP), before);
  g_unlink(file);
  g_rmdir(dir);
  g_rmdir(root);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("task_files");
  TCase *tc = tcase_create("core");
  tcase_add_loop_test(tc, kept_until_the_task_is_gone, 0, PL_TASK_FILE_KINDS);
  tcase_add_test(tc, membership_of_an_exited_caller);
  tcase_add_test(tc, fixture_files_are_read_afresh);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
