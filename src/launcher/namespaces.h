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
 * that asks the clock rather than /proc/uptime sees the container's uptime too. Gives a
 * descriptor of the caller's own time namespace for plc_ns_time_restore() once the child
 * exists (-1, and success, on a kernel without time namespaces: Linux < 5.6). */
gboolean plc_ns_time_for_children(int *ret_own_fd, GError **error);

/* Makes the caller's later children and threads share its own time namespace again (the
 * kernel refuses to create a thread while the two differ) and closes own_fd (-1: nothing).
 * The caller must be single-threaded. */
gboolean plc_ns_time_restore(int own_fd, GError **error);

/* Sets IFF_UP on "lo" in the current network namespace. */
gboolean plc_ns_loopback_up(GError **error);

/* Joins every namespace of pid: its user namespace first (when not ours; then as its root),
 * the mount namespace last, and changes root to pid's root. The pid namespace applies to
 * children forked afterwards. */
gboolean plc_ns_join(pid_t pid, GError **error);
