/* Per-container load averages: the kernel's fixed-point decay, sampled by one thread over
 * the cgroups that were read recently. */
#include "proclens/loadavg.h"
#include "proclens/tasks.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

guint64
pl_calc_load(guint64 load, guint64 exp, guint64 active)
{
  guint64 newload = load * exp + active * (PL_FIXED_1 - exp);
  if (active >= load)
    newload += PL_FIXED_1 - 1;
  return newload / PL_FIXED_1;
}

void
pl_loadavg_fold(guint64 avenrun[3], guint nr_active)
{
  guint64 active = (guint64)nr_active * PL_FIXED_1;
  avenrun[0] = pl_calc_load(avenrun[0], PL_EXP_1, active);
  avenrun[1] = pl_calc_load(avenrun[1], PL_EXP_5, active);
  avenrun[2] = pl_calc_load(avenrun[2], PL_EXP_15, active);
}

#define SHARDS 8
#define IDLE_FORGET_US (10 * 60 * G_USEC_PER_SEC)

typedef struct {
  gboolean v2;
  guint64 avenrun[3];
  gint64 last_read; /* monotonic µs */
} Tracked;

typedef struct {
  GMutex lock;
  GHashTable *map; /* dir -> Tracked* */
} Shard;

struct PlLoadavg {
  char *proc_root;
  Shard shards[SHARDS];
  GMutex thread_lock; /* guards the thread's start and stop only */
  GCond wake;
  GThread *thread;
  gboolean stopping;
  gint idle; /* the sampler waits for a first cgroup to track, without a deadline */
};

PlLoadavg *
pl_loadavg_new(const char *proc_root)
{
  PlLoadavg *l = g_new0(PlLoadavg, 1);
  l->proc_root = g_strdup(proc_root);
  for (guint i = 0; i < SHARDS; i++) {
    g_mutex_init(&l->shards[i].lock);
    l->shards[i].map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  }
  g_mutex_init(&l->thread_lock);
  g_cond_init(&l->wake);
  return l;
}

void
pl_loadavg_free(PlLoadavg *l)
{
  if (l == NULL)
    return;
  g_mutex_lock(&l->thread_lock);
  l->stopping = TRUE;
  g_cond_broadcast(&l->wake);
  GThread *thread = g_steal_pointer(&l->thread);
  g_mutex_unlock(&l->thread_lock);
  if (thread != NULL)
    g_thread_join(thread);
  for (guint i = 0; i < SHARDS; i++) {
    g_hash_table_unref(l->shards[i].map);
    g_mutex_clear(&l->shards[i].lock);
  }
  g_mutex_clear(&l->thread_lock);
  g_cond_clear(&l->wake);
  g_free(l->proc_root);
  g_free(l);
}

typedef struct {
  char *dir;
  gboolean v2;
} Job;

static void
job_clear(gpointer data)
{
  g_free(((Job *)data)->dir);
}

void
pl_loadavg_sample_all(PlLoadavg *l)
{
  gint64 now = g_get_monotonic_time();

  for (guint s = 0; s < SHARDS; s++) {
    Shard *shard = &l->shards[s];
    g_autoptr(GArray) jobs = g_array_new(FALSE, FALSE, sizeof(Job));
    g_array_set_clear_func(jobs, job_clear);

    /* Copy the work out, so readers are never held up by the task scans. */
    g_mutex_lock(&shard->lock);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, shard->map);
    while (g_hash_table_iter_next(&it, &key, &value)) {
      Tracked *t = value;
      if (now - t->last_read > IDLE_FORGET_US) {
        g_hash_table_iter_remove(&it);
        continue;
      }
      Job job = {g_strdup(key), t->v2};
      g_array_append_val(jobs, job);
    }
    g_mutex_unlock(&shard->lock);

    for (guint j = 0; j < jobs->len; j++) {
      Job *job = &g_array_index(jobs, Job, j);
      g_autoptr(GArray) tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
      PlTaskCounts counts = {0};
      gboolean exists = pl_cg_tasks_collect(job->dir, job->v2, tids);
      if (exists)
        pl_tasks_count(l->proc_root, tids, &counts);
      g_mutex_lock(&shard->lock);
      Tracked *t = g_hash_table_lookup(shard->map, job->dir);
      if (t != NULL && !exists)
        g_hash_table_remove(shard->map, job->dir); /* the cgroup is gone */
      else if (t != NULL)
        pl_loadavg_fold(t->avenrun, counts.running + counts.blocked);
      g_mutex_unlock(&shard->lock);
    }
  }
}

