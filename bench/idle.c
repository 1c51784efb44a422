/* proclens-bench --idle N: what N registered but idle containers cost the daemon.
 *
 * Creates N cgroups (cgroups.c), puts one sleeping process in each, registers each as a
 * container view with libproclens's atomic writer (pl_registry_add: ".NAME.tmp", rename),
 * times until the daemon lists them all in containers/, and measures the daemon's CPU and
 * wakeups over windows of `seconds`: idle before registering, idle with the N registered,
 * while one of the N views is read in a loop, and idle again after every view was read once
 * (each read renders and queues the file with the refresher; it must not stay busy).
 * Then unregisters, kills the sleepers and removes the cgroups, also when stopped. */
#include "bench.h"
#include "proclens/registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NAME_PREFIX "idle-"
#define MAX_THREADS 256

typedef struct {
  const char *what;
  int registered; /* containers listed in containers/ during the window */
  double seconds, cpu_ns;
  unsigned long long vcsw, nvcsw;
  unsigned long long reads, bad; /* the looping reader's, and reads not showing its limit */
  long rss_kb;
  int fds;
  int nthreads;
  DaemonThread before[MAX_THREADS], after[MAX_THREADS];
} Window;

static void
nap_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Sleeps until deadline in short naps, so that a stop request is seen soon. */
static void
nap_until(uint64_t deadline, volatile sig_atomic_t *stop)
{
  while (!*stop && now_ns() < deadline)
    nap_ms(20);
}

/* Entries of containers/ whose name starts with prefix ("" = all), -1 on failure. */
static int
count_listed(const char *dir, const char *prefix)
{
  DIR *d = opendir(dir);
  if (d == NULL)
    return -1;
  int n = 0;
  size_t len = strlen(prefix);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.' && strncmp(e->d_name, prefix, len) == 0)
      n++;
  }
  closedir(d);
  return n;
}

/* Polls containers/ every 5 ms until it lists `want` of ours; seconds waited, NAN on
 * timeout (60 s), stop, or when containers/ cannot be read. */
static double
wait_listed(const char *dir, int want, volatile sig_atomic_t *stop)
{
  uint64_t t0 = now_ns(), give_up = t0 + 60 * 1000000000ull;
  while (!*stop && now_ns() < give_up) {
    int listed = count_listed(dir, NAME_PREFIX);
    if (listed < 0)
      break; /* the daemon is gone */
    if (listed == want)
      return (double)(now_ns() - t0) / 1e9;
    nap_ms(5);
  }
  return NAN;
}

static void
window_begin(Window *w, const IdleConfig *cfg, const char *what)
{
  w->what = what;
  w->nthreads = daemon_threads(cfg->pid, w->before, MAX_THREADS);
}

/* CPU and switches summed over the threads present at both ends (a thread that came or
 * went in between is counted from zero or not at all; proclensd's threads are fixed). */
static void
window_end(Window *w, const IdleConfig *cfg, uint64_t t0)
{
  w->seconds = (double)(now_ns() - t0) / 1e9;
  int n = daemon_threads(cfg->pid, w->after, MAX_THREADS);
  w->cpu_ns = 0;
  w->vcsw = w->nvcsw = 0;
  for (int i = 0; i < n; i++) {
    DaemonThread *a = &w->after[i], zero = {0};
    const DaemonThread *b = &zero;
    for (int j = 0; j < w->nthreads; j++)
      if (w->before[j].tid == a->tid)
        b = &w->before[j];
    /* keep the delta in `after`, for the per-thread table */
    a->cpu_ns -= b->cpu_ns;
    a->vcsw -= b->vcsw;
    a->nvcsw -= b->nvcsw;
    w->cpu_ns += a->cpu_ns;
    w->vcsw += a->vcsw;
    w->nvcsw += a->nvcsw;
  }
  w->nthreads = n;
  w->rss_kb = daemon_rss_kb(cfg->pid);
  w->fds = daemon_fd_count(cfg->pid);
}

static void
measure_idle(Window *w, const IdleConfig *cfg, const char *what, volatile sig_atomic_t *stop)
{
  window_begin(w, cfg, what);
  uint64_t t0 = now_ns();
  nap_until(t0 + (uint64_t)(cfg->seconds * 1e9), stop);
  window_end(w, cfg, t0);
}

/* open + read to EOF + close of rel under dirfd; 1 when it was read and, with want_kb, its
 * MemTotal was want_kb. */
