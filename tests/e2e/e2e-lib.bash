# Helpers of the e2e suite (sourced after tests/lib/common.sh; not a test itself, hence not *.sh).
# shellcheck shell=bash

PL_BUSYBOX=${PL_BUSYBOX:-$(command -v busybox 2>/dev/null || echo /bin/busybox)}
PL_STATE_ROOT=/run/proclens

# Skips unless root, /dev/fuse, the launcher and a static busybox are present.
e2e_require() {
  require_root
  require_fuse
  [ -x "$PROCLENS" ] || skip_all "the launcher ($PROCLENS) is not built"
  [ -x "$PL_BUSYBOX" ] || skip_all "needs busybox (apt-get install busybox-static)"
  file -L "$PL_BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$PL_BUSYBOX" 2>&1 | grep -q 'not a dynamic' || skip_all "needs a static busybox (busybox-static)"
}
e2e_require_daemon() {
  [ -x "$PROCLENSD" ] || skip_all "the daemon ($PROCLENSD) is not built"
}

# make_busybox_rootfs DIR: a minimal root filesystem: busybox and its applets as relative links.
make_busybox_rootfs() {
  local d=$1 a
  mkdir -p "$d/bin" "$d/etc" "$d/tmp" "$d/root" "$d/proc" "$d/sys" "$d/dev"
  cp "$PL_BUSYBOX" "$d/bin/busybox"
  for a in $("$d/bin/busybox" --list); do [ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
  echo 'root:x:0:' >"$d/etc/group"
  chmod 1777 "$d/tmp"
}

# copy_with_libs ROOTFS BINARY...: copies dynamically linked binaries with every library they
# load (and the dynamic loader) to the same paths inside ROOTFS.
copy_with_libs() {
  local root=$1 f lib; shift
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"; cp -L "$f" "$root$f"
    for lib in $(ldd "$f" 2>/dev/null | grep -oE '/[^ ]+'); do
      [ -e "$root$lib" ] && continue
      mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
    done
  done
}

# track ID_OR_NAME: removed (rm -f) at exit. Registered when called, so it runs before the
# daemon stops and the temporary rootfs goes (on_exit runs the last registered first).
track() { on_exit "'$PROCLENS' rm -f '$1'"; }

# Every cgroup directory below a proclens parent, one a line.
proclens_cgroups() { find "$PL_CG_ROOT" -maxdepth 4 -type d -path '*/proclens/*' 2>/dev/null | sort; }
state_dirs() { find "$PL_STATE_ROOT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort; }
proclens_mounts() { grep -E '/run/proclens/|proclens/' /proc/self/mountinfo 2>/dev/null | sort; }

# snapshot / assert_unchanged DESCRIPTION: nothing new (state dir, cgroup, mount, process) since snapshot.
snapshot() {
  _snap_state=$(state_dirs); _snap_cg=$(proclens_cgroups); _snap_mnt=$(proclens_mounts)
}
assert_unchanged() {
  check_eq "$1: no state directory left" "$_snap_state" "$(state_dirs)"
  check_eq "$1: no cgroup left" "$_snap_cg" "$(proclens_cgroups)"
  check_eq "$1: no mount left" "$_snap_mnt" "$(proclens_mounts)"
}

# assert_unchanged_for DESCRIPTION ROOTFS: like assert_unchanged, but only for containers of
# ROOTFS, so that other tests' containers starting or going meanwhile (/run/proclens is shared)
# do not count. A new entry is ours when it still exists and its container's state dir names
# ROOTFS or is missing (run makes the state dir before the cgroup and removes it after).
_ours_since() {
  local line id
  comm -13 <(echo "$1") <(echo "$2") | while read -r line; do
    [ -n "$line" ] || continue
    id=$(grep -oE '[0-9a-f]{64}' <<<"$line" | head -n 1)
    case $line in /*) [ -e "$line" ] || continue ;; *) grep -qF "$line" /proc/self/mountinfo || continue ;; esac
    if [ -z "$id" ] || [ ! -e "$PL_STATE_ROOT/$id" ] || grep -qF "$3" "$PL_STATE_ROOT/$id/state.json" 2>/dev/null; then
      echo "$line"
    fi
  done
}
assert_unchanged_for() {
  check_eq "$1: no state directory left" "" "$(_ours_since "$_snap_state" "$(state_dirs)" "$2")"
  check_eq "$1: no cgroup left" "" "$(_ours_since "$_snap_cg" "$(proclens_cgroups)" "$2")"
  check_eq "$1: no mount left" "" "$(_ours_since "$_snap_mnt" "$(proclens_mounts)" "$2")"
}

# assert_gone DESCRIPTION ID: the container's state dir and cgroups are gone.
assert_gone() {
  local id=$1
  check "$2: state directory removed" test ! -e "$PL_STATE_ROOT/$id"
  check_eq "$2: cgroups removed" "" "$(proclens_cgroups | grep -F "$id")"
  check_eq "$2: no mount mentions it" "" "$(grep -F "$id" /proc/self/mountinfo)"
}

# Runs proclens; stdout to $OUT, stderr to $ERR, status in $RC.
prun() { "$PROCLENS" "$@" >"$OUT" 2>"$ERR"; RC=$?; }

# served FILE: whether the daemon mounted at $MNT serves FILE (e.g. proc/uptime).
served() { [ -e "$MNT/$1" ]; }
# skip_one DESCRIPTION REASON: a TAP skip of one check (a failure under PROCLENS_REQUIRE_ALL=1).
skip_one() {
  if [ "${PROCLENS_REQUIRE_ALL:-0}" = 1 ]; then not_ok "$1 (required, but $2)"; return; fi
  _pl_n=$((_pl_n + 1)); echo "ok $_pl_n - $1 # SKIP $2"
}
