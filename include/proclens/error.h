/* Errors that carry an errno value, so the FUSE front can answer with it. */
#pragma once

#include <glib.h>

/* Domain whose codes are errno values (ENOENT, ESRCH, ...). */
#define PL_ERRNO_ERROR (pl_errno_error_quark())
GQuark pl_errno_error_quark(void);

/* Sets an error in PL_ERRNO_ERROR with the message "<what>: <strerror(errnum)>". */
void pl_set_errno(GError **error, int errnum, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* The errno an error stands for: its code in PL_ERRNO_ERROR, EIO for any other error. */
int pl_error_to_errno(const GError *error);
