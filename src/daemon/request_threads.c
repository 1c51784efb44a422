/* FUSE request threads with a stop that cannot hang (see request_threads.h). */
#include "request_threads.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

struct RequestThreads {
  struct fuse_session *se;
  guint started;
  gint running;
  pthread_t ids[];
};

/* Only interrupts read(2): installed without SA_RESTART. */
static void
wake_handler(int sig)
{
}

static void *
serve(void *data)
{
  RequestThreads *threads = data;
  struct fuse_buf buf = {0};
  sigset_t wake;

  sigemptyset(&wake);
  sigaddset(&wake, SIGUSR2);
  pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
  while (!fuse_session_exited(threads->se)) {
    int res = fuse_session_receive_buf(threads->se, &buf);
    if (res == -EINTR || res == -EAGAIN)
      continue;
    if (res <= 0)
      break;
    fuse_session_process_buf(threads->se, &buf);
  }
  free(buf.mem);
  g_atomic_int_dec_and_test(&threads->running);
  return NULL;
}

RequestThreads *
request_threads_start(struct fuse_session *se, guint n)
{
  struct sigaction sa = {.sa_handler = wake_handler};
  RequestThreads *threads = g_malloc0(sizeof *threads + n * sizeof(pthread_t));

  sigaction(SIGUSR2, &sa, NULL);
  threads->se = se;
  for (guint i = 0; i < n; i++) {
    g_atomic_int_inc(&threads->running);
    if (pthread_create(&threads->ids[i], NULL, serve, threads) != 0) {
      g_atomic_int_dec_and_test(&threads->running);
      break;
    }
    threads->started = i + 1;
  }
  if (threads->started == 0)
    g_clear_pointer(&threads, g_free);
  return threads;
}

guint
request_threads_started(const RequestThreads *threads)
{
  return threads != NULL ? threads->started : 0;
}

void
request_threads_stop(RequestThreads *threads)
{
  if (threads == NULL)
    return;
  while (g_atomic_int_get(&threads->running) > 0) {
    for (guint i = 0; i < threads->started; i++)
      pthread_kill(threads->ids[i], SIGUSR2);
    g_usleep(10000);
  }
  for (guint i = 0; i < threads->started; i++)
    pthread_join(threads->ids[i], NULL);
  g_free(threads);
}

guint
request_threads_wanted(void)
{
  cpu_set_t set;
  int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  return CLAMP((guint)n / 2, 1, 4);
}
