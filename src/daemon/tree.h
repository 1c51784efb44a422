/* The mount's directory tree, built once from the virtual file table. Inode numbers are
 * indexes into it; the root is FUSE_ROOT_ID (1). */
#pragma once

#include "proclens/vfiles.h"
#include <glib.h>
#include <sys/stat.h>

/* The size files report. read(2) with direct I/O ignores it and reads to EOF, but
 * sendfile(2)/splice(2) (busybox cat) go through the page cache on kernels >= 6.5 and stop
 * at i_size: a size 0 like procfs's would make them read nothing. A short read tells the
 * kernel the real length of each pass. */
#define TREE_FILE_SIZE (1 << 20)

typedef struct TreeNode TreeNode;
struct TreeNode {
  guint64 ino;
  char *name;
  TreeNode *parent;
  const PlVfile *file;   /* NULL for a directory */
  GPtrArray *children;   /* of TreeNode*, borrowed; NULL for a file */
  const PlVdirOps *vdir; /* a directory with caller-dependent entries besides its children */
};

/* An entry below a caller-dependent directory, e.g. "cpu0/topology" below
 * sys/devices/system/cpu. Its inode names the path; whether it exists, and what it holds,
 * is asked of the directory's operations on every request. */
typedef struct {
  guint64 ino;
  const TreeNode *root; /* the static directory with the operations */
  char *rel;            /* path below root */
} TreeDynNode;

/* Inodes of dynamic entries start here, far above the static ones. */
#define TREE_DYN_INO_BASE (G_GUINT64_CONSTANT(1) << 32)

typedef struct {
  GPtrArray *nodes; /* owns the nodes; nodes->pdata[ino - 1] */
  time_t created;
  /* Dynamic entries, interned on first lookup and kept (their number is bounded by the
   * host's directories the operations expose). The lock covers only these tables. */
  GMutex *dyn_lock;
  GHashTable *dyn_by_key; /* "<root ino>/<rel>" -> TreeDynNode* (owned by dyn_nodes) */
  GPtrArray *dyn_nodes;   /* dyn_nodes->pdata[ino - TREE_DYN_INO_BASE] */
} Tree;

Tree *tree_new(const PlVfile *files);
void tree_free(Tree *tree);
/* Adds an empty directory at the root (a mountpoint for the container views). */
TreeNode *tree_add_dir(Tree *tree, const char *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Tree, tree_free)

TreeNode *tree_get(const Tree *tree, guint64 ino);
TreeNode *tree_child(const TreeNode *dir, const char *name);
/* Read-only attributes: directories 0555, files 0444, owned by root. */
void tree_stat(const Tree *tree, const TreeNode *node, struct stat *ret_stat);

/* The inode of the dynamic entry rel below root, interned on first use; 0 when the
 * table is full. */
guint64 tree_dyn_intern(const Tree *tree, const TreeNode *root, const char *rel);
/* One name that root's PlVdirOps.list gave for directory rel: strips the trailing '/' of a
 * directory (*ret_is_dir) and interns it. 0 when a static child of root has that name. */
guint64 tree_dyn_listed(const Tree *tree, const TreeNode *root, const char *rel, char *name,
                        gboolean *ret_is_dir);
/* The dynamic entry of ino, or NULL (entries are never freed while the tree lives). */
const TreeDynNode *tree_dyn_get(const Tree *tree, guint64 ino);
void tree_dyn_stat(const Tree *tree, guint64 ino, gboolean is_dir, struct stat *ret_stat);
