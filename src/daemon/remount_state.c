/* Reading and writing the device state file (see remount_state.h). */
#include "remount_state.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <sys/sysmacros.h>

char *
remount_state_path(const char *state_dir, const char *mountpoint)
{
  g_autofree char *key = g_uri_escape_string(mountpoint, NULL, FALSE);
  g_autofree char *name = g_strconcat(key, ".dev", NULL);
  return g_build_filename(state_dir, name, NULL);
}

GArray *
remount_state_parse(const char *text)
{
  GArray *devs = g_array_new(FALSE, FALSE, sizeof(dev_t));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    unsigned int maj, min;
    int used = 0;
    if (sscanf(*l, "%u:%u%n", &maj, &min, &used) == 2 && (*l)[used] == '\0') {
      dev_t dev = makedev(maj, min);
      g_array_append_val(devs, dev);
    }
  }
  return devs;
}

char *
remount_state_format(const dev_t *devs, gsize n_devs)
{
  GString *text = g_string_new(NULL);
  for (gsize i = 0; i < n_devs; i++)
    g_string_append_printf(text, "%u:%u\n", major(devs[i]), minor(devs[i]));
  return g_string_free(text, FALSE);
}

GArray *
remount_state_load(const char *path)
{
  g_autofree char *text = NULL;
  if (!pl_read_file(path, &text, NULL, NULL))
    return g_array_new(FALSE, FALSE, sizeof(dev_t));
  return remount_state_parse(text);
}

gboolean
remount_state_save(const char *path, const dev_t *devs, gsize n_devs, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  if (g_mkdir_with_parents(dir, 0755) < 0) {
    pl_set_errno(error, errno, "create %s", dir);
    return FALSE;
  }
  g_autofree char *text = remount_state_format(devs, n_devs);
  return g_file_set_contents(path, text, -1, error);
}
