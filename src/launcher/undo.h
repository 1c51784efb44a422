/* An undo stack: every step that creates something registers how to take it back; a
 * failure runs the undos in reverse order, a success forgets them. */
#pragma once

#include <glib.h>

typedef void (*PlcUndoFn)(gpointer data);

typedef struct PlcUndo PlcUndo;

PlcUndo *plc_undo_new(void);
/* Runs nothing; frees the stack (what a success does). */
void plc_undo_free(PlcUndo *undo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlcUndo, plc_undo_free)

/* Registers fn(data); destroy (may be NULL) frees data afterwards, run or not. */
void plc_undo_push(PlcUndo *undo, const char *what, PlcUndoFn fn, gpointer data,
                   GDestroyNotify destroy);
/* Runs every registered undo, last first, and empties the stack. */
void plc_undo_run(PlcUndo *undo);
/* Forgets every undo without running it. */
void plc_undo_forget(PlcUndo *undo);
guint plc_undo_depth(const PlcUndo *undo);
