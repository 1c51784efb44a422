#!/usr/bin/env bash
# busybox cat copies with sendfile(2), which reads through the page cache up to the inode's
# size: every file must come out whole, for callers whose content lengths differ.
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse
BUSYBOX=$(command -v busybox) || skip_all "needs busybox"

MNT=$(pl_tmpdir)/mnt
daemon_start "$MNT" || { not_ok "daemon starts"; finish; }
cg_create small && cg_set small cpuset.cpus cpuset.cpus 0 && cg_set_memory small $((100 * 1048576))

for f in proc/meminfo proc/stat proc/cpuinfo proc/uptime proc/loadavg proc/swaps; do
  [ -e "$MNT/$f" ] || continue
  for round in 1 2; do
    small_bb=$(cg_exec small "$BUSYBOX" cat "$MNT/$f" | wc -c)
    small_read=$(cg_exec small cat "$MNT/$f" | wc -c)
    host_bb=$("$BUSYBOX" cat "$MNT/$f" | wc -c)
    host_read=$(cat "$MNT/$f" | wc -c)
    check "$f round $round: sendfile gives the whole file in a 1-CPU cgroup ($small_bb of $small_read bytes)" \
      test "$small_bb" -gt 0 -a "$small_bb" -eq "$small_read"
    check "$f round $round: then the whole (longer) host file ($host_bb of $host_read bytes)" \
      test "$host_bb" -gt 0 -a "$host_bb" -eq "$host_read"
  done
done
finish
