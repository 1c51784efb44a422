/* Unit tests of the launcher's pure parsers: sizes, --cpus, CPU lists, users, volume specs,
 * container id/name matching, inspect --format templates, signal names. */
#include "cli.h"
#include "idmap.h"
#include "size.h"
#include "state.h"
#include "template.h"
#include "undo.h"
#include "volume.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>

static gint64
size_of(const char *text)
{
  gint64 v = -12345;
  g_autoptr(GError) error = NULL;
  if (!plc_parse_size(text, &v, &error))
    return -1;
  return v;
}

START_TEST(test_sizes)
{
  ck_assert_int_eq(size_of("1024"), 1024);
  ck_assert_int_eq(size_of("256m"), 256LL << 20);
  ck_assert_int_eq(size_of("256M"), 256LL << 20);
  ck_assert_int_eq(size_of("256mb"), 256LL << 20);
  ck_assert_int_eq(size_of("1g"), 1LL << 30);
  ck_assert_int_eq(size_of("1.5g"), 3LL << 29);
  ck_assert_int_eq(size_of("4k"), 4096);
  ck_assert_int_eq(size_of("2t"), 2LL << 40);
  ck_assert_int_eq(size_of("100b"), 100);
  ck_assert_int_eq(size_of("0"), -1);
  ck_assert_int_eq(size_of(""), -1);
  ck_assert_int_eq(size_of("m"), -1);
  ck_assert_int_eq(size_of("-5m"), -1);
  ck_assert_int_eq(size_of("3x"), -1);
  ck_assert_int_eq(size_of("1.2.3m"), -1);
  ck_assert_int_eq(size_of("99999999999999999999"), -1);
  ck_assert_int_eq(size_of("10000000t"), -1);

  gint64 v = 0;
  ck_assert(plc_parse_size_or_unlimited("-1", &v, NULL));
  ck_assert_int_eq(v, -1);
  ck_assert(plc_parse_size_or_unlimited("1g", &v, NULL));
  ck_assert_int_eq(v, 1LL << 30);
  ck_assert(!plc_parse_size_or_unlimited("-2", &v, NULL));
}
END_TEST

START_TEST(test_cpus)
{
  gint64 n = 0;
  g_autoptr(GError) error = NULL;
  ck_assert(plc_parse_cpus("1", &n, NULL));
  ck_assert_int_eq(n, 1000000000LL);
  ck_assert(plc_parse_cpus("0.5", &n, NULL));
  ck_assert_int_eq(n, 500000000LL);
  ck_assert(plc_parse_cpus("1.25", &n, NULL));
  ck_assert_int_eq(n, 1250000000LL);
  ck_assert(plc_parse_cpus(".5", &n, NULL));
  ck_assert_int_eq(n, 500000000LL);
  ck_assert(plc_parse_cpus("2.", &n, NULL));
  ck_assert_int_eq(n, 2000000000LL);
  ck_assert(plc_parse_cpus("0.01", &n, NULL));
  ck_assert_int_eq(plc_cpus_quota_us(n, 100000), 1000);
  ck_assert(plc_parse_cpus("1.5", &n, NULL));
  ck_assert_int_eq(plc_cpus_quota_us(n, 100000), 150000);
  ck_assert(!plc_parse_cpus("0", &n, NULL));
  ck_assert(!plc_parse_cpus("0.001", &n, &error));
  ck_assert(strstr(error->message, "0.01") != NULL);
  ck_assert(!plc_parse_cpus("-1", &n, NULL));
  ck_assert(!plc_parse_cpus("1e3", &n, NULL));
  ck_assert(!plc_parse_cpus("", &n, NULL));
  ck_assert(!plc_parse_cpus(".", &n, NULL));
  ck_assert(!plc_parse_cpus("one", &n, NULL));
}
END_TEST

