/* Renderers: cpuinfo, uptime, loadavg (with the kernel's fixed-point math), diskstats,
 * sysfs CPU files. */
#include "cpu_unit.h"
#include "proclens/cpu_views.h"
#include "proclens/diskio.h"
#include "proclens/loadavg.h"

static void
view_from(const char *visible, PlCpuView *v)
{
  memset(v, 0, sizeof *v);
  ck_assert(pl_cpuset_parse_list(visible, &v->visible));
  v->n = pl_cpuset_count(&v->visible);
  v->capacity = v->n;
  v->limited = TRUE;
}

START_TEST(cpuinfo_renumbers_and_counts)
{
  g_autofree char *host = cpu_fixture_text("proc/cpuinfo");
  g_autoptr(GString) out = g_string_new(NULL);
  PlCpuView v;

  view_from("1,3", &v);
  pl_render_cpuinfo(host, &v, out);
  ck_assert_str_eq(out->str, "processor\t: 0\n"
                             "vendor_id\t: GenuineIntel\n"
                             "cpu family\t: 6\n"
                             "model\t\t: 85\n"
                             "model name\t: Fixture Xeon CPU 1\n"
                             "physical id\t: 0\n"
                             "siblings\t: 2\n"
                             "core id\t\t: 1\n"
                             "cpu cores\t: 2\n"
                             "apicid\t\t: 1\n"
                             "flags\t\t: fpu vme de pse\n"
                             "bogomips\t: 4000.00\n"
                             "power management:\n"
                             "\n"
                             "processor\t: 1\n"
                             "vendor_id\t: GenuineIntel\n"
                             "cpu family\t: 6\n"
                             "model\t\t: 85\n"
                             "model name\t: Fixture Xeon CPU 3\n"
                             "physical id\t: 0\n"
                             "siblings\t: 2\n"
                             "core id\t\t: 3\n"
                             "cpu cores\t: 2\n"
                             "apicid\t\t: 3\n"
                             "flags\t\t: fpu vme de pse\n"
                             "bogomips\t: 4000.00\n"
                             "power management:\n"
                             "\n");
}
END_TEST

/* Hyper-threads: two visible CPUs on one core count as 2 siblings, 1 core. */
START_TEST(cpuinfo_threads_of_one_core)
{
  const char *host =
      "processor\t: 0\nphysical id\t: 0\nsiblings\t: 4\ncore id\t\t: 0\ncpu cores\t: 2\n\n"
      "processor\t: 1\nphysical id\t: 0\nsiblings\t: 4\ncore id\t\t: 0\ncpu cores\t: 2\n\n"
      "processor\t: 2\nphysical id\t: 0\nsiblings\t: 4\ncore id\t\t: 1\ncpu cores\t: 2\n\n"
      "processor\t: 3\nphysical id\t: 0\nsiblings\t: 4\ncore id\t\t: 1\ncpu cores\t: 2\n\n";
  g_autoptr(GString) out = g_string_new(NULL);
  PlCpuView v;

  view_from("0-1", &v);
  pl_render_cpuinfo(host, &v, out);
  ck_assert_str_eq(
      out->str,
      "processor\t: 0\nphysical id\t: 0\nsiblings\t: 2\ncore id\t\t: 0\ncpu cores\t: 1\n\n"
      "processor\t: 1\nphysical id\t: 0\nsiblings\t: 2\ncore id\t\t: 0\ncpu cores\t: 1\n\n");
}
END_TEST

/* arm64 has a stanza per CPU without the x86 counting fields; s390 has a header stanza
 * and per-CPU lines of its own; both must come through unbroken. */
START_TEST(cpuinfo_other_architectures)
{
  const char *arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n\n"
                    "processor\t: 1\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n\n";
  const char *s390 = "vendor_id       : IBM/S390\n# processors    : 2\nbogomips per cpu: 3033.00\n"
                     "processor 0: version = FF,  identification = 0133E8,  machine = 2964\n"
                     "processor 1: version = FF,  identification = 0133E8,  machine = 2964\n";
  g_autoptr(GString) out = g_string_new(NULL);
  PlCpuView v;

  view_from("1", &v);
  pl_render_cpuinfo(arm, &v, out);
  ck_assert_str_eq(out->str, "processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n\n");
  g_string_truncate(out, 0);
  pl_render_cpuinfo(s390, &v, out);
  ck_assert_str_eq(out->str, s390);
}
END_TEST

