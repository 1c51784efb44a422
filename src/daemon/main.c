/* proclensd: mounts the per-caller /proc views and serves them until told to stop. */
#include "config.h"
#include "config_file.h"
#include "container_views.h"
#include "fs.h"
#include "mountpoint.h"
#include "options.h"
#include "probe.h"
#include "remount.h"
#include "request_threads.h"
#include "proclens/cgfile_cache.h"
#include "proclens/context.h"
#include "proclens/error.h"
#include "proclens/task_files.h"
#include "proclens/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

/* The settings in force: the config file, overridden by the command line. */
typedef struct {
  char *config_path;
  gboolean config_must_exist;
  DaemonConfig file; /* as the file says, before the command line's overrides */
  const DaemonOptions *options;
} Settings;

/* The least severe level the log shows; changed by a reload, read by every thread. */
static gint log_threshold = G_LOG_LEVEL_MESSAGE;

/* glib's default writer already speaks the journal's native protocol when stderr is
 * connected to journald (structured fields, priorities); this only filters by level. */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  GLogLevelFlags shown = (GLogLevelFlags)g_atomic_int_get(&log_threshold);
  /* glib's levels grow less severe as their bits grow. */
  if ((level & G_LOG_LEVEL_MASK) > shown)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default(level, fields, n_fields, user_data);
}

static void
set_log_level(GLogLevelFlags level)
{
  g_atomic_int_set(&log_threshold, (gint)level);
  g_log_set_debug_enabled(level >= G_LOG_LEVEL_INFO);
}

/* The command line's value where it gave one, else the file's. */
static GLogLevelFlags
effective_log_level(const Settings *s)
{
  GLogLevelFlags level = s->file.log_level;
  if (s->options->log_level != NULL)
    daemon_config_parse_log_level(s->options->log_level, &level);
  if (s->options->debug)
    level = G_LOG_LEVEL_DEBUG;
  return level;
}

/* Applies what can change while mounted. The context's flags are plain gbooleans read by
 * the serving threads; an atomic store keeps each read whole. */
static void
apply_runtime_settings(const Settings *s, PlContext *ctx)
{
  const DaemonOptions *o = s->options;
  g_atomic_int_set(&ctx->quota_cap, !o->no_quota_cap && s->file.quota_cap);
  g_atomic_int_set(&ctx->loadavg_enabled, !o->no_loadavg && s->file.loadavg);
  g_atomic_int_set(&ctx->swap_enabled, !o->no_swap && s->file.swap);
  set_log_level(effective_log_level(s));
}

static gboolean
write_pidfile(const char *path, GError **error)
{
  g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
  return g_file_set_contents(path, text, -1, error);
}

/* Builds FUSE's argv: the caller's -o options first, ours last so that "ro" always wins. */
static void
build_fuse_args(const DaemonOptions *o, const char *fsname, struct fuse_args *args)
{
  fuse_opt_add_arg(args, "proclensd");
  if (o->debug)
    fuse_opt_add_arg(args, "-d");
  for (char **opt = o->fuse_options; opt != NULL && *opt != NULL; opt++) {
    fuse_opt_add_arg(args, "-o");
    fuse_opt_add_arg(args, *opt);
  }
  g_autofree char *ours = g_strdup_printf("ro,allow_other,fsname=%s,subtype=proclens", fsname);
  fuse_opt_add_arg(args, "-o");
  fuse_opt_add_arg(args, ours);
}

/* --- systemd: readiness and watchdog, proven by a read through the mount ------------- */

typedef struct {
  char *probe; /* MOUNTPOINT/proc/meminfo, or the first file served */
  guint64 watchdog_usec;
  GMutex lock;
  GCond cond;
  gint stop;
  gboolean ready;   /* READY=1 was sent */
  Remount *remount; /* repaired once the mount answers, before READY=1 */
} Health;

