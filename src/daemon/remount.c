/* The repair's life cycle and the walk over every mount namespace (see remount.h). */
#include "remount.h"
#include "proclens/fileio.h"
#include "proclens/mountinfo.h"
#include "remount_exec.h"
#include "remount_plan.h"
#include "remount_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct Remount {
  char *mountpoint; /* as mountinfo shows it */
  char *state_file;
  char *token;         /* this instance's random part of every fsname: "1a2b3c4d" */
  char *source;        /* the main mount's fsname: "proclens:1a2b3c4d" */
  GPtrArray *previous; /* identities of the predecessors' superblocks */
  GPtrArray *current;  /* identities of this instance's mounts, one per role */
  GMutex lock;         /* each of an instance's mounts may call in from its own thread */
};

/* mountinfo shows absolute, symlink-free paths. The mountpoint itself may be a dead
 * mount that realpath cannot stat, so only its directory is resolved. */
static char *
canonical_mountpoint(const char *path)
{
  g_autofree char *abs = g_canonicalize_filename(path, NULL);
  g_autofree char *dir = g_path_get_dirname(abs);
  g_autofree char *base = g_path_get_basename(abs);
  g_autofree char *real_dir = realpath(dir, NULL);
  return real_dir != NULL ? g_build_filename(real_dir, base, NULL) : g_steal_pointer(&abs);
}

static void
add_unique(GPtrArray *ids, const char *id)
{
  if (!g_ptr_array_find_with_equal_func(ids, id, g_str_equal, NULL))
    g_ptr_array_add(ids, g_strdup(id));
}

static GPtrArray *
own_mounts(void)
{
  g_autofree char *text = NULL;
  if (!pl_read_file("/proc/self/mountinfo", &text, NULL, NULL))
    return g_ptr_array_new();
  return pl_mountinfo_parse(text);
}

static gboolean
at_or_below(const char *path, const char *dir)
{
  return g_str_equal(path, dir) || (g_str_has_prefix(path, dir) && path[strlen(dir)] == '/');
}

Remount *
remount_new(const char *mountpoint, const char *state_dir)
{
  Remount *r = g_new0(Remount, 1);
  r->mountpoint = canonical_mountpoint(mountpoint);
  r->state_file = remount_state_path(state_dir, r->mountpoint);
  r->token = g_strdup_printf("%08x", g_random_int());
  r->source = remount_source_for(r, "proclens");
  r->previous = remount_state_load(r->state_file);
  r->current = g_ptr_array_new_with_free_func(g_free);
  g_mutex_init(&r->lock);
  /* Every proclensd mount at or below the mountpoint (the container views' too):
   * mountpoint_prepare will clear a dead one, and a live one makes it refuse to start. */
  g_autoptr(GPtrArray) mounts = own_mounts();
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (at_or_below(m->mountpoint, r->mountpoint) && g_str_equal(m->fstype, REMOUNT_FSTYPE)) {
      g_autofree char *id = remount_identity(m);
      add_unique(r->previous, id);
    }
  }
  return r;
}

const char *
remount_source(const Remount *r)
{
  return r->source;
}

char *
remount_source_for(const Remount *r, const char *role)
{
  return g_strdup_printf("%s:%s", role, r->token);
}

/* Whether m is one of this instance's mounts: its fsname ends in ":TOKEN". */
static gboolean
is_ours(const Remount *r, const PlMount *m)
{
  const char *colon = strrchr(m->source, ':');
  return g_str_equal(m->fstype, REMOUNT_FSTYPE) && colon != NULL &&
         g_str_equal(colon + 1, r->token);
}

static void
save_state(Remount *r, GPtrArray *predecessors)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < r->current->len; i++)
    add_unique(ids, r->current->pdata[i]);
  for (guint i = 0; i < predecessors->len; i++)
    add_unique(ids, predecessors->pdata[i]);
  g_autoptr(GError) error = NULL;
  if (!remount_state_save(r->state_file, ids, &error))
    g_warning("remount: %s; a restart will not repair the containers' mounts", error->message);
}

