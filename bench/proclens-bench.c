/* proclens-bench: N reader processes spread over M cgroups loop open/read-to-EOF/close on
 * one file for T seconds, against several targets side by side (native /proc, proclensd,
 * LXCFS, a do-nothing FUSE file), and report reads/s, latency percentiles, errors,
 * cross-talk (--verify), the serving daemon's CPU per read and its RSS, and ratios.
 *
 * A target is a directory whose proc/... (and sys/...) is read: "/" for the host's own
 * files, a FUSE mountpoint for a daemon. See bench/README.md for the columns. */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 8
#define MAX_FILES 32
#define MAX_SCEN 16
#define MAX_EXEC 8

/* ---- latency histogram: log-linear, 32 sub-buckets per power of two (< 3.2% error) ---- */
#define SUB_BITS 5
#define SUB (1 << SUB_BITS)
#define NBUCKETS (SUB + 40 * SUB)

static int
bucket_of(uint64_t ns)
{
  if (ns < SUB)
    return (int)ns;
  int e = 63 - __builtin_clzll(ns);
  int b = SUB + (e - SUB_BITS) * SUB + (int)((ns >> (e - SUB_BITS)) - SUB);
  return b < NBUCKETS ? b : NBUCKETS - 1;
}

static double
bucket_mid(int b)
{
  if (b < SUB)
    return b;
  int e = (b - SUB) / SUB + SUB_BITS;
  uint64_t m = (uint64_t)((b - SUB) % SUB) + SUB;
  double lo = (double)(m << (e - SUB_BITS));
  double width = (double)(1ull << (e - SUB_BITS));
  return lo + width / 2;
}

static double
hist_quantile(const uint64_t *hist, uint64_t total, double q)
{
  if (total == 0)
    return NAN;
  uint64_t rank = (uint64_t)ceil(q * (double)total);
  if (rank == 0)
    rank = 1;
  uint64_t seen = 0;
  for (int b = 0; b < NBUCKETS; b++) {
    seen += hist[b];
    if (seen >= rank)
      return bucket_mid(b);
  }
  return bucket_mid(NBUCKETS - 1);
}

/* ---- configuration ---- */
typedef struct {
  char name[32];
  char dir[512];
  pid_t pid;    /* serving daemon, 0 for none */
  int noverify; /* its meminfo is not per cgroup (native, null) */
} Target;

typedef struct {
  int readers, cgroups, procs; /* procs >= both: more processes than readers take turns */
} Scenario;

typedef struct {
  int valid;  /* 0: the target does not serve the file */
  int failed; /* readers could not start */
  uint64_t reads, errors, empty, xtalk;
  int verified;
  double rps, p50, p99, p999; /* reads/s, ns */
  double dcpu_ns, ccpu_ns;    /* daemon / client CPU per read */
  long rss_kb;
  double elapsed;
} Result;

/* What the rounds of one cell add up to. */
typedef struct {
  int valid, failed, verified;
  uint64_t reads, errors, empty, xtalk;
  double elapsed, dcpu_ns, ccpu_ns;
  long rss_kb;
  uint64_t hist[NBUCKETS];
} Accum;

static Target targets[MAX_TARGETS];
static int ntargets;
static const char *files[MAX_FILES];
static int nfiles;
static Scenario scens[MAX_SCEN];
static int nscens;
static const char *execs[MAX_EXEC];
static int nexecs;
static int exec_runs = 20;
static double duration = 2.0;
static int verify;
static int burst = 16;
static int rounds = 1;
static size_t bufsize = 64 * 1024;
static int use_cgroups = 1;
static char cg_name[128];
static const char *csv_path;
static FILE *csv;
static int idle_count;           /* --idle N: the idle phase instead of cells */
static const char *registry_dir; /* --registry: the daemon's */
static volatile sig_atomic_t stop_flag;

