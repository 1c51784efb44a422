/* sysinfo(2)'s model on the fixture trees: every field agrees with the text the meminfo,
 * uptime and loadavg producers render for the same caller (one truth, two faces). */
#include "proclens/context.h"
#include "proclens/error.h"
#include "proclens/loadavg.h"
#include "proclens/sysinfo_model.h"
#include "proclens/vfiles.h"

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"v1", "v2", "hybrid"};

static PlContext *
context_for(const char *area, const char *kind)
{
  g_autofree char *croot = g_build_filename(FIXTURES_DIR, area, kind, "cgroup", NULL);
  g_autofree char *proot = g_strcmp0(area, "cpu") == 0
                               ? g_build_filename(FIXTURES_DIR, area, "proc", NULL)
                               : g_build_filename(FIXTURES_DIR, area, kind, "proc", NULL);
  PlContext *ctx = pl_context_new(croot, proot, NULL);
  ck_assert_ptr_nonnull(ctx);
  if (g_strcmp0(area, "cpu") == 0) {
    g_free(ctx->sys_root);
    ctx->sys_root = g_build_filename(FIXTURES_DIR, "cpu", "sys", NULL);
  }
  return ctx;
}

static char *
produce(const PlContext *ctx, PlProduceFn fn, pid_t pid)
{
  GString *out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  ck_assert_msg(fn(ctx, pid, out, &error), "produce for %d: %s", (int)pid,
                error ? error->message : "?");
  return g_string_free(out, FALSE);
}

/* A meminfo line's value in bytes. */
static guint64
meminfo_bytes(const char *text, const char *key)
{
  g_autofree char *needle = g_strdup_printf("\n%s:", key);
  g_autofree char *padded = g_strconcat("\n", text, NULL);
  const char *line = strstr(padded, needle);
  ck_assert_msg(line != NULL, "meminfo has %s", key);
  return g_ascii_strtoull(line + strlen(needle), NULL, 10) * 1024;
}

static void
check_memory(const PlContext *ctx, pid_t pid)
{
  struct sysinfo info;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) produce_error = NULL;
  g_autoptr(GString) out = g_string_new(NULL);

  /* A caller meminfo cannot answer (vanished cgroup, missing file): neither can sysinfo. */
  if (!pl_produce_meminfo(ctx, pid, out, &produce_error)) {
    ck_assert(!pl_sysinfo_memory(ctx, pid, &info, &error));
    ck_assert_int_eq(pl_error_to_errno(error), pl_error_to_errno(produce_error));
    return;
  }
  const char *text = out->str;
  memset(&info, 0xff, sizeof info);
  ck_assert_msg(pl_sysinfo_memory(ctx, pid, &info, &error), "pid %d: %s", (int)pid,
                error ? error->message : "?");
  ck_assert_uint_eq(info.mem_unit, 1);
  ck_assert_uint_eq(info.totalram, meminfo_bytes(text, "MemTotal"));
  ck_assert_uint_eq(info.freeram, meminfo_bytes(text, "MemFree"));
  ck_assert_uint_eq(info.sharedram, meminfo_bytes(text, "Shmem"));
  ck_assert_uint_eq(info.bufferram, meminfo_bytes(text, "Buffers"));
  ck_assert_uint_eq(info.totalswap, meminfo_bytes(text, "SwapTotal"));
  ck_assert_uint_eq(info.freeswap, meminfo_bytes(text, "SwapFree"));
  ck_assert_uint_eq(info.totalhigh, 0);
  ck_assert_uint_eq(info.freehigh, 0);
}

START_TEST(memory_matches_meminfo)
{
  g_autoptr(PlContext) ctx = context_for("memory", kinds[_i]);
  g_autofree char *proc = g_build_filename(FIXTURES_DIR, "memory", kinds[_i], "proc", NULL);
  g_autoptr(GDir) dir = g_dir_open(proc, 0, NULL);
  const char *name;
  guint checked = 0;

  ck_assert_ptr_nonnull(dir);
  while ((name = g_dir_read_name(dir)) != NULL) {
    guint64 pid;
    if (!g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT, &pid, NULL))
      continue;
    check_memory(ctx, (pid_t)pid);
    checked++;
  }
  ck_assert_uint_gt(checked, 0);
  /* A caller outside the daemon's pid namespace: the host's figures. */
  check_memory(ctx, 0);
}
END_TEST

START_TEST(memory_of_a_limited_container_is_not_the_host)
{
  /* v2 pid 200 sits in a limited cgroup in the fixture: its total is below the host's. */
  g_autoptr(PlContext) ctx = context_for("memory", "v2");
  struct sysinfo box, host;
  ck_assert(pl_sysinfo_memory(ctx, 200, &box, NULL));
  ck_assert(pl_sysinfo_memory(ctx, 0, &host, NULL));
  ck_assert_uint_le(box.totalram, host.totalram);
}
END_TEST

