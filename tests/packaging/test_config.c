/* proclensd.conf: parsing, errors that name the line and key, file selection, and the
 * shipped config/proclensd.conf. */
#include "config_file.h"
#include "remount.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static gboolean
parse(const char *text, DaemonConfig *ret, GError **error)
{
  return daemon_config_parse(text, "test.conf", ret, error);
}

/* Parses text, expects failure, and checks the message holds each of the needles. */
static void
expect_error(const char *text, int code, const char *needle1, const char *needle2)
{
  g_auto(DaemonConfig) c = {0};
  g_autoptr(GError) error = NULL;
  ck_assert_msg(!parse(text, &c, &error), "accepted: %s", text);
  ck_assert_int_eq(error->code, code);
  ck_assert_msg(strstr(error->message, needle1) != NULL, "'%s' not in '%s'", needle1,
                error->message);
  if (needle2 != NULL)
    ck_assert_msg(strstr(error->message, needle2) != NULL, "'%s' not in '%s'", needle2,
                  error->message);
}

START_TEST(defaults)
{
  g_auto(DaemonConfig) c = {0};
  ck_assert(parse("", &c, NULL));
  ck_assert_ptr_null(c.mountpoint);
  ck_assert_ptr_null(c.state_dir); /* the options' default (REMOUNT_DEFAULT_STATE_DIR) holds */
  ck_assert_ptr_null(c.files);
  ck_assert(c.quota_cap && c.loadavg && c.swap);
  ck_assert_int_eq(c.log_level, G_LOG_LEVEL_MESSAGE);
}
END_TEST

START_TEST(every_key)
{
  g_auto(DaemonConfig) c = {0};
  g_autoptr(GError) error = NULL;
  const char *text = "# comment\n"
                     "[daemon]\n"
                     "mountpoint = /mnt/x\n"
                     "cgroup-root=/cg\n"
                     "proc-root=/p\n"
                     "state-dir = /run/st \n"
                     "log-level=DEBUG\n"
                     "\n"
                     "[views]\n"
                     "files=proc/meminfo; /proc/pressure/ ;sys/devices/system/cpu\n"
                     "cpu-quota-cap=false\n"
                     "loadavg=0\n"
                     "swap=false\n";
  ck_assert_msg(parse(text, &c, &error), "%s", error ? error->message : "");
  ck_assert_str_eq(c.mountpoint, "/mnt/x");
  ck_assert_str_eq(c.cgroup_root, "/cg");
  ck_assert_str_eq(c.proc_root, "/p");
  ck_assert_str_eq(c.state_dir, "/run/st");
  ck_assert_int_eq(c.log_level, G_LOG_LEVEL_DEBUG);
  ck_assert_uint_eq(g_strv_length(c.files), 3);
  ck_assert_str_eq(c.files[1], "proc/pressure");
  ck_assert(!c.quota_cap && !c.loadavg && !c.swap);
}
END_TEST

START_TEST(errors_name_line_and_key)
{
  expect_error("[views]\nloadavg=maybe\n", DAEMON_CONFIG_ERROR_VALUE,
               "test.conf:2:", "[views] loadavg: 'maybe'");
  expect_error("\n[daemon]\n\nlog-level=loud\n", DAEMON_CONFIG_ERROR_VALUE,
               "test.conf:4:", "log-level");
  expect_error("[daemon]\nmountpoint=relative/dir\n", DAEMON_CONFIG_ERROR_VALUE,
               ":2:", "mountpoint: 'relative/dir' is not an absolute path");
  expect_error("[daemon]\nlog-level=info\n\nstate-dir=run/proclensd\n", DAEMON_CONFIG_ERROR_VALUE,
               "test.conf:4:", "[daemon] state-dir: 'run/proclensd' is not an absolute path");
  expect_error("[daemon]\nstate-dir=/a\nstate-dir=/b\n", DAEMON_CONFIG_ERROR_SYNTAX,
               ":3:", "state-dir is already set on line 2");
  expect_error("[containers]\nstate-dir=/a\n", DAEMON_CONFIG_ERROR_UNKNOWN,
               ":2:", "unknown key 'state-dir' in [containers]");
  expect_error("[views]\nfiles=proc/meminfo;proc/nope\n", DAEMON_CONFIG_ERROR_VALUE,
               ":2:", "'proc/nope'");
  expect_error("[views]\nsawp=true\n", DAEMON_CONFIG_ERROR_UNKNOWN, ":2:", "unknown key 'sawp'");
  expect_error("[deamon]\n", DAEMON_CONFIG_ERROR_UNKNOWN, ":1:", "[deamon]");
  expect_error("[daemon]\nno equals sign\n", DAEMON_CONFIG_ERROR_SYNTAX, ":2:", NULL);
  expect_error("loadavg=true\n", DAEMON_CONFIG_ERROR_SYNTAX, ":1:", "before any [group]");
  expect_error("[views]\nswap=true\n# x\nswap=false\n", DAEMON_CONFIG_ERROR_SYNTAX,
               ":4:", "already set on line 2");
  expect_error("[views\n", DAEMON_CONFIG_ERROR_SYNTAX, ":1:", NULL);
}
END_TEST

