#include "namespaces.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int
plc_ns_clone_flags(gboolean net_host, gboolean userns)
{
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (!net_host)
    flags |= CLONE_NEWNET;
  if (userns)
    flags |= CLONE_NEWUSER;
  return flags;
}

pid_t
plc_ns_clone(int flags)
{
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = (guint64)flags;
  args.exit_signal = SIGCHLD;
  return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

gboolean
plc_ns_time_for_children(int *ret_own_fd, GError **error)
{
  struct timespec now;

  *ret_own_fd = -1;
  int own = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
  if (own < 0)
    return TRUE; /* no time namespaces (Linux < 5.6): the container keeps the host's clock */
  if (unshare(CLONE_NEWTIME) < 0) {
    int saved = errno;
    close(own);
    if (saved == EPERM)
      return TRUE; /* rootless: the container keeps the host's clock */
    plc_set_errno(error, saved, "unshare the time namespace");
    return FALSE;
  }
  /* The offsets apply to the namespace our children will enter, and only until the first
   * one does. Whole seconds: the clock starts at the fraction of the current second. */
  clock_gettime(CLOCK_BOOTTIME, &now);
  g_autofree char *offsets = g_strdup_printf("%d -%lld 0\n", CLOCK_BOOTTIME, (long long)now.tv_sec);
  if (!plc_write_file("/proc/self/timens_offsets", offsets, error)) {
    g_prefix_error(error, "set the time namespace's boot time: ");
    plc_ns_time_restore(own, NULL);
    return FALSE;
  }
  *ret_own_fd = own;
  return TRUE;
}

gboolean
plc_ns_time_restore(int own_fd, GError **error)
{
  if (own_fd < 0)
    return TRUE;
  int r = setns(own_fd, CLONE_NEWTIME);
  int saved = errno;
  close(own_fd);
  if (r < 0) {
    plc_set_errno(error, saved, "return to the launcher's time namespace");
    return FALSE;
  }
  return TRUE;
}

gboolean
plc_ns_loopback_up(GError **error)
{
  struct ifreq ifr;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    plc_set_errno(error, errno, "bring up loopback: socket");
    return FALSE;
  }
  memset(&ifr, 0, sizeof ifr);
  g_strlcpy(ifr.ifr_name, "lo", IFNAMSIZ);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
      (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
    plc_set_errno(error, errno, "bring up loopback lo");
    close(fd);
    return FALSE;
  }
  close(fd);
  return TRUE;
}

/* Joins pid's namespace NAME unless it already is ours (*ret_joined tells). A missing link
 * fails unless missing_ok. */
static gboolean
join_if_other(pid_t pid, const char *name, int type, gboolean missing_ok, gboolean *ret_joined,
              GError **error)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/ns/%s", (int)pid, name);
  g_autofree char *self = g_strdup_printf("/proc/self/ns/%s", name);
  struct stat mine, theirs;
  *ret_joined = FALSE;
  if (stat(self, &mine) < 0 || stat(path, &theirs) < 0) {
    if (missing_ok && errno == ENOENT)
      return TRUE;
    plc_set_errno(error, errno, "stat %s", path);
    return FALSE;
  }
  if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
    return TRUE;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, type) < 0) {
    plc_set_errno(error, errno, "join the %s namespace of pid %d", name, (int)pid);
    if (fd >= 0)
      close(fd);
    return FALSE;
  }
  close(fd);
  *ret_joined = TRUE;
  return TRUE;
}

/* Joins pid's user namespace when it is not ours, and becomes its root: the kernel wants the
 * owning user namespace first, so that the others can be joined with its capabilities. */
static gboolean
join_userns(pid_t pid, GError **error)
{
  gboolean joined;
  return join_if_other(pid, "user", CLONE_NEWUSER, FALSE, &joined, error) &&
         (!joined || plc_userns_become_root(error));
}

/* The container's time namespace (its own boot clock), when it is not already ours: a
 * container started without one (--no-time-ns, rootless) shares the host's, which a setns
 * would only be refused for without privileges; Linux < 5.6 has no ns/time. */
static gboolean
join_time_ns(pid_t pid, GError **error)
{
  gboolean joined;
  return join_if_other(pid, "time", CLONE_NEWTIME, TRUE, &joined, error);
}

gboolean
plc_ns_join(pid_t pid, GError **error)
{
  /* Order matters: the mount namespace last (it changes what paths mean), and every
   * descriptor opened before the first setns so /proc/PID stays the host's. */
  static const struct {
    const char *name;
    int type;
  } order[] = {{"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
               {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"mnt", CLONE_NEWNS}};
  int fds[G_N_ELEMENTS(order)];
  gboolean ok = TRUE;
  g_autofree char *root_path = g_strdup_printf("/proc/%d/root", (int)pid);
  int root_fd = -1;

  for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
    g_autofree char *path = g_strdup_printf("/proc/%d/ns/%s", (int)pid, order[i].name);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0 && ok) {
      plc_set_errno(error, errno, "open %s", path);
      ok = FALSE;
    }
  }
  root_fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0 && ok) {
    plc_set_errno(error, errno, "open %s", root_path);
    ok = FALSE;
  }
  /* Before the user namespace: the launcher made the time namespace as the host's root. */
  if (ok && !join_time_ns(pid, error))
    ok = FALSE;
  if (ok && !join_userns(pid, error))
    ok = FALSE;
  for (gsize i = 0; ok && i < G_N_ELEMENTS(order); i++) {
    if (fds[i] >= 0 && setns(fds[i], order[i].type) < 0) {
      plc_set_errno(error, errno, "join the %s namespace of pid %d", order[i].name, (int)pid);
      ok = FALSE;
    }
  }
  if (ok && (fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
    plc_set_errno(error, errno, "change root to %s", root_path);
    ok = FALSE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(order); i++)
    if (fds[i] >= 0)
      close(fds[i]);
  if (root_fd >= 0)
    close(root_fd);
  return ok;
}
