#include "volume.h"

#include <gio/gio.h>
#include <string.h>

void
plc_volume_free(PlcVolume *volume)
{
  if (volume == NULL)
    return;
  g_free(volume->source);
  g_free(volume->destination);
  g_free(volume);
}

static gboolean
has_dotdot(const char *path)
{
  g_auto(GStrv) parts = g_strsplit(path, "/", -1);
  for (char **p = parts; *p; p++)
    if (strcmp(*p, "..") == 0)
      return TRUE;
  return FALSE;
}

PlcVolume *
plc_volume_parse(const char *spec, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(spec, ":", -1);
  guint n = g_strv_length(parts);
  gboolean ro = FALSE;

  if (n == 3) {
    if (strcmp(parts[2], "ro") == 0)
      ro = TRUE;
    else if (strcmp(parts[2], "rw") != 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "invalid volume '%s': mode must be ro or rw, not '%s'", spec, parts[2]);
      return NULL;
    }
  } else if (n != 2) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid volume '%s': expected SRC:DST[:ro]", spec);
    return NULL;
  }
  if (parts[0][0] != '/' || parts[1][0] != '/') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid volume '%s': SRC and DST must be absolute paths", spec);
    return NULL;
  }
  if (has_dotdot(parts[1])) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid volume '%s': DST may not contain '..'", spec);
    return NULL;
  }
  g_autoptr(PlcVolume) v = g_new0(PlcVolume, 1);
  v->source = g_canonicalize_filename(parts[0], "/");
  v->destination = g_canonicalize_filename(parts[1], "/");
  v->read_only = ro;
  if (strcmp(v->destination, "/") == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid volume '%s': DST may not be /", spec);
    return NULL;
  }
  return g_steal_pointer(&v);
}
