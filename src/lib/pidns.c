/* The init of a caller's pid namespace and when it started, cached by namespace inode. */
#include "proclens/pidns.h"
#include "proclens/error.h"
#include "proclens/cpu_views.h"
#include "proclens/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* linux/nsfs.h of recent kernels; Debian 12's headers predate it. */
#ifndef NS_GET_TGID_FROM_PIDNS
#define PL_NSIO 0xb7
#define NS_GET_TGID_FROM_PIDNS _IOR(PL_NSIO, 0x7, int)
#endif

#define SHARDS 8
#define MAX_PER_SHARD 512

typedef struct {
  pid_t init_pid; /* in the daemon's pid namespace */
  guint64 start_ticks;
} InitInfo;

typedef struct {
  GMutex lock;
  GHashTable *map; /* ns inode (guint64*) -> InitInfo* */
} Shard;

struct PlPidnsCache {
  Shard shards[SHARDS];
  GOnce self_once; /* the daemon's own namespace inode: it never changes, looked up once */
};

PlPidnsCache *
pl_pidns_cache_new(void)
{
  PlPidnsCache *cache = g_new0(PlPidnsCache, 1);
  for (guint i = 0; i < SHARDS; i++) {
    g_mutex_init(&cache->shards[i].lock);
    cache->shards[i].map = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  }
  return cache;
}

void
pl_pidns_cache_free(PlPidnsCache *cache)
{
  if (cache == NULL)
    return;
  for (guint i = 0; i < SHARDS; i++) {
    g_hash_table_unref(cache->shards[i].map);
    g_mutex_clear(&cache->shards[i].lock);
  }
  g_free(cache);
}

gboolean
pl_proc_stat_starttime(const char *stat_text, guint64 *ret_ticks)
{
  const char *p = strrchr(stat_text, ')');
  if (p == NULL)
    return FALSE;
  p++;
  /* After "(comm)" come fields 3 (state) onwards; starttime is field 22. */
  for (int field = 3; field < 22; field++) {
    while (*p == ' ')
      p++;
    while (*p != ' ' && *p != '\0')
      p++;
    if (*p == '\0')
      return FALSE;
  }
  while (*p == ' ')
    p++;
  if (!g_ascii_isdigit(*p))
    return FALSE;
  *ret_ticks = g_ascii_strtoull(p, NULL, 10);
  return TRUE;
}

gboolean
pl_ns_link_inode(const char *link, guint64 *ret_inode)
{
  const char *open = strchr(link, '[');
  if (open == NULL || !g_ascii_isdigit(open[1]))
    return FALSE;
  char *end;
  guint64 v = g_ascii_strtoull(open + 1, &end, 10);
  if (*end != ']')
    return FALSE;
  *ret_inode = v;
  return TRUE;
}

gboolean
pl_timens_boottime_offset(const char *text, gint64 *ret_offset_ns)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    char clock[16];
    long long sec;
    unsigned long nsec;
    /* "boottime <sec> <nsec>" (names since Linux 5.7; 5.6 printed the clock id, 7) */
    if (sscanf(*l, "%15s %lld %lu", clock, &sec, &nsec) != 3 || nsec >= G_USEC_PER_SEC * 1000UL)
      continue;
    if (strcmp(clock, "boottime") == 0 || strcmp(clock, "7") == 0) {
      *ret_offset_ns = (gint64)sec * G_GINT64_CONSTANT(1000000000) + (gint64)nsec;
      return TRUE;
    }
  }
  return FALSE;
}

/* pid 0 stands for the daemon itself ("self"). */
static gboolean
ns_inode_of(const char *proc_root, pid_t pid, guint64 *ret_inode)
{
  g_autofree char *path = pid == 0 ? g_strdup_printf("%s/self/ns/pid", proc_root)
                                   : g_strdup_printf("%s/%d/ns/pid", proc_root, (int)pid);
  char buf[64];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  if (n <= 0)
    return FALSE;
  buf[n] = '\0';
  return pl_ns_link_inode(buf, ret_inode);
}

static gpointer
lookup_self_ns(gpointer data)
{
  const char *proc_root = data;
  guint64 ino = 0;
  return ns_inode_of(proc_root, 0, &ino) ? GSIZE_TO_POINTER((gsize)ino) : NULL;
}

static gboolean
is_daemon_ns(PlPidnsCache *cache, const char *proc_root, guint64 ns)
{
  gpointer ino = g_once(&cache->self_once, lookup_self_ns, (gpointer)proc_root);
  return ino != NULL && (guint64)GPOINTER_TO_SIZE(ino) == ns;
}

gboolean
pl_pidns_is_daemons(PlPidnsCache *cache, const char *proc_root, pid_t pid)
{
  guint64 ns;
  return ns_inode_of(proc_root, pid, &ns) && is_daemon_ns(cache, proc_root, ns);
}

static gboolean
starttime_of(const char *proc_root, pid_t pid, guint64 *ret_ticks)
{
  g_autofree char *path = g_strdup_printf("%s/%d/stat", proc_root, (int)pid);
  g_autofree char *text = NULL;
  return pl_read_file(path, &text, NULL, NULL) && pl_proc_stat_starttime(text, ret_ticks);
}

/* When the clock of init's time namespace reads zero, in ticks since the host's boot: a
 * container started with its own time namespace (proclens run) counts its CLOCK_BOOTTIME,
 * and the kernel its processes' start times, from there, so uptime must too. FALSE for
 * init in the host's time namespace (or one without a negative boot time offset). */
