/* The FUSE low-level operations. Each handler replies exactly once. */
#include "fs.h"
#include "proclens/error.h"
#include "proclens/tasks.h"

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

/* --- caller-dependent directories ----------------------------------------------------
 * Entries below a directory with PlVdirOps exist or not depending on who asks, so their
 * names and attributes are never cached by the kernel (timeouts 0): every lookup comes
 * here and asks the operations for this caller. */

static pid_t
caller_of(fuse_req_t req)
{
  return fuse_req_ctx(req)->pid;
}

/* The directory with the operations and the path below it, for a static directory with
 * operations (rel "") or a dynamic entry. */
static gboolean
dyn_resolve(const FsState *fs, fuse_ino_t ino, const TreeNode **ret_root, const char **ret_rel)
{
  const TreeNode *node = tree_get(fs->tree, ino);
  if (node != NULL) {
    if (node->vdir == NULL)
      return FALSE;
    *ret_root = node;
    *ret_rel = "";
    return TRUE;
  }
  const TreeDynNode *dyn = tree_dyn_get(fs->tree, ino);
  if (dyn == NULL)
    return FALSE;
  *ret_root = dyn->root;
  *ret_rel = dyn->rel;
  return TRUE;
}

static int
dyn_lookup(fuse_req_t req, const FsState *fs, const TreeNode *root, const char *rel,
           gboolean *ret_is_dir)
{
  g_autoptr(GError) error = NULL;
  if (!root->vdir->lookup(fs->ctx, caller_of(req), rel, ret_is_dir, &error))
    return pl_error_to_errno(error);
  return 0;
}

static void
dyn_reply_entry(fuse_req_t req, const FsState *fs, const TreeNode *root, const char *rel)
{
  gboolean is_dir;
  int err = dyn_lookup(req, fs, root, rel, &is_dir);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  struct fuse_entry_param e = {0};
  e.ino = tree_dyn_intern(fs->tree, root, rel);
  if (e.ino == 0) {
    fuse_reply_err(req, ENFILE);
    return;
  }
  tree_dyn_stat(fs->tree, e.ino, is_dir, &e.attr);
  fuse_reply_entry(req, &e);
}

static void
fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  FsState *fs = state_of(req);
  TreeNode *dir = tree_get(fs->tree, parent);
  TreeNode *node = dir != NULL ? tree_child(dir, name) : NULL;
  const TreeNode *root;
  const char *rel;

  if (node != NULL) {
    reply_entry(req, fs, node);
    return;
  }
  if (!dyn_resolve(fs, parent, &root, &rel)) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  g_autofree char *child = *rel == '\0' ? g_strdup(name) : g_strconcat(rel, "/", name, NULL);
  dyn_reply_entry(req, fs, root, child);
}

static void
fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *node = tree_get(fs->tree, ino);
  const TreeDynNode *dyn = node == NULL ? tree_dyn_get(fs->tree, ino) : NULL;
  struct stat st;
  gboolean is_dir;

  if (node != NULL) {
    tree_stat(fs->tree, node, &st);
    fuse_reply_attr(req, &st, TREE_TIMEOUT);
    return;
  }
  if (dyn == NULL) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  int err = dyn_lookup(req, fs, dyn->root, dyn->rel, &is_dir);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  tree_dyn_stat(fs->tree, ino, is_dir, &st);
  fuse_reply_attr(req, &st, 0);
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

/* Stores one byte at the last offset of TREE_FILE_SIZE: the kernel grows the size back
 * (a store of nothing would not: the size grows only with data written), so the next
 * pass, whoever reads it, is not cut at an earlier caller's length (see size_guard.h). The
 * page stays beyond the end of what anyone reads, and the open that follows drops it with
 * the rest of the page cache (no keep_cache). */
static void
restore_file_size(const FsState *fs, fuse_ino_t ino)
{
  static const char last = '\n';
  struct fuse_bufvec one = FUSE_BUFVEC_INIT(1);
  one.buf[0].mem = (void *)&last;
  if (fs->session != NULL && size_guard_take(fs->size_guard, ino))
    fuse_lowlevel_notify_store(fs->session, ino, TREE_FILE_SIZE - 1, &one, 0);
}

