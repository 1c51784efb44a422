/* A container's block I/O counters per device, from v1 blkio or v2 io.stat. */
#pragma once

#include "proclens/cgroup.h"
#include <glib.h>

typedef struct {
  guint major, minor;
  guint64 rbytes, wbytes, dbytes; /* bytes read, written, discarded */
  guint64 rios, wios, dios;       /* completed requests */
} PlDevIo;

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6" per line. */
void pl_io_stat_parse(const char *text, GArray *ret_devs);
/* v1 blkio *_recursive pairs: "8:0 Read 4096" lines of bytes and of request counts. */
void pl_blkio_parse(const char *bytes_text, const char *ios_text, GArray *ret_devs);

/* Reads the cgroup's counters (v1: blkio.throttle.io_service_bytes_recursive and
 * io_serviced_recursive, else the CFQ/BFQ spellings; v2: io.stat). FALSE when the cgroup
 * has no readable counters. */
gboolean pl_cg_io_read(const PlCgNode *node, GArray *ret_devs);

/* diskstats: every line of the host's, with the container's counters (fields a cgroup does not
 * count are 0; a device it never used, or a partition, counts 0 throughout: the cgroup counts
 * whole disks). */
void pl_render_diskstats(const char *host_diskstats, const GArray *devs, GString *out);