/* Loads as proc/loadavg prints them. */
static void
check_loads(const struct sysinfo *info, const char *loadavg)
{
  g_auto(GStrv) f = g_strsplit_set(loadavg, " /\n", -1);
  for (int i = 0; i < 3; i++) {
    unsigned long want;
    ck_assert(pl_sysinfo_parse_load(f[i], &want));
    /* proc/loadavg rounds to hundredths: agree within one of them. */
    long diff = (long)info->loads[i] - (long)want;
    ck_assert_msg(labs(diff) <= (1L << PL_SI_LOAD_SHIFT) / 100 + 1, "load %d: %lu vs %s", i,
                  info->loads[i], f[i]);
  }
  ck_assert_uint_eq(info->procs, g_ascii_strtoull(f[4], NULL, 10));
}

START_TEST(time_matches_uptime_and_loadavg)
{
  g_autoptr(PlContext) ctx = context_for("cpu", kinds[_i]);
  struct sysinfo info;
  g_autoptr(GError) error = NULL;

  /* pid 105: a pid namespace whose init started 500 s after boot, in a time namespace
   * whose boot clock read zero at 499.5 s; cgroup /box with 3 tasks. */
  ck_assert_msg(pl_sysinfo_time(ctx, 105, &info, &error), "%s", error ? error->message : "?");
  ck_assert_int_eq(info.uptime, 501);
  g_autofree char *up = produce(ctx, pl_produce_uptime, 105);
  ck_assert_int_eq(info.uptime, (long)g_ascii_strtod(up, NULL));
  g_autofree char *avg = produce(ctx, pl_produce_loadavg, 105);
  check_loads(&info, avg);
  ck_assert_uint_eq(info.procs, 3);
  ck_assert_uint_eq(info.loads[0], 0);

  /* One sample of 2 active tasks: 0.16 0.03 0.01 in proc/loadavg, exact fixed point here. */
  pl_loadavg_sample_all(ctx->loadavg);
  ck_assert(pl_sysinfo_time(ctx, 105, &info, NULL));
  g_autofree char *after = produce(ctx, pl_produce_loadavg, 105);
  check_loads(&info, after);
  guint64 avenrun[3] = {0, 0, 0};
  pl_loadavg_fold(avenrun, 2);
  ck_assert_uint_eq(info.loads[0], avenrun[0] << (PL_SI_LOAD_SHIFT - PL_FSHIFT));

  /* The root cgroup and the host's pid namespace: the host's files. */
  ck_assert(pl_sysinfo_time(ctx, 104, &info, NULL));
  ck_assert_int_eq(info.uptime, 1000);
  check_loads(&info, "0.50 0.40 0.30 2/200 4242\n");
  ck_assert_uint_eq(info.procs, 200);
  ck_assert(pl_sysinfo_time(ctx, 0, &info, NULL));
  ck_assert_uint_eq(info.procs, 200);
}
END_TEST

START_TEST(parse_load)
{
  unsigned long v;
  ck_assert(pl_sysinfo_parse_load("1.00", &v));
  ck_assert_uint_eq(v, 65536);
  ck_assert(pl_sysinfo_parse_load("0.50", &v));
  ck_assert_uint_eq(v, 32768);
  ck_assert(pl_sysinfo_parse_load("12", &v));
  ck_assert_uint_eq(v, 12 * 65536);
  ck_assert(!pl_sysinfo_parse_load("x.50", &v));
  ck_assert(!pl_sysinfo_parse_load("1.5", &v));
}
END_TEST

START_TEST(vanished_caller_is_an_error)
{
  g_autoptr(PlContext) ctx = context_for("cpu", "v2");
  struct sysinfo info;
  memset(&info, 0x5a, sizeof info);
  struct sysinfo before = info;
  g_autoptr(GError) error = NULL;
  ck_assert(!pl_sysinfo_fill(ctx, 99999, &info, &error));
  ck_assert_ptr_nonnull(error);
  ck_assert_mem_eq(&info, &before, sizeof info);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("sysinfo_model");
  TCase *tc = tcase_create("model");
  int n = G_N_ELEMENTS(kinds);
  tcase_add_loop_test(tc, memory_matches_meminfo, 0, n);
  tcase_add_test(tc, memory_of_a_limited_container_is_not_the_host);
  tcase_add_loop_test(tc, time_matches_uptime_and_loadavg, 0, n);
  tcase_add_test(tc, parse_load);
  tcase_add_test(tc, vanished_caller_is_an_error);
  suite_add_tcase(s, tc);
  SRunner *runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
