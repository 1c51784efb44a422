/* The host's own /proc files, parsed. */
#pragma once

#include <glib.h>

typedef struct {
  char key[32];    /* "MemTotal", without the colon */
  guint64 value;   /* in kB when has_unit, else a plain count */
  gboolean has_unit;
} PlMeminfoLine;

typedef struct {
  GArray *lines; /* of PlMeminfoLine, in the host's order */
} PlHostMeminfo;

void pl_host_meminfo_clear(PlHostMeminfo *meminfo);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlHostMeminfo, pl_host_meminfo_clear)

/* Parses the text of /proc/meminfo; a malformed line is an error. */
gboolean pl_host_meminfo_parse(const char *text, PlHostMeminfo *ret_meminfo, GError **error);
gboolean pl_host_meminfo_read(const char *proc_root, PlHostMeminfo *ret_meminfo, GError **error);

/* Value of key in kB (or count); 0 when the key is absent. */
guint64 pl_host_meminfo_get(const PlHostMeminfo *meminfo, const char *key);
