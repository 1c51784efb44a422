/* Container views: containers/<name>/proc/... and containers/<name>/sys/devices/system/cpu/...
 * for each registered container. Their content depends only on the path, so the kernel's
 * page cache serves them; the refresher invalidates a file once its content is one refresh
 * interval old, and only files somebody read get queued, so idle containers cost nothing.
 *
 * They are a FUSE session of their own, mounted on the main mount's containers/ directory:
 * FUSE_CAP_NO_OPEN_SUPPORT (opens without a round trip) is a property of the whole
 * connection, and the caller views need their OPEN (direct I/O, a snapshot per open). */
#pragma once

#include "proclens/context.h"
#include "proclens/vfiles.h"
#include "registry_watch.h"
#include "remount.h"
#include "request_threads.h"
#include "tree.h"
#include "view_refresh.h"
#include "view_table.h"
#include <fuse_lowlevel.h>

#define CONTAINER_VIEWS_DIR "containers"
/* The role part of the views' fsname ("proclens-containers:<instance>"), see remount.h. */
#define CONTAINER_VIEWS_ROLE "proclens-containers"
#define CONTAINER_VIEWS_DEFAULT_INTERVAL_MS 100
#define CONTAINER_VIEWS_WORKERS 4

/* Inodes: the containers/ root is FUSE_ROOT_ID; a container's files are its cid above
 * these bits and the template tree's inode below (the tree's root is the container's
 * directory). */
#define CV_TREE_BITS 34
#define CV_INO(cid, tree_ino) (((guint64)(cid) << CV_TREE_BITS) | (tree_ino))
#define CV_CID(ino) ((guint64)(ino) >> CV_TREE_BITS)
#define CV_TREE_INO(ino) ((guint64)(ino) & ((G_GUINT64_CONSTANT(1) << CV_TREE_BITS) - 1))

typedef struct {
  const PlContext *ctx;
  Tree *tree; /* one container's directory: the files the main mount serves */
  ViewTable *table;
  ViewRefresher *refresher;
  RegistryWatch *watch;
  struct fuse_session *session;
  char *mountpoint;
  Remount *remount; /* borrowed: repairs containers' binds of a predecessor's views; or NULL */
  gboolean debug;
  gint mounted;     /* notifications go to the kernel only while mounted */
  gboolean no_open; /* the kernel opens files without asking (FUSE_CAP_NO_OPEN_SUPPORT) */
  RequestThreads *workers; /* set by the mount thread once mounted */
} ContainerViews;

extern const struct fuse_lowlevel_ops container_fs_operations;

ContainerViews *container_views_new(const PlContext *ctx, const PlVfile *files,
                                    const char *registry_dir, guint interval_ms, gboolean debug);
/* Loads the registry and starts watching it and refreshing; then, in a thread (the main
 * mount must answer for the mount to succeed), mounts on mountpoint (with remount's
 * fsname of the role "proclens-containers"), serves, and has remount repair the bind
 * mounts a predecessor's views left dead in containers. */
gboolean container_views_start(ContainerViews *cv, const char *mountpoint, Remount *remount,
                               GError **error);
void container_views_set_interval(ContainerViews *cv, guint interval_ms);
/* Unmounts and stops every thread. */
void container_views_stop(ContainerViews *cv);
void container_views_free(ContainerViews *cv);
