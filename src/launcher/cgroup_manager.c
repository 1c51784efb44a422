#include "cgroup_manager.h"
#include "proclens/cgroup.h"
#include "size.h"
#include "util.h"

#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#define PARENT_NAME "proclens"
#define CFS_PERIOD_US 100000

/* The v2 controllers enabled for containers (whatever of them the host offers). */
static const char *const v2_controllers[] = {"cpu", "cpuset", "memory", "pids", "io", NULL};

struct PlcCgroup {
  char *root;
  char *id;
  gboolean v2;
  GPtrArray *hierarchies;      /* v1: one dir per distinct hierarchy; v2: the cgroup2 root */
  GPtrArray *paths;            /* the container's directories, NULL-terminated */
  char *dir_of[PL_CTRL_COUNT]; /* v1: the container dir per controller */
};

void
plc_cgroup_free(PlcCgroup *cg)
{
  if (cg == NULL)
    return;
  g_free(cg->root);
  g_free(cg->id);
  g_ptr_array_unref(cg->hierarchies);
  g_ptr_array_unref(cg->paths);
  for (gsize i = 0; i < G_N_ELEMENTS(cg->dir_of); i++)
    g_free(cg->dir_of[i]);
  g_free(cg);
}

static gboolean
is_cgroupfs(const char *path, gboolean v2)
{
  struct statfs sfs;
  if (statfs(path, &sfs) < 0)
    return FALSE;
  return v2 ? sfs.f_type == CGROUP2_SUPER_MAGIC : sfs.f_type == CGROUP_SUPER_MAGIC;
}

/* v1: every hierarchy of the layout's controllers, once (cpu and cpuacct are often one
 * hierarchy reached through two names), as long as it really is a cgroup mount. */
static void
add_v1_hierarchies(PlcCgroup *cg, const PlCgLayout *layout)
{
  for (int c = 0; c < PL_CTRL_COUNT; c++) {
    if (layout->v1_dir[c] == NULL)
      continue;
    g_autofree char *real = realpath(layout->v1_dir[c], NULL);
    if (real == NULL || !is_cgroupfs(real, FALSE))
      continue;
    gboolean seen = FALSE;
    for (guint j = 0; j < cg->hierarchies->len; j++)
      if (strcmp(cg->hierarchies->pdata[j], real) == 0)
        seen = TRUE;
    cg->dir_of[c] = g_build_filename(real, PARENT_NAME, cg->id, NULL);
    if (seen)
      continue;
    g_ptr_array_add(cg->hierarchies, g_strdup(real));
    g_ptr_array_add(cg->paths, g_build_filename(real, PARENT_NAME, cg->id, NULL));
  }
}

PlcCgroup *
plc_cgroup_new(const char *root, const char *id, GError **error)
{
  /* libproclens's discovery, the one the daemon uses: both agree on what a host has. */
  g_autoptr(PlCgLayout) layout = pl_cg_layout_discover(root, error);
  if (layout == NULL)
    return NULL;
  g_autoptr(PlcCgroup) cg = g_new0(PlcCgroup, 1);
  cg->root = g_strdup(root);
  cg->id = g_strdup(id);
  cg->hierarchies = g_ptr_array_new_with_free_func(g_free);
  cg->paths = g_ptr_array_new_with_free_func(g_free);
  /* A hybrid host's cgroup2 mount holds no controllers the v1 ones hold: use the v1 ones. */
  cg->v2 = layout->kind == PL_CG_LAYOUT_V2 && is_cgroupfs(layout->v2_dir, TRUE);

  if (cg->v2) {
    g_ptr_array_add(cg->hierarchies, g_strdup(layout->v2_dir));
    g_ptr_array_add(cg->paths, g_build_filename(layout->v2_dir, PARENT_NAME, id, NULL));
  } else {
    add_v1_hierarchies(cg, layout);
    if (cg->hierarchies->len == 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                  "no cgroup hierarchy found under %s (neither cgroup2 nor v1 controllers)", root);
      return NULL;
    }
  }
  g_ptr_array_add(cg->paths, NULL);
  return g_steal_pointer(&cg);
}

gboolean
plc_cgroup_is_v2(const PlcCgroup *cg)
{
  return cg->v2;
}

char *const *
plc_cgroup_paths(const PlcCgroup *cg)
{
  return (char *const *)cg->paths->pdata;
}

