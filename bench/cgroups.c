/* proclens-bench: the cgroups the benchmark creates, fills with readers and removes.
 *
 * v1 (and hybrid): one directory NAME in every v1 hierarchy that carries a controller the
 * views use (memory, cpu, cpuacct, cpuset, blkio, pids), with children c0..cM-1. Readers
 * join by writing "0" to each child's "tasks" (a single-thread self-move, which the kernel
 * does without the global threadgroup lock).
 * v2 (when /sys/fs/cgroup/cgroup.controllers exists): /sys/fs/cgroup/NAME with the
 * controllers enabled for its children; readers write "0" to cgroup.procs.
 * Each child ci gets its own memory limit, bench_cg_limit(i), so that --verify can tell
 * whose MemTotal a reader was shown. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HIERS 8

typedef struct {
  char root[512]; /* mount point of the hierarchy */
  int memory, cpuset;
} Hier;

static Hier hiers[MAX_HIERS];
static int nhiers;
static int v2;
static char cg_name[128];
static int ncreated;    /* children c0..ncreated-1 exist (in every hierarchy) */
static int parent_made; /* NAME exists in hiers[0..parent_made-1] */

uint64_t
bench_cg_limit(int i)
{
  /* 256 MiB + i * 64 KiB: distinct, page-aligned, far below the host's memory. */
  return (256ull << 20) + (uint64_t)i * (64ull << 10);
}

static int
write_file(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = write(fd, text, strlen(text));
  int err = n < 0 ? -errno : 0;
  close(fd);
  return err;
}

static int
read_line(const char *path, char *buf, size_t size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0)
    return -errno;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

static int
has_opt(const char *opts, const char *name)
{
  size_t len = strlen(name);
  for (const char *p = opts; p != NULL && *p != '\0';) {
    const char *comma = strchr(p, ',');
    size_t l = comma != NULL ? (size_t)(comma - p) : strlen(p);
    if (l == len && strncmp(p, name, len) == 0)
      return 1;
    p = comma != NULL ? comma + 1 : NULL;
  }
  return 0;
}

/* The v1 hierarchies from /proc/self/mountinfo, one mount point per hierarchy. */
static int
find_v1(void)
{
  static const char *const wanted[] = {"memory", "cpu", "cpuacct", "cpuset", "blkio", "pids"};
  FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  char seen[MAX_HIERS][32];

  if (f == NULL)
    return -errno;
  while (fgets(line, sizeof line, f) != NULL && nhiers < MAX_HIERS) {
    char mnt[512], fstype[64], source[256], sopts[1024], devno[32];
    char *sep = strstr(line, " - ");
    if (sep == NULL)
      continue;
    if (sscanf(line, "%*d %*d %31s %*s %511s", devno, mnt) != 2)
      continue;
    if (sscanf(sep + 3, "%63s %255s %1023s", fstype, source, sopts) != 3)
      continue;
    if (strcmp(fstype, "cgroup") != 0)
      continue;
    int any = 0;
    for (size_t w = 0; w < sizeof wanted / sizeof *wanted; w++)
      any |= has_opt(sopts, wanted[w]);
    if (!any)
      continue;
    int dup = 0;
    for (int h = 0; h < nhiers; h++)
      dup |= strcmp(seen[h], devno) == 0;
    if (dup)
      continue;
    snprintf(seen[nhiers], sizeof seen[nhiers], "%s", devno);
    Hier *h = &hiers[nhiers++];
    snprintf(h->root, sizeof h->root, "%s", mnt);
    h->memory = has_opt(sopts, "memory");
    h->cpuset = has_opt(sopts, "cpuset");
  }
  fclose(f);
  return nhiers > 0 ? 0 : -ENOENT;
}

static int
copy_cpuset(const char *from_dir, const char *to_dir)
{
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  for (int i = 0; i < 2; i++) {
    char from[1024], to[1024], value[4096];
    snprintf(from, sizeof from, "%s/%s", from_dir, files[i]);
    snprintf(to, sizeof to, "%s/%s", to_dir, files[i]);
    int err = read_line(from, value, sizeof value);
    if (err == 0)
      err = write_file(to, value);
    if (err != 0) {
      fprintf(stderr, "proclens-bench: %s -> %s: %s\n", from, to, strerror(-err));
      return err;
    }
  }
  return 0;
}

const char *
bench_cg_kind(void)
{
  return v2 ? "v2" : "v1";
}