static void
die(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "proclens-bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

/* ---- readers ---- */
typedef struct {
  uint64_t reads, errors, empty, xtalk, t_last;
  uint64_t cpu_ns; /* the reader's own CPU while reading */
  uint64_t hist[NBUCKETS];
} Slot;

typedef struct {
  int ready, failed;
  uint64_t start, end;
} Header;

static int
memtotal_kb(const char *buf, size_t len, uint64_t *ret)
{
  const char *p = memmem(buf, len, "MemTotal:", 9);
  if (p == NULL)
    return 0;
  p += 9;
  while (*p == ' ')
    p++;
  *ret = strtoull(p, NULL, 10);
  return 1;
}

static void
one_read(const char *path, char *buf, Slot *slot, uint64_t expected_kb)
{
  uint64_t t0 = now_ns();
  size_t total = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  int err = fd < 0;
  if (fd >= 0) {
    for (;;) {
      size_t off = total < bufsize ? total : 0;
      ssize_t n = read(fd, buf + off, bufsize - off);
      if (n < 0) {
        err = 1;
        break;
      }
      if (n == 0)
        break;
      total += (size_t)n;
    }
    if (close(fd) != 0)
      err = 1;
  }
  uint64_t t1 = now_ns();
  slot->hist[bucket_of(t1 - t0)]++;
  slot->t_last = t1;
  if (err) {
    slot->errors++;
    return;
  }
  slot->reads++;
  if (total == 0) {
    slot->empty++;
    return;
  }
  if (expected_kb != 0) {
    uint64_t kb;
    if (!memtotal_kb(buf, total < bufsize ? total : bufsize, &kb) || kb != expected_kb)
      slot->xtalk++;
  }
}

static uint64_t
self_cpu_ns(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)ru.ru_utime.tv_sec * 1000000000ull + (uint64_t)ru.ru_utime.tv_usec * 1000 +
         (uint64_t)ru.ru_stime.tv_sec * 1000000000ull + (uint64_t)ru.ru_stime.tv_usec * 1000;
}

static void
reader(int index, const Scenario *sc, const char *path, int verify_this, Header *hdr, Slot *slot,
       int startfd, const int tok[2], const int warm[2])
{
  char c;
  if (use_cgroups && bench_cg_join(index % sc->cgroups) != 0) {
    __atomic_add_fetch(&hdr->failed, 1, __ATOMIC_SEQ_CST);
    _exit(3);
  }
  uint64_t expected = verify_this ? bench_cg_limit(index % sc->cgroups) / 1024 : 0;
  char *buf = malloc(bufsize);
  if (buf == NULL)
    _exit(4);
  if (warm != NULL) {
    /* Untimed, in turn (8 at a time): every cgroup has been read once before the clock
     * starts, so the daemon holds whatever it keeps per cgroup during the whole cell. */
    Slot scratch;
    memset(&scratch, 0, sizeof scratch);
    if (read(warm[0], &c, 1) == 1) {
      one_read(path, buf, &scratch, 0);
      if (write(warm[1], &c, 1) != 1)
        _exit(5);
    }
  }
  __atomic_add_fetch(&hdr->ready, 1, __ATOMIC_SEQ_CST);
  uint64_t cpu0 = self_cpu_ns();
  if (tok == NULL) {
    while (read(startfd, &c, 1) > 0)
      ;
    uint64_t end = __atomic_load_n(&hdr->end, __ATOMIC_SEQ_CST);
    cpu0 = self_cpu_ns();
    while (slot->t_last < end && !stop_flag)
      one_read(path, buf, slot, expected);
    slot->cpu_ns = self_cpu_ns() - cpu0;
    _exit(0);
  }
  /* More processes than readers: N tokens circulate, FIFO, through the pipe; whoever
   * holds one reads `burst` times and passes it on, so every cgroup is read all along.
   * These processes do not wait on the start pipe: waking P of them at once would make a
   * thundering herd that the first reads (and the daemon's threads) compete with; the
   * parent starts the cell by writing the N tokens. */
  for (;;) {
    if (read(tok[0], &c, 1) != 1) {
      slot->cpu_ns = self_cpu_ns() - cpu0;
      _exit(0);
    }
    uint64_t end = __atomic_load_n(&hdr->end, __ATOMIC_SEQ_CST);
    if (end == 0 || now_ns() >= end) {
      slot->cpu_ns = self_cpu_ns() - cpu0;
      _exit(0);
    }
    for (int k = 0; k < burst && slot->t_last < end; k++)
      one_read(path, buf, slot, expected);
    if (write(tok[1], &c, 1) != 1)
      _exit(5);
  }
}

static void
sleep_until(uint64_t deadline)
{
  while (!stop_flag) {
    uint64_t t = now_ns();
    if (t >= deadline)
      return;
    uint64_t left = deadline - t;
    if (left > 50000000ull)
      left = 50000000ull;
    struct timespec ts = {(time_t)(left / 1000000000ull), (long)(left % 1000000000ull)};
    nanosleep(&ts, NULL);
  }
}

static void
target_path(const Target *t, const char *rel, char *out, size_t size)
{
  snprintf(out, size, "%s/%s", strcmp(t->dir, "/") == 0 ? "" : t->dir, rel);
}

