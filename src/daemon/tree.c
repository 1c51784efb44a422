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

static void
dyn_node_free(gpointer data)
{
  TreeDynNode *node = data;
  g_free(node->rel);
  g_free(node);
}

Tree *
tree_new(const PlVfile *files)
{
  Tree *tree = g_new0(Tree, 1);
  tree->nodes = g_ptr_array_new_with_free_func(node_free);
  tree->created = time(NULL);
  TreeNode *root = add_node(tree, NULL, "", NULL);

  tree->dyn_lock = g_new0(GMutex, 1);
  g_mutex_init(tree->dyn_lock);
  tree->dyn_by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  tree->dyn_nodes = g_ptr_array_new_with_free_func(dyn_node_free);

  for (const PlVfile *f = files; f->path != NULL; f++) {
    g_auto(GStrv) parts = g_strsplit(f->path, "/", -1);
    TreeNode *dir = root;
    guint n = g_strv_length(parts);
    /* A caller-dependent directory is a directory like any other, plus its operations. */
    guint dirs = f->dir != NULL ? n : n - 1;
    for (guint i = 0; i < dirs; i++) {
      TreeNode *next = tree_child(dir, parts[i]);
      dir = next != NULL ? next : add_node(tree, dir, parts[i], NULL);
    }
    if (f->dir != NULL)
      dir->vdir = f->dir;
    else
      add_node(tree, dir, parts[n - 1], f);
  }
  return tree;
}

TreeNode *
tree_add_dir(Tree *tree, const char *name)
{
  TreeNode *root = tree_get(tree, 1);
  TreeNode *dir = tree_child(root, name);
  return dir != NULL ? dir : add_node(tree, root, name, NULL);
}

void
tree_free(Tree *tree)
{
  if (tree == NULL)
    return;
  g_ptr_array_unref(tree->nodes);
  g_hash_table_unref(tree->dyn_by_key);
  g_ptr_array_unref(tree->dyn_nodes);
  g_mutex_clear(tree->dyn_lock);
  g_free(tree->dyn_lock);
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
    ret_stat->st_mode = S_IFREG | 0444;
    ret_stat->st_nlink = 1;
    ret_stat->st_size = TREE_FILE_SIZE;
  }
  ret_stat->st_blksize = 4096;
  ret_stat->st_atime = ret_stat->st_mtime = ret_stat->st_ctime = tree->created;
}

/* A bound no real sysfs CPU tree comes near (a few hundred entries per CPU). */
#define TREE_DYN_MAX (1u << 22)

guint64
tree_dyn_intern(const Tree *tree, const TreeNode *root, const char *rel)
{
  g_autofree char *key = g_strdup_printf("%" G_GUINT64_FORMAT "/%s", root->ino, rel);
  guint64 ino = 0;

  g_mutex_lock(tree->dyn_lock);
  TreeDynNode *node = g_hash_table_lookup(tree->dyn_by_key, key);
  if (node != NULL) {
    ino = node->ino;
  } else if (tree->dyn_nodes->len < TREE_DYN_MAX) {
    node = g_new0(TreeDynNode, 1);
    node->ino = TREE_DYN_INO_BASE + tree->dyn_nodes->len;
    node->root = root;
    node->rel = g_strdup(rel);
    g_ptr_array_add(tree->dyn_nodes, node);
    g_hash_table_insert(tree->dyn_by_key, g_steal_pointer(&key), node);
    ino = node->ino;
  }
  g_mutex_unlock(tree->dyn_lock);
  return ino;
}

guint64
tree_dyn_listed(const Tree *tree, const TreeNode *root, const char *rel, char *name,
                gboolean *ret_is_dir)
{
  gsize len = strlen(name);
  *ret_is_dir = len > 0 && name[len - 1] == '/';
  if (*ret_is_dir)
    name[len - 1] = '\0';
  /* A static child of the same name (online, ...) is listed already and wins. */
  if (*rel == '\0' && tree_child(root, name) != NULL)
    return 0;
  g_autofree char *child = *rel == '\0' ? g_strdup(name) : g_strconcat(rel, "/", name, NULL);
  return tree_dyn_intern(tree, root, child);
}

const TreeDynNode *
tree_dyn_get(const Tree *tree, guint64 ino)
{
  const TreeDynNode *node = NULL;

  if (ino < TREE_DYN_INO_BASE)
    return NULL;
  g_mutex_lock(tree->dyn_lock);
  if (ino - TREE_DYN_INO_BASE < tree->dyn_nodes->len)
    node = tree->dyn_nodes->pdata[ino - TREE_DYN_INO_BASE];
  g_mutex_unlock(tree->dyn_lock);
  return node;
}

void
tree_dyn_stat(const Tree *tree, guint64 ino, gboolean is_dir, struct stat *ret_stat)
{
  memset(ret_stat, 0, sizeof *ret_stat);
  ret_stat->st_ino = ino;
  ret_stat->st_mode = is_dir ? S_IFDIR | 0555 : S_IFREG | 0444;
  ret_stat->st_nlink = is_dir ? 2 : 1;
  ret_stat->st_blksize = 4096;
  ret_stat->st_atime = ret_stat->st_mtime = ret_stat->st_ctime = tree->created;
}
