/* The verbs of the proclens command, one file each. Each returns the process's exit status
 * and prints its own errors (once, prefixed "proclens <verb>:"). */
#pragma once

#include <glib.h>

int plc_cmd_run(int argc, char **argv);
int plc_cmd_exec(int argc, char **argv);
int plc_cmd_ps(int argc, char **argv);
int plc_cmd_inspect(int argc, char **argv);
int plc_cmd_logs(int argc, char **argv);
int plc_cmd_stop(int argc, char **argv);
int plc_cmd_kill(int argc, char **argv);
int plc_cmd_rm(int argc, char **argv);
int plc_cmd_image(int argc, char **argv);

/* Parses argv with entries; on error prints it with a hint and returns FALSE.
 * strict_posix stops at the first non-option (the container's command line). */
gboolean plc_cli_parse(const char *verb, const char *params, const char *summary,
                       const char *description, const GOptionEntry *entries, gboolean strict_posix,
                       int *argc, char ***argv);

/* Prints "proclens VERB: message" to stderr. */
void plc_cli_error(const char *verb, const GError *error);

/* Parses a signal given as a name ("TERM", "SIGTERM") or a number. -1 if unknown. */
int plc_parse_signal(const char *text);
