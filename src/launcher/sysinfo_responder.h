/* The monitor's side of the sysinfo(2) interception: a thread that answers the seccomp
 * notifications of a container's processes from the container's model (libproclens's
 * sysinfo_model, the same code the daemon's meminfo/uptime/loadavg use).
 *
 * If the monitor dies, the listeners close and the kernel answers every filtered sysinfo
 * call with ENOSYS: the container never hangs, and `ps`/`inspect` show State.Sysinfo
 * "unavailable". */
#pragma once

#include <glib.h>

typedef struct PlcSysinfoResponder PlcSysinfoResponder;

/* The socket in a container's state directory through which exec hands over listeners. */
#define PLC_SYSINFO_SOCKET "sysinfo.sock"

/* Starts answering on listener (taken over) and on <state_dir>/sysinfo.sock, computing
 * with cgroup_root and /proc. */
PlcSysinfoResponder *plc_sysinfo_responder_start(const char *cgroup_root, const char *state_dir,
                                                 int listener, GError **error);
/* Stops the thread, closes every listener and removes the socket. NULL is fine. */
void plc_sysinfo_responder_stop(PlcSysinfoResponder *responder);

/* Notifications answered so far (tests, inspect). */
guint64 plc_sysinfo_responder_answered(PlcSysinfoResponder *responder);

/* exec's side: connects to the container's monitor (before joining its mount namespace);
 * -1 with an error when no monitor serves the container. */
int plc_sysinfo_connect(const char *state_dir, GError **error);
/* Sends a listener over a socket (one byte 'S' with SCM_RIGHTS). */
/* Hands a listener to the monitor over a connected socket and waits (5 s at most) for
 * its acknowledgement. */
gboolean plc_sysinfo_send_listener(int sock, int listener, GError **error);