static int
read_file(int dirfd, const char *rel, uint64_t want_kb)
{
  char buf[16384];
  size_t total = 0;
  int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  for (;;) {
    ssize_t n = read(fd, buf + total, sizeof buf - 1 - total);
    if (n <= 0)
      break;
    total += (size_t)n;
    if (total == sizeof buf - 1)
      total = 0; /* longer than any meminfo: keep reading to EOF, it will not match */
  }
  close(fd);
  buf[total] = '\0';
  unsigned long long kb = 0;
  if (want_kb == 0)
    return total > 0;
  return sscanf(buf, "MemTotal: %llu kB", &kb) == 1 && kb == want_kb;
}

/* One container's view (its directory opened once, as a bind mount gives it: the walk
 * never goes through containers/) read in a loop; the other views stay idle. */
static void
measure_reading(Window *w, const IdleConfig *cfg, const char *containers,
                volatile sig_atomic_t *stop)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/%s0", containers, NAME_PREFIX);
  int dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    fprintf(stderr, "proclens-bench: %s: %s\n", path, strerror(errno));
    return;
  }
  uint64_t want_kb = bench_cg_limit(0) / 1024;
  window_begin(w, cfg, "1 view read in a loop, the rest idle");
  uint64_t t0 = now_ns(), end = t0 + (uint64_t)(cfg->seconds * 1e9);
  while (!*stop && now_ns() < end) {
    if (!read_file(dirfd, "proc/meminfo", want_kb))
      w->bad++;
    w->reads++;
  }
  window_end(w, cfg, t0);
  close(dirfd);
}

/* Reads the files `top` reads from every registered view once (through containers/NAME:
 * a LOOKUP each), untimed; returns the views that failed or showed another MemTotal. Each
 * read renders a file and queues it with the refresher; loadavg also has the container's
 * cgroup sampled every 5 s from then on (for 10 minutes). */
static int
read_each_once(const IdleConfig *cfg, const char *containers, volatile sig_atomic_t *stop)
{
  static const char *const others[] = {"proc/stat", "proc/uptime", "proc/loadavg"};
  char path[1024];
  int bad = 0;
  for (int i = 0; i < cfg->count && !*stop; i++) {
    snprintf(path, sizeof path, "%s/%s%d", containers, NAME_PREFIX, i);
    int dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int ok = dirfd >= 0 && read_file(dirfd, "proc/meminfo", bench_cg_limit(i) / 1024);
    for (size_t k = 0; ok && k < sizeof others / sizeof *others; k++)
      ok = read_file(dirfd, others[k], 0);
    if (!ok)
      bad++;
    if (dirfd >= 0)
      close(dirfd);
  }
  return bad;
}

static void
fmt_cpu(char *out, size_t size, double ns)
{
  if (isnan(ns))
    snprintf(out, size, "-");
  else if (ns < 1e3)
    snprintf(out, size, "%.0f ns", ns);
  else if (ns < 1e6)
    snprintf(out, size, "%.0f µs", ns / 1e3);
  else
    snprintf(out, size, "%.2f ms", ns / 1e6);
}

static void
print_window(const Window *w)
{
  char cpu[32], per_s[32], per_read[32] = "-", rps[32] = "-", bad[32] = "-";
  fmt_cpu(cpu, sizeof cpu, w->cpu_ns);
  fmt_cpu(per_s, sizeof per_s, w->cpu_ns / w->seconds);
  if (w->reads > 0) {
    fmt_cpu(per_read, sizeof per_read, w->cpu_ns / (double)w->reads);
    snprintf(rps, sizeof rps, "%.0f", (double)w->reads / w->seconds);
    snprintf(bad, sizeof bad, "%llu", w->bad);
  }
  printf("%-42s %6d %6.1f %10s %10s %9.1f %8.1f %9s %9s %6s %7.1fM %6d\n", w->what, w->registered,
         w->seconds, cpu, per_s, (double)w->vcsw / w->seconds, (double)w->nvcsw / w->seconds, rps,
         per_read, bad, (double)w->rss_kb / 1024, w->fds);
}

/* Per thread (by name and id), each window's CPU and voluntary switches (wakeups). */
static void
print_threads(const Window *w, int nw)
{
  printf("\n-- per daemon thread: CPU and voluntary context switches (wakeups) per second, "
         "by window\n");
  printf("%-16s %8s", "thread", "tid");
  for (int k = 0; k < nw; k++)
    printf(" %11s %6s",
           k == 0   ? "before"
           : k == 1 ? "idle N"
           : k == 2 ? "1 read"
                    : "read once",
           "vol/s");
  printf("\n");
  for (int i = 0; i < w[nw - 1].nthreads; i++) {
    const DaemonThread *t = &w[nw - 1].after[i];
    printf("%-16s %8d", t->comm, t->tid);
    for (int k = 0; k < nw; k++) {
      const DaemonThread *d = NULL;
      for (int j = 0; j < w[k].nthreads; j++)
        if (w[k].after[j].tid == t->tid)
          d = &w[k].after[j];
      char cpu[32] = "-", vol[32] = "-";
      if (d != NULL) {
        fmt_cpu(cpu, sizeof cpu, d->cpu_ns / w[k].seconds);
        strcat(cpu, "/s");
        snprintf(vol, sizeof vol, "%.1f", (double)d->vcsw / w[k].seconds);
      }
      printf(" %11s %6s", cpu, vol);
    }
    printf("\n");
  }
}

