#include "userns.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mount.h>
#include <unistd.h>

/* Every host range of `member` (HostConfig.UidMap or GidMap) that some container holds. */
static GArray *
used_ranges(const char *member)
{
  GArray *used = g_array_new(FALSE, TRUE, sizeof(PlcIdMap));
  g_autoptr(GPtrArray) all = plc_state_list();
  for (guint i = 0; i < all->len; i++) {
    PlcState *st = all->pdata[i];
    JsonObject *h = json_object_get_object_member(json_node_get_object(st->root), "HostConfig");
    JsonArray *a = h && json_object_has_member(h, member) ? json_object_get_array_member(h, member)
                                                          : NULL;
    for (guint j = 0; a && j < json_array_get_length(a); j++) {
      PlcIdMap m;
      if (plc_idmap_parse(json_array_get_string_element(a, j), &m, NULL))
        g_array_append_val(used, m);
    }
  }
  return used;
}

static gboolean
allocate_one(const char *file, const char *member, GArray *maps, GError **error)
{
  g_autofree char *text = NULL;
  if (!plc_read_file(file, &text, error)) {
    g_prefix_error(error, "--userns=auto takes its ids from %s: ", file);
    return FALSE;
  }
  g_autoptr(GArray) ranges = plc_subid_ranges(text, PLC_SUBID_OWNER, NULL);
  g_autoptr(GArray) used = used_ranges(member);
  PlcIdMap m = {.container = 0, .size = PLC_USERNS_AUTO_SIZE};
  if (ranges->len == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "--userns=auto: %s has no '" PLC_SUBID_OWNER ":START:COUNT' line (add one, "
                "e.g. " PLC_SUBID_OWNER ":2147483648:4194304, not overlapping other entries)",
                file);
    return FALSE;
  }
  if (!plc_idmap_allocate(ranges, used, PLC_USERNS_AUTO_SIZE, &m.host)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                "--userns=auto: no free range of %u ids left in the '" PLC_SUBID_OWNER
                "' entries of %s (%u held by containers; remove some with proclens rm, or "
                "widen the entry)",
                PLC_USERNS_AUTO_SIZE, file, used->len);
    return FALSE;
  }
  g_array_append_val(maps, m);
  return TRUE;
}

gboolean
plc_userns_allocate(GArray *uid_map, GArray *gid_map, GError **error)
{
  return allocate_one(PLC_SUBUID_FILE, "UidMap", uid_map, error) &&
         allocate_one(PLC_SUBGID_FILE, "GidMap", gid_map, error);
}

/* The caller's first subordinate range in file, up to PLC_USERNS_AUTO_SIZE ids, after its own
 * id as root: what a rootless container maps. */
static gboolean
rootless_one(const char *file, guint32 own, GArray *maps, GError **error)
{
  struct passwd *pw = getpwuid(geteuid());
  g_autofree char *uid_text = g_strdup_printf("%u", (unsigned)geteuid());
  g_autofree char *text = NULL;
  if (!plc_read_file(file, &text, error)) {
    g_prefix_error(error, "a rootless container takes its ids from %s: ", file);
    return FALSE;
  }
  g_autoptr(GArray) ranges = plc_subid_ranges(text, pw ? pw->pw_name : uid_text, uid_text);
  if (ranges->len == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "%s has no subordinate ids for %s (as root: usermod --add-subuids and "
                "--add-subgids, e.g. 100000-165535)",
                file, pw ? pw->pw_name : uid_text);
    return FALSE;
  }
  const PlcIdMap *r = &g_array_index(ranges, PlcIdMap, 0);
  PlcIdMap self = {.container = 0, .host = own, .size = 1};
  PlcIdMap sub = {.container = 1, .host = r->host, .size = MIN(r->size, PLC_USERNS_AUTO_SIZE - 1)};
  g_array_append_val(maps, self);
  g_array_append_val(maps, sub);
  return TRUE;
}

gboolean
plc_userns_rootless_maps(GArray *uid_map, GArray *gid_map, GError **error)
{
  return rootless_one(PLC_SUBUID_FILE, geteuid(), uid_map, error) &&
         rootless_one(PLC_SUBGID_FILE, getegid(), gid_map, error);
}

guint32
plc_userns_host_root(const GArray *maps)
{
  for (guint i = 0; i < maps->len; i++) {
    const PlcIdMap *m = &g_array_index(maps, PlcIdMap, i);
    if (m->container == 0)
      return m->host;
  }
  return (guint32)-1;
}

/* newuidmap/newgidmap PID CONTAINER HOST SIZE...: the setuid helpers of the uidmap package,
 * which check the maps against the caller's /etc/subuid and /etc/subgid entries. */
static gboolean
run_helper(const char *helper, pid_t pid, const GArray *maps, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *err = NULL;
  int status;
  g_ptr_array_add(argv, g_strdup(helper));
  g_ptr_array_add(argv, g_strdup_printf("%d", (int)pid));
  for (guint i = 0; i < maps->len; i++) {
    const PlcIdMap *m = &g_array_index(maps, PlcIdMap, i);
    g_ptr_array_add(argv, g_strdup_printf("%u", m->container));
    g_ptr_array_add(argv, g_strdup_printf("%u", m->host));
    g_ptr_array_add(argv, g_strdup_printf("%u", m->size));
  }
  g_ptr_array_add(argv, NULL);
  if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, NULL, &err, &status, error)) {
    g_prefix_error(error, "%s (apt-get install uidmap): ", helper);
    return FALSE;
  }
  if (!g_spawn_check_wait_status(status, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "%s refused the map: %s", helper,
                g_strstrip(err));
    return FALSE;
  }
  return TRUE;
}

gboolean
plc_userns_write_maps(pid_t pid, const GArray *uid_map, const GArray *gid_map, GError **error)
{
  if (geteuid() != 0)
    return run_helper("newgidmap", pid, gid_map, error) &&
           run_helper("newuidmap", pid, uid_map, error);

  g_autofree char *gid_path = g_strdup_printf("/proc/%d/gid_map", (int)pid);
  g_autofree char *uid_path = g_strdup_printf("/proc/%d/uid_map", (int)pid);
  g_autofree char *gid_text = plc_idmap_render(gid_map);
  g_autofree char *uid_text = plc_idmap_render(uid_map);
  if (!plc_write_file(gid_path, gid_text, error) || !plc_write_file(uid_path, uid_text, error)) {
    g_prefix_error(error, "map the container's ids: ");
    return FALSE;
  }
  return TRUE;
}

int
plc_userns_idmapped_tree(const char *path, int userns_fd, GError **error)
{
  int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0) {
    plc_set_errno(error, errno, "clone the mount of %s (open_tree)", path);
    return -1;
  }
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (guint64)userns_fd};
  if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
    int err = errno;
    close(fd);
    plc_set_errno(error, err,
                  "idmapped mount of %s (mount_setattr; needs Linux >= 5.12 and a filesystem "
                  "that supports idmapped mounts)",
                  path);
    return -1;
  }
  return fd;
}

gboolean
plc_userns_become_root(GError **error)
{
  if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
    plc_set_errno(error, errno, "become root in the user namespace");
    return FALSE;
  }
  return TRUE;
}
