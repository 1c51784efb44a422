/* Which of a namespace's mounts are a dead predecessor's binds, and how to replace them.
 * Pure: works on parsed mountinfo, so the unit tests feed it fixtures. */
#pragma once

#include "proclens/mountinfo.h"

#include <glib.h>

/* The filesystem type the daemon's mounts show in mountinfo (subtype=proclens, see main.c). */
#define REMOUNT_FSTYPE "fuse.proclens"

typedef struct {
  char *root;     /* the path inside the filesystem: "/proc/meminfo" */
  char *target;   /* where it is mounted, relative to the namespace's root */
  char *id;       /* the dead superblock's identity (remount_identity) */
  guint detach;   /* how many of them are stacked at target, to detach before mounting */
  guint attr_set; /* MOUNT_ATTR_* the original had (mount_setattr) */
  guint attr_clr; /* MOUNT_ATTR_* to clear so the new mount matches */
} RemountAction;

void remount_action_free(RemountAction *action);

/* A superblock's identity as every mount of it shows it: "MAJOR:MINOR SOURCE". The device
 * number alone is not enough: once a superblock is gone the kernel hands its number to the
 * next FUSE mount, another proclensd's perhaps; the source (fsname=proclens:RANDOM, set by
 * each instance) tells them apart. */
char *remount_identity(const PlMount *mount);

/* The role in an identity: its fsname up to the last ':' ("proclens" for
 * "0:45 proclens:1a2b3c4d"; the whole fsname when it has no ':', as before fsnames had one). */
char *remount_identity_role(const char *id);

/* The actions for one namespace's mounts: every mount of fstype whose identity is in ids
 * (NULL-terminated) that no other mount covers, once per target (stacked ones are counted in
 * detach). Mounts nested below another matching mount are left out: detaching the outer one takes
 * them along. Returns RemountAction*, freed with the array. */
GPtrArray *remount_plan(GPtrArray *mounts, const char *fstype, const char *const *ids);

/* The mount_setattr(2) flags that reproduce a mount's per-mount options. */
void remount_attrs_from_options(const PlMount *mount, guint *ret_set, guint *ret_clr);
