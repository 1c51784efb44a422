/* proclens image import: OCI image layouts (directory or tar), docker save tarballs and
 * plain rootfs tarballs into the image store. */
#pragma once

#include "image_store.h"

#include <glib.h>

/* Imports source (a directory or a file) and names the image ref ("name[:tag]", may be NULL:
 * the archive's own names for docker save, none otherwise). Every blob is verified against
 * its digest; new layers are unpacked under ROOT/tmp and renamed into ROOT/layers only once
 * the whole image is good, so a failure leaves the store as it was. */
PlcImage *plc_image_import(const char *root, const char *source, const char *ref, GError **error);
