/* A time-bounded cache of the host's whole-system files, keyed by path. */
#include "proclens/host_cache.h"
#include "proclens/fileio.h"

#include <string.h>

typedef struct {
  char *text;
  gsize len;
  gint64 read_at; /* monotonic µs */
} Entry;

struct PlHostCache {
  gint64 interval_us;
  GMutex lock;
  GHashTable *entries; /* path -> Entry*; bounded by the few host files the views read */
};

static void
entry_free(gpointer data)
{
  Entry *e = data;
  g_free(e->text);
  g_free(e);
}

PlHostCache *
pl_host_cache_new(guint interval_ms)
{
  PlHostCache *cache = g_new0(PlHostCache, 1);
  cache->interval_us = (gint64)interval_ms * G_TIME_SPAN_MILLISECOND;
  g_mutex_init(&cache->lock);
  cache->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
  return cache;
}

void
pl_host_cache_free(PlHostCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref(cache->entries);
  g_mutex_clear(&cache->lock);
  g_free(cache);
}

/* A copy of a fresh entry's text, or NULL. */
static char *
fresh_copy(PlHostCache *cache, const char *path, gint64 now)
{
  char *copy = NULL;
  g_mutex_lock(&cache->lock);
  Entry *e = g_hash_table_lookup(cache->entries, path);
  if (e != NULL && now - e->read_at < cache->interval_us)
    copy = g_memdup2(e->text, e->len + 1);
  g_mutex_unlock(&cache->lock);
  return copy;
}

gboolean
pl_host_cache_read(PlHostCache *cache, const char *path, char **ret_text, GError **error)
{
  gint64 now = g_get_monotonic_time();
  char *text = fresh_copy(cache, path, now);
  gsize len;

  if (text != NULL) {
    *ret_text = text;
    return TRUE;
  }
  /* Read outside the lock: a slow read holds up nobody else's fresh copy. Two threads
   * may both read; the later store wins, and both texts are real. */
  if (!pl_read_file(path, &text, &len, error))
    return FALSE;
  if (cache->interval_us > 0) {
    Entry *e = g_new(Entry, 1);
    e->text = g_memdup2(text, len + 1);
    e->len = len;
    e->read_at = now;
    g_mutex_lock(&cache->lock);
    g_hash_table_replace(cache->entries, g_strdup(path), e);
    g_mutex_unlock(&cache->lock);
  }
  *ret_text = text;
  return TRUE;
}

gboolean
pl_host_cache_read_in(PlHostCache *cache, const char *dir, const char *name, char **ret_text,
                      GError **error)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  return pl_host_cache_read(cache, path, ret_text, error);
}
