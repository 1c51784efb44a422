/* The container views' FUSE operations. Files are served from the page cache: open costs
 * no round trip where the kernel allows it, attributes and names are kept long, and the
 * refresher's invalidations (with a new mtime per render) make the kernel ask again. */
#include "container_views.h"
#include "fs.h"
#include "proclens/error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Names and attributes that only change by the refresher's invalidation. */
#define CV_TIMEOUT 86400.0

static ContainerViews *
views_of(fuse_req_t req)
{
  return fuse_req_userdata(req);
}

/* The daemon's start dates the directories, as the main mount's. */
static time_t started;

static void
dir_stat(guint64 ino, mode_t mode, struct stat *st)
{
  memset(st, 0, sizeof *st);
  st->st_ino = ino;
  st->st_mode = S_IFDIR | mode;
  st->st_nlink = 2;
  st->st_atime = st->st_mtime = st->st_ctime = started;
}

static void
file_stat(guint64 ino, gsize size, const struct timespec *mtime, struct stat *st)
{
  memset(st, 0, sizeof *st);
  st->st_ino = ino;
  st->st_mode = S_IFREG | 0444;
  st->st_nlink = 1;
  st->st_size = (off_t)size;
  st->st_blksize = 4096;
  st->st_mtim = st->st_ctim = st->st_atim = *mtime;
}

/* One node of a container's directory: static (tree node) or caller-dependent (dyn). */
typedef struct {
  const TreeNode *node;
  const TreeDynNode *dyn;
} Node;

static gboolean
node_get(const ContainerViews *cv, guint64 tree_ino, Node *ret)
{
  ret->node = tree_get(cv->tree, tree_ino);
  ret->dyn = ret->node == NULL ? tree_dyn_get(cv->tree, tree_ino) : NULL;
  return ret->node != NULL || ret->dyn != NULL;
}

/* Whether a dyn path exists for the container, and is a directory. */
static int
dyn_kind(ContainerViews *cv, ViewContainer *c, const TreeNode *root, const char *rel,
         gboolean *ret_is_dir)
{
  g_autoptr(GError) error = NULL;
  pid_t pid;
  if (!view_container_subject(cv->table, c, &pid, &error) ||
      !root->vdir->lookup(cv->ctx, pid, rel, ret_is_dir, &error))
    return pl_error_to_errno(error);
  return 0;
}

/* Attributes of a container's node; renders a file whose content is due. */
static int
node_stat(ContainerViews *cv, ViewContainer *c, guint64 tree_ino, const Node *n, struct stat *st)
{
  g_autoptr(GError) error = NULL;
  guint64 ino = CV_INO(c->cid, tree_ino);
  gboolean is_dir = n->node != NULL && n->node->file == NULL;
  gsize size;
  struct timespec mtime;

  if (n->dyn != NULL) {
    int err = dyn_kind(cv, c, n->dyn->root, n->dyn->rel, &is_dir);
    if (err != 0)
      return err;
  }
  if (is_dir) {
    dir_stat(ino, 0555, st);
    return 0;
  }
  if (!view_file_attr(cv->table, c, tree_ino, &size, &mtime, &error)) {
    g_debug("%s/%s: %s", CONTAINER_VIEWS_DIR, c->name, error->message);
    return pl_error_to_errno(error);
  }
  file_stat(ino, size, &mtime, st);
  return 0;
}

static void
lookup_container(fuse_req_t req, ContainerViews *cv, const char *name)
{
  /* containers/ is root's alone; entries are never cached (timeout 0), so every path walk
   * through a container's directory comes here with the walker's uid. */
  if (fuse_req_ctx(req)->uid != 0) {
    fuse_reply_err(req, EACCES);
    return;
  }
  g_autoptr(ViewContainer) c = view_table_find(cv->table, name);
  if (c == NULL) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  struct fuse_entry_param e = {0};
  e.ino = CV_INO(c->cid, FUSE_ROOT_ID);
  dir_stat(e.ino, 0555, &e.attr);
  fuse_reply_entry(req, &e);
}