START_TEST(test_cpu_lists_pids_users)
{
  ck_assert(plc_parse_cpu_list("0", NULL));
  ck_assert(plc_parse_cpu_list("0-3", NULL));
  ck_assert(plc_parse_cpu_list("0,2-3,7", NULL));
  ck_assert(!plc_parse_cpu_list("", NULL));
  ck_assert(!plc_parse_cpu_list("3-1", NULL));
  ck_assert(!plc_parse_cpu_list("a", NULL));
  ck_assert(!plc_parse_cpu_list("1,", NULL));
  ck_assert(!plc_parse_cpu_list("1-", NULL));

  gint64 p;
  ck_assert(plc_parse_pids_limit("100", &p, NULL));
  ck_assert_int_eq(p, 100);
  ck_assert(plc_parse_pids_limit("-1", &p, NULL));
  ck_assert_int_eq(p, -1);
  ck_assert(plc_parse_pids_limit("0", &p, NULL));
  ck_assert_int_eq(p, -1);
  ck_assert(!plc_parse_pids_limit("ten", &p, NULL));

  guint32 uid, gid;
  gboolean has_gid;
  ck_assert(plc_parse_user("1000", &uid, &gid, &has_gid, NULL));
  ck_assert_uint_eq(uid, 1000);
  ck_assert(!has_gid);
  ck_assert(plc_parse_user("1000:50", &uid, &gid, &has_gid, NULL));
  ck_assert_uint_eq(gid, 50);
  ck_assert(has_gid);
  ck_assert(!plc_parse_user("root", &uid, &gid, &has_gid, NULL));
  ck_assert(!plc_parse_user("1:x", &uid, &gid, &has_gid, NULL));
  ck_assert(!plc_parse_user("", &uid, &gid, &has_gid, NULL));
}
END_TEST

START_TEST(test_volumes)
{
  g_autoptr(PlcVolume) v = plc_volume_parse("/srv/www:/www:ro", NULL);
  ck_assert_ptr_nonnull(v);
  ck_assert_str_eq(v->source, "/srv/www");
  ck_assert_str_eq(v->destination, "/www");
  ck_assert(v->read_only);

  g_autoptr(PlcVolume) w = plc_volume_parse("/a//b/:/c/./d/", NULL);
  ck_assert_ptr_nonnull(w);
  ck_assert_str_eq(w->source, "/a/b");
  ck_assert_str_eq(w->destination, "/c/d");
  ck_assert(!w->read_only);

  g_autoptr(PlcVolume) rw = plc_volume_parse("/a:/b:rw", NULL);
  ck_assert_ptr_nonnull(rw);
  ck_assert(!rw->read_only);

  static const char *const bad[] = {"/a",         "a:/b",     "/a:b",     "/a:/b:rx",
                                    "/a:/b:ro:x", "/a:/../b", "/a:/x/..", "/a:/",
                                    ":/b",        "",         NULL};
  for (gsize i = 0; bad[i]; i++) {
    g_autoptr(GError) error = NULL;
    PlcVolume *x = plc_volume_parse(bad[i], &error);
    ck_assert_msg(x == NULL, "accepted '%s'", bad[i]);
    ck_assert_ptr_nonnull(error);
  }
}
END_TEST

