/* cgroup sources: which hierarchies a host has, which cgroup a process is in,
 * and where a controller's files live for it. Every function takes its roots as
 * arguments, so tests point them at fixture trees. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef enum {
  PL_CTRL_MEMORY,
  PL_CTRL_CPU,
  PL_CTRL_CPUACCT, /* v2: part of "cpu" */
  PL_CTRL_CPUSET,
  PL_CTRL_PIDS,
  PL_CTRL_BLKIO, /* v2: "io" */
  PL_CTRL_COUNT
} PlController;

typedef enum {
  PL_CG_LAYOUT_V1,     /* v1 hierarchies only */
  PL_CG_LAYOUT_V2,     /* cgroup2 mounted at the root itself */
  PL_CG_LAYOUT_HYBRID, /* v1 hierarchies plus a cgroup2 mount beside them */
} PlCgLayoutKind;

typedef struct {
  char *root;
  PlCgLayoutKind kind;
  char *v1_dir[PL_CTRL_COUNT];         /* directory of each v1 hierarchy; NULL if not mounted */
  char *v2_dir;                        /* the cgroup2 mount; NULL if none */
  gboolean v2_enabled[PL_CTRL_COUNT];  /* listed in the v2 root's cgroup.controllers */
} PlCgLayout;

/* Inspects root (e.g. /sys/fs/cgroup). Fails only when root holds no cgroup hierarchy at all. */
PlCgLayout *pl_cg_layout_discover(const char *root, GError **error);
void pl_cg_layout_free(PlCgLayout *layout);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlCgLayout, pl_cg_layout_free)

const char *pl_cg_layout_kind_name(PlCgLayoutKind kind);
/* The v1 name of a controller ("memory", "cpuacct", "blkio", ...). */
const char *pl_controller_name(PlController ctrl);
/* The controller whose v1 name is [name, name + len), or -1. */
gint pl_controller_named(const char *name, gsize len);

/* Where a process sits: its path in each v1 hierarchy and in the v2 tree. */
typedef struct {
  char *v1_path[PL_CTRL_COUNT]; /* NULL when the controller is not listed */
  char *v2_path;                /* the "0::" line; NULL when absent */
} PlCgMembership;

void pl_cg_membership_clear(PlCgMembership *membership);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlCgMembership, pl_cg_membership_clear)

/* Parses the text of /proc/PID/cgroup. */
gboolean pl_cg_membership_parse(const char *text, PlCgMembership *ret_membership, GError **error);

/* Reads <proc_root>/<pid>/cgroup. A vanished process gives ESRCH. */
gboolean pl_cg_membership_read(const char *proc_root, pid_t pid, PlCgMembership *ret_membership,
                               GError **error);

/* One controller's cgroup for a process: the hierarchy's mount and the path below it. */
typedef struct {
  const char *mount; /* borrowed from the layout */
  char *path;        /* "/" for the root cgroup, else "/a/b" */
  gboolean v2;
} PlCgNode;

void pl_cg_node_clear(PlCgNode *node);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PlCgNode, pl_cg_node_clear)

/* Finds the cgroup holding ctrl's files for a process: its v1 hierarchy when mounted,
 * else the v2 tree when ctrl is enabled there. FALSE when no hierarchy has ctrl. */
gboolean pl_cg_node_for(const PlCgLayout *layout, const PlCgMembership *membership,
                        PlController ctrl, PlCgNode *ret_node);

/* The directory of node, or of its n-th ancestor (0 = itself). NULL past the root. */
char *pl_cg_node_dir(const PlCgNode *node, guint up);

/* Number of levels from node to its hierarchy root (0 for the root itself). */
guint pl_cg_node_depth(const PlCgNode *node);
