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

typedef enum {
  AS_IS,      /* a READ past offset 0: the render the earlier pages came from */
  FRESH_ATTR, /* GETATTR: the reply sets the kernel's size */
  FRESH_READ, /* a READ at offset 0: the kernel's size is the content's length */
} Want;

/* Under c->lock: f takes out as its content. Sets *ret_queue when the refresher must be told. */
static void
replace_locked(ViewFile *f, GString *out, gint64 now, gboolean *ret_queue)
{
  if (f->content != NULL)
    g_string_free(f->content, TRUE);
  f->content = out;
  f->rendered_us = now;
  clock_gettime(CLOCK_REALTIME, &f->mtime);
  if (!f->queued) {
    f->queued = TRUE;
    *ret_queue = TRUE;
  }
}

/* The file's entry, rendered afresh when missing or, unless AS_IS, a refresh interval old
 * and invalidated by the refresher (before that, the kernel may still hold its pages).
 * Sets *ret_queue when the refresher must be told, *ret_store_now when a longer render
 * waits in f->pending. Called with c->lock held. */
static ViewFile *
current_locked(ViewTable *t, ViewContainer *c, guint64 tree_ino, Want want, gboolean *ret_queue,
               gboolean *ret_store_now, GError **error)
{
  ViewFile *f = g_hash_table_lookup(c->files, &tree_ino);
  gint64 now = g_get_monotonic_time();
  gint64 interval_us = (gint64)view_table_interval(t) * 1000;

  *ret_queue = *ret_store_now = FALSE;
  if (f != NULL && (want == AS_IS || f->queued || now - f->rendered_us < interval_us))
    return f;
  g_autoptr(GString) out = g_string_sized_new(f != NULL ? f->content->len + 64 : 2048);
  if (!render(t, c, tree_ino, out, error))
    return NULL;
  if (f == NULL) {
    f = g_new0(ViewFile, 1);
    g_hash_table_insert(c->files, g_memdup2(&tree_ino, sizeof tree_ino), f);
  } else if (want == FRESH_READ && out->len > f->content->len) {
    /* A READ's reply cannot grow the size the kernel holds: it would cut this render.
     * Serve the previous one; the refresher stores this one at once (notify_store grows
     * the size), so the next reader gets it from the page cache. */
    if (f->pending != NULL)
      g_string_free(f->pending, TRUE);
    f->pending = g_steal_pointer(&out);
    f->pending_us = now;
    f->queued = TRUE;
    *ret_store_now = TRUE;
    return f;
  }
  /* Shorter or equal: a short READ reply shrinks the kernel's size to it. */
  replace_locked(f, g_steal_pointer(&out), now, ret_queue);
  return f;
}

/* Tells the refresher what current_locked asked for; outside c->lock. */
static void
tell_refresher(ViewTable *t, guint64 cid, guint64 tree_ino, gboolean queue, gboolean store_now,
               gint64 rendered)
{
  if (store_now)
    view_table_queue(t, cid, tree_ino, g_get_monotonic_time() - (gint64)view_table_interval(t) * 1000);
  else if (queue)
    view_table_queue(t, cid, tree_ino, rendered);
}

gboolean
view_file_attr(ViewTable *t, ViewContainer *c, guint64 tree_ino, gsize *ret_size,
               struct timespec *ret_mtime, GError **error)
{
  gboolean queue, store_now;
  gint64 rendered = 0;

  g_mutex_lock(&c->lock);
  ViewFile *f = current_locked(t, c, tree_ino, FRESH_ATTR, &queue, &store_now, error);
  if (f != NULL) {
    *ret_size = f->content->len;
    *ret_mtime = f->mtime;
    rendered = f->rendered_us;
  }
  g_mutex_unlock(&c->lock);
  if (f != NULL)
    tell_refresher(t, c->cid, tree_ino, queue, store_now, rendered);
  return f != NULL;
}

gboolean
view_file_read(ViewTable *t, ViewContainer *c, guint64 tree_ino, size_t size, off_t off,
               GBytes **ret_bytes, GError **error)
{
  gboolean queue, store_now;
  gint64 rendered = 0;

  g_mutex_lock(&c->lock);
  ViewFile *f = current_locked(t, c, tree_ino, off == 0 ? FRESH_READ : AS_IS, &queue, &store_now,
                               error);
  if (f != NULL) {
    gsize len = f->content->len;
    gsize start = off >= 0 && (gsize)off < len ? (gsize)off : len;
    *ret_bytes = g_bytes_new(f->content->str + start, MIN(size, len - start));
    rendered = f->rendered_us;
  }
  g_mutex_unlock(&c->lock);
  if (f != NULL)
    tell_refresher(t, c->cid, tree_ino, queue, store_now, rendered);
  return f != NULL;
}

GBytes *
view_file_take_pending(ViewTable *t, guint64 cid, guint64 tree_ino, gint64 *ret_rendered_us)
{
  g_autoptr(ViewContainer) c = view_table_get(t, cid);
  GBytes *bytes = NULL;
  if (c == NULL)
    return NULL;
  g_mutex_lock(&c->lock);
  ViewFile *f = g_hash_table_lookup(c->files, &tree_ino);
  if (f != NULL && f->pending != NULL) {
    gboolean queue = FALSE;
    replace_locked(f, g_steal_pointer(&f->pending), f->pending_us, &queue);
    bytes = g_bytes_new(f->content->str, f->content->len);
    *ret_rendered_us = f->rendered_us;
  }
  g_mutex_unlock(&c->lock);
  return bytes;
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
