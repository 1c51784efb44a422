/* proc/stat: host parsing, cgroup CPU time, monotonic per-container counters, rendering. */
#include "cpu_unit.h"
#include "proclens/cpu.h"
#include "proclens/cpu_views.h"
#include "proclens/host_cpu.h"
#include "proclens/stat_state.h"

#define SEC G_GUINT64_CONSTANT(1000000000)

static void
view_from(const char *visible, double capacity, PlCpuView *v)
{
  memset(v, 0, sizeof *v);
  ck_assert(pl_cpuset_parse_list(visible, &v->visible));
  v->n = pl_cpuset_count(&v->visible);
  v->capacity = capacity;
  v->limited = TRUE;
}

START_TEST(host_stat_parse)
{
  g_autofree char *text = cpu_fixture_text("proc/stat");
  g_auto(PlHostStat) s = {0};
  ck_assert(pl_host_stat_parse(text, &s, NULL));
  ck_assert_uint_eq(s.cpus->len, 4);
  ck_assert_uint_eq(s.total[0], 4000);
  ck_assert_uint_eq(s.total[1], 10);
  ck_assert_uint_eq(pl_host_stat_cpu(&s, 2)->v[3], 20000);
  ck_assert_ptr_null(pl_host_stat_cpu(&s, 9));
  ck_assert_uint_eq(s.btime, 1700000000);
  ck_assert_uint_eq(s.other->len, 7);
  ck_assert_str_eq(s.other->pdata[0], "intr 12345 0 1 2");
  /* Old kernels print fewer fields; garbage is an error. */
  g_auto(PlHostStat) old = {0};
  ck_assert(pl_host_stat_parse("cpu  1 2 3 4\ncpu0 1 2 3 4\n", &old, NULL));
  ck_assert_uint_eq(old.total[3], 4);
  ck_assert_uint_eq(old.total[9], 0);
  g_auto(PlHostStat) bad = {0};
  g_autoptr(GError) error = NULL;
  ck_assert(!pl_host_stat_parse("cpu0 x y\n", &bad, &error));
}
END_TEST

START_TEST(uptime_parse)
{
  guint64 up, idle;
  ck_assert(pl_host_uptime_parse("1000.50 3000.25\n", &up, &idle));
  ck_assert_uint_eq(up, 100050);
  ck_assert_uint_eq(idle, 300025);
  ck_assert(!pl_host_uptime_parse("abc", &up, &idle));
}
END_TEST

START_TEST(usage_parsers)
{
  g_auto(PlCpuUsage) all = {0};
  g_auto(PlCpuUsage) percpu = {0};
  g_auto(PlCpuUsage) v2 = {0};
  g_auto(PlCpuUsage) nostat = {0};

  ck_assert(pl_cpu_usage_parse_all("cpu user system\n0 10 20\n1 30 40\n", &all));
  ck_assert(all.per_cpu);
  ck_assert_uint_eq(all.ncpus, 2);
  ck_assert_uint_eq(all.user[1], 30);
  ck_assert_uint_eq(all.total[1], 70);
  ck_assert_uint_eq(all.system[1], 40);
  ck_assert_uint_eq(pl_cpu_usage_total(&all), 100);
  /* 4 s on CPU 2 split 70/30 by cpuacct.stat's user 350 / system 150. */
  ck_assert(
      pl_cpu_usage_parse_percpu("0 0 4000000000 1000000000 \n", "user 350\nsystem 150\n", &percpu));
  ck_assert_uint_eq(percpu.ncpus, 4);
  ck_assert_uint_eq(percpu.user[2], 2800000000);
  ck_assert_uint_eq(percpu.system[2], 1200000000);
  ck_assert(pl_cpu_usage_parse_percpu("5 6\n", NULL, &nostat));
  ck_assert_uint_eq(nostat.user[1], 6);
  ck_assert_uint_eq(nostat.system[1], 0);
  ck_assert(
      pl_cpu_usage_parse_v2("usage_usec 5000000\nuser_usec 3500000\nsystem_usec 1500000\n", &v2));
  ck_assert(!v2.per_cpu);
  ck_assert_uint_eq(v2.user[0], 3500000000);
  ck_assert_uint_eq(v2.total[0], 5000000000);
  ck_assert_uint_eq(v2.system[0], 1500000000);
  g_auto(PlCpuUsage) bad = {0};
  ck_assert(!pl_cpu_usage_parse_all("garbage\n", &bad));
  ck_assert(!pl_cpu_usage_parse_v2("nr_periods 0\n", &bad));
}
END_TEST

