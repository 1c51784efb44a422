/* Kept-open cgroup value files, read with pread at offset 0 (see cgfile_cache.h). */
#include "proclens/cgfile_cache.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

typedef struct {
  int fd;
  guint refs;       /* readers using fd now; it is closed only at 0 */
  gboolean dropped; /* out of the table: close when the last reader is done */
  gint64 last_used; /* monotonic µs */
} Kept;

static GMutex lock;
static GHashTable *table; /* path -> Kept*; NULL while the cache is off */
static guint max_kept;
static gint64 last_sweep;
static void (*on_first_kept)(void);

void
pl_cgfile_cache_enable(void (*first_kept)(void))
{
  struct rlimit rl;
  g_mutex_lock(&lock);
  on_first_kept = first_kept;
  if (table == NULL) {
    max_kept = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (guint)MIN(rl.rlim_cur / 2, 65536) : 512;
    g_atomic_pointer_set(&table, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL));
  }
  g_mutex_unlock(&lock);
}

gboolean
pl_cgfile_cacheable(const char *path)
{
  static const char *const prefixes[] = {"memory.", "cpu.", "cpuacct.", "cpuset.",
                                         "blkio.",  "io.",  "pids.",    NULL};
  const char *name = strrchr(path, '/');
  name = name != NULL ? name + 1 : path;
  for (const char *const *p = prefixes; *p != NULL; p++) {
    if (g_str_has_prefix(name, *p))
      return TRUE;
  }
  return FALSE;
}

/* Under the lock: a reader is done with k. */
static void
kept_release(Kept *k)
{
  if (--k->refs == 0 && k->dropped) {
    close(k->fd);
    g_free(k);
  }
}

/* Under the lock: takes k out of the table (closed once unused). */
static void
kept_drop(const char *path, Kept *k)
{
  if (g_hash_table_lookup(table, path) == k)
    g_hash_table_remove(table, path);
  k->dropped = TRUE;
  k->refs++;
  kept_release(k);
}

/* Under the lock, at most every 100 ms: takes out up to SWEEP_BATCH descriptors idle too
 * long, to be closed by the caller outside the lock. Bounded, so that the request thread
 * never stops for long when many cgroups went away at once (closing their files can make
 * the kernel free them). */
#define SWEEP_BATCH 32
static guint
sweep(gint64 now, Kept *ret_idle[SWEEP_BATCH])
{
  GHashTableIter it;
  gpointer key, value;
  guint n = 0;

  if (table == NULL || now - last_sweep < 100 * G_TIME_SPAN_MILLISECOND)
    return 0;
  last_sweep = now;
  g_hash_table_iter_init(&it, table);
  while (n < SWEEP_BATCH && g_hash_table_iter_next(&it, &key, &value)) {
    Kept *k = value;
    if (k->refs == 0 && now - k->last_used > PL_CGFILE_IDLE_SEC * G_USEC_PER_SEC) {
      g_hash_table_iter_remove(&it);
      ret_idle[n++] = k;
    }
  }
  return n;
}

static void
close_idle(Kept *idle[], guint n)
{
  for (guint i = 0; i < n; i++) {
    close(idle[i]->fd);
    g_free(idle[i]);
  }
}

/* The kept descriptor of path with a reference taken, or NULL. */
static Kept *
kept_get(const char *path, gint64 now)
{
  Kept *idle[SWEEP_BATCH];
  guint n_idle = 0;
  g_mutex_lock(&lock);
  n_idle = sweep(now, idle);
  Kept *k = table != NULL ? g_hash_table_lookup(table, path) : NULL;
  if (k != NULL) {
    k->refs++;
    k->last_used = now;
  }
  g_mutex_unlock(&lock);
  close_idle(idle, n_idle);
  return k;
}

static gboolean
on_cgroupfs(int fd)
{
  struct statfs sfs;
  return fstatfs(fd, &sfs) == 0 &&
         (sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC);
}

/* Opens path, reads it, and keeps the descriptor when it is on cgroupfs and room is left. */
static gboolean
open_and_keep(const char *path, gint64 now, char **ret_text, gsize *ret_len, GError **error)
{
  int fd = pl_open_and_read(path, TRUE, ret_text, ret_len, error);
  if (fd < 0)
    return FALSE;
  gboolean kept = FALSE, first = FALSE;
  void (*notify)(void) = NULL;
  if (g_atomic_pointer_get(&table) != NULL && on_cgroupfs(fd)) {
    g_mutex_lock(&lock);
    if (table != NULL && g_hash_table_size(table) < max_kept &&
        !g_hash_table_contains(table, path)) {
      Kept *k = g_new0(Kept, 1);
      k->fd = fd;
      k->last_used = now;
      g_hash_table_insert(table, g_strdup(path), k);
      kept = TRUE;
      first = g_hash_table_size(table) == 1;
      notify = on_first_kept;
    }
    g_mutex_unlock(&lock);
  }
  if (!kept)
    close(fd);
  if (first && notify != NULL)
    notify();
  return TRUE;
}

gboolean
pl_cgfile_read(const char *path, char **ret_text, gsize *ret_len, GError **error)
{
  gint64 now = g_get_monotonic_time();
  gsize len = 0;
  Kept *k = kept_get(path, now);

  if (k != NULL) {
    gssize n = pl_pread_whole(k->fd, TRUE, ret_text);
    int saved = errno;
    g_mutex_lock(&lock);
    if (n < 0)
      kept_drop(path, k); /* ENODEV: the cgroup went away; other errors: start afresh */
    kept_release(k);
    g_mutex_unlock(&lock);
    if (n >= 0) {
      if (ret_len != NULL)
        *ret_len = (gsize)n;
      return TRUE;
    }
    if (saved != ENODEV) {
      pl_set_errno(error, saved, "read %s", path);
      return FALSE;
    }
  }
  if (!open_and_keep(path, now, ret_text, &len, error))
    return FALSE;
  if (ret_len != NULL)
    *ret_len = len;
  return TRUE;
}

void
pl_cgfile_close_idle(void)
{
  Kept *idle[SWEEP_BATCH];
  guint n;
  do {
    g_mutex_lock(&lock);
    last_sweep = 0; /* this is the periodic sweep: no rate limit */
    n = sweep(g_get_monotonic_time(), idle);
    g_mutex_unlock(&lock);
    close_idle(idle, n);
  } while (n == SWEEP_BATCH);
}

guint
pl_cgfile_kept(void)
{
  g_mutex_lock(&lock);
  guint n = table != NULL ? g_hash_table_size(table) : 0;
  g_mutex_unlock(&lock);
  return n;
}
