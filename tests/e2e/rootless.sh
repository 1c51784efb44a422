#!/usr/bin/env bash
# Rootless containers (issue 9): an ordinary user (created here, removed at exit) runs
# proclens with its own subordinate ids (newuidmap/newgidmap) and state under
# $XDG_RUNTIME_DIR/proclens. Without a delegated cgroup (always on a v1/hybrid host) run
# refuses plainly unless --no-limits; with a cgroup-v2 tree chowned to the user (the v2
# guest) the limits apply and /proc/meminfo inside shows them.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon
require_cmd newuidmap
require_cmd newgidmap
require_cmd useradd
require_cmd runuser
require_cmd setpriv

TMP=$(pl_tmpdir)
chmod 711 "$TMP"
OUT=$TMP/out ERR=$TMP/err
MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }

# The test user, its subordinate ids (the files restored at exit), its runtime dir.
TUSER=pltest-rl$$
useradd -M -N -s /bin/sh "$TUSER" || { not_ok "useradd $TUSER"; finish; }
on_exit "userdel '$TUSER'"
TUID=$(id -u "$TUSER") TGID=$(id -g "$TUSER")
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  cp -p "$f" "$TMP/$(basename "$f").orig"
  on_exit "cat '$TMP/$(basename "$f").orig' >'$f'"
done
END=$(awk -F: 'NF == 3 { e = $2 + $3; if (e > m) m = e } END { print m + 0 }' /etc/subuid /etc/subgid)
SUB=$(( (END / 65536 + 32) * 65536 ))
# Ours only (useradd may have given the user a range of its own).
for f in /etc/subuid /etc/subgid; do
  { grep -v "^$TUSER:" "$TMP/$(basename "$f").orig"; echo "$TUSER:$SUB:65536"; } >"$f"
done
XDG=$TMP/xdg
mkdir -m 700 "$XDG" && chown "$TUSER" "$XDG"
USTATE=$XDG/proclens
# The user's own rootfs (rootless users unpack their own): its files appear as root's inside.
mkdir -m 755 "$TMP/user"
ROOTFS=$TMP/user/rootfs
make_busybox_rootfs "$ROOTFS"
chown -R "$TUSER:$TGID" "$ROOTFS"
lower_sum() { (cd "$ROOTFS" && find . -printf '%p %U:%G %m %s\n' | sort | md5sum); }
LOWER_BEFORE=$(lower_sum)

# urun ARGS...: proclens as the test user; stdout in $OUT, stderr in $ERR, status in $RC.
urun() {
  runuser -u "$TUSER" -- env -i PATH="$PATH" XDG_RUNTIME_DIR="$XDG" ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    "$PROCLENS" "$@" >"$OUT" 2>"$ERR" </dev/null
  RC=$?
}
on_exit "for c in \$(ls '$USTATE' 2>/dev/null); do urun rm -f \$c; done"
ustate_dirs() { find "$USTATE" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort; }

# --- without a delegated cgroup: the refusal -----------------------------------------------
before=$(ustate_dirs)
urun run --rm --lxcfs-dir "$MNT" -m 300m "$ROOTFS" true
check_eq "no delegated cgroup: run -m refuses (125)" 125 "$RC"
check "and says the limits cannot be applied" grep -q "the limits cannot be applied" "$ERR"
check "and names --no-limits" grep -q -- "--no-limits" "$ERR"
if cg_is_v2; then
  check "and that the user's cgroup is not delegated" grep -q "is not delegated to you" "$ERR"
else
  check "and that v1/hybrid hierarchies cannot be delegated" grep -q "cannot be delegated to an unprivileged user" "$ERR"
fi
urun run --rm --lxcfs-dir "$MNT" "$ROOTFS" true
check_eq "without limit options too (the cgroup is the limit)" 125 "$RC"
urun run --rm --no-limits -m 300m "$ROOTFS" true
check "--no-limits with a limit option is refused" grep -q "drop the limit options" "$ERR"
urun run --rm --no-limits --userns=host "$ROOTFS" true
check "--userns=host is refused rootless" grep -q "needs root" "$ERR"
# (No cgroup can be left: the user may create none outside a delegated tree.)
check_eq "the refusals leave no state" "$before" "$(ustate_dirs)"

# --- --no-limits ----------------------------------------------------------------------------
urun run --rm --lxcfs-dir "$MNT" --no-limits "$ROOTFS" sh -c 'id -u; cat /proc/self/uid_map /proc/self/gid_map'
check_eq "--no-limits runs (exit 0)" 0 "$RC"
check_eq "id -u is 0 inside" 0 "$(head -1 "$OUT")"
check_eq "uid_map: root is the user, 1.. its subordinate range" "0 $TUID 1|1 $SUB 65535" \
  "$(sed -n 2,3p "$OUT" | tr -s ' ' | sed 's/^ //' | paste -sd '|')"
check_eq "gid_map likewise" "0 $TGID 1|1 $SUB 65535" \
  "$(sed -n 4,5p "$OUT" | tr -s ' ' | sed 's/^ //' | paste -sd '|')"

