#include "rootfs.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
openat2_in_root(int rootfd, const char *rel, int flags)
{
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (guint64)(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
}

/* Resolves rel inside root as if root were "/" (symlinks in the container's tree cannot
 * lead out of it), creating what is missing: directories, and the last component as a
 * directory or an empty file. Returns the real host path. */
static char *
resolve_in_root(const char *root, const char *rel, gboolean want_dir, GError **error)
{
  g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
  g_autoptr(GString) sofar = g_string_new(".");
  guint n = g_strv_length(parts);
  int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = -1;
  char link[64];
  char target[PATH_MAX];

  if (rootfd < 0) {
    plc_set_errno(error, errno, "open %s", root);
    return NULL;
  }
  for (guint i = 0; i < n; i++) {
    if (*parts[i] == '\0' || strcmp(parts[i], ".") == 0)
      continue;
    gboolean last = TRUE;
    for (guint j = i + 1; j < n; j++)
      if (*parts[j] && strcmp(parts[j], ".") != 0)
        last = FALSE;
    g_autofree char *parent = g_strdup(sofar->str);
    g_string_append_printf(sofar, "/%s", parts[i]);
    if (fd >= 0)
      close(fd);
    fd = openat2_in_root(rootfd, sofar->str, O_PATH);
    if (fd >= 0 || errno != ENOENT)
      continue;
    int pfd = openat2_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
    int r;
    if (pfd < 0) {
      r = -1;
    } else if (last && !want_dir) {
      r = openat(pfd, parts[i], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0)
        close(r);
    } else {
      r = mkdirat(pfd, parts[i], 0755);
    }
    if (r < 0 && errno != EEXIST) {
      plc_set_errno(error, errno, "create %s/%s", root, sofar->str + 2);
      if (pfd >= 0)
        close(pfd);
      close(rootfd);
      return NULL;
    }
    fd = openat2_in_root(rootfd, sofar->str, O_PATH);
    struct stat lst;
    if (fd < 0 && last && pfd >= 0 && fstatat(pfd, parts[i], &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(lst.st_mode) && unlinkat(pfd, parts[i], 0) == 0) {
      /* A dangling link as the mount point itself (e.g. /etc/resolv.conf pointing into a
       * systemd-resolved run dir): replace it in the overlay; the lower layer keeps it. */
      r = want_dir
              ? mkdirat(pfd, parts[i], 0755)
              : openat(pfd, parts[i], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (r >= 0 && !want_dir)
        close(r);
      fd = openat2_in_root(rootfd, sofar->str, O_PATH);
    }
    if (fd < 0 && pfd >= 0 && fstatat(pfd, parts[i], &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(lst.st_mode)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                  "resolve %s inside %s: %s is a symlink to nothing inside the container", rel,
                  root, sofar->str + 2);
      close(pfd);
      close(rootfd);
      return NULL;
    }
    if (pfd >= 0)
      close(pfd);
  }
  close(rootfd);
  if (fd < 0) {
    plc_set_errno(error, errno, "resolve %s inside %s", rel, root);
    return NULL;
  }
  g_snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t len = readlink(link, target, sizeof target - 1);
  int saved = errno;
  struct stat st;
  gboolean is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  close(fd);
  if (len < 0) {
    plc_set_errno(error, saved, "resolve %s inside %s", rel, root);
    return NULL;
  }
  target[len] = '\0';
  if (is_dir != want_dir) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s is %s a directory", target,
                is_dir ? "" : "not");
    return NULL;
  }
  return g_strdup(target);
}

static gboolean
do_mount(const char *src, const char *target, const char *type, unsigned long flags,
         const char *data, const char *what, GError **error)
{
  if (mount(src, target, type, flags, data) < 0) {
    plc_set_errno(error, errno, "%s on %s", what, target);
    return FALSE;
  }
  return TRUE;
}

/* The flags a bind remount must keep: in a user namespace the kernel locks those of mounts
 * inherited from the host (nosuid, nodev, noexec, atime), and refuses a remount that drops them. */
static unsigned long
kept_flags(const char *target)
{
  static const struct {
    unsigned long st, ms;
  } map[] = {{ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},         {ST_NOEXEC, MS_NOEXEC},
             {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  struct statvfs sv;
  unsigned long flags = 0;
  if (statvfs(target, &sv) < 0)
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
    if (sv.f_flag & map[i].st)
      flags |= map[i].ms;
  return flags;
}

static gboolean
bind_mount(const char *src, const char *target, gboolean read_only, GError **error)
{
  g_autofree char *what = g_strdup_printf("bind mount %s", src);
  if (!do_mount(src, target, NULL, MS_BIND | MS_REC, NULL, what, error))
    return FALSE;
  if (read_only && !do_mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(target),
                             NULL, "remount read-only", error))
    return FALSE;
  return TRUE;
}

static gboolean
check_lower(const char *rootfs, GError **error)
{
  struct stat st;
  if (stat(rootfs, &st) < 0) {
    plc_set_errno(error, errno, "rootfs %s", rootfs);
    return FALSE;
  }
  if (!S_ISDIR(st.st_mode)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, "rootfs %s is not a directory",
                rootfs);
    return FALSE;
  }
  if (strpbrk(rootfs, ",:\\") != NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "rootfs %s: overlayfs cannot take a path holding ',', ':' or '\\'", rootfs);
    return FALSE;
  }
  return TRUE;
}

