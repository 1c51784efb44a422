/* The registered containers proclensd serves views for, and each view file's current
 * content. A container is known by its registry name and by a number (cid) that is never
 * reused while the daemon runs, so the inodes of an unregistered container stay dead even
 * when its name comes back. */
#pragma once

#include "proclens/context.h"
#include "tree.h"
#include <glib.h>
#include <sys/types.h>
#include <time.h>

typedef struct ViewTable ViewTable;

/* A view file's current content. */
typedef struct {
  GString *content;
  gint64 rendered_us;    /* monotonic */
  struct timespec mtime; /* wall clock of the render: a new one tells the kernel to drop pages */
  gboolean queued;       /* an invalidation (or a store of pending) is due with the refresher */
  GString *pending;      /* a longer render the refresher must store: a READ cannot grow the
                          * kernel's size, a notify_store can */
  gint64 pending_us;
} ViewFile;
void view_file_free(gpointer file);

typedef struct {
  char *name;
  guint64 cid;
  gint refs;
  GMutex lock;       /* the fields below, and renders (one at a time per container) */
  char *cgroup;      /* as the registry names it */
  pid_t pid;         /* its registered init, 0 if unknown */
  GHashTable *files; /* tree inode -> ViewFile*: the content each view file shows now */
} ViewContainer;

/* Called (outside every lock) after a container left the table, with the tree inodes of
 * the files that had content, so the kernel can be told to drop them. */
typedef void (*ViewRemovedFn)(gpointer data, const char *name, guint64 cid, GArray *tree_inos);
/* Called (outside every lock) when a file got content rendered at rendered_us (monotonic):
 * the refresher invalidates it one interval later. */
typedef void (*ViewQueueFn)(gpointer data, guint64 cid, guint64 tree_ino, gint64 rendered_us);

ViewTable *view_table_new(const PlContext *ctx, const Tree *tree, const char *registry_dir);
void view_table_free(ViewTable *table);
void view_table_set_callbacks(ViewTable *table, ViewRemovedFn removed, ViewQueueFn queue,
                              gpointer data);
void view_table_set_interval(ViewTable *table, guint interval_ms);
guint view_table_interval(ViewTable *table);
/* The interval's storage, for the refresher to read atomically. */
const gint *view_table_interval_ptr(ViewTable *table);
const char *view_table_registry(const ViewTable *table);
const PlContext *view_table_context(const ViewTable *table);
const Tree *view_table_tree(const ViewTable *table);
/* Hands a fresh file to the refresher (the queue callback). */
void view_table_queue(ViewTable *table, guint64 cid, guint64 tree_ino, gint64 rendered_us);

/* Re-reads <registry>/<name>: adds or updates the container, or removes it when the file is
 * gone or invalid. */
void view_table_sync(ViewTable *table, const char *name);
/* Re-reads the whole registry directory: every file synced, every container without one
 * removed. */
void view_table_sync_all(ViewTable *table);

/* A reference to the container, or NULL. find() also looks in the registry for a name not
 * yet known (a runtime that just registered may bind its views before the watcher saw it). */
ViewContainer *view_table_get(ViewTable *table, guint64 cid);
ViewContainer *view_table_find(ViewTable *table, const char *name);
void view_container_unref(ViewContainer *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ViewContainer, view_container_unref)

/* The registered names, sorted. */
GPtrArray *view_table_names(ViewTable *table);

/* The process whose view of the caller views the container's views show: its registered
 * init while that is still in the container's cgroup, else the first task of the cgroup.
 * ENOENT when the cgroup is gone or empty. */
gboolean view_container_subject(ViewTable *table, ViewContainer *c, pid_t *ret_pid, GError **error);

/* The size and modification time of file tree_ino: renders it when it has no content or
 * its content is at least one refresh interval old and the refresher has invalidated it. */
gboolean view_file_attr(ViewTable *table, ViewContainer *c, guint64 tree_ino, gsize *ret_size,
                        struct timespec *ret_mtime, GError **error);
/* Up to size bytes of the file's content at off. A read at offset 0 renders like
 * view_file_attr, since sendfile/splice readers never ask for attributes; a render longer
 * than the content the kernel has the size of is served only after the refresher stored it
 * (the reader gets the previous render, the next reader the new one). */
gboolean view_file_read(ViewTable *table, ViewContainer *c, guint64 tree_ino, size_t size,
                        off_t off, GBytes **ret_bytes, GError **error);
/* The refresher invalidated the file: it may be queued again. */
void view_file_unqueue(ViewTable *table, guint64 cid, guint64 tree_ino);
/* The file's pending longer render, made its content (NULL when there is none); the file
 * stays queued, for the refresher to store the bytes and queue the content's invalidation
 * one interval after *ret_rendered_us. */
GBytes *view_file_take_pending(ViewTable *table, guint64 cid, guint64 tree_ino,
                               gint64 *ret_rendered_us);
