/* /proc/PID/mountinfo, parsed (proc(5)): one entry per mount, paths unescaped. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct {
  int id;
  int parent_id;
  dev_t dev;        /* st_dev of the mount's filesystem (major:minor) */
  char *root;       /* the path inside the filesystem that is mounted ("/proc/meminfo") */
  char *mountpoint; /* relative to the reading process's root */
  char *options;    /* per-mount options: "ro,nosuid,relatime" */
  char *fstype;     /* "fuse.proclens" */
  char *source;
} PlMount;

void pl_mount_free(PlMount *mount);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlMount, pl_mount_free)

/* Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
char *pl_mountinfo_unescape(const char *field);

/* Parses the whole text, in order (a mount stacked on another comes after it); lines that
 * do not parse are skipped. Returns PlMount*, freed with the array. */
GPtrArray *pl_mountinfo_parse(const char *text);

/* Whether the comma-separated per-mount options hold opt exactly ("ro", not "rootcontext=..."). */
gboolean pl_mount_has_option(const PlMount *mount, const char *opt);

/* The mount at path that nothing covers (the one a lookup of path reaches), or NULL. */
const PlMount *pl_mountinfo_top_at(GPtrArray *mounts, const char *path);

/* Whether another mount sits on mount at the same mountpoint. */
gboolean pl_mountinfo_is_covered(GPtrArray *mounts, const PlMount *mount);

/* The mount whose id is id, or NULL. */
const PlMount *pl_mountinfo_find_id(GPtrArray *mounts, int id);
