/* Follows the container registry directory with inotify: a file written (or renamed into
 * place) registers or updates a container, a file removed unregisters it. */
#pragma once

#include "view_table.h"
#include <glib.h>

typedef struct RegistryWatch RegistryWatch;

/* Creates the directory if missing (0700), syncs the table with it, and starts the thread. */
RegistryWatch *registry_watch_start(ViewTable *table, GError **error);
void registry_watch_stop(RegistryWatch *watch);