static void
run_cell(const Target *t, const char *file, const Scenario *sc, Accum *acc)
{
  Result r = {0};
  char path[1024];
  target_path(t, file, path, sizeof path);
  if (access(path, R_OK) != 0)
    return;
  acc->valid = 1;

  int nproc = sc->procs;
  int token = sc->procs > sc->readers;
  size_t shsize = sizeof(Header) + (size_t)nproc * sizeof(Slot);
  void *sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED)
    die("mmap: %s", strerror(errno));
  Header *hdr = sh;
  Slot *slots = (Slot *)((char *)sh + sizeof(Header));
  int startp[2], tok[2] = {-1, -1}, warm[2] = {-1, -1};
  if (pipe2(startp, O_CLOEXEC) != 0 ||
      (token && (pipe2(tok, O_CLOEXEC) != 0 || pipe2(warm, O_CLOEXEC) != 0)))
    die("pipe: %s", strerror(errno));
  if (token)
    fcntl(tok[1], F_SETPIPE_SZ, 1 << 20);
  int verify_this = verify && !t->noverify && strstr(file, "meminfo") != NULL;
  r.verified = verify_this;

  pid_t *kids = calloc((size_t)nproc, sizeof *kids);
  pid_t parent = getpid();
  int forked = 0;
  for (int i = 0; i < nproc; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      fprintf(stderr, "proclens-bench: fork: %s\n", strerror(errno));
      stop_flag = 1;
      break;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent)
        _exit(1);
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      close(startp[1]);
      reader(i, sc, path, verify_this, hdr, &slots[i], startp[0], token ? tok : NULL,
             token ? warm : NULL);
      _exit(0);
    }
    kids[forked++] = pid;
  }
  close(startp[0]);
  if (token) {
    /* The warm-up goes 8 at a time whatever N is: it is untimed, only has to be over soon. */
    for (int k = 0; k < (nproc < 8 ? nproc : 8); k++)
      if (write(warm[1], "w", 1) != 1)
        die("warm-up pipe: %s", strerror(errno));
  }
  /* Wait until every reader sits in its cgroup (and, with turns, has read once). */
  uint64_t give_up = now_ns() + 120 * 1000000000ull;
  while (!stop_flag && __atomic_load_n(&hdr->ready, __ATOMIC_SEQ_CST) +
                               __atomic_load_n(&hdr->failed, __ATOMIC_SEQ_CST) <
                           forked) {
    if (now_ns() > give_up) {
      fprintf(stderr, "proclens-bench: readers did not start\n");
      stop_flag = 1;
    }
    usleep(1000);
  }
  if (hdr->failed > 0)
    r.failed = 1;
  CpuSample cpu0 = cpu_sample(t->pid);
  uint64_t start = now_ns();
  uint64_t end = start + (uint64_t)(duration * 1e9);
  __atomic_store_n(&hdr->start, start, __ATOMIC_SEQ_CST);
  __atomic_store_n(&hdr->end, r.failed || stop_flag ? start : end, __ATOMIC_SEQ_CST);
  close(startp[1]);
  if (token) {
    for (int k = 0; k < sc->readers; k++)
      if (write(tok[1], "t", 1) != 1)
        die("token pipe: %s", strerror(errno));
  }
  if (!r.failed)
    sleep_until(end);
  r.rss_kb = daemon_rss_kb(t->pid); /* while the readers are still alive */
  if (stop_flag) {
    for (int i = 0; i < forked; i++)
      kill(kids[i], SIGKILL);
  }
  if (token) {
    for (int k = 0; k < nproc; k++)
      if (write(tok[1], "e", 1) != 1)
        break;
  }
  double client_ns = 0;
  for (int i = 0; i < forked; i++) {
    int status;
    while (waitpid(kids[i], &status, 0) < 0 && errno == EINTR)
      ;
    client_ns += (double)slots[i].cpu_ns;
  }
  CpuSample cpu1 = cpu_sample(t->pid);
  if (token) {
    close(tok[0]);
    close(tok[1]);
    close(warm[0]);
    close(warm[1]);
  }

  uint64_t last = start;
  for (int i = 0; i < forked; i++) {
    acc->reads += slots[i].reads;
    acc->errors += slots[i].errors;
    acc->empty += slots[i].empty;
    acc->xtalk += slots[i].xtalk;
    if (slots[i].t_last > last)
      last = slots[i].t_last;
    for (int b = 0; b < NBUCKETS; b++)
      acc->hist[b] += slots[i].hist[b];
  }
  acc->failed |= r.failed;
  acc->verified = r.verified;
  acc->elapsed += (double)(last - start) / 1e9;
  acc->dcpu_ns += cpu_delta(cpu0, cpu1);
  acc->ccpu_ns += client_ns;
  acc->rss_kb = r.rss_kb;
  free(kids);
  munmap(sh, shsize);
}

