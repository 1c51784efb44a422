/* The health probe: a read of one served file through the mount, as any client does, in
 * a child process. Not in the daemon's own threads: a thread waiting for the daemon's own
 * answer cannot be killed, and when systemd kills a daemon mid-probe (the watchdog) that
 * thread would keep the process, and with it /dev/fuse (whose closing ends the wait), from
 * ever exiting. A child waiting on a dead daemon is released when /dev/fuse closes (the
 * child closes its copies of every descriptor first). */
#pragma once

#include <glib.h>

/* Reads path in a child process; TRUE when it read something within timeout_us. Gives up
 * early once *stop is set. A child still waiting from an earlier probe (a wedged daemon)
 * makes this one fail at once; it is reaped by a later probe, or by init. */
gboolean probe_through_mount(const char *path, gint64 timeout_us, const gint *stop);
