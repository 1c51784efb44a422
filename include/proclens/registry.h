/* The container registry: how a runtime tells proclensd which cgroup a container is in, so
 * that the daemon serves containers/<name>/proc/... for it. One small file per container in
 * a directory (default /run/proclensd/containers), named after the container:
 *
 *     [container]
 *     cgroup=/proclens/4f1c...      (its path as /proc/PID/cgroup shows it; required)
 *     pid=12345                     (its init in the host's pid namespace; optional)
 *
 * Writers create ".<name>.tmp" and rename it into place; names starting with '.' are not
 * containers. Files live in /run, so they outlive a daemon restart and vanish at reboot. */
#pragma once

#include "proclens/cgroup.h"

#include <glib.h>
#include <sys/types.h>

#define PL_REGISTRY_DEFAULT_DIR "/run/proclensd/containers"
/* Long enough for a 64-hex container id with a prefix, short enough for a path component. */
#define PL_REGISTRY_NAME_MAX 128

typedef struct {
  char *cgroup; /* "/a/b", normalised: no trailing '/', no empty, "." or ".." component */
  pid_t pid;    /* 0 when not given */
} PlRegistryEntry;

void pl_registry_entry_clear(PlRegistryEntry *entry);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlRegistryEntry, pl_registry_entry_clear)

/* A usable container name: 1..PL_REGISTRY_NAME_MAX of [A-Za-z0-9_.-], not starting with
 * '.' (so never ".", ".." or a writer's temporary file). The error says why not. */
gboolean pl_registry_name_valid(const char *name, GError **error);

/* Parses a registry file's text. On failure *ret_entry is untouched. */
gboolean pl_registry_entry_parse(const char *text, PlRegistryEntry *ret_entry, GError **error);

/* The text of a registry file for entry. */
char *pl_registry_entry_format(const PlRegistryEntry *entry);

/* Reads and parses <dir>/<name>; a missing file gives G_FILE_ERROR_NOENT. */
gboolean pl_registry_load(const char *dir, const char *name, PlRegistryEntry *ret_entry,
                          GError **error);

/* Writes <dir>/<name> atomically (temporary file + rename), creating dir (0700) if needed. */
gboolean pl_registry_add(const char *dir, const char *name, const PlRegistryEntry *entry,
                         GError **error);

/* Removes <dir>/<name>; a name not registered is not an error. */
gboolean pl_registry_remove(const char *dir, const char *name, GError **error);

/* The cgroup to register for a process whose /proc/PID/cgroup is membership: its path in the
 * first mounted v1 hierarchy of memory, cpuacct, cpu, pids, cpuset, blkio (the daemon's order)
 * that is not the root, else its v2 path. NULL when it sits in the root cgroup everywhere.
 * Borrowed from membership. */
const char *pl_registry_cgroup_of(const PlCgLayout *layout, const PlCgMembership *membership);

/* <mountpoint>/containers/<name> when the daemon mounted at mountpoint serves views for name
 * (a lookup of a name it has not seen yet reads the registry at once), else NULL: an older
 * daemon, LXCFS, a caller that may not see containers/ (it is root's only). */
char *pl_registry_view_dir(const char *mountpoint, const char *name);
