/* Disk I/O limits of run (docker's --blkio-weight and --device-{read,write}-{bps,iops}):
 * parsers, and the device check made before anything starts. */
#pragma once

#include <glib.h>

typedef enum {
  PLC_READ_BPS,
  PLC_WRITE_BPS,
  PLC_READ_IOPS,
  PLC_WRITE_IOPS,
  PLC_THROTTLE_KINDS
} PlcThrottleKind;

/* One device limit: the path as given, the block device it names, and a rate (bytes or
 * requests per second). */
typedef struct {
  char *path;
  guint major, minor;
  guint64 rate;
} PlcThrottle;

typedef struct {
  guint weight;                            /* 10..1000; 0 = none */
  GPtrArray *throttle[PLC_THROTTLE_KINDS]; /* of PlcThrottle */
} PlcBlkio;

PlcBlkio *plc_blkio_new(void);
void plc_blkio_free(PlcBlkio *blkio);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcBlkio, plc_blkio_free)
gboolean plc_blkio_is_empty(const PlcBlkio *blkio);

/* The option each kind comes from ("--device-read-bps", ...). */
const char *plc_throttle_option(PlcThrottleKind kind);

/* --blkio-weight: 10..1000, or 0 for none (as docker). Pure. */
gboolean plc_parse_blkio_weight(const char *text, guint *ret_weight, GError **error);

/* DEV:RATE. Byte rates are sizes as docker's (1mb, 10MB, 512k: powers of 1024), request rates
 * positive integers. The path is absolute. Pure: the device is not looked at. */
gboolean plc_parse_throttle(const char *spec, PlcThrottleKind kind, char **ret_path,
                            guint64 *ret_rate, GError **error);

/* The whole block device path names (symlinks followed): it must exist, be a block device and
 * not a partition (the kernel throttles whole disks only). */
gboolean plc_block_device_resolve(const char *path, guint *ret_major, guint *ret_minor,
                                  GError **error);

/* All of run's disk options, parsed and their devices resolved; NULL with an error naming the
 * option when one is wrong. specs[kind] may be NULL. */
PlcBlkio *plc_blkio_from_options(const char *weight, char **const specs[PLC_THROTTLE_KINDS],
                                 GError **error);

/* io.weight (cgroup2, 1..10000) for a blkio weight (10..1000), as runc converts it. */
guint plc_blkio_weight_to_io_weight(guint weight);
