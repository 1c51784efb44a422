/* Container state: one directory per container under /run/proclens/<id>/ holding
 * state.json (docker-inspect-shaped, replaced atomically on every change), the overlay's
 * upper and work dirs, generated /etc files and the log of detached containers. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

#define PLC_STATE_ROOT "/run/proclens"

/* Where containers' state lives: PLC_STATE_ROOT for root, $XDG_RUNTIME_DIR/proclens for any
 * other user (rootless containers). */
const char *plc_state_root(void);
#define PLC_ID_LEN 64

typedef struct {
  char *id;
  char *dir;
  JsonNode *root; /* an object */
} PlcState;

void plc_state_free(PlcState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcState, plc_state_free)

/* Takes ownership of root. */
PlcState *plc_state_new(const char *id, JsonNode *root);
gboolean plc_state_save(PlcState *state, GError **error);
PlcState *plc_state_load(const char *id, GError **error);
/* Every container with a readable state, oldest first. */
GPtrArray *plc_state_list(void);
/* By name, full id or unique id prefix. G_IO_ERROR_NOT_FOUND when nothing matches. */
PlcState *plc_state_find(const char *query, GError **error);

char *plc_state_dir_for(const char *id);

/* Field access by dotted path ("State.Pid"); missing fields give NULL / fallback. */
const char *plc_state_get_string(PlcState *state, const char *path);
gint64 plc_state_get_int(PlcState *state, const char *path, gint64 fallback);
gboolean plc_state_get_bool(PlcState *state, const char *path);
/* Setters create intermediate objects. */
void plc_state_set_string(PlcState *state, const char *path, const char *value);
void plc_state_set_int(PlcState *state, const char *path, gint64 value);
void plc_state_set_bool(PlcState *state, const char *path, gboolean value);

/* When the state says running but neither the container nor its monitor is alive any
 * more, marks it exited (in memory only) so ps and inspect tell the truth. */
void plc_state_notice_dead(PlcState *state);
/* Whether the container's init process is alive. */
gboolean plc_state_is_running(PlcState *state);

/* Serialises creation and naming: an exclusive flock on <state root>/.lock. Returns the fd. */
int plc_state_lock(GError **error);

/* 64 random hex digits. */
char *plc_id_generate(void);
/* Pure: the index of the container query names among n (ids, names), by exact id, exact name,
 * then unique id prefix; -1 with an error (G_IO_ERROR_NOT_FOUND or ambiguity) otherwise. */
gint plc_id_match(const char *const *ids, const char *const *names, guint n, const char *query,
                  GError **error);

/* A JSON array of the strings of v (NULL: an empty array); the caller owns the node. */
JsonNode *plc_json_strv(char **v);
