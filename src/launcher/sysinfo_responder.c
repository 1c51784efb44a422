/* Answers sysinfo(2) for a container's processes (see sysinfo_responder.h).
 *
 * One thread polls every listener, the hand-over socket and a wake-up eventfd. Each
 * notification is answered at once, without waiting on the caller: the model reads a few
 * cgroup and /proc files, the struct goes into the caller's memory through /proc/PID/mem
 * (validated with SECCOMP_IOCTL_NOTIF_ID_VALID after the open and before the write, so a
 * recycled pid never gets someone else's answer), and a bad pointer gets EFAULT. */
#include "sysinfo_responder.h"
#include "util.h"

#include "proclens/context.h"
#include "proclens/sysinfo_model.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <poll.h>
#include <seccomp.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <unistd.h>

/* At most this many listeners (the container's init plus exec'd processes) and pending
 * hand-over connections; more are refused so a runaway client cannot grow the monitor. */
#define MAX_FDS 1024

typedef enum { FD_WAKE, FD_SERVER, FD_CONN, FD_LISTENER } FdKind;

typedef struct {
  int fd;
  FdKind kind;
} Watched;

struct PlcSysinfoResponder {
  PlContext *ctx;
  char *socket_path;
  int wake;
  GArray *fds; /* of Watched; the thread's alone once it runs */
  GThread *thread;
  gint answered;
};

static void
watch(PlcSysinfoResponder *r, int fd, FdKind kind)
{
  if (r->fds->len >= MAX_FDS) {
    close(fd);
    return;
  }
  Watched w = {fd, kind};
  g_array_append_val(r->fds, w);
}

static void
fill_or_degrade(PlcSysinfoResponder *r, pid_t pid, struct sysinfo *ret_info)
{
  /* Degrade, never fail: a caller the model cannot place gets the host's figures. */
  if (pl_sysinfo_fill(r->ctx, pid, ret_info, NULL) || pl_sysinfo_fill(r->ctx, 0, ret_info, NULL))
    return;
  sysinfo(ret_info);
}

static void
answer(PlcSysinfoResponder *r, int listener)
{
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;

  if (seccomp_notify_alloc(&req, &resp) < 0)
    return;
  /* ENOENT: the caller was killed between poll and receive; nothing to answer. */
  if (seccomp_notify_receive(listener, req) < 0)
    goto out;
  resp->id = req->id;
  resp->flags = 0;
  resp->val = 0;
  resp->error = 0;
  if (req->data.nr != seccomp_syscall_resolve_name("sysinfo")) {
    resp->error = -ENOSYS;
  } else {
    struct sysinfo info;
    g_autofree char *mem_path = g_strdup_printf("/proc/%u/mem", req->pid);
    fill_or_degrade(r, (pid_t)req->pid, &info);
    int mem = open(mem_path, O_WRONLY | O_CLOEXEC);
    /* The id is still valid only while the caller waits in this very syscall: checked
     * after the open, the file we hold is the caller's and not a recycled pid's. */
    if (seccomp_notify_id_valid(listener, req->id) < 0) {
      if (mem >= 0)
        close(mem);
      goto out;
    }
    if (mem < 0) {
      resp->error = -EFAULT;
    } else {
      guint64 addr = req->data.args[0];
      ssize_t n = addr > (guint64)G_MAXINT64 ? -1 : pwrite(mem, &info, sizeof info, (off_t)addr);
      if (n != (ssize_t)sizeof info)
        resp->error = -EFAULT;
      close(mem);
    }
  }
  if (seccomp_notify_respond(listener, resp) == 0)
    g_atomic_int_inc(&r->answered);
out:
  seccomp_notify_free(req, resp);
}

/* A hand-over connection: one message carrying one listener. */
static void
receive_listener(PlcSysinfoResponder *r, int conn)
{
  char tag;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = &tag, .iov_len = 1};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
      c->cmsg_len == CMSG_LEN(sizeof(int))) {
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    watch(r, fd, FD_LISTENER);
    /* Tell exec its process is served. */
    (void)!write(conn, "A", 1);
  }
}

