/* Which cgroup a process is in (/proc/PID/cgroup) and where a controller's files are. */
#include "proclens/cgroup.h"
#include "proclens/error.h"
#include "proclens/fileio.h"
#include "proclens/task_files.h"

#include <errno.h>
#include <string.h>

void
pl_cg_membership_clear(PlCgMembership *membership)
{
  for (int c = 0; c < PL_CTRL_COUNT; c++)
    g_clear_pointer(&membership->v1_path[c], g_free);
  g_clear_pointer(&membership->v2_path, g_free);
}

static gboolean
valid_path(const char *path)
{
  /* Paths come from the kernel, but a fixture or a future format must never lead us
   * outside the hierarchy. */
  return path[0] == '/' && strstr(path, "/../") == NULL && !g_str_has_suffix(path, "/..");
}

/* One line [line, eol): "hierarchy-id:controller,list:/path". Parsed in place: this runs
 * for every request. */
static gboolean
parse_line(const char *line, const char *eol, PlCgMembership *m)
{
  const char *c1 = memchr(line, ':', eol - line);
  const char *c2 = c1 != NULL ? memchr(c1 + 1, ':', eol - c1 - 1) : NULL;
  if (c2 == NULL)
    return FALSE;
  g_autofree char *path = g_strndup(c2 + 1, eol - c2 - 1);
  if (!valid_path(path))
    return FALSE;
  if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
    g_free(m->v2_path);
    m->v2_path = g_steal_pointer(&path);
    return TRUE;
  }
  for (const char *name = c1 + 1; name < c2;) {
    const char *comma = memchr(name, ',', c2 - name);
    const char *name_end = comma != NULL ? comma : c2;
    gint c = pl_controller_named(name, name_end - name);
    if (c >= 0) {
      g_free(m->v1_path[c]);
      m->v1_path[c] = g_strdup(path);
    }
    name = name_end + 1;
  }
  return TRUE;
}

gboolean
pl_cg_membership_parse(const char *text, PlCgMembership *ret_membership, GError **error)
{
  g_auto(PlCgMembership) m = {0};

  const char *cursor = text, *l, *eol;
  while (pl_next_line(&cursor, &l, &eol)) {
    if (eol != l && !parse_line(l, eol, &m)) {
      g_autofree char *bad = g_strndup(l, eol - l);
      pl_set_errno(error, EINVAL, "malformed cgroup line '%s'", bad);
      return FALSE;
    }
  }
  *ret_membership = m;
  memset(&m, 0, sizeof m);
  return TRUE;
}

gboolean
pl_cg_membership_read(const char *proc_root, pid_t pid, PlCgMembership *ret_membership,
                      GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;

  if (!pl_task_file_read(PL_TASK_FILE_CGROUP, proc_root, pid, &text, &local)) {
    /* A caller that exited mid-request: its /proc entry is gone. */
    int e = pl_error_to_errno(local);
    pl_set_errno(error, e == ENOENT ? ESRCH : e, "%s", local->message);
    return FALSE;
  }
  return pl_cg_membership_parse(text, ret_membership, error);
}

void
pl_cg_node_clear(PlCgNode *node)
{
  g_clear_pointer(&node->path, g_free);
  node->mount = NULL;
}

gboolean
pl_cg_node_for(const PlCgLayout *layout, const PlCgMembership *membership, PlController ctrl,
               PlCgNode *ret_node)
{
  if (layout->v1_dir[ctrl] != NULL && membership->v1_path[ctrl] != NULL) {
    ret_node->mount = layout->v1_dir[ctrl];
    ret_node->path = g_strdup(membership->v1_path[ctrl]);
    ret_node->v2 = FALSE;
    return TRUE;
  }
  if (layout->v2_dir != NULL && layout->v2_enabled[ctrl] && membership->v2_path != NULL) {
    ret_node->mount = layout->v2_dir;
    ret_node->path = g_strdup(membership->v2_path);
    ret_node->v2 = TRUE;
    return TRUE;
  }
  return FALSE;
}

guint
pl_cg_node_depth(const PlCgNode *node)
{
  guint depth = 0;
  for (const char *p = node->path; *p != '\0'; p++) {
    if (*p == '/' && p[1] != '\0' && p[1] != '/')
      depth++;
  }
  return depth;
}

char *
pl_cg_node_dir(const PlCgNode *node, guint up)
{
  if (up > pl_cg_node_depth(node))
    return NULL;
  g_autofree char *path = g_strdup(node->path);
  for (guint i = 0; i < up; i++) {
    char *slash = strrchr(path, '/');
    *slash = '\0';
  }
  if (path[0] == '\0' || strcmp(path, "/") == 0)
    return g_strdup(node->mount);
  return g_build_filename(node->mount, path, NULL);
}
