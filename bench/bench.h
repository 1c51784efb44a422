/* proclens-bench: shared declarations. */
#pragma once

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* cgroups.c */
int bench_cg_setup(const char *name, int count);
int bench_cg_grow(int count);
int bench_cg_join(int index);
int bench_cg_cleanup(void);
uint64_t bench_cg_limit(int index);
const char *bench_cg_kind(void);

/* daemon_stat.c: a daemon's CPU (ns, NAN when unknown), RSS (KiB, -1 when unknown) */
typedef struct {
  double coarse, fine;
  uint64_t sig;
} CpuSample;

CpuSample cpu_sample(pid_t pid);
double cpu_delta(CpuSample a, CpuSample b);
long daemon_rss_kb(pid_t pid);

typedef struct {
  int tid;
  char comm[32];
  double cpu_ns;                  /* se.sum_exec_runtime, else utime+stime */
  unsigned long long vcsw, nvcsw; /* voluntary / involuntary context switches */
} DaemonThread;

/* Fills out[0..max-1] with the daemon's threads; returns their number, -1 on failure. */
int daemon_threads(pid_t pid, DaemonThread *out, int max);
/* Its open file descriptors, -1 when unknown. */
int daemon_fd_count(pid_t pid);

/* idle.c: the idle phase (see bench/README.md) */
typedef struct {
  const char *mount;    /* the daemon's mountpoint (containers/ under it) */
  pid_t pid;            /* the daemon */
  const char *registry; /* its --registry directory */
  const char *cg_name;  /* the parent cgroup to create */
  int count;            /* containers to create and register */
  double seconds;       /* length of each measured window */
} IdleConfig;

/* Measures, prints its table and summary line ("idle: ..."), cleans up; *stop (set by a
 * signal handler) ends it early. Returns 0, 1 on failure, 2 on bad use, 130 when stopped. */
int bench_idle(const IdleConfig *cfg, volatile sig_atomic_t *stop);

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