static void
usage_set(PlCpuUsage *u, guint ncpus, gboolean per_cpu, const guint64 *user, const guint64 *sys)
{
  pl_cpu_usage_clear(u);
  u->ncpus = ncpus;
  u->per_cpu = per_cpu;
  u->user = g_memdup2(user, sizeof(guint64) * ncpus);
  u->system = g_memdup2(sys, sizeof(guint64) * ncpus);
  u->total = g_new(guint64, ncpus);
  for (guint i = 0; i < ncpus; i++)
    u->total[i] = user[i] + sys[i];
}

static void
assert_not_less(const PlCpuTimes *now, const PlCpuTimes *before)
{
  ck_assert_uint_ge(now->user, before->user);
  ck_assert_uint_ge(now->system, before->system);
  ck_assert_uint_ge(now->idle, before->idle);
}

/* Pinned to host CPU 2 with half a CPU of quota: the worked example of the rule. */
START_TEST(entry_rule_and_whole_quota)
{
  g_auto(PlCpuUsage) u = {0};
  PlStatEntry e = {0};
  PlCpuView v;

  view_from("2", 0.5, &v);
  guint64 user[4] = {0, 0, 3 * SEC, SEC / 2}, sys[4] = {0, 0, SEC, SEC / 2};
  usage_set(&u, 4, TRUE, user, sys);
  pl_stat_entry_update(&e, &u, &v, 0, 100 * SEC);
  /* CPU 3 is outside the view: its time is spread over the visible CPU. */
  ck_assert_uint_eq(e.shown[0].user, 3 * SEC + SEC / 2);
  ck_assert_uint_eq(e.shown[0].system, SEC + SEC / 2);
  /* 100 s at half a CPU = 50 s of capacity, 5 s used. */
  ck_assert_uint_eq(e.shown[0].idle, 45 * SEC);
  ck_assert_uint_eq(e.total.idle, 45 * SEC);

  /* One second later it used its whole half CPU: no idle added. */
  PlCpuTimes before = e.shown[0];
  user[2] += 4 * SEC / 10;
  sys[2] += SEC / 10;
  usage_set(&u, 4, TRUE, user, sys);
  pl_stat_entry_update(&e, &u, &v, (gint64)SEC, 0);
  ck_assert_uint_eq(e.shown[0].user - before.user, 4 * SEC / 10);
  ck_assert_uint_eq(e.shown[0].system - before.system, SEC / 10);
  ck_assert_uint_eq(e.shown[0].idle, before.idle);

  /* Then it sleeps for a second: all of its capacity is idle. */
  before = e.shown[0];
  pl_stat_entry_update(&e, &u, &v, (gint64)(2 * SEC), 0);
  ck_assert_uint_eq(e.shown[0].idle - before.idle, SEC / 2);
  ck_assert_uint_eq(e.shown[0].user, before.user);
  pl_stat_entry_clear(&e);
}
END_TEST

/* Usage that goes backwards (a recreated cgroup), more CPUs, fewer CPUs, totals only:
 * no shown counter ever decreases. */
START_TEST(entry_monotonic)
{
  g_auto(PlCpuUsage) u = {0};
  PlStatEntry e = {0};
  PlCpuView two, one;
  PlCpuTimes prev_cpu[2], prev_total;

  view_from("0-1", 2.0, &two);
  view_from("1", 1.0, &one);
  guint64 user[2] = {10 * SEC, 20 * SEC}, sys[2] = {SEC, 2 * SEC};
  usage_set(&u, 2, TRUE, user, sys);
  pl_stat_entry_update(&e, &u, &two, 0, 60 * SEC);
  for (int step = 1; step <= 40; step++) {
    memcpy(prev_cpu, e.shown, sizeof prev_cpu);
    prev_total = e.total;
    if (step % 7 == 0) { /* counters reset */
      user[0] = user[1] = sys[0] = sys[1] = 0;
    } else {
      user[step % 2] += (guint64)step * SEC / 10;
      sys[(step + 1) % 2] += SEC / 20;
    }
    usage_set(&u, 2, TRUE, user, sys);
    const PlCpuView *v = step % 5 == 0 ? &one : &two;
    if (step % 11 == 0) { /* a v2-like sample with totals only */
      guint64 tu = user[0] + user[1], ts = sys[0] + sys[1];
      usage_set(&u, 1, FALSE, &tu, &ts);
    }
    pl_stat_entry_update(&e, &u, v, (gint64)step * (gint64)SEC / 2, 0);
    assert_not_less(&e.total, &prev_total);
    for (guint i = 0; i < 2; i++)
      assert_not_less(&e.shown[i], &prev_cpu[i]);
  }
  ck_assert_uint_eq(e.nshown, 2);
  pl_stat_entry_clear(&e);
}
END_TEST

