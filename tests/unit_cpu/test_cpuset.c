/* CPU sets: the kernel's list and mask spellings, renumbering. */
#include "cpu_unit.h"
#include "proclens/cpuset.h"

static char *
list_of(const PlCpuSet *set)
{
  GString *s = g_string_new(NULL);
  pl_cpuset_format_list(set, s);
  return g_string_free(s, FALSE);
}

static char *
roundtrip(const char *text)
{
  PlCpuSet set;
  ck_assert_msg(pl_cpuset_parse_list(text, &set), "parse '%s'", text);
  return list_of(&set);
}

START_TEST(list_roundtrip)
{
  g_autofree char *a = roundtrip("0-3,8\n");
  g_autofree char *b = roundtrip("0,1,2,3,5,7-9");
  g_autofree char *c = roundtrip("");
  g_autofree char *d = roundtrip("\n");
  g_autofree char *e = roundtrip("4095");
  ck_assert_str_eq(a, "0-3,8");
  ck_assert_str_eq(b, "0-3,5,7-9");
  ck_assert_str_eq(c, "");
  ck_assert_str_eq(d, "");
  ck_assert_str_eq(e, "4095");
}
END_TEST

START_TEST(list_rejects_garbage)
{
  PlCpuSet set;
  ck_assert(!pl_cpuset_parse_list("3-1", &set));
  ck_assert(!pl_cpuset_parse_list("a", &set));
  ck_assert(!pl_cpuset_parse_list("1,,2x", &set));
  ck_assert(!pl_cpuset_parse_list("99999", &set));
  ck_assert(!pl_cpuset_parse_list("1 2", &set));
}
END_TEST

START_TEST(members)
{
  PlCpuSet set, other;
  ck_assert(pl_cpuset_parse_list("2-3,64,100", &set));
  ck_assert_uint_eq(pl_cpuset_count(&set), 4);
  ck_assert_int_eq(pl_cpuset_nth(&set, 0), 2);
  ck_assert_int_eq(pl_cpuset_nth(&set, 2), 64);
  ck_assert_int_eq(pl_cpuset_nth(&set, 4), -1);
  ck_assert_int_eq(pl_cpuset_rank(&set, 100), 3);
  ck_assert_int_eq(pl_cpuset_rank(&set, 5), -1);
  ck_assert_int_eq(pl_cpuset_next(&set, 4), 64);
  ck_assert(pl_cpuset_parse_list("0-64", &other));
  pl_cpuset_and(&other, &set);
  g_autofree char *both = list_of(&other);
  ck_assert_str_eq(both, "2-3,64");
  pl_cpuset_keep_first(&set, 2);
  g_autofree char *first = list_of(&set);
  ck_assert_str_eq(first, "2-3");
}
END_TEST

START_TEST(mask_spelling)
{
  PlCpuSet set;
  g_autoptr(GString) s = g_string_new(NULL);

  ck_assert(pl_cpuset_parse_mask("00000000,00000101\n", &set));
  g_autofree char *l = list_of(&set);
  ck_assert_str_eq(l, "0,8");
  /* %*pb: the top group only as wide as the bit count needs. */
  pl_cpuset_format_mask(&set, 2, s);
  ck_assert_str_eq(s->str, "1");
  g_string_truncate(s, 0);
  pl_cpuset_format_mask(&set, 12, s);
  ck_assert_str_eq(s->str, "101");
  g_string_truncate(s, 0);
  pl_cpuset_format_mask(&set, 64, s);
  ck_assert_str_eq(s->str, "00000000,00000101");
  g_string_truncate(s, 0);
  pl_cpuset_format_mask(&set, 40, s);
  ck_assert_str_eq(s->str, "00,00000101");
  ck_assert(!pl_cpuset_parse_mask("xyz", &set));
  ck_assert(!pl_cpuset_parse_mask("123456789", &set));
}
END_TEST

START_TEST(renumber)
{
  PlCpuSet src, from, out;
  ck_assert(pl_cpuset_parse_list("1-3,6", &src));
  ck_assert(pl_cpuset_parse_list("2,3,5,6", &from));
  pl_cpuset_renumber(&src, &from, &out);
  g_autofree char *l = list_of(&out);
  ck_assert_str_eq(l, "0-1,3");
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("cpuset");
  TCase *tc = tcase_create("cpuset");
  tcase_set_timeout(tc, 30); /* sanitizer builds on a busy CI host */
  tcase_add_test(tc, list_roundtrip);
  tcase_add_test(tc, list_rejects_garbage);
  tcase_add_test(tc, members);
  tcase_add_test(tc, mask_spelling);
  tcase_add_test(tc, renumber);
  suite_add_tcase(s, tc);
  return cpu_run_suite(s);
}
