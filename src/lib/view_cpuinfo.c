/* Renders /proc/cpuinfo for a container: the host's stanzas of its visible CPUs. */
#include "proclens/cpu_views.h"

#include <string.h>

/* The value of "key\t: value" in a stanza, or NULL. */
static char *
stanza_value(const char *stanza, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(stanza, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    const char *colon = strchr(*l, ':');
    if (colon == NULL)
      continue;
    g_autofree char *k = g_strstrip(g_strndup(*l, colon - *l));
    if (strcmp(k, key) == 0)
      return g_strstrip(g_strdup(colon + 1));
  }
  return NULL;
}

/* The host CPU number of a stanza that starts with "processor : N", else -1. */
static int
stanza_cpu(const char *stanza)
{
  if (!g_str_has_prefix(stanza, "processor"))
    return -1;
  const char *p = stanza + strlen("processor");
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p++ != ':')
    return -1;
  while (*p == ' ' || *p == '\t')
    p++;
  if (!g_ascii_isdigit(*p))
    return -1;
  char *end;
  guint64 v = g_ascii_strtoull(p, &end, 10);
  if ((*end != '\n' && *end != '\0') || v >= PL_CPUSET_MAX)
    return -1;
  return (int)v;
}

/* Appends the stanza with its counting fields replaced: each line keeps the host's key
 * spelling and separator, only the value changes. */
static void
append_stanza(GString *out, const char *stanza, guint index, int siblings, int cores)
{
  g_auto(GStrv) lines = g_strsplit(stanza, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    const char *colon = strchr(*l, ':');
    g_autofree char *key = colon ? g_strstrip(g_strndup(*l, colon - *l)) : NULL;
    if (l != lines)
      g_string_append_c(out, '\n');
    if (key != NULL && strcmp(key, "processor") == 0)
      g_string_append_printf(out, "%.*s: %u", (int)(colon - *l), *l, index);
    else if (key != NULL && strcmp(key, "siblings") == 0 && siblings > 0)
      g_string_append_printf(out, "%.*s: %d", (int)(colon - *l), *l, siblings);
    else if (key != NULL && strcmp(key, "cpu cores") == 0 && cores > 0)
      g_string_append_printf(out, "%.*s: %d", (int)(colon - *l), *l, cores);
    else
      g_string_append(out, *l);
  }
}

void
pl_render_cpuinfo(const char *host_cpuinfo, const PlCpuView *view, GString *out)
{
  g_auto(GStrv) blocks = g_strsplit(host_cpuinfo, "\n\n", -1);
  guint nblocks = g_strv_length(blocks);
  g_autofree int *block_cpu = g_new(int, MAX(nblocks, 1));
  g_autofree int *visible_block = g_new(int, view->n);
  g_autofree char **phys = g_new0(char *, view->n);
  g_autofree char **core = g_new0(char *, view->n);
  gboolean cpus_done = FALSE, first = TRUE;

  for (guint b = 0; b < nblocks; b++)
    block_cpu[b] = stanza_cpu(blocks[b]);
  for (guint i = 0; i < view->n; i++) {
    int host = pl_cpuset_nth(&view->visible, i);
    visible_block[i] = -1;
    for (guint b = 0; b < nblocks; b++) {
      if (block_cpu[b] == host) {
        visible_block[i] = (int)b;
        phys[i] = stanza_value(blocks[b], "physical id");
        core[i] = stanza_value(blocks[b], "core id");
        break;
      }
    }
  }
  for (guint b = 0; b < nblocks; b++) {
    if (block_cpu[b] < 0) {
      g_string_append(out, first ? "" : "\n\n");
      g_string_append(out, blocks[b]);
      first = FALSE;
      continue;
    }
    if (cpus_done)
      continue;
    /* All visible CPUs go where the host's first CPU stanza was. */
    cpus_done = TRUE;
    for (guint i = 0; i < view->n; i++) {
      if (visible_block[i] < 0)
        continue;
      int siblings = 0, cores = 0;
      if (phys[i] != NULL) {
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint j = 0; j < view->n; j++) {
          if (visible_block[j] < 0 || phys[j] == NULL || strcmp(phys[j], phys[i]) != 0)
            continue;
          siblings++;
          if (core[j] != NULL)
            g_hash_table_add(seen, core[j]);
        }
        cores = (int)g_hash_table_size(seen);
      }
      g_string_append(out, first ? "" : "\n\n");
      append_stanza(out, blocks[visible_block[i]], i, siblings, cores);
      first = FALSE;
    }
  }
  for (guint i = 0; i < view->n; i++) {
    g_free(phys[i]);
    g_free(core[i]);
  }
}
