/* Calls sysinfo(2) inside a container for tests/e2e/sysinfo.sh. Built static so it runs in
 * a busybox rootfs.
 *   sysinfo_probe            the fields, one "name value" per line
 *   sysinfo_probe badptr     the errno of sysinfo((void *)1) ("EFAULT" expected)
 *   sysinfo_probe hold MB SECONDS   allocates and touches MB MiB, then sleeps
 *   sysinfo_probe stress THREADS SECONDS
 *                            THREADS threads call sysinfo in a loop; prints "calls N wrong M"
 *                            where wrong counts answers whose totalram/mem_unit differ from the
 *                            first answer or that failed. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

static struct sysinfo first;
static double deadline;
static volatile long total_calls, total_wrong;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
worker(void *arg)
{
  long calls = 0, wrong = 0;
  (void)arg;
  while (now() < deadline) {
    struct sysinfo si;
    memset(&si, 0xa5, sizeof si);
    if (sysinfo(&si) != 0 || si.mem_unit != first.mem_unit || si.totalram != first.totalram ||
        si.totalswap != first.totalswap || si.freeram > si.totalram || si.procs == 0)
      wrong++;
    calls++;
  }
  pthread_mutex_lock(&lock);
  total_calls += calls;
  total_wrong += wrong;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int
main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "badptr") == 0) {
    long rc = syscall(SYS_sysinfo, (void *)1);
    printf("%s\n", rc == 0 ? "OK" : errno == EFAULT ? "EFAULT" : strerror(errno));
    return 0;
  }
  if (argc > 3 && strcmp(argv[1], "hold") == 0) {
    size_t mb = (size_t)atol(argv[2]);
    char *p = malloc(mb << 20);
    if (p == NULL)
      return 1;
    /* Through a volatile pointer: a plain memset before free may be optimised away. */
    for (size_t i = 0; i < (mb << 20); i += 4096)
      ((volatile char *)p)[i] = 1;
    printf("holding %zu MiB\n", mb);
    fflush(stdout);
    sleep((unsigned)atoi(argv[3]));
    free(p);
    return 0;
  }
  if (sysinfo(&first) != 0) {
    printf("error %s\n", strerror(errno));
    return 1;
  }
  if (argc > 3 && strcmp(argv[1], "stress") == 0) {
    int n = atoi(argv[2]);
    pthread_t t[256];
    if (n < 1 || n > 256)
      return 2;
    deadline = now() + atof(argv[3]);
    for (int i = 0; i < n; i++)
      pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < n; i++)
      pthread_join(t[i], NULL);
    printf("calls %ld wrong %ld\n", total_calls, total_wrong);
    return 0;
  }
  printf("uptime %ld\n", first.uptime);
  for (int i = 0; i < 3; i++)
    printf("load%d %lu\n", i, first.loads[i]);
  printf("totalram %lu\nfreeram %lu\nsharedram %lu\nbufferram %lu\n", first.totalram,
         first.freeram, first.sharedram, first.bufferram);
  printf("totalswap %lu\nfreeswap %lu\nprocs %u\nmem_unit %u\n", first.totalswap, first.freeswap,
         (unsigned)first.procs, first.mem_unit);
  return 0;
}
