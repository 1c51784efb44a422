/* The container's root filesystem, built inside its new mount namespace: ROOTFS as the
 * read-only lower layer of an overlay whose upper and work dirs live in the state dir, a
 * fresh /proc with the daemon's files bound over it (and its sys/devices/system/cpu directory),
 * read-only /sys, a minimal /dev, generated /etc files, volumes; then pivot_root. Every step fails
 * fast naming its path. */
#pragma once

#include <glib.h>

typedef struct {
  const char *lower;     /* ROOTFS (canonical), or an image's layer dirs joined by ':' */
  const char *state_dir; /* holds upper/, work/, rootfs/ (the mount point) and etc/ */
  GPtrArray *volumes;    /* of PlcVolume */
  GPtrArray *devices;    /* of PlcVolume: host device nodes, bound after the volumes */
  const char *lxcfs_dir; /* the daemon's mount, or NULL for --no-lxcfs */
  const char *views_dir; /* the daemon's views of this container (containers/<id>), or NULL:
                          * bound instead of lxcfs_dir's caller views when set */
  gboolean tty;          /* create /dev/console for the pty */
  gboolean userns;       /* in a new user namespace (overlay with userxattr) */
  const int *lower_fds;  /* idmapped clones of lower's layers (same order), or none */
  guint n_lower_fds;
} PlcRootfsSpec;

/* Runs in the container's init, in its new mount namespace; ends in the new root. */
gboolean plc_rootfs_setup(const PlcRootfsSpec *spec, GError **error);

/* After pivot_root: binds the pty slave to /dev/console. */
gboolean plc_rootfs_bind_console(const char *slave_path, GError **error);

/* Refuses a ROOTFS the overlay cannot take (not a directory; ',' or ':' in its path). An
 * image's ROOTFS is a ':'-joined list of layer directories, top first: each is checked. */
gboolean plc_rootfs_check(const char *rootfs, GError **error);
