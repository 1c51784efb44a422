#!/usr/bin/env bash
# proclens run registers its containers with proclensd and binds their page-cached views
# (containers/<id>/...) over /proc and /sys/devices/system/cpu; it unregisters them when
# the container ends, also when it fails to start. Without the views it binds the caller views.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon

TMP=$(pl_tmpdir)
OUT=$TMP/out ERR=$TMP/err
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
MNT=$TMP/lxcfs
export PROCLENS_REGISTRY=$TMP/registry
unset PROCLENS_CONTAINER_VIEWS # the default: views when the daemon serves them
daemon_start "$MNT" --registry "$PROCLENS_REGISTRY" || { not_ok "proclensd starts"; finish; }
RUN=(run --lxcfs-dir "$MNT" -m 300m --cpus 1)
# The mount a path inside the container comes from: "ROOT FSNAME" of its mountinfo line.
MOUNTS='for p in /proc/meminfo /proc/uptime /sys/devices/system/cpu; do
  awk -v p="$p" "\$5 == p { split(\$0, a, \" - \"); split(a[2], b, \" \"); print p, \$4, b[2] }" /proc/self/mountinfo | tail -n 1
done; free | awk "/^Mem:/ { print \"total\", \$2 }"'

prun "${RUN[@]}" -d "$ROOTFS" sleep 1000
ID=$(cat "$OUT"); track "$ID"
check_eq "run -d starts" 0 "$RC"
check "the container is registered while it runs" test -f "$PROCLENS_REGISTRY/$ID"
check "its registry file names its cgroup and init" grep -q "^cgroup=.*$ID" "$PROCLENS_REGISTRY/$ID"
prun exec "$ID" sh -c "$MOUNTS"
check "/proc/meminfo is its view containers/$ID/proc/meminfo" grep -q "^/proc/meminfo /$ID/proc/meminfo proclens-containers:[0-9a-f]*$" "$OUT"
check "/proc/uptime too" grep -q "^/proc/uptime /$ID/proc/uptime proclens-containers:[0-9a-f]*$" "$OUT"
check "/sys/devices/system/cpu is its view's directory" \
  grep -q "^/sys/devices/system/cpu /$ID/sys/devices/system/cpu proclens-containers:[0-9a-f]*$" "$OUT"
check_eq "free inside shows the 300 MiB limit" "total 307200" "$(grep '^total' "$OUT")"
check_eq "the host sees the same view" 307200 "$(meminfo_kb "$MNT/containers/$ID/proc/meminfo" MemTotal)"
"$PROCLENS" stop -t 1 "$ID" >/dev/null 2>&1
check "stopped: unregistered" test ! -e "$PROCLENS_REGISTRY/$ID"
for i in $(seq 50); do [ ! -e "$MNT/containers/$ID" ] && break; sleep 0.1; done
check "and its views are gone" test ! -e "$MNT/containers/$ID"
"$PROCLENS" rm -f "$ID" >/dev/null 2>&1

# --rm, and a command that cannot start: nothing stays registered.
prun "${RUN[@]}" --rm "$ROOTFS" true
check_eq "run --rm exits 0" 0 "$RC"
prun "${RUN[@]}" --rm "$ROOTFS" /no/such/command
check_eq "a missing command exits 127" 127 "$RC"
check_eq "nothing left registered" "" "$(ls -A "$PROCLENS_REGISTRY")"

# Turned off: the caller views, as with LXCFS.
PROCLENS_CONTAINER_VIEWS=0 prun "${RUN[@]}" --rm "$ROOTFS" sh -c "$MOUNTS"
check "PROCLENS_CONTAINER_VIEWS=0: /proc/meminfo is the caller view" grep -q "^/proc/meminfo /proc/meminfo proclens" "$OUT"
# A daemon without views for it (here: another registry): the caller views, as before.
PROCLENS_REGISTRY=$TMP/elsewhere prun "${RUN[@]}" --rm "$ROOTFS" sh -c "$MOUNTS"
check "without a view: /proc/meminfo is the caller view" grep -q "^/proc/meminfo /proc/meminfo proclens" "$OUT"
check_eq "and free still shows the limit" "total 307200" "$(grep '^total' "$OUT")"
finish
