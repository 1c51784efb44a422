/* The refresher: one thread that invalidates each container view file in the kernel once
 * its content is one refresh interval old. A file is queued only when the daemon rendered
 * it, which happens only when someone reads it after the previous invalidation; so a view
 * nobody reads costs nothing, and the thread sleeps while the queue is empty. */
#pragma once

#include <glib.h>

typedef struct ViewRefresher ViewRefresher;

/* Called in the refresher's thread, with no lock held, for each file that fell due. */
typedef void (*ViewFireFn)(gpointer data, guint64 cid, guint64 tree_ino);

/* interval_ms is read (atomically) at each wait, so a changed interval applies to what is
 * queued already. */
ViewRefresher *view_refresher_start(const gint *interval_ms, ViewFireFn fire, gpointer data);
/* Queues an invalidation one interval after rendered_us (monotonic). */
void view_refresher_push(ViewRefresher *r, guint64 cid, guint64 tree_ino, gint64 rendered_us);
/* The interval changed: re-examine the queue. */
void view_refresher_wake(ViewRefresher *r);
/* Stops the thread (pending invalidations are dropped) and frees r. */
void view_refresher_stop(ViewRefresher *r);