/* Run time is exact, the user/system split sampled at ticks: shown time follows the run
 * time, split in the interval's sampled ratio. */
START_TEST(entry_follows_run_time)
{
  g_auto(PlCpuUsage) u = {0};
  PlStatEntry e = {0};
  PlCpuView v;

  view_from("0", 1.0, &v);
  guint64 user = 3 * SEC, sys = SEC;
  usage_set(&u, 1, TRUE, &user, &sys);
  pl_stat_entry_update(&e, &u, &v, 0, 10 * SEC);
  /* 0.5 s of run time while the ticks saw 0.3 s user and 0.1 s system. */
  user += 3 * SEC / 10;
  sys += SEC / 10;
  usage_set(&u, 1, TRUE, &user, &sys);
  u.total[0] = 4 * SEC + SEC / 2;
  pl_stat_entry_update(&e, &u, &v, (gint64)SEC, 0);
  ck_assert_uint_eq(e.shown[0].user, 3 * SEC + 375 * SEC / 1000);
  ck_assert_uint_eq(e.shown[0].system, SEC + 125 * SEC / 1000);
  ck_assert_uint_eq(e.shown[0].idle, 6 * SEC + SEC / 2);
  /* Run time with no tick seen: split as all time so far (3.375 : 1.125 = 3 : 1). */
  u.total[0] += SEC / 10;
  pl_stat_entry_update(&e, &u, &v, (gint64)(2 * SEC), 0);
  ck_assert_uint_eq(e.shown[0].user, 3 * SEC + 375 * SEC / 1000 + 3 * SEC / 40);
  pl_stat_entry_clear(&e);
}
END_TEST

/* v2: totals only, spread evenly over the visible CPUs. */
START_TEST(entry_totals_spread)
{
  g_auto(PlCpuUsage) u = {0};
  PlStatEntry e = {0};
  PlCpuView v;

  view_from("0-2", 3.0, &v);
  guint64 user = 3 * SEC + 2, sys = 0;
  usage_set(&u, 1, FALSE, &user, &sys);
  pl_stat_entry_update(&e, &u, &v, 0, 10 * SEC);
  ck_assert_uint_eq(e.shown[0].user, SEC + 1);
  ck_assert_uint_eq(e.shown[1].user, SEC + 1);
  ck_assert_uint_eq(e.shown[2].user, SEC);
  ck_assert_uint_eq(e.shown[2].idle, 9 * SEC);
  pl_stat_entry_clear(&e);
}
END_TEST

START_TEST(state_table_is_bounded_and_rebases)
{
  g_autoptr(PlStatState) state = pl_stat_state_new(64);
  g_auto(PlCpuUsage) u = {0};
  PlCpuView v;
  PlCpuTimes cpus[1], total, total2;
  guint64 processes;

  view_from("0", 1.0, &v);
  guint64 user = SEC, sys = 0;
  usage_set(&u, 1, TRUE, &user, &sys);
  /* Keys that do not exist as directories are pruned as soon as a shard is full. */
  for (int i = 0; i < 1000; i++) {
    g_autofree char *key = g_strdup_printf("/nonexistent/cg%d", i);
    pl_stat_state_sample(state, key, 1, &u, &v, SEC, 3, 0, cpus, &total, &processes);
  }
  ck_assert_uint_le(pl_stat_state_size(state), 64);

  pl_stat_state_sample(state, "/x", 7, &u, &v, 10 * SEC, 3, 0, cpus, &total, &processes);
  ck_assert_uint_eq(processes, 3);
  ck_assert_uint_eq(total.user, SEC);
  /* Same path, a new cgroup (inode) whose counters restart: shown times keep growing. */
  user = SEC / 10;
  usage_set(&u, 1, TRUE, &user, &sys);
  pl_stat_state_sample(state, "/x", 8, &u, &v, 10 * SEC, 1, (gint64)SEC, cpus, &total2, &processes);
  assert_not_less(&total2, &total);
  ck_assert_uint_eq(processes, 3); /* never decreases */
  user = SEC / 10 + SEC / 2;
  usage_set(&u, 1, TRUE, &user, &sys);
  pl_stat_state_sample(state, "/x", 8, &u, &v, 10 * SEC, 1, (gint64)(2 * SEC), cpus, &total2,
                       &processes);
  ck_assert_uint_eq(total2.user, SEC + SEC / 2);
  ck_assert_uint_eq(total2.idle, total.idle + SEC / 2);
}
END_TEST

