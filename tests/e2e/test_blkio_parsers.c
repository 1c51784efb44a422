/* Unit tests of the disk options' parsers: --blkio-weight bounds, DEV:RATE and DEV:N specs,
 * --device specs, the io.weight conversion, and the device checks' errors. */
#include "blkio.h"
#include "volume.h"

#include <check.h>
#include <stdlib.h>

/* The rate of a spec, or 0 when refused (refusals must leave no path behind). */
static guint64
rate_of(const char *spec, PlcThrottleKind kind)
{
  g_autofree char *path = NULL;
  guint64 rate = 0;
  if (!plc_parse_throttle(spec, kind, &path, &rate, NULL)) {
    ck_assert_ptr_null(path);
    return 0;
  }
  ck_assert_str_eq(path, "/dev/sda");
  return rate;
}

START_TEST(test_weight)
{
  guint w = 7;
  g_autoptr(GError) error = NULL;
  ck_assert(plc_parse_blkio_weight("10", &w, NULL));
  ck_assert_uint_eq(w, 10);
  ck_assert(plc_parse_blkio_weight("1000", &w, NULL));
  ck_assert_uint_eq(w, 1000);
  ck_assert(plc_parse_blkio_weight("500", &w, NULL));
  ck_assert_uint_eq(w, 500);
  ck_assert(plc_parse_blkio_weight("0", &w, NULL));
  ck_assert_uint_eq(w, 0);
  ck_assert(!plc_parse_blkio_weight("9", &w, NULL));
  ck_assert(!plc_parse_blkio_weight("1001", &w, &error));
  ck_assert(strstr(error->message, "10 to 1000") != NULL);
  ck_assert(!plc_parse_blkio_weight("-10", &w, NULL));
  ck_assert(!plc_parse_blkio_weight("", &w, NULL));
  ck_assert(!plc_parse_blkio_weight("50x", &w, NULL));
  ck_assert_uint_eq(w, 0);
  /* cgroup2's io.weight range, ends and middle as runc maps them. */
  ck_assert_uint_eq(plc_blkio_weight_to_io_weight(10), 1);
  ck_assert_uint_eq(plc_blkio_weight_to_io_weight(1000), 10000);
  ck_assert_uint_eq(plc_blkio_weight_to_io_weight(500), 4950);
}
END_TEST

