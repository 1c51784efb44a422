/* Per-container monotonic CPU counters for proc/stat and proc/uptime. */
#include "proclens/stat_state.h"

#include <string.h>
#include <sys/stat.h>

void
pl_stat_entry_clear(PlStatEntry *entry)
{
  g_clear_pointer(&entry->shown, g_free);
  entry->nshown = 0;
  pl_cpu_usage_clear(&entry->prev);
  memset(entry, 0, sizeof *entry);
}

static guint64
sat_sub(guint64 a, guint64 b)
{
  return a > b ? a - b : 0;
}

static void
usage_copy(PlCpuUsage *dst, const PlCpuUsage *src)
{
  pl_cpu_usage_clear(dst);
  dst->ncpus = src->ncpus;
  dst->per_cpu = src->per_cpu;
  dst->total = g_memdup2(src->total, sizeof(guint64) * src->ncpus);
  dst->user = g_memdup2(src->user, sizeof(guint64) * src->ncpus);
  dst->system = g_memdup2(src->system, sizeof(guint64) * src->ncpus);
}

void
pl_stat_entry_rebase(PlStatEntry *entry)
{
  pl_cpu_usage_clear(&entry->prev);
  entry->prev_ns = 0;
}

/* a * b / c without overflow (c > 0). */
static guint64
mul_div(guint64 a, guint64 b, guint64 c)
{
#ifdef __SIZEOF_INT128__
  return (guint64)((unsigned __int128)a * b / c);
#else
  return (guint64)((long double)a * (long double)b / (long double)c);
#endif
}

/* Splits run time into user and system in the ratio of the sampled user/system time of
 * the same interval (du, ds), else of all time (cu, cs); all user when nothing tells. */
static void
split(guint64 run, guint64 du, guint64 ds, guint64 cu, guint64 cs, guint64 *ret_user,
      guint64 *ret_system)
{
  guint64 u = run;
  if (du + ds > 0)
    u = mul_div(run, du, du + ds);
  else if (cu + cs > 0)
    u = mul_div(run, cu, cu + cs);
  *ret_user = u;
  *ret_system = run - u;
}

/* Adds the usage of the interval (prev, raw] to the visible CPUs, with idle for dt_ns. */
static void
credit(PlStatEntry *e, const PlCpuUsage *raw, const PlCpuUsage *prev, const PlCpuView *view,
       guint64 dt_ns)
{
  guint n = view->n;
  g_autofree guint64 *du = g_new0(guint64, n);
  g_autofree guint64 *ds = g_new0(guint64, n);
  guint64 extra_u = 0, extra_s = 0;

  for (guint h = 0; h < raw->ncpus; h++) {
    gboolean have = prev != NULL && h < prev->ncpus;
    guint64 u, s;
    split(sat_sub(raw->total[h], have ? prev->total[h] : 0),
          sat_sub(raw->user[h], have ? prev->user[h] : 0),
          sat_sub(raw->system[h], have ? prev->system[h] : 0), raw->user[h], raw->system[h], &u,
          &s);
    int rank = raw->per_cpu ? pl_cpuset_rank(&view->visible, h) : -1;
    if (rank >= 0 && (guint)rank < n) {
      du[rank] += u;
      ds[rank] += s;
    } else {
      extra_u += u;
      extra_s += s;
    }
  }
  /* The cap per CPU: its share of what the container may use in the interval. */
  guint64 cap = (guint64)((double)dt_ns * view->capacity / (double)n);
  for (guint i = 0; i < n; i++) {
    du[i] += extra_u / n + (i < extra_u % n ? 1 : 0);
    ds[i] += extra_s / n + (i < extra_s % n ? 1 : 0);
    guint64 idle = sat_sub(cap, du[i] + ds[i]);
    e->shown[i].user += du[i];
    e->shown[i].system += ds[i];
    e->shown[i].idle += idle;
    e->total.user += du[i];
    e->total.system += ds[i];
    e->total.idle += idle;
  }
}

void
pl_stat_entry_update(PlStatEntry *e, const PlCpuUsage *raw, const PlCpuView *view, gint64 now_ns,
                     guint64 age_ns)
{
  gboolean first = e->nshown == 0;

  if (view->n > e->nshown) {
    e->shown = g_renew(PlCpuTimes, e->shown, view->n);
    memset(e->shown + e->nshown, 0, sizeof(PlCpuTimes) * (view->n - e->nshown));
    e->nshown = view->n;
  }
  if (first)
    credit(e, raw, NULL, view, age_ns);
  else if (e->prev.ncpus > 0 && e->prev.per_cpu == raw->per_cpu && now_ns >= e->prev_ns)
    credit(e, raw, &e->prev, view, (guint64)(now_ns - e->prev_ns));
  /* else: no comparable base (recreated cgroup, a different source): only record one. */
  usage_copy(&e->prev, raw);
  e->prev_ns = now_ns;
}

