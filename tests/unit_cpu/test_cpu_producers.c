/* The CPU and time producers end to end on fixture trees: caller -> cgroup -> model -> view. */
#include "cpu_unit.h"
#include "proclens/context.h"
#include "proclens/error.h"
#include "proclens/loadavg.h"
#include "proclens/pidns.h"
#include "proclens/vfiles.h"

#include <errno.h>
#include <stdio.h>

static const char *const kinds[] = {"v1", "v2", "hybrid"};

static PlContext *
context_for(const char *kind)
{
  g_autofree char *rel = g_strdup_printf("%s/cgroup", kind);
  g_autofree char *croot = cpu_fixture(rel);
  g_autofree char *proot = cpu_fixture("proc");
  PlContext *ctx = pl_context_new(croot, proot, NULL);
  ck_assert_ptr_nonnull(ctx);
  g_free(ctx->sys_root);
  ctx->sys_root = cpu_fixture("sys");
  return ctx;
}

/* The text a producer gives pid; fails the test on error. */
static char *
produce(const PlContext *ctx, PlProduceFn fn, pid_t pid)
{
  GString *out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  ck_assert_msg(fn(ctx, pid, out, &error), "produce for %d: %s", (int)pid,
                error ? error->message : "?");
  return g_string_free(out, FALSE);
}

static int
produce_errno(const PlContext *ctx, PlProduceFn fn, pid_t pid)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  if (fn(ctx, pid, out, &error))
    return 0;
  return pl_error_to_errno(error);
}

START_TEST(cpuinfo_for_a_pinned_container)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  g_autofree char *text = produce(ctx, pl_produce_cpuinfo, 100);
  ck_assert(g_str_has_prefix(text, "processor\t: 0\n"));
  ck_assert_ptr_nonnull(strstr(text, "model name\t: Fixture Xeon CPU 2\n"));
  ck_assert_ptr_nonnull(strstr(text, "siblings\t: 1\n"));
  ck_assert_ptr_nonnull(strstr(text, "cpu cores\t: 1\n"));
  ck_assert_ptr_null(strstr(text, "processor\t: 1"));
  /* Root and invisible callers see the host's file as it is. */
  g_autofree char *host = cpu_fixture_text("proc/cpuinfo");
  g_autofree char *root = produce(ctx, pl_produce_cpuinfo, 104);
  g_autofree char *nobody = produce(ctx, pl_produce_cpuinfo, 0);
  ck_assert_str_eq(root, host);
  ck_assert_str_eq(nobody, host);
}
END_TEST

/* 3.5 s user + 1.5 s system (v1 usage_all / v2 cpu.stat), half a CPU for the host's
 * 1000.50 s of uptime: 500.25 s of capacity, 495.25 s of it idle. */
START_TEST(stat_for_a_pinned_container)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  g_autofree char *text = produce(ctx, pl_produce_stat, 100);
  ck_assert_str_eq(text, "cpu  350 0 150 49525 0 0 0 0 0 0\n"
                         "cpu0 350 0 150 49525 0 0 0 0 0 0\n"
                         "intr 12345 0 1 2\n"
                         "ctxt 987654\n"
                         "btime 1700000000\n"
                         "processes 3\n"
                         "procs_running 1\n"
                         "procs_blocked 1\n"
                         "softirq 4242 1 2 3 4 5 6 7 8 9 10\n");
  g_autofree char *host = cpu_fixture_text("proc/stat");
  g_autofree char *root = produce(ctx, pl_produce_stat, 104);
  ck_assert_str_eq(root, host);
}
END_TEST

