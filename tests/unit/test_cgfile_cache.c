/* The kept-open cgroup files: which names may be kept, and that nothing but cgroupfs is
 * (a file elsewhere is read afresh each time, whatever happens to it). Invalidation on
 * cgroupfs itself (ENODEV after rmdir) is in tests/integration/read_cache.sh. */
#include "proclens/cgfile_cache.h"
#include "proclens/fileio.h"
#include "unit.h"

#include <glib/gstdio.h>

START_TEST(controller_value_files_are_cacheable)
{
  ck_assert(pl_cgfile_cacheable("/sys/fs/cgroup/memory/a/memory.stat"));
  ck_assert(pl_cgfile_cacheable("/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us"));
  ck_assert(pl_cgfile_cacheable("/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu"));
  ck_assert(pl_cgfile_cacheable("/sys/fs/cgroup/a/cpuset.cpus.effective"));
  ck_assert(pl_cgfile_cacheable("/sys/fs/cgroup/a/io.stat"));
  ck_assert(pl_cgfile_cacheable("memory.max"));
}
END_TEST

START_TEST(task_lists_and_host_files_are_not)
{
  ck_assert(!pl_cgfile_cacheable("/sys/fs/cgroup/memory/a/cgroup.procs"));
  ck_assert(!pl_cgfile_cacheable("/sys/fs/cgroup/cpu/a/tasks"));
  ck_assert(!pl_cgfile_cacheable("/proc/meminfo"));
  ck_assert(!pl_cgfile_cacheable("/proc/4711/cgroup"));
  ck_assert(!pl_cgfile_cacheable("/sys/fs/cgroup/memory.x/cgroup.procs"));
}
END_TEST

/* A cgroup directory of a fixture tree removed and made again with another limit. */
START_TEST(files_off_cgroupfs_are_read_afresh)
{
  g_autofree char *dir = g_dir_make_tmp("cgfile-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "memory.limit_in_bytes", NULL);
  g_autofree char *first = NULL, *second = NULL;

  pl_cgfile_cache_enable(NULL);
  ck_assert(g_file_set_contents(path, "314572800\n", -1, NULL));
  ck_assert(pl_read_file(path, &first, NULL, NULL));
  ck_assert(g_unlink(path) == 0 && g_rmdir(dir) == 0);
  ck_assert(g_mkdir(dir, 0700) == 0);
  ck_assert(g_file_set_contents(path, "209715200\n", -1, NULL));
  ck_assert(pl_read_file(path, &second, NULL, NULL));
  ck_assert_str_eq(first, "314572800\n");
  ck_assert_str_eq(second, "209715200\n");
  ck_assert_uint_eq(pl_cgfile_kept(), 0);
  g_unlink(path);
  g_rmdir(dir);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cgfile_cache");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, controller_value_files_are_cacheable);
  tcase_add_test(tc, task_lists_and_host_files_are_not);
  tcase_add_test(tc, files_off_cgroupfs_are_read_afresh);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
