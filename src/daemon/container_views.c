/* The container views' session: registry, refresher, mount and worker threads. */
#include "container_views.h"
#include "proclens/error.h"

#include <errno.h>
#include <string.h>

/* --- the kernel's side of freshness ----------------------------------------------------- */

static void
on_due(gpointer data, guint64 cid, guint64 tree_ino)
{
  ContainerViews *cv = data;
  gint64 rendered;
  g_autoptr(GBytes) grown = view_file_take_pending(cv->table, cid, tree_ino, &rendered);
  if (grown != NULL) {
    /* A longer render: stored over the cached pages, which grows the kernel's size (a
     * READ's reply cannot); its invalidation follows one interval after it. */
    if (g_atomic_int_get(&cv->mounted)) {
      gsize len;
      const void *data_bytes = g_bytes_get_data(grown, &len);
      struct fuse_bufvec buf = FUSE_BUFVEC_INIT(len);
      buf.buf[0].mem = (void *)data_bytes;
      int rc = fuse_lowlevel_notify_store(cv->session, CV_INO(cid, tree_ino), 0, &buf, 0);
      g_debug("container view %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ": stored %zu bytes (%d)",
              cid, tree_ino, len, rc);
    }
    view_table_queue(cv->table, cid, tree_ino, rendered);
    return;
  }
  view_file_unqueue(cv->table, cid, tree_ino);
  /* Drops the cached pages and attributes: the next read asks (GETATTR, READ) and gets a
   * fresh render. Nobody reading means nothing more happens. */
  if (g_atomic_int_get(&cv->mounted)) {
    int rc = fuse_lowlevel_notify_inval_inode(cv->session, CV_INO(cid, tree_ino), 0, 0);
    g_debug("container view %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT ": invalidated (%d)", cid,
            tree_ino, rc);
  }
}

static void
on_queue(gpointer data, guint64 cid, guint64 tree_ino, gint64 rendered_us)
{
  ContainerViews *cv = data;
  view_refresher_push(cv->refresher, cid, tree_ino, rendered_us);
}

static void
on_removed(gpointer data, const char *name, guint64 cid, GArray *tree_inos)
{
  ContainerViews *cv = data;
  g_info("container view %s: unregistered", name);
  if (!g_atomic_int_get(&cv->mounted))
    return;
  fuse_lowlevel_notify_inval_entry(cv->session, FUSE_ROOT_ID, name, strlen(name));
  /* Bind mounts keep the files' inodes: their pages must go, and every later request
   * for them finds no container (ENOENT). */
  for (guint i = 0; i < tree_inos->len; i++)
    fuse_lowlevel_notify_inval_inode(cv->session, CV_INO(cid, g_array_index(tree_inos, guint64, i)),
                                     0, 0);
}

/* --- life cycle ------------------------------------------------------------------------- */

ContainerViews *
container_views_new(const PlContext *ctx, const PlVfile *files, const char *registry_dir,
                    guint interval_ms, gboolean debug)
{
  ContainerViews *cv = g_new0(ContainerViews, 1);
  cv->ctx = ctx;
  cv->tree = tree_new(files);
  cv->table = view_table_new(ctx, cv->tree, registry_dir);
  cv->debug = debug;
  view_table_set_interval(cv->table, interval_ms);
  view_table_set_callbacks(cv->table, on_removed, on_queue, cv);
  return cv;
}

void
container_views_set_interval(ContainerViews *cv, guint interval_ms)
{
  view_table_set_interval(cv->table, interval_ms);
  if (cv->refresher != NULL)
    view_refresher_wake(cv->refresher);
}

static gpointer
mount_thread(gpointer data)
{
  ContainerViews *cv = data;
  /* The main mount answers the lookup of its containers/ directory meanwhile. */
  if (fuse_session_mount(cv->session, cv->mountpoint) != 0) {
    g_warning("container views: cannot mount on %s; containers get the caller views",
              cv->mountpoint);
    return NULL;
  }
  g_atomic_int_set(&cv->mounted, 1);
  g_message("container views on %s (registry %s, refresh every %u ms)", cv->mountpoint,
            view_table_registry(cv->table), view_table_interval(cv->table));
  g_atomic_pointer_set(&cv->workers,
                       request_threads_start(cv->session, CONTAINER_VIEWS_WORKERS));
  /* Served now: containers' binds of a dead predecessor's views get clones of these. */
  if (cv->remount != NULL) {
    remount_mounted(cv->remount);
    remount_repair(cv->remount);
  }
  return NULL;
}

static void
build_args(const ContainerViews *cv, struct fuse_args *args)
{
  g_autofree char *fsname = cv->remount != NULL
                                ? remount_source_for(cv->remount, CONTAINER_VIEWS_ROLE)
                                : g_strdup(CONTAINER_VIEWS_ROLE);
  g_autofree char *opts = g_strdup_printf("ro,allow_other,fsname=%s,subtype=proclens", fsname);
  fuse_opt_add_arg(args, "proclensd");
  if (cv->debug)
    fuse_opt_add_arg(args, "-d");
  fuse_opt_add_arg(args, "-o");
  fuse_opt_add_arg(args, opts);
}

gboolean
container_views_start(ContainerViews *cv, const char *mountpoint, Remount *remount, GError **error)
{
  struct fuse_args args = FUSE_ARGS_INIT(0, NULL);

  cv->watch = registry_watch_start(cv->table, error);
  if (cv->watch == NULL)
    return FALSE;
  cv->remount = remount;
  cv->refresher = view_refresher_start(view_table_interval_ptr(cv->table), on_due, cv);
  build_args(cv, &args);
  cv->session =
      fuse_session_new(&args, &container_fs_operations, sizeof container_fs_operations, cv);
  fuse_opt_free_args(&args);
  if (cv->session == NULL) {
    pl_set_errno(error, EINVAL, "container views: cannot create the FUSE session");
    return FALSE;
  }
  cv->mountpoint = g_strdup(mountpoint);
  g_thread_unref(g_thread_new("views-mount", mount_thread, cv));
  return TRUE;
}

void
container_views_stop(ContainerViews *cv)
{
  if (cv == NULL || cv->session == NULL)
    return;
  fuse_session_exit(cv->session);
  if (g_atomic_int_get(&cv->mounted)) {
    g_atomic_int_set(&cv->mounted, 0);
    fuse_session_unmount(cv->session);
  }
  request_threads_stop(g_atomic_pointer_exchange(&cv->workers, NULL));
  registry_watch_stop(g_steal_pointer(&cv->watch));
  view_refresher_stop(g_steal_pointer(&cv->refresher));
  fuse_session_destroy(g_steal_pointer(&cv->session));
}

void
container_views_free(ContainerViews *cv)
{
  if (cv == NULL)
    return;
  container_views_stop(cv);
  view_table_free(cv->table);
  tree_free(cv->tree);
  g_free(cv->mountpoint);
  g_free(cv);
}
