/* Shared bits of the Check unit tests. */
#pragma once

#include <check.h>
#include <glib.h>
#include <stdlib.h>

/* <fixtures>/<rel>, freed by the caller. */
static inline char *
fixture(const char *rel)
{
  return g_build_filename(FIXTURES_DIR, rel, NULL);
}

/* Runs one suite and returns the process exit status. */
static inline int
run_suite(Suite *suite)
{
  SRunner *runner = srunner_create(suite);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
