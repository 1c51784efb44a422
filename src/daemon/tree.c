/* The mount's directory tree. */
#include "tree.h"

#include <string.h>
#include <time.h>

static void
node_free(gpointer data)
{
  TreeNode *node = data;
  g_free(node->name);
  if (node->children != NULL)
    g_ptr_array_unref(node->children);
  g_free(node);
}

static TreeNode *
add_node(Tree *tree, TreeNode *parent, const char *name, const PlVfile *file)
{
  TreeNode *node = g_new0(TreeNode, 1);
  node->name = g_strdup(name);
  node->parent = parent;
  node->file = file;
  if (file == NULL)
    node->children = g_ptr_array_new();
  g_ptr_array_add(tree->nodes, node);
  node->ino = tree->nodes->len;
  if (parent != NULL)
    g_ptr_array_add(parent->children, node);
  return node;
}

Tree *
tree_new(const PlVfile *files)
{
  Tree *tree = g_new0(Tree, 1);
  tree->nodes = g_ptr_array_new_with_free_func(node_free);
  tree->created = time(NULL);
  TreeNode *root = add_node(tree, NULL, "", NULL);

  for (const PlVfile *f = files; f->path != NULL; f++) {
    g_auto(GStrv) parts = g_strsplit(f->path, "/", -1);
    TreeNode *dir = root;
    guint n = g_strv_length(parts);
    for (guint i = 0; i + 1 < n; i++) {
      TreeNode *next = tree_child(dir, parts[i]);
      dir = next != NULL ? next : add_node(tree, dir, parts[i], NULL);
    }
    add_node(tree, dir, parts[n - 1], f);
  }
  return tree;
}

void
tree_free(Tree *tree)
{
  if (tree == NULL)
    return;
  g_ptr_array_unref(tree->nodes);
  g_free(tree);
}

TreeNode *
tree_get(const Tree *tree, guint64 ino)
{
  if (ino == 0 || ino > tree->nodes->len)
    return NULL;
  return tree->nodes->pdata[ino - 1];
}

TreeNode *
tree_child(const TreeNode *dir, const char *name)
{
  if (dir->children == NULL)
    return NULL;
  for (guint i = 0; i < dir->children->len; i++) {
    TreeNode *c = dir->children->pdata[i];
    if (strcmp(c->name, name) == 0)
      return c;
  }
  return NULL;
}

void
tree_stat(const Tree *tree, const TreeNode *node, struct stat *ret_stat)
{
  memset(ret_stat, 0, sizeof *ret_stat);
  ret_stat->st_ino = node->ino;
  if (node->file == NULL) {
    ret_stat->st_mode = S_IFDIR | 0555;
    ret_stat->st_nlink = 2;
  } else {
    /* Size 0, like procfs: readers read until EOF, and direct I/O ignores the size. */
    ret_stat->st_mode = S_IFREG | 0444;
    ret_stat->st_nlink = 1;
  }
  ret_stat->st_blksize = 4096;
  ret_stat->st_atime = ret_stat->st_mtime = ret_stat->st_ctime = tree->created;
}
