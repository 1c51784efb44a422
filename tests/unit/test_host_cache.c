/* The shared cache of the host's files: reuse within the interval, fresh text after it,
 * errors never kept. */
#include "proclens/error.h"
#include "proclens/host_cache.h"
#include "unit.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

static char *
temp_file(const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("host-cache-XXXXXX", &path, &error);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static char *
cached(PlHostCache *cache, const char *path)
{
  char *text = NULL;
  ck_assert(pl_host_cache_read(cache, path, &text, NULL));
  return text;
}

START_TEST(text_is_reused_within_the_interval)
{
  g_autoptr(PlHostCache) cache = pl_host_cache_new(60 * 1000);
  g_autofree char *path = temp_file("MemTotal: 1 kB\n");
  g_autofree char *first = cached(cache, path);
  ck_assert(g_file_set_contents(path, "MemTotal: 2 kB\n", -1, NULL));
  g_autofree char *second = cached(cache, path);
  ck_assert_str_eq(first, "MemTotal: 1 kB\n");
  ck_assert_str_eq(second, "MemTotal: 1 kB\n");
  g_unlink(path);
}
END_TEST

START_TEST(a_change_shows_after_the_interval)
{
  g_autoptr(PlHostCache) cache = pl_host_cache_new(1);
  g_autofree char *path = temp_file("12.00 3.00\n");
  g_autofree char *first = cached(cache, path);
  ck_assert(g_file_set_contents(path, "12.05 3.01\n", -1, NULL));
  g_usleep(5 * G_TIME_SPAN_MILLISECOND);
  g_autofree char *second = cached(cache, path);
  ck_assert_str_eq(first, "12.00 3.00\n");
  ck_assert_str_eq(second, "12.05 3.01\n");
  g_unlink(path);
}
END_TEST

START_TEST(interval_zero_reads_every_time)
{
  g_autoptr(PlHostCache) cache = pl_host_cache_new(0);
  g_autofree char *path = temp_file("0-3\n");
  g_autofree char *first = cached(cache, path);
  ck_assert(g_file_set_contents(path, "0-1\n", -1, NULL));
  g_autofree char *second = cached(cache, path);
  ck_assert_str_eq(first, "0-3\n");
  ck_assert_str_eq(second, "0-1\n");
  g_unlink(path);
}
END_TEST

START_TEST(errors_are_not_kept)
{
  g_autoptr(PlHostCache) cache = pl_host_cache_new(60 * 1000);
  g_autofree char *path = temp_file("x\n");
  g_unlink(path);
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  ck_assert(!pl_host_cache_read(cache, path, &text, &error));
  ck_assert_int_eq(pl_error_to_errno(error), ENOENT);
  ck_assert(g_file_set_contents(path, "back\n", -1, NULL));
  g_autofree char *again = cached(cache, path);
  ck_assert_str_eq(again, "back\n");
  g_unlink(path);
}
END_TEST

START_TEST(files_are_kept_apart)
{
  g_autoptr(PlHostCache) cache = pl_host_cache_new(60 * 1000);
  g_autofree char *a = temp_file("a\n");
  g_autofree char *b = temp_file("b\n");
  g_autofree char *ta = cached(cache, a);
  g_autofree char *tb = cached(cache, b);
  ck_assert_str_eq(ta, "a\n");
  ck_assert_str_eq(tb, "b\n");
  g_unlink(a);
  g_unlink(b);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("host_cache");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, text_is_reused_within_the_interval);
  tcase_add_test(tc, a_change_shows_after_the_interval);
  tcase_add_test(tc, interval_zero_reads_every_time);
  tcase_add_test(tc, errors_are_not_kept);
  tcase_add_test(tc, files_are_kept_apart);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