int
bench_cg_setup(const char *name, int count)
{
  char path[1024];

  snprintf(cg_name, sizeof cg_name, "%s", name);
  if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
    v2 = 1;
    nhiers = 1;
    snprintf(hiers[0].root, sizeof hiers[0].root, "/sys/fs/cgroup");
    hiers[0].memory = 1;
  } else if (find_v1() != 0) {
    fprintf(stderr, "proclens-bench: no cgroup v1 hierarchy with memory/cpu/... found\n");
    return -1;
  }
  for (int h = 0; h < nhiers; h++) {
    snprintf(path, sizeof path, "%s/%s", hiers[h].root, cg_name);
    if (mkdir(path, 0755) != 0) {
      fprintf(stderr, "proclens-bench: mkdir %s: %s\n", path, strerror(errno));
      return -1;
    }
    parent_made = h + 1;
    if (hiers[h].cpuset && copy_cpuset(hiers[h].root, path) != 0)
      return -1;
  }
  if (v2) {
    /* Enable what the parent offers; memory is required for --verify. */
    static const char *const ctrls[] = {"memory", "cpu", "cpuset", "io", "pids"};
    char avail[1024] = "";
    snprintf(path, sizeof path, "%s/%s/cgroup.controllers", hiers[0].root, cg_name);
    read_line(path, avail, sizeof avail);
    snprintf(path, sizeof path, "%s/%s/cgroup.subtree_control", hiers[0].root, cg_name);
    for (size_t c = 0; c < sizeof ctrls / sizeof *ctrls; c++) {
      char word[32];
      int present = 0;
      for (char *p = avail; *p != '\0';) {
        size_t l = strcspn(p, " ");
        present |= l == strlen(ctrls[c]) && strncmp(p, ctrls[c], l) == 0;
        p += l;
        p += *p == ' ';
      }
      if (!present)
        continue;
      snprintf(word, sizeof word, "+%s", ctrls[c]);
      int err = write_file(path, word);
      if (err != 0)
        fprintf(stderr, "proclens-bench: %s < %s: %s\n", path, word, strerror(-err));
    }
  }
  return bench_cg_grow(count);
}

int
bench_cg_grow(int count)
{
  char dir[1024], file[1100], value[64];
  for (; ncreated < count; ncreated++) {
    int i = ncreated;
    for (int h = 0; h < nhiers; h++) {
      snprintf(dir, sizeof dir, "%s/%s/c%d", hiers[h].root, cg_name, i);
      if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "proclens-bench: mkdir %s: %s\n", dir, strerror(errno));
        return -1;
      }
      if (hiers[h].cpuset) {
        char parent[1024];
        snprintf(parent, sizeof parent, "%s/%s", hiers[h].root, cg_name);
        if (copy_cpuset(parent, dir) != 0)
          return -1;
      }
      if (hiers[h].memory) {
        snprintf(file, sizeof file, "%s/%s", dir, v2 ? "memory.max" : "memory.limit_in_bytes");
        snprintf(value, sizeof value, "%llu", (unsigned long long)bench_cg_limit(i));
        int err = write_file(file, value);
        if (err != 0) {
          fprintf(stderr, "proclens-bench: %s < %s: %s\n", file, value, strerror(-err));
          return -1;
        }
      }
    }
  }
  return 0;
}

int
bench_cg_join(int i)
{
  char file[1100];
  for (int h = 0; h < nhiers; h++) {
    snprintf(file, sizeof file, "%s/%s/c%d/%s", hiers[h].root, cg_name, i,
             v2 ? "cgroup.procs" : "tasks");
    int err = write_file(file, "0");
    if (err != 0) {
      fprintf(stderr, "proclens-bench: join %s: %s\n", file, strerror(-err));
      return err;
    }
  }
  return 0;
}

static int
rmdir_retry(const char *path)
{
  for (int attempt = 0; attempt < 200; attempt++) {
    if (rmdir(path) == 0 || errno == ENOENT)
      return 0;
    if (errno != EBUSY)
      break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  fprintf(stderr, "proclens-bench: rmdir %s: %s\n", path, strerror(errno));
  return -1;
}

/* Removes every directory bench_cg_setup made; the readers must have exited. */
int
bench_cg_cleanup(void)
{
  char path[1024];
  int rc = 0;
  for (int h = 0; h < parent_made; h++) {
    /* c<ncreated> may exist in some hierarchies after a failed grow */
    for (int i = ncreated; i >= 0; i--) {
      snprintf(path, sizeof path, "%s/%s/c%d", hiers[h].root, cg_name, i);
      rc |= rmdir_retry(path);
    }
    snprintf(path, sizeof path, "%s/%s", hiers[h].root, cg_name);
    rc |= rmdir_retry(path);
  }
  parent_made = 0;
  ncreated = 0;
  return rc;
}
