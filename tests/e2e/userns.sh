#!/usr/bin/env bash
# User namespaces (issue 9): --userns=auto maps root inside to 65536 ids of /etc/subuid's
# "proclens" entry; the host sees that uid, the upper layer's files belong to it, the lower
# rootfs stays as it was (an idmapped mount), ranges of running containers are disjoint and
# freed by rm, exec joins the user namespace, capabilities stop at its edge, and the daemon's
# files and sysinfo(2) still serve the container's figures. --uidmap/--gidmap and the refusals.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon

TMP=$(pl_tmpdir)
# Mapped root is "other" to the host's files: it must be able to reach the daemon's mount.
chmod 711 "$TMP"
OUT=$TMP/out ERR=$TMP/err
MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }

# Our own "proclens" entry of two ranges (beyond every other entry), the files restored at exit.
SIZE=65536
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  cp -p "$f" "$TMP/$(basename "$f").orig"
  on_exit "cat '$TMP/$(basename "$f").orig' >'$f'"
done
END=$(awk -F: 'NF == 3 && $1 != "proclens" { e = $2 + $3; if (e > m) m = e } END { print m + 0 }' \
  /etc/subuid /etc/subgid)
BASE=$(( (END / SIZE + 16) * SIZE ))
for f in /etc/subuid /etc/subgid; do
  { grep -v '^proclens:' "$TMP/$(basename "$f").orig"; echo "proclens:$BASE:$((2 * SIZE))"; } >"$f"
done
diag "proclens:$BASE:$((2 * SIZE)) in /etc/subuid and /etc/subgid"

# The rootfs on a filesystem that can be idmapped: $TMP's, or (tmpfs before Linux 6.3, as in
# the v2 guest's 6.1; overlayfs and 9p) a loop-mounted ext4 image made here.
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
"$PROCLENS" run --rm --no-lxcfs --userns=auto "$ROOTFS" true >"$OUT" 2>"$ERR"
if grep -q "idmapped mount of" "$ERR"; then
  diag "$(findmnt -no FSTYPE -T "$TMP") here cannot be idmapped ($(uname -r)): the rootfs goes on ext4"
  [ -e /dev/loop-control ] || modprobe loop 2>/dev/null # (the guest loads modules on demand)
  truncate -s 64M "$TMP/ext4.img" && mkfs.ext4 -q -F "$TMP/ext4.img" && mkdir "$TMP/ext4" &&
    mount -o loop "$TMP/ext4.img" "$TMP/ext4" || { not_ok "an ext4 image for the rootfs"; finish; }
  on_exit "umount '$TMP/ext4'"
  chmod 711 "$TMP/ext4"
  ROOTFS=$TMP/ext4/rootfs
  make_busybox_rootfs "$ROOTFS"
fi

