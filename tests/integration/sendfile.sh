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
  # Figures change between two reads (counters grow a digit), so "whole" is compared as the
  # same lines by their first field, the last one complete.
  shape() { awk '{ print ($1 ~ /^[0-9.]+$/) ? "#" : $1 } END { print NR }'; }
  for round in 1 2; do
    # The longer host file right after the shorter one, both by sendfile: nothing in
    # between (a read(2) pass) may have given the size back.
    small_bb=$(cg_exec small "$BUSYBOX" cat "$MNT/$f" | shape)
    host_bb=$("$BUSYBOX" cat "$MNT/$f" | shape)
    small_read=$(cg_exec small cat "$MNT/$f" | shape)
    host_read=$(cat "$MNT/$f" | shape)
    check "$f round $round: sendfile gives the whole file in a 1-CPU cgroup" \
      test "$small_bb" != 0 -a "$small_bb" = "$small_read"
    check "$f round $round: then the whole (longer) host file" \
      test "$host_bb" != 0 -a "$host_bb" = "$host_read"
  done
done
finish
