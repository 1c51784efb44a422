/* Inodes whose size a page-cache READ may have cut (see size_guard.h). */
#include "size_guard.h"

struct SizeGuard {
  GMutex lock;
  GHashTable *marked; /* of inode numbers (as keys) */
  gint count;         /* g_hash_table_size(marked), readable without the lock */
};

SizeGuard *
size_guard_new(void)
{
  SizeGuard *guard = g_new0(SizeGuard, 1);
  g_mutex_init(&guard->lock);
  guard->marked = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  return guard;
}

void
size_guard_free(SizeGuard *guard)
{
  if (guard == NULL)
    return;
  g_hash_table_destroy(guard->marked);
  g_mutex_clear(&guard->lock);
  g_free(guard);
}

void
size_guard_short_read(SizeGuard *guard, uint64_t ino, uint64_t lock_owner)
{
  if (lock_owner != 0)
    return;
  gint64 key = (gint64)ino;
  g_mutex_lock(&guard->lock);
  if (!g_hash_table_contains(guard->marked, &key))
    g_hash_table_add(guard->marked, g_memdup2(&key, sizeof key));
  g_atomic_int_set(&guard->count, (gint)g_hash_table_size(guard->marked));
  g_mutex_unlock(&guard->lock);
}

gboolean
size_guard_take(SizeGuard *guard, uint64_t ino)
{
  /* Nearly always nothing is marked: no lock on the path of every open. */
  if (g_atomic_int_get(&guard->count) == 0)
    return FALSE;
  gint64 key = (gint64)ino;
  g_mutex_lock(&guard->lock);
  gboolean marked = g_hash_table_remove(guard->marked, &key);
  g_atomic_int_set(&guard->count, (gint)g_hash_table_size(guard->marked));
  g_mutex_unlock(&guard->lock);
  return marked;
}
