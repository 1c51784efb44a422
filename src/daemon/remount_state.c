/* Reading and writing the state file (see remount_state.h). */
#include "remount_state.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

char *
remount_state_path(const char *state_dir, const char *mountpoint)
{
  g_autofree char *key = g_uri_escape_string(mountpoint, NULL, FALSE);
  g_autofree char *name = g_strconcat(key, ".dev", NULL);
  return g_build_filename(state_dir, name, NULL);
}

/* "0:45 proclens:1a2b3c4d": a device, one space, a source without spaces. */
static gboolean
valid_identity(const char *line)
{
  unsigned int maj, min;
  int used = 0;
  return sscanf(line, "%u:%u %n", &maj, &min, &used) == 2 && used > 0 && line[used - 1] == ' ' &&
         line[used] != '\0' && strchr(line + used, ' ') == NULL;
}

GPtrArray *
remount_state_parse(const char *text)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    if (valid_identity(*l))
      g_ptr_array_add(ids, g_strdup(*l));
  }
  return ids;
}

GPtrArray *
remount_state_load(const char *path)
{
  g_autofree char *text = NULL;
  if (!pl_read_file(path, &text, NULL, NULL))
    return g_ptr_array_new_with_free_func(g_free);
  return remount_state_parse(text);
}

gboolean
remount_state_save(const char *path, GPtrArray *ids, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  if (g_mkdir_with_parents(dir, 0755) < 0) {
    pl_set_errno(error, errno, "create %s", dir);
    return FALSE;
  }
  g_autoptr(GString) text = g_string_new(NULL);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf(text, "%s\n", (const char *)ids->pdata[i]);
  return g_file_set_contents(path, text->str, -1, error);
}
