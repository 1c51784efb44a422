/* The registered containers and the content of their view files. */
#include "view_table.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/registry.h"
#include "proclens/tasks.h"

#include <errno.h>
#include <string.h>
#include <time.h>

struct ViewTable {
  const PlContext *ctx;
  const Tree *tree;
  char *registry;
  gint interval_ms;
  GMutex lock;         /* the two maps and next_cid */
  GHashTable *by_name; /* name -> ViewContainer* (one reference) */
  GHashTable *by_cid;  /* cid -> ViewContainer* (borrowed from by_name) */
  guint64 next_cid;
  ViewRemovedFn removed;
  ViewQueueFn queue;
  gpointer data;
};

void
view_file_free(gpointer data)
{
  ViewFile *f = data;
  g_string_free(f->content, TRUE);
  if (f->pending != NULL)
    g_string_free(f->pending, TRUE);
  g_free(f);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void
view_container_unref(ViewContainer *c)
{
  if (c == NULL || !g_atomic_int_dec_and_test(&c->refs))
    return;
  g_hash_table_unref(c->files);
  g_mutex_clear(&c->lock);
  g_free(c->cgroup);
  g_free(c->name);
  g_free(c);
}

ViewTable *
view_table_new(const PlContext *ctx, const Tree *tree, const char *registry_dir)
{
  ViewTable *t = g_new0(ViewTable, 1);
  t->ctx = ctx;
  t->tree = tree;
  t->registry = g_strdup(registry_dir);
  t->interval_ms = 100;
  g_mutex_init(&t->lock);
  t->by_name =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)view_container_unref);
  t->by_cid = g_hash_table_new(g_int64_hash, g_int64_equal);
  t->next_cid = 1;
  return t;
}

void
view_table_free(ViewTable *t)
{
  if (t == NULL)
    return;
  g_hash_table_unref(t->by_cid);
  g_hash_table_unref(t->by_name);
  g_mutex_clear(&t->lock);
  g_free(t->registry);
  g_free(t);
}

void
view_table_set_callbacks(ViewTable *t, ViewRemovedFn removed, ViewQueueFn queue, gpointer data)
{
  t->removed = removed;
  t->queue = queue;
  t->data = data;
}

void
view_table_set_interval(ViewTable *t, guint interval_ms)
{
  g_atomic_int_set(&t->interval_ms, (gint)MAX(interval_ms, 1));
}

guint
view_table_interval(ViewTable *t)
{
  return (guint)g_atomic_int_get(&t->interval_ms);
}

const char *
view_table_registry(const ViewTable *t)
{
  return t->registry;
}

const PlContext *
view_table_context(const ViewTable *t)
{
  return t->ctx;
}

const Tree *
view_table_tree(const ViewTable *t)
{
  return t->tree;
}

void
view_table_queue(ViewTable *t, guint64 cid, guint64 tree_ino, gint64 rendered_us)
{
  if (t->queue != NULL)
    t->queue(t->data, cid, tree_ino, rendered_us);
}

const gint *
view_table_interval_ptr(ViewTable *t)
{
  return &t->interval_ms;
}

static ViewContainer *
ref(ViewContainer *c)
{
  if (c != NULL)
    g_atomic_int_inc(&c->refs);
  return c;
}

ViewContainer *
view_table_get(ViewTable *t, guint64 cid)
{
  g_mutex_lock(&t->lock);
  ViewContainer *c = ref(g_hash_table_lookup(t->by_cid, &cid));
  g_mutex_unlock(&t->lock);
  return c;
}

static void
remove_locked(ViewTable *t, ViewContainer *c, GArray **ret_inos)
{
  GHashTableIter it;
  gpointer key, value;
  *ret_inos = g_array_new(FALSE, FALSE, sizeof(guint64));
  g_mutex_lock(&c->lock);
  g_hash_table_iter_init(&it, c->files);
  while (g_hash_table_iter_next(&it, &key, &value))
    g_array_append_val(*ret_inos, *(guint64 *)key);
  g_mutex_unlock(&c->lock);
  g_hash_table_remove(t->by_cid, &c->cid);
}

/* Adds, updates or (entry NULL) removes name; returns a reference to what is registered. */
static ViewContainer *
apply(ViewTable *t, const char *name, PlRegistryEntry *entry)
{
  g_autoptr(GArray) inos = NULL;
  g_autoptr(ViewContainer) gone = NULL;
  ViewContainer *c;

  g_mutex_lock(&t->lock);
  c = g_hash_table_lookup(t->by_name, name);
  if (entry == NULL) {
    if (c != NULL) {
      gone = ref(c);
      remove_locked(t, c, &inos);
      g_hash_table_remove(t->by_name, name);
    }
    g_mutex_unlock(&t->lock);
    if (gone != NULL && t->removed != NULL)
      t->removed(t->data, gone->name, gone->cid, inos);
    return NULL;
  }
  if (c == NULL) {
    c = g_new0(ViewContainer, 1);
    c->refs = 1;
    c->name = g_strdup(name);
    c->cid = t->next_cid++;
    g_mutex_init(&c->lock);
    c->files = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, view_file_free);
    g_hash_table_insert(t->by_name, c->name, c);
    g_hash_table_insert(t->by_cid, &c->cid, c);
    g_info("container view %s: cgroup %s, init %d", name, entry->cgroup, (int)entry->pid);
  }
  g_mutex_lock(&c->lock);
  g_free(c->cgroup);
  c->cgroup = g_steal_pointer(&entry->cgroup);
  c->pid = entry->pid;
  g_mutex_unlock(&c->lock);
  c = ref(c);
  g_mutex_unlock(&t->lock);
  return c;
}

static ViewContainer *
sync_name(ViewTable *t, const char *name)
{
  g_auto(PlRegistryEntry) entry = {0};
  g_autoptr(GError) error = NULL;

  if (!pl_registry_load(t->registry, name, &entry, &error)) {
    if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_warning("container registry: %s", error->message);
    return apply(t, name, NULL);
  }
  return apply(t, name, &entry);
}

void
view_table_sync(ViewTable *t, const char *name)
{
  view_container_unref(sync_name(t, name));
}

void
view_table_sync_all(ViewTable *t)
{
  g_autoptr(GHashTable) present = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open(t->registry, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
    if (name[0] == '.' || !pl_registry_name_valid(name, NULL))
      continue;
    g_hash_table_add(present, g_strdup(name));
    view_table_sync(t, name);
  }
  g_autoptr(GPtrArray) known = view_table_names(t);
  for (guint i = 0; i < known->len; i++) {
    if (!g_hash_table_contains(present, known->pdata[i]))
      apply(t, known->pdata[i], NULL);
  }
}

ViewContainer *
view_table_find(ViewTable *t, const char *name)
{
  g_mutex_lock(&t->lock);
  ViewContainer *c = ref(g_hash_table_lookup(t->by_name, name));
  g_mutex_unlock(&t->lock);
  if (c != NULL || !pl_registry_name_valid(name, NULL))
    return c;
  return sync_name(t, name);
}

GPtrArray *
view_table_names(ViewTable *t)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key;

  g_mutex_lock(&t->lock);
  g_hash_table_iter_init(&it, t->by_name);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_ptr_array_add(names, g_strdup(key));
  g_mutex_unlock(&t->lock);
  g_ptr_array_sort(names, compare_names);
  return names;
}
