/* Repairing the bind mounts a previous proclensd left dead in containers.
 *
 * When a FUSE daemon exits, every bind mount of its files (a container's /proc/meminfo)
 * keeps pointing at the old superblock and answers ENOTCONN forever. At start proclensd
 * learns the identity (device major:minor and fsname) of its predecessor's superblock from
 * the stale mount at its mountpoint and from a state file (the stale mount may be gone already:
 * systemd's ExecStopPost, umount -l); once its own mount serves, it finds every mount of that
 * identity and type in every mount namespace (/proc/PID/mountinfo) and replaces each with a
 * clone of the same path from the new mount, at the same place, with the same flags. */
#pragma once

#include <glib.h>

#define REMOUNT_DEFAULT_STATE_DIR "/run/proclensd"

/* remount_mounted and remount_repair are thread-safe: each of the daemon's mounts may call
 * them from the thread that brought it up. */
typedef struct Remount Remount;

/* Call before the mountpoint is prepared: notes the devices of the previous instances
 * (the stale mount at mountpoint, and the state file in state_dir). */
Remount *remount_new(const char *mountpoint, const char *state_dir);

/* The fsname of this instance's main mount ("proclens:" and a random number): with the
 * device, it identifies this superblock among proclensd's (see remount_identity). */
const char *remount_source(const Remount *r);

/* The fsname for another mount of this instance, at or below the mountpoint (the
 * container views: "proclens-containers:" and the same number). The part before the ':'
 * is the mount's role: a dead mount is replaced from the live mount of the same role. */
char *remount_source_for(const Remount *r, const char *role);

/* Call once mounted (again after each further mount of this instance): records the
 * identities of this instance's mounts, with the predecessors', in the state file, so that
 * a crash before the repair finishes still lets the next start find them. */
void remount_mounted(Remount *r);

/* Call once the mount serves (the clones are looked up through it): repairs every
 * namespace, logs what it did, then keeps in the state file only the predecessors whose
 * mounts could not be repaired. A later call (after another of this instance's mounts
 * came up) retries those. */
void remount_repair(Remount *r);

void remount_free(Remount *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Remount, remount_free)
