# Shared helpers for the shell test suites (integration, e2e). Sourced, not run.
# Output is TAP. Every cgroup and mount a test makes is registered and undone on exit.
# shellcheck shell=bash
set -u

PL_TEST_NAME=$(basename "${0%.sh}")
PL_PREFIX="proclens-test-$$"
PL_CG_ROOT=${PL_CG_ROOT:-/sys/fs/cgroup}
PROCLENSD=${PROCLENSD:-proclensd}
PROCLENS=${PROCLENS:-proclens}
_pl_n=0
_pl_failed=0
_pl_cleanups=()

# --- TAP ---------------------------------------------------------------------------------
ok() { _pl_n=$((_pl_n + 1)); echo "ok $_pl_n - $*"; }
not_ok() { _pl_n=$((_pl_n + 1)); _pl_failed=1; echo "not ok $_pl_n - $*"; }
diag() { printf '# %s\n' "$@"; }
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "expected: $2" "actual:   $3"; fi
}
# check_range DESCRIPTION LOW HIGH ACTUAL (integers, inclusive)
check_range() {
  if [ -n "$4" ] && [ "$4" -ge "$2" ] 2>/dev/null && [ "$4" -le "$3" ]; then ok "$1";
  else not_ok "$1"; diag "expected $2..$3, got '$4'"; fi
}

# Skips the whole file (exit 77, meson's "skipped"), or fails it when the environment
# promises everything is present (PROCLENS_REQUIRE_ALL=1, set by .ci/run).
skip_all() {
  if [ "${PROCLENS_REQUIRE_ALL:-0}" = 1 ]; then
    echo "Bail out! required but missing: $*"; exit 1
  fi
  echo "1..0 # SKIP $*"; exit 77
}
require_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }
require_fuse() { [ -c /dev/fuse ] || skip_all "needs /dev/fuse"; }
require_cmd() { command -v "$1" >/dev/null 2>&1 || skip_all "needs the command $1"; }