static gpointer
health_thread(gpointer data)
{
  Health *h = data;
  /* Until ready, try often; then ping at half the watchdog interval (systemd's advice). */
  gint64 period_us = h->watchdog_usec > 0 ? (gint64)(h->watchdog_usec / 2) : 0;

  g_mutex_lock(&h->lock);
  while (!h->stop) {
    g_mutex_unlock(&h->lock);
    /* A wedged daemon does not answer the probe: then no ping reaches systemd, which is
     * the point. */
    gboolean ok = probe_through_mount(h->probe, h->ready ? period_us : 5 * G_USEC_PER_SEC, &h->stop);
    g_mutex_lock(&h->lock);
    if (h->stop)
      break;
    if (ok && !h->ready) {
      /* Unlocked: the repair reads through the mount and forks, which takes a while. */
      g_mutex_unlock(&h->lock);
      remount_repair(h->remount);
      g_mutex_lock(&h->lock);
      if (h->stop)
        break;
      h->ready = TRUE;
      sd_notifyf(0, "READY=1\nSTATUS=serving %s", h->probe);
      g_info("ready: %s answers", h->probe);
      if (period_us == 0)
        break; /* no watchdog: nothing more to prove */
    }
    if (ok && period_us > 0)
      sd_notify(0, "WATCHDOG=1");
    else if (!ok)
      g_warning("cannot read %s through the mount", h->probe);
    gint64 wait_us = h->ready ? period_us : 20 * G_TIME_SPAN_MILLISECOND;
    gint64 end = g_get_monotonic_time() + wait_us;
    while (!h->stop && g_cond_wait_until(&h->cond, &h->lock, end))
      ;
  }
  g_mutex_unlock(&h->lock);
  return NULL;
}

static void
health_stop(Health *h, GThread *thread)
{
  if (thread == NULL)
    return;
  g_mutex_lock(&h->lock);
  g_atomic_int_set(&h->stop, 1);
  g_cond_signal(&h->cond);
  g_mutex_unlock(&h->lock);
  g_thread_join(thread);
}

/* --- SIGHUP: reload the configuration file ------------------------------------------- */

typedef struct {
  Settings *settings;
  PlContext *ctx;
  ContainerViews *views;
  gint stop;
} Reloader;

static void
warn_needs_restart(const char *what, const char *before, const char *after)
{
  if (g_strcmp0(before, after) != 0)
    g_warning("reload: %s changed to '%s'; it takes effect at the next start", what,
              after != NULL ? after : "(default)");
}

static void
reload(Reloader *r)
{
  g_autoptr(GError) error = NULL;
  g_auto(DaemonConfig) fresh = {0};
  Settings *s = r->settings;

  sd_notify(0, "RELOADING=1");
  if (!daemon_config_load(s->config_path, s->config_must_exist, &fresh, NULL, &error)) {
    g_warning("reload refused, keeping the settings in force: %s", error->message);
    sd_notify(0, "READY=1\nSTATUS=reload refused: invalid configuration file");
    return;
  }
  warn_needs_restart("mountpoint", s->file.mountpoint, fresh.mountpoint);
  warn_needs_restart("cgroup-root", s->file.cgroup_root, fresh.cgroup_root);
  warn_needs_restart("proc-root", s->file.proc_root, fresh.proc_root);
  warn_needs_restart("state-dir", s->file.state_dir, fresh.state_dir);
  g_autofree char *files_before = s->file.files ? g_strjoinv(";", s->file.files) : NULL;
  g_autofree char *files_after = fresh.files ? g_strjoinv(";", fresh.files) : NULL;
  warn_needs_restart("files", files_before, files_after);
  /* Keep what needs a remount as it was, take the rest. */
  s->file.quota_cap = fresh.quota_cap;
  s->file.loadavg = fresh.loadavg;
  s->file.swap = fresh.swap;
  s->file.log_level = fresh.log_level;
  s->file.refresh_interval = fresh.refresh_interval;
  warn_needs_restart("registry", s->file.registry, fresh.registry);
  apply_runtime_settings(s, r->ctx);
  if (s->options->refresh_interval == 0)
    container_views_set_interval(r->views, fresh.refresh_interval);
  g_message("reloaded %s: cpu-quota-cap=%s loadavg=%s swap=%s log-level=%s", s->config_path,
            r->ctx->quota_cap ? "true" : "false", r->ctx->loadavg_enabled ? "true" : "false",
            r->ctx->swap_enabled ? "true" : "false",
            daemon_config_log_level_name(effective_log_level(s)));
  sd_notify(0, "READY=1\nSTATUS=serving (configuration reloaded)");
}

