/* proclens-bench: what a daemon costs, from /proc: its CPU (utime+stime, or the threads'
 * se.sum_exec_runtime when the kernel has /proc/PID/task/TID/sched), its RSS, and per
 * thread its CPU and context switches (how often it woke). */
#include "bench.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double
daemon_cpu_ns(pid_t pid)
{
  char path[64], buf[2048];
  if (pid <= 0)
    return NAN;
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NAN;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return NAN;
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (p == NULL)
    return NAN;
  /* After ") ": field 3 (state) ... field 14 utime, 15 stime. */
  unsigned long long utime, stime;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return NAN;
  return (double)(utime + stime) * 1e9 / (double)sysconf(_SC_CLK_TCK);
}

/* A finer measure when the kernel has it (CONFIG_SCHED_DEBUG): the sum of the threads'
 * se.sum_exec_runtime (ns precision) from /proc/PID/task/TID/sched. Threads that end
 * between two samples take their time with them, so the sum is only used when the set of
 * threads did not change (*ret_sig: their count and the sum of their ids). */

static double
daemon_cpu_fine_ns(pid_t pid, uint64_t *ret_sig)
{
  char path[128], line[256];
  double total = 0;
  uint64_t sig = 0;
  *ret_sig = 0;
  if (pid <= 0)
    return NAN;
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (d == NULL)
    return NAN;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "/proc/%d/task/%s/sched", (int)pid, e->d_name);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
      closedir(d);
      return NAN;
    }
    double ms = NAN;
    while (fgets(line, sizeof line, f) != NULL) {
      if (strncmp(line, "se.sum_exec_runtime", 19) == 0) {
        char *colon = strchr(line, ':');
        ms = colon != NULL ? strtod(colon + 1, NULL) : NAN;
        break;
      }
    }
    fclose(f);
    if (isnan(ms)) {
      closedir(d);
      return NAN;
    }
    total += ms * 1e6;
    sig += (1ull << 40) + strtoull(e->d_name, NULL, 10);
  }
  closedir(d);
  *ret_sig = sig;
  return total;
}

CpuSample
cpu_sample(pid_t pid)
{
  CpuSample c;
  c.coarse = daemon_cpu_ns(pid);
  c.fine = daemon_cpu_fine_ns(pid, &c.sig);
  return c;
}

double
cpu_delta(CpuSample a, CpuSample b)
{
  if (!isnan(a.fine) && !isnan(b.fine) && a.sig == b.sig && a.sig != 0)
    return b.fine - a.fine;
  return b.coarse - a.coarse;
}

long
daemon_rss_kb(pid_t pid)
{
  char path[64], line[256];
  long kb = -1;
  if (pid <= 0)
    return -1;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "re");
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
      break;
  }
  fclose(f);
  return kb;
}

/* One thread's figures: comm, se.sum_exec_runtime (else utime+stime), context switches. */
static int
thread_stat(pid_t pid, const char *tid, DaemonThread *ret)
{
  char path[128], line[256];
  DaemonThread t = {.tid = atoi(tid), .cpu_ns = NAN};
  snprintf(path, sizeof path, "/proc/%d/task/%s/comm", (int)pid, tid);
  FILE *f = fopen(path, "re");
  if (f == NULL)
    return -1;
  if (fgets(t.comm, sizeof t.comm, f) != NULL)
    t.comm[strcspn(t.comm, "\n")] = '\0';
  fclose(f);
  snprintf(path, sizeof path, "/proc/%d/task/%s/sched", (int)pid, tid);
  f = fopen(path, "re");
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "se.sum_exec_runtime", 19) == 0) {
      char *colon = strchr(line, ':');
      if (colon != NULL)
        t.cpu_ns = strtod(colon + 1, NULL) * 1e6;
      break;
    }
  }
  if (f != NULL)
    fclose(f);
  if (isnan(t.cpu_ns)) {
    char buf[2048];
    snprintf(path, sizeof path, "/proc/%d/task/%s/stat", (int)pid, tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
      close(fd);
    char *p = n > 0 ? (buf[n] = '\0', strrchr(buf, ')')) : NULL;
    unsigned long long utime, stime;
    if (p != NULL &&
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2)
      t.cpu_ns = (double)(utime + stime) * 1e9 / (double)sysconf(_SC_CLK_TCK);
  }
  snprintf(path, sizeof path, "/proc/%d/task/%s/status", (int)pid, tid);
  f = fopen(path, "re");
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    unsigned long long v;
    if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
      t.vcsw = v;
    else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
      t.nvcsw = v;
  }
  if (f != NULL)
    fclose(f);
  *ret = t;
  return 0;
}

int
daemon_threads(pid_t pid, DaemonThread *out, int max)
{
  char path[64];
  int n = 0;
  if (pid <= 0)
    return -1;
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (d == NULL)
    return -1;
  struct dirent *e;
  while (n < max && (e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.' && thread_stat(pid, e->d_name, &out[n]) == 0)
      n++;
  }
  closedir(d);
  return n;
}

int
daemon_fd_count(pid_t pid)
{
  char path[64];
  int n = 0;
  if (pid <= 0)
    return -1;
  snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
  DIR *d = opendir(path);
  if (d == NULL)
    return -1;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}