START_TEST(test_id_match)
{
  const char *ids[] = {"abc123", "abd456", "ffff00", "web000"};
  const char *names[] = {"web", "db", NULL, "other"};
  g_autoptr(GError) error = NULL;

  ck_assert_int_eq(plc_id_match(ids, names, 4, "abc123", NULL), 0);
  ck_assert_int_eq(plc_id_match(ids, names, 4, "db", NULL), 1);
  ck_assert_int_eq(plc_id_match(ids, names, 4, "abc", NULL), 0);
  ck_assert_int_eq(plc_id_match(ids, names, 4, "f", NULL), 2);
  /* A name wins over an id prefix; a full id wins over a name. */
  ck_assert_int_eq(plc_id_match(ids, names, 4, "web", NULL), 0);
  ck_assert_int_eq(plc_id_match(ids, names, 4, "web000", NULL), 3);

  ck_assert_int_eq(plc_id_match(ids, names, 4, "ab", &error), -1);
  ck_assert(strstr(error->message, "ambiguous") != NULL);
  g_clear_error(&error);
  ck_assert_int_eq(plc_id_match(ids, names, 4, "zzz", &error), -1);
  ck_assert(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  ck_assert(strstr(error->message, "zzz") != NULL);
  g_clear_error(&error);
  ck_assert_int_eq(plc_id_match(ids, names, 4, "", &error), -1);
  g_clear_error(&error);
  ck_assert_int_eq(plc_id_match(ids, names, 0, "abc", &error), -1);
}
END_TEST

static char *
render(const char *tmpl)
{
  static const char doc[] =
      "{\"Id\":\"abc\",\"Name\":\"web\",\"State\":{\"Pid\":42,\"Running\":true,\"Status\":"
      "\"running\",\"Ratio\":1.5,\"Err\":null},\"Config\":{\"Cmd\":[\"sh\",\"-c\"]}}";
  g_autoptr(JsonNode) root = json_from_string(doc, NULL);
  g_autoptr(GError) error = NULL;
  char *out = plc_template_render(tmpl, root, &error);
  return out ? out : g_strdup_printf("ERROR: %s", error->message);
}

#define ck_render(tmpl, expected)                                                                  \
  do {                                                                                             \
    g_autofree char *got_ = render(tmpl);                                                          \
    ck_assert_str_eq(got_, expected);                                                              \
  } while (0)

START_TEST(test_templates)
{
  ck_render("{{.State.Pid}}", "42");
  ck_render("{{ .State.Pid }}", "42");
  ck_render("{{.Name}} {{.State.Status}}", "web running");
  ck_render("pid={{.State.Pid}}!", "pid=42!");
  ck_render("{{.State.Running}}", "true");
  ck_render("{{.State.Ratio}}", "1.5");
  ck_render("{{.State.Err}}", "<nil>");
  ck_render("{{.State.Nope}}", "<no value>");
  ck_render("{{.Nope.Deeper}}", "<no value>");
  ck_render("{{.Config.Cmd}}", "[\"sh\",\"-c\"]");
  ck_render("{{json .Config.Cmd}}", "[\"sh\",\"-c\"]");
  ck_render("{{json .Name}}", "\"web\"");
  ck_render("{{json .Missing}}", "null");
  ck_render("a\\tb\\n", "a\tb\n");
  ck_render("no actions", "no actions");
  ck_render("", "");
  g_autofree char *bad1 = render("{{.State.Pid");
  ck_assert(g_str_has_prefix(bad1, "ERROR: template: unclosed"));
  g_autofree char *bad2 = render("{{range .X}}");
  ck_assert(g_str_has_prefix(bad2, "ERROR: template: unsupported"));
  g_autofree char *whole = render("{{.}}");
  ck_assert(g_str_has_prefix(whole, "{\"Id\":\"abc\""));
}
END_TEST

START_TEST(test_signals)
{
  ck_assert_int_eq(plc_parse_signal("KILL"), SIGKILL);
  ck_assert_int_eq(plc_parse_signal("SIGTERM"), SIGTERM);
  ck_assert_int_eq(plc_parse_signal("sigusr1"), SIGUSR1);
  ck_assert_int_eq(plc_parse_signal("hup"), SIGHUP);
  ck_assert_int_eq(plc_parse_signal("9"), 9);
  ck_assert_int_eq(plc_parse_signal("0"), -1);
  ck_assert_int_eq(plc_parse_signal("999"), -1);
  ck_assert_int_eq(plc_parse_signal("SIGNOPE"), -1);
}
END_TEST

static void
record(gpointer data)
{
  g_string_append(data, "x");
}

static int destroyed;

static void
count_destroy(gpointer data)
{
  destroyed++;
}

static void
record_a(gpointer data)
{
  GString **log = data;
  g_string_append(*log, "a");
}

static void
record_b(gpointer data)
{
  GString **log = data;
  g_string_append(*log, "b");
}

START_TEST(test_undo)
{
  g_autoptr(GString) log = g_string_new(NULL);
  GString *lp = log;
  g_autoptr(PlcUndo) undo = plc_undo_new();

  plc_undo_push(undo, "a", record_a, &lp, NULL);
  plc_undo_push(undo, "b", record_b, &lp, NULL);
  plc_undo_push(undo, "x", record, log, NULL);
  ck_assert_uint_eq(plc_undo_depth(undo), 3);
  plc_undo_run(undo);
  ck_assert_str_eq(log->str, "xba"); /* last registered, first undone */
  ck_assert_uint_eq(plc_undo_depth(undo), 0);
  plc_undo_run(undo);
  ck_assert_str_eq(log->str, "xba"); /* an empty stack runs nothing */

  plc_undo_push(undo, "a", record_a, &lp, NULL);
  plc_undo_push(undo, "owned", record, log, NULL);
  plc_undo_push(undo, "freed", record, log, NULL);
  plc_undo_forget(undo);
  plc_undo_run(undo);
  ck_assert_str_eq(log->str, "xba"); /* forgotten undos never run */

  /* destroy runs whether or not the undo ran */
  destroyed = 0;
  plc_undo_push(undo, "run", record, log, count_destroy);
  plc_undo_push(undo, "forgotten", record, log, count_destroy);
  plc_undo_forget(undo);
  ck_assert_int_eq(destroyed, 2);
  plc_undo_push(undo, "run", record, log, count_destroy);
  plc_undo_run(undo);
  ck_assert_int_eq(destroyed, 3);
  ck_assert_str_eq(log->str, "xbax");
}
END_TEST

START_TEST(test_state_fields)
{
  g_autoptr(PlcState) st = plc_state_new("0123", json_from_string("{\"Name\":\"n\"}", NULL));
  ck_assert_str_eq(plc_state_get_string(st, "Name"), "n");
  ck_assert_ptr_null(plc_state_get_string(st, "State.Status"));
  ck_assert_int_eq(plc_state_get_int(st, "State.Pid", -7), -7);
  plc_state_set_string(st, "State.Status", "running");
  plc_state_set_int(st, "State.Pid", 42);
  plc_state_set_bool(st, "State.OOMKilled", TRUE);
  ck_assert_str_eq(plc_state_get_string(st, "State.Status"), "running");
  ck_assert_int_eq(plc_state_get_int(st, "State.Pid", 0), 42);
  ck_assert(plc_state_get_bool(st, "State.OOMKilled"));
  ck_assert(!plc_state_get_bool(st, "State.Running"));
  /* a string is not an int, an int is not a string */
  ck_assert_int_eq(plc_state_get_int(st, "State.Status", -1), -1);
  ck_assert_ptr_null(plc_state_get_string(st, "State.Pid"));
  ck_assert_str_eq(st->dir, PLC_STATE_ROOT "/0123");
  /* a dead pid that claims to run is noticed */
  plc_state_set_int(st, "State.Pid", 999999999);
  plc_state_set_int(st, "State.MonitorPid", 999999999);
  plc_state_notice_dead(st);
  ck_assert_str_eq(plc_state_get_string(st, "State.Status"), "exited");
  ck_assert_int_eq(plc_state_get_int(st, "State.ExitCode", 0), -1);

  g_autofree char *id = plc_id_generate();
  ck_assert_uint_eq(strlen(id), PLC_ID_LEN);
  for (const char *p = id; *p; p++)
    ck_assert(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p));
}
END_TEST


