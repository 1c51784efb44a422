/* meminfo and swaps, rendered end to end from fixture trees (caller -> model -> view). */
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/vfiles.h"
#include "proclens/views.h"
#include "unit.h"

#include <errno.h>
#include <string.h>

static PlContext *
context_of(const char *kind)
{
  g_autofree char *croot_rel = g_strdup_printf("memory/%s/cgroup", kind);
  g_autofree char *proot_rel = g_strdup_printf("memory/%s/proc", kind);
  g_autofree char *croot = fixture(croot_rel);
  g_autofree char *proot = fixture(proot_rel);
  PlContext *ctx = pl_context_new(croot, proot, NULL);
  ck_assert_ptr_nonnull(ctx);
  return ctx;
}

static GString *
produce(PlProduceFn fn, const char *kind, int pid)
{
  g_autoptr(PlContext) ctx = context_of(kind);
  g_autoptr(GError) error = NULL;
  GString *out = g_string_new(NULL);
  ck_assert_msg(fn(ctx, pid, out, &error), "pid %d: %s", pid, error ? error->message : "");
  return out;
}

/* The value on the line "key:" of meminfo text; fails the test if absent. */
static guint64
field(const GString *text, const char *key)
{
  g_autofree char *needle = g_strdup_printf("\n%s:", key);
  g_autofree char *padded = g_strconcat("\n", text->str, NULL);
  const char *at = strstr(padded, needle);
  ck_assert_msg(at != NULL, "no %s in meminfo", key);
  return g_ascii_strtoull(at + strlen(needle), NULL, 10);
}

START_TEST(host_view_is_byte_identical)
{
  g_autoptr(GString) out = produce(pl_produce_meminfo, "v1", 0);
  g_autofree char *host_path = fixture("memory/v1/proc/meminfo");
  g_autofree char *host = NULL;
  ck_assert(pl_read_file(host_path, &host, NULL, NULL));
  ck_assert_str_eq(out->str, host);
}
END_TEST

START_TEST(unlimited_caller_sees_the_host)
{
  g_autoptr(GString) out = produce(pl_produce_meminfo, "v1", 103);
  g_autoptr(GString) host = produce(pl_produce_meminfo, "v1", 0);
  ck_assert_str_eq(out->str, host->str);
}
END_TEST

START_TEST(v1_box_figures)
{
  g_autoptr(GString) m = produce(pl_produce_meminfo, "v1", 100);
  ck_assert_uint_eq(field(m, "MemTotal"), 307200);
  ck_assert_uint_eq(field(m, "MemFree"), 204800);
  ck_assert_uint_eq(field(m, "MemAvailable"), 204800 + 36 * 1024);
  ck_assert_uint_eq(field(m, "Buffers"), 0);
  ck_assert_uint_eq(field(m, "Cached"), 40960);
  ck_assert_uint_eq(field(m, "Active"), 62 * 1024);
  ck_assert_uint_eq(field(m, "Inactive"), 29 * 1024);
  ck_assert_uint_eq(field(m, "Active(file)"), 12 * 1024);
  ck_assert_uint_eq(field(m, "Mlocked"), 8);
  ck_assert_uint_eq(field(m, "SwapTotal"), 307200);
  ck_assert_uint_eq(field(m, "SwapFree"), 290 * 1024);
  ck_assert_uint_eq(field(m, "AnonPages"), 55 * 1024);
  ck_assert_uint_eq(field(m, "Mapped"), 10 * 1024);
  ck_assert_uint_eq(field(m, "Shmem"), 4096);
  ck_assert_uint_eq(field(m, "Dirty"), 4);
  ck_assert_uint_eq(field(m, "Slab"), 0);
  ck_assert_uint_eq(field(m, "Committed_AS"), 307200); /* host's 9000000, capped */
  ck_assert_uint_eq(field(m, "VmallocTotal"), 34359738367ULL);
  ck_assert_uint_eq(field(m, "Hugepagesize"), 2048);
  ck_assert(strstr(m->str, "MemTotal:         307200 kB\n") == m->str);
  ck_assert(strstr(m->str, "\nHugePages_Total:       0\n") != NULL);
}
END_TEST

