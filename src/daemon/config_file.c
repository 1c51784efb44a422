/* proclensd's configuration file. GKeyFile reads the values; a first pass over the lines
 * checks the shape and remembers where each key sits, because GKeyFile's own errors name
 * neither the line nor (for syntax errors) the key, and an administrator needs both. */
#include "config_file.h"

#include "proclens/fileio.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(proclensd - config - error - quark, daemon_config_error)

typedef struct {
  const char *group;
  const char *key;
  enum { KEY_STRING, KEY_PATH, KEY_BOOL, KEY_FILES, KEY_LOG_LEVEL, KEY_MS } kind;
} KeySpec;

static const KeySpec keys[] = {
    {"daemon", "mountpoint", KEY_PATH},
    {"daemon", "cgroup-root", KEY_PATH},
    {"daemon", "proc-root", KEY_PATH},
    {"daemon", "state-dir", KEY_PATH},
    {"daemon", "log-level", KEY_LOG_LEVEL},
    {"views", "files", KEY_FILES},
    {"views", "cpu-quota-cap", KEY_BOOL},
    {"views", "loadavg", KEY_BOOL},
    {"views", "swap", KEY_BOOL},
    {"containers", "registry", KEY_PATH},
    {"containers", "refresh-interval", KEY_MS},
};

static const struct {
  const char *name;
  GLogLevelFlags level;
} log_levels[] = {
    {"error", G_LOG_LEVEL_ERROR},     {"critical", G_LOG_LEVEL_CRITICAL},
    {"warning", G_LOG_LEVEL_WARNING}, {"message", G_LOG_LEVEL_MESSAGE},
    {"info", G_LOG_LEVEL_INFO},       {"debug", G_LOG_LEVEL_DEBUG},
};

gboolean
daemon_config_parse_log_level(const char *name, GLogLevelFlags *ret_level)
{
  for (gsize i = 0; i < G_N_ELEMENTS(log_levels); i++) {
    if (g_ascii_strcasecmp(name, log_levels[i].name) == 0) {
      *ret_level = log_levels[i].level;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
daemon_config_log_level_name(GLogLevelFlags level)
{
  for (gsize i = 0; i < G_N_ELEMENTS(log_levels); i++) {
    if (log_levels[i].level == level)
      return log_levels[i].name;
  }
  return "message";
}

void
daemon_config_init(DaemonConfig *ret_config)
{
  memset(ret_config, 0, sizeof *ret_config);
  ret_config->quota_cap = TRUE;
  ret_config->loadavg = TRUE;
  ret_config->swap = TRUE;
  ret_config->log_level = G_LOG_LEVEL_MESSAGE;
  ret_config->refresh_interval = DAEMON_CONFIG_DEFAULT_REFRESH_MS;
}

gboolean
daemon_config_parse_interval(const char *text, guint *ret_ms)
{
  guint64 ms;
  if (!pl_parse_u64(text, &ms) || ms < 1 || ms > DAEMON_CONFIG_MAX_REFRESH_MS)
    return FALSE;
  *ret_ms = (guint)ms;
  return TRUE;
}

void
daemon_config_clear(DaemonConfig *config)
{
  g_clear_pointer(&config->mountpoint, g_free);
  g_clear_pointer(&config->cgroup_root, g_free);
  g_clear_pointer(&config->proc_root, g_free);
  g_clear_pointer(&config->state_dir, g_free);
  g_clear_pointer(&config->files, g_strfreev);
  g_clear_pointer(&config->registry, g_free);
}

static const KeySpec *
find_key(const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (strcmp(keys[i].group, group) == 0 && strcmp(keys[i].key, key) == 0)
      return &keys[i];
  }
  return NULL;
}

static gboolean
known_group(const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    if (strcmp(keys[i].group, group) == 0)
      return TRUE;
  }
  return FALSE;
}

static char *
line_key(const char *group, const char *key)
{
  return g_strdup_printf("%s\n%s", group, key);
}

/* First pass: every line is blank, a comment, [group] or key=value, with known groups and
 * keys, each key once. Fills lines: "group\nkey" -> line number. */
static gboolean
scan_lines(const char *text, const char *name, GHashTable *lines, GError **error)
{
  g_auto(GStrv) all = g_strsplit(text, "\n", -1);
  g_autofree char *group = NULL;

  for (guint i = 0; all[i] != NULL; i++) {
    guint n = i + 1;
    g_autofree char *line = g_strstrip(g_strdup(all[i]));
    if (line[0] == '\0' || line[0] == '#')
      continue;
    if (line[0] == '[') {
      size_t len = strlen(line);
      if (len < 3 || line[len - 1] != ']') {
        g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_SYNTAX,
                    "%s:%u: '%s' is not a [group] header", name, n, line);
        return FALSE;
      }
      g_free(group);
      group = g_strndup(line + 1, len - 2);
      if (!known_group(group)) {
        g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_UNKNOWN,
                    "%s:%u: unknown group [%s] (known: [daemon], [views], [containers])", name, n,
                    group);
        return FALSE;
      }
      continue;
    }
    const char *eq = strchr(line, '=');
    if (eq == NULL) {
      g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_SYNTAX,
                  "%s:%u: '%s' is not a key=value line", name, n, line);
      return FALSE;
    }
    g_autofree char *key = g_strstrip(g_strndup(line, eq - line));
    if (group == NULL) {
      g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_SYNTAX,
                  "%s:%u: key '%s' comes before any [group]", name, n, key);
      return FALSE;
    }
    if (find_key(group, key) == NULL) {
      g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_UNKNOWN,
                  "%s:%u: unknown key '%s' in [%s]", name, n, key, group);
      return FALSE;
    }
    g_autofree char *id = line_key(group, key);
    gpointer earlier = g_hash_table_lookup(lines, id);
    if (earlier != NULL) {
      g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_SYNTAX,
                  "%s:%u: [%s] %s is already set on line %u", name, n, group, key,
                  GPOINTER_TO_UINT(earlier));
      return FALSE;
    }
    g_hash_table_insert(lines, g_steal_pointer(&id), GUINT_TO_POINTER(n));
  }
  return TRUE;
}