static gpointer
responder_thread(gpointer data)
{
  PlcSysinfoResponder *r = data;
  g_autofree struct pollfd *p = NULL;
  guint cap = 0;

  for (;;) {
    guint n = r->fds->len;
    if (n > cap) {
      cap = n * 2;
      p = g_renew(struct pollfd, p, cap);
    }
    for (guint i = 0; i < n; i++)
      p[i] = (struct pollfd){.fd = g_array_index(r->fds, Watched, i).fd, .events = POLLIN};
    if (poll(p, n, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    /* Walk backwards so removing entry i leaves the earlier indices valid; entries
     * appended during the walk are polled next time. */
    for (guint i = n; i-- > 0;) {
      Watched w = g_array_index(r->fds, Watched, i);
      short ev = p[i].revents;
      if (ev == 0)
        continue;
      switch (w.kind) {
      case FD_WAKE:
        return NULL;
      case FD_SERVER: {
        int conn = accept4(w.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn >= 0)
          watch(r, conn, FD_CONN);
        break;
      }
      case FD_CONN:
        receive_listener(r, w.fd);
        close(w.fd);
        g_array_remove_index(r->fds, i);
        break;
      case FD_LISTENER:
        if (ev & POLLIN) {
          answer(r, w.fd);
        } else if (ev & (POLLHUP | POLLERR | POLLNVAL)) {
          /* Every process of this filter exited. */
          close(w.fd);
          g_array_remove_index(r->fds, i);
        }
        break;
      }
    }
  }
  return NULL;
}

/* The socket's address: its path, or, when that is longer than sun_path allows (a rootless
 * state dir under a long $XDG_RUNTIME_DIR), the same file reached through an O_PATH descriptor
 * of the state dir (*ret_dirfd, to close after bind/connect; -1 otherwise). */
static gboolean
socket_addr(const char *state_dir, struct sockaddr_un *addr, int *ret_dirfd, GError **error)
{
  g_autofree char *path = g_build_filename(state_dir, PLC_SYSINFO_SOCKET, NULL);
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  *ret_dirfd = -1;
  if (strlen(path) < sizeof addr->sun_path) {
    strcpy(addr->sun_path, path);
    return TRUE;
  }
  *ret_dirfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*ret_dirfd < 0) {
    plc_set_errno(error, errno, "open %s", state_dir);
    return FALSE;
  }
  g_snprintf(addr->sun_path, sizeof addr->sun_path, "/proc/self/fd/%d/" PLC_SYSINFO_SOCKET,
             *ret_dirfd);
  return TRUE;
}

static int
listen_at(const char *state_dir, const char *path, GError **error)
{
  struct sockaddr_un addr;
  int dirfd;
  if (!socket_addr(state_dir, &addr, &dirfd, error))
    return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    plc_set_errno(error, errno, "socket");
    if (dirfd >= 0)
      close(dirfd);
    return -1;
  }
  unlink(path);
  int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  if (dirfd >= 0)
    close(dirfd);
  if (r < 0 || chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
    plc_set_errno(error, errno, "listen on %s", path);
    close(fd);
    return -1;
  }
  return fd;
}

PlcSysinfoResponder *
plc_sysinfo_responder_start(const char *cgroup_root, const char *state_dir, int listener,
                            GError **error)
{
  g_autofree char *path = g_build_filename(state_dir, PLC_SYSINFO_SOCKET, NULL);
  PlContext *ctx = pl_context_new(cgroup_root, "/proc", error);
  if (ctx == NULL) {
    close(listener);
    return NULL;
  }
  int server = listen_at(state_dir, path, error);
  int wake = server < 0 ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    if (server >= 0) {
      plc_set_errno(error, errno, "eventfd");
      close(server);
      unlink(path);
    }
    pl_context_free(ctx);
    close(listener);
    return NULL;
  }
  PlcSysinfoResponder *r = g_new0(PlcSysinfoResponder, 1);
  r->ctx = ctx;
  r->socket_path = g_steal_pointer(&path);
  r->wake = wake;
  r->fds = g_array_new(FALSE, FALSE, sizeof(Watched));
  watch(r, wake, FD_WAKE);
  watch(r, server, FD_SERVER);
  watch(r, listener, FD_LISTENER);
  r->thread = g_thread_new("sysinfo", responder_thread, r);
  return r;
}

void
plc_sysinfo_responder_stop(PlcSysinfoResponder *r)
{
  if (r == NULL)
    return;
  guint64 one = 1;
  (void)!write(r->wake, &one, sizeof one);
  g_thread_join(r->thread);
  for (guint i = 0; i < r->fds->len; i++)
    close(g_array_index(r->fds, Watched, i).fd);
  g_array_unref(r->fds);
  unlink(r->socket_path);
  g_free(r->socket_path);
  pl_context_free(r->ctx);
  g_free(r);
}

guint64
plc_sysinfo_responder_answered(PlcSysinfoResponder *r)
{
  return r ? (guint64)g_atomic_int_get(&r->answered) : 0;
}

int
plc_sysinfo_connect(const char *state_dir, GError **error)
{
  struct sockaddr_un addr;
  int dirfd;
  if (!socket_addr(state_dir, &addr, &dirfd, error))
    return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0;
  int saved = errno;
  if (dirfd >= 0)
    close(dirfd);
  if (!ok) {
    plc_set_errno(error, saved, "connect to the container's monitor in %s", state_dir);
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

gboolean
plc_sysinfo_send_listener(int sock, int listener, GError **error)
{
  if (!plc_send_fd(sock, listener, 'S', "the sysinfo listener to the monitor", error))
    return FALSE;
  /* Wait (bounded) for the monitor's acknowledgement, so the listener is not in flight
   * when the command starts; without it the command still runs. */
  struct pollfd p = {.fd = sock, .events = POLLIN};
  char ack;
  if (poll(&p, 1, 5000) != 1 || read(sock, &ack, 1) != 1) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the monitor did not take the listener");
    return FALSE;
  }
  return TRUE;
}