START_TEST(v2_box_figures_include_kernel_memory)
{
  g_autoptr(GString) m = produce(pl_produce_meminfo, "v2", 200);
  ck_assert_uint_eq(field(m, "MemTotal"), 307200);
  ck_assert_uint_eq(field(m, "MemAvailable"), 204800 + 36 * 1024 + 1024);
  ck_assert_uint_eq(field(m, "SwapCached"), 64);
  ck_assert_uint_eq(field(m, "Slab"), 1536);
  ck_assert_uint_eq(field(m, "SReclaimable"), 1024);
  ck_assert_uint_eq(field(m, "SUnreclaim"), 512);
  ck_assert_uint_eq(field(m, "KernelStack"), 256);
  ck_assert_uint_eq(field(m, "PageTables"), 512);
  ck_assert_uint_eq(field(m, "SwapTotal"), 102400);
  ck_assert_uint_eq(field(m, "SwapFree"), 92160);
}
END_TEST

START_TEST(hybrid_matches_v1)
{
  g_autoptr(GString) v1 = produce(pl_produce_meminfo, "v1", 100);
  g_autoptr(GString) hybrid = produce(pl_produce_meminfo, "hybrid", 300);
  ck_assert_str_eq(v1->str, hybrid->str);
}
END_TEST

START_TEST(a_limit_above_the_host_shows_the_host_total)
{
  g_autoptr(GString) m = produce(pl_produce_meminfo, "v1", 106);
  ck_assert_uint_eq(field(m, "MemTotal"), 8000000);
  ck_assert_uint_eq(field(m, "MemFree"), 8000000 - 30 * 1024);
}
END_TEST

START_TEST(usage_above_the_limit_is_clamped)
{
  g_autoptr(GString) m = produce(pl_produce_meminfo, "v1", 107);
  ck_assert_uint_eq(field(m, "MemTotal"), 102400);
  ck_assert_uint_eq(field(m, "MemFree"), 0);
  ck_assert_uint_le(field(m, "Cached"), 102400);
  ck_assert_uint_le(field(m, "Active"), 102400);
  ck_assert_uint_le(field(m, "AnonPages"), 102400);
  ck_assert_uint_eq(field(m, "SwapTotal"), 0);
}
END_TEST

/* Invariants for every fixture caller in every layout. */
static void
check_invariants(const char *kind, int pid)
{
  g_autoptr(PlContext) ctx = context_of(kind);
  g_autoptr(GString) m = g_string_new(NULL);
  g_autoptr(GString) host = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  if (!pl_produce_meminfo(ctx, pid, m, &error)) {
    ck_assert_int_eq(pl_error_to_errno(error), ENOENT); /* the vanished cgroups */
    return;
  }
  ck_assert(pl_produce_meminfo(ctx, 0, host, NULL));
  guint64 total = field(m, "MemTotal"), free_kb = field(m, "MemFree");
  guint64 avail = field(m, "MemAvailable");
  ck_assert_msg(free_kb <= avail && avail <= total, "%s pid %d: %lu %lu %lu", kind, pid,
                (unsigned long)free_kb, (unsigned long)avail, (unsigned long)total);
  ck_assert_uint_le(total, 8000000);
  ck_assert_uint_le(field(m, "SwapFree"), field(m, "SwapTotal"));
  if (strcmp(m->str, host->str) == 0)
    return; /* an unlimited caller sees the host, whose own figures need no capping */
  g_auto(GStrv) lines = g_strsplit(m->str, "\n", -1);
  g_auto(GStrv) host_lines = g_strsplit(host->str, "\n", -1);
  ck_assert_uint_eq(g_strv_length(lines), g_strv_length(host_lines));
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
    const char *colon = strchr(lines[i], ':');
    ck_assert_ptr_nonnull(colon);
    ck_assert_int_eq(strncmp(lines[i], host_lines[i], colon - lines[i] + 1), 0); /* same key */
    ck_assert_int_eq(strlen(lines[i]) >= 24, TRUE);
    if (g_str_has_prefix(lines[i], "Vmalloc") || g_str_has_prefix(lines[i], "DirectMap") ||
        g_str_has_prefix(lines[i], "Swap") || g_str_has_prefix(lines[i], "Huge"))
      continue;
    ck_assert_msg(g_ascii_strtoull(colon + 1, NULL, 10) <= total, "%s pid %d: %s", kind, pid,
                  lines[i]);
  }
}