# This script's containers (others' may come and go in the shared state dir meanwhile).
my_states() { grep -l -F "\"$ROOTFS\"" "$PL_STATE_ROOT"/*/state.json 2>/dev/null | sort; }

lower_sum() { (cd "$ROOTFS" && find . -printf '%p %U:%G %m %s\n' | sort | md5sum); }
LOWER_BEFORE=$(lower_sum)
RUN=(run --lxcfs-dir "$MNT" -m 300m --userns=auto)

# A: a running container with --userns=auto.
prun "${RUN[@]}" -d "$ROOTFS" sleep 600
A=$(cat "$OUT"); track "$A"
check_eq "run -d --userns=auto starts" 0 "$RC"
[ "$RC" = 0 ] || { diag "$(cat "$ERR")"; finish; }
check_eq "inspect: UsernsMode auto" auto "$("$PROCLENS" inspect -f '{{.HostConfig.UsernsMode}}' "$A")"
check_eq "inspect: UidMap is the entry's first range" "[\"0:$BASE:$SIZE\"]" \
  "$("$PROCLENS" inspect -f '{{json .HostConfig.UidMap}}' "$A" | tr -d ' ')"
check_eq "inspect: GidMap too" "[\"0:$BASE:$SIZE\"]" \
  "$("$PROCLENS" inspect -f '{{json .HostConfig.GidMap}}' "$A" | tr -d ' ')"
PID=$("$PROCLENS" inspect -f '{{.State.Pid}}' "$A")
check_eq "the host sees the init run as the mapped uid" "$BASE $BASE $BASE $BASE" \
  "$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$PID/status")"
check_eq "and the mapped gid" "$BASE $BASE $BASE $BASE" \
  "$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$PID/status")"

prun exec "$A" id -u
check_eq "exec: id -u is 0 inside" 0 "$(cat "$OUT")"
prun exec "$A" id
check "exec: id shows root" grep -q '^uid=0(root) gid=0(root)' "$OUT"
prun exec "$A" cat /proc/self/uid_map
check_eq "exec: /proc/self/uid_map shows the map" "0 $BASE $SIZE" "$(tr -s ' ' <"$OUT" | sed 's/^ //')"
"$PROCLENS" exec "$A" sleep 1234 &
EXEC_PID=$!
on_exit "kill $EXEC_PID"
for _ in $(seq 1 100); do pgrep -f '^sleep 1234$' >/dev/null && break; sleep 0.1; done
check_eq "an exec'd process runs as the mapped uid on the host too" "$BASE" \
  "$(ps -o uid= -p "$(pgrep -f '^sleep 1234$' | head -1)" | tr -d ' ')"

prun exec "$A" sh -c 'echo data >/root/new && mkdir /etc/newdir && echo ok'
check_eq "root inside writes to the rootfs (into the overlay)" ok "$(cat "$OUT")"
UPPER=$PL_STATE_ROOT/$A/upper
check_eq "the upper layer's file belongs to the mapped uid:gid" "$BASE:$BASE" "$(stat -c %u:%g "$UPPER/root/new")"
check_eq "and its directory" "$BASE:$BASE" "$(stat -c %u:%g "$UPPER/etc/newdir")"
check_eq "the lower rootfs is unchanged (names, owners, modes, sizes)" "$LOWER_BEFORE" "$(lower_sum)"
prun exec "$A" stat -c %u:%g /bin/busybox /etc/passwd
check_eq "the lower's root-owned files appear owned by root inside (idmapped)" "0:0 0:0" "$(tr '\n' ' ' <"$OUT" | sed 's/ $//')"

prun exec "$A" head -n 1 /proc/meminfo
check_eq "exec: /proc/meminfo still shows the limit" "MemTotal: 307200 kB" "$(tr -s ' ' <"$OUT")"
prun exec "$A" free
check_eq "exec: free (sysinfo(2), answered by the monitor) shows the limit" 307200 \
  "$(awk '$1 == "Mem:" { print $2 }' "$OUT")"
check_eq "inspect: sysinfo served" served "$("$PROCLENS" inspect -f '{{.State.Sysinfo}}' "$A")"

# Capabilities stop at the namespace's edge.
prun exec "$A" date -s 2001-01-01
check "setting the host's clock fails" grep -q "Operation not permitted" "$ERR"
check "the clock is untouched" test "$(date +%Y)" -gt 2001
prun exec "$A" mknod /tmp/mem c 1 1
check "creating a device node fails (EPERM)" grep -q "Operation not permitted" "$ERR"
prun exec "$A" sh -c 'echo not-a-module >/tmp/x.ko; insmod /tmp/x.ko'
if [ -e /proc/modules ]; then
  check "loading a kernel module fails (EPERM)" grep -q "Operation not permitted" "$ERR"
else # this kernel (e.g. a microVM's) has no module support at all
  check "loading a kernel module fails (no module support here: ENOSYS)" grep -q "kernel does not support" "$ERR"
fi
prun exec "$A" hostname inner
check_eq "its own namespaces stay its to change (hostname)" 0 "$RC"

# B: a second running container gets the other range.
prun "${RUN[@]}" -d "$ROOTFS" sleep 600
B=$(cat "$OUT"); track "$B"
check_eq "a second container starts" 0 "$RC"
check_eq "it gets the next, disjoint range" "[\"0:$((BASE + SIZE)):$SIZE\"]" \
  "$("$PROCLENS" inspect -f '{{json .HostConfig.UidMap}}' "$B" | tr -d ' ')"
prun exec "$B" cat /proc/self/uid_map
check_eq "its uid_map says so" "0 $((BASE + SIZE)) $SIZE" "$(tr -s ' ' <"$OUT" | sed 's/^ //')"

# The entry is used up: a third is refused, plainly, and leaves nothing behind.
before=$(my_states)
check_eq "(both running containers are found by their rootfs in the state)" 2 "$(echo "$before" | grep -c .)"
prun "${RUN[@]}" --rm "$ROOTFS" true
check_eq "a third container is refused (125)" 125 "$RC"
check "the error says no free range is left" grep -q "no free range of 65536 ids" "$ERR"
check_eq "the refused run leaves no state" "$before" "$(my_states)"

# rm frees A's range: the next container gets it.
"$PROCLENS" rm -f "$A" >/dev/null
prun "${RUN[@]}" --rm "$ROOTFS" cat /proc/self/uid_map
check_eq "after rm, its range is given again" "0 $BASE $SIZE" "$(tr -s ' ' <"$OUT" | sed 's/^ //')"
"$PROCLENS" rm -f "$B" >/dev/null

# --uidmap/--gidmap: explicit maps (one kind alone maps both).
prun run --rm --no-lxcfs --uidmap 0:$BASE:1000 --uidmap 1000:$((BASE + 5000)):10 "$ROOTFS" \
  sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
check_eq "--uidmap: both maps as given, root inside" \
  "0 $BASE 1000|1000 $((BASE + 5000)) 10|0 $BASE 1000|1000 $((BASE + 5000)) 10|0" \
  "$(tr -s ' ' <"$OUT" | sed 's/^ //' | paste -sd '|')"
prun run --rm --no-lxcfs --uidmap 0:$BASE:1000 --gidmap 0:$((BASE + 7)):1000 -u 1000:1000 "$ROOTFS" id
check "--gidmap apart; -u 1000 outside the map is refused" grep -q "switch to user 1000:1000" "$ERR"
prun run --rm --no-lxcfs --uidmap 0:$BASE:2000 --gidmap 0:$((BASE + 7)):2000 -u 1000:1000 "$ROOTFS" \
  sh -c 'id -u; id -g; cat /proc/self/gid_map'
check_eq "-u inside the map" "1000|1000|0 $((BASE + 7)) 2000" "$(tr -s ' ' <"$OUT" | sed 's/^ //' | paste -sd '|')"

# Refusals, before anything starts.
before=$(my_states)
prun run --rm --userns=bogus "$ROOTFS" true
check "--userns=bogus is refused" grep -q "invalid --userns 'bogus': host or auto" "$ERR"
prun run --rm --userns=auto --uidmap 0:1:1 "$ROOTFS" true
check "--userns=auto with --uidmap is refused" grep -q "exclude each other" "$ERR"
prun run --rm --uidmap 1:$BASE:10 "$ROOTFS" true
check "a map without container root is refused" grep -q "must map container uid 0" "$ERR"
prun run --rm --uidmap 0:$BASE:10 --uidmap 5:$((BASE + 100)):10 "$ROOTFS" true
check "overlapping maps are refused" grep -q "overlaps" "$ERR"
prun run --rm --userns=auto --network host "$ROOTFS" true
check "--network host with a user namespace is refused" grep -q "needs --userns=host" "$ERR"
check_eq "each refusal exits 125" 125 "$RC"
check_eq "the refusals leave no state" "$before" "$(my_states)"

check_eq "the lower rootfs is still unchanged at the end" "$LOWER_BEFORE" "$(lower_sum)"
finish