/* SIGHUP (reload) and SIGUSR1 (sweep or stop) are blocked in every thread (main blocks them
 * before any thread starts); this one takes them with sigwaitinfo, so the reload runs in a
 * normal thread context. No timeout while nothing needs one, so that an idle daemon never
 * wakes. While cgroup files are kept it closes the idle ones every PL_CGFILE_IDLE_SEC (an
 * open file keeps a removed cgroup in the kernel); the cache raises SIGUSR1 when it keeps
 * its first file. */
static gpointer
reload_thread(gpointer data)
{
  Reloader *r = data;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);
  struct timespec tick = {.tv_sec = PL_CGFILE_IDLE_SEC, .tv_nsec = 0};
  while (!g_atomic_int_get(&r->stop)) {
    int sig = pl_cgfile_kept() > 0 ? sigtimedwait(&set, NULL, &tick) : sigwaitinfo(&set, NULL);
    if (sig == SIGHUP && !g_atomic_int_get(&r->stop))
      reload(r);
    pl_cgfile_close_idle();
  }
  return NULL;
}

/* Builds the probe path: proc/meminfo when served, else the first file served. */
static char *
probe_path(const char *mountpoint, const PlVfile *files)
{
  const char *rel = NULL;
  for (const PlVfile *f = files; f->path != NULL; f++) {
    if (f->produce != NULL && (rel == NULL || strcmp(f->path, "proc/meminfo") == 0))
      rel = f->path;
  }
  return rel != NULL ? g_build_filename(mountpoint, rel, NULL) : NULL;
}

/* The container views degrade to nothing (containers get the caller views) rather than
 * keep the daemon from serving. Their threads must not take the stop signals either. */
static void
start_container_views(ContainerViews *views, const char *mountpoint, Remount *remount)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename(mountpoint, CONTAINER_VIEWS_DIR, NULL);
  if (!container_views_start(views, dir, remount, &error))
    g_warning("no container views: %s", error->message);
}

