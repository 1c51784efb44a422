/* One namespace's repair: clones of the live mount are made here, in the daemon's
 * namespace; a forked child enters the target namespace and root, detaches the dead mount
 * and moves the clone onto the same path. setns(CLONE_NEWNS) refuses a process that
 * shares its fs_struct with other threads, hence the fork; the child makes system calls
 * only (no malloc, no glib), as a child of a threaded process must. */
#include "remount_exec.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/mountinfo.h"
#include "remount_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child with a target behind another hung FUSE mount must not hold the start-up. */
#define CHILD_TIMEOUT_MS 10000

typedef enum { STEP_ENTER, STEP_CHECK, STEP_ALIVE, STEP_DETACH, STEP_MOVE, STEP_DONE } Step;

static const char *const step_names[] = {
    [STEP_ENTER] = "enter the namespace",
    [STEP_CHECK] = "check the mount",
    [STEP_DETACH] = "detach the dead mount",
    [STEP_MOVE] = "mount the new one",
};

typedef struct {
  int index; /* into the actions; -1 for the namespace as a whole */
  int step;
  int err;
} Report;

static void
report(int fd, int index, Step step, int err)
{
  Report r = {.index = index, .step = step, .err = err};
  /* A short write cannot happen below PIPE_BUF; a failed one only loses a log line. */
  if (write(fd, &r, sizeof r) < 0)
    return;
}

/* Replaces one dead mount; runs in the child. */
static void
child_repair(int out, int index, const RemountAction *a, int clone_fd)
{
  struct statfs sfs;
  /* A dead FUSE mount answers ENOTCONN; statfs always asks the daemon, never a cache. */
  if (statfs(a->target, &sfs) == 0) {
    report(out, index, STEP_ALIVE, 0);
    return;
  }
  if (errno != ENOTCONN) {
    report(out, index, STEP_CHECK, errno);
    return;
  }
  for (guint k = 0; k < a->detach; k++) {
    if (umount2(a->target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
      report(out, index, STEP_DETACH, errno);
      return;
    }
  }
  if (move_mount(clone_fd, "", AT_FDCWD, a->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    report(out, index, STEP_MOVE, errno);
  else
    report(out, index, STEP_DONE, 0);
}

static G_NORETURN void
child_main(int out, int ns_fd, int root_fd, GPtrArray *actions, const int *clones)
{
  if (setns(ns_fd, CLONE_NEWNS) < 0 || fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
    report(out, -1, STEP_ENTER, errno);
    _exit(1);
  }
  for (guint i = 0; i < actions->len; i++) {
    if (clones[i] >= 0)
      child_repair(out, (int)i, actions->pdata[i], clones[i]);
  }
  _exit(0);
}

/* A detached copy of the live mount's root path, with the original's mount flags. */
static int
clone_live(GHashTable *live_roots, const RemountAction *a, GError **error)
{
  g_autofree char *role = remount_identity_role(a->id);
  gpointer live_root;
  if (!g_hash_table_lookup_extended(live_roots, role, NULL, &live_root)) {
    g_set_error(error, PL_ERRNO_ERROR, ENOENT, "this daemon has no %s mount to clone", role);
    return -1;
  }
  const char *rel = a->root + strspn(a->root, "/");
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (*rel == '\0' ? AT_EMPTY_PATH : 0);
  int fd = open_tree(GPOINTER_TO_INT(live_root), rel, flags);
  if (fd < 0) {
    pl_set_errno(error, errno, "clone %s of the new mount", a->root);
    return -1;
  }
  struct mount_attr attr = {.attr_set = a->attr_set, .attr_clr = a->attr_clr};
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
    pl_set_errno(error, errno, "set the mount flags of %s", a->root);
    close(fd);
    return -1;
  }
  return fd;
}

static void
log_report(const Report *r, int pid, GPtrArray *actions, RemountCounts *counts, GPtrArray *retain)
{
  if (r->index < 0 || (guint)r->index >= actions->len) {
    g_warning("remount: cannot enter the mount namespace of pid %d: %s", pid, g_strerror(r->err));
    return;
  }
  const RemountAction *a = actions->pdata[r->index];
  switch (r->step) {
  case STEP_DONE:
    counts->repaired++;
    g_message("remount: repaired %s (%s) in the mount namespace of pid %d", a->target, a->root,
              pid);
    return;
  case STEP_ALIVE:
    counts->alive++;
    g_info("remount: %s in the mount namespace of pid %d already works", a->target, pid);
    return;
  default:
    counts->failed++;
    g_ptr_array_add(retain, g_strdup(a->id));
    g_warning("remount: cannot repair %s in the mount namespace of pid %d: %s: %s", a->target, pid,
              r->step < (int)G_N_ELEMENTS(step_names) && step_names[r->step] != NULL
                  ? step_names[r->step]
                  : "?",
              g_strerror(r->err));
  }
}

/* Reads the child's reports until it closes the pipe (killing it if it hangs); marks in
 * answered[] each action it reported on. */
static void
collect(int in, pid_t child, int pid, GPtrArray *actions, gboolean *answered, RemountCounts *counts,
        GPtrArray *retain)
{
  for (;;) {
    struct pollfd p = {.fd = in, .events = POLLIN};
    int n = poll(&p, 1, CHILD_TIMEOUT_MS);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_warning("remount: gave up on the mount namespace of pid %d after %d s", pid,
                CHILD_TIMEOUT_MS / 1000);
      kill(child, SIGKILL);
      break;
    }
    Report r;
    if (read(in, &r, sizeof r) != sizeof r)
      break;
    log_report(&r, pid, actions, counts, retain);
    if (r.index >= 0 && (guint)r.index < actions->len)
      answered[r.index] = TRUE;
  }
  while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* Forks the child that does the work in the target namespace, and reads its reports. */
static void
run_child(int pid, int ns_fd, int root_fd, GPtrArray *actions, const int *clones,
          RemountCounts *counts, GPtrArray *retain)
{
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
    g_warning("remount: pipe: %s", g_strerror(errno));
    return;
  }
  pid_t child = fork();
  if (child == 0) {
    close(pipe_fds[0]);
    child_main(pipe_fds[1], ns_fd, root_fd, actions, clones);
  }
  close(pipe_fds[1]);
  if (child < 0) {
    g_warning("remount: fork: %s", g_strerror(errno));
    close(pipe_fds[0]);
    return;
  }
  g_autofree gboolean *answered = g_new0(gboolean, actions->len);
  collect(pipe_fds[0], child, pid, actions, answered, counts, retain);
  close(pipe_fds[0]);
  for (guint i = 0; i < actions->len; i++) {
    const RemountAction *a = actions->pdata[i];
    if (clones[i] >= 0 && !answered[i]) {
      counts->failed++;
      g_ptr_array_add(retain, g_strdup(a->id));
    }
  }
}

/* The plan for pid's namespace, from its mountinfo (paths relative to its root). */
static GPtrArray *
plan_for(int pid, const char *const *ids)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/mountinfo", pid);
  g_autofree char *text = NULL;
  if (!pl_read_file(path, &text, NULL, NULL))
    return NULL; /* gone, or a kernel thread */
  g_autoptr(GPtrArray) mounts = pl_mountinfo_parse(text);
  return remount_plan(mounts, REMOUNT_FSTYPE, ids);
}