static gboolean
known_vfile_entry(const char *entry)
{
  size_t len = strlen(entry);
  for (const PlVfile *f = pl_vfiles; f->path != NULL; f++) {
    if (strcmp(f->path, entry) == 0 || (strncmp(f->path, entry, len) == 0 && f->path[len] == '/'))
      return TRUE;
  }
  return FALSE;
}

/* Second pass: the values, each error naming the key's line. */
static gboolean
read_value(GKeyFile *kf, const KeySpec *spec, const char *name, guint line, DaemonConfig *c,
           GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *raw = g_key_file_get_value(kf, spec->group, spec->key, NULL);

#define BAD(...)                                                                                   \
  do {                                                                                             \
    g_autofree char *why_ = g_strdup_printf(__VA_ARGS__);                                          \
    g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_VALUE, "%s:%u: [%s] %s: %s", name, \
                line, spec->group, spec->key, why_);                                               \
    return FALSE;                                                                                  \
  } while (0)

  switch (spec->kind) {
  case KEY_STRING:
  case KEY_PATH: {
    g_autofree char *value = g_key_file_get_string(kf, spec->group, spec->key, &local);
    if (value == NULL)
      BAD("%s", local->message);
    g_strstrip(value);
    if (spec->kind == KEY_PATH && !g_path_is_absolute(value))
      BAD("'%s' is not an absolute path", value);
    char **slot = strcmp(spec->key, "mountpoint") == 0    ? &c->mountpoint
                  : strcmp(spec->key, "cgroup-root") == 0 ? &c->cgroup_root
                  : strcmp(spec->key, "registry") == 0    ? &c->registry
                  : strcmp(spec->key, "state-dir") == 0   ? &c->state_dir
                                                          : &c->proc_root;
    g_free(*slot);
    *slot = g_steal_pointer(&value);
    return TRUE;
  }
  case KEY_BOOL: {
    gboolean value = g_key_file_get_boolean(kf, spec->group, spec->key, &local);
    if (local != NULL)
      BAD("'%s' is not a boolean (true or false)", g_strstrip(raw));
    if (strcmp(spec->key, "cpu-quota-cap") == 0)
      c->quota_cap = value;
    else if (strcmp(spec->key, "loadavg") == 0)
      c->loadavg = value;
    else
      c->swap = value;
    return TRUE;
  }
  case KEY_MS: {
    g_strstrip(raw);
    if (!daemon_config_parse_interval(raw, &c->refresh_interval))
      BAD("'%s' is not a number of milliseconds from 1 to %d", raw, DAEMON_CONFIG_MAX_REFRESH_MS);
    return TRUE;
  }
  case KEY_LOG_LEVEL: {
    GLogLevelFlags level;
    g_strstrip(raw);
    if (!daemon_config_parse_log_level(raw, &level))
      BAD("'%s' is not a log level (error, critical, warning, message, info or debug)", raw);
    c->log_level = level;
    return TRUE;
  }
  case KEY_FILES: {
    g_auto(GStrv) list = g_key_file_get_string_list(kf, spec->group, spec->key, NULL, &local);
    if (list == NULL)
      BAD("%s", local->message);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    for (char **e = list; *e != NULL; e++) {
      g_autofree char *entry = g_strstrip(g_strdup(*e));
      /* Accept "/proc/meminfo" and "proc/pressure/" as well. */
      while (entry[0] == '/')
        memmove(entry, entry + 1, strlen(entry));
      while (entry[0] != '\0' && entry[strlen(entry) - 1] == '/')
        entry[strlen(entry) - 1] = '\0';
      if (entry[0] == '\0')
        continue;
      if (!known_vfile_entry(entry))
        BAD("'%s' is not a file or directory proclensd serves", entry);
      g_ptr_array_add(files, g_steal_pointer(&entry));
    }
    g_ptr_array_add(files, NULL);
    g_strfreev(c->files);
    c->files = (char **)g_ptr_array_free(g_steal_pointer(&files), FALSE);
    return TRUE;
  }
  }
