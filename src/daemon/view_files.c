/* A container view file's content: rendered by the caller views' producers for a process
 * of the container, kept until it is one refresh interval old. */
#include "view_table.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/tasks.h"

#include <errno.h>
#include <string.h>

static gboolean
path_within(const char *path, const char *cgroup)
{
  size_t n = strlen(cgroup);
  if (path == NULL)
    return FALSE;
  if (strcmp(cgroup, "/") == 0)
    return TRUE;
  return strncmp(path, cgroup, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Whether pid sits in cgroup (or below) in some hierarchy: a recycled pid does not. */
static gboolean
pid_in_cgroup(const PlContext *ctx, pid_t pid, const char *cgroup)
{
  g_auto(PlCgMembership) m = {0};
  if (!pl_cg_membership_read(ctx->proc_root, pid, &m, NULL))
    return FALSE;
  for (int i = 0; i < PL_CTRL_COUNT; i++) {
    if (ctx->layout->v1_dir[i] != NULL && path_within(m.v1_path[i], cgroup))
      return TRUE;
  }
  return ctx->layout->v2_dir != NULL && path_within(m.v2_path, cgroup);
}

/* The first task of cgroup in the first hierarchy that has it: a process listed directly,
 * else a thread of a sub-cgroup (v2 keeps processes in leaves). */
static pid_t
first_task(const PlContext *ctx, const char *cgroup, gboolean *ret_exists)
{
  static const PlController order[] = {PL_CTRL_MEMORY, PL_CTRL_CPUACCT, PL_CTRL_CPU,
                                       PL_CTRL_PIDS,   PL_CTRL_CPUSET,  PL_CTRL_BLKIO};
  const PlCgLayout *layout = ctx->layout;

  *ret_exists = FALSE;
  for (gsize i = 0; i <= G_N_ELEMENTS(order); i++) {
    gboolean v2 = i == G_N_ELEMENTS(order);
    const char *mount = v2 ? layout->v2_dir : layout->v1_dir[order[i]];
    if (mount == NULL)
      continue;
    g_autofree char *dir = g_build_filename(mount, cgroup, NULL);
    g_autofree char *procs = NULL;
    guint64 pid;
    if (!pl_read_file_in(dir, "cgroup.procs", &procs, NULL))
      continue;
    *ret_exists = TRUE;
    procs[strcspn(procs, "\n")] = '\0';
    if (pl_parse_u64(procs, &pid) && pid > 0)
      return (pid_t)pid;
    g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    if (pl_cg_tasks_collect(dir, v2, tids) && tids->len > 0)
      return g_array_index(tids, pid_t, 0);
  }
  return 0;
}

static gboolean
subject_locked(ViewTable *t, ViewContainer *c, pid_t *ret_pid, GError **error)
{
  const PlContext *ctx = view_table_context(t);
  gboolean exists;

  if (c->pid > 0 && pid_in_cgroup(ctx, c->pid, c->cgroup)) {
    *ret_pid = c->pid;
    return TRUE;
  }
  *ret_pid = first_task(ctx, c->cgroup, &exists);
  if (*ret_pid > 0)
    return TRUE;
  pl_set_errno(error, ENOENT, "container %s: cgroup %s %s", c->name, c->cgroup,
               exists ? "has no task" : "does not exist");
  return FALSE;
}

gboolean
view_container_subject(ViewTable *t, ViewContainer *c, pid_t *ret_pid, GError **error)
{
  g_mutex_lock(&c->lock);
  gboolean ok = subject_locked(t, c, ret_pid, error);
  g_mutex_unlock(&c->lock);
  return ok;
}

static gboolean
render(ViewTable *t, ViewContainer *c, guint64 tree_ino, GString *out, GError **error)
{
  const Tree *tree = view_table_tree(t);
  const PlContext *ctx = view_table_context(t);
  const TreeNode *node = tree_get(tree, tree_ino);
  const TreeDynNode *dyn = node == NULL ? tree_dyn_get(tree, tree_ino) : NULL;
  pid_t pid;

  if ((node == NULL || node->file == NULL) && dyn == NULL) {
    pl_set_errno(error, EISDIR, "inode %" G_GUINT64_FORMAT, tree_ino);
    return FALSE;
  }
  if (!subject_locked(t, c, &pid, error))
    return FALSE;
  if (dyn != NULL)
    return dyn->root->vdir->read(ctx, pid, dyn->rel, out, error);
  return node->file->produce(ctx, pid, out, error);
}

/* The file's entry, rendered afresh when missing or (fresh_only) a refresh interval old.
 * Sets *ret_queue when the refresher must be told. Called with c->lock held. */
static ViewFile *
current_locked(ViewTable *t, ViewContainer *c, guint64 tree_ino, gboolean fresh_only,
               gboolean *ret_queue, GError **error)
{
  ViewFile *f = g_hash_table_lookup(c->files, &tree_ino);
  gint64 now = g_get_monotonic_time();
  gint64 interval_us = (gint64)view_table_interval(t) * 1000;

  *ret_queue = FALSE;
  if (f != NULL && (!fresh_only || now - f->rendered_us < interval_us))
    return f;
  g_autoptr(GString) out = g_string_sized_new(f != NULL ? f->content->len + 64 : 2048);
  if (!render(t, c, tree_ino, out, error))
    return NULL;
  if (f == NULL) {
    f = g_new0(ViewFile, 1);
    g_hash_table_insert(c->files, g_memdup2(&tree_ino, sizeof tree_ino), f);
  } else {
    g_string_free(f->content, TRUE);
  }
  f->content = g_steal_pointer(&out);
  f->rendered_us = now;
  clock_gettime(CLOCK_REALTIME, &f->mtime);
  if (!f->queued) {
    f->queued = TRUE;
    *ret_queue = TRUE;
  }
  return f;
}

gboolean
view_file_attr(ViewTable *t, ViewContainer *c, guint64 tree_ino, gsize *ret_size,
               struct timespec *ret_mtime, GError **error)
{
  gboolean queue;
  gint64 rendered = 0;

  g_mutex_lock(&c->lock);
  ViewFile *f = current_locked(t, c, tree_ino, TRUE, &queue, error);
  if (f != NULL) {
    *ret_size = f->content->len;
    *ret_mtime = f->mtime;
    rendered = f->rendered_us;
  }
  g_mutex_unlock(&c->lock);
  if (f != NULL && queue)
    view_table_queue(t, c->cid, tree_ino, rendered);
  return f != NULL;
}

/* The content the kernel's size came from (the last attr reply): only rendered here when
 * there is none, so a read never disagrees with the size the reader was given. */
gboolean
view_file_read(ViewTable *t, ViewContainer *c, guint64 tree_ino, size_t size, off_t off,
               GBytes **ret_bytes, GError **error)
{
  gboolean queue;
  gint64 rendered = 0;

  g_mutex_lock(&c->lock);
  ViewFile *f = current_locked(t, c, tree_ino, FALSE, &queue, error);
  if (f != NULL) {
    gsize len = f->content->len;
    gsize start = off >= 0 && (gsize)off < len ? (gsize)off : len;
    *ret_bytes = g_bytes_new(f->content->str + start, MIN(size, len - start));
    rendered = f->rendered_us;
  }
  g_mutex_unlock(&c->lock);
  if (f != NULL && queue)
    view_table_queue(t, c->cid, tree_ino, rendered);
  return f != NULL;
}

void
view_file_unqueue(ViewTable *t, guint64 cid, guint64 tree_ino)
{
  g_autoptr(ViewContainer) c = view_table_get(t, cid);
  if (c == NULL)
    return;
  g_mutex_lock(&c->lock);
  ViewFile *f = g_hash_table_lookup(c->files, &tree_ino);
  if (f != NULL)
    f->queued = FALSE;
  g_mutex_unlock(&c->lock);
}