void
remount_mounted(Remount *r)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&r->lock);
  g_autoptr(GPtrArray) mounts = own_mounts();
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (is_ours(r, m)) {
      g_autofree char *id = remount_identity(m);
      add_unique(r->current, id);
    }
  }
  if (r->current->len == 0) {
    g_warning("remount: no mount of %s in /proc/self/mountinfo", r->source);
    return;
  }
  save_state(r, r->previous);
}

/* Processes that share a mount namespace and a root see the same mountinfo; one of them
 * stands for all. A chrooted process sees less, so the root is part of the key. */
static char *
namespace_key(const char *pid)
{
  g_autofree char *ns_path = g_strdup_printf("/proc/%s/ns/mnt", pid);
  g_autofree char *root_path = g_strdup_printf("/proc/%s/root", pid);
  struct stat ns, root;
  if (stat(ns_path, &ns) < 0 || stat(root_path, &root) < 0)
    return NULL;
  return g_strdup_printf("%ju:%ju:%ju", (uintmax_t)ns.st_ino, (uintmax_t)root.st_dev,
                         (uintmax_t)root.st_ino);
}

static void
repair_everywhere(Remount *r, GHashTable *live_roots, RemountCounts *counts, GPtrArray *retain)
{
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  const char *name;
  guint namespaces = 0;

  while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
    if (!g_ascii_isdigit(name[0]))
      continue;
    char *key = namespace_key(name);
    if (key == NULL || !g_hash_table_add(seen, key))
      continue; /* gone, or a namespace already done */
    namespaces++;
    remount_exec_namespace(atoi(name), live_roots, (const char *const *)r->previous->pdata, counts,
                           retain);
  }
  g_info("remount: looked at %u mount namespaces", namespaces);
}

static void
close_fd(gpointer fd)
{
  close(GPOINTER_TO_INT(fd));
}

/* role ("proclens", "proclens-containers") -> an O_PATH fd of this instance's live mount
 * of that role, checked to be that superblock (nothing mounted over it since). */
static GHashTable *
open_live_roots(const Remount *r)
{
  GHashTable *roots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, close_fd);
  g_autoptr(GPtrArray) mounts = own_mounts();
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    struct stat st;
    if (!is_ours(r, m) || pl_mountinfo_is_covered(mounts, m))
      continue;
    int fd = open(m->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != m->dev) {
      g_warning("remount: %s is not this daemon's mount any more", m->mountpoint);
      if (fd >= 0)
        close(fd);
      continue;
    }
    g_autofree char *id = remount_identity(m);
    g_hash_table_insert(roots, remount_identity_role(id), GINT_TO_POINTER(fd));
  }
  return roots;
}

void
remount_repair(Remount *r)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&r->lock);
  if (r->previous->len == 0)
    return;
  g_autoptr(GHashTable) live_roots = open_live_roots(r);
  if (g_hash_table_size(live_roots) == 0)
    return;
  RemountCounts counts = {0};
  g_autoptr(GPtrArray) retain = g_ptr_array_new_with_free_func(g_free);
  /* NULL-terminated for remount_plan; the terminator is not an identity. */
  g_ptr_array_add(r->previous, NULL);
  repair_everywhere(r, live_roots, &counts, retain);
  g_ptr_array_remove_index(r->previous, r->previous->len - 1);
  if (counts.repaired + counts.failed > 0)
    g_message("remount: repaired %u mounts a previous proclensd left dead, %u failed",
              counts.repaired, counts.failed);
  /* A later call (another of this instance's mounts came up) retries only these. */
  g_ptr_array_set_size(r->previous, 0);
  for (guint i = 0; i < retain->len; i++)
    add_unique(r->previous, retain->pdata[i]);
  save_state(r, r->previous);
}

void
remount_free(Remount *r)
{
  if (r == NULL)
    return;
  g_free(r->mountpoint);
  g_free(r->state_file);
  g_free(r->token);
  g_free(r->source);
  g_ptr_array_unref(r->previous);
  g_ptr_array_unref(r->current);
  g_mutex_clear(&r->lock);
  g_free(r);
}