static GArray *
maps_of(const char *const *specs)
{
  GArray *a = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  for (; *specs; specs++) {
    PlcIdMap m;
    ck_assert(plc_idmap_parse(*specs, &m, NULL));
    g_array_append_val(a, m);
  }
  return a;
}

START_TEST(test_idmaps)
{
  PlcIdMap m;
  g_autoptr(GError) error = NULL;
  ck_assert(plc_idmap_parse("0:100000:65536", &m, NULL));
  ck_assert_uint_eq(m.container, 0);
  ck_assert_uint_eq(m.host, 100000);
  ck_assert_uint_eq(m.size, 65536);
  g_autofree char *text = plc_idmap_format(&m);
  ck_assert_str_eq(text, "0:100000:65536");
  const char *bad[] = {"", "0:1", "0:1:0", "a:1:2", "0:1:2:3", "-1:0:1", "0:4294967295:2",
                       "4294967295:0:2", "0: 1:2", NULL};
  for (const char **b = bad; *b; b++)
    ck_assert_msg(!plc_idmap_parse(*b, &m, NULL), "%s parsed", *b);
  ck_assert(plc_idmap_parse("4294967295:0:1", &m, NULL));

  const char *two[] = {"0:1000:10", "10:5000:5", NULL};
  g_autoptr(GArray) ok = maps_of(two);
  ck_assert(plc_idmap_check(ok, "uid", NULL));
  g_autofree char *rendered = plc_idmap_render(ok);
  ck_assert_str_eq(rendered, "0 1000 10\n10 5000 5\n");
  const char *cont[] = {"0:1000:10", "9:5000:5", NULL};
  g_autoptr(GArray) c = maps_of(cont);
  ck_assert(!plc_idmap_check(c, "uid", &error));
  ck_assert_ptr_nonnull(strstr(error->message, "overlaps"));
  g_clear_error(&error);
  const char *host[] = {"0:1000:10", "10:1009:5", NULL};
  g_autoptr(GArray) h = maps_of(host);
  ck_assert(!plc_idmap_check(h, "gid", NULL));
  const char *noroot[] = {"1:1000:10", NULL};
  g_autoptr(GArray) nr = maps_of(noroot);
  ck_assert(!plc_idmap_check(nr, "uid", &error));
  ck_assert_ptr_nonnull(strstr(error->message, "container uid 0"));
}
END_TEST