static void
fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *node = tree_get(fs->tree, ino);
  const TreeDynNode *dyn = node == NULL ? tree_dyn_get(fs->tree, ino) : NULL;

  if (dyn != NULL) {
    gboolean is_dir;
    int err = dyn_lookup(req, fs, dyn->root, dyn->rel, &is_dir);
    if (err != 0 || is_dir) {
      fuse_reply_err(req, err != 0 ? err : EISDIR);
      return;
    }
  } else if (node == NULL || node->file == NULL) {
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
  /* Nothing to flush, and a FLUSH waits uninterruptibly: the daemon's own health read,
   * closed just as the daemon is killed, would hang in it for ever (an unkillable zombie
   * holding the mount). */
  fi->noflush = 1;
  fi->fh = (uint64_t)(uintptr_t)of;
  restore_file_size(fs, ino);
  if (fuse_reply_open(req, fi) != 0) {
    g_string_free(of->content, TRUE);
    g_mutex_clear(&of->lock);
    g_free(of);
  }
}

/* One READ, as it may leave the loop thread: the handle outlives it, since the caller
 * waits for the answer even when killed, and RELEASE comes only after its close(). */
typedef struct {
  fuse_req_t req;
  fuse_ino_t ino;
  uint64_t lock_owner; /* 0 for a page-cache READ (sendfile, splice) */
  const TreeNode *node;
  const TreeDynNode *dyn;
  OpenFile *of;
  size_t size;
  off_t off;
} ReadJob;

/* Renders into of->content for a READ at offset 0 (a new pass: cat, or top's
 * lseek(0)+read) or a first READ; later offsets continue the same snapshot. Under of->lock.
 * FALSE with error set when the producer failed. */
static gboolean
render(const FsState *fs, const ReadJob *job, GError **error)
{
  OpenFile *of = job->of;
  if (job->off != 0 && of->rendered)
    return TRUE;
  pid_t pid = fuse_req_ctx(job->req)->pid;
  g_string_truncate(of->content, 0);
  if (job->dyn != NULL)
    of->rendered = job->dyn->root->vdir->read(fs->ctx, pid, job->dyn->rel, of->content, error);
  else
    of->rendered = job->node->file->produce(fs->ctx, pid, of->content, error);
  if (!of->rendered)
    g_debug("%s for pid %d: %s", job->dyn != NULL ? job->dyn->rel : job->node->file->path,
            (int)pid, (*error)->message);
  return of->rendered;
}

/* Answers job. bounded: the render ran under a bound on the tasks it may look at
 * (pl_tasks_limit_thread); if the bound was hit, nothing is answered, the render is
 * dropped and FALSE returned: the caller hands the job to the pool. */
static gboolean
serve_read(const FsState *fs, const ReadJob *job, gboolean bounded)
{
  OpenFile *of = job->of;
  g_autoptr(GError) error = NULL;

  g_mutex_lock(&of->lock);
  gboolean ok = render(fs, job, &error);
  if (bounded && pl_tasks_limit_hit()) {
    of->rendered = FALSE;
    g_mutex_unlock(&of->lock);
    return FALSE;
  }
  if (!ok) {
    g_mutex_unlock(&of->lock);
    fuse_reply_err(job->req, pl_error_to_errno(error));
    return TRUE;
  }
  gsize len = of->content->len;
  gsize start = (gsize)job->off < len ? (gsize)job->off : len;
  gsize count = MIN(job->size, len - start);
  /* Copy the slice and unlock before replying: the reply wakes the caller, whose close()
   * may free this handle in another thread (RELEASE) the moment it is sent. A caller that
   * went away makes the reply fail; nothing is left to clean up for it. */
  char stack[8192];
  g_autofree char *heap = count > sizeof stack ? g_malloc(count) : NULL;
  char *slice = heap != NULL ? heap : stack;
  memcpy(slice, of->content->str + start, count);
  g_mutex_unlock(&of->lock);
  /* Before the reply: the size the kernel takes from it is not restored by an open that
   * comes in between. */
  if (count < job->size)
    size_guard_short_read(fs->size_guard, job->ino, job->lock_owner);
  fuse_reply_buf(job->req, slice, count);
  return TRUE;
}

static void
run_read_job(gpointer data, gpointer user_data)
{
  serve_read(user_data, data, FALSE);
  g_free(data);
}

/* Rendering a file whose cost grows with the caller's cgroup must not hold up every
 * request thread. While another request thread is free, render here (a hand-off to the
 * pool costs two wake-ups). Else render here only a cgroup of at most FS_INLINE_TASKS
 * tasks: a bigger one is dropped as soon as its task list shows it and goes to the pool. */
static void
serve_unbounded(FsState *fs, ReadJob *job)
{
  gint busy = g_atomic_int_add(&fs->unbounded_inline, 1);
  gboolean free_thread_left = busy + 1 < (gint)fs->request_threads;
  gboolean done;
  if (free_thread_left) {
    done = serve_read(fs, job, FALSE);
  } else {
    pl_tasks_limit_thread(FS_INLINE_TASKS);
    done = serve_read(fs, job, TRUE);
    pl_tasks_limit_thread(0);
  }
  g_atomic_int_dec_and_test(&fs->unbounded_inline);
  if (!done)
    g_thread_pool_push(fs->workers, g_memdup2(job, sizeof *job), NULL);
}

