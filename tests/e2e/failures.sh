#!/usr/bin/env bash
# Every failure of run leaves nothing behind: no state directory, cgroup, mount or process;
# the error names the step and the path.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require

TMP=$(pl_tmpdir)
OUT=$TMP/out ERR=$TMP/err
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
procs() { pgrep -f "$ROOTFS" | sort; }
PROCS_BEFORE=$(procs)

# fails DESCRIPTION EXPECTED_STATUS ERROR_REGEX ARGS...: run fails as expected and cleans up.
fails() {
  local d=$1 want=$2 re=$3; shift 3
  snapshot
  prun run "$@"
  check_eq "$d: exit status $want" "$want" "$RC"
  if ! grep -Eq -- "$re" "$ERR"; then not_ok "$d: the error matches /$re/"; diag "stderr: $(cat "$ERR")"
  else ok "$d: the error matches /$re/"; fi
  assert_unchanged_for "$d" "$TMP"
  check_eq "$d: no process left" "$PROCS_BEFORE" "$(procs)"
}

fails "missing rootfs" 125 "rootfs $TMP/nope: No such file" --no-lxcfs "$TMP/nope" true
touch "$TMP/file"
fails "rootfs is a file" 125 "rootfs $TMP/file: Not a directory" --no-lxcfs "$TMP/file" true
fails "no ROOTFS at all" 125 "missing ROOTFS" --no-lxcfs
fails "bad option" 125 "Unknown option" --no-lxcfs --bogus "$ROOTFS" true
fails "bad size" 125 "invalid size '12q'" --no-lxcfs -m 12q "$ROOTFS" true
fails "bad --cpus" 125 "invalid --cpus" --no-lxcfs --cpus abc "$ROOTFS" true
fails "bad volume" 125 "invalid volume" --no-lxcfs -v relative:/x "$ROOTFS" true
fails "bad network" 125 "invalid --network" --no-lxcfs --network bridge "$ROOTFS" true
fails "nothing mounted at --lxcfs-dir" 125 "nothing is mounted at $TMP/nolxcfs.*--no-lxcfs" \
  --lxcfs-dir "$TMP/nolxcfs" "$ROOTFS" true
fails "a CPU the kernel refuses" 125 "cpuset.cpus" --no-lxcfs --cpuset-cpus 1000 "$ROOTFS" true
fails "a memory limit below the minimum" 125 "minimum is 6m" --no-lxcfs -m 1k "$ROOTFS" true
fails "a swap limit below the memory limit" 125 "at least --memory" --no-lxcfs -m 10m --memory-swap 8m "$ROOTFS" true
fails "missing volume source" 125 "volume source $TMP/novol: No such file" \
  --no-lxcfs -v "$TMP/novol:/x" "$ROOTFS" true
fails "command not found" 127 "exec /no/such: No such file" --no-lxcfs "$ROOTFS" /no/such
fails "command not executable" 126 "exec /etc/passwd: Permission denied" --no-lxcfs "$ROOTFS" /etc/passwd
fails "not found without --rm either" 127 "No such file" --no-lxcfs --name "fail-$$" "$ROOTFS" /no/such
fails "detached: command not found" 127 "No such file" --no-lxcfs -d "$ROOTFS" /no/such
fails "detached: bad cpuset" 125 "cpuset.cpus" --no-lxcfs -d --cpuset-cpus 1000 "$ROOTFS" true
mkdir -p "$TMP/a,b"
fails "rootfs path with a comma" 125 "overlayfs cannot take" --no-lxcfs "$TMP/a,b" true

# Symlinks in the rootfs are resolved inside it: nothing is ever created through them on the host.
EVIL=$TMP/evil
make_busybox_rootfs "$EVIL"
mkdir -p "$TMP/escape"
rm -rf "${EVIL:?}/etc" && ln -s "$TMP/escape" "$EVIL/etc"
fails "an absolute /etc symlink pointing nowhere inside" 125 "etc is a symlink to nothing inside" \
  --no-lxcfs "$EVIL" true
check_eq "nothing was created through it on the host" "" "$(ls -A "$TMP/escape")"

# A name clash leaves the first container alone and creates nothing.
prun run -d --no-lxcfs --name "clash-$$" "$ROOTFS" sleep 100
track "clash-$$"
PROCS_BEFORE=$(procs)
fails "name clash" 125 "already in use" --no-lxcfs --name "clash-$$" "$ROOTFS" true
check_eq "the first container still runs" running "$("$PROCLENS" inspect -f '{{.State.Status}}' "clash-$$")"
"$PROCLENS" rm -f "clash-$$" >/dev/null
PROCS_BEFORE=$(procs)

# --rm after a normal exit and after a kill leaves nothing either.
snapshot
prun run --rm --no-lxcfs "$ROOTFS" sh -c 'echo x >/y'
assert_unchanged_for "--rm after exit" "$TMP"
snapshot
"$PROCLENS" run --rm --no-lxcfs --name "killed-$$" "$ROOTFS" sleep 100 >"$OUT" 2>"$ERR" &
runner=$!
for _ in $(seq 300); do [ "$("$PROCLENS" inspect -f '{{.State.Status}}' "killed-$$" 2>/dev/null)" = running ] && break; sleep 0.1; done
"$PROCLENS" kill "killed-$$" >/dev/null
wait "$runner"; RC=$?
check_eq "--rm container killed with SIGKILL: run exits 137" 137 "$RC"
assert_unchanged_for "--rm after kill" "$TMP"
# The shared parent goes with the last container (when no other container exists on the host).
if [ -z "$(state_dirs)" ]; then
  check_eq "no proclens cgroup parent is left" "" \
    "$(find "$PL_CG_ROOT" -maxdepth 2 -name proclens 2>/dev/null)"
fi
finish
