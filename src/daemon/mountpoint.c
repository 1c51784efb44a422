/* Getting the mountpoint ready. */
#include "mountpoint.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *
unescape_octal(const char *s)
{
  GString *out = g_string_new(NULL);
  for (; *s != '\0'; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
        s[3] <= '7') {
      g_string_append_c(out, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
      s += 3;
    } else {
      g_string_append_c(out, *s);
    }
  }
  return g_string_free(out, FALSE);
}

char *
mountpoint_fstype(const char *mountinfo, const char *path)
{
  g_auto(GStrv) lines = g_strsplit(mountinfo, "\n", -1);
  char *found = NULL;

  for (char **l = lines; *l != NULL; l++) {
    g_auto(GStrv) fields = g_strsplit(*l, " ", -1);
    if (g_strv_length(fields) < 10)
      continue;
    g_autofree char *mnt = unescape_octal(fields[4]);
    if (strcmp(mnt, path) != 0)
      continue;
    for (char **f = fields + 6; *f != NULL; f++) {
      if (strcmp(*f, "-") == 0 && f[1] != NULL) {
        g_free(found); /* later lines are mounted on top of earlier ones */
        found = g_strdup(f[1]);
        break;
      }
    }
  }
  return found;
}

static char *
current_fstype(const char *path)
{
  g_autofree char *mountinfo = NULL;
  if (!pl_read_file("/proc/self/mountinfo", &mountinfo, NULL, NULL))
    return NULL;
  return mountpoint_fstype(mountinfo, path);
}

gboolean
mountpoint_prepare(const char *path, GError **error)
{
  struct stat st;

  if (stat(path, &st) < 0 && errno == ENOTCONN) {
    /* A FUSE daemon died without unmounting: its mount only returns ENOTCONN. */
    if (umount2(path, MNT_DETACH) < 0) {
      pl_set_errno(error, errno, "clear the stale mount at %s", path);
      return FALSE;
    }
    g_message("cleared a stale mount left at %s by a daemon that is gone", path);
  }
  if (stat(path, &st) < 0) {
    if (errno != ENOENT) {
      pl_set_errno(error, errno, "mountpoint %s", path);
      return FALSE;
    }
    if (g_mkdir_with_parents(path, 0755) < 0) {
      pl_set_errno(error, errno, "create mountpoint %s", path);
      return FALSE;
    }
    return TRUE;
  }
  if (!S_ISDIR(st.st_mode)) {
    pl_set_errno(error, ENOTDIR, "mountpoint %s", path);
    return FALSE;
  }
  g_autofree char *fstype = current_fstype(path);
  if (fstype != NULL && g_str_has_prefix(fstype, "fuse")) {
    g_set_error(error, PL_ERRNO_ERROR, EBUSY,
                "%s is already served by a live %s filesystem (proclensd or LXCFS); "
                "stop it first, or choose another mountpoint",
                path, fstype);
    return FALSE;
  }
  return TRUE;
}