static gboolean
copy_file(const char *from_dir, const char *to_dir, const char *name, GError **error)
{
  g_autofree char *src = g_build_filename(from_dir, name, NULL);
  g_autofree char *dst = g_build_filename(to_dir, name, NULL);
  g_autofree char *text = NULL;
  if (!plc_read_file(src, &text, error))
    return FALSE;
  g_strstrip(text);
  return plc_write_file(dst, text, error);
}

/* v1 cpuset: a new cgroup starts with empty cpus and mems and refuses tasks until set. */
static gboolean
cpuset_inherit(const char *dir, GError **error)
{
  g_autofree char *parent = g_path_get_dirname(dir);
  g_autofree char *cpus_path = g_build_filename(dir, "cpuset.cpus", NULL);
  g_autofree char *cur = NULL;
  if (!g_file_test(cpus_path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (plc_read_file(cpus_path, &cur, NULL) && *g_strstrip(cur) != '\0')
    return TRUE;
  return copy_file(parent, dir, "cpuset.cpus", error) &&
         copy_file(parent, dir, "cpuset.mems", error);
}

/* v2: enables in dir's cgroup.subtree_control every wanted controller dir offers. */
static gboolean
v2_enable_controllers(const char *dir, GError **error)
{
  g_autofree char *avail_path = g_build_filename(dir, "cgroup.controllers", NULL);
  g_autofree char *ctl_path = g_build_filename(dir, "cgroup.subtree_control", NULL);
  g_autofree char *avail = NULL, *enabled = NULL;
  if (!plc_read_file(avail_path, &avail, error) || !plc_read_file(ctl_path, &enabled, error))
    return FALSE;
  g_auto(GStrv) have = g_strsplit_set(g_strstrip(avail), " \n", -1);
  g_auto(GStrv) on = g_strsplit_set(g_strstrip(enabled), " \n", -1);
  for (gsize i = 0; v2_controllers[i]; i++) {
    if (!g_strv_contains((const char *const *)have, v2_controllers[i]) ||
        g_strv_contains((const char *const *)on, v2_controllers[i]))
      continue;
    g_autofree char *cmd = g_strdup_printf("+%s", v2_controllers[i]);
    if (!plc_write_file(ctl_path, cmd, error)) {
      g_prefix_error(error, "enable the %s controller: ", v2_controllers[i]);
      return FALSE;
    }
  }
  return TRUE;
}

/* Creates dir if missing; *ret_created tells whether this call made it. */
static gboolean
make_dir(const char *dir, gboolean *ret_created, GError **error)
{
  *ret_created = FALSE;
  if (mkdir(dir, 0755) == 0) {
    *ret_created = TRUE;
    return TRUE;
  }
  if (errno == EEXIST)
    return TRUE;
  plc_set_errno(error, errno, "create cgroup %s", dir);
  return FALSE;
}

gboolean
plc_cgroup_create(PlcCgroup *cg, GError **error)
{
  for (guint i = 0; i < cg->hierarchies->len; i++) {
    const char *h = cg->hierarchies->pdata[i];
    const char *dir = cg->paths->pdata[i];
    g_autofree char *parent = g_path_get_dirname(dir);
    gboolean created;

    if (cg->v2 && !v2_enable_controllers(h, error))
      goto fail;
    if (!make_dir(parent, &created, error))
      goto fail;
    if (cg->v2 ? !v2_enable_controllers(parent, error) : !cpuset_inherit(parent, error))
      goto fail;
    /* Another launcher may remove the shared parent just now (its last container left):
     * then make the parent again. */
    for (int attempt = 0;; attempt++) {
      g_autoptr(GError) local = NULL;
      if (make_dir(dir, &created, &local))
        break;
      if (attempt < 3 && g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
          make_dir(parent, &created, NULL) &&
          (cg->v2 ? v2_enable_controllers(parent, NULL) : cpuset_inherit(parent, NULL)))
        continue;
      g_propagate_error(error, g_steal_pointer(&local));
      goto fail;
    }
    if (!created) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "create cgroup %s: it already exists", dir);
      goto fail;
    }
    if (!cg->v2 && !cpuset_inherit(dir, error))
      goto fail;
  }
  return TRUE;

fail:
  plc_cgroup_destroy_paths(plc_cgroup_paths(cg), NULL);
  return FALSE;
}

