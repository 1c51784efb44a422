/* The FUSE low-level operations. Each handler replies exactly once. */
#include "fs.h"
#include "proclens/error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* The tree never changes while mounted, so the kernel may keep names and attributes. */
#define TREE_TIMEOUT 86400.0

/* One open file: the snapshot rendered for this pass of reads. */
typedef struct {
  GMutex lock; /* a file descriptor may be shared by several threads of the caller */
  GString *content;
  gboolean rendered;
} OpenFile;

static FsState *
state_of(fuse_req_t req)
{
  return fuse_req_userdata(req);
}

static void
reply_entry(fuse_req_t req, const FsState *fs, const TreeNode *node)
{
  struct fuse_entry_param e = {0};
  e.ino = node->ino;
  e.attr_timeout = TREE_TIMEOUT;
  e.entry_timeout = TREE_TIMEOUT;
  tree_stat(fs->tree, node, &e.attr);
  fuse_reply_entry(req, &e);
}

static void
fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  FsState *fs = state_of(req);
  TreeNode *dir = tree_get(fs->tree, parent);
  TreeNode *node = dir != NULL ? tree_child(dir, name) : NULL;

  if (node == NULL) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  reply_entry(req, fs, node);
}

static void
fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *node = tree_get(fs->tree, ino);
  struct stat st;

  if (node == NULL) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  tree_stat(fs->tree, node, &st);
  fuse_reply_attr(req, &st, TREE_TIMEOUT);
}

/* The mount is read-only; the kernel refuses most changes itself, this is the backstop. */
static void
fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
           struct fuse_file_info *fi)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_remove(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
          const char *newname, unsigned int flags)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
          struct fuse_file_info *fi)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
         struct fuse_file_info *fi)
{
  fuse_reply_err(req, EROFS);
}

static void
fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *node = tree_get(fs->tree, ino);

  if (node == NULL || node->file == NULL) {
    fuse_reply_err(req, node == NULL ? ENOENT : EISDIR);
    return;
  }
  if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
    fuse_reply_err(req, EACCES);
    return;
  }
  OpenFile *of = g_new0(OpenFile, 1);
  g_mutex_init(&of->lock);
  of->content = g_string_sized_new(2048);
  /* Content depends on the caller: never let the page cache serve it to someone else. */
  fi->direct_io = 1;
  fi->keep_cache = 0;
  fi->fh = (uint64_t)(uintptr_t)of;
  if (fuse_reply_open(req, fi) != 0) {
    g_string_free(of->content, TRUE);
    g_mutex_clear(&of->lock);
    g_free(of);
  }
}

/* A read at offset 0 starts a new pass (cat, or top's lseek(0)+read) and renders fresh
 * content; later offsets continue the same snapshot. */
static void
fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *node = tree_get(fs->tree, ino);
  OpenFile *of = (OpenFile *)(uintptr_t)fi->fh;
  g_autoptr(GError) error = NULL;

  if (node == NULL || node->file == NULL || of == NULL) {
    fuse_reply_err(req, EBADF);
    return;
  }
  g_mutex_lock(&of->lock);
  if (off == 0 || !of->rendered) {
    g_string_truncate(of->content, 0);
    of->rendered = node->file->produce(fs->ctx, fuse_req_ctx(req)->pid, of->content, &error);
    if (!of->rendered) {
      int err = pl_error_to_errno(error);
      g_mutex_unlock(&of->lock);
      g_debug("%s for pid %d: %s", node->file->path, (int)fuse_req_ctx(req)->pid,
              error->message);
      fuse_reply_err(req, err);
      return;
    }
  }
  gsize len = of->content->len;
  gsize start = (gsize)off < len ? (gsize)off : len;
  gsize count = MIN(size, len - start);
  /* Copy the slice and unlock before replying: the reply wakes the caller, whose close()
   * may free this handle in another thread (RELEASE) the moment it is sent. A caller that
   * went away makes the reply fail; nothing is left to clean up for it. */
  g_autofree char *slice = g_memdup2(of->content->str + start, count);
  g_mutex_unlock(&of->lock);
  fuse_reply_buf(req, slice, count);
}

static void
fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  OpenFile *of = (OpenFile *)(uintptr_t)fi->fh;
  if (of != NULL) {
    g_string_free(of->content, TRUE);
    g_mutex_clear(&of->lock);
    g_free(of);
  }
  fuse_reply_err(req, 0);
}

static void
fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *node = tree_get(fs->tree, ino);

  if (node == NULL || node->file != NULL) {
    fuse_reply_err(req, node == NULL ? ENOENT : ENOTDIR);
    return;
  }
  if ((fi->flags & O_ACCMODE) != O_RDONLY) {
    fuse_reply_err(req, EACCES);
    return;
  }
  fuse_reply_open(req, fi);
}

/* Appends one entry if it fits; returns FALSE when the buffer is full. */
static gboolean
add_dirent(fuse_req_t req, GString *buf, size_t size, const char *name, const struct stat *st,
           off_t next)
{
  size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
  if (buf->len + need > size)
    return FALSE;
  gsize at = buf->len;
  g_string_set_size(buf, at + need);
  fuse_add_direntry(req, buf->str + at, need, name, st, next);
  return TRUE;
}

static void
fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *dir = tree_get(fs->tree, ino);
  g_autoptr(GString) buf = g_string_new(NULL);

  if (dir == NULL || dir->children == NULL) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  /* Offsets: 0 ".", 1 "..", then children; each entry carries the offset of the next. */
  guint count = dir->children->len + 2;
  for (off_t i = off; i < (off_t)count; i++) {
    struct stat st = {0};
    const char *name;
    const TreeNode *n;
    if (i < 2) {
      n = i == 0 ? dir : (dir->parent != NULL ? dir->parent : dir);
      name = i == 0 ? "." : "..";
    } else {
      n = dir->children->pdata[i - 2];
      name = n->name;
    }
    tree_stat(fs->tree, n, &st);
    if (!add_dirent(req, buf, size, name, &st, i + 1))
      break;
  }
  fuse_reply_buf(req, buf->str, buf->len);
}

const struct fuse_lowlevel_ops fs_operations = {
    .lookup = fs_lookup,
    .getattr = fs_getattr,
    .setattr = fs_setattr,
    .mknod = fs_mknod,
    .mkdir = fs_mkdir,
    .unlink = fs_remove,
    .rmdir = fs_remove,
    .symlink = fs_symlink,
    .rename = fs_rename,
    .link = fs_link,
    .create = fs_create,
    .write = fs_write,
    .open = fs_open,
    .read = fs_read,
    .release = fs_release,
    .opendir = fs_opendir,
    .readdir = fs_readdir,
};
