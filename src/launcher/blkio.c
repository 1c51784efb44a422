#include "blkio.h"
#include "size.h"
#include "util.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define WEIGHT_MIN 10
#define WEIGHT_MAX 1000

static void
throttle_free(gpointer p)
{
  PlcThrottle *t = p;
  g_free(t->path);
  g_free(t);
}

PlcBlkio *
plc_blkio_new(void)
{
  PlcBlkio *b = g_new0(PlcBlkio, 1);
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++)
    b->throttle[k] = g_ptr_array_new_with_free_func(throttle_free);
  return b;
}

void
plc_blkio_free(PlcBlkio *blkio)
{
  if (blkio == NULL)
    return;
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++)
    g_ptr_array_unref(blkio->throttle[k]);
  g_free(blkio);
}

gboolean
plc_blkio_is_empty(const PlcBlkio *blkio)
{
  if (blkio == NULL)
    return TRUE;
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++)
    if (blkio->throttle[k]->len > 0)
      return FALSE;
  return blkio->weight == 0;
}

const char *
plc_throttle_option(PlcThrottleKind kind)
{
  static const char *const names[PLC_THROTTLE_KINDS] = {
      [PLC_READ_BPS] = "--device-read-bps",
      [PLC_WRITE_BPS] = "--device-write-bps",
      [PLC_READ_IOPS] = "--device-read-iops",
      [PLC_WRITE_IOPS] = "--device-write-iops",
  };
  return names[kind];
}

gboolean
plc_parse_blkio_weight(const char *text, guint *ret_weight, GError **error)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned(text, 10, 0, WEIGHT_MAX, &v, NULL) ||
      (v != 0 && v < WEIGHT_MIN)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --blkio-weight '%s': a number from %d to %d (0: none)", text, WEIGHT_MIN,
                WEIGHT_MAX);
    return FALSE;
  }
  *ret_weight = (guint)v;
  return TRUE;
}

static gboolean
is_iops(PlcThrottleKind kind)
{
  return kind == PLC_READ_IOPS || kind == PLC_WRITE_IOPS;
}

gboolean
plc_parse_throttle(const char *spec, PlcThrottleKind kind, char **ret_path, guint64 *ret_rate,
                   GError **error)
{
  const char *opt = plc_throttle_option(kind);
  /* The last ':' splits: device paths hold none, but be exact about what was refused. */
  const char *colon = strrchr(spec, ':');
  if (colon == NULL || colon == spec || colon[1] == '\0') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid %s '%s': expected DEVICE:%s", opt, spec, is_iops(kind) ? "N" : "RATE");
    return FALSE;
  }
  if (spec[0] != '/') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid %s '%s': the device must be an absolute path (e.g. /dev/sda)", opt, spec);
    return FALSE;
  }
  const char *rate_text = colon + 1;
  guint64 rate;
  if (is_iops(kind)) {
    if (!g_ascii_string_to_unsigned(rate_text, 10, 1, G_MAXUINT64, &rate, NULL)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "invalid %s '%s': '%s' is not a positive number of requests per second", opt,
                  spec, rate_text);
      return FALSE;
    }
  } else {
    gint64 bytes;
    if (!plc_parse_size(rate_text, &bytes, NULL)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "invalid %s '%s': '%s' is not a rate (bytes per second, e.g. 512k, 1mb, 10MB)",
                  opt, spec, rate_text);
      return FALSE;
    }
    rate = (guint64)bytes;
  }
  *ret_path = g_strndup(spec, (gsize)(colon - spec));
  *ret_rate = rate;
  return TRUE;
}

gboolean
plc_block_device_resolve(const char *path, guint *ret_major, guint *ret_minor, GError **error)
{
  struct stat st;
  if (stat(path, &st) < 0) {
    plc_set_errno(error, errno, "device %s", path);
    return FALSE;
  }
  if (!S_ISBLK(st.st_mode)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "device %s is not a block device",
                path);
    return FALSE;
  }
  guint major = major(st.st_rdev), minor = minor(st.st_rdev);
  g_autofree char *part = g_strdup_printf("/sys/dev/block/%u:%u/partition", major, minor);
  if (g_file_test(part, G_FILE_TEST_EXISTS)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "device %s is a partition: the kernel limits whole disks only", path);
    return FALSE;
  }
  *ret_major = major;
  *ret_minor = minor;
  return TRUE;
}

/* Adds DEV:RATE; a device named twice for one kind keeps the last rate (as docker). */
static gboolean
add_throttle(GPtrArray *list, const char *spec, PlcThrottleKind kind, GError **error)
{
  g_autofree char *path = NULL;
  guint64 rate;
  guint major, minor;
  if (!plc_parse_throttle(spec, kind, &path, &rate, error))
    return FALSE;
  if (!plc_block_device_resolve(path, &major, &minor, error)) {
    g_prefix_error(error, "%s '%s': ", plc_throttle_option(kind), spec);
    return FALSE;
  }
  for (guint i = 0; i < list->len; i++) {
    PlcThrottle *t = list->pdata[i];
    if (t->major == major && t->minor == minor) {
      t->rate = rate;
      return TRUE;
    }
  }
  PlcThrottle *t = g_new0(PlcThrottle, 1);
  t->path = g_steal_pointer(&path);
  t->major = major;
  t->minor = minor;
  t->rate = rate;
  g_ptr_array_add(list, t);
  return TRUE;
}

PlcBlkio *
plc_blkio_from_options(const char *weight, char **const specs[PLC_THROTTLE_KINDS], GError **error)
{
  g_autoptr(PlcBlkio) b = plc_blkio_new();
  if (weight && !plc_parse_blkio_weight(weight, &b->weight, error))
    return NULL;
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++)
    for (char **s = specs[k]; s && *s; s++)
      if (!add_throttle(b->throttle[k], *s, (PlcThrottleKind)k, error))
        return NULL;
  return g_steal_pointer(&b);
}

guint
plc_blkio_weight_to_io_weight(guint weight)
{
  return 1 + (weight - WEIGHT_MIN) * 9999 / (WEIGHT_MAX - WEIGHT_MIN);
}
