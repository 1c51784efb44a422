/* Which caller-view files may have a cut-down size in the kernel.
 *
 * sendfile(2) and splice(2) read a FUSE file through the page cache even when it was
 * opened with direct I/O, stop at the inode's size, and a short READ there shrinks that
 * size to the length of one caller's content; the next caller's sendfile would be cut at
 * it. Storing nothing at TREE_FILE_SIZE grows the size back, but costs a write to
 * /dev/fuse, so it is done only at the next open of an inode that had a short page-cache
 * READ. The kernel marks every direct-I/O READ with the reader's lock owner
 * (FUSE_READ_LOCKOWNER) and page-cache READs with none: lock_owner 0 tells them apart. */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct SizeGuard SizeGuard;

SizeGuard *size_guard_new(void);
void size_guard_free(SizeGuard *guard);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SizeGuard, size_guard_free)

/* A READ of ino with this lock owner was answered with fewer bytes than it asked for. */
void size_guard_short_read(SizeGuard *guard, uint64_t ino, uint64_t lock_owner);

/* Whether ino must get its size back before this open; the mark is cleared. */
gboolean size_guard_take(SizeGuard *guard, uint64_t ino);
