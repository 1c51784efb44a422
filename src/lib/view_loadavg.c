/* Renders /proc/loadavg. */
#include "proclens/loadavg.h"

#define LOAD_INT(x) ((x) >> PL_FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (PL_FIXED_1 - 1)) * 100)

void
pl_render_loadavg(const guint64 avenrun[3], guint running, guint total, pid_t last_pid,
                  GString *out)
{
  /* fs/proc/loadavg.c adds FIXED_1/200 to round to two decimals. */
  guint64 a = avenrun[0] + PL_FIXED_1 / 200;
  guint64 b = avenrun[1] + PL_FIXED_1 / 200;
  guint64 c = avenrun[2] + PL_FIXED_1 / 200;
  g_string_append_printf(out,
                         "%" G_GUINT64_FORMAT ".%02" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                         ".%02" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT ".%02" G_GUINT64_FORMAT
                         " %u/%u %d\n",
                         LOAD_INT(a), LOAD_FRAC(a), LOAD_INT(b), LOAD_FRAC(b), LOAD_INT(c),
                         LOAD_FRAC(c), running, total, (int)last_pid);
}