START_TEST(uptime_and_range)
{
  g_autoptr(GString) out = g_string_new(NULL);
  pl_render_uptime(50050, 7, out);
  ck_assert_str_eq(out->str, "500.50 0.07\n");
  g_string_truncate(out, 0);
  pl_render_cpu_range(1, out);
  ck_assert_str_eq(out->str, "0\n");
  g_string_truncate(out, 0);
  pl_render_cpu_range(4, out);
  ck_assert_str_eq(out->str, "0-3\n");
}
END_TEST

/* include/linux/sched/loadavg.h, worked by hand. */
START_TEST(loadavg_kernel_math)
{
  /* From 0 with one task: (0 * 1884 + 2048 * 164 + 2047) / 2048 = 164. */
  ck_assert_uint_eq(pl_calc_load(0, PL_EXP_1, PL_FIXED_1), 164);
  ck_assert_uint_eq(pl_calc_load(164, PL_EXP_1, PL_FIXED_1), 315);
  /* Decay without rounding up when the load falls: 2048 * 1884 / 2048. */
  ck_assert_uint_eq(pl_calc_load(PL_FIXED_1, PL_EXP_1, 0), 1884);
  ck_assert_uint_eq(pl_calc_load(PL_FIXED_1, PL_EXP_5, 0), 2014);
  ck_assert_uint_eq(pl_calc_load(PL_FIXED_1, PL_EXP_15, 0), 2037);

  /* Against the same formula written out, for a run of task counts. */
  guint64 a[3] = {0, 0, 0}, ref[3] = {0, 0, 0};
  const guint64 exps[3] = {1884, 2014, 2037};
  guint tasks[] = {3, 3, 3, 0, 0, 7, 1, 1, 1, 2, 0, 5};
  for (guint step = 0; step < 120; step++) {
    guint n = tasks[step % G_N_ELEMENTS(tasks)];
    pl_loadavg_fold(a, n);
    for (int i = 0; i < 3; i++) {
      guint64 active = (guint64)n * 2048;
      guint64 nl = ref[i] * exps[i] + active * (2048 - exps[i]);
      if (active >= ref[i])
        nl += 2047;
      ref[i] = nl / 2048;
      ck_assert_uint_eq(a[i], ref[i]);
    }
  }
  /* A constant load converges on it: after 12 samples (1 min) of 2 tasks the 1-minute
   * average is about 2 * (1 - 1/e) = 1.26; the kernel rounds up while rising: 1.27. */
  guint64 b[3] = {0, 0, 0};
  for (int i = 0; i < 12; i++)
    pl_loadavg_fold(b, 2);
  g_autoptr(GString) out = g_string_new(NULL);
  pl_render_loadavg(b, 2, 5, 4242, out);
  ck_assert_str_eq(out->str, "1.27 0.37 0.13 2/5 4242\n");
}
END_TEST

START_TEST(loadavg_format)
{
  g_autoptr(GString) out = g_string_new(NULL);
  guint64 a[3] = {PL_FIXED_1, PL_FIXED_1 / 2, 0};
  pl_render_loadavg(a, 0, 1, 0, out);
  ck_assert_str_eq(out->str, "1.00 0.50 0.00 0/1 0\n");
  g_string_truncate(out, 0);
  guint64 dec[3] = {1884, 0, 0};
  pl_render_loadavg(dec, 1, 1, 7, out);
  ck_assert_str_eq(out->str, "0.92 0.00 0.00 1/1 7\n");
}
END_TEST