START_TEST(test_subid_ranges_allocation)
{
  const char *file = "alice:100000:65536\n# comment\nproclens:200000:131072\n"
                     "proclens:bad:1\nproclens:1:0\n  proclens:500000:65536  \n1234:9:9\n";
  g_autoptr(GArray) r = plc_subid_ranges(file, "proclens", NULL);
  ck_assert_uint_eq(r->len, 2);
  ck_assert_uint_eq(g_array_index(r, PlcIdMap, 0).host, 200000);
  ck_assert_uint_eq(g_array_index(r, PlcIdMap, 0).size, 131072);
  ck_assert_uint_eq(g_array_index(r, PlcIdMap, 1).host, 500000);
  g_autoptr(GArray) by_id = plc_subid_ranges(file, "nobody", "1234");
  ck_assert_uint_eq(by_id->len, 1);

  guint32 host = 0;
  g_autoptr(GArray) used = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  ck_assert(plc_idmap_allocate(r, used, 65536, &host));
  ck_assert_uint_eq(host, 200000);
  PlcIdMap u = {0, 200000, 65536};
  g_array_append_val(used, u);
  ck_assert(plc_idmap_allocate(r, used, 65536, &host));
  ck_assert_uint_eq(host, 265536);
  /* An explicit map straddling the second slot pushes past it, aligned. */
  PlcIdMap straddle = {0, 265600, 10};
  g_array_append_val(used, straddle);
  ck_assert(plc_idmap_allocate(r, used, 65536, &host));
  ck_assert_uint_eq(host, 500000);
  PlcIdMap last = {0, 500000, 1};
  g_array_append_val(used, last);
  ck_assert(!plc_idmap_allocate(r, used, 65536, &host));
  /* Freed (rm): the lowest free slot comes back. */
  g_array_remove_index(used, 0);
  ck_assert(plc_idmap_allocate(r, used, 65536, &host));
  ck_assert_uint_eq(host, 200000);
  /* A range too small for a container gives nothing. */
  const char *small = "proclens:10:65535\n";
  g_autoptr(GArray) s = plc_subid_ranges(small, "proclens", NULL);
  g_autoptr(GArray) none = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  ck_assert(!plc_idmap_allocate(s, none, 65536, &host));
}
END_TEST

START_TEST(test_userns_options)
{
  g_autoptr(GArray) uid = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  g_autoptr(GArray) gid = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  g_autofree char *mode = NULL;
  ck_assert(plc_userns_options(NULL, NULL, NULL, &mode, uid, gid, NULL));
  ck_assert_str_eq(mode, "host");
  g_clear_pointer(&mode, g_free);
  ck_assert(plc_userns_options("auto", NULL, NULL, &mode, uid, gid, NULL));
  ck_assert_str_eq(mode, "auto");
  ck_assert_uint_eq(uid->len, 0);
  g_clear_pointer(&mode, g_free);
  char *u[] = {"0:100:10", NULL};
  ck_assert(plc_userns_options(NULL, u, NULL, &mode, uid, gid, NULL));
  ck_assert_str_eq(mode, "private");
  ck_assert_uint_eq(gid->len, 1);
  ck_assert_uint_eq(g_array_index(gid, PlcIdMap, 0).host, 100);
  g_clear_pointer(&mode, g_free);
  ck_assert(!plc_userns_options("auto", u, NULL, &mode, uid, gid, NULL));
  g_clear_pointer(&mode, g_free);
  ck_assert(!plc_userns_options("keep-id", NULL, NULL, &mode, uid, gid, NULL));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("launcher_parsers");
  TCase *tc = tcase_create("parsers");
  tcase_add_test(tc, test_sizes);
  tcase_add_test(tc, test_cpus);
  tcase_add_test(tc, test_cpu_lists_pids_users);
  tcase_add_test(tc, test_volumes);
  tcase_add_test(tc, test_id_match);
  tcase_add_test(tc, test_templates);
  tcase_add_test(tc, test_signals);
  tcase_add_test(tc, test_undo);
  tcase_add_test(tc, test_state_fields);
  tcase_add_test(tc, test_idmaps);
  tcase_add_test(tc, test_subid_ranges_allocation);
  tcase_add_test(tc, test_userns_options);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
