#include "state.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void
plc_state_free(PlcState *state)
{
  if (state == NULL)
    return;
  g_free(state->id);
  g_free(state->dir);
  if (state->root)
    json_node_unref(state->root);
  g_free(state);
}

const char *
plc_state_root(void)
{
  static char *root;
  if (g_once_init_enter(&root)) {
    char *r = geteuid() == 0 ? g_strdup(PLC_STATE_ROOT)
                             : g_build_filename(g_get_user_runtime_dir(), "proclens", NULL);
    g_once_init_leave(&root, r);
  }
  return root;
}

char *
plc_state_dir_for(const char *id)
{
  return g_build_filename(plc_state_root(), id, NULL);
}

PlcState *
plc_state_new(const char *id, JsonNode *root)
{
  PlcState *state = g_new0(PlcState, 1);
  state->id = g_strdup(id);
  state->dir = plc_state_dir_for(id);
  state->root = root;
  return state;
}

gboolean
plc_state_save(PlcState *state, GError **error)
{
  g_autofree char *path = g_build_filename(state->dir, "state.json", NULL);
  g_autofree char *text = json_to_string(state->root, TRUE);
  g_autofree char *with_nl = g_strconcat(text, "\n", NULL);
  if (!plc_write_file_atomic(path, with_nl, error)) {
    g_prefix_error(error, "save state of %s: ", state->id);
    return FALSE;
  }
  return TRUE;
}

PlcState *
plc_state_load(const char *id, GError **error)
{
  g_autofree char *dir = plc_state_dir_for(id);
  g_autofree char *path = g_build_filename(dir, "state.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;

  if (!plc_read_file(path, &text, error))
    return NULL;
  JsonNode *root = json_from_string(text, &local);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    if (root)
      json_node_unref(root);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "parse %s: %s", path,
                local ? local->message : "not an object");
    return NULL;
  }
  return plc_state_new(id, root);
}

static gint
by_created(gconstpointer a, gconstpointer b)
{
  PlcState *sa = *(PlcState **)a, *sb = *(PlcState **)b;
  const char *ca = plc_state_get_string(sa, "Created"), *cb = plc_state_get_string(sb, "Created");
  return g_strcmp0(ca, cb);
}

GPtrArray *
plc_state_list(void)
{
  GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)plc_state_free);
  DIR *d = opendir(plc_state_root());
  struct dirent *e;
  if (d == NULL)
    return all;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || strlen(e->d_name) != PLC_ID_LEN)
      continue;
    PlcState *st = plc_state_load(e->d_name, NULL);
    if (st)
      g_ptr_array_add(all, st);
  }
  closedir(d);
  g_ptr_array_sort(all, by_created);
  return all;
}

gint
plc_id_match(const char *const *ids, const char *const *names, guint n, const char *query,
             GError **error)
{
  gint found = -1;
  guint count = 0;

  if (query == NULL || *query == '\0') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such container: (empty name)");
    return -1;
  }
  for (guint i = 0; i < n; i++)
    if (g_strcmp0(ids[i], query) == 0)
      return (gint)i;
  for (guint i = 0; i < n; i++)
    if (g_strcmp0(names[i], query) == 0)
      return (gint)i;
  for (guint i = 0; i < n; i++)
    if (ids[i] && g_str_has_prefix(ids[i], query)) {
      found = (gint)i;
      count++;
    }
  if (count == 1)
    return found;
  if (count > 1)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "container id prefix '%s' is ambiguous (%u matches)", query, count);
  else
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such container: %s", query);
  return -1;
}

PlcState *
plc_state_find(const char *query, GError **error)
{
  g_autoptr(GPtrArray) all = plc_state_list();
  g_autofree const char **ids = g_new0(const char *, all->len + 1);
  g_autofree const char **names = g_new0(const char *, all->len + 1);

  for (guint i = 0; i < all->len; i++) {
    PlcState *st = all->pdata[i];
    ids[i] = st->id;
    names[i] = plc_state_get_string(st, "Name");
  }
  gint idx = plc_id_match(ids, names, all->len, query, error);
  if (idx < 0)
    return NULL;
  return g_ptr_array_steal_index(all, (guint)idx);
}