static void
cv_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  ContainerViews *cv = views_of(req);
  if (parent == FUSE_ROOT_ID) {
    lookup_container(req, cv, name);
    return;
  }
  g_autoptr(ViewContainer) c = view_table_get(cv->table, CV_CID(parent));
  Node dir, child = {0};
  if (c == NULL || !node_get(cv, CV_TREE_INO(parent), &dir)) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  /* Static names live as long as the container; the dynamic ones (cpuN/) follow its
   * cpuset, so the kernel keeps them one refresh interval. */
  double entry_timeout = CV_TIMEOUT;
  guint64 tree_ino = 0;
  if (dir.node != NULL && (child.node = tree_child(dir.node, name)) != NULL) {
    tree_ino = child.node->ino;
  } else if (dir.node != NULL ? dir.node->vdir != NULL : TRUE) {
    const TreeNode *root = dir.node != NULL ? dir.node : dir.dyn->root;
    g_autofree char *rel =
        dir.node != NULL ? g_strdup(name) : g_strconcat(dir.dyn->rel, "/", name, NULL);
    gboolean is_dir;
    int err = dyn_kind(cv, c, root, rel, &is_dir);
    if (err != 0) {
      fuse_reply_err(req, err);
      return;
    }
    tree_ino = tree_dyn_intern(cv->tree, root, rel);
    child.dyn = tree_dyn_get(cv->tree, tree_ino);
    entry_timeout = view_table_interval(cv->table) / 1000.0;
  }
  if (tree_ino == 0) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  struct fuse_entry_param e = {0};
  int err = node_stat(cv, c, tree_ino, &child, &e.attr);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  e.ino = e.attr.st_ino;
  e.entry_timeout = entry_timeout;
  e.attr_timeout = S_ISDIR(e.attr.st_mode) ? entry_timeout : CV_TIMEOUT;
  fuse_reply_entry(req, &e);
}

static void
cv_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  ContainerViews *cv = views_of(req);
  struct stat st;

  if (ino == FUSE_ROOT_ID) {
    dir_stat(ino, 0700, &st);
    fuse_reply_attr(req, &st, CV_TIMEOUT);
    return;
  }
  g_autoptr(ViewContainer) c = view_table_get(cv->table, CV_CID(ino));
  Node n;
  if (c == NULL || !node_get(cv, CV_TREE_INO(ino), &n)) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  int err = node_stat(cv, c, CV_TREE_INO(ino), &n, &st);
  if (err != 0) {
    fuse_reply_err(req, err);
    return;
  }
  /* A container's own directory is looked up afresh each time (see lookup_container). */
  fuse_reply_attr(req, &st, CV_TREE_INO(ino) == FUSE_ROOT_ID ? 0 : CV_TIMEOUT);
}

static void
cv_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  ContainerViews *cv = views_of(req);
  if ((fi->flags & O_ACCMODE) != O_RDONLY) {
    fuse_reply_err(req, EACCES);
    return;
  }
  /* ENOSYS, where the kernel supports it, turns every later open into one without a
   * round trip (and no RELEASE): page-cache reads then never reach the daemon. */
  if (cv->no_open) {
    fuse_reply_err(req, ENOSYS);
    return;
  }
  fi->keep_cache = 1;
  fi->noflush = 1;
  fuse_reply_open(req, fi);
}

static void
cv_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  ContainerViews *cv = views_of(req);
  g_autoptr(ViewContainer) c = view_table_get(cv->table, CV_CID(ino));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (c == NULL) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  if (!view_file_read(cv->table, c, CV_TREE_INO(ino), size, off, &bytes, &error)) {
    fuse_reply_err(req, pl_error_to_errno(error));
    return;
  }
  gsize len;
  const void *data = g_bytes_get_data(bytes, &len);
  fuse_reply_buf(req, data, len);
}

static void
cv_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  fuse_reply_err(req, 0);
}

static void
cv_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  if (ino == FUSE_ROOT_ID && fuse_req_ctx(req)->uid != 0) {
    fuse_reply_err(req, EACCES);
    return;
  }
  fuse_reply_open(req, fi);
}

