/* A container's block I/O counters per device. */
#include "proclens/diskio.h"
#include "proclens/fileio.h"

#include <stdio.h>
#include <string.h>

static PlDevIo *
dev_get(GArray *devs, guint major, guint minor)
{
  for (guint i = 0; i < devs->len; i++) {
    PlDevIo *d = &g_array_index(devs, PlDevIo, i);
    if (d->major == major && d->minor == minor)
      return d;
  }
  PlDevIo d = {.major = major, .minor = minor};
  g_array_append_val(devs, d);
  return &g_array_index(devs, PlDevIo, devs->len - 1);
}

void
pl_io_stat_parse(const char *text, GArray *ret_devs)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    guint major, minor;
    int used = 0;
    if (sscanf(*l, "%u:%u%n", &major, &minor, &used) != 2)
      continue;
    PlDevIo *d = dev_get(ret_devs, major, minor);
    g_auto(GStrv) kv = g_strsplit(*l + used, " ", -1);
    for (char **p = kv; *p != NULL; p++) {
      const char *eq = strchr(*p, '=');
      guint64 v;
      if (eq == NULL || !pl_parse_u64(eq + 1, &v))
        continue;
      g_autofree char *key = g_strndup(*p, eq - *p);
#define KEY(name) else if (strcmp(key, #name) == 0) d->name = v
      if (FALSE)
        ;
      KEY(rbytes);
      KEY(wbytes);
      KEY(dbytes);
      KEY(rios);
      KEY(wios);
      KEY(dios);
#undef KEY
    }
  }
}

static void
parse_v1(const char *text, GArray *devs, gboolean bytes)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    guint major, minor;
    char op[16];
    guint64 v;
    if (sscanf(*l, "%u:%u %15s %" G_GUINT64_FORMAT, &major, &minor, op, &v) != 4)
      continue;
    PlDevIo *d = dev_get(devs, major, minor);
    if (strcmp(op, "Read") == 0)
      *(bytes ? &d->rbytes : &d->rios) = v;
    else if (strcmp(op, "Write") == 0)
      *(bytes ? &d->wbytes : &d->wios) = v;
    else if (strcmp(op, "Discard") == 0)
      *(bytes ? &d->dbytes : &d->dios) = v;
  }
}

void
pl_blkio_parse(const char *bytes_text, const char *ios_text, GArray *ret_devs)
{
  if (bytes_text != NULL)
    parse_v1(bytes_text, ret_devs, TRUE);
  if (ios_text != NULL)
    parse_v1(ios_text, ret_devs, FALSE);
}

gboolean
pl_cg_io_read(const PlCgNode *node, GArray *ret_devs)
{
  static const char *const v1_pairs[][2] = {
      {"blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"},
      {"blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive"},
      {"blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"},
  };
  g_autofree char *dir = pl_cg_node_dir(node, 0);

  if (node->v2) {
    g_autofree char *text = NULL;
    if (!pl_read_file_in(dir, "io.stat", &text, NULL))
      return FALSE;
    pl_io_stat_parse(text, ret_devs);
    return TRUE;
  }
  /* The kernel keeps several sets (throttling, CFQ, BFQ), each counting only while its
   * mechanism is active on a device: take the first that counted anything. */
  gboolean found = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(v1_pairs); i++) {
    g_autofree char *bytes = NULL;
    g_autofree char *ios = NULL;
    if (!pl_read_file_in(dir, v1_pairs[i][0], &bytes, NULL))
      continue;
    found = TRUE;
    pl_read_file_in(dir, v1_pairs[i][1], &ios, NULL);
    g_array_set_size(ret_devs, 0);
    pl_blkio_parse(bytes, ios, ret_devs);
    for (guint d = 0; d < ret_devs->len; d++) {
      const PlDevIo *dev = &g_array_index(ret_devs, PlDevIo, d);
      if (dev->rios + dev->wios + dev->dios + dev->rbytes + dev->wbytes + dev->dbytes > 0)
        return TRUE;
    }
  }
  g_array_set_size(ret_devs, 0);
  return found;
}
