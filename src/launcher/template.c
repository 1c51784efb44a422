#include "template.h"

#include <gio/gio.h>
#include <string.h>

static JsonNode *
lookup(JsonNode *root, const char *path)
{
  JsonNode *node = root;
  g_auto(GStrv) parts = g_strsplit(path, ".", -1);
  for (char **p = parts; *p; p++) {
    if (**p == '\0')
      continue;
    if (!JSON_NODE_HOLDS_OBJECT(node))
      return NULL;
    node = json_object_get_member(json_node_get_object(node), *p);
    if (node == NULL)
      return NULL;
  }
  return node;
}

static void
append_json(GString *out, JsonNode *node)
{
  g_autofree char *s = json_to_string(node, FALSE);
  g_string_append(out, s);
}

static void
append_value(GString *out, JsonNode *node)
{
  if (node == NULL) {
    g_string_append(out, "<no value>");
    return;
  }
  if (!JSON_NODE_HOLDS_VALUE(node)) {
    if (JSON_NODE_HOLDS_NULL(node))
      g_string_append(out, "<nil>");
    else
      append_json(out, node);
    return;
  }
  GType t = json_node_get_value_type(node);
  if (t == G_TYPE_STRING)
    g_string_append(out, json_node_get_string(node));
  else if (t == G_TYPE_INT64)
    g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
  else if (t == G_TYPE_BOOLEAN)
    g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
  else if (t == G_TYPE_DOUBLE)
    g_string_append_printf(out, "%g", json_node_get_double(node));
  else
    append_json(out, node);
}

char *
plc_template_render(const char *tmpl, JsonNode *root, GError **error)
{
  g_autoptr(GString) out = g_string_new(NULL);
  const char *p = tmpl;

  while (*p) {
    if (p[0] == '{' && p[1] == '{') {
      const char *end = strstr(p + 2, "}}");
      if (end == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "template: unclosed action at '%s'", p);
        return NULL;
      }
      g_autofree char *action = g_strstrip(g_strndup(p + 2, (gsize)(end - p - 2)));
      gboolean as_json = FALSE;
      const char *expr = action;
      if (g_str_has_prefix(action, "json ")) {
        as_json = TRUE;
        expr = action + 5;
        while (*expr == ' ')
          expr++;
      }
      if (expr[0] != '.') {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "template: unsupported action '{{%s}}' (use {{.Field.Sub}} or {{json .Field}})",
                    action);
        return NULL;
      }
      JsonNode *node = lookup(root, expr + 1);
      if (as_json || strcmp(expr, ".") == 0) {
        if (node)
          append_json(out, node);
        else
          g_string_append(out, "null");
      } else {
        append_value(out, node);
      }
      p = end + 2;
    } else if (p[0] == '\\' && p[1] == 'n') {
      g_string_append_c(out, '\n');
      p += 2;
    } else if (p[0] == '\\' && p[1] == 't') {
      g_string_append_c(out, '\t');
      p += 2;
    } else {
      g_string_append_c(out, *p++);
    }
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}
