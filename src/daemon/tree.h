/* The mount's directory tree, built once from the virtual file table. Inode numbers are
 * indexes into it; the root is FUSE_ROOT_ID (1). */
#pragma once

#include "proclens/vfiles.h"
#include <glib.h>
#include <sys/stat.h>

typedef struct TreeNode TreeNode;
struct TreeNode {
  guint64 ino;
  char *name;
  TreeNode *parent;
  const PlVfile *file; /* NULL for a directory */
  GPtrArray *children; /* of TreeNode*, borrowed; NULL for a file */
};

typedef struct {
  GPtrArray *nodes; /* owns the nodes; nodes->pdata[ino - 1] */
  time_t created;
} Tree;

Tree *tree_new(const PlVfile *files);
void tree_free(Tree *tree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Tree, tree_free)

TreeNode *tree_get(const Tree *tree, guint64 ino);
TreeNode *tree_child(const TreeNode *dir, const char *name);
/* Read-only attributes: directories 0555, files 0444, owned by root. */
void tree_stat(const Tree *tree, const TreeNode *node, struct stat *ret_stat);
