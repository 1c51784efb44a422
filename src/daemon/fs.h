/* The FUSE low-level operations: a read-only tree whose file contents are produced per
 * caller. */
#pragma once

#include "proclens/context.h"
#include "size_guard.h"
#include "tree.h"
#include <fuse_lowlevel.h>

typedef struct {
  const PlContext *ctx;
  const Tree *tree;
  struct fuse_session *session; /* for notifications to the kernel; set once mounted */
  GThreadPool *workers; /* renders the PlVfile.unbounded files; NULL: in the loop thread */
  SizeGuard *size_guard;
  guint request_threads; /* serving the session (set before they start) */
  gint unbounded_inline; /* unbounded renders running in request threads now */
} FsState;

extern const struct fuse_lowlevel_ops fs_operations;

/* A request thread renders proc/stat and proc/loadavg of a cgroup this small itself (a
 * few hundred microseconds at most); bigger ones go to the worker pool. */
#define FS_INLINE_TASKS 64

/* Threads of the worker pool: as many slow renders may run at once, while the request
 * loop goes on answering the other callers. */
#define FS_WORKERS 4

/* Starts the pool. Its threads keep the signal mask of the caller, which must block the
 * signals that end the FUSE loop (a signal taken by a pool thread would not wake it). */
gboolean fs_workers_start(FsState *fs, GError **error);
/* Waits for the renders in progress and the queued ones; call after the loop ended and
 * before the session is destroyed (they still reply). */
void fs_workers_stop(FsState *fs);

/* Appends one directory entry to buf if it fits in size; FALSE when the buffer is full. */
gboolean fs_add_dirent(fuse_req_t req, GString *buf, size_t size, const char *name,
                       const struct stat *st, off_t next);