static gboolean
write_in(const char *dir, const char *file, const char *value, GError **error)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  return plc_write_file(path, value, error);
}

static gboolean
has_file(const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename(dir, file, NULL);
  return g_file_test(path, G_FILE_TEST_EXISTS);
}

static gboolean
controller_missing(GError **error, const char *ctrl, const char *option)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
              "%s needs the %s cgroup controller, which this host does not offer", option, ctrl);
  return FALSE;
}

static gboolean
weight_missing(GError **error, const char *dir)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
              "--blkio-weight needs a proportional I/O scheduler (CFQ, BFQ or cgroup2's iocost); "
              "%s has no weight file",
              dir);
  return FALSE;
}

static const char *
v1_dir(const PlcCgroup *cg, PlController ctrl)
{
  return cg->dir_of[ctrl];
}

/* v1: blkio.weight (CFQ) or, on kernels with BFQ only, blkio.bfq.weight; throttling rules
 * one "MAJ:MIN RATE" line each. */
static gboolean
apply_blkio_v1(const char *dir, const PlcBlkio *b, GError **error)
{
  static const char *const files[PLC_THROTTLE_KINDS] = {
      [PLC_READ_BPS] = "blkio.throttle.read_bps_device",
      [PLC_WRITE_BPS] = "blkio.throttle.write_bps_device",
      [PLC_READ_IOPS] = "blkio.throttle.read_iops_device",
      [PLC_WRITE_IOPS] = "blkio.throttle.write_iops_device",
  };
  char buf[64];
  if (b->weight > 0) {
    const char *file = has_file(dir, "blkio.weight")       ? "blkio.weight"
                       : has_file(dir, "blkio.bfq.weight") ? "blkio.bfq.weight"
                                                           : NULL;
    if (file == NULL)
      return weight_missing(error, dir);
    g_snprintf(buf, sizeof buf, "%u", b->weight);
    if (!write_in(dir, file, buf, error))
      return FALSE;
  }
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++)
    for (guint i = 0; i < b->throttle[k]->len; i++) {
      const PlcThrottle *t = b->throttle[k]->pdata[i];
      if (!has_file(dir, files[k]))
        return controller_missing(error, "blkio throttling", plc_throttle_option(k));
      g_snprintf(buf, sizeof buf, "%u:%u %" G_GUINT64_FORMAT, t->major, t->minor, t->rate);
      if (!write_in(dir, files[k], buf, error))
        return FALSE;
    }
  return TRUE;
}

/* v2: io.bfq.weight takes docker's range as is; io.weight (iocost) its own 1..10000. Limits
 * are io.max keys, one "MAJ:MIN KEY=RATE" line each. */