static Result
finish(const Accum *acc)
{
  Result r = {0};
  uint64_t samples = acc->reads + acc->errors;
  r.valid = acc->valid;
  r.failed = acc->failed;
  r.verified = acc->verified;
  r.reads = acc->reads;
  r.errors = acc->errors;
  r.empty = acc->empty;
  r.xtalk = acc->xtalk;
  r.elapsed = acc->elapsed;
  r.rss_kb = acc->rss_kb;
  r.rps = acc->elapsed > 0 ? (double)acc->reads / acc->elapsed : 0;
  r.p50 = hist_quantile(acc->hist, samples, 0.50);
  r.p99 = hist_quantile(acc->hist, samples, 0.99);
  r.p999 = hist_quantile(acc->hist, samples, 0.999);
  r.dcpu_ns = samples > 0 ? acc->dcpu_ns / (double)samples : NAN;
  r.ccpu_ns = samples > 0 ? acc->ccpu_ns / (double)samples : NAN;
  return r;
}

/* ---- commands (free, top) with the target's files bind-mounted ---- */
static const char *const bind_files[] = {
    "proc/meminfo", "proc/cpuinfo", "proc/stat",      "proc/uptime",
    "proc/loadavg", "proc/swaps",   "proc/diskstats", "sys/devices/system/cpu/online",
};

typedef struct {
  int ok, binds;
  CpuSample cpu_before, cpu_after;
  double ms[64];
} ExecShared;

static Result
run_exec(const Target *t, const char *cmd)
{
  Result r = {0};
  ExecShared *sh =
      mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED)
    die("mmap: %s", strerror(errno));
  int runs = exec_runs < 64 ? exec_runs : 64;
  pid_t pid = fork();
  if (pid < 0)
    die("fork: %s", strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (use_cgroups && bench_cg_join(0) != 0)
      _exit(3);
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
      fprintf(stderr, "proclens-bench: private mount namespace: %s\n", strerror(errno));
      _exit(3);
    }
    if (strcmp(t->dir, "/") != 0) {
      for (size_t i = 0; i < sizeof bind_files / sizeof *bind_files; i++) {
        char src[1024], dst[1024];
        target_path(t, bind_files[i], src, sizeof src);
        snprintf(dst, sizeof dst, "/%s", bind_files[i]);
        if (access(src, R_OK) != 0 || access(dst, F_OK) != 0)
          continue;
        if (mount(src, dst, NULL, MS_BIND, NULL) != 0) {
          fprintf(stderr, "proclens-bench: bind %s: %s\n", src, strerror(errno));
          _exit(3);
        }
        sh->binds++;
      }
    }
    char *argv[32], copy[1024];
    int argc = 0;
    snprintf(copy, sizeof copy, "%s", cmd);
    for (char *tokn = strtok(copy, " "); tokn != NULL && argc < 31; tokn = strtok(NULL, " "))
      argv[argc++] = tokn;
    argv[argc] = NULL;
    for (int run = -1; run < runs; run++) { /* run -1 warms the page cache up */
      if (run == 0)
        sh->cpu_before = cpu_sample(t->pid);
      uint64_t t0 = now_ns();
      pid_t c = fork();
      if (c == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[0], argv);
        _exit(127);
      }
      int status;
      waitpid(c, &status, 0);
      if (run >= 0)
        sh->ms[run] = (double)(now_ns() - t0) / 1e6;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "proclens-bench: %s failed (status %d)\n", cmd, status);
        _exit(4);
      }
    }
    sh->cpu_after = cpu_sample(t->pid);
    sh->ok = 1;
    _exit(0);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    if (stop_flag)
      kill(pid, SIGKILL);
  }
  r.valid = 1;
  if (!sh->ok) {
    r.failed = 1;
  } else {
    double sum = 0, sorted[64];
    for (int i = 0; i < runs; i++) {
      sum += sh->ms[i];
      sorted[i] = sh->ms[i];
    }
    for (int i = 1; i < runs; i++)
      for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
        double x = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = x;
      }
    r.reads = (uint64_t)runs;
    r.rps = sum / runs;       /* mean ms per run */
    r.p50 = sorted[runs / 2]; /* median ms */
    r.p99 = sorted[runs - 1]; /* max ms */
    r.dcpu_ns = cpu_delta(sh->cpu_before, sh->cpu_after) / runs;
    r.rss_kb = sh->binds;
  }
  munmap(sh, sizeof *sh);
  return r;
}

/* ---- output ---- */
static void
fmt_ns(char *out, size_t size, double ns)
{
  if (isnan(ns))
    snprintf(out, size, "-");
  else if (ns < 1e4)
    snprintf(out, size, "%.1fµs", ns / 1e3);
  else if (ns < 1e6)
    snprintf(out, size, "%.0fµs", ns / 1e3);
  else
    snprintf(out, size, "%.1fms", ns / 1e6);
}