#undef BAD
  return TRUE;
}

gboolean
daemon_config_parse(const char *text, const char *name, DaemonConfig *ret_config, GError **error)
{
  g_autoptr(GHashTable) lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  g_auto(DaemonConfig) c;

  daemon_config_init(&c);
  if (!scan_lines(text, name, lines, error))
    return FALSE;
  if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &local)) {
    /* The scan accepts what GKeyFile accepts, except for what it cannot see (encoding). */
    g_set_error(error, DAEMON_CONFIG_ERROR, DAEMON_CONFIG_ERROR_SYNTAX, "%s: %s", name,
                local->message);
    return FALSE;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
    g_autofree char *id = line_key(keys[i].group, keys[i].key);
    guint line = GPOINTER_TO_UINT(g_hash_table_lookup(lines, id));
    if (line == 0)
      continue;
    if (!read_value(kf, &keys[i], name, line, &c, error))
      return FALSE;
  }
  *ret_config = c;
  memset(&c, 0, sizeof c);
  return TRUE;
}

gboolean
daemon_config_load(const char *path, gboolean must_exist, DaemonConfig *ret_config,
                   gboolean *ret_found, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents(path, &text, NULL, &local)) {
    if (!must_exist && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      daemon_config_init(ret_config);
      if (ret_found != NULL)
        *ret_found = FALSE;
      return TRUE;
    }
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  if (!daemon_config_parse(text, path, ret_config, error))
    return FALSE;
  if (ret_found != NULL)
    *ret_found = TRUE;
  return TRUE;
}

static gboolean
selected(const char *path, char *const *files)
{
  for (char *const *e = files; *e != NULL; e++) {
    size_t len = strlen(*e);
    if (strcmp(path, *e) == 0 || (strncmp(path, *e, len) == 0 && path[len] == '/'))
      return TRUE;
  }
  return FALSE;
}

PlVfile *
daemon_config_select_vfiles(const PlVfile *all, char *const *files)
{
  g_autoptr(GArray) out = g_array_new(TRUE, TRUE, sizeof(PlVfile));
  for (const PlVfile *f = all; f->path != NULL; f++) {
    if (files == NULL || selected(f->path, files))
      g_array_append_vals(out, f, 1);
  }
  return (PlVfile *)g_array_free(g_steal_pointer(&out), FALSE);
}