static gboolean
apply_blkio_v2(const char *dir, const PlcBlkio *b, GError **error)
{
  static const char *const keys[PLC_THROTTLE_KINDS] = {
      [PLC_READ_BPS] = "rbps",
      [PLC_WRITE_BPS] = "wbps",
      [PLC_READ_IOPS] = "riops",
      [PLC_WRITE_IOPS] = "wiops",
  };
  char buf[64];
  if (b->weight > 0) {
    gboolean bfq = has_file(dir, "io.bfq.weight");
    if (!bfq && !has_file(dir, "io.weight"))
      return weight_missing(error, dir);
    g_snprintf(buf, sizeof buf, "%u", bfq ? b->weight : plc_blkio_weight_to_io_weight(b->weight));
    if (!write_in(dir, bfq ? "io.bfq.weight" : "io.weight", buf, error))
      return FALSE;
  }
  for (int k = 0; k < PLC_THROTTLE_KINDS; k++)
    for (guint i = 0; i < b->throttle[k]->len; i++) {
      const PlcThrottle *t = b->throttle[k]->pdata[i];
      if (!has_file(dir, "io.max"))
        return controller_missing(error, "io", plc_throttle_option(k));
      g_snprintf(buf, sizeof buf, "%u:%u %s=%" G_GUINT64_FORMAT, t->major, t->minor, keys[k],
                 t->rate);
      if (!write_in(dir, "io.max", buf, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
apply_v1(PlcCgroup *cg, const PlcLimits *l, GError **error)
{
  char buf[64];
  const char *mem = v1_dir(cg, PL_CTRL_MEMORY), *cpu = v1_dir(cg, PL_CTRL_CPU);
  const char *cpuset = v1_dir(cg, PL_CTRL_CPUSET), *pids = v1_dir(cg, PL_CTRL_PIDS);

  if (l->memory > 0 || l->memory_swap != 0) {
    if (mem == NULL)
      return controller_missing(error, "memory", "--memory");
    if (l->memory > 0) {
      g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, l->memory);
      if (!write_in(mem, "memory.limit_in_bytes", buf, error))
        return FALSE;
    }
    gint64 memsw = l->memory_swap;
    if (memsw == 0 && l->memory > 0)
      memsw = 2 * l->memory;
    if (has_file(mem, "memory.memsw.limit_in_bytes")) {
      g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, memsw);
      if (memsw != 0 && !write_in(mem, "memory.memsw.limit_in_bytes", buf, error))
        return FALSE;
    } else if (l->memory_swap > 0) {
      g_set_error(
          error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
          "--memory-swap: this kernel does not account swap (no %s/memory.memsw.limit_in_bytes)",
          mem);
      return FALSE;
    }
  }
  if (l->nano_cpus > 0) {
    if (cpu == NULL)
      return controller_missing(error, "cpu", "--cpus");
    g_snprintf(buf, sizeof buf, "%d", CFS_PERIOD_US);
    if (!write_in(cpu, "cpu.cfs_period_us", buf, error))
      return FALSE;
    g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT,
               plc_cpus_quota_us(l->nano_cpus, CFS_PERIOD_US));
    if (!write_in(cpu, "cpu.cfs_quota_us", buf, error))
      return FALSE;
  }
  if (l->cpuset_cpus) {
    if (cpuset == NULL)
      return controller_missing(error, "cpuset", "--cpuset-cpus");
    if (!write_in(cpuset, "cpuset.cpus", l->cpuset_cpus, error))
      return FALSE;
  }
  if (l->pids_limit > 0) {
    if (pids == NULL)
      return controller_missing(error, "pids", "--pids-limit");
    g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, l->pids_limit);
    if (!write_in(pids, "pids.max", buf, error))
      return FALSE;
  }
  if (!plc_blkio_is_empty(l->blkio)) {
    const char *blkio = v1_dir(cg, PL_CTRL_BLKIO);
    if (blkio == NULL)
      return controller_missing(error, "blkio", "a disk I/O limit");
    if (!apply_blkio_v1(blkio, l->blkio, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
apply_v2(PlcCgroup *cg, const PlcLimits *l, GError **error)
{
  char buf[64];
  const char *dir = cg->paths->pdata[0];

  if (l->memory > 0 || l->memory_swap != 0) {
    if (!has_file(dir, "memory.max"))
      return controller_missing(error, "memory", "--memory");
    if (l->memory > 0) {
      g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, l->memory);
      if (!write_in(dir, "memory.max", buf, error))
        return FALSE;
    }
    /* memory.swap.max counts swap alone; docker's --memory-swap counts memory plus swap. */
    gboolean have_swap = has_file(dir, "memory.swap.max");
    if (l->memory_swap == -1) {
      if (have_swap && !write_in(dir, "memory.swap.max", "max", error))
        return FALSE;
    } else if (l->memory_swap > 0 || l->memory > 0) {
      gint64 swap = l->memory_swap > 0 ? l->memory_swap - l->memory : l->memory;
      if (!have_swap && l->memory_swap > 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "--memory-swap: this kernel does not account swap (no %s/memory.swap.max)",
                    dir);
        return FALSE;
      }
      g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, swap);
      if (have_swap && !write_in(dir, "memory.swap.max", buf, error))
        return FALSE;
    }
  }
  if (l->nano_cpus > 0) {
    if (!has_file(dir, "cpu.max"))
      return controller_missing(error, "cpu", "--cpus");
    g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT " %d",
               plc_cpus_quota_us(l->nano_cpus, CFS_PERIOD_US), CFS_PERIOD_US);
    if (!write_in(dir, "cpu.max", buf, error))
      return FALSE;
  }
  if (l->cpuset_cpus) {
    if (!has_file(dir, "cpuset.cpus"))
      return controller_missing(error, "cpuset", "--cpuset-cpus");
    if (!write_in(dir, "cpuset.cpus", l->cpuset_cpus, error))
      return FALSE;
  }
  if (l->pids_limit > 0) {
    if (!has_file(dir, "pids.max"))
      return controller_missing(error, "pids", "--pids-limit");
    g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, l->pids_limit);
    if (!write_in(dir, "pids.max", buf, error))
      return FALSE;
  }
  if (!plc_blkio_is_empty(l->blkio) && !apply_blkio_v2(dir, l->blkio, error))
    return FALSE;
  return TRUE;
}