static int
serve(const DaemonOptions *o, Settings *settings, PlContext *ctx, Remount *remount)
{
  g_autoptr(GError) error = NULL;
  g_autofree PlVfile *files = daemon_config_select_vfiles(pl_vfiles, settings->file.files);
  g_autoptr(Tree) tree = tree_new(files);
  Health health = {.remount = remount};
  GThread *health_th = NULL, *reload_th = NULL;
  RequestThreads *extra = NULL;
  ContainerViews *views = container_views_new(
      ctx, files, o->registry,
      o->refresh_interval != 0 ? o->refresh_interval : settings->file.refresh_interval, o->debug);
  Reloader reloader = {.settings = settings, .ctx = ctx, .views = views};
  g_autoptr(SizeGuard) size_guard = size_guard_new();
  FsState state = {.ctx = ctx, .tree = tree, .size_guard = size_guard};
  struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
  int status = 1;

  tree_add_dir(tree, CONTAINER_VIEWS_DIR);
  build_fuse_args(o, remount_source(remount), &args);
  struct fuse_session *se = fuse_session_new(&args, &fs_operations, sizeof fs_operations, &state);
  fuse_opt_free_args(&args);
  if (se == NULL) {
    g_printerr("proclensd: invalid FUSE options\n");
    return 1;
  }
  state.session = se;
  /* libfuse leaves ignored signals alone, and shells start background jobs with SIGINT
   * ignored; the daemon promises to stop on both, so take them back first. */
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (fuse_set_signal_handlers(se) != 0) {
    g_printerr("proclensd: cannot install signal handlers\n");
    goto out_destroy;
  }
  /* libfuse's handlers make SIGHUP end the loop; here it means "reload". It stays blocked
   * (see main) and reload_thread takes it; SIG_IGN-free default keeps it queued. */
  signal(SIGHUP, SIG_DFL);
  if (fuse_session_mount(se, o->mountpoint) != 0) {
    g_printerr("proclensd: cannot mount on %s (see the message above)\n", o->mountpoint);
    goto out_signals;
  }
  remount_mounted(remount);
  if (o->pidfile != NULL && !write_pidfile(o->pidfile, &error)) {
    g_printerr("proclensd: pidfile: %s\n", error->message);
    goto out_unmount;
  }
  g_message("serving %s (cgroups: %s at %s)", o->mountpoint,
            pl_cg_layout_kind_name(ctx->layout->kind), ctx->cgroup_root);

  /* The helper threads must never take SIGTERM or SIGINT: libfuse's handler only ends the
   * loop when the signal interrupts the main thread or a worker, so one caught here would
   * leave the daemon running. They inherit this mask. */
  sigset_t stop_signals, saved;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &saved);
  reload_th = g_thread_new("reload", reload_thread, &reloader);
  if (!fs_workers_start(&state, &error)) {
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    g_printerr("proclensd: worker threads: %s\n", error->message);
    goto out_unmount;
  }
  extra = request_threads_start(se, (o->threads > 0 ? (guint)o->threads : request_threads_wanted()) - 1);
  state.request_threads = 1 + request_threads_started(extra);
  start_container_views(views, o->mountpoint, remount);
  health.probe = probe_path(o->mountpoint, files);
  {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0)
      health.watchdog_usec = usec;
  }
  g_mutex_init(&health.lock);
  g_cond_init(&health.cond);
  if (health.probe != NULL)
    health_th = g_thread_new("health", health_thread, &health);
  else
    sd_notify(0, "READY=1\nSTATUS=serving (no files)");
  pthread_sigmask(SIG_SETMASK, &saved, NULL);

  /* A fixed set of request threads (request_threads_wanted() says how many by default),
   * not libfuse's multi-threaded loop, which starts and retires workers and takes a lock
   * per request (it tripled the CPU per read here). Their work is bounded (a few small
   * procfs/cgroupfs reads; nothing waits on a caller, whose exit only makes the reply
   * fail, or on a vanished cgroup, which answers ENOENT at once); renders whose cost grows
   * with a cgroup's tasks go to the worker pool unless another request thread is free.
   * This thread is one of them: the stop signals interrupt it. */
  int rc = fuse_session_loop(se);
  /* The loop resets the session on its way out: mark it ended again for the others. */
  fuse_session_exit(se);
  request_threads_stop(g_steal_pointer(&extra));
  /* Before the main mount goes: the views' mount sits on its containers/ directory. */
  container_views_stop(views);
  /* The signal handlers end the loop with rc 0 (or the signal number on some versions). */
  status = rc < 0 ? 1 : 0;
  sd_notify(0, "STOPPING=1");
  if (o->pidfile != NULL)
    unlink(o->pidfile);
out_unmount:
  fs_workers_stop(&state);
  fuse_session_unmount(se);
  /* After the unmount: a probe child still waiting on the mount gets ENOTCONN; the health
   * thread itself only waits for it in slices that look at the stop. */
  health_stop(&health, health_th);
  g_free(health.probe);
  if (health_th != NULL || health.probe != NULL) {
    g_mutex_clear(&health.lock);
    g_cond_clear(&health.cond);
  }
  if (reload_th != NULL) {
    g_atomic_int_set(&reloader.stop, 1);
    kill(getpid(), SIGUSR1); /* blocked everywhere: the reload thread takes it */
    g_thread_join(reload_th);
  }