START_TEST(render_container_stat)
{
  g_autofree char *text = cpu_fixture_text("proc/stat");
  g_auto(PlHostStat) host = {0};
  g_autoptr(GString) out = g_string_new(NULL);
  PlCpuView v;
  PlCpuTimes cpus[2] = {{123 * SEC / 100, 45 * SEC / 100, 1000 * SEC / 100},
                        {1 * SEC / 100, 2 * SEC / 100, 3 * SEC / 100}};
  PlCpuTimes total = {124 * SEC / 100, 47 * SEC / 100, 1003 * SEC / 100};

  ck_assert(pl_host_stat_parse(text, &host, NULL));
  view_from("1,3", 2.0, &v);
  PlStatModel m = {.view = &v,
                   .cpus = cpus,
                   .total = &total,
                   .has_tasks = TRUE,
                   .processes = 9,
                   .running = 2,
                   .blocked = 1,
                   .has_btime = TRUE,
                   .btime = 1700000500};
  pl_render_stat(&host, &m, out);
  ck_assert_str_eq(out->str, "cpu  124 0 47 1003 0 0 0 0 0 0\n"
                             "cpu0 123 0 45 1000 0 0 0 0 0 0\n"
                             "cpu1 1 0 2 3 0 0 0 0 0 0\n"
                             "intr 12345 0 1 2\n"
                             "ctxt 987654\n"
                             "btime 1700000500\n"
                             "processes 9\n"
                             "procs_running 2\n"
                             "procs_blocked 1\n"
                             "softirq 4242 1 2 3 4 5 6 7 8 9 10\n");
}
END_TEST

/* No CPU accounting: the host's lines of the visible CPUs, renumbered, summed. */
START_TEST(render_host_lines_renumbered)
{
  g_autofree char *text = cpu_fixture_text("proc/stat");
  g_auto(PlHostStat) host = {0};
  g_autoptr(GString) out = g_string_new(NULL);
  PlCpuView v;

  ck_assert(pl_host_stat_parse(text, &host, NULL));
  view_from("0,2", 2.0, &v);
  PlStatModel m = {.view = &v};
  pl_render_stat(&host, &m, out);
  ck_assert(g_str_has_prefix(out->str, "cpu  2000 10 1000 40000 150 0 30 0 0 0\n"
                                       "cpu0 1000 10 500 20000 100 0 20 0 0 0\n"
                                       "cpu1 1000 0 500 20000 50 0 10 0 0 0\n"
                                       "intr 12345 0 1 2\n"));
  ck_assert(strstr(out->str, "btime 1700000000\nprocesses 5555\n") != NULL);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cpu_stat");
  TCase *tc = tcase_create("stat");
  tcase_set_timeout(tc, 30); /* sanitizer builds on a busy CI host */
  tcase_add_test(tc, host_stat_parse);
  tcase_add_test(tc, uptime_parse);
  tcase_add_test(tc, usage_parsers);
  tcase_add_test(tc, entry_rule_and_whole_quota);
  tcase_add_test(tc, entry_monotonic);
  tcase_add_test(tc, entry_totals_spread);
  tcase_add_test(tc, entry_follows_run_time);
  tcase_add_test(tc, state_table_is_bounded_and_rebases);
  tcase_add_test(tc, render_container_stat);
  tcase_add_test(tc, render_host_lines_renumbered);
  suite_add_tcase(s, tc);
  return cpu_run_suite(s);
}
