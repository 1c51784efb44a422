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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct Remount {
  char *mountpoint; /* as mountinfo shows it */
  char *state_file;
  GArray *previous; /* dev_t of the predecessors' superblocks */
  dev_t current;    /* 0 until mounted */
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

static gboolean
contains(GArray *devs, dev_t dev)
{
  for (guint i = 0; i < devs->len; i++) {
    if (g_array_index(devs, dev_t, i) == dev)
      return TRUE;
  }
  return FALSE;
}

static void
add_unique(GArray *devs, dev_t dev)
{
  if (!contains(devs, dev))
    g_array_append_val(devs, dev);
}

static GPtrArray *
own_mounts(void)
{
  g_autofree char *text = NULL;
  if (!pl_read_file("/proc/self/mountinfo", &text, NULL, NULL))
    return g_ptr_array_new();
  return pl_mountinfo_parse(text);
}

Remount *
remount_new(const char *mountpoint, const char *state_dir)
{
  Remount *r = g_new0(Remount, 1);
  r->mountpoint = canonical_mountpoint(mountpoint);
  r->state_file = remount_state_path(state_dir, r->mountpoint);
  r->previous = remount_state_load(r->state_file);
  /* Every proclensd mount at the mountpoint, stacked ones too: mountpoint_prepare will
   * clear a dead one, and a live one makes it refuse to start. */
  g_autoptr(GPtrArray) mounts = own_mounts();
  for (guint i = 0; i < mounts->len; i++) {
    const PlMount *m = mounts->pdata[i];
    if (g_str_equal(m->mountpoint, r->mountpoint) && g_str_equal(m->fstype, REMOUNT_FSTYPE))
      add_unique(r->previous, m->dev);
  }
  return r;
}

static void
save_state(Remount *r, GArray *predecessors)
{
  g_autoptr(GArray) devs = g_array_new(FALSE, FALSE, sizeof(dev_t));
  g_array_append_val(devs, r->current);
  for (guint i = 0; i < predecessors->len; i++)
    add_unique(devs, g_array_index(predecessors, dev_t, i));
  g_autoptr(GError) error = NULL;
  if (!remount_state_save(r->state_file, (const dev_t *)(void *)devs->data, devs->len, &error))
    g_warning("remount: %s; a restart will not repair the containers' mounts", error->message);
}

void
remount_mounted(Remount *r)
{
  g_autoptr(GPtrArray) mounts = own_mounts();
  const PlMount *top = pl_mountinfo_top_at(mounts, r->mountpoint);
  if (top == NULL || !g_str_equal(top->fstype, REMOUNT_FSTYPE)) {
    g_warning("remount: no %s mount at %s in /proc/self/mountinfo", REMOUNT_FSTYPE, r->mountpoint);
    return;
  }
  r->current = top->dev;
  /* A freed device number can be handed to the new superblock: it is live, not a
   * predecessor. */
  for (guint i = r->previous->len; i-- > 0;) {
    if (g_array_index(r->previous, dev_t, i) == r->current)
      g_array_remove_index(r->previous, i);
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
repair_everywhere(Remount *r, int live_root, RemountCounts *counts, GArray *retain)
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
    remount_exec_namespace(atoi(name), live_root, (const dev_t *)(void *)r->previous->data,
                           r->previous->len, counts, retain);
  }
  g_info("remount: looked at %u mount namespaces", namespaces);
}

void
remount_repair(Remount *r)
{
  if (r->current == 0 || r->previous->len == 0)
    return;
  int live_root = open(r->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (live_root < 0 || fstat(live_root, &st) < 0 || st.st_dev != r->current) {
    g_warning("remount: %s is not this daemon's mount any more; nothing repaired", r->mountpoint);
    if (live_root >= 0)
      close(live_root);
    return;
  }
  RemountCounts counts = {0};
  g_autoptr(GArray) retain = g_array_new(FALSE, FALSE, sizeof(dev_t));
  repair_everywhere(r, live_root, &counts, retain);
  close(live_root);
  if (counts.repaired + counts.failed > 0)
    g_message("remount: repaired %u mounts a previous proclensd left dead, %u failed",
              counts.repaired, counts.failed);
  save_state(r, retain);
}

void
remount_free(Remount *r)
{
  if (r == NULL)
    return;
  g_free(r->mountpoint);
  g_free(r->state_file);
  g_array_unref(r->previous);
  g_free(r);
}