out_signals:
  fuse_remove_signal_handlers(se);
out_destroy:
  fuse_session_destroy(se);
  container_views_free(views);
  return status;
}

/* The cache kept its first file: the reload thread starts closing idle ones. */
static void
wake_sweeper(void)
{
  kill(getpid(), SIGUSR1);
}

/* The cgroup file cache keeps up to half of the soft limit of descriptors open; systemd
 * starts services with a soft limit of 1024 and a far higher hard one, meant to be raised. */
static void
raise_file_limit(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* The command line's path where it gave one, else the file's, else the default (which
 * the options hold). */
static void
override_path(char **option, gboolean given, const char *from_file)
{
  if (!given && from_file != NULL) {
    g_free(*option);
    *option = g_strdup(from_file);
  }
}

int
main(int argc, char **argv)
{
  g_auto(DaemonOptions) options = {0};
  g_autoptr(GError) error = NULL;
  Settings settings = {0};
  g_autoptr(Remount) remount = NULL;
  int exit_status;

  /* Before any thread exists, so that every thread inherits it blocked and only the
   * reload thread takes it. */
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  sigaddset(&hup, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &hup, NULL);
  g_log_set_writer_func(log_writer, NULL, NULL);

  if (!daemon_options_parse(argc, argv, &options, &exit_status, &error)) {
    if (error != NULL)
      g_printerr("proclensd: %s\nTry 'proclensd --help'.\n", error->message);
    return exit_status;
  }
  settings.options = &options;
  settings.config_must_exist = options.config_file != NULL;
  settings.config_path =
      options.config_file != NULL
          ? g_strdup(options.config_file)
          : g_build_filename(PROCLENS_SYSCONFDIR, "proclens", "proclensd.conf", NULL);
  gboolean found = FALSE;
  if (!daemon_config_load(settings.config_path, settings.config_must_exist, &settings.file, &found,
                          &error)) {
    g_printerr("proclensd: invalid configuration, not starting: %s\n", error->message);
    g_free(settings.config_path);
    return 1;
  }
  override_path(&options.mountpoint, options.mountpoint_given, settings.file.mountpoint);
  override_path(&options.cgroup_root, options.cgroup_root_given, settings.file.cgroup_root);
  override_path(&options.proc_root, options.proc_root_given, settings.file.proc_root);
  override_path(&options.state_dir, options.state_dir_given, settings.file.state_dir);
  if (options.registry == NULL)
    options.registry =
        g_strdup(settings.file.registry != NULL ? settings.file.registry : PL_REGISTRY_DEFAULT_DIR);
  set_log_level(effective_log_level(&settings));
  if (found)
    g_info("configuration from %s", settings.config_path);

  int status = 1;
  g_autoptr(PlContext) ctx = pl_context_new(options.cgroup_root, options.proc_root, &error);
  if (ctx == NULL) {
    g_printerr("proclensd: %s\n", error->message);
    goto out;
  }
  apply_runtime_settings(&settings, ctx);
  /* Before mountpoint_prepare clears a dead predecessor's mount: its device is the one
   * the containers' dead bind mounts show. */
  remount = remount_new(options.mountpoint, options.state_dir);
  if (!mountpoint_prepare(options.mountpoint, &error)) {
    g_printerr("proclensd: %s\n", error->message);
    goto out;
  }
  raise_file_limit();
  /* Requests read the cgroups' value files through kept descriptors (one pread each). */
  pl_cgfile_cache_enable(wake_sweeper);
  pl_task_files_enable();
  status = serve(&options, &settings, ctx, remount);
out:
  daemon_config_clear(&settings.file);
  g_free(settings.config_path);
  return status;
}