START_TEST(io_parsers_agree)
{
  g_autoptr(GArray) v1 = g_array_new(FALSE, FALSE, sizeof(PlDevIo));
  g_autoptr(GArray) v2 = g_array_new(FALSE, FALSE, sizeof(PlDevIo));
  g_autofree char *bytes =
      cpu_fixture_text("v1/cgroup/blkio/box/blkio.throttle.io_service_bytes_recursive");
  g_autofree char *ios =
      cpu_fixture_text("v1/cgroup/blkio/box/blkio.throttle.io_serviced_recursive");
  g_autofree char *stat = cpu_fixture_text("v2/cgroup/box/io.stat");

  pl_blkio_parse(bytes, ios, v1);
  pl_io_stat_parse(stat, v2);
  ck_assert_uint_eq(v1->len, 2);
  ck_assert_uint_eq(v2->len, 2);
  for (guint i = 0; i < 2; i++)
    ck_assert_mem_eq(&g_array_index(v1, PlDevIo, i), &g_array_index(v2, PlDevIo, i),
                     sizeof(PlDevIo));
  const PlDevIo *sda = &g_array_index(v1, PlDevIo, 0);
  ck_assert_uint_eq(sda->major, 8);
  ck_assert_uint_eq(sda->rbytes, 1048576);
  ck_assert_uint_eq(sda->wios, 20);
}
END_TEST

START_TEST(diskstats_render)
{
  g_autofree char *host = cpu_fixture_text("proc/diskstats");
  g_autoptr(GArray) devs = g_array_new(FALSE, FALSE, sizeof(PlDevIo));
  g_autoptr(GString) out = g_string_new(NULL);

  pl_io_stat_parse("8:0 rbytes=1048576 wbytes=2097152 rios=10 wios=20 dbytes=4096 dios=1\n"
                   "254:0 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0\n",
                   devs);
  pl_render_diskstats(host, devs, out);
  /* Every device; vda untouched and sda1 (not in io.stat) count 0; 17 numbers like the host's. */
  ck_assert_str_eq(out->str, "   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0 1 0 8 0 0 0\n"
                             "   8       1 sda1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                             " 254       0 vda 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  /* An older kernel's 11 numbers. */
  g_string_truncate(out, 0);
  pl_render_diskstats("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n", devs, out);
  ck_assert_str_eq(out->str, "   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0\n");
}
END_TEST

START_TEST(sysfs_files_renumbered)
{
  g_autoptr(GString) out = g_string_new(NULL);
  PlCpuView v;

  view_from("2-3", &v);
  pl_render_sysfs_cpu_file("thread_siblings_list", FALSE, "2-3\n", &v, out);
  ck_assert_str_eq(out->str, "0-1\n");
  g_string_truncate(out, 0);
  pl_render_sysfs_cpu_file("core_siblings_list", FALSE, "0-3\n", &v, out);
  ck_assert_str_eq(out->str, "0-1\n");
  g_string_truncate(out, 0);
  pl_render_sysfs_cpu_file("thread_siblings", FALSE, "8\n", &v, out);
  ck_assert_str_eq(out->str, "2\n");
  g_string_truncate(out, 0);
  pl_render_sysfs_cpu_file("shared_cpu_map", FALSE, "0000000f\n", &v, out);
  ck_assert_str_eq(out->str, "3\n");
  g_string_truncate(out, 0);
  pl_render_sysfs_cpu_file("core_id", FALSE, "3\n", &v, out);
  ck_assert_str_eq(out->str, "3\n");
  /* cpuN/online is a flag, the top-level offline a list. */
  g_string_truncate(out, 0);
  pl_render_sysfs_cpu_file("online", FALSE, "1\n", &v, out);
  ck_assert_str_eq(out->str, "1\n");
  g_string_truncate(out, 0);
  pl_render_sysfs_cpu_file("offline", TRUE, "4-7\n", &v, out);
  ck_assert_str_eq(out->str, "\n");
  g_string_truncate(out, 0);
  pl_render_sysfs_cpu_file("isolated", TRUE, "3\n", &v, out);
  ck_assert_str_eq(out->str, "1\n");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cpu_views");
  TCase *tc = tcase_create("views");
  tcase_set_timeout(tc, 30); /* sanitizer builds on a busy CI host */
  tcase_add_test(tc, cpuinfo_renumbers_and_counts);
  tcase_add_test(tc, cpuinfo_threads_of_one_core);
  tcase_add_test(tc, cpuinfo_other_architectures);
  tcase_add_test(tc, uptime_and_range);
  tcase_add_test(tc, loadavg_kernel_math);
  tcase_add_test(tc, loadavg_format);
  tcase_add_test(tc, io_parsers_agree);
  tcase_add_test(tc, diskstats_render);
  tcase_add_test(tc, sysfs_files_renumbered);
  suite_add_tcase(s, tc);
  return cpu_run_suite(s);
}