START_TEST(invariants_hold_for_every_fixture)
{
  const int v1[] = {100, 101, 102, 103, 104, 105, 106, 107, 108, 110, 111};
  const int v2[] = {200, 201, 202, 203, 204, 205, 206};
  for (guint i = 0; i < G_N_ELEMENTS(v1); i++)
    check_invariants("v1", v1[i]);
  for (guint i = 0; i < G_N_ELEMENTS(v2); i++)
    check_invariants("v2", v2[i]);
  check_invariants("hybrid", 300);
}
END_TEST

START_TEST(vanished_caller_is_esrch)
{
  g_autoptr(PlContext) ctx = context_of("v2");
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GError) error = NULL;
  ck_assert(!pl_produce_meminfo(ctx, 4242, out, &error));
  ck_assert_int_eq(pl_error_to_errno(error), ESRCH);
}
END_TEST

START_TEST(swaps_host_view_is_the_host_file)
{
  g_autoptr(GString) out = produce(pl_produce_swaps, "v2", 0);
  g_autofree char *host_path = fixture("memory/v2/proc/swaps");
  g_autofree char *host = NULL;
  ck_assert(pl_read_file(host_path, &host, NULL, NULL));
  ck_assert_str_eq(out->str, host);
}
END_TEST

START_TEST(swaps_show_the_container_allowance)
{
  g_autoptr(GString) out = produce(pl_produce_swaps, "v2", 200);
  ck_assert_str_eq(out->str, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                             "none                                    virtual\t102400\t\t10240\t\t-1\n");
  g_autoptr(GString) none = produce(pl_produce_swaps, "v2", 204);
  ck_assert_str_eq(none->str, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
}
END_TEST

START_TEST(renderer_on_literal_structs)
{
  g_auto(PlHostMeminfo) host = {0};
  ck_assert(pl_host_meminfo_parse("MemTotal:        1000000 kB\nMemFree:          500000 kB\n"
                                  "MemAvailable:     600000 kB\nSwapTotal:             0 kB\n"
                                  "SwapFree:              0 kB\nHugePages_Total:       4\n",
                                  &host, NULL));
  PlCgMemory cg = {.limit = 100 * 1024 * 1024, .usage = 1024 * 1024, .swap_known = TRUE};
  g_autoptr(GString) out = g_string_new(NULL);
  pl_render_meminfo(&host, &cg, out);
  ck_assert_str_eq(out->str, "MemTotal:         102400 kB\nMemFree:          101376 kB\n"
                             "MemAvailable:     101376 kB\nSwapTotal:             0 kB\n"
                             "SwapFree:              0 kB\nHugePages_Total:       4\n");
}
END_TEST

START_TEST(host_parser_rejects_malformed_lines)
{
  g_auto(PlHostMeminfo) host = {0};
  g_autoptr(GError) error = NULL;
  ck_assert(!pl_host_meminfo_parse("MemTotal 1000 kB\n", &host, &error));
  g_clear_error(&error);
  ck_assert(!pl_host_meminfo_parse("MemTotal: lots kB\n", &host, &error));
  g_clear_error(&error);
  ck_assert(!pl_host_meminfo_parse("MemTotal: 5 MB\n", &host, &error));
  g_clear_error(&error);
  ck_assert(!pl_host_meminfo_parse("AVeryVeryVeryVeryLongKeyThatOverflows: 5 kB\n", &host,
                                   &error));
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("meminfo_view");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, host_view_is_byte_identical);
  tcase_add_test(tc, unlimited_caller_sees_the_host);
  tcase_add_test(tc, v1_box_figures);
  tcase_add_test(tc, v2_box_figures_include_kernel_memory);
  tcase_add_test(tc, hybrid_matches_v1);
  tcase_add_test(tc, a_limit_above_the_host_shows_the_host_total);
  tcase_add_test(tc, usage_above_the_limit_is_clamped);
  tcase_add_test(tc, invariants_hold_for_every_fixture);
  tcase_add_test(tc, vanished_caller_is_esrch);
  tcase_add_test(tc, swaps_host_view_is_the_host_file);
  tcase_add_test(tc, swaps_show_the_container_allowance);
  tcase_add_test(tc, renderer_on_literal_structs);
  tcase_add_test(tc, host_parser_rejects_malformed_lines);
  suite_add_tcase(s, tc);
  return run_suite(s);
}
