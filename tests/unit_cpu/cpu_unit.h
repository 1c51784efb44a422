/* Shared bits of the CPU views' Check tests. */
#pragma once

#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* <fixtures>/cpu/<rel>, freed by the caller. */
static inline char *
cpu_fixture(const char *rel)
{
  return g_build_filename(FIXTURES_DIR, "cpu", rel, NULL);
}

static inline char *
cpu_fixture_text(const char *rel)
{
  g_autofree char *path = cpu_fixture(rel);
  char *text = NULL;
  ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "fixture %s", path);
  return text;
}

static inline int
cpu_run_suite(Suite *suite)
{
  SRunner *runner = srunner_create(suite);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
