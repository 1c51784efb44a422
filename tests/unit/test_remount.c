/* Restart repair: mountinfo parsing, the plan for one namespace, the state file. */
#include "proclens/mountinfo.h"
#include "remount_plan.h"
#include "remount_state.h"
#include "unit.h"

#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static GPtrArray *
load_fixture(void)
{
  g_autofree char *path = fixture("mountinfo/restart");
  g_autofree char *text = NULL;
  ck_assert(g_file_get_contents(path, &text, NULL, NULL));
  return pl_mountinfo_parse(text);
}

START_TEST(parses_fields_and_escapes)
{
  g_autoptr(GPtrArray) mounts = load_fixture();
  ck_assert_uint_eq(mounts->len, 15); /* the two malformed lines are skipped */
  const PlMount *m = mounts->pdata[2];
  ck_assert_int_eq(m->id, 502);
  ck_assert_int_eq(m->parent_id, 501);
  ck_assert_uint_eq(major(m->dev), 0);
  ck_assert_uint_eq(minor(m->dev), 45);
  ck_assert_str_eq(m->root, "/proc/meminfo");
  ck_assert_str_eq(m->fstype, "fuse.proclens"); /* after the optional field master:7 */
  ck_assert_str_eq(m->source, "proclens:aa");
  ck_assert(pl_mount_has_option(m, "rw"));
  ck_assert(!pl_mount_has_option(m, "ro"));
  const PlMount *spaced = pl_mountinfo_find_id(mounts, 509);
  ck_assert_str_eq(spaced->root, "/containers/web app/proc/uptime");
  ck_assert_str_eq(spaced->mountpoint, "/srv/with space/uptime\\x");
  g_autofree char *odd = pl_mountinfo_unescape("a\\012b\\011c\\9d\\04");
  ck_assert_str_eq(odd, "a\nb\tc\\9d\\04"); /* only complete \ooo escapes */
}
END_TEST

START_TEST(top_and_covered)
{
  g_autoptr(GPtrArray) mounts = load_fixture();
  ck_assert_int_eq(pl_mountinfo_top_at(mounts, "/proc/cpuinfo")->id, 504);
  ck_assert_int_eq(pl_mountinfo_top_at(mounts, "/proc/stat")->id, 506);
  ck_assert(pl_mountinfo_is_covered(mounts, pl_mountinfo_find_id(mounts, 505)));
  ck_assert(!pl_mountinfo_is_covered(mounts, pl_mountinfo_find_id(mounts, 502)));
  ck_assert_ptr_null(pl_mountinfo_top_at(mounts, "/nowhere"));
}
END_TEST

static const RemountAction *
action_at(GPtrArray *actions, const char *target)
{
  for (guint i = 0; i < actions->len; i++) {
    const RemountAction *a = actions->pdata[i];
    if (strcmp(a->target, target) == 0)
      return a;
  }
  return NULL;
}

START_TEST(plan_picks_the_dead_device_only)
{
  g_autoptr(GPtrArray) mounts = load_fixture();
  const char *const ids[] = {"0:99 proclens:aa", "0:45 proclens:aa", NULL};
  g_autoptr(GPtrArray) actions = remount_plan(mounts, REMOUNT_FSTYPE, ids);
  /* meminfo, cpuinfo (a stack of two), the CPU directory, the spaced path, the whole
   * mount; not stat (covered by a tmpfs), loadavg (another device), swaps (another
   * type), version (the same device number, another instance's), nor the diskstats bind
   * inside the whole-mount bind. */
  ck_assert_uint_eq(actions->len, 5);
  ck_assert_uint_eq(action_at(actions, "/proc/meminfo")->detach, 1);
  ck_assert_str_eq(action_at(actions, "/proc/meminfo")->root, "/proc/meminfo");
  ck_assert_uint_eq(action_at(actions, "/proc/cpuinfo")->detach, 2);
  ck_assert_str_eq(action_at(actions, "/sys/devices/system/cpu")->root, "/sys/devices/system/cpu");
  ck_assert_str_eq(action_at(actions, "/srv/with space/uptime\\x")->root,
                   "/containers/web app/proc/uptime");
  ck_assert_str_eq(action_at(actions, "/var/lib/lxcfs")->root, "/");
  ck_assert_ptr_null(action_at(actions, "/proc/stat"));
  ck_assert_ptr_null(action_at(actions, "/proc/loadavg"));
  ck_assert_ptr_null(action_at(actions, "/proc/swaps"));
  ck_assert_ptr_null(action_at(actions, "/proc/version"));
  ck_assert_ptr_null(action_at(actions, "/var/lib/lxcfs/proc/diskstats"));
  const char *const other[] = {"0:46 proclens:cc", NULL};
  g_autoptr(GPtrArray) only_loadavg = remount_plan(mounts, REMOUNT_FSTYPE, other);
  ck_assert_uint_eq(only_loadavg->len, 1);
  ck_assert_str_eq(((RemountAction *)only_loadavg->pdata[0])->id, "0:46 proclens:cc");
  const char *const no_ids[] = {NULL};
  g_autoptr(GPtrArray) none = remount_plan(mounts, REMOUNT_FSTYPE, no_ids);
  ck_assert_uint_eq(none->len, 0);
}
END_TEST