/* v1 without usage_all: usage_percpu split by cpuacct.stat (3:1), on 2 visible CPUs. */
START_TEST(stat_from_usage_percpu)
{
  g_autoptr(PlContext) ctx = context_for("v1");
  g_autofree char *text = produce(ctx, pl_produce_stat, 101);
  ck_assert(g_str_has_prefix(text, "cpu  300 0 100 "));
  ck_assert_ptr_nonnull(strstr(text, "\ncpu0 75 0 25 "));
  ck_assert_ptr_nonnull(strstr(text, "\ncpu1 225 0 75 "));
  ck_assert_ptr_null(strstr(text, "\ncpu2 "));
}
END_TEST

START_TEST(stat_counters_grow)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  guint64 prev[4] = {0};
  for (int round = 0; round < 5; round++) {
    g_autofree char *text = produce(ctx, pl_produce_stat, 100);
    guint64 v[4];
    ck_assert_int_eq(sscanf(text,
                            "cpu  %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                            " %" G_GUINT64_FORMAT,
                            &v[0], &v[1], &v[2], &v[3]),
                     4);
    for (int i = 0; i < 4; i++)
      ck_assert_uint_ge(v[i], prev[i]);
    memcpy(prev, v, sizeof v);
    g_usleep(20000);
  }
}
END_TEST

/* pid 105 lives in a pid namespace whose init (pid 110) started 500 s after boot, in a
 * time namespace whose boot clock read zero at 499.50 s (offset -500 s + 0.5 s): the
 * container counts from there, as its CLOCK_BOOTTIME and its processes' start times do. */
START_TEST(uptime_and_btime_in_a_pid_namespace)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  g_autofree char *up = produce(ctx, pl_produce_uptime, 105);
  /* 501.00 s at half a CPU, 5 s used: 245.50 s idle, as stat's counter says. */
  ck_assert_str_eq(up, "501.00 245.50\n");
  g_autofree char *stat = produce(ctx, pl_produce_stat, 105);
  ck_assert_ptr_nonnull(strstr(stat, "\nbtime 1700000499\n"));
  /* The host's pid namespace: the host's uptime. */
  g_autofree char *host_ns = produce(ctx, pl_produce_uptime, 100);
  ck_assert(g_str_has_prefix(host_ns, "1000.50 "));
  g_autofree char *root = produce(ctx, pl_produce_uptime, 104);
  ck_assert_str_eq(root, "1000.50 3000.25\n");
}
END_TEST

/* What a caller-dependent directory's file reads as, for pid; fails the test on error. */
static void
assert_vdir_reads(const PlVdirOps *ops, const PlContext *ctx, pid_t pid, const char *rel,
                  const char *want)
{
  g_autoptr(GString) out = g_string_new(NULL);
  ck_assert_msg(ops->read(ctx, pid, rel, out, NULL), "read %s", rel);
  ck_assert_str_eq(out->str, want);
}

/* Host nodes: node0 holds CPUs 0-1, node1 CPUs 2-3; pid 100 sees host CPU 2 only. */
START_TEST(sysfs_node_directories)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  const PlVdirOps *ops = &pl_node_sysfs_dir;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  gboolean is_dir;

  ck_assert(ops->list(ctx, 100, "", names, NULL) && names->len == 3);
  ck_assert_str_eq(names->pdata[0], "node0/");
  ck_assert_str_eq(names->pdata[2], "online");
  g_ptr_array_set_size(names, 0);
  ck_assert(ops->list(ctx, 100, "node1", names, NULL));
  ck_assert_uint_eq(names->len, 3); /* the cpu2 symlink is left out */
  ck_assert(ops->lookup(ctx, 100, "node1", &is_dir, NULL) && is_dir);
  ck_assert(!ops->lookup(ctx, 100, "node1/../../cpu", &is_dir, &error));
  ck_assert_int_eq(pl_error_to_errno(error), ENOENT);

  assert_vdir_reads(ops, ctx, 100, "node1/cpulist", "0\n");
  assert_vdir_reads(ops, ctx, 100, "node1/cpumap", "1\n");
  assert_vdir_reads(ops, ctx, 100, "node0/cpulist", "\n");
  assert_vdir_reads(ops, ctx, 100, "node1/meminfo", "Node 1 MemTotal:        8388608 kB\n");
  /* The host's own view (pid 104, the root cgroup) is the host's text. */
  assert_vdir_reads(ops, ctx, 104, "node0/cpulist", "0-1\n");
}
END_TEST

