/* The refresher's deadline queue and thread. */
#include "view_refresh.h"

typedef struct {
  gint64 rendered_us;
  guint64 cid;
  guint64 tree_ino;
} Due;

struct ViewRefresher {
  GMutex lock;
  GCond cond;
  GQueue queue; /* of Due*, in the order rendered, hence of deadlines */
  const gint *interval_ms;
  gboolean stop;
  GThread *thread;
  ViewFireFn fire;
  gpointer data;
};

static gpointer
refresher_thread(gpointer data)
{
  ViewRefresher *r = data;

  g_mutex_lock(&r->lock);
  while (!r->stop) {
    Due *head = g_queue_peek_head(&r->queue);
    if (head == NULL) {
      g_cond_wait(&r->cond, &r->lock);
      continue;
    }
    gint64 deadline = head->rendered_us + (gint64)g_atomic_int_get(r->interval_ms) * 1000;
    if (deadline > g_get_monotonic_time()) {
      g_cond_wait_until(&r->cond, &r->lock, deadline);
      continue;
    }
    g_queue_pop_head(&r->queue);
    /* The kernel's invalidation may wait for a read in progress, whose handler may need
     * locks of ours: never hold one across it. */
    g_mutex_unlock(&r->lock);
    r->fire(r->data, head->cid, head->tree_ino);
    g_free(head);
    g_mutex_lock(&r->lock);
  }
  g_mutex_unlock(&r->lock);
  return NULL;
}

ViewRefresher *
view_refresher_start(const gint *interval_ms, ViewFireFn fire, gpointer data)
{
  ViewRefresher *r = g_new0(ViewRefresher, 1);
  r->interval_ms = interval_ms;
  g_mutex_init(&r->lock);
  g_cond_init(&r->cond);
  g_queue_init(&r->queue);
  r->fire = fire;
  r->data = data;
  r->thread = g_thread_new("view-refresh", refresher_thread, r);
  return r;
}

void
view_refresher_push(ViewRefresher *r, guint64 cid, guint64 tree_ino, gint64 rendered_us)
{
  Due *due = g_new(Due, 1);
  due->rendered_us = rendered_us;
  due->cid = cid;
  due->tree_ino = tree_ino;

  g_mutex_lock(&r->lock);
  /* From the tail: the new render is almost always the latest. */
  GList *at = r->queue.tail;
  while (at != NULL && ((Due *)at->data)->rendered_us > rendered_us)
    at = at->prev;
  if (at == NULL)
    g_queue_push_head(&r->queue, due);
  else
    g_queue_insert_after(&r->queue, at, due);
  if (r->queue.head->data == due)
    g_cond_signal(&r->cond);
  g_mutex_unlock(&r->lock);
}

void
view_refresher_wake(ViewRefresher *r)
{
  g_mutex_lock(&r->lock);
  g_cond_signal(&r->cond);
  g_mutex_unlock(&r->lock);
}

void
view_refresher_stop(ViewRefresher *r)
{
  if (r == NULL)
    return;
  g_mutex_lock(&r->lock);
  r->stop = TRUE;
  g_cond_signal(&r->cond);
  g_mutex_unlock(&r->lock);
  g_thread_join(r->thread);
  g_queue_clear_full(&r->queue, g_free);
  g_cond_clear(&r->cond);
  g_mutex_clear(&r->lock);
  g_free(r);
}