urun run -d --lxcfs-dir "$MNT" --no-limits "$ROOTFS" sleep 600
C=$(cat "$OUT")
check_eq "run -d as the user" 0 "$RC"
check "its state lives under \$XDG_RUNTIME_DIR/proclens" test -f "$USTATE/$C/state.json"
PID=$(awk -F'[:,]' '/"Pid"/ { gsub(/ /, "", $2); print $2; exit }' "$USTATE/$C/state.json")
check_eq "the host sees the init run as the user" "$TUID $TUID $TUID $TUID" \
  "$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$PID/status")"
urun ps
check "ps (as the user) lists it" grep -q "${C:0:12}" "$OUT"
urun exec "$C" sh -c 'id -u; echo new >/root/new; head -n 1 /proc/meminfo'
check_eq "exec: root inside, writes, the daemon's meminfo" 0 "$RC"
check_eq "exec: id -u is 0" 0 "$(head -1 "$OUT")"
check "exec: /proc/meminfo is the daemon's (no limit: the host's total)" \
  test "$(awk '$1 == "MemTotal:" { print $2 }' "$OUT")" = "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
check_eq "the upper layer's file belongs to the user" "$TUID:$TGID" "$(stat -c %u:%g "$USTATE/$C/upper/root/new")"
check_eq "the lower rootfs is unchanged" "$LOWER_BEFORE" "$(lower_sum)"
urun inspect -f '{{.HostConfig.UsernsMode}} {{json .HostConfig.UidMap}} {{json .Cgroup.Paths}}' "$C"
check_eq "inspect: auto, the maps, no cgroup" "auto [\"0:$TUID:1\",\"1:$SUB:65535\"] []" "$(tr -d ' ' <"$OUT" | sed 's/auto/auto /; s/\]\[/] [/')"
# (This state dir's socket path is longer than a unix socket address: reached through a fd.)
urun inspect -f '{{.State.Sysinfo}}' "$C"
check_eq "sysinfo(2) is served by the user's monitor" served "$(cat "$OUT")"
urun exec "$C" sh -c 'uptime; cat /proc/uptime'
check_eq "exec: uptime (sysinfo) is the container's, as /proc/uptime (the daemon's)" \
  "$(awk 'NR == 2 { print int($1 / 60) }' "$OUT")" "$(sed -n '1s/.*up \([0-9]*\) min.*/\1/p' "$OUT")"
urun rm -f "$C"
check_eq "rm -f as the user" 0 "$RC"
check "its state is gone" test ! -e "$USTATE/$C"

# --- a delegated cgroup-v2 tree (the v2 guest) ----------------------------------------------
if cg_is_v2; then
  DEL=$PL_CG_ROOT/pltest-rl$$
  mkdir "$DEL" "$DEL/shell"
  on_exit "rmdir '$DEL/shell' '$DEL/proclens' '$DEL' 2>/dev/null"
  # As systemd's Delegate= does: the directories and their procs, subtree_control, threads.
  chown "$TUSER" "$DEL" "$DEL"/cgroup.{procs,subtree_control,threads} \
    "$DEL/shell" "$DEL"/shell/cgroup.{procs,subtree_control,threads}
  # proclens from inside the delegated tree: a subshell moves itself there and becomes the user
  # (setpriv execs, so no root process stays in the tree: enabling cpuset would be refused).
  durun() {
    (echo "$BASHPID" >"$DEL/shell/cgroup.procs" &&
      exec setpriv --reuid="$TUID" --regid="$TGID" --init-groups env -i PATH="$PATH" XDG_RUNTIME_DIR="$XDG" \
        ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} "$PROCLENS" "$@" >"$OUT" 2>"$ERR" </dev/null)
    RC=$?
  }
  durun run -d --lxcfs-dir "$MNT" -m 300m --pids-limit 50 "$ROOTFS" sleep 600
  D=$(cat "$OUT")
  check_eq "delegated: run -d -m 300m as the user" 0 "$RC"
  [ "$RC" = 0 ] || diag "$(cat "$ERR")"
  check_eq "its cgroup is under the delegated tree" "$DEL/proclens/$D" \
    "$(sed -n 's/.*"\(\/sys\/fs\/cgroup[^"]*\)".*/\1/p' "$USTATE/$D/state.json" | head -1)"
  check_eq "memory.max is applied" 314572800 "$(cat "$DEL/proclens/$D/memory.max" 2>/dev/null)"
  check_eq "pids.max is applied" 50 "$(cat "$DEL/proclens/$D/pids.max" 2>/dev/null)"
  durun exec "$D" head -n 1 /proc/meminfo
  check_eq "meminfo inside shows the limit" "MemTotal: 307200 kB" "$(tr -s ' ' <"$OUT")"
  durun exec "$D" free
  check_eq "free (sysinfo(2)) too" 307200 "$(awk '$1 == "Mem:" { print $2 }' "$OUT")"
  urun rm -f "$D"
  check "rm removes its cgroup" test ! -e "$DEL/proclens/$D"
else
  diag "no cgroup2 at $PL_CG_ROOT: the delegated case runs in the v2 guest (tests/vm)"
fi

check_eq "the lower rootfs is still unchanged" "$LOWER_BEFORE" "$(lower_sum)"
finish
