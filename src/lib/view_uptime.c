/* Renders /proc/uptime. */
#include "proclens/cpu_views.h"

void
pl_render_uptime(guint64 uptime_cs, guint64 idle_cs, GString *out)
{
  g_string_append_printf(out, "%" G_GUINT64_FORMAT ".%02u %" G_GUINT64_FORMAT ".%02u\n",
                         uptime_cs / 100, (guint)(uptime_cs % 100), idle_cs / 100,
                         (guint)(idle_cs % 100));
}