static void
fmt_ratio(char *out, size_t size, double a, double b)
{
  if (isnan(a) || isnan(b) || b <= 0 || a < 0)
    snprintf(out, size, "-");
  else if (a / b < 0.1)
    snprintf(out, size, "%.3f", a / b);
  else if (a / b < 1000)
    snprintf(out, size, "%.2f", a / b);
  else
    snprintf(out, size, "%.0f", a / b);
}

static int
find_target(const char *name)
{
  for (int i = 0; i < ntargets; i++)
    if (strcmp(targets[i].name, name) == 0)
      return i;
  return -1;
}

static void
print_group(const char *file, const Scenario *sc, const Result *res)
{
  int ref = find_target("lxcfs");
  char procs[64] = "";
  if (sc->procs > sc->readers)
    snprintf(procs, sizeof procs, " (%d processes taking turns, %d read%s a turn)", sc->procs,
             burst, burst == 1 ? "" : "s");
  printf("\n== %s, %d reader%s in %d cgroup%s%s, %d x %.1f s each\n", file, sc->readers,
         sc->readers == 1 ? "" : "s", sc->cgroups, sc->cgroups == 1 ? "" : "s", procs, rounds,
         duration);
  printf("%-10s %10s %8s %8s %8s %6s %6s %6s %9s %9s %8s %7s %7s %7s %7s %7s\n", "target",
         "reads/s", "p50", "p99", "p99.9", "errors", "empty", "xtalk", "dCPU/rd", "cCPU/rd", "RSS",
         "r/s:lx", "cpu:lx", "p99:lx", "r/s:nat", "r/s:nul");
  for (int i = 0; i < ntargets; i++) {
    const Result *r = &res[i];
    if (!r->valid) {
      printf("%-10s %10s\n", targets[i].name, "n/a");
      continue;
    }
    if (r->failed) {
      printf("%-10s %10s\n", targets[i].name, "FAILED");
      continue;
    }
    char p50[16], p99[16], p999[16], dcpu[16], ccpu[16], rss[16], xt[16];
    char rl[16], cl[16], pl[16], rn[16], ru[16];
    fmt_ns(p50, sizeof p50, r->p50);
    fmt_ns(p99, sizeof p99, r->p99);
    fmt_ns(p999, sizeof p999, r->p999);
    fmt_ns(dcpu, sizeof dcpu, r->dcpu_ns);
    fmt_ns(ccpu, sizeof ccpu, r->ccpu_ns);
    if (r->rss_kb >= 0)
      snprintf(rss, sizeof rss, "%.1fM", r->rss_kb / 1024.0);
    else
      snprintf(rss, sizeof rss, "-");
    if (r->verified)
      snprintf(xt, sizeof xt, "%llu", (unsigned long long)r->xtalk);
    else
      snprintf(xt, sizeof xt, "-");
    const Result *lx = ref >= 0 && res[ref].valid && !res[ref].failed ? &res[ref] : NULL;
    fmt_ratio(rl, sizeof rl, r->rps, lx ? lx->rps : NAN);
    fmt_ratio(cl, sizeof cl, r->dcpu_ns, lx ? lx->dcpu_ns : NAN);
    fmt_ratio(pl, sizeof pl, r->p99, lx ? lx->p99 : NAN);
    int nat = find_target("native"), nul = find_target("null");
    fmt_ratio(rn, sizeof rn, r->rps, nat >= 0 && res[nat].valid ? res[nat].rps : NAN);
    fmt_ratio(ru, sizeof ru, r->rps, nul >= 0 && res[nul].valid ? res[nul].rps : NAN);
    printf("%-10s %10.0f %8s %8s %8s %6llu %6llu %6s %9s %9s %8s %7s %7s %7s %7s %7s\n",
           targets[i].name, r->rps, p50, p99, p999, (unsigned long long)r->errors,
           (unsigned long long)r->empty, xt, dcpu, ccpu, rss, rl, cl, pl, rn, ru);
    if (csv != NULL)
      fprintf(csv, "%s,%d,%d,%d,%s,%llu,%.1f,%.2f,%.2f,%.2f,%llu,%s,%.2f,%.2f,%ld,%.3f,%llu\n",
              file, sc->readers, sc->cgroups, sc->procs, targets[i].name,
              (unsigned long long)r->reads, r->rps, r->p50 / 1e3, r->p99 / 1e3, r->p999 / 1e3,
              (unsigned long long)r->errors, r->verified ? xt : "", r->dcpu_ns / 1e3,
              r->ccpu_ns / 1e3, r->rss_kb, r->elapsed, (unsigned long long)r->empty);
  }
  fflush(stdout);
  if (csv != NULL)
    fflush(csv);
}

