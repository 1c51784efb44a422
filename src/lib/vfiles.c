/* The table of files the mount serves. */
#include "proclens/vfiles.h"

#include <string.h>

const PlVfile pl_vfiles[] = {
    {"proc/meminfo", pl_produce_meminfo},
    {"proc/swaps", pl_produce_swaps},
    {NULL, NULL},
};

const PlVfile *
pl_vfile_lookup(const char *path)
{
  for (const PlVfile *f = pl_vfiles; f->path != NULL; f++) {
    if (strcmp(f->path, path) == 0)
      return f;
  }
  return NULL;
}