static gboolean
timens_zero_of(const char *proc_root, pid_t init, guint64 *ret_ticks)
{
  g_autofree char *mine = g_strdup_printf("%s/%d/ns/time", proc_root, (int)init);
  g_autofree char *children = g_strdup_printf("%s/%d/ns/time_for_children", proc_root, (int)init);
  g_autofree char *offsets = g_strdup_printf("%s/%d/timens_offsets", proc_root, (int)init);
  g_autofree char *a = g_file_read_link(mine, NULL);
  g_autofree char *b = g_file_read_link(children, NULL);
  g_autofree char *text = NULL;
  gint64 offset;
  /* timens_offsets describes the namespace of init's children: the same as its own
   * unless init unshared another one. */
  if (a == NULL || g_strcmp0(a, b) != 0 || !pl_read_file(offsets, &text, NULL, NULL) ||
      !pl_timens_boottime_offset(text, &offset) || offset >= 0)
    return FALSE;
  *ret_ticks = (guint64)(-offset) / (G_GUINT64_CONSTANT(1000000000) / PL_USER_HZ);
  return TRUE;
}

/* Fast path: the kernel translates pid 1 of the namespace into ours. */
static pid_t
init_by_ioctl(const char *proc_root, pid_t pid)
{
  g_autofree char *path = g_strdup_printf("%s/%d/ns/pid", proc_root, (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  int r = ioctl(fd, NS_GET_TGID_FROM_PIDNS, (unsigned long)1);
  close(fd);
  return r > 0 ? (pid_t)r : 0;
}

/* "NSpid:\t4711\t1": the last field is the pid in the innermost namespace. */
static gboolean
is_ns_init(const char *proc_root, pid_t pid)
{
  g_autofree char *path = g_strdup_printf("%s/%d/status", proc_root, (int)pid);
  g_autofree char *text = NULL;
  if (!pl_read_file(path, &text, NULL, NULL))
    return FALSE;
  const char *line = strstr(text, "NSpid:");
  if (line == NULL)
    return FALSE;
  const char *eol = strchrnul(line, '\n');
  const char *last = eol;
  while (last > line && (last[-1] == ' ' || last[-1] == '\t'))
    last--;
  const char *start = last;
  while (start > line && g_ascii_isdigit(start[-1]))
    start--;
  return last - start == 1 && *start == '1' && (start[-1] == '\t' || start[-1] == ' ');
}

/* Slow path for kernels without the ioctl: the one process of the namespace whose
 * innermost pid is 1. Costs a scan of /proc, once per namespace. */
static pid_t
init_by_scan(const char *proc_root, guint64 ns_inode)
{
  g_autoptr(GDir) dir = g_dir_open(proc_root, 0, NULL);
  if (dir == NULL)
    return 0;
  for (const char *name; (name = g_dir_read_name(dir)) != NULL;) {
    guint64 pid, ino;
    if (!pl_parse_u64(name, &pid) || pid == 0 || pid > G_MAXINT32)
      continue;
    if (ns_inode_of(proc_root, (pid_t)pid, &ino) && ino == ns_inode &&
        is_ns_init(proc_root, (pid_t)pid))
      return (pid_t)pid;
  }
  return 0;
}

gboolean
pl_pidns_init_start(PlPidnsCache *cache, const char *proc_root, pid_t pid, guint64 *ret_start_ticks,
                    gboolean *ret_host, GError **error)
{
  guint64 ns;

  if (!ns_inode_of(proc_root, pid, &ns)) {
    g_autofree char *dir = g_strdup_printf("%s/%d", proc_root, (int)pid);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
      pl_set_errno(error, ESRCH, "pid namespace of %d", (int)pid);
      return FALSE;
    }
    /* Not allowed to look (an undumpable task of another user namespace): degrade. */
    *ret_host = TRUE;
    *ret_start_ticks = 0;
    return TRUE;
  }
  /* The daemon runs in the host's pid namespace; /proc/1 may hide its links from us. */
  if (is_daemon_ns(cache, proc_root, ns)) {
    *ret_host = TRUE;
    *ret_start_ticks = 0;
    return TRUE;
  }
  *ret_host = FALSE;

  Shard *shard = &cache->shards[ns % SHARDS];
  InitInfo cached = {0};
  g_mutex_lock(&shard->lock);
  InitInfo *hit = g_hash_table_lookup(shard->map, &ns);
  if (hit != NULL)
    cached = *hit;
  g_mutex_unlock(&shard->lock);
  guint64 check;
  /* Still the same namespace's init? (an inode may be reused after a namespace dies) */
  if (cached.init_pid > 0 && ns_inode_of(proc_root, cached.init_pid, &check) && check == ns) {
    *ret_start_ticks = cached.start_ticks;
    return TRUE;
  }

  pid_t init = init_by_ioctl(proc_root, pid);
  if (init <= 0 || !ns_inode_of(proc_root, init, &check) || check != ns)
    init = init_by_scan(proc_root, ns);
  InitInfo info = {.init_pid = init};
  if (init <= 0 || !starttime_of(proc_root, init, &info.start_ticks)) {
    pl_set_errno(error, ESRCH, "init of the pid namespace of %d", (int)pid);
    return FALSE;
  }
  guint64 zero;
  if (timens_zero_of(proc_root, init, &zero) && zero <= info.start_ticks)
    info.start_ticks = zero;
  g_mutex_lock(&shard->lock);
  if (g_hash_table_size(shard->map) >= MAX_PER_SHARD)
    g_hash_table_remove_all(shard->map);
  g_hash_table_insert(shard->map, g_memdup2(&ns, sizeof ns), g_memdup2(&info, sizeof info));
  g_mutex_unlock(&shard->lock);
  *ret_start_ticks = info.start_ticks;
  return TRUE;
}
