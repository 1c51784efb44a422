/* Number parsers and file readers. */
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "unit.h"

#include <errno.h>

START_TEST(parse_u64_accepts_numbers_with_whitespace)
{
  guint64 v = 0;
  ck_assert(pl_parse_u64("  42\n", &v));
  ck_assert_uint_eq(v, 42);
  ck_assert(pl_parse_u64("18446744073709551615", &v));
  ck_assert_uint_eq(v, G_MAXUINT64);
}
END_TEST

START_TEST(parse_u64_rejects_garbage)
{
  guint64 v = 7;
  ck_assert(!pl_parse_u64("", &v));
  ck_assert(!pl_parse_u64("-1", &v));
  ck_assert(!pl_parse_u64("12abc", &v));
  ck_assert(!pl_parse_u64("max", &v));
  ck_assert(!pl_parse_u64("18446744073709551616", &v)); /* overflows */
  ck_assert_uint_eq(v, 7);                                /* untouched on failure */
}
END_TEST

START_TEST(parse_limit_understands_max_and_absurd_values)
{
  guint64 v = 0;
  ck_assert(pl_parse_limit("max\n", &v));
  ck_assert_uint_eq(v, PL_UNLIMITED);
  ck_assert(pl_parse_limit("-1", &v));
  ck_assert_uint_eq(v, PL_UNLIMITED);
  ck_assert(pl_parse_limit("9223372036854771712\n", &v)); /* v1's "unlimited" */
  ck_assert_uint_eq(v, PL_UNLIMITED);
  ck_assert(pl_parse_limit("314572800", &v));
  ck_assert_uint_eq(v, 314572800);
  ck_assert(pl_parse_limit("0", &v));
  ck_assert_uint_eq(v, 0);
  ck_assert(!pl_parse_limit("lots", &v));
}
END_TEST

START_TEST(keyed_lookup_matches_whole_keys_only)
{
  const char *text = "cache_extra 5\ncache 10\ntotal_cache 20\nbad x\nlast 7";
  guint64 v = 0;
  ck_assert(pl_keyed_u64(text, "cache", &v));
  ck_assert_uint_eq(v, 10);
  ck_assert(pl_keyed_u64(text, "total_cache", &v));
  ck_assert_uint_eq(v, 20);
  ck_assert(pl_keyed_u64(text, "last", &v));
  ck_assert_uint_eq(v, 7);
  ck_assert(!pl_keyed_u64(text, "bad", &v));
  ck_assert(!pl_keyed_u64(text, "missing", &v));
  ck_assert(!pl_keyed_u64(text, "cach", &v));
}
END_TEST

START_TEST(read_file_reports_errno_and_path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  ck_assert(!pl_read_file("/nonexistent/proclens", &text, NULL, &error));
  ck_assert_ptr_null(text);
  ck_assert_int_eq(pl_error_to_errno(error), ENOENT);
  ck_assert(strstr(error->message, "/nonexistent/proclens") != NULL);
}
END_TEST

START_TEST(read_file_reads_sizeless_files_fully)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  /* procfs reports size 0; the reader must still get everything. */
  ck_assert(pl_read_file("/proc/self/status", &text, &len, NULL));
  ck_assert_uint_gt(len, 100);
  ck_assert(strstr(text, "VmRSS") != NULL || strstr(text, "Pid:") != NULL);
}
END_TEST

START_TEST(limit_files_default_to_unlimited)
{
  g_autofree char *dir = fixture("memory/v1/cgroup/memory/malformed");
  ck_assert_uint_eq(pl_read_limit_in(dir, "memory.limit_in_bytes"), PL_UNLIMITED);
  ck_assert_uint_eq(pl_read_limit_in(dir, "no.such.file"), PL_UNLIMITED);
  g_autofree char *box = fixture("memory/v1/cgroup/memory/box");
  ck_assert_uint_eq(pl_read_limit_in(box, "memory.limit_in_bytes"), 300 * 1024 * 1024);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("fileio");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, parse_u64_accepts_numbers_with_whitespace);
  tcase_add_test(tc, parse_u64_rejects_garbage);
  tcase_add_test(tc, parse_limit_understands_max_and_absurd_values);
  tcase_add_test(tc, keyed_lookup_matches_whole_keys_only);
  tcase_add_test(tc, read_file_reports_errno_and_path);
  tcase_add_test(tc, read_file_reads_sizeless_files_fully);
  tcase_add_test(tc, limit_files_default_to_unlimited);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
