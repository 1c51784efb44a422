#!/usr/bin/env bash
# The mount is read-only: every change fails with EROFS or EACCES and changes nothing.
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse

MNT=$(pl_tmpdir)/mnt
chmod 755 "$(dirname "$MNT")" # other users must reach the mountpoint
daemon_start "$MNT" || { not_ok "daemon starts"; finish; }
M=$MNT/proc/meminfo
before=$(ls -la "$MNT/proc")

check_eq "files are 0444 root:root" "444 root root" "$(stat -c '%a %U %G' "$M")"
check_eq "directories are 0555" "555" "$(stat -c '%a' "$MNT/proc")"
check "the mount is ro in mountinfo" grep -qE " $MNT ro[, ]" /proc/self/mountinfo
check "the mount allows other users" grep -qE " $MNT .*allow_other" /proc/self/mountinfo

# refused OP CMD...: CMD fails and its error is EROFS/EACCES ("Read-only file system" / "Permission denied").
refused() {
  local what=$1; shift
  local err
  if err=$("$@" 2>&1); then not_ok "$what is refused"; return; fi
  if grep -qE 'Read-only file system|Permission denied' <<<"$err"; then ok "$what: $(grep -oE 'Read-only file system|Permission denied' <<<"$err" | head -1)"
  else not_ok "$what fails with EROFS/EACCES"; diag "$err"; fi
}
refused "write" sh -c "echo x > '$M'"
refused "append" sh -c "echo x >> '$M'"
refused "truncate" truncate -s 0 "$M"
refused "chmod" chmod 666 "$M"
refused "chown" chown nobody "$M"
refused "touch (utimes)" touch "$M"
refused "unlink" rm -f "$M"
refused "rename" mv "$M" "$MNT/proc/x"
refused "create" sh -c "echo x > '$MNT/proc/new'"
refused "mkdir" mkdir "$MNT/proc/d"
refused "rmdir" rmdir "$MNT/proc"
refused "symlink" ln -s /etc/passwd "$MNT/proc/l"
refused "hard link" ln "$M" "$MNT/proc/h"
refused "mknod" mknod "$MNT/proc/fifo" p
refused "write as another user" setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo x > '$M'"
check_eq "nothing changed" "$before" "$(ls -la "$MNT/proc")"
check "another user can read" setpriv --reuid=65534 --regid=65534 --clear-groups grep -q MemTotal "$M"
check "unknown names are ENOENT" sh -c "! cat '$MNT/proc/nope' 2>&1 | grep -q 'No such file'; cat '$MNT/proc/nope' 2>&1 | grep -q 'No such file'"
finish