static gpointer
sampler_main(gpointer data)
{
  PlLoadavg *l = data;

  g_mutex_lock(&l->thread_lock);
  while (!l->stopping) {
    gint64 deadline = g_get_monotonic_time() + PL_LOAD_FREQ_SEC * G_USEC_PER_SEC;
    while (!l->stopping && g_cond_wait_until(&l->wake, &l->thread_lock, deadline))
      ;
    if (l->stopping)
      break;
    g_mutex_unlock(&l->thread_lock);
    pl_loadavg_sample_all(l);
    g_mutex_lock(&l->thread_lock);
    /* Nothing left to sample (no reads for IDLE_FORGET_US): sleep until a read comes, so
     * that an idle daemon does not wake every 5 s. Set before the check: a reader that
     * adds a cgroup after it sees idle and wakes us (it needs this lock to). */
    g_atomic_int_set(&l->idle, 1);
    while (!l->stopping && g_atomic_int_get(&l->idle) && pl_loadavg_tracked(l) == 0)
      g_cond_wait(&l->wake, &l->thread_lock);
    g_atomic_int_set(&l->idle, 0);
  }
  g_mutex_unlock(&l->thread_lock);
  return NULL;
}

static void
ensure_thread(PlLoadavg *l)
{
  /* Checked without the lock first: after start-up this is a plain read. */
  if (g_atomic_pointer_get(&l->thread) != NULL)
    return;
  g_mutex_lock(&l->thread_lock);
  if (l->thread == NULL && !l->stopping) {
    /* The sampler must never take the program's signals (a SIGTERM delivered to it would
     * not wake the thread that ends the FUSE loop), so it starts with all of them blocked. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    g_atomic_pointer_set(&l->thread, g_thread_new("pl-loadavg", sampler_main, l));
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
  }
  g_mutex_unlock(&l->thread_lock);
}

/* Evicts the least recently read cgroup of a full shard. */
static void
shard_evict_oldest(Shard *shard)
{
  GHashTableIter it;
  gpointer key, value, oldest_key = NULL;
  gint64 oldest = G_MAXINT64;

  g_hash_table_iter_init(&it, shard->map);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    if (((Tracked *)value)->last_read < oldest) {
      oldest = ((Tracked *)value)->last_read;
      oldest_key = key;
    }
  }
  if (oldest_key != NULL)
    g_hash_table_remove(shard->map, oldest_key);
}

void
pl_loadavg_get(PlLoadavg *l, const char *dir, gboolean v2, guint64 ret_avenrun[3])
{
  Shard *shard = &l->shards[g_str_hash(dir) % SHARDS];

  ensure_thread(l);
  g_mutex_lock(&shard->lock);
  Tracked *t = g_hash_table_lookup(shard->map, dir);
  if (t == NULL) {
    if (g_hash_table_size(shard->map) >= PL_LOADAVG_MAX / SHARDS)
      shard_evict_oldest(shard);
    t = g_new0(Tracked, 1);
    t->v2 = v2;
    g_hash_table_insert(shard->map, g_strdup(dir), t);
  }
  t->last_read = g_get_monotonic_time();
  memcpy(ret_avenrun, t->avenrun, sizeof t->avenrun);
  g_mutex_unlock(&shard->lock);
  if (g_atomic_int_get(&l->idle)) {
    g_mutex_lock(&l->thread_lock);
    g_atomic_int_set(&l->idle, 0);
    g_cond_signal(&l->wake);
    g_mutex_unlock(&l->thread_lock);
  }
}

guint
pl_loadavg_tracked(PlLoadavg *l)
{
  guint n = 0;
  for (guint i = 0; i < SHARDS; i++) {
    g_mutex_lock(&l->shards[i].lock);
    n += g_hash_table_size(l->shards[i].map);
    g_mutex_unlock(&l->shards[i].lock);
  }
  return n;
}
