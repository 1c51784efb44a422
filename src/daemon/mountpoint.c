/* Getting the mountpoint ready. */
#include "mountpoint.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/mountinfo.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

char *
mountpoint_fstype(const char *mountinfo, const char *path)
{
  g_autoptr(GPtrArray) mounts = pl_mountinfo_parse(mountinfo);
  const PlMount *top = pl_mountinfo_top_at(mounts, path);
  return top != NULL ? g_strdup(top->fstype) : NULL;
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
