/* proclensd: mounts the per-caller /proc views and serves them until told to stop. */
#include "config.h"
#include "fs.h"
#include "mountpoint.h"
#include "options.h"
#include "proclens/context.h"
#include "proclens/error.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static gboolean
write_pidfile(const char *path, GError **error)
{
  g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
  return g_file_set_contents(path, text, -1, error);
}

/* Builds FUSE's argv: the caller's -o options first, ours last so that "ro" always wins. */
static void
build_fuse_args(const DaemonOptions *o, struct fuse_args *args)
{
  fuse_opt_add_arg(args, "proclensd");
  if (o->debug)
    fuse_opt_add_arg(args, "-d");
  for (char **opt = o->fuse_options; opt != NULL && *opt != NULL; opt++) {
    fuse_opt_add_arg(args, "-o");
    fuse_opt_add_arg(args, *opt);
  }
  fuse_opt_add_arg(args, "-o");
  fuse_opt_add_arg(args, "ro,allow_other,fsname=proclens,subtype=proclens");
}

static int
serve(const DaemonOptions *o, PlContext *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Tree) tree = tree_new(pl_vfiles);
  FsState state = {.ctx = ctx, .tree = tree};
  struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
  int status = 1;

  build_fuse_args(o, &args);
  struct fuse_session *se = fuse_session_new(&args, &fs_operations, sizeof fs_operations, &state);
  fuse_opt_free_args(&args);
  if (se == NULL) {
    g_printerr("proclensd: invalid FUSE options\n");
    return 1;
  }
  /* libfuse leaves ignored signals alone, and shells start background jobs with SIGINT
   * ignored; the daemon promises to stop on both, so take them back first. */
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (fuse_set_signal_handlers(se) != 0) {
    g_printerr("proclensd: cannot install signal handlers\n");
    goto out_destroy;
  }
  if (fuse_session_mount(se, o->mountpoint) != 0) {
    g_printerr("proclensd: cannot mount on %s (see the message above)\n", o->mountpoint);
    goto out_signals;
  }
  if (o->pidfile != NULL && !write_pidfile(o->pidfile, &error)) {
    g_printerr("proclensd: pidfile: %s\n", error->message);
    goto out_unmount;
  }
  g_message("serving %s (cgroups: %s at %s)", o->mountpoint,
            pl_cg_layout_kind_name(ctx->layout->kind), ctx->cgroup_root);

  struct fuse_loop_config *loop = fuse_loop_cfg_create();
  fuse_loop_cfg_set_clone_fd(loop, 0);
  fuse_loop_cfg_set_max_threads(loop, 64);
  int rc = fuse_session_loop_mt(se, loop);
  fuse_loop_cfg_destroy(loop);
  /* The signal handlers end the loop with rc 0 (or the signal number on some versions). */
  status = rc < 0 ? 1 : 0;
  if (o->pidfile != NULL)
    unlink(o->pidfile);
out_unmount:
  fuse_session_unmount(se);
out_signals:
  fuse_remove_signal_handlers(se);
out_destroy:
  fuse_session_destroy(se);
  return status;
}

int
main(int argc, char **argv)
{
  g_auto(DaemonOptions) options = {0};
  g_autoptr(GError) error = NULL;
  int exit_status;

  if (!daemon_options_parse(argc, argv, &options, &exit_status, &error)) {
    if (error != NULL)
      g_printerr("proclensd: %s\nTry 'proclensd --help'.\n", error->message);
    return exit_status;
  }
  if (options.debug)
    g_log_set_debug_enabled(TRUE);

  g_autoptr(PlContext) ctx = pl_context_new(options.cgroup_root, options.proc_root, &error);
  if (ctx == NULL) {
    g_printerr("proclensd: %s\n", error->message);
    return 1;
  }
  ctx->quota_cap = !options.no_quota_cap;
  ctx->loadavg_enabled = !options.no_loadavg;
  if (!mountpoint_prepare(options.mountpoint, &error)) {
    g_printerr("proclensd: %s\n", error->message);
    return 1;
  }
  return serve(&options, ctx);
}
