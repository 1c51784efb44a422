/* inotify on the registry directory, in a thread that sleeps in poll(2) until something
 * changes there. */
#include "registry_watch.h"
#include "proclens/error.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#define EVENTS                                                                                     \
  (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)

struct RegistryWatch {
  ViewTable *table;
  int inotify_fd;
  int stop_fd; /* eventfd: written to stop the thread */
  int wd;      /* -1 while the directory is missing */
  GThread *thread;
};

/* (Re)creates and watches the directory, then syncs: what changed while unwatched counts. */
static gboolean
watch_dir(RegistryWatch *w, GError **error)
{
  const char *dir = view_table_registry(w->table);
  if (g_mkdir_with_parents(dir, 0700) < 0) {
    pl_set_errno(error, errno, "create the container registry %s", dir);
    return FALSE;
  }
  w->wd = inotify_add_watch(w->inotify_fd, dir, EVENTS | IN_ONLYDIR);
  if (w->wd < 0) {
    pl_set_errno(error, errno, "watch the container registry %s", dir);
    return FALSE;
  }
  view_table_sync_all(w->table);
  return TRUE;
}

static void
handle_events(RegistryWatch *w, const char *buf, ssize_t len)
{
  for (const char *p = buf; p < buf + len;) {
    const struct inotify_event *ev = (const struct inotify_event *)p;
    p += sizeof *ev + ev->len;
    if (ev->mask & IN_Q_OVERFLOW) {
      view_table_sync_all(w->table);
    } else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
      g_warning("container registry %s went away; its containers are unregistered",
                view_table_registry(w->table));
      inotify_rm_watch(w->inotify_fd, w->wd);
      w->wd = -1;
      view_table_sync_all(w->table);
    } else if (ev->len > 0 && ev->name[0] != '.') {
      view_table_sync(w->table, ev->name);
    }
  }
}

static gpointer
watch_thread(gpointer data)
{
  RegistryWatch *w = data;
  char buf[16 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));

  for (;;) {
    struct pollfd fds[2] = {{.fd = w->inotify_fd, .events = POLLIN},
                            {.fd = w->stop_fd, .events = POLLIN}};
    /* A vanished directory is looked for again every second; otherwise sleep. */
    int n = poll(fds, 2, w->wd < 0 ? 1000 : -1);
    if (n < 0 && errno != EINTR)
      break;
    if (fds[1].revents & POLLIN)
      break;
    if (fds[0].revents & POLLIN) {
      ssize_t len = read(w->inotify_fd, buf, sizeof buf);
      if (len > 0)
        handle_events(w, buf, len);
    }
    if (w->wd < 0)
      watch_dir(w, NULL);
  }
  return NULL;
}

RegistryWatch *
registry_watch_start(ViewTable *table, GError **error)
{
  RegistryWatch *w = g_new0(RegistryWatch, 1);
  w->table = table;
  w->wd = -1;
  w->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  w->stop_fd = eventfd(0, EFD_CLOEXEC);
  if (w->inotify_fd < 0 || w->stop_fd < 0) {
    pl_set_errno(error, errno, "inotify");
    registry_watch_stop(w);
    return NULL;
  }
  if (!watch_dir(w, error)) {
    registry_watch_stop(w);
    return NULL;
  }
  w->thread = g_thread_new("registry", watch_thread, w);
  return w;
}

void
registry_watch_stop(RegistryWatch *w)
{
  if (w == NULL)
    return;
  if (w->thread != NULL) {
    guint64 one = 1;
    if (write(w->stop_fd, &one, sizeof one) != sizeof one)
      g_warning("cannot stop the registry watcher: %s", g_strerror(errno));
    g_thread_join(w->thread);
  }
  if (w->inotify_fd >= 0)
    close(w->inotify_fd);
  if (w->stop_fd >= 0)
    close(w->stop_fd);
  g_free(w);
}
