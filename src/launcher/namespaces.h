/* Namespaces: which ones a container gets, bringing up its loopback, and joining a running
 * container's namespaces (exec). */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* The clone flags of a new container: pid, mount, uts, ipc (and net unless net_host, user
 * with userns). The cgroup namespace is unshared later, once the child sits in its cgroup. */
int plc_ns_clone_flags(gboolean net_host, gboolean userns);

/* clone3() with flags and SIGCHLD; returns like fork(). */
pid_t plc_ns_clone(int flags);

/* A new time namespace for the children forked from now on, its CLOCK_BOOTTIME (and the
 * kernel's own /proc/uptime and process start times there) counting from now, so a client
 * that asks the clock rather than /proc/uptime sees the container's uptime too. Does
 * nothing, and succeeds, on a kernel without time namespaces (Linux < 5.6). */
gboolean plc_ns_time_from_now(GError **error);

/* Sets IFF_UP on "lo" in the current network namespace. */
gboolean plc_ns_loopback_up(GError **error);

/* Joins every namespace of pid: its user namespace first (when not ours; then as its root),
 * the mount namespace last, and changes root to pid's root. The pid namespace applies to
 * children forked afterwards. */
gboolean plc_ns_join(pid_t pid, GError **error);