START_TEST(timens_offsets_parse)
{
  gint64 ns = 0;
  ck_assert(pl_timens_boottime_offset("monotonic 0 0\nboottime -500 500000000\n", &ns));
  ck_assert_int_eq(ns, G_GINT64_CONSTANT(-499500000000));
  ck_assert(pl_timens_boottime_offset("1 5 0\n7 -12 0\n", &ns)); /* Linux 5.6: clock ids */
  ck_assert_int_eq(ns, G_GINT64_CONSTANT(-12000000000));
  ck_assert(!pl_timens_boottime_offset("monotonic 0 0\n", &ns));
  ck_assert(!pl_timens_boottime_offset("boottime 1 2000000000\n", &ns));
  ck_assert(!pl_timens_boottime_offset("", &ns));
}
END_TEST

START_TEST(cpu_ranges)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  g_autofree char *online = produce(ctx, pl_produce_cpu_online, 100);
  g_autofree char *possible = produce(ctx, pl_produce_cpu_possible, 100);
  g_autofree char *present = produce(ctx, pl_produce_cpu_present, 103);
  g_autofree char *host_possible = produce(ctx, pl_produce_cpu_possible, 104);
  ck_assert_str_eq(online, "0\n");
  ck_assert_str_eq(possible, "0\n");
  ck_assert_str_eq(present, "0-1\n");
  ck_assert_str_eq(host_possible, "0-7\n");
  ctx->quota_cap = FALSE;
  g_autofree char *uncapped = produce(ctx, pl_produce_cpu_online, 100);
  ck_assert_str_eq(uncapped, "0-1\n");
}
END_TEST

START_TEST(vanished_caller)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  PlProduceFn fns[] = {pl_produce_cpuinfo,   pl_produce_stat,      pl_produce_uptime,
                       pl_produce_loadavg,   pl_produce_diskstats, pl_produce_pressure_cpu,
                       pl_produce_cpu_online};
  for (guint i = 0; i < G_N_ELEMENTS(fns); i++)
    ck_assert_int_eq(produce_errno(ctx, fns[i], 999), ESRCH);
}
END_TEST

START_TEST(loadavg_of_a_container)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  /* Tasks 100 (R), 105 (S), 110 (D); the newest, 110, is pid 1 in 105's namespace. */
  g_autofree char *first = produce(ctx, pl_produce_loadavg, 100);
  ck_assert_str_eq(first, "0.00 0.00 0.00 1/3 110\n");
  g_autofree char *inner = produce(ctx, pl_produce_loadavg, 105);
  ck_assert_str_eq(inner, "0.00 0.00 0.00 1/3 1\n");
  ck_assert_uint_eq(pl_loadavg_tracked(ctx->loadavg), 1);
  /* One 5-second sample of 2 active tasks (R + D). */
  pl_loadavg_sample_all(ctx->loadavg);
  g_autofree char *after = produce(ctx, pl_produce_loadavg, 100);
  ck_assert_str_eq(after, "0.16 0.03 0.01 1/3 110\n");
  g_autofree char *root = produce(ctx, pl_produce_loadavg, 104);
  ck_assert_str_eq(root, "0.50 0.40 0.30 2/200 4242\n");
  ctx->loadavg_enabled = FALSE;
  g_autofree char *off = produce(ctx, pl_produce_loadavg, 100);
  ck_assert_str_eq(off, "0.50 0.40 0.30 2/200 4242\n");
}
END_TEST

