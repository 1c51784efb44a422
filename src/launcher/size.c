#include "size.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

static gboolean
invalid(GError **error, const char *what, const char *text)
{
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "invalid %s '%s'", what, text);
  return FALSE;
}

/* Splits "123.456" into integer and fraction parts scaled to 10^9. Pure digits only. */
static gboolean
parse_decimal_nano(const char *s, size_t len, guint64 *ret_int, guint64 *ret_frac_nano)
{
  guint64 ip = 0, frac = 0;
  size_t i = 0;
  int frac_digits = 0;
  gboolean any = FALSE;

  for (; i < len && g_ascii_isdigit(s[i]); i++) {
    if (ip > (G_MAXUINT64 - 9) / 10)
      return FALSE;
    ip = ip * 10 + (guint64)(s[i] - '0');
    any = TRUE;
  }
  if (i < len && s[i] == '.') {
    i++;
    for (; i < len && g_ascii_isdigit(s[i]); i++) {
      if (frac_digits < 9) {
        frac = frac * 10 + (guint64)(s[i] - '0');
        frac_digits++;
      }
      any = TRUE;
    }
  }
  if (i != len || !any)
    return FALSE;
  for (; frac_digits < 9; frac_digits++)
    frac *= 10;
  *ret_int = ip;
  *ret_frac_nano = frac;
  return TRUE;
}

gboolean
plc_parse_size(const char *text, gint64 *ret_bytes, GError **error)
{
  size_t len = strlen(text);
  guint64 mult = 1, ip, frac;

  if (len > 0 && (text[len - 1] == 'b' || text[len - 1] == 'B'))
    len--;
  if (len > 0) {
    switch (g_ascii_tolower(text[len - 1])) {
    case 'k':
      mult = 1ULL << 10;
      len--;
      break;
    case 'm':
      mult = 1ULL << 20;
      len--;
      break;
    case 'g':
      mult = 1ULL << 30;
      len--;
      break;
    case 't':
      mult = 1ULL << 40;
      len--;
      break;
    default:
      break;
    }
  }
  if (!parse_decimal_nano(text, len, &ip, &frac))
    return invalid(error, "size", text);
  if (ip > (guint64)G_MAXINT64 / mult)
    return invalid(error, "size (too large)", text);
  guint64 bytes = ip * mult + (guint64)((double)frac * (double)mult / 1e9);
  if (bytes == 0 || bytes > (guint64)G_MAXINT64)
    return invalid(error, "size", text);
  *ret_bytes = (gint64)bytes;
  return TRUE;
}

gboolean
plc_parse_size_or_unlimited(const char *text, gint64 *ret_bytes, GError **error)
{
  if (strcmp(text, "-1") == 0) {
    *ret_bytes = -1;
    return TRUE;
  }
  return plc_parse_size(text, ret_bytes, error);
}

gboolean
plc_parse_cpus(const char *text, gint64 *ret_nano_cpus, GError **error)
{
  guint64 ip, frac;
  if (!parse_decimal_nano(text, strlen(text), &ip, &frac) || ip > 1000000)
    return invalid(error, "--cpus value", text);
  gint64 nano = (gint64)(ip * 1000000000ULL + frac);
  if (nano < 10000000) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "invalid --cpus value '%s': the minimum is 0.01", text);
    return FALSE;
  }
  *ret_nano_cpus = nano;
  return TRUE;
}

gint64
plc_cpus_quota_us(gint64 nano_cpus, gint64 period_us)
{
  return nano_cpus * period_us / 1000000000LL;
}

gboolean
plc_parse_cpu_list(const char *text, GError **error)
{
  if (*text == '\0')
    return invalid(error, "CPU list", text);
  g_auto(GStrv) parts = g_strsplit(text, ",", -1);
  for (char **p = parts; *p; p++) {
    char *end;
    if (!g_ascii_isdigit(**p))
      return invalid(error, "CPU list", text);
    guint64 a = g_ascii_strtoull(*p, &end, 10), b = a;
    if (*end == '-') {
      if (!g_ascii_isdigit(end[1]))
        return invalid(error, "CPU list", text);
      b = g_ascii_strtoull(end + 1, &end, 10);
    }
    if (*end != '\0' || b < a || b > 65535)
      return invalid(error, "CPU list", text);
  }
  return TRUE;
}

gboolean
plc_parse_pids_limit(const char *text, gint64 *ret_limit, GError **error)
{
  gint64 v;
  if (!g_ascii_string_to_signed(text, 10, -1, G_MAXINT32, &v, NULL))
    return invalid(error, "--pids-limit value", text);
  *ret_limit = v <= 0 ? -1 : v;
  return TRUE;
}

gboolean
plc_parse_user(const char *text, guint32 *ret_uid, guint32 *ret_gid, gboolean *ret_has_gid,
               GError **error)
{
  g_auto(GStrv) parts = g_strsplit(text, ":", 2);
  guint64 uid, gid = 0;
  if (!parts[0] || !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXUINT32 - 1, &uid, NULL))
    return invalid(error, "user (expected UID[:GID], numeric)", text);
  if (parts[1] && !g_ascii_string_to_unsigned(parts[1], 10, 0, G_MAXUINT32 - 1, &gid, NULL))
    return invalid(error, "user (expected UID[:GID], numeric)", text);
  *ret_uid = (guint32)uid;
  *ret_gid = (guint32)gid;
  *ret_has_gid = parts[1] != NULL;
  return TRUE;
}