static JsonNode *
lookup(PlcState *state, const char *path, gboolean create, char **ret_last, JsonObject **ret_parent)
{
  g_auto(GStrv) parts = g_strsplit(path, ".", -1);
  JsonObject *obj = json_node_get_object(state->root);
  guint n = g_strv_length(parts);
  for (guint i = 0; i + 1 < n; i++) {
    JsonNode *child = json_object_get_member(obj, parts[i]);
    if (child == NULL || !JSON_NODE_HOLDS_OBJECT(child)) {
      if (!create)
        return NULL;
      json_object_set_object_member(obj, parts[i], json_object_new());
      child = json_object_get_member(obj, parts[i]);
    }
    obj = json_node_get_object(child);
  }
  if (ret_last)
    *ret_last = g_strdup(parts[n - 1]);
  if (ret_parent)
    *ret_parent = obj;
  return json_object_get_member(obj, parts[n - 1]);
}

const char *
plc_state_get_string(PlcState *state, const char *path)
{
  JsonNode *n = lookup(state, path, FALSE, NULL, NULL);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(n);
}

gint64
plc_state_get_int(PlcState *state, const char *path, gint64 fallback)
{
  JsonNode *n = lookup(state, path, FALSE, NULL, NULL);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int(n);
}

gboolean
plc_state_get_bool(PlcState *state, const char *path)
{
  JsonNode *n = lookup(state, path, FALSE, NULL, NULL);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_boolean(n);
}

void
plc_state_set_string(PlcState *state, const char *path, const char *value)
{
  g_autofree char *last = NULL;
  JsonObject *parent;
  lookup(state, path, TRUE, &last, &parent);
  if (value)
    json_object_set_string_member(parent, last, value);
  else
    json_object_set_null_member(parent, last);
}

void
plc_state_set_int(PlcState *state, const char *path, gint64 value)
{
  g_autofree char *last = NULL;
  JsonObject *parent;
  lookup(state, path, TRUE, &last, &parent);
  json_object_set_int_member(parent, last, value);
}

void
plc_state_set_bool(PlcState *state, const char *path, gboolean value)
{
  g_autofree char *last = NULL;
  JsonObject *parent;
  lookup(state, path, TRUE, &last, &parent);
  json_object_set_boolean_member(parent, last, value);
}

gboolean
plc_state_is_running(PlcState *state)
{
  pid_t pid = (pid_t)plc_state_get_int(state, "State.Pid", 0);
  guint64 start = (guint64)plc_state_get_int(state, "State.PidStartTime", 0);
  return pid > 0 && plc_pid_alive(pid, start);
}

void
plc_state_notice_dead(PlcState *state)
{
  if (g_strcmp0(plc_state_get_string(state, "State.Status"), "running") != 0)
    return;
  pid_t mon = (pid_t)plc_state_get_int(state, "State.MonitorPid", 0);
  guint64 mon_start = (guint64)plc_state_get_int(state, "State.MonitorStartTime", 0);
  gboolean mon_alive = mon > 0 && plc_pid_alive(mon, mon_start);
  /* No monitor, no answers: the kernel now fails the container's sysinfo(2) with ENOSYS. */
  if (!mon_alive && g_strcmp0(plc_state_get_string(state, "State.Sysinfo"), "served") == 0)
    plc_state_set_string(state, "State.Sysinfo", "unavailable");
  if (plc_state_is_running(state) || mon_alive)
    return;
  plc_state_set_string(state, "State.Status", "exited");
  plc_state_set_bool(state, "State.Running", FALSE);
  plc_state_set_int(state, "State.ExitCode", -1);
  plc_state_set_string(state, "State.Error", "the container and its monitor vanished");
}

int
plc_state_lock(GError **error)
{
  g_autofree char *path = g_build_filename(plc_state_root(), ".lock", NULL);
  if (!plc_mkdir_p(plc_state_root(), 0711, error))
    return -1;
  return plc_lock_file(path, error);
}

char *
plc_id_generate(void)
{
  GString *s = g_string_sized_new(PLC_ID_LEN + 1);
  guint8 bytes[PLC_ID_LEN / 2];
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes) {
    for (gsize i = 0; i < sizeof bytes; i++)
      bytes[i] = (guint8)g_random_int_range(0, 256);
  }
  if (fd >= 0)
    close(fd);
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf(s, "%02x", bytes[i]);
  return g_string_free(s, FALSE);
}

JsonNode *
plc_json_strv(char **v)
{
  JsonArray *a = json_array_new();
  for (char **p = v; p && *p; p++)
    json_array_add_string_element(a, *p);
  JsonNode *n = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(n, a);
  return n;
}
