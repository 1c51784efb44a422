/* libseccomp rather than hand-written BPF: the library knows each architecture's syscall
 * numbers and the audit-arch check, and Debian keeps it up to date. */
#include "seccomp_filter.h"
#include "util.h"

#include <errno.h>
#include <gio/gio.h>
#include <fcntl.h>
#include <seccomp.h>
#include <unistd.h>

gboolean
plc_seccomp_notify_supported(void)
{
  return seccomp_api_get() >= 5;
}

int
plc_seccomp_install_sysinfo(GError **error)
{
  if (!plc_seccomp_notify_supported()) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "seccomp user notification needs Linux 5.0 (libseccomp API level %u)",
                seccomp_api_get());
    return -1;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "seccomp_init failed");
    return -1;
  }
  int rc;
  /* As root no_new_privs is not needed; setting it would disarm setuid programs. */
  if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
      (rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sysinfo), 0)) < 0) {
    seccomp_release(ctx);
    plc_set_errno(error, -rc, "build the sysinfo seccomp filter");
    return -1;
  }
  /* seccomp_load adds SECCOMP_FILTER_FLAG_NEW_LISTENER because of the NOTIFY rule. */
  rc = seccomp_load(ctx);
  if (rc < 0) {
    seccomp_release(ctx);
    if (rc == -ENOSYS || rc == -EINVAL)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                  "the kernel refused a seccomp listener: %s", g_strerror(-rc));
    else
      plc_set_errno(error, -rc, "load the sysinfo seccomp filter");
    return -1;
  }
  int fd = seccomp_notify_fd(ctx);
  seccomp_release(ctx);
  if (fd < 0) {
    plc_set_errno(error, fd == -1 ? EBADF : -fd, "get the seccomp listener");
    return -1;
  }
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}