/* --- the table ----------------------------------------------------------------------- */

#define SHARDS 32
#define IDLE_PRUNE_US (10 * 60 * G_USEC_PER_SEC) /* forget containers unread for 10 min */
#define PRUNE_EVERY_US (60 * G_USEC_PER_SEC)

typedef struct {
  PlStatEntry entry;
  guint64 cg_ino;
  gint64 last_access; /* monotonic µs */
} Slot;

typedef struct {
  GMutex lock;
  GHashTable *slots; /* key (cgroup dir) -> Slot* */
  gint64 last_prune;
} Shard;

struct PlStatState {
  Shard shards[SHARDS];
  guint max_per_shard;
};

static void
slot_free(gpointer data)
{
  Slot *slot = data;
  pl_stat_entry_clear(&slot->entry);
  g_free(slot);
}

PlStatState *
pl_stat_state_new(guint max_entries)
{
  PlStatState *state = g_new0(PlStatState, 1);
  state->max_per_shard = MAX(max_entries / SHARDS, 1);
  for (guint i = 0; i < SHARDS; i++) {
    g_mutex_init(&state->shards[i].lock);
    state->shards[i].slots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, slot_free);
  }
  return state;
}

void
pl_stat_state_free(PlStatState *state)
{
  if (state == NULL)
    return;
  for (guint i = 0; i < SHARDS; i++) {
    g_hash_table_unref(state->shards[i].slots);
    g_mutex_clear(&state->shards[i].lock);
  }
  g_free(state);
}

static gboolean
slot_stale(gpointer key, gpointer value, gpointer user_data)
{
  const Slot *slot = value;
  gint64 now = *(const gint64 *)user_data;
  return now - slot->last_access > IDLE_PRUNE_US || !g_file_test(key, G_FILE_TEST_IS_DIR);
}

/* Drops stale containers; when the shard is still full, the least recently read one. */
static void
shard_prune(Shard *shard, guint max, gint64 now)
{
  shard->last_prune = now;
  g_hash_table_foreach_remove(shard->slots, slot_stale, &now);
  while (g_hash_table_size(shard->slots) >= max) {
    GHashTableIter it;
    gpointer key, value, oldest_key = NULL;
    gint64 oldest = G_MAXINT64;
    g_hash_table_iter_init(&it, shard->slots);
    while (g_hash_table_iter_next(&it, &key, &value)) {
      if (((Slot *)value)->last_access < oldest) {
        oldest = ((Slot *)value)->last_access;
        oldest_key = key;
      }
    }
    g_hash_table_remove(shard->slots, oldest_key);
  }
}

void
pl_stat_state_sample(PlStatState *state, const char *key, guint64 cg_ino, const PlCpuUsage *raw,
                     const PlCpuView *view, guint64 age_ns, guint64 tasks, gint64 now_ns,
                     PlCpuTimes *ret_cpus, PlCpuTimes *ret_total, guint64 *ret_processes)
{
  Shard *shard = &state->shards[g_str_hash(key) % SHARDS];
  gint64 now_us = g_get_monotonic_time();

  if (now_ns < 0)
    now_ns = now_us * 1000;
  g_mutex_lock(&shard->lock);
  Slot *slot = g_hash_table_lookup(shard->slots, key);
  if (slot == NULL) {
    if (g_hash_table_size(shard->slots) >= state->max_per_shard ||
        now_us - shard->last_prune > PRUNE_EVERY_US)
      shard_prune(shard, state->max_per_shard, now_us);
    slot = g_new0(Slot, 1);
    slot->cg_ino = cg_ino;
    g_hash_table_insert(shard->slots, g_strdup(key), slot);
  } else if (slot->cg_ino != cg_ino) {
    pl_stat_entry_rebase(&slot->entry);
    slot->cg_ino = cg_ino;
  }
  slot->last_access = now_us;
  pl_stat_entry_update(&slot->entry, raw, view, now_ns, age_ns);
  slot->entry.processes = MAX(slot->entry.processes, tasks);
  memcpy(ret_cpus, slot->entry.shown, sizeof(PlCpuTimes) * view->n);
  *ret_total = slot->entry.total;
  *ret_processes = slot->entry.processes;
  g_mutex_unlock(&shard->lock);
}

guint
pl_stat_state_size(PlStatState *state)
{
  guint n = 0;
  for (guint i = 0; i < SHARDS; i++) {
    g_mutex_lock(&state->shards[i].lock);
    n += g_hash_table_size(state->shards[i].slots);
    g_mutex_unlock(&state->shards[i].lock);
  }
  return n;
}