# --- cleanup -----------------------------------------------------------------------------
# on_exit CMD: run CMD (a string) at exit, last registered first.
on_exit() { _pl_cleanups+=("$1"); }
_pl_run_cleanups() {
  local i
  for ((i = ${#_pl_cleanups[@]} - 1; i >= 0; i--)); do eval "${_pl_cleanups[$i]}" >/dev/null 2>&1 || true; done
}
finish() {
  _pl_run_cleanups
  _pl_cleanups=()
  echo "1..$_pl_n"
  exit $_pl_failed
}
trap '_pl_run_cleanups; _pl_remove_tmpdirs' EXIT
trap 'exit 130' INT TERM

# --- cgroups -----------------------------------------------------------------------------
cg_is_v2() { [ -f "$PL_CG_ROOT/cgroup.controllers" ]; }
# The v1 hierarchies this host mounts among those proclens reads.
cg_v1_hierarchies() {
  local c
  for c in memory cpu cpuacct cpuset pids blkio; do [ -d "$PL_CG_ROOT/$c" ] && echo "$PL_CG_ROOT/$c"; done
}
# Directories (one per hierarchy) of the cgroup NAME (a path below our prefix).
cg_dirs() {
  if cg_is_v2; then echo "$PL_CG_ROOT/$PL_PREFIX/$1"; else
    local h; for h in $(cg_v1_hierarchies); do echo "$h/$PL_PREFIX/$1"; done
  fi
}
_cg_mkdir() { # DIR: creates it and prepares it to accept tasks
  local d=$1 parent
  parent=$(dirname "$d")
  [ -d "$parent" ] || _cg_mkdir "$parent"
  [ -d "$d" ] && return 0
  if cg_is_v2; then
    sed 's/\([a-z]\+\)/+\1/g' "$parent/cgroup.controllers" >"$parent/cgroup.subtree_control" 2>/dev/null || true
  fi
  mkdir "$d" || return 1
  on_exit "cg_rmdir '$d'"
  if [ -f "$d/cpuset.cpus" ] && ! cg_is_v2; then
    cat "$parent/cpuset.cpus" >"$d/cpuset.cpus"; cat "$parent/cpuset.mems" >"$d/cpuset.mems"
  fi
}
# Removes a cgroup after killing what is left in it.
cg_rmdir() {
  local d=$1 i
  [ -d "$d" ] || return 0
  for i in 1 2 3 4 5 6 7 8 9 10; do
    xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
    rmdir "$d" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# cg_create NAME: makes $PL_PREFIX/NAME in every hierarchy.
cg_create() { local d; for d in $(cg_dirs "$1"); do _cg_mkdir "$d" || return 1; done; }
# cg_set NAME V1FILE V2FILE VALUE: writes a limit in whichever version the host has.
cg_set() {
  local d
  if cg_is_v2; then echo "$4" >"$PL_CG_ROOT/$PL_PREFIX/$1/$3"; else
    for d in $(cg_dirs "$1"); do [ -f "$d/$2" ] && { echo "$4" >"$d/$2" || return 1; }; done
  fi
  return 0
}
cg_set_memory() { cg_set "$1" memory.limit_in_bytes memory.max "$2"; }
# cg_exec NAME CMD...: runs CMD inside the cgroup (the shell joins, then execs).
cg_exec() {
  local name=$1; shift
  local files=""; local d
  for d in $(cg_dirs "$name"); do files="$files $d/cgroup.procs"; done
  sh -c 'for f in $0; do echo $$ > "$f" || exit 125; done; exec "$@"' "$files" "$@"
}

# --- the daemon --------------------------------------------------------------------------
# daemon_start MOUNTPOINT [ARGS...]: starts proclensd, waits until it serves, registers the stop.
daemon_start() {
  local mnt=$1; shift
  mkdir -p "$mnt" 2>/dev/null # fails harmlessly on a stale mount, which proclensd clears
  # Its own state directory: the default (/run/proclensd) is the installed daemon's.
  "$PROCLENSD" --state-dir "$mnt.state" "$@" "$mnt" >"$mnt.log" 2>&1 &
  PL_DAEMON_PID=$!
  on_exit "daemon_stop '$mnt'"
  local i
  for i in $(seq 1 100); do
    # Reading (not stat, which cached attributes can answer) proves a live daemon serves:
    # a dead predecessor's mount fails with ENOTCONN until the new daemon replaces it.
    if grep -q " $mnt fuse" /proc/self/mounts && grep -qs MemTotal "$mnt/proc/meminfo"; then return 0; fi
    kill -0 "$PL_DAEMON_PID" 2>/dev/null || { diag "proclensd exited:"; sed 's/^/#   /' "$mnt.log"; return 1; }
    sleep 0.05
  done
  diag "proclensd did not mount $mnt in 5 s"; return 1
}
daemon_stop() {
  local mnt=$1
  [ -n "${PL_DAEMON_PID:-}" ] && kill -TERM "$PL_DAEMON_PID" 2>/dev/null && wait "$PL_DAEMON_PID" 2>/dev/null
  grep -q " $mnt fuse" /proc/self/mounts && umount -l "$mnt"
  rm -rf "$mnt.log" "$mnt.state"; rmdir "$mnt" 2>/dev/null
  return 0
}
# A fresh temporary directory, removed at exit. Callers use $(pl_tmpdir), a subshell whose
# on_exit would be lost, so the exit trap removes every /tmp/$PL_PREFIX-* instead.
pl_tmpdir() { mktemp -d "/tmp/$PL_PREFIX-XXXXXX"; }
_pl_remove_tmpdirs() { rm -rf --one-file-system /tmp/"$PL_PREFIX"-* 2>/dev/null; }

# meminfo_kb FILE KEY: the kB value of KEY in a meminfo-format file.
meminfo_kb() { awk -v k="$2:" '$1 == k { print $2 }' "$1"; }
