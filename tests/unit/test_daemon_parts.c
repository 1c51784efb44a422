/* The daemon's pure parts: mountinfo lookup, the tree, option parsing, the size guard. */
#include "mountpoint.h"
#include "options.h"
#include "remount.h"
#include "size_guard.h"
#include "tree.h"
#include "unit.h"

#include <string.h>

static const char mountinfo[] =
    "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
    "40 22 0:37 / /var/lib/lxcfs rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs rw,user_id=0\n"
    "41 22 0:38 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
    "42 22 0:39 / /stacked rw - tmpfs tmpfs rw\n"
    "43 42 0:40 / /stacked ro - fuse.proclens proclens ro\n";

START_TEST(fstype_of_mountpoints)
{
  g_autofree char *lxcfs = mountpoint_fstype(mountinfo, "/var/lib/lxcfs");
  g_autofree char *spaced = mountpoint_fstype(mountinfo, "/mnt/with space");
  g_autofree char *stacked = mountpoint_fstype(mountinfo, "/stacked");
  g_autofree char *none = mountpoint_fstype(mountinfo, "/var/lib");
  ck_assert_str_eq(lxcfs, "fuse.lxcfs");
  ck_assert_str_eq(spaced, "tmpfs");
  ck_assert_str_eq(stacked, "fuse.proclens");
  ck_assert_ptr_null(none);
}
END_TEST

static const PlVfile files[] = {
    {.path = "proc/meminfo"},
    {.path = "proc/swaps"},
    {.path = "sys/devices/system/cpu/online"},
    {.path = NULL},
};

START_TEST(tree_from_paths)
{
  g_autoptr(Tree) tree = tree_new(files);
  TreeNode *root = tree_get(tree, 1);
  ck_assert_ptr_nonnull(root);
  ck_assert_uint_eq(root->children->len, 2); /* proc, sys */
  TreeNode *proc = tree_child(root, "proc");
  TreeNode *meminfo = tree_child(proc, "meminfo");
  ck_assert_ptr_eq(meminfo->file, &files[0]);
  ck_assert_ptr_eq(tree_get(tree, meminfo->ino), meminfo);
  ck_assert_ptr_null(tree_child(proc, "nope"));
  ck_assert_ptr_null(tree_child(meminfo, "x"));
  ck_assert_ptr_null(tree_get(tree, 0));
  ck_assert_ptr_null(tree_get(tree, 999));
  struct stat st;
  tree_stat(tree, meminfo, &st);
  ck_assert_int_eq(st.st_mode, S_IFREG | 0444);
  tree_stat(tree, proc, &st);
  ck_assert_int_eq(st.st_mode, S_IFDIR | 0555);
}
END_TEST

static gboolean
parse(const char *const *argv_in, DaemonOptions *o, int *exit_status, GError **error)
{
  int argc = g_strv_length((char **)argv_in);
  g_auto(GStrv) argv = g_strdupv((char **)argv_in);
  char **copy = g_memdup2(argv, sizeof(char *) * (argc + 1)); /* GOption reorders */
  gboolean ok = daemon_options_parse(argc, copy, o, exit_status, error);
  g_free(copy);
  return ok;
}

START_TEST(options_defaults_and_overrides)
{
  g_auto(DaemonOptions) o = {0};
  int status;
  const char *const defaults[] = {"proclensd", NULL};
  ck_assert(parse(defaults, &o, &status, NULL));
  ck_assert_str_eq(o.mountpoint, "/var/lib/lxcfs");
  ck_assert_str_eq(o.cgroup_root, "/sys/fs/cgroup");
  ck_assert_str_eq(o.proc_root, "/proc");
  ck_assert_str_eq(o.state_dir, REMOUNT_DEFAULT_STATE_DIR);
  /* Not given: the config file's value may replace these defaults. */
  ck_assert(!o.mountpoint_given && !o.cgroup_root_given && !o.proc_root_given);
  ck_assert(!o.state_dir_given);
  daemon_options_clear(&o);
  const char *const custom[] = {
      "proclensd",  "--cgroup-root",      "/x",     "-o", "max_read=4096", "-p",
      "/run/p.pid", "--state-dir=/run/s", "/mnt/y", NULL};
  ck_assert(parse(custom, &o, &status, NULL));
  ck_assert_str_eq(o.mountpoint, "/mnt/y");
  ck_assert_str_eq(o.cgroup_root, "/x");
  ck_assert_str_eq(o.pidfile, "/run/p.pid");
  ck_assert_str_eq(o.state_dir, "/run/s");
  ck_assert(o.mountpoint_given && o.cgroup_root_given && o.state_dir_given);
  ck_assert(!o.proc_root_given);
  ck_assert_str_eq(o.fuse_options[0], "max_read=4096");
}
END_TEST

START_TEST(options_errors)
{
  g_auto(DaemonOptions) o = {0};
  g_autoptr(GError) error = NULL;
  int status = 0;
  const char *const unknown[] = {"proclensd", "--bogus", NULL};
  ck_assert(!parse(unknown, &o, &status, &error));
  ck_assert_int_eq(status, 2);
  ck_assert(strstr(error->message, "--bogus") != NULL);
  g_clear_error(&error);
  const char *const two[] = {"proclensd", "/a", "/b", NULL};
  ck_assert(!parse(two, &o, &status, &error));
  ck_assert_int_eq(status, 2);
  g_clear_error(&error);
  const char *const many[] = {"proclensd", "--threads=65", NULL};
  ck_assert(!parse(many, &o, &status, &error));
  ck_assert(strstr(error->message, "--threads") != NULL);
  g_clear_error(&error);
  const char *const zero[] = {"proclensd", "--threads=0", NULL};
  ck_assert(!parse(zero, &o, &status, &error));
  g_clear_error(&error);
  const char *const negative[] = {"proclensd", "--threads=-1", NULL};
  ck_assert(!parse(negative, &o, &status, &error));
  g_clear_error(&error);
  const char *const two_threads[] = {"proclensd", "--threads=2", NULL};
  ck_assert(parse(two_threads, &o, &status, &error));
  ck_assert_int_eq(o.threads, 2);
}
END_TEST

/* Only a short page-cache READ (no lock owner) marks an inode, once; an open takes it. */
START_TEST(size_guard_marks)
{
  g_autoptr(SizeGuard) guard = size_guard_new();
  ck_assert(!size_guard_take(guard, 6));
  size_guard_short_read(guard, 6, 0x1f9f8d62dd01cf08ULL); /* a direct read(2) */
  ck_assert(!size_guard_take(guard, 6));
  size_guard_short_read(guard, 6, 0);
  size_guard_short_read(guard, 6, 0);
  size_guard_short_read(guard, 9, 0);
  ck_assert(!size_guard_take(guard, 7));
  ck_assert(size_guard_take(guard, 6));
  ck_assert(!size_guard_take(guard, 6));
  ck_assert(size_guard_take(guard, 9));
  ck_assert(!size_guard_take(guard, 9));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("daemon_parts");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, fstype_of_mountpoints);
  tcase_add_test(tc, tree_from_paths);
  tcase_add_test(tc, options_defaults_and_overrides);
  tcase_add_test(tc, options_errors);
  tcase_add_test(tc, size_guard_marks);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
