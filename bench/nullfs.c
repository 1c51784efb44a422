/* proclens-bench-nullfs: the do-nothing FUSE baseline. Serves one constant file,
 * MOUNTPOINT/proc/meminfo (a copy of the host's /proc/meminfo taken at start, so it has
 * the same size), with direct I/O like proclensd: the cost of FUSE itself, with no work.
 *
 *   proclens-bench-nullfs [-s] [--pidfile FILE] MOUNTPOINT
 *   -s: single-threaded session loop (default: multi-threaded, as proclensd)
 * SIGINT/SIGTERM unmount and exit. */
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { INO_ROOT = 1, INO_PROC = 2, INO_FILE = 3 };
#define TIMEOUT 86400.0

static char content[16384];
static size_t content_len;

static void
fill_stat(fuse_ino_t ino, struct stat *st)
{
  memset(st, 0, sizeof *st);
  st->st_ino = ino;
  if (ino == INO_FILE) {
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
  } else {
    st->st_mode = S_IFDIR | 0555;
    st->st_nlink = 2;
  }
}

static void
nf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
  struct fuse_entry_param e = {0};
  if (parent == INO_ROOT && strcmp(name, "proc") == 0)
    e.ino = INO_PROC;
  else if (parent == INO_PROC && strcmp(name, "meminfo") == 0)
    e.ino = INO_FILE;
  else {
    fuse_reply_err(req, ENOENT);
    return;
  }
  e.attr_timeout = e.entry_timeout = TIMEOUT;
  fill_stat(e.ino, &e.attr);
  fuse_reply_entry(req, &e);
}

static void
nf_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  struct stat st;
  if (ino < INO_ROOT || ino > INO_FILE) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  fill_stat(ino, &st);
  fuse_reply_attr(req, &st, TIMEOUT);
}

static void
nf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  if (ino != INO_FILE) {
    fuse_reply_err(req, EISDIR);
    return;
  }
  fi->direct_io = 1;
  fuse_reply_open(req, fi);
}

static void
nf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
  size_t start = (size_t)off < content_len ? (size_t)off : content_len;
  size_t count = content_len - start < size ? content_len - start : size;
  fuse_reply_buf(req, content + start, count);
}

static void
nf_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
  fuse_reply_err(req, 0);
}

static const struct fuse_lowlevel_ops ops = {
    .lookup = nf_lookup,
    .getattr = nf_getattr,
    .open = nf_open,
    .read = nf_read,
    .release = nf_release,
};

int
main(int argc, char **argv)
{
  int single = 0;
  const char *mountpoint = NULL, *pidfile = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-s") == 0)
      single = 1;
    else if (strcmp(argv[i], "--pidfile") == 0 && i + 1 < argc)
      pidfile = argv[++i];
    else if (mountpoint == NULL && argv[i][0] != '-')
      mountpoint = argv[i];
    else {
      fprintf(stderr, "usage: proclens-bench-nullfs [-s] [--pidfile FILE] MOUNTPOINT\n");
      return 2;
    }
  }
  if (mountpoint == NULL) {
    fprintf(stderr, "usage: proclens-bench-nullfs [-s] [--pidfile FILE] MOUNTPOINT\n");
    return 2;
  }
  int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, content, sizeof content);
    content_len = n > 0 ? (size_t)n : 0;
    close(fd);
  }

  char *fargv[] = {"proclens-bench-nullfs", "-o", "ro,allow_other,fsname=nullfs,subtype=nullfs",
                   NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
  struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
  if (se == NULL)
    return 1;
  if (fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, mountpoint) != 0) {
    fuse_session_destroy(se);
    return 1;
  }
  if (pidfile != NULL) {
    FILE *f = fopen(pidfile, "w");
    if (f != NULL) {
      fprintf(f, "%d\n", (int)getpid());
      fclose(f);
    }
  }
  int rc;
  if (single) {
    rc = fuse_session_loop(se);
  } else {
    struct fuse_loop_config *loop = fuse_loop_cfg_create();
    fuse_loop_cfg_set_clone_fd(loop, 0);
    fuse_loop_cfg_set_max_threads(loop, 64);
    rc = fuse_session_loop_mt(se, loop);
    fuse_loop_cfg_destroy(loop);
  }
  if (pidfile != NULL)
    unlink(pidfile);
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  return rc < 0 ? 1 : 0;
}