START_TEST(test_byte_rates)
{
  ck_assert_uint_eq(rate_of("/dev/sda:1mb", PLC_WRITE_BPS), 1 << 20);
  ck_assert_uint_eq(rate_of("/dev/sda:10MB", PLC_READ_BPS), 10 << 20);
  ck_assert_uint_eq(rate_of("/dev/sda:512k", PLC_READ_BPS), 512 << 10);
  ck_assert_uint_eq(rate_of("/dev/sda:2m", PLC_WRITE_BPS), 2 << 20);
  ck_assert_uint_eq(rate_of("/dev/sda:1g", PLC_WRITE_BPS), 1 << 30);
  ck_assert_uint_eq(rate_of("/dev/sda:4096", PLC_WRITE_BPS), 4096);
  ck_assert_uint_eq(rate_of("/dev/sda:1.5m", PLC_WRITE_BPS), 3 << 19);
  ck_assert_uint_eq(rate_of("/dev/sda:0", PLC_WRITE_BPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda:fast", PLC_WRITE_BPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda:-1m", PLC_WRITE_BPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda:10q", PLC_WRITE_BPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda:", PLC_WRITE_BPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda", PLC_WRITE_BPS), 0);
  ck_assert_uint_eq(rate_of(":1m", PLC_WRITE_BPS), 0);
  ck_assert_uint_eq(rate_of("sda:1m", PLC_WRITE_BPS), 0);

  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint64 rate;
  ck_assert(!plc_parse_throttle("/dev/sda:fast", PLC_READ_BPS, &path, &rate, &error));
  ck_assert(strstr(error->message, "--device-read-bps") != NULL);
  ck_assert(strstr(error->message, "'fast' is not a rate") != NULL);
}
END_TEST

START_TEST(test_request_rates)
{
  ck_assert_uint_eq(rate_of("/dev/sda:100", PLC_READ_IOPS), 100);
  ck_assert_uint_eq(rate_of("/dev/sda:1", PLC_WRITE_IOPS), 1);
  /* Requests are counts: no units, no fractions, not zero. */
  ck_assert_uint_eq(rate_of("/dev/sda:1k", PLC_WRITE_IOPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda:1.5", PLC_WRITE_IOPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda:0", PLC_WRITE_IOPS), 0);
  ck_assert_uint_eq(rate_of("/dev/sda:-3", PLC_READ_IOPS), 0);

  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guint64 rate;
  ck_assert(!plc_parse_throttle("/dev/sda", PLC_WRITE_IOPS, &path, &rate, &error));
  ck_assert(strstr(error->message, "--device-write-iops") != NULL);
  ck_assert(strstr(error->message, "DEVICE:N") != NULL);
}
END_TEST

/* The device checks name the option, the spec and what is wrong with the device. */
static char *
options_error(const char *weight, PlcThrottleKind kind, const char *spec)
{
  char *one[] = {(char *)spec, NULL};
  char **specs[PLC_THROTTLE_KINDS] = {NULL};
  g_autoptr(GError) error = NULL;
  specs[kind] = spec ? one : NULL;
  g_autoptr(PlcBlkio) b = plc_blkio_from_options(weight, specs, &error);
  if (b != NULL)
    return NULL;
  return g_strdup(error->message);
}

START_TEST(test_device_checks)
{
  g_autofree char *missing = options_error(NULL, PLC_WRITE_BPS, "/nonexistent/disk:1mb");
  ck_assert_str_eq(missing,
                   "--device-write-bps '/nonexistent/disk:1mb': device /nonexistent/disk: No "
                   "such file or directory");
  g_autofree char *chr = options_error(NULL, PLC_READ_IOPS, "/dev/null:10");
  ck_assert_str_eq(chr,
                   "--device-read-iops '/dev/null:10': device /dev/null is not a block device");
  g_autofree char *bad_rate = options_error(NULL, PLC_READ_BPS, "/dev/null:lots");
  ck_assert(strstr(bad_rate, "'lots' is not a rate") != NULL);
  g_autofree char *bad_weight = options_error("5", PLC_READ_BPS, NULL);
  ck_assert(strstr(bad_weight, "--blkio-weight '5'") != NULL);

  char **none[PLC_THROTTLE_KINDS] = {NULL};
  g_autoptr(PlcBlkio) empty = plc_blkio_from_options(NULL, none, NULL);
  ck_assert_ptr_nonnull(empty);
  ck_assert(plc_blkio_is_empty(empty));
  g_autoptr(PlcBlkio) weighted = plc_blkio_from_options("300", none, NULL);
  ck_assert(!plc_blkio_is_empty(weighted));
  ck_assert_uint_eq(weighted->weight, 300);
}
END_TEST

START_TEST(test_device_specs)
{
  g_autoptr(PlcVolume) same = plc_device_parse("/dev/loop3", NULL);
  ck_assert_str_eq(same->source, "/dev/loop3");
  ck_assert_str_eq(same->destination, "/dev/loop3");
  ck_assert(!same->read_only);
  g_autoptr(PlcVolume) moved = plc_device_parse("/dev/loop3:/dev/xvda", NULL);
  ck_assert_str_eq(moved->destination, "/dev/xvda");
  g_autoptr(PlcVolume) perms = plc_device_parse("/dev/loop3:rwm", NULL);
  ck_assert_str_eq(perms->destination, "/dev/loop3");
  g_autoptr(PlcVolume) all = plc_device_parse("/dev/loop3:/dev/disk:mwr", NULL);
  ck_assert_str_eq(all->destination, "/dev/disk");

  static const char *const bad[] = {
      "dev/loop3",          "/dev/loop3:disk", "/dev/loop3:/dev/x:r", "/dev/loop3:rw",
      "/dev/loop3:/a/../b", "/dev/loop3:/",    "/a:/b:rwm:x",         NULL};
  for (gsize i = 0; bad[i]; i++) {
    g_autoptr(GError) error = NULL;
    PlcVolume *v = plc_device_parse(bad[i], &error);
    ck_assert_msg(v == NULL, "accepted %s", bad[i]);
    ck_assert(strstr(error->message, "invalid --device") != NULL);
  }

  g_autoptr(GError) error = NULL;
  g_autoptr(PlcVolume) file = plc_device_parse("/etc/passwd", NULL);
  ck_assert(!plc_device_check(file, &error));
  ck_assert_str_eq(error->message, "--device /etc/passwd is not a device node");
  g_autoptr(PlcVolume) null = plc_device_parse("/dev/null", NULL);
  ck_assert(plc_device_check(null, NULL));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("blkio_parsers");
  TCase *tc = tcase_create("parsers");
  tcase_add_test(tc, test_weight);
  tcase_add_test(tc, test_byte_rates);
  tcase_add_test(tc, test_request_rates);
  tcase_add_test(tc, test_device_checks);
  tcase_add_test(tc, test_device_specs);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
