/* proclens-bench: shared declarations. */
#pragma once

#include <stdint.h>

/* cgroups.c */
int bench_cg_setup(const char *name, int count);
int bench_cg_grow(int count);
int bench_cg_join(int index);
int bench_cg_cleanup(void);
uint64_t bench_cg_limit(int index);
const char *bench_cg_kind(void);