static void
print_exec(const char *cmd, const Result *res)
{
  int ref = find_target("lxcfs");
  printf("\n== one '%s' run, files bind-mounted in a private mount namespace (%d runs)\n", cmd,
         exec_runs);
  printf("%-10s %9s %9s %9s %11s %7s %6s\n", "target", "mean", "median", "max", "dCPU/run",
         "cpu:lx", "binds");
  for (int i = 0; i < ntargets; i++) {
    const Result *r = &res[i];
    if (!r->valid || r->failed) {
      printf("%-10s %9s\n", targets[i].name, r->valid ? "FAILED" : "n/a");
      continue;
    }
    char cl[16], dcpu[16];
    const Result *lx = ref >= 0 && res[ref].valid && !res[ref].failed ? &res[ref] : NULL;
    fmt_ratio(cl, sizeof cl, r->dcpu_ns, lx ? lx->dcpu_ns : NAN);
    fmt_ns(dcpu, sizeof dcpu, r->dcpu_ns);
    printf("%-10s %7.2fms %7.2fms %7.2fms %11s %7s %6ld\n", targets[i].name, r->rps, r->p50, r->p99,
           dcpu, cl, r->rss_kb);
    if (csv != NULL)
      fprintf(csv, "exec:%s,1,1,1,%s,%llu,,%.1f,%.1f,,0,,%.2f,,,\n", cmd, targets[i].name,
              (unsigned long long)r->reads, r->p50 * 1e3, r->p99 * 1e3, r->dcpu_ns / 1e3);
  }
  fflush(stdout);
}

/* Same file and readers, more cgroups: slowdown and RSS growth per extra cgroup. */
static void
print_scaling(Result (*all)[MAX_SCEN][MAX_TARGETS])
{
  int header = 0;
  for (int f = 0; f < nfiles; f++)
    for (int a = 0; a < nscens; a++)
      for (int b = 0; b < nscens; b++) {
        if (scens[a].readers != scens[b].readers || scens[b].cgroups <= scens[a].cgroups)
          continue;
        for (int t = 0; t < ntargets; t++) {
          const Result *ra = &all[f][a][t], *rb = &all[f][b][t];
          if (!ra->valid || !rb->valid || ra->failed || rb->failed)
            continue;
          if (!header) {
            printf("\n== more cgroups, same readers: reads/s and p50 change, daemon RSS growth\n");
            printf("%-14s %-10s %-22s %10s %10s %8s %8s %8s %8s %14s\n", "file", "target",
                   "scenarios", "reads/s", "reads/s", "change", "p50", "p50", "change",
                   "RSS/cgroup");
            header = 1;
          }
          char rssg[32] = "-", sc[32];
          if (ra->rss_kb >= 0 && rb->rss_kb >= 0)
            snprintf(rssg, sizeof rssg, "%.2f KiB",
                     (double)(rb->rss_kb - ra->rss_kb) / (scens[b].cgroups - scens[a].cgroups));
          snprintf(sc, sizeof sc, "%dx%dx%d>%dx%dx%d", scens[a].readers, scens[a].cgroups,
                   scens[a].procs, scens[b].readers, scens[b].cgroups, scens[b].procs);
          char pa[16], pb[16];
          fmt_ns(pa, sizeof pa, ra->p50);
          fmt_ns(pb, sizeof pb, rb->p50);
          printf("%-14s %-10s %-22s %10.0f %10.0f %+7.1f%% %8s %8s %+7.1f%% %14s\n", files[f],
                 targets[t].name, sc, ra->rps, rb->rps, (rb->rps / ra->rps - 1) * 100, pa, pb,
                 (rb->p50 / ra->p50 - 1) * 100, rssg);
        }
      }
}

/* ---- main ---- */
static void
on_signal(int sig)
{
  stop_flag = 1;
}