gboolean
plc_cgroup_apply(PlcCgroup *cg, const PlcLimits *limits, GError **error)
{
  gboolean ok = cg->v2 ? apply_v2(cg, limits, error) : apply_v1(cg, limits, error);
  if (!ok)
    g_prefix_error(error, "set cgroup limits: ");
  return ok;
}

gboolean
plc_cgroup_add_pid(PlcCgroup *cg, pid_t pid, GError **error)
{
  char buf[32];
  g_snprintf(buf, sizeof buf, "%d", (int)pid);
  for (guint i = 0; i + 1 < cg->paths->len; i++)
    if (!write_in(cg->paths->pdata[i], "cgroup.procs", buf, error)) {
      g_prefix_error(error, "join cgroup: ");
      return FALSE;
    }
  return TRUE;
}

static guint64
keyed(const char *text, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) kv = g_strsplit(*l, " ", 2);
    if (kv[0] && kv[1] && strcmp(kv[0], key) == 0)
      return g_ascii_strtoull(kv[1], NULL, 10);
  }
  return 0;
}

guint64
plc_cgroup_oom_kills_paths(char *const *paths)
{
  guint64 total = 0;
  for (char *const *p = paths; p && *p; p++) {
    /* v1: memory.oom_control; v2: memory.events. Only the memory hierarchy has either. */
    static const char *const files[] = {"memory.oom_control", "memory.events"};
    for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
      g_autofree char *path = g_build_filename(*p, files[i], NULL);
      g_autofree char *text = NULL;
      if (plc_read_file(path, &text, NULL))
        total += keyed(text, "oom_kill");
    }
  }
  return total;
}

guint64
plc_cgroup_oom_kills(const PlcCgroup *cg)
{
  return plc_cgroup_oom_kills_paths(plc_cgroup_paths(cg));
}

static void
kill_all_in(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, "cgroup.procs", NULL);
  g_autofree char *text = NULL;
  if (!plc_read_file(path, &text, NULL))
    return;
  g_auto(GStrv) pids = g_strsplit(text, "\n", -1);
  for (char **p = pids; *p; p++) {
    gint64 pid = g_ascii_strtoll(*p, NULL, 10);
    if (pid > 0)
      kill((pid_t)pid, SIGKILL);
  }
}

gboolean
plc_cgroup_destroy_paths(char *const *paths, GError **error)
{
  gboolean ok = TRUE;
  for (char *const *p = paths; p && *p; p++) {
    const char *dir = *p;
    gboolean gone = FALSE;
    /* Only ever remove what the launcher names: .../proclens/<id>. */
    g_autofree char *parent = g_path_get_dirname(dir);
    g_autofree char *parent_name = g_path_get_basename(parent);
    if (strcmp(parent_name, PARENT_NAME) != 0)
      continue;
    for (int i = 0; i < 200 && !gone; i++) {
      if (rmdir(dir) == 0 || errno == ENOENT) {
        gone = TRUE;
        break;
      }
      if (errno != EBUSY) {
        break;
      }
      kill_all_in(dir);
      g_usleep(10000);
    }
    if (!gone) {
      if (ok)
        plc_set_errno(error, errno, "remove cgroup %s", dir);
      ok = FALSE;
      continue;
    }
    /* The shared parent goes when the last container leaves it; another launcher may
     * be using it at the same moment, so ENOTEMPTY/EBUSY are normal. */
    rmdir(parent);
  }
  return ok;
}

PlcCgroup *
plc_cgroup_new_none(const char *id)
{
  PlcCgroup *cg = g_new0(PlcCgroup, 1);
  cg->root = g_strdup("");
  cg->id = g_strdup(id);
  cg->hierarchies = g_ptr_array_new_with_free_func(g_free);
  cg->paths = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(cg->paths, NULL);
  return cg;
}