/* An image's rootfs is a ':'-joined list of layer directories (top first), each checked. */
gboolean
plc_rootfs_check(const char *rootfs, GError **error)
{
  g_auto(GStrv) lowers = g_strsplit(rootfs, ":", -1);
  for (char **l = lowers; *l; l++)
    if (!check_lower(*l, error))
      return FALSE;
  return TRUE;
}

/* Binds every regular file served under src_dir (recursively) over its namesake under
 * dst_dir, where that exists: whatever the daemon (or LXCFS) serves, no fixed list. */
static gboolean
bind_served_tree(const char *src_dir, const char *dst_dir, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open(src_dir, 0, NULL);
  const char *name;
  if (dir == NULL)
    return TRUE;
  while ((name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *src = g_build_filename(src_dir, name, NULL);
    g_autofree char *dst = g_build_filename(dst_dir, name, NULL);
    struct stat sst, dst_st;
    if (lstat(src, &sst) < 0 || lstat(dst, &dst_st) < 0)
      continue;
    if (S_ISDIR(sst.st_mode) && S_ISDIR(dst_st.st_mode)) {
      if (!bind_served_tree(src, dst, error))
        return FALSE;
    } else if (S_ISREG(sst.st_mode) && S_ISREG(dst_st.st_mode)) {
      if (!bind_mount(src, dst, FALSE, error)) {
        g_prefix_error(error, "bind the daemon's file: ");
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean
setup_proc(const char *root, const char *lxcfs_dir, GError **error)
{
  static const char *const masked[] = {"kcore", "keys", "timer_list", "sched_debug", NULL};
  static const char *const readonly[] = {"sys", "sysrq-trigger", "irq", "bus", "fs", NULL};
  g_autofree char *proc = resolve_in_root(root, "proc", TRUE, error);
  if (proc == NULL ||
      !do_mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "mount proc", error))
    return FALSE;
  if (lxcfs_dir) {
    g_autofree char *served = g_build_filename(lxcfs_dir, "proc", NULL);
    if (!bind_served_tree(served, proc, error))
      return FALSE;
  }
  /* Like docker's defaults: hide what leaks host state, freeze what could change it. */
  for (gsize i = 0; masked[i]; i++) {
    g_autofree char *p = g_build_filename(proc, masked[i], NULL);
    if (g_file_test(p, G_FILE_TEST_EXISTS) && !bind_mount("/dev/null", p, TRUE, error))
      return FALSE;
  }
  for (gsize i = 0; readonly[i]; i++) {
    g_autofree char *p = g_build_filename(proc, readonly[i], NULL);
    if (g_file_test(p, G_FILE_TEST_EXISTS) && !bind_mount(p, p, TRUE, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean make_symlink(const char *target, const char *dir, const char *name, GError **error);

/* Whether a v1 hierarchy's super options name a controller the container has a cgroup in. */
static gboolean
is_container_hierarchy(char **opts)
{
  static const char *const mine[] = {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", NULL};
  for (char **o = opts; *o; o++)
    if (g_strv_contains(mine, *o))
      return TRUE;
  return FALSE;
}

/* /sys/fs/cgroup inside, read-only, as docker: the cgroup namespace makes each hierarchy's
 * root the container's own cgroup. Only the hierarchies the container has a cgroup in are
 * shown (the others would show the host's tree). */
static gboolean
setup_cgroupfs(const char *sys, GError **error)
{
  const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  g_autofree char *target = g_build_filename(sys, "fs/cgroup", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) v1 = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
  gboolean v2_at_root = FALSE;

  if (!g_file_test(target, G_FILE_TEST_IS_DIR) ||
      !plc_read_file("/proc/self/mountinfo", &text, error))
    return TRUE;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS" */
    char *sep = strstr(*l, " - ");
    if (sep == NULL)
      continue;
    g_auto(GStrv) f = g_strsplit(*l, " ", 6);
    g_auto(GStrv) tail = g_strsplit(sep + 3, " ", 3);
    if (g_strv_length(f) < 5 || g_strv_length(tail) < 3)
      continue;
    if (strcmp(tail[0], "cgroup2") == 0 && strcmp(f[4], "/sys/fs/cgroup") == 0)
      v2_at_root = TRUE;
    if (strcmp(tail[0], "cgroup") == 0 && g_str_has_prefix(f[4], "/sys/fs/cgroup/")) {
      g_auto(GStrv) opts = g_strsplit(g_strstrip(tail[2]), ",", -1);
      if (!is_container_hierarchy(opts))
        continue;
      g_autoptr(GString) keep = g_string_new(NULL);
      for (char **o = opts; *o; o++) {
        if (strcmp(*o, "rw") == 0 || strcmp(*o, "ro") == 0)
          continue;
        g_string_append_printf(keep, "%s%s", keep->len ? "," : "", *o);
      }
      char **entry = g_new0(char *, 3);
      entry[0] = g_path_get_basename(f[4]);
      entry[1] = g_string_free(g_steal_pointer(&keep), FALSE);
      g_ptr_array_add(v1, entry);
    }
  }
  if (v2_at_root)
    return do_mount("cgroup2", target, "cgroup2", ro, NULL, "mount cgroup2", error);
  if (v1->len == 0)
    return TRUE;
  if (!do_mount("cgroup", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755",
                "mount tmpfs", error))
    return FALSE;
  for (guint i = 0; i < v1->len; i++) {
    char **e = v1->pdata[i];
    g_autofree char *dir = g_build_filename(target, e[0], NULL);
    g_autofree char *what = g_strdup_printf("mount the cgroup hierarchy %s", e[1]);
    if (!plc_mkdir_p(dir, 0755, error) || !do_mount("cgroup", dir, "cgroup", ro, e[1], what, error))
      return FALSE;
    /* A co-mounted hierarchy ("cpu,cpuacct") is also reached by each controller's name. */
    g_auto(GStrv) names = g_strsplit(e[1], ",", -1);
    for (char **n = names; *n; n++)
      if (strcmp(*n, e[0]) != 0 && !strchr(*n, '=') && !make_symlink(e[0], target, *n, error))
        return FALSE;
  }
  return do_mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "mode=755", "remount read-only", error);
}

static gboolean
setup_sys(const char *root, const char *lxcfs_dir, GError **error)
{
  g_autofree char *sys = resolve_in_root(root, "sys", TRUE, error);
  if (sys == NULL || !do_mount("sysfs", sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                               NULL, "mount sysfs", error))
    return FALSE;
  if (!setup_cgroupfs(sys, error))
    return FALSE;
  /* Whole directories, as LXCFS: their listings depend on the reader (cpuN/ only for the
   * container's CPUs), which file-by-file binds over sysfs could not hide; the node
   * directory's CPU lists are the container's too. */
  static const char *const dirs[] = {"devices/system/cpu", "devices/system/node", NULL};
  for (gsize i = 0; lxcfs_dir && dirs[i]; i++) {
    g_autofree char *served = g_build_filename(lxcfs_dir, "sys", dirs[i], NULL);
    g_autofree char *target = g_build_filename(sys, dirs[i], NULL);
    if (g_file_test(served, G_FILE_TEST_IS_DIR) && g_file_test(target, G_FILE_TEST_IS_DIR) &&
        !bind_mount(served, target, FALSE, error)) {
      g_prefix_error(error, "bind the daemon's directory sys/%s: ", dirs[i]);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
make_symlink(const char *target, const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  if (symlink(target, path) < 0 && errno != EEXIST) {
    plc_set_errno(error, errno, "symlink %s", path);
    return FALSE;
  }
  return TRUE;
}

static gboolean
setup_dev(const char *root, gboolean tty, GError **error)
{
  static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty", NULL};
  g_autofree char *dev = resolve_in_root(root, "dev", TRUE, error);
  if (dev == NULL || !do_mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME,
                               "mode=755,size=65536k", "mount tmpfs", error))
    return FALSE;
  for (gsize i = 0; nodes[i]; i++) {
    g_autofree char *host = g_build_filename("/dev", nodes[i], NULL);
    g_autofree char *path = g_build_filename(dev, nodes[i], NULL);
    /* Bind the host's nodes rather than mknod: works wherever the host's nodes work. */
    if (!plc_create_file(path, "", error) || !bind_mount(host, path, FALSE, error))
      return FALSE;
  }
  g_autofree char *pts = g_build_filename(dev, "pts", NULL);
  g_autofree char *shm = g_build_filename(dev, "shm", NULL);
  if (!plc_mkdir_p(pts, 0755, error) || !plc_mkdir_p(shm, 01777, error))
    return FALSE;
  if (!do_mount("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620,gid=5", "mount devpts", error))
    return FALSE;
  if (!do_mount("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
                "mount tmpfs", error))
    return FALSE;
  if (!make_symlink("pts/ptmx", dev, "ptmx", error) ||
      !make_symlink("/proc/self/fd", dev, "fd", error) ||
      !make_symlink("/proc/self/fd/0", dev, "stdin", error) ||
      !make_symlink("/proc/self/fd/1", dev, "stdout", error) ||
      !make_symlink("/proc/self/fd/2", dev, "stderr", error))
    return FALSE;
  if (tty) {
    g_autofree char *console = g_build_filename(dev, "console", NULL);
    if (!plc_create_file(console, "", error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
setup_etc(const char *root, const char *state_dir, GError **error)
{
  static const char *const files[] = {"hostname", "hosts", "resolv.conf", NULL};
  for (gsize i = 0; files[i]; i++) {
    g_autofree char *src = g_build_filename(state_dir, "etc", files[i], NULL);
    g_autofree char *rel = g_build_filename("etc", files[i], NULL);
    g_autofree char *dst = resolve_in_root(root, rel, FALSE, error);
    if (dst == NULL || !bind_mount(src, dst, FALSE, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
setup_volumes(const char *root, GPtrArray *volumes, const char *what, GError **error)
{
  for (guint i = 0; volumes && i < volumes->len; i++) {
    PlcVolume *v = volumes->pdata[i];
    struct stat st;
    if (stat(v->source, &st) < 0) {
      plc_set_errno(error, errno, "%s source %s", what, v->source);
      return FALSE;
    }
    g_autofree char *dst = resolve_in_root(root, v->destination, S_ISDIR(st.st_mode), error);
    if (dst == NULL || !bind_mount(v->source, dst, v->read_only, error)) {
      g_prefix_error(error, "%s %s:%s: ", what, v->source, v->destination);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
pivot(const char *root, GError **error)
{
  if (chdir(root) < 0) {
    plc_set_errno(error, errno, "chdir %s", root);
    return FALSE;
  }
  /* pivot_root(".", "."): the old root ends up stacked under the new one, then detached. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    plc_set_errno(error, errno, "pivot_root to %s", root);
    return FALSE;
  }
  if (umount2(".", MNT_DETACH) < 0) {
    plc_set_errno(error, errno, "detach the old root");
    return FALSE;
  }
  if (chdir("/") < 0) {
    plc_set_errno(error, errno, "chdir /");
    return FALSE;
  }
  return TRUE;
}

/* The launcher's idmapped clones of the lower layers (one fd each, top first), attached at
 * <state dir>/lower/N; returns the overlay's lowerdir list of them. */
static char *
attach_idmapped_lowers(const PlcRootfsSpec *spec, GError **error)
{
  g_autoptr(GString) lowerdir = g_string_new(NULL);
  for (guint i = 0; i < spec->n_lower_fds; i++) {
    g_autofree char *name = g_strdup_printf("lower/%u", i);
    g_autofree char *dir = g_build_filename(spec->state_dir, name, NULL);
    if (move_mount(spec->lower_fds[i], "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
      plc_set_errno(error, errno, "attach the idmapped lower layer on %s", dir);
      return NULL;
    }
    g_string_append_printf(lowerdir, "%s%s", i ? ":" : "", dir);
  }
  return g_string_free(g_steal_pointer(&lowerdir), FALSE);
}

gboolean
plc_rootfs_setup(const PlcRootfsSpec *spec, GError **error)
{
  g_autofree char *upper = g_build_filename(spec->state_dir, "upper", NULL);
  g_autofree char *work = g_build_filename(spec->state_dir, "work", NULL);
  g_autofree char *root = g_build_filename(spec->state_dir, "rootfs", NULL);
  g_autofree char *lower = NULL;

  /* Nothing done in here may propagate back to the host. */
  if (!do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, "make mounts private", error))
    return FALSE;
  if (spec->n_lower_fds > 0 && (lower = attach_idmapped_lowers(spec, error)) == NULL)
    return FALSE;
  /* In a user namespace overlayfs may not write trusted.* xattrs: userxattr uses user.*. */
  g_autofree char *opts =
      g_strdup_printf("lowerdir=%s,upperdir=%s,workdir=%s%s", lower ? lower : spec->lower, upper,
                      work, spec->userns ? ",userxattr" : "");
  if (mount("overlay", root, "overlay", 0, opts) < 0) {
    plc_set_errno(error, errno, "overlay mount of %s on %s", spec->lower, root);
    return FALSE;
  }
  /* The container's views have the caller views' layout (proc/..., sys/devices/system/cpu). */
  const char *served = spec->views_dir != NULL ? spec->views_dir : spec->lxcfs_dir;
  if (!setup_proc(root, served, error) || !setup_sys(root, served, error) ||
      !setup_dev(root, spec->tty, error) || !setup_etc(root, spec->state_dir, error) ||
      !setup_volumes(root, spec->volumes, "volume", error) ||
      !setup_volumes(root, spec->devices, "device", error))
    return FALSE;
  return pivot(root, error);
}

gboolean
plc_rootfs_bind_console(const char *slave_path, GError **error)
{
  return bind_mount(slave_path, "/dev/console", FALSE, error);
}