static void
usage(FILE *out)
{
  fprintf(
      out,
      "Usage: proclens-bench [OPTIONS]\n"
      "  -t, --target NAME=DIR[,pid=PID][,noverify]  read DIR/FILE ('/' = the host's own);\n"
      "                       PID: the daemon serving DIR (CPU per read, RSS). Repeatable.\n"
      "                       Ratios are taken against targets named lxcfs, native, null.\n"
      "  -f, --file REL        file under DIR, e.g. proc/meminfo (repeatable; default\n"
      "                       proc/meminfo)\n"
      "  -s, --scenario NxM[xP]  N readers spread over M cgroups (repeatable; default 1x1);\n"
      "                       P processes (default max(N,M)), process i in cgroup i%%M; when\n"
      "                       P > N they take turns (N tokens), so every cgroup is read\n"
      "  -d, --duration SECS   per cell and round (default 2)\n"
      "  -R, --rounds R        run every cell R times, targets in rotating order, and\n"
      "                       add the rounds up (default 1)\n"
      "  -V, --verify          count reads whose MemTotal is not the reader's own cgroup limit\n"
      "                       (proc/meminfo only; not for noverify targets)\n"
      "  -b, --burst K         with P > N, reads per turn of a process (default 16); every\n"
      "                       process reads once, untimed, before the clock starts\n"
      "  -x, --exec CMD        time CMD (e.g. 'free', 'top -b -n 1') with the target's\n"
      "                       files bind-mounted over /proc and /sys (repeatable)\n"
      "  -r, --exec-runs R     runs per command (default 20, at most 64)\n"
      "  -n, --cgroup-name NAME  cgroups to create (default proclens-bench-PID)\n"
      "      --no-cgroups      readers stay where they are (M only sets process count)\n"
      "      --bufsize BYTES   read(2) size (default 65536)\n"
      "      --csv FILE        append one line per cell to FILE\n"
      "      --idle N          instead of cells: create N cgroups with a sleeping process\n"
      "                       each, register them as containers in --registry DIR, and\n"
      "                       measure the first target's daemon (pid=) idle, with one\n"
      "                       view read in a loop, and how fast it lists them; -d is the\n"
      "                       length of each window\n"
      "      --registry DIR    the daemon's --registry directory (for --idle)\n");
}

