/* Unit tests of image_names.c: the pure parts of the image store and importer. */
#include "image_names.h"

#include <check.h>
#include <gio/gio.h>
#include <stdlib.h>

static void
ref_ok(const char *ref, const char *name, const char *tag)
{
  g_autofree char *n = NULL, *t = NULL;
  g_autoptr(GError) error = NULL;
  ck_assert_msg(plc_image_ref_parse(ref, &n, &t, &error), "%s: %s", ref,
                error ? error->message : "");
  ck_assert_str_eq(n, name);
  ck_assert_str_eq(t, tag);
}

static void
ref_bad(const char *ref)
{
  g_autofree char *n = NULL, *t = NULL;
  g_autoptr(GError) error = NULL;
  ck_assert_msg(!plc_image_ref_parse(ref, &n, &t, &error), "%s accepted", ref);
  ck_assert_ptr_nonnull(error);
  ck_assert_ptr_null(n);
}

START_TEST(test_ref)
{
  ref_ok("busybox", "busybox", "latest");
  ref_ok("busybox:1.36", "busybox", "1.36");
  ref_ok("library/busy-box_2:v1.0-rc", "library/busy-box_2", "v1.0-rc");
  ref_ok("localhost:5000/app", "localhost:5000/app", "latest");
  ref_ok("localhost:5000/app:x", "localhost:5000/app", "x");
  ref_bad("");
  ref_bad(":tag");
  ref_bad("Busybox");
  ref_bad("busybox:");
  ref_bad("busybox:-x");
  ref_bad("busybox:t@x");
  ref_bad("a//b");
  ref_bad("app/");
  ref_bad("bad name");
}
END_TEST

START_TEST(test_digest)
{
  const char *hex = NULL;
  const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  ck_assert(plc_digest_parse(d, &hex, NULL));
  ck_assert_str_eq(hex, d + 7);
  ck_assert(!plc_digest_parse("sha512:00", &hex, NULL));
  ck_assert(!plc_digest_parse("sha256:0123", &hex, NULL));
  ck_assert(!plc_digest_parse(
      "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", &hex, NULL));
  ck_assert(!plc_digest_parse(
      "sha256:../456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &hex, NULL));
  ck_assert(!plc_digest_parse(
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", &hex, NULL));
}
END_TEST

static void
path_ok(const char *path, const char *clean)
{
  g_autofree char *c = NULL;
  ck_assert_msg(plc_layer_path_clean(path, &c, NULL), "%s refused", path);
  ck_assert_str_eq(c, clean);
}

static void
path_bad(const char *path)
{
  g_autofree char *c = NULL;
  g_autoptr(GError) error = NULL;
  ck_assert_msg(!plc_layer_path_clean(path, &c, &error), "%s accepted", path);
  ck_assert_ptr_nonnull(error);
}

START_TEST(test_paths)
{
  path_ok("./usr//bin/", "usr/bin");
  path_ok(".", "");
  path_ok("./", "");
  path_ok("etc/passwd", "etc/passwd");
  path_ok("a/./b", "a/b");
  path_ok("..foo/x..", "..foo/x..");
  path_bad("/etc/passwd");
  path_bad("../x");
  path_bad("a/../../x");
  path_bad("a/..");
  path_bad("");
}
END_TEST

START_TEST(test_symlinks)
{
  ck_assert(plc_layer_symlink_safe("bin/sh", "busybox"));
  ck_assert(plc_layer_symlink_safe("bin/sh", "/bin/busybox")); /* resolved in the container */
  ck_assert(plc_layer_symlink_safe("usr/bin/x", "../../bin/busybox"));
  ck_assert(plc_layer_symlink_safe("a", "./b"));
  ck_assert(!plc_layer_symlink_safe("usr/bin/x", "../../../etc/shadow"));
  ck_assert(!plc_layer_symlink_safe("x", "../y"));
  ck_assert(!plc_layer_symlink_safe("a/b", "c/../../../d"));
  ck_assert(!plc_layer_symlink_safe("x", ""));
}
END_TEST

static void
wh(const char *path, PlcWhiteout kind, const char *target)
{
  g_autofree char *t = NULL;
  ck_assert_int_eq(plc_whiteout_classify(path, &t), kind);
  if (target)
    ck_assert_str_eq(t, target);
  else
    ck_assert_ptr_null(t);
}

START_TEST(test_whiteouts)
{
  wh("etc/passwd", PLC_WHITEOUT_NONE, NULL);
  wh("etc/.wh.motd", PLC_WHITEOUT_FILE, "etc/motd");
  wh(".wh.file", PLC_WHITEOUT_FILE, "file");
  wh("a/b/.wh..wh..opq", PLC_WHITEOUT_OPAQUE, "a/b");
  wh(".wh..wh..opq", PLC_WHITEOUT_OPAQUE, "");
  wh("a/.wh..wh.plnk", PLC_WHITEOUT_FILE, NULL); /* AUFS metadata: skipped */
  wh("a/.wh.", PLC_WHITEOUT_FILE, NULL);
  wh("a/x.wh.y", PLC_WHITEOUT_NONE, NULL);
  wh(".whx", PLC_WHITEOUT_NONE, NULL);
}
END_TEST

START_TEST(test_media_types)
{
  gboolean z = TRUE;
  ck_assert_int_eq(plc_media_type_kind("application/vnd.oci.image.layer.v1.tar", &z),
                   PLC_MEDIA_LAYER);
  ck_assert(!z);
  ck_assert_int_eq(plc_media_type_kind("application/vnd.oci.image.layer.v1.tar+gzip", &z),
                   PLC_MEDIA_LAYER);
  ck_assert(z);
  ck_assert_int_eq(plc_media_type_kind("application/vnd.docker.image.rootfs.diff.tar.gzip", &z),
                   PLC_MEDIA_LAYER);
  ck_assert(z);
  ck_assert_int_eq(plc_media_type_kind("application/vnd.oci.image.manifest.v1+json", NULL),
                   PLC_MEDIA_MANIFEST);
  ck_assert_int_eq(plc_media_type_kind("application/vnd.oci.image.index.v1+json", NULL),
                   PLC_MEDIA_INDEX);
  ck_assert_int_eq(plc_media_type_kind("application/vnd.oci.image.config.v1+json", NULL),
                   PLC_MEDIA_CONFIG);
  ck_assert_int_eq(plc_media_type_kind("application/vnd.docker.container.image.v1+json", NULL),
                   PLC_MEDIA_CONFIG);
  ck_assert_int_eq(
      plc_media_type_kind("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", NULL),
      PLC_MEDIA_UNKNOWN);
  ck_assert_int_eq(plc_media_type_kind("application/x-tar", NULL), PLC_MEDIA_UNKNOWN);
  ck_assert_int_eq(plc_media_type_kind(NULL, NULL), PLC_MEDIA_UNKNOWN);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("image_names");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_ref);
  tcase_add_test(tc, test_digest);
  tcase_add_test(tc, test_paths);
  tcase_add_test(tc, test_symlinks);
  tcase_add_test(tc, test_whiteouts);
  tcase_add_test(tc, test_media_types);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