static void
fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *node = tree_get(fs->tree, ino);
  ReadJob job = {.req = req, .ino = ino, .lock_owner = fi->lock_owner, .node = node,
                 .of = (OpenFile *)(uintptr_t)fi->fh, .size = size, .off = off};

  job.dyn = node == NULL ? tree_dyn_get(fs->tree, ino) : NULL;
  if ((job.dyn == NULL && (node == NULL || node->file == NULL)) || job.of == NULL) {
    fuse_reply_err(req, EBADF);
    return;
  }
  if (node != NULL && node->file->unbounded && fs->workers != NULL) {
    g_mutex_lock(&job.of->lock);
    gboolean render = off == 0 || !job.of->rendered;
    g_mutex_unlock(&job.of->lock);
    if (render) {
      serve_unbounded(fs, &job);
      return;
    }
  }
  serve_read(fs, &job, FALSE);
}

gboolean
fs_workers_start(FsState *fs, GError **error)
{
  /* Exclusive: the threads start now, in the caller's signal mask (see fs.h). */
  fs->workers = g_thread_pool_new(run_read_job, fs, FS_WORKERS, TRUE, error);
  return fs->workers != NULL;
}

void
fs_workers_stop(FsState *fs)
{
  if (fs->workers != NULL)
    g_thread_pool_free(g_steal_pointer(&fs->workers), FALSE, TRUE);
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
  const TreeDynNode *dyn = node == NULL ? tree_dyn_get(fs->tree, ino) : NULL;

  if (dyn != NULL) {
    gboolean is_dir;
    int err = dyn_lookup(req, fs, dyn->root, dyn->rel, &is_dir);
    if (err != 0 || !is_dir) {
      fuse_reply_err(req, err != 0 ? err : ENOTDIR);
      return;
    }
  } else if (node == NULL || node->file != NULL) {
    fuse_reply_err(req, node == NULL ? ENOENT : ENOTDIR);
    return;
  }
  if ((fi->flags & O_ACCMODE) != O_RDONLY) {
    fuse_reply_err(req, EACCES);
    return;
  }
  fuse_reply_open(req, fi);
}

gboolean
fs_add_dirent(fuse_req_t req, GString *buf, size_t size, const char *name, const struct stat *st,
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

/* The caller-dependent entries of a directory, after its static children: offsets go on
 * from there. The listing is made again for every readdir call (directories here are
 * small), so a reader that changes cgroup mid-listing may see a mix, as with sysfs. */
static void
fs_readdir_dyn(fuse_req_t req, const FsState *fs, const TreeNode *root, const char *rel,
               guint nstatic, off_t off, GString *buf, size_t size)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;

  if (!root->vdir->list(fs->ctx, caller_of(req), rel, names, &error))
    return;
  off_t first = (off_t)nstatic;
  for (off_t i = MAX(off, first); i < first + (off_t)names->len; i++) {
    g_autofree char *name = g_strdup(names->pdata[i - first]);
    gboolean is_dir;
    guint64 ino = tree_dyn_listed(fs->tree, root, rel, name, &is_dir);
    if (ino == 0)
      continue;
    struct stat st;
    tree_dyn_stat(fs->tree, ino, is_dir, &st);
    if (!fs_add_dirent(req, buf, size, name, &st, i + 1))
      break;
  }
}

static void
fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  FsState *fs = state_of(req);
  TreeNode *dir = tree_get(fs->tree, ino);
  g_autoptr(GString) buf = g_string_new(NULL);
  const TreeNode *root;
  const char *rel;

  if (dir == NULL && dyn_resolve(fs, ino, &root, &rel)) {
    /* A dynamic directory: ".", ".." and the caller's entries. */
    struct stat st;
    tree_dyn_stat(fs->tree, ino, TRUE, &st);
    for (off_t i = off; i < 2; i++) {
      if (!fs_add_dirent(req, buf, size, i == 0 ? "." : "..", &st, i + 1))
        break;
    }
    fs_readdir_dyn(req, fs, root, rel, 2, off, buf, size);
    fuse_reply_buf(req, buf->str, buf->len);
    return;
  }
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
    if (!fs_add_dirent(req, buf, size, name, &st, i + 1))
      goto out;
  }
  if (dir->vdir != NULL)
    fs_readdir_dyn(req, fs, dir, "", count, off, buf, size);
out:
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