START_TEST(plan_keeps_mount_flags)
{
  g_autoptr(GPtrArray) mounts = load_fixture();
  guint set, clr;
  remount_attrs_from_options(pl_mountinfo_find_id(mounts, 502), &set, &clr);
  ck_assert_uint_eq(set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_RELATIME);
  ck_assert(clr & MOUNT_ATTR_RDONLY);
  ck_assert(clr & MOUNT_ATTR_NOEXEC);
  ck_assert_uint_eq(clr & MOUNT_ATTR__ATIME, MOUNT_ATTR__ATIME);
  remount_attrs_from_options(pl_mountinfo_find_id(mounts, 503), &set, &clr);
  ck_assert_uint_eq(set,
                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOATIME);
  ck_assert_uint_eq(set & clr & ~MOUNT_ATTR__ATIME, 0);
}
END_TEST

START_TEST(identity_and_role)
{
  g_autoptr(GPtrArray) mounts = load_fixture();
  g_autofree char *id = remount_identity(pl_mountinfo_find_id(mounts, 502));
  ck_assert_str_eq(id, "0:45 proclens:aa");
  const char *const cases[][2] = {
      {"0:45 proclens:1a2b3c4d", "proclens"},
      {"0:46 proclens-containers:1a2b3c4d", "proclens-containers"},
      {"0:45 proclens", "proclens"}, /* before fsnames had a number */
      {"0:47 a:b:c", "a:b"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *role = remount_identity_role(cases[i][0]);
    ck_assert_str_eq(role, cases[i][1]);
  }
}
END_TEST

START_TEST(state_file)
{
  g_autoptr(GPtrArray) ids =
      remount_state_parse("0:45 proclens:aa\nbogus\n0:7x proclens:b\n0:8\n0:9 a b\n\n259:3 x\n");
  ck_assert_uint_eq(ids->len, 2);
  ck_assert_str_eq(ids->pdata[0], "0:45 proclens:aa");
  ck_assert_str_eq(ids->pdata[1], "259:3 x");
  g_autofree char *a = remount_state_path("/run/proclensd", "/var/lib/lxcfs");
  g_autofree char *b = remount_state_path("/run/proclensd", "/var/lib/lxcfs/x");
  ck_assert_str_eq(a, "/run/proclensd/%2Fvar%2Flib%2Flxcfs.dev");
  ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(state_file_round_trip)
{
  g_autofree char *dir = g_dir_make_tmp("remount-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename(dir, "state", NULL);
  g_autofree char *path = remount_state_path(sub, "/m");
  g_autoptr(GPtrArray) missing = remount_state_load(path);
  ck_assert_uint_eq(missing->len, 0);
  g_autoptr(GPtrArray) ids = g_ptr_array_new();
  g_ptr_array_add(ids, "0:50 proclens:0badcafe");
  g_ptr_array_add(ids, "0:45 proclens");
  ck_assert(remount_state_save(path, ids, NULL)); /* creates the directory */
  g_autoptr(GPtrArray) loaded = remount_state_load(path);
  ck_assert_uint_eq(loaded->len, 2);
  ck_assert_str_eq(loaded->pdata[1], "0:45 proclens");
  unlink(path);
  rmdir(sub);
  rmdir(dir);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("remount");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, parses_fields_and_escapes);
  tcase_add_test(tc, top_and_covered);
  tcase_add_test(tc, plan_picks_the_dead_device_only);
  tcase_add_test(tc, plan_keeps_mount_flags);
  tcase_add_test(tc, identity_and_role);
  tcase_add_test(tc, state_file);
  tcase_add_test(tc, state_file_round_trip);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