static void
parse_target(const char *arg)
{
  if (ntargets == MAX_TARGETS)
    die("too many targets");
  Target *t = &targets[ntargets++];
  char copy[1024];
  snprintf(copy, sizeof copy, "%s", arg);
  char *eq = strchr(copy, '=');
  if (eq == NULL)
    die("target '%s': expected NAME=DIR", arg);
  *eq = '\0';
  snprintf(t->name, sizeof t->name, "%s", copy);
  char *rest = eq + 1, *save = NULL;
  char *dir = strtok_r(rest, ",", &save);
  if (dir == NULL)
    die("target '%s': no directory", arg);
  snprintf(t->dir, sizeof t->dir, "%s", dir);
  for (char *o = strtok_r(NULL, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
    if (strncmp(o, "pid=", 4) == 0)
      t->pid = (pid_t)atoi(o + 4);
    else if (strcmp(o, "noverify") == 0)
      t->noverify = 1;
    else
      die("target '%s': unknown option '%s'", arg, o);
  }
}

int
main(int argc, char **argv)
{
  enum { OPT_NO_CGROUPS = 256, OPT_BUFSIZE, OPT_CSV, OPT_IDLE, OPT_REGISTRY };
  static const struct option longopts[] = {
      {"target", required_argument, NULL, 't'},
      {"file", required_argument, NULL, 'f'},
      {"scenario", required_argument, NULL, 's'},
      {"duration", required_argument, NULL, 'd'},
      {"verify", no_argument, NULL, 'V'},
      {"burst", required_argument, NULL, 'b'},
      {"exec", required_argument, NULL, 'x'},
      {"exec-runs", required_argument, NULL, 'r'},
      {"cgroup-name", required_argument, NULL, 'n'},
      {"no-cgroups", no_argument, NULL, OPT_NO_CGROUPS},
      {"bufsize", required_argument, NULL, OPT_BUFSIZE},
      {"rounds", required_argument, NULL, 'R'},
      {"csv", required_argument, NULL, OPT_CSV},
      {"idle", required_argument, NULL, OPT_IDLE},
      {"registry", required_argument, NULL, OPT_REGISTRY},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int c;
  snprintf(cg_name, sizeof cg_name, "proclens-bench-%d", (int)getpid());
  while ((c = getopt_long(argc, argv, "t:f:s:d:Vb:x:r:n:R:h", longopts, NULL)) != -1) {
    switch (c) {
    case 't':
      parse_target(optarg);
      break;
    case 'f':
      if (nfiles == MAX_FILES)
        die("too many files");
      files[nfiles++] = optarg;
      break;
    case 's': {
      int n, m, p = 0;
      if (nscens == MAX_SCEN)
        die("too many scenarios");
      int got = sscanf(optarg, "%dx%dx%d", &n, &m, &p);
      if (got < 2 || n < 1 || m < 1 || n > 4096 || m > 100000)
        die("scenario '%s': expected NxM[xP] (readers x cgroups [x processes])", optarg);
      int least = n > m ? n : m;
      if (got < 3)
        p = least;
      if (p < least || p > 100000)
        die("scenario '%s': processes must be at least readers and cgroups", optarg);
      scens[nscens++] = (Scenario){n, m, p};
      break;
    }
    case 'd':
      duration = atof(optarg);
      if (duration <= 0)
        die("bad duration");
      break;
    case 'V':
      verify = 1;
      break;
    case 'b':
      burst = atoi(optarg) > 0 ? atoi(optarg) : 1;
      break;
    case 'x':
      if (nexecs == MAX_EXEC)
        die("too many commands");
      execs[nexecs++] = optarg;
      break;
    case 'r':
      exec_runs = atoi(optarg);
      if (exec_runs < 1 || exec_runs > 64)
        die("--exec-runs: 1..64");
      break;
    case 'R':
      rounds = atoi(optarg);
      if (rounds < 1)
        die("--rounds: at least 1");
      break;
    case 'n':
      snprintf(cg_name, sizeof cg_name, "%s", optarg);
      break;
    case OPT_NO_CGROUPS:
      use_cgroups = 0;
      break;
    case OPT_BUFSIZE:
      bufsize = (size_t)atol(optarg);
      if (bufsize < 512)
        die("--bufsize: at least 512");
      break;
    case OPT_CSV:
      csv_path = optarg;
      break;
    case OPT_IDLE:
      idle_count = atoi(optarg);
      if (idle_count < 1 || idle_count > 100000)
        die("--idle: 1..100000 containers");
      break;
    case OPT_REGISTRY:
      registry_dir = optarg;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind != argc || ntargets == 0) {
    usage(stderr);
    return 2;
  }
  if (nfiles == 0)
    files[nfiles++] = "proc/meminfo";
  if (nscens == 0 && nexecs == 0)
    scens[nscens++] = (Scenario){1, 1, 1};

  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct rlimit nofile;
  if (getrlimit(RLIMIT_NPROC, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
      nofile.rlim_cur < 4096) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NPROC, &nofile);
  }

  if (idle_count > 0) {
    if (registry_dir == NULL)
      die("--idle needs --registry DIR");
    IdleConfig cfg = {.mount = targets[0].dir,
                      .pid = targets[0].pid,
                      .registry = registry_dir,
                      .cg_name = cg_name,
                      .count = idle_count,
                      .seconds = duration};
    return bench_idle(&cfg, &stop_flag);
  }

  if (csv_path != NULL) {
    int exists = access(csv_path, F_OK) == 0;
    csv = fopen(csv_path, "ae");
    if (csv == NULL)
      die("%s: %s", csv_path, strerror(errno));
    if (!exists)
      fprintf(
          csv,
          "file,readers,cgroups,processes,target,reads,reads_per_s,p50_us,p99_us,p999_us,errors,"
          "xtalk,daemon_cpu_us_per_read,client_cpu_us_per_read,daemon_rss_kib,"
          "elapsed_s,empty\n");
  }

  int max_cg = 1;
  for (int s = 0; s < nscens; s++)
    if (scens[s].cgroups > max_cg)
      max_cg = scens[s].cgroups;
  if (use_cgroups) {
    uint64_t t0 = now_ns();
    if (bench_cg_setup(cg_name, max_cg) != 0) {
      bench_cg_cleanup();
      return 1;
    }
    fprintf(stderr, "proclens-bench: %d %s cgroups %s/c0..c%d ready in %.1f s\n", max_cg,
            bench_cg_kind(), cg_name, max_cg - 1, (double)(now_ns() - t0) / 1e9);
  }
  for (int i = 0; i < ntargets; i++)
    fprintf(stderr, "proclens-bench: target %-9s %s, daemon pid %d, RSS %ld KiB\n", targets[i].name,
            targets[i].dir, (int)targets[i].pid, daemon_rss_kb(targets[i].pid));

  static Result all[MAX_FILES][MAX_SCEN][MAX_TARGETS];
  for (int f = 0; f < nfiles && !stop_flag; f++)
    for (int s = 0; s < nscens && !stop_flag; s++) {
      static Accum acc[MAX_TARGETS];
      memset(acc, 0, sizeof acc);
      /* Rounds rotate the order of the targets, so none is always first after a pause. */
      for (int round = 0; round < rounds && !stop_flag; round++)
        for (int k = 0; k < ntargets && !stop_flag; k++) {
          int t = (k + round) % ntargets;
          run_cell(&targets[t], files[f], &scens[s], &acc[t]);
        }
      for (int t = 0; t < ntargets; t++)
        all[f][s][t] = finish(&acc[t]);
      if (!stop_flag)
        print_group(files[f], &scens[s], all[f][s]);
    }
  if (!stop_flag)
    print_scaling(all);
  for (int x = 0; x < nexecs && !stop_flag; x++) {
    Result res[MAX_TARGETS];
    for (int t = 0; t < ntargets && !stop_flag; t++)
      res[t] = run_exec(&targets[t], execs[x]);
    if (!stop_flag)
      print_exec(execs[x], res);
  }
  int rc = stop_flag ? 130 : 0;
  if (use_cgroups && bench_cg_cleanup() != 0)
    rc = 1;
  if (csv != NULL)
    fclose(csv);
  return rc;
}