START_TEST(diskstats_of_a_container)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  g_autofree char *text = produce(ctx, pl_produce_diskstats, 100);
  ck_assert_str_eq(text, "   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0 0 0 0 0 0 0\n"
                         "   8       1 sda1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                         " 254       0 vda 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  g_autofree char *host = cpu_fixture_text("proc/diskstats");
  g_autofree char *root = produce(ctx, pl_produce_diskstats, 104);
  ck_assert_str_eq(root, host);
}
END_TEST

START_TEST(diskstats_degrades)
{
  /* v1: blkio counted nothing for "wide": every device at 0. v2: no io.stat: the host's. */
  g_autoptr(PlContext) v1 = context_for("v1");
  g_autoptr(PlContext) v2 = context_for("v2");
  g_autofree char *none = produce(v1, pl_produce_diskstats, 101);
  g_autofree char *host = cpu_fixture_text("proc/diskstats");
  g_autofree char *degraded = produce(v2, pl_produce_diskstats, 101);
  ck_assert_str_eq(none, "   8       0 sda 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                         "   8       1 sda1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                         " 254       0 vda 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  ck_assert_str_eq(degraded, host);
}
END_TEST

START_TEST(pressure_files)
{
  g_autofree char *host = cpu_fixture_text("proc/pressure/cpu");
  g_autofree char *box = cpu_fixture_text("v2/cgroup/box/cpu.pressure");
  g_autoptr(PlContext) v1 = context_for("v1");
  g_autoptr(PlContext) v2 = context_for("v2");
  g_autoptr(PlContext) hybrid = context_for("hybrid");
  g_autofree char *a = produce(v1, pl_produce_pressure_cpu, 100);
  g_autofree char *b = produce(v2, pl_produce_pressure_cpu, 100);
  g_autofree char *c = produce(hybrid, pl_produce_pressure_cpu, 100);
  g_autofree char *d = produce(v2, pl_produce_pressure_io, 100); /* no io.pressure there */
  g_autofree char *e = produce(v2, pl_produce_pressure_cpu, 104);
  ck_assert_str_eq(a, host);
  ck_assert_str_eq(b, box);
  ck_assert(g_str_has_prefix(c, "some avg10=42.00 "));
  ck_assert_str_eq(d, host);
  ck_assert_str_eq(e, host);
}
END_TEST

START_TEST(sysfs_cpu_directories)
{
  g_autoptr(PlContext) ctx = context_for(kinds[_i]);
  const PlVdirOps *ops = &pl_cpu_sysfs_dir;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  gboolean is_dir;

  /* The caller's CPUs, then the host's other entries (the front shows its own static
   * online/possible/present instead of these). */
  ck_assert(ops->list(ctx, 100, "", names, NULL));
  g_autoptr(GString) joined = g_string_new(NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf(joined, "%s%s", i ? " " : "", (const char *)names->pdata[i]);
  ck_assert_str_eq(joined->str, "cpu0/ cpufreq/ kernel_max offline online possible present");
  g_ptr_array_set_size(names, 0);
  ck_assert(ops->list(ctx, 103, "", names, NULL));
  ck_assert_uint_eq(names->len, 8);
  ck_assert_str_eq(names->pdata[1], "cpu1/");
  g_ptr_array_set_size(names, 0);
  ck_assert(ops->list(ctx, 100, "cpu0", names, NULL));
  ck_assert_uint_eq(names->len, 2); /* the "subsystem" symlink is left out */
  ck_assert_str_eq(names->pdata[0], "cache/");
  ck_assert_str_eq(names->pdata[1], "topology/");

  ck_assert(ops->lookup(ctx, 100, "cpu0/topology", &is_dir, NULL) && is_dir);
  ck_assert(ops->lookup(ctx, 100, "cpu0/topology/core_id", &is_dir, NULL) && !is_dir);
  ck_assert(!ops->lookup(ctx, 100, "cpu1", &is_dir, &error));
  ck_assert_int_eq(pl_error_to_errno(error), ENOENT);
  g_clear_error(&error);
  ck_assert(!ops->lookup(ctx, 100, "cpu0/../cpu1", &is_dir, &error));
  g_clear_error(&error);
  ck_assert(!ops->lookup(ctx, 100, "cpu00", &is_dir, &error));
  g_clear_error(&error);
  ck_assert(!ops->lookup(ctx, 100, "cpu0/subsystem", &is_dir, &error));
  g_clear_error(&error);

  /* Visible CPU 0 of pid 100 is host CPU 2. */
  ck_assert(ops->read(ctx, 100, "cpu0/topology/core_id", out, NULL));
  ck_assert_str_eq(out->str, "2\n");
  g_string_truncate(out, 0);
  ck_assert(ops->read(ctx, 100, "cpu0/topology/thread_siblings_list", out, NULL));
  ck_assert_str_eq(out->str, "0\n");
  g_string_truncate(out, 0);
  ck_assert(ops->read(ctx, 103, "cpu1/cache/index0/shared_cpu_map", out, NULL));
  ck_assert_str_eq(out->str, "3\n");
  g_string_truncate(out, 0);
  ck_assert(ops->read(ctx, 100, "offline", out, NULL));
  ck_assert_str_eq(out->str, "\n");
  g_string_truncate(out, 0);
  ck_assert(ops->read(ctx, 100, "kernel_max", out, NULL));
  ck_assert_str_eq(out->str, "8191\n");
  ck_assert(ops->lookup(ctx, 100, "cpufreq/policy0/related_cpus", &is_dir, NULL) && !is_dir);
  ck_assert(!ops->read(ctx, 999, "cpu0/topology/core_id", out, &error));
  ck_assert_int_eq(pl_error_to_errno(error), ESRCH);
}
END_TEST

START_TEST(table_serves_every_file)
{
  const char *paths[] = {"proc/cpuinfo",
                         "proc/stat",
                         "proc/uptime",
                         "proc/loadavg",
                         "proc/diskstats",
                         "proc/pressure/cpu",
                         "proc/pressure/memory",
                         "proc/pressure/io",
                         "sys/devices/system/cpu/online",
                         "sys/devices/system/cpu/possible",
                         "sys/devices/system/cpu/present"};
  for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
    const PlVfile *f = pl_vfile_lookup(paths[i]);
    ck_assert_msg(f != NULL && f->produce != NULL, "%s", paths[i]);
  }
  const PlVfile *dir = pl_vfile_lookup("sys/devices/system/cpu");
  ck_assert(dir != NULL && dir->produce == NULL && dir->dir == &pl_cpu_sysfs_dir);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cpu_producers");
  TCase *tc = tcase_create("producers");
  tcase_set_timeout(tc, 30); /* sanitizer builds on a busy CI host */
  guint n = G_N_ELEMENTS(kinds);
  tcase_add_loop_test(tc, cpuinfo_for_a_pinned_container, 0, n);
  tcase_add_loop_test(tc, stat_for_a_pinned_container, 0, n);
  tcase_add_test(tc, stat_from_usage_percpu);
  tcase_add_loop_test(tc, stat_counters_grow, 0, n);
  tcase_add_loop_test(tc, uptime_and_btime_in_a_pid_namespace, 0, n);
  tcase_add_test(tc, timens_offsets_parse);
  tcase_add_loop_test(tc, cpu_ranges, 0, n);
  tcase_add_loop_test(tc, vanished_caller, 0, n);
  tcase_add_loop_test(tc, loadavg_of_a_container, 0, n);
  tcase_add_loop_test(tc, diskstats_of_a_container, 0, n);
  tcase_add_test(tc, diskstats_degrades);
  tcase_add_test(tc, pressure_files);
  tcase_add_loop_test(tc, sysfs_cpu_directories, 0, n);
  tcase_add_loop_test(tc, sysfs_node_directories, 0, n);
  tcase_add_test(tc, table_serves_every_file);
  suite_add_tcase(s, tc);
  return cpu_run_suite(s);
}
