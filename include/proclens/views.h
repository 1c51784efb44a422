/* Renderers: pure functions from host figures and a container model to the text of a
 * /proc file, byte for byte in the kernel's format. No I/O here. */
#pragma once

#include "proclens/host.h"
#include "proclens/memory.h"
#include <glib.h>

/* The figures meminfo and sysinfo(2) both show, in bytes. */
typedef struct {
  guint64 total, free, available, buffers, cached, shmem;
  guint64 swap_total, swap_free;
} PlMemSummary;

/* Derives the container's summary; see memory_summary.c for each formula. */
void pl_mem_summary(const PlHostMeminfo *host, const PlCgMemory *cg, PlMemSummary *ret_summary);

/* meminfo: every host line in the host's order; cg NULL renders the host's figures. */
void pl_render_meminfo(const PlHostMeminfo *host, const PlCgMemory *cg, GString *out);

/* swaps: the header, plus one line for the container's swap when it has any.
 * host_swaps is the host's file, returned as is when cg is NULL. */
void pl_render_swaps(const char *host_swaps, const PlHostMeminfo *host, const PlCgMemory *cg,
                     GString *out);
