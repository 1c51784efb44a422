/* The FUSE low-level operations: a read-only tree whose file contents are produced per
 * caller. */
#pragma once

#include "proclens/context.h"
#include "tree.h"
#include <fuse_lowlevel.h>

typedef struct {
  const PlContext *ctx;
  const Tree *tree;
  struct fuse_session *session; /* for notifications to the kernel; set once mounted */
} FsState;

extern const struct fuse_lowlevel_ops fs_operations;
