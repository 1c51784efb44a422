#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

gboolean
plc_cli_parse(const char *verb, const char *params, const char *summary, const char *description,
              const GOptionEntry *entries, gboolean strict_posix, int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new(params);
  g_autofree char *prog = g_strdup_printf("proclens %s", verb);

  g_set_prgname(prog);
  g_option_context_set_summary(ctx, summary);
  if (description)
    g_option_context_set_description(ctx, description);
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_strict_posix(ctx, strict_posix);
  if (!g_option_context_parse(ctx, argc, argv, &error)) {
    fprintf(stderr, "proclens %s: %s\nSee 'proclens %s --help'.\n", verb, error->message, verb);
    return FALSE;
  }
  /* With strict POSIX parsing a "--" before the command is left in place; drop it. */
  if (*argc > 1 && strcmp((*argv)[1], "--") == 0) {
    memmove(&(*argv)[1], &(*argv)[2], sizeof(char *) * (size_t)(*argc - 1));
    (*argc)--;
  }
  return TRUE;
}

void
plc_cli_error(const char *verb, const GError *error)
{
  fprintf(stderr, "proclens %s: %s\n", verb, error->message);
}

int
plc_parse_signal(const char *text)
{
  static const struct {
    const char *name;
    int sig;
  } table[] = {{"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
               {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
               {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
               {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
               {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
               {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
               {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
               {"PWR", SIGPWR},       {"SYS", SIGSYS}};
  guint64 n;
  if (g_ascii_string_to_unsigned(text, 10, 1, NSIG - 1, &n, NULL))
    return (int)n;
  const char *name = text;
  if (g_ascii_strncasecmp(name, "SIG", 3) == 0)
    name += 3;
  for (gsize i = 0; i < G_N_ELEMENTS(table); i++)
    if (g_ascii_strcasecmp(name, table[i].name) == 0)
      return table[i].sig;
  return -1;
}
