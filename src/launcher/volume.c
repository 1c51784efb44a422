#include "volume.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>

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

static gboolean
is_perms(const char *s)
{
  return strspn(s, "rwm") == strlen(s) && *s != '\0';
}

PlcVolume *
plc_device_parse(const char *spec, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(spec, ":", -1);
  guint n = g_strv_length(parts);
  const char *perms = "rwm";
  const char *dst = NULL;

  if (n == 3 || (n == 2 && is_perms(parts[1]))) {
    perms = parts[n - 1];
    dst = n == 3 ? parts[1] : NULL;
  } else if (n == 2) {
    dst = parts[1];
  } else if (n != 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --device '%s': expected HOST[:CONTAINER][:rwm]", spec);
    return NULL;
  }
  if (!is_perms(perms) || strchr(perms, 'r') == NULL || strchr(perms, 'w') == NULL ||
      strchr(perms, 'm') == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --device '%s': only rwm access can be granted (no device cgroup "
                "confines it)",
                spec);
    return NULL;
  }
  if (parts[0][0] != '/' || (dst && dst[0] != '/')) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --device '%s': paths must be absolute", spec);
    return NULL;
  }
  if (dst && has_dotdot(dst)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --device '%s': CONTAINER may not contain '..'", spec);
    return NULL;
  }
  g_autoptr(PlcVolume) v = g_new0(PlcVolume, 1);
  v->source = g_canonicalize_filename(parts[0], "/");
  v->destination = g_canonicalize_filename(dst ? dst : parts[0], "/");
  if (strcmp(v->destination, "/") == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --device '%s': CONTAINER may not be /", spec);
    return NULL;
  }
  return g_steal_pointer(&v);
}

gboolean
plc_device_check(const PlcVolume *device, GError **error)
{
  struct stat st;
  if (stat(device->source, &st) < 0) {
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "--device %s: %s", device->source,
                g_strerror(errno));
    return FALSE;
  }
  if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--device %s is not a device node",
                device->source);
    return FALSE;
  }
  return TRUE;
}
