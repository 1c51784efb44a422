#include "undo.h"

typedef struct {
  char *what;
  PlcUndoFn fn;
  gpointer data;
  GDestroyNotify destroy;
} UndoStep;

struct PlcUndo {
  GArray *steps;
};

static void
step_clear(gpointer p)
{
  UndoStep *s = p;
  if (s->destroy)
    s->destroy(s->data);
  g_free(s->what);
}

PlcUndo *
plc_undo_new(void)
{
  PlcUndo *undo = g_new0(PlcUndo, 1);
  undo->steps = g_array_new(FALSE, TRUE, sizeof(UndoStep));
  g_array_set_clear_func(undo->steps, step_clear);
  return undo;
}

void
plc_undo_free(PlcUndo *undo)
{
  if (undo == NULL)
    return;
  g_array_unref(undo->steps);
  g_free(undo);
}

void
plc_undo_push(PlcUndo *undo, const char *what, PlcUndoFn fn, gpointer data, GDestroyNotify destroy)
{
  UndoStep s = {g_strdup(what), fn, data, destroy};
  g_array_append_val(undo->steps, s);
}

void
plc_undo_run(PlcUndo *undo)
{
  while (undo->steps->len > 0) {
    guint i = undo->steps->len - 1;
    UndoStep *s = &g_array_index(undo->steps, UndoStep, i);
    g_debug("undo: %s", s->what);
    s->fn(s->data);
    g_array_remove_index(undo->steps, i);
  }
}

void
plc_undo_forget(PlcUndo *undo)
{
  g_array_set_size(undo->steps, 0);
}

guint
plc_undo_depth(const PlcUndo *undo)
{
  return undo->steps->len;
}
