/* The tasks of a container's cgroup and their states. */
#include "proclens/tasks.h"
#include "proclens/fileio.h"
#include "proclens/task_files.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

gboolean
pl_cg_task_node(const PlCgLayout *layout, const PlCgMembership *membership, PlCgNode *ret_node)
{
  static const PlController order[] = {PL_CTRL_CPUACCT, PL_CTRL_CPU, PL_CTRL_PIDS, PL_CTRL_MEMORY};

  for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
    if (pl_cg_node_for(layout, membership, order[i], ret_node))
      return TRUE;
  }
  /* Any cgroup2 directory lists its threads, controllers or not. */
  if (layout->v2_dir != NULL && membership->v2_path != NULL) {
    ret_node->mount = layout->v2_dir;
    ret_node->path = g_strdup(membership->v2_path);
    ret_node->v2 = TRUE;
    return TRUE;
  }
  return FALSE;
}

/* This thread's bound on the tasks a render may look at (see tasks.h); 0: PL_TASKS_MAX. */
static __thread guint thread_limit;
static __thread gboolean thread_limit_hit;

void
pl_tasks_limit_thread(guint max)
{
  thread_limit = MIN(max, PL_TASKS_MAX);
  thread_limit_hit = FALSE;
}

gboolean
pl_tasks_limit_hit(void)
{
  return thread_limit_hit;
}

/* Whether tids may grow; notes when this thread's bound stopped it. */
static gboolean
room_for_more(const GArray *tids)
{
  guint max = thread_limit != 0 ? thread_limit : PL_TASKS_MAX;
  if (tids->len < max)
    return TRUE;
  if (thread_limit != 0)
    thread_limit_hit = TRUE;
  return FALSE;
}

static void
append_tids(const char *text, GArray *tids)
{
  const char *p = text;
  while (*p != '\0' && room_for_more(tids)) {
    char *end;
    guint64 v = g_ascii_strtoull(p, &end, 10);
    if (end == p)
      break;
    if (v > 0 && v <= G_MAXINT32) {
      pid_t tid = (pid_t)v;
      g_array_append_val(tids, tid);
    }
    p = end;
    while (*p == '\n' || *p == ' ')
      p++;
  }
}

/* FALSE when dir is not there (neither its task list nor the directory could be read). */
static gboolean
collect(const char *dir, gboolean v2, GArray *tids, guint depth)
{
  g_autofree char *text = NULL;
  gboolean found = pl_read_file_in(dir, v2 ? "cgroup.threads" : "tasks", &text, NULL);

  if (found)
    append_tids(text, tids);
  /* Deep trees are not a thing cgroups allow (v2 caps nesting); 32 levels is plenty. */
  if (depth >= 32 || !room_for_more(tids))
    return found;
  /* cgroupfs (kernfs), like most file systems, counts a directory's subdirectories in its
   * link count: 2 means no child cgroups, and spares listing a few dozen control files. */
  struct stat dir_st;
  if (found && stat(dir, &dir_st) == 0 && dir_st.st_nlink == 2)
    return TRUE;
  DIR *d = opendir(dir);
  if (d == NULL)
    return found;
  /* d_type spares a stat per control file; child cgroups are the only directories. */
  for (struct dirent *e; (e = readdir(d)) != NULL && room_for_more(tids);) {
    if (e->d_name[0] == '.')
      continue;
    gboolean is_dir = e->d_type == DT_DIR;
    g_autofree char *sub = g_build_filename(dir, e->d_name, NULL);
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = lstat(sub, &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir)
      collect(sub, v2, tids, depth + 1);
  }
  closedir(d);
  return TRUE;
}

gboolean
pl_cg_tasks_collect(const char *dir, gboolean v2, GArray *tids)
{
  return collect(dir, v2, tids, 0);
}

char
pl_proc_stat_state(const char *stat_text)
{
  const char *paren = strrchr(stat_text, ')');
  if (paren == NULL || paren[1] != ' ' || paren[2] == '\0')
    return 0;
  return paren[2];
}

void
pl_tasks_count(const char *proc_root, const GArray *tids, PlTaskCounts *ret_counts)
{
  PlTaskCounts c = {0};

  for (guint i = 0; i < tids->len; i++) {
    pid_t tid = g_array_index(tids, pid_t, i);
    g_autofree char *text = NULL;
    if (!pl_task_file_read(PL_TASK_FILE_STAT, proc_root, tid, &text, NULL))
      continue; /* exited since the list was read */
    c.total++;
    char state = pl_proc_stat_state(text);
    if (state == 'R')
      c.running++;
    else if (state == 'D')
      c.blocked++;
    c.max_tid = MAX(c.max_tid, tid);
  }
  *ret_counts = c;
}
