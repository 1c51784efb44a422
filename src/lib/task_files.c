/* Kept-open /proc/TID files (see task_files.h). */
#include "proclens/task_files.h"
#include "proclens/error.h"
#include "proclens/fileio.h"

#include <linux/magic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

/* The lock is held across the pread: another tid replacing the slot must not close the
 * descriptor under a reader (its number could be reused by then). Two tids meet on one
 * slot only when their numbers agree in the low bits. */
typedef struct {
  GMutex lock;
  pid_t tid; /* 0: empty */
  int fd;
  char *proc_root;
} Slot;

static Slot slots[PL_TASK_FILE_KINDS][PL_TASK_FILE_SLOTS];
static const char *const names[PL_TASK_FILE_KINDS] = {"cgroup", "stat"};
static gint enabled; /* 0: off; else the slots in use per kind */

void
pl_task_files_enable(void)
{
  /* Every kind's slots may all be full: leave most descriptors to FUSE and cgroup files. */
  struct rlimit rl;
  rlim_t budget = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur / 8 : 64;
  g_atomic_int_set(&enabled, (gint)CLAMP(budget, 16, PL_TASK_FILE_SLOTS));
}

static gboolean
on_procfs(int fd)
{
  struct statfs sfs;
  return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* Under the slot's lock: reads the kept descriptor if it is tid's. FALSE when it is not,
 * or when its task is gone (ESRCH) or anything else failed: the slot is emptied. */
static gboolean
slot_read(Slot *slot, const char *proc_root, pid_t tid, char **ret_text)
{
  if (slot->tid != tid || strcmp(slot->proc_root, proc_root) != 0)
    return FALSE;
  /* An empty text is no task's file: read it again through the path. */
  if (pl_pread_whole(slot->fd, TRUE, ret_text) > 0)
    return TRUE;
  g_clear_pointer(ret_text, g_free);
  close(slot->fd);
  slot->tid = 0;
  return FALSE;
}

/* Opens and reads PROC_ROOT/TID/<file>; both files are one seq_file record, so the first
 * short read is the end. The descriptor, or -1 with error set. */
static int
open_task_file(PlTaskFile file, const char *proc_root, pid_t tid, char **ret_text,
               GError **error)
{
  g_autofree char *path = g_strdup_printf("%s/%d/%s", proc_root, (int)tid, names[file]);
  return pl_open_and_read(path, TRUE, ret_text, NULL, error);
}

/* Under the slot's lock: opens and reads the file, and keeps it in the slot when it is on
 * procfs (not a fixture). */
static gboolean
slot_open(Slot *slot, PlTaskFile file, const char *proc_root, pid_t tid, char **ret_text,
          GError **error)
{
  int fd = open_task_file(file, proc_root, tid, ret_text, error);
  if (fd < 0)
    return FALSE;
  if (!on_procfs(fd)) {
    close(fd);
    return TRUE;
  }
  if (slot->tid != 0)
    close(slot->fd);
  slot->tid = tid;
  slot->fd = fd;
  if (slot->proc_root == NULL || strcmp(slot->proc_root, proc_root) != 0) {
    g_free(slot->proc_root);
    slot->proc_root = g_strdup(proc_root);
  }
  return TRUE;
}

gboolean
pl_task_file_read(PlTaskFile file, const char *proc_root, pid_t tid, char **ret_text,
                  GError **error)
{
  g_return_val_if_fail(file < PL_TASK_FILE_KINDS, FALSE);
  guint in_use = (guint)g_atomic_int_get(&enabled);
  if (in_use == 0 || tid <= 0) {
    int fd = open_task_file(file, proc_root, tid, ret_text, error);
    if (fd >= 0)
      close(fd);
    return fd >= 0;
  }
  Slot *slot = &slots[file][(guint)tid % in_use];
  g_mutex_lock(&slot->lock);
  gboolean done = slot_read(slot, proc_root, tid, ret_text) ||
                  slot_open(slot, file, proc_root, tid, ret_text, error);
  g_mutex_unlock(&slot->lock);
  return done;
}

guint
pl_task_files_kept(PlTaskFile file)
{
  guint n = 0;
  for (guint i = 0; i < PL_TASK_FILE_SLOTS; i++) {
    g_mutex_lock(&slots[file][i].lock);
    n += slots[file][i].tid != 0;
    g_mutex_unlock(&slots[file][i].lock);
  }
  return n;
}
