/* Errors that carry an errno value. */
#include "proclens/error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(pl-errno-error-quark, pl_errno_error)

void
pl_set_errno(GError **error, int errnum, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  if (error == NULL)
    return;
  va_start(args, format);
  what = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, PL_ERRNO_ERROR, errnum, "%s: %s", what, g_strerror(errnum));
}

int
pl_error_to_errno(const GError *error)
{
  if (error != NULL && error->domain == PL_ERRNO_ERROR && error->code > 0)
    return error->code;
  return EIO;
}