typedef struct {
  char *name;
  guint64 ino;
  gboolean is_dir;
} Entry;

static void
entry_free(gpointer data)
{
  Entry *e = data;
  g_free(e->name);
  g_free(e);
}

static void
add_entry(GPtrArray *list, const char *name, guint64 ino, gboolean is_dir)
{
  Entry *e = g_new(Entry, 1);
  e->name = g_strdup(name);
  e->ino = ino;
  e->is_dir = is_dir;
  g_ptr_array_add(list, e);
}

/* The entries of a container's directory: its static children, then the dynamic ones. */
static int
list_container_dir(ContainerViews *cv, ViewContainer *c, const Node *dir, GPtrArray *list)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  const TreeNode *root = dir->node != NULL ? dir->node : dir->dyn->root;
  const char *rel = dir->node != NULL ? "" : dir->dyn->rel;
  pid_t pid;

  for (guint i = 0; dir->node != NULL && i < dir->node->children->len; i++) {
    const TreeNode *n = dir->node->children->pdata[i];
    add_entry(list, n->name, CV_INO(c->cid, n->ino), n->file == NULL);
  }
  if (root->vdir == NULL)
    return 0;
  if (!view_container_subject(cv->table, c, &pid, &error) ||
      !root->vdir->list(cv->ctx, pid, rel, names, &error))
    return pl_error_to_errno(error);
  for (guint i = 0; i < names->len; i++) {
    char *name = names->pdata[i];
    gboolean is_dir;
    guint64 ino = tree_dyn_listed(cv->tree, root, rel, name, &is_dir);
    if (ino != 0)
      add_entry(list, name, CV_INO(c->cid, ino), is_dir);
  }
  return 0;
}

static void
cv_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  ContainerViews *cv = views_of(req);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(entry_free);
  g_autoptr(GString) buf = g_string_new(NULL);

  add_entry(list, ".", ino, TRUE);
  add_entry(list, "..", ino, TRUE);
  if (ino == FUSE_ROOT_ID) {
    g_autoptr(GPtrArray) names = view_table_names(cv->table);
    for (guint i = 0; i < names->len; i++) {
      g_autoptr(ViewContainer) c = view_table_find(cv->table, names->pdata[i]);
      if (c != NULL)
        add_entry(list, c->name, CV_INO(c->cid, FUSE_ROOT_ID), TRUE);
    }
  } else {
    g_autoptr(ViewContainer) c = view_table_get(cv->table, CV_CID(ino));
    Node dir;
    int err = c == NULL || !node_get(cv, CV_TREE_INO(ino), &dir)
                  ? ENOENT
                  : list_container_dir(cv, c, &dir, list);
    if (err != 0) {
      fuse_reply_err(req, err);
      return;
    }
  }
  for (off_t i = off; i < (off_t)list->len; i++) {
    const Entry *e = list->pdata[i];
    struct stat st;
    dir_stat(e->ino, 0555, &st);
    if (!e->is_dir)
      st.st_mode = S_IFREG | 0444;
    if (!fs_add_dirent(req, buf, size, e->name, &st, i + 1))
      break;
  }
  fuse_reply_buf(req, buf->str, buf->len);
}

static void
cv_init(void *userdata, struct fuse_conn_info *conn)
{
  ContainerViews *cv = userdata;
  started = cv->tree->created;
  cv->no_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
  /* A render's new mtime makes the kernel drop pages it still holds. */
  if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
    conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
  g_info("container views: opens %s",
         cv->no_open ? "without a round trip (no-open)" : "with a round trip (keep_cache)");
}

const struct fuse_lowlevel_ops container_fs_operations = {
    .init = cv_init,
    .lookup = cv_lookup,
    .getattr = cv_getattr,
    .open = cv_open,
    .read = cv_read,
    .release = cv_release,
    .opendir = cv_opendir,
    .readdir = cv_readdir,
    .releasedir = cv_release,
};