/* The sleeper: joins cgroup i, says so, and sleeps until killed. */
static void
sleeper(int i, pid_t parent, int ready_fd)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(1);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  char c = bench_cg_join(i) == 0 ? 'r' : 'f';
  if (write(ready_fd, &c, 1) != 1)
    _exit(1);
  close(ready_fd);
  for (;;)
    pause();
}

int
bench_idle(const IdleConfig *cfg, volatile sig_atomic_t *stop)
{
  char containers[1024];
  int n = cfg->count, rc = 1, forked = 0, registered = 0;
  static Window w[4];
  pid_t *kids = calloc((size_t)n, sizeof *kids);
  int ready[2] = {-1, -1};
  double t_cg = NAN, t_write = NAN, t_lookup = NAN, t_listed = NAN, t_gone = NAN;
  int bad_once = -1;
  long rss_before = -1, rss_after = -1;

  memset(w, 0, sizeof w);
  snprintf(containers, sizeof containers, "%s/containers", cfg->mount);
  int before = count_listed(containers, "");
  if (kids == NULL || before < 0 || cfg->pid <= 0) {
    fprintf(stderr,
            "proclens-bench: --idle needs a target NAME=MOUNT,pid=PID whose MOUNT has "
            "containers/ (%s: %s)\n",
            containers, before < 0 ? strerror(errno) : "no pid");
    free(kids);
    return 2;
  }

  /* 1. The daemon as it is, for contrast: a second to settle, then a window. */
  fprintf(stderr, "proclens-bench: idle: %d container(s) registered, measuring %.0f s\n", before,
          cfg->seconds);
  nap_ms(1000);
  measure_idle(&w[0], cfg, "idle, before registering", stop);
  w[0].registered = before;

  /* 2. N cgroups, one sleeper in each. */
  uint64_t t0 = now_ns();
  if (*stop || bench_cg_setup(cfg->cg_name, n) != 0)
    goto out;
  if (pipe2(ready, O_CLOEXEC) != 0) {
    fprintf(stderr, "proclens-bench: pipe: %s\n", strerror(errno));
    goto out;
  }
  pid_t parent = getpid();
  for (; forked < n && !*stop; forked++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "proclens-bench: fork: %s\n", strerror(errno));
      goto out;
    }
    if (pid == 0) {
      close(ready[0]);
      sleeper(forked, parent, ready[1]);
    }
    kids[forked] = pid;
  }
  close(ready[1]);
  ready[1] = -1;
  for (int got = 0; got < forked && !*stop; got++) {
    char c;
    if (read(ready[0], &c, 1) != 1 || c != 'r') {
      fprintf(stderr, "proclens-bench: a sleeper could not join its cgroup\n");
      goto out;
    }
  }
  if (*stop)
    goto out;
  t_cg = (double)(now_ns() - t0) / 1e9;
  fprintf(stderr, "proclens-bench: %d %s cgroups %s/c0..c%d with a sleeper each in %.1f s\n", n,
          bench_cg_kind(), cfg->cg_name, n - 1, t_cg);

  /* 3. Register them; time until the daemon lists them all. */
  rss_before = daemon_rss_kb(cfg->pid);
  t0 = now_ns();
  for (; registered < n && !*stop; registered++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strdup_printf(NAME_PREFIX "%d", registered);
    g_autofree char *cgroup = g_strdup_printf("/%s/c%d", cfg->cg_name, registered);
    PlRegistryEntry entry = {.cgroup = cgroup, .pid = kids[registered]};
    if (!pl_registry_add(cfg->registry, name, &entry, &error)) {
      fprintf(stderr, "proclens-bench: register %s: %s\n", name, error->message);
      goto out;
    }
  }
  t_write = (double)(now_ns() - t0) / 1e9;
  /* A lookup reads the registry itself when the watcher has not got there yet, so this
   * one is quick whatever the watcher does; the listing below is the watcher's time. */
  char last[1100];
  struct stat st;
  snprintf(last, sizeof last, "%s/%s%d", containers, NAME_PREFIX, n - 1);
  uint64_t tl = now_ns();
  if (stat(last, &st) == 0)
    t_lookup = (double)(now_ns() - tl) / 1e9;
  t_listed = wait_listed(containers, n, stop);
  if (!isnan(t_listed))
    t_listed += (double)(tl - t0) / 1e9;
  fprintf(stderr,
          "proclens-bench: registered %d in %.3f s; all listed in containers/ %.3f s after the "
          "first write\n",
          n, t_write, t_listed);
  if (isnan(t_listed))
    goto out;
  nap_ms(1000);
  rss_after = daemon_rss_kb(cfg->pid);

  /* 4. The windows with N registered. */
  measure_idle(&w[1], cfg, "idle, N more registered", stop);
  measure_reading(&w[2], cfg, containers, stop);
  uint64_t tr = now_ns();
  if (!*stop)
    bad_once = read_each_once(cfg, containers, stop);
  double t_read = (double)(now_ns() - tr) / 1e9;
  nap_ms(1000); /* the refresher's one interval after the last read, and a margin */
  measure_idle(&w[3], cfg, "idle, after each view was read once", stop);
  for (int i = 1; i < 4; i++)
    w[i].registered = before + n;
  if (*stop)
    goto out;
  rc = 0;

  printf("\n== idle: %d containers registered (%s cgroups, a sleeping process each), %.1f s per "
         "window\n",
         n, bench_cg_kind(), cfg->seconds);
  printf("%-42s %6s %6s %10s %10s %9s %8s %9s %9s %6s %8s %6s\n", "window", "cont.", "secs", "dCPU",
         "dCPU/s", "vol/s", "invol/s", "reads/s", "dCPU/rd", "wrong", "RSS", "fds");
  for (int i = 0; i < 4; i++)
    print_window(&w[i]);
  print_threads(w, 4);
  printf("\nregistering %d (pl_registry_add): %.3f s; lookup of the last: %.2f ms; all %d listed "
         "in containers/ after %.3f s (polled every 5 ms)\n",
         n, t_write, t_lookup * 1e3, n, t_listed);
  printf("daemon RSS: %.1f MiB before registering, %.1f MiB with %d registered (%+.2f KiB each), "
         "%.1f MiB after each view was read once (%+.2f KiB per view, 4 files rendered)\n",
         rss_before / 1024.0, rss_after / 1024.0, n, (double)(rss_after - rss_before) / n,
         w[3].rss_kb / 1024.0, (double)(w[3].rss_kb - rss_after) / n);
  printf("each of the %d views read once (meminfo, stat, uptime, loadavg: what top reads) in "
         "%.2f s: %d failed or did not show its own cgroup's MemTotal\n",
         n, t_read, bad_once);
  printf("idle: %d registered containers: daemon CPU %.3f ms/s (%.3f before registering; "
         "target ~0), %.1f wakeups/s; after each was read once %.3f ms/s; 1 view read in a loop: "
         "%.2f ms/s at %.0f reads/s (%.2f µs/read); %d listed after %.2f s; RSS %+.2f KiB per "
         "container\n",
         n, w[1].cpu_ns / w[1].seconds / 1e6, w[0].cpu_ns / w[0].seconds / 1e6,
         (double)w[1].vcsw / w[1].seconds, w[3].cpu_ns / w[3].seconds / 1e6,
         w[2].cpu_ns / w[2].seconds / 1e6, (double)w[2].reads / w[2].seconds,
         w[2].reads > 0 ? w[2].cpu_ns / (double)w[2].reads / 1e3 : NAN, n, t_listed,
         (double)(rss_after - rss_before) / n);
  fflush(stdout);

