/* Pure: user-namespace id maps. CONTAINER:HOST:SIZE specs (--uidmap/--gidmap), the
 * subordinate ranges of /etc/subuid and /etc/subgid, and the choice of a free range for
 * --userns=auto. No I/O (unit-tested in tests/e2e/test_launcher_parsers.c). */
#pragma once

#include <glib.h>

/* One line of /proc/PID/uid_map: ids container..container+size-1 are host..host+size-1. */
typedef struct {
  guint32 container, host, size;
} PlcIdMap;

/* Ids per container with --userns=auto, as podman's and docker's default. */
#define PLC_USERNS_AUTO_SIZE 65536u

/* Parses CONTAINER:HOST:SIZE (decimal; SIZE > 0; no range past 2^32-1). */
gboolean plc_idmap_parse(const char *text, PlcIdMap *ret_map, GError **error);
/* "CONTAINER:HOST:SIZE", as the options take it and the state records it. */
char *plc_idmap_format(const PlcIdMap *map);
/* Refuses overlapping container or host ranges and a map without container id 0 (root
 * inside must be someone); `what` (uid or gid) names the map in the error. */
gboolean plc_idmap_check(const GArray *maps, const char *what, GError **error);
/* The text written to /proc/PID/uid_map: one "container host size" line per map. */
char *plc_idmap_render(const GArray *maps);

/* The ranges (PlcIdMap with container = 0) that a subuid/subgid file gives owner (a name
 * or a numeric id; also_owner, when not NULL, is the other spelling of it). Lines that do not
 * parse are ignored, as shadow's tools do. */
GArray *plc_subid_ranges(const char *text, const char *owner, const char *also_owner);

/* The lowest host start of `size` ids, aligned to size from each range's start, inside one of
 * `ranges` and overlapping no host range of `used` (both GArrays of PlcIdMap). FALSE when
 * none is free. */
gboolean plc_idmap_allocate(const GArray *ranges, const GArray *used, guint32 size,
                            guint32 *ret_host);

/* run's --userns MODE (NULL, host or auto) and repeated --uidmap/--gidmap specs: *ret_mode
 * becomes host, auto or private (explicit maps, which exclude --userns); the explicit maps are
 * appended (one kind alone serves for both) and checked. */
gboolean plc_userns_options(const char *mode, char **uidmaps, char **gidmaps, char **ret_mode,
                            GArray *uid_map, GArray *gid_map, GError **error);
