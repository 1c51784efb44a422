/* inspect --format: a small subset of Go templates over a JSON document.
 * Supported actions: {{.A.B.C}} (a scalar prints bare; an object or array prints as JSON;
 * a missing field prints "<no value>"), {{json .A.B}} (always JSON), {{.}} (the whole
 * document as JSON). Text outside actions is copied; "\n" and "\t" escapes are expanded. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

char *plc_template_render(const char *tmpl, JsonNode *root, GError **error);