static int
open_proc(int pid, const char *what, int flags)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/%s", pid, what);
  return open(path, flags | O_CLOEXEC);
}

void
remount_exec_namespace(int pid, GHashTable *live_roots, const char *const *ids,
                       RemountCounts *counts, GPtrArray *retain)
{
  g_autoptr(GPtrArray) actions = plan_for(pid, ids);
  if (actions == NULL || actions->len == 0)
    return;
  /* Opened now, these pin the namespace and root even if pid exits meanwhile. */
  int ns_fd = open_proc(pid, "ns/mnt", O_RDONLY);
  int root_fd = open_proc(pid, "root", O_PATH | O_DIRECTORY);
  g_autofree int *clones = g_new(int, actions->len);
  for (guint i = 0; i < actions->len; i++) {
    RemountAction *a = actions->pdata[i];
    g_autoptr(GError) error = NULL;
    clones[i] = clone_live(live_roots, a, &error);
    if (clones[i] < 0) {
      counts->failed++;
      g_ptr_array_add(retain, g_strdup(a->id));
      g_warning("remount: cannot repair %s in the mount namespace of pid %d: %s", a->target, pid,
                error->message);
    }
  }
  if (ns_fd >= 0 && root_fd >= 0)
    run_child(pid, ns_fd, root_fd, actions, clones, counts, retain);
  else
    g_info("remount: pid %d exited before its mounts were repaired", pid);
  for (guint i = 0; i < actions->len; i++) {
    if (clones[i] >= 0)
      close(clones[i]);
  }
  if (ns_fd >= 0)
    close(ns_fd);
  if (root_fd >= 0)
    close(root_fd);
}
