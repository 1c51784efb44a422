/* Tar unpacking with libarchive: every entry name is cleaned and checked before anything is
 * written, every entry is written below dest with libarchive's own guards on (no extraction
 * through symlinks, no ".."), and whiteouts are converted to what overlayfs understands. */
#include "layer_unpack.h"
#include "image_names.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static void
archive_read_cleanup(struct archive *a)
{
  archive_read_free(a);
}
static void
archive_write_cleanup(struct archive *a)
{
  archive_write_free(a);
}

static struct archive *
open_reader(const char *path, GError **error)
{
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path,
                archive_error_string(a));
    archive_read_free(a);
    return NULL;
  }
  return a;
}

static gboolean
reader_error(struct archive *a, const char *path, GError **error)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path,
              archive_error_string(a) ? archive_error_string(a) : "unreadable archive");
  return FALSE;
}

gboolean
plc_archive_top_names(const char *archive_path, GHashTable **ret_names, GError **error)
{
  struct archive *a = open_reader(archive_path, error);
  struct archive_entry *entry;
  int r;

  if (a == NULL)
    return FALSE;
  g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  while ((r = archive_read_next_header(a, &entry)) == ARCHIVE_OK) {
    g_autofree char *clean = NULL;
    if (plc_layer_path_clean(archive_entry_pathname(entry), &clean, NULL) && *clean &&
        strchr(clean, '/') == NULL)
      g_hash_table_add(names, g_steal_pointer(&clean));
  }
  if (r != ARCHIVE_EOF) {
    reader_error(a, archive_path, error);
    archive_read_cleanup(a);
    return FALSE;
  }
  archive_read_cleanup(a);
  *ret_names = g_steal_pointer(&names);
  return TRUE;
}

/* Creates the parent directories of dest/rel (the archive may omit them). */
static gboolean
make_parents(const char *dest, const char *rel, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(rel);
  if (strcmp(dir, ".") == 0)
    return TRUE;
  g_autofree char *full = g_build_filename(dest, dir, NULL);
  return plc_mkdir_p(full, 0755, error);
}

static gboolean
write_whiteout(const char *dest, PlcWhiteout kind, const char *target, GError **error)
{
  g_autofree char *full = g_build_filename(dest, target, NULL);

  if (!make_parents(dest, *target ? target : ".", error))
    return FALSE;
  if (kind == PLC_WHITEOUT_OPAQUE) {
    if (mkdir(full, 0755) < 0 && errno != EEXIST) {
      plc_set_errno(error, errno, "mkdir %s", full);
      return FALSE;
    }
    if (lsetxattr(full, "trusted.overlay.opaque", "y", 1, 0) < 0) {
      plc_set_errno(error, errno, "opaque whiteout on %s", full);
      return FALSE;
    }
    return TRUE;
  }
  if (unlink(full) < 0 && errno != ENOENT) {
    plc_set_errno(error, errno, "whiteout %s", full);
    return FALSE;
  }
  if (mknod(full, S_IFCHR | 0000, makedev(0, 0)) < 0) {
    plc_set_errno(error, errno, "whiteout %s", full);
    return FALSE;
  }
  return TRUE;
}

/* Checks and rewrites one entry so that it lands below dest; FALSE refuses the archive. */
static gboolean
prepare_entry(struct archive_entry *entry, const char *dest, PlcUnpackMode mode, char **ret_clean,
              GError **error)
{
  const char *name = archive_entry_pathname(entry);
  g_autofree char *clean = NULL;
  mode_t type = archive_entry_filetype(entry);

  if (!plc_layer_path_clean(name, &clean, error))
    return FALSE;
  const char *hardlink = archive_entry_hardlink(entry);
  if (hardlink) {
    g_autofree char *link_clean = NULL;
    if (!plc_layer_path_clean(hardlink, &link_clean, error) || *link_clean == '\0') {
      g_prefix_error(error, "hard link %s: ", name);
      if (error && *error == NULL)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "hard link %s to the root", name);
      return FALSE;
    }
    g_autofree char *full = g_build_filename(dest, link_clean, NULL);
    archive_entry_set_hardlink(entry, full);
  } else if (type == AE_IFLNK) {
    if (mode == PLC_UNPACK_FILES_ONLY ||
        !plc_layer_symlink_safe(clean, archive_entry_symlink(entry))) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                  "symlink %s -> %s leads outside the layer", name,
                  archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "");
      return FALSE;
    }
  } else if (type == AE_IFCHR || type == AE_IFBLK ||
             (mode == PLC_UNPACK_FILES_ONLY && type != AE_IFREG && type != AE_IFDIR)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "%s: device nodes and special files are refused", name);
    return FALSE;
  } else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFIFO) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: unknown file type", name);
    return FALSE;
  }
  g_autofree char *full = g_build_filename(dest, clean, NULL);
  archive_entry_set_pathname(entry, full);
  *ret_clean = g_steal_pointer(&clean);
  return TRUE;
}

gboolean
plc_archive_unpack(const char *archive_path, const char *dest, PlcUnpackMode mode, GError **error)
{
  struct archive *in = open_reader(archive_path, error);
  struct archive_entry *entry;
  gboolean ok = FALSE;
  int r;

  if (in == NULL)
    return FALSE;
  struct archive *out = archive_write_disk_new();
  /* No standard lookup: owners stay the image's numeric ids. SECURE_* guards against
   * writing through a symlink an earlier entry planted, and against "..". */
  int flags =
      ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_UNLINK;
  if (mode == PLC_UNPACK_LAYER)
    flags |=
        ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR;
  archive_write_disk_set_options(out, flags);

  while ((r = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
    g_autofree char *clean = NULL;
    g_autofree char *target = NULL;
    if (!prepare_entry(entry, dest, mode, &clean, error))
      goto out;
    if (*clean == '\0')
      continue; /* the root itself: its directory already exists */
    if (mode == PLC_UNPACK_LAYER) {
      PlcWhiteout wh = plc_whiteout_classify(clean, &target);
      if (wh != PLC_WHITEOUT_NONE) {
        if (target && !write_whiteout(dest, wh, target, error))
          goto out;
        continue;
      }
    }
    if (!make_parents(dest, clean, error))
      goto out;
    if (archive_write_header(out, entry) < ARCHIVE_WARN) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", clean, archive_error_string(out));
      goto out;
    }
    if (archive_entry_size(entry) > 0) {
      const void *buf;
      size_t size;
      la_int64_t offset;
      while ((r = archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK)
        if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_WARN) {
          g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", clean,
                      archive_error_string(out));
          goto out;
        }
      if (r != ARCHIVE_EOF) {
        reader_error(in, archive_path, error);
        goto out;
      }
    }
    if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", clean, archive_error_string(out));
      goto out;
    }
  }
  if (r != ARCHIVE_EOF) {
    reader_error(in, archive_path, error);
    goto out;
  }
  if (archive_write_close(out) != ARCHIVE_OK) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", dest, archive_error_string(out));
    goto out;
  }
  ok = TRUE;
out:
  archive_write_cleanup(out);
  archive_read_cleanup(in);
  return ok;
}