out:
  /* Unregister first (the daemon drops the views), then the sleepers, then the cgroups. */
  t0 = now_ns();
  for (int i = 0; i < registered; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *name = g_strdup_printf(NAME_PREFIX "%d", i);
    if (!pl_registry_remove(cfg->registry, name, &error)) {
      fprintf(stderr, "proclens-bench: unregister %s: %s\n", name, error->message);
      rc = 1;
    }
  }
  if (registered > 0 && rc == 0) {
    static volatile sig_atomic_t never;
    if (!isnan(wait_listed(containers, 0, &never)))
      t_gone = (double)(now_ns() - t0) / 1e9;
    printf("unregistering %d: none listed %.3f s after the first unlink\n", registered, t_gone);
  }
  for (int i = 0; i < forked; i++)
    kill(kids[i], SIGKILL);
  for (int i = 0; i < forked; i++)
    while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
      ;
  if (ready[0] >= 0)
    close(ready[0]);
  if (ready[1] >= 0)
    close(ready[1]);
  if (bench_cg_cleanup() != 0)
    rc = 1;
  if (registered > 0 && !*stop) {
    /* What the daemon still holds once its containers and their cgroups are gone. */
    nap_ms(1000);
    printf("after unregistering and removing the cgroups: daemon RSS %.1f MiB, %d fds\n",
           daemon_rss_kb(cfg->pid) / 1024.0, daemon_fd_count(cfg->pid));
  }
  free(kids);
  return *stop ? 130 : rc;
}