START_TEST(container_views_keys)
{
  g_auto(DaemonConfig) dflt = {0};
  g_auto(DaemonConfig) c = {0};
  ck_assert(parse("", &dflt, NULL));
  ck_assert_ptr_null(dflt.registry);
  ck_assert_uint_eq(dflt.refresh_interval, 100);
  ck_assert(parse("[containers]\nregistry=/run/x\nrefresh-interval= 250 \n", &c, NULL));
  ck_assert_str_eq(c.registry, "/run/x");
  ck_assert_uint_eq(c.refresh_interval, 250);
  expect_error("[containers]\nrefresh-interval=0\n", DAEMON_CONFIG_ERROR_VALUE,
               ":2:", "refresh-interval");
  expect_error("[containers]\n\nrefresh-interval=10ms\n", DAEMON_CONFIG_ERROR_VALUE,
               ":3:", "milliseconds");
  expect_error("[containers]\nregistry=run/x\n", DAEMON_CONFIG_ERROR_VALUE, ":2:", "absolute");
}
END_TEST

START_TEST(select_files)
{
  const char *const some[] = {"proc/meminfo", "sys/devices/system/cpu", NULL};
  g_autofree PlVfile *all = daemon_config_select_vfiles(pl_vfiles, NULL);
  g_autofree PlVfile *sel = daemon_config_select_vfiles(pl_vfiles, (char *const *)some);
  guint n_all = 0, n_sel = 0, n_table = 0;
  while (pl_vfiles[n_table].path != NULL)
    n_table++;
  while (all[n_all].path != NULL)
    n_all++;
  ck_assert_uint_eq(n_all, n_table);
  for (; sel[n_sel].path != NULL; n_sel++)
    ck_assert(strcmp(sel[n_sel].path, "proc/meminfo") == 0 ||
              g_str_has_prefix(sel[n_sel].path, "sys/devices/system/cpu"));
  ck_assert_str_eq(sel[0].path, "proc/meminfo");
  ck_assert_uint_ge(n_sel, 2);
  ck_assert_uint_lt(n_sel, n_all);
}
END_TEST

START_TEST(shipped_file)
{
  g_autofree char *path =
      g_build_filename(g_getenv("PROCLENS_SOURCE_ROOT"), "config", "proclensd.conf", NULL);
  g_auto(DaemonConfig) c = {0};
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  ck_assert_msg(daemon_config_load(path, TRUE, &c, &found, &error), "%s",
                error ? error->message : "");
  ck_assert(found);
  ck_assert_ptr_null(c.files); /* everything is commented out: the defaults */
  /* The same file with every commented-out key set, as an administrator would. */
  g_autofree char *text = NULL;
  ck_assert(g_file_get_contents(path, &text, NULL, NULL));
  g_autoptr(GRegex) uncomment = g_regex_new("^#([a-z-]+=)", G_REGEX_MULTILINE, 0, NULL);
  g_autofree char *all_set = g_regex_replace(uncomment, text, -1, 0, "\\1", 0, NULL);
  g_auto(DaemonConfig) c2 = {0};
  ck_assert_msg(parse(all_set, &c2, &error), "%s", error ? error->message : "");
  ck_assert_str_eq(c2.mountpoint, "/var/lib/lxcfs");
  ck_assert_str_eq(c2.state_dir, REMOUNT_DEFAULT_STATE_DIR); /* the documented default */
  ck_assert_ptr_nonnull(c2.files);
  g_autofree PlVfile *sel = daemon_config_select_vfiles(pl_vfiles, c2.files);
  guint n = 0, n_table = 0;
  while (sel[n].path != NULL)
    n++;
  while (pl_vfiles[n_table].path != NULL)
    n_table++;
  ck_assert_uint_eq(n, n_table); /* the listed default is every file */
}
END_TEST

START_TEST(missing_file)
{
  g_auto(DaemonConfig) c = {0};
  g_autoptr(GError) error = NULL;
  gboolean found = TRUE;
  ck_assert(daemon_config_load("/nonexistent/proclensd.conf", FALSE, &c, &found, NULL));
  ck_assert(!found);
  ck_assert(!daemon_config_load("/nonexistent/proclensd.conf", TRUE, &c, &found, &error));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, defaults);
  tcase_add_test(tc, every_key);
  tcase_add_test(tc, errors_name_line_and_key);
  tcase_add_test(tc, select_files);
  tcase_add_test(tc, container_views_keys);
  tcase_add_test(tc, shipped_file);
  tcase_add_test(tc, missing_file);
  suite_add_tcase(s, tc);
  SRunner *runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
