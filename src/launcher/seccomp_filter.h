/* The filter that turns sysinfo(2) into a seccomp user notification, installed in a
 * container's processes just before they exec (libseccomp). */
#pragma once

#include <glib.h>

/* Whether the kernel and libseccomp can do user notifications (API level 5, Linux >= 5.0).
 * Checked by the launcher, which warns once and runs without the filter when not. */
gboolean plc_seccomp_notify_supported(void);

/* Installs the filter in the calling thread (inherited by children and kept across
 * execve) and returns its listener fd (close-on-exec). Must run with CAP_SYS_ADMIN
 * (as root, before switching user): no_new_privs is not set, so setuid programs in the
 * container keep working. An old kernel gives G_IO_ERROR_NOT_SUPPORTED. */
int plc_seccomp_install_sysinfo(GError **error);
