/* What every virtual file needs to answer a caller: the roots and the cgroup layout. */
#pragma once

#include "proclens/cgroup.h"
#include <glib.h>
#include <sys/types.h>

typedef struct {
  char *cgroup_root;
  char *proc_root;
  PlCgLayout *layout;
} PlContext;

PlContext *pl_context_new(const char *cgroup_root, const char *proc_root, GError **error);
void pl_context_free(PlContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlContext, pl_context_free)
