#include "idmap.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

static gboolean
parse_u32(const char *text, guint64 *ret)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &v, NULL))
    return FALSE;
  *ret = v;
  return TRUE;
}

gboolean
plc_idmap_parse(const char *text, PlcIdMap *ret_map, GError **error)
{
  g_auto(GStrv) f = g_strsplit(text, ":", -1);
  guint64 c, h, s;
  if (g_strv_length(f) != 3 || !parse_u32(f[0], &c) || !parse_u32(f[1], &h) ||
      !parse_u32(f[2], &s) || s == 0 || c + s - 1 > G_MAXUINT32 || h + s - 1 > G_MAXUINT32) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid id map '%s': CONTAINER:HOST:SIZE, decimal, SIZE > 0", text);
    return FALSE;
  }
  ret_map->container = (guint32)c;
  ret_map->host = (guint32)h;
  ret_map->size = (guint32)s;
  return TRUE;
}

char *
plc_idmap_format(const PlcIdMap *map)
{
  return g_strdup_printf("%u:%u:%u", map->container, map->host, map->size);
}

static gboolean
overlaps(guint64 a, guint64 alen, guint64 b, guint64 blen)
{
  return a < b + blen && b < a + alen;
}

gboolean
plc_idmap_check(const GArray *maps, const char *what, GError **error)
{
  gboolean has_root = FALSE;
  for (guint i = 0; i < maps->len; i++) {
    const PlcIdMap *a = &g_array_index(maps, PlcIdMap, i);
    has_root |= a->container == 0;
    for (guint j = i + 1; j < maps->len; j++) {
      const PlcIdMap *b = &g_array_index(maps, PlcIdMap, j);
      if (overlaps(a->container, a->size, b->container, b->size) ||
          overlaps(a->host, a->size, b->host, b->size)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "--%smap %u:%u:%u overlaps %u:%u:%u", what, a->container, a->host, a->size,
                    b->container, b->host, b->size);
        return FALSE;
      }
    }
  }
  if (!has_root) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--%smap must map container %s 0 (root inside the container)", what, what);
    return FALSE;
  }
  return TRUE;
}

char *
plc_idmap_render(const GArray *maps)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < maps->len; i++) {
    const PlcIdMap *m = &g_array_index(maps, PlcIdMap, i);
    g_string_append_printf(s, "%u %u %u\n", m->container, m->host, m->size);
  }
  return g_string_free(s, FALSE);
}

GArray *
plc_subid_ranges(const char *text, const char *owner, const char *also_owner)
{
  GArray *out = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) f = g_strsplit(g_strstrip(*l), ":", -1);
    guint64 start, count;
    if (g_strv_length(f) != 3 || f[0][0] == '#' ||
        (g_strcmp0(f[0], owner) != 0 && g_strcmp0(f[0], also_owner) != 0) ||
        !parse_u32(f[1], &start) || !parse_u32(f[2], &count) || count == 0 ||
        start + count - 1 > G_MAXUINT32)
      continue;
    PlcIdMap r = {.container = 0, .host = (guint32)start, .size = (guint32)count};
    g_array_append_val(out, r);
  }
  return out;
}

/* The end of the first used range overlapping [start, start+size), or 0 if none does. */
static guint64
used_end_in(const GArray *used, guint64 start, guint64 size)
{
  for (guint i = 0; i < used->len; i++) {
    const PlcIdMap *u = &g_array_index(used, PlcIdMap, i);
    if (overlaps(start, size, u->host, u->size))
      return (guint64)u->host + u->size;
  }
  return 0;
}

gboolean
plc_idmap_allocate(const GArray *ranges, const GArray *used, guint32 size, guint32 *ret_host)
{
  gboolean found = FALSE;
  guint64 best = 0;
  for (guint i = 0; i < ranges->len; i++) {
    const PlcIdMap *r = &g_array_index(ranges, PlcIdMap, i);
    guint64 end = (guint64)r->host + r->size;
    for (guint64 s = r->host; s + size <= end;) {
      guint64 blocker = used_end_in(used, s, size);
      if (blocker == 0) {
        if (!found || s < best)
          best = s;
        found = TRUE;
        break;
      }
      /* Next aligned slot past what blocks this one. */
      s = r->host + ((blocker - r->host + size - 1) / size) * size;
    }
  }
  if (found)
    *ret_host = (guint32)best;
  return found;
}

static gboolean
parse_all(char **specs, GArray *maps, GError **error)
{
  for (char **s = specs; s && *s; s++) {
    PlcIdMap m;
    if (!plc_idmap_parse(*s, &m, error))
      return FALSE;
    g_array_append_val(maps, m);
  }
  return TRUE;
}

gboolean
plc_userns_options(const char *mode, char **uidmaps, char **gidmaps, char **ret_mode,
                   GArray *uid_map, GArray *gid_map, GError **error)
{
  gboolean explicit = (uidmaps && *uidmaps) || (gidmaps && *gidmaps);
  if (mode && strcmp(mode, "host") != 0 && strcmp(mode, "auto") != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --userns '%s': host or auto", mode);
    return FALSE;
  }
  if (mode && explicit) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--userns=%s and --uidmap/--gidmap exclude each other", mode);
    return FALSE;
  }
  *ret_mode = g_strdup(explicit ? "private" : mode ? mode : "host");
  if (!explicit)
    return TRUE;
  if (!parse_all(uidmaps, uid_map, error) || !parse_all(gidmaps, gid_map, error))
    return FALSE;
  /* One of the two alone maps both, as podman does. */
  if (uid_map->len == 0)
    g_array_append_vals(uid_map, gid_map->data, gid_map->len);
  if (gid_map->len == 0)
    g_array_append_vals(gid_map, uid_map->data, uid_map->len);
  return plc_idmap_check(uid_map, "uid", error) && plc_idmap_check(gid_map, "gid", error);
}
