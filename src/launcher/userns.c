#include "userns.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <grp.h>
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

gboolean
plc_userns_write_maps(pid_t pid, const GArray *uid_map, const GArray *gid_map, GError **error)
{
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
