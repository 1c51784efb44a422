#!/usr/bin/env bash
# The client matrix of tests/e2e/clients.sh (clients-lib.bash), run twice: in a container
# bound to proclensd's files, and in one bound to LXCFS's (started on its own temporary
# mountpoint, never /var/lib/lxcfs) with --no-sysinfo --no-time-ns, as LXCFS runs under other
# runtimes. Prints "check | proclens | LXCFS" and the totals. Not part of the test suite.
#
# usage: bench/clients.sh [-B BUILD_DIR]   (as root; default: the newest build*/ with both binaries)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(dirname "$HERE")
BUILD=""
while [ $# -gt 0 ]; do
  case $1 in
    -B) BUILD=$2; shift ;;
    -h | --help) sed -n '2,/^set -u/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "clients.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$BUILD" ]; then
  BUILD=$(ls -td "$SRC"/build*/ 2>/dev/null | while read -r d; do
    [ -x "$d/src/daemon/proclensd" ] && [ -x "$d/src/launcher/proclens" ] && { echo "$d"; break; }
  done)
fi
export PROCLENS=${BUILD%/}/src/launcher/proclens PROCLENSD=${BUILD%/}/src/daemon/proclensd
[ -x "$PROCLENS" ] && [ -x "$PROCLENSD" ] || { echo "clients.sh: no build (use -B)" >&2; exit 2; }
command -v lxcfs >/dev/null || { echo "clients.sh: needs lxcfs (apt-get install lxcfs)" >&2; exit 2; }

. "$SRC/tests/lib/common.sh"
. "$SRC/tests/e2e/e2e-lib.bash"
. "$SRC/tests/e2e/clients-lib.bash"
[ "$(id -u)" = 0 ] || { echo "clients.sh: must run as root" >&2; exit 2; }
missing=$(clients_missing | tr '\n' ' ')
[ -z "$missing" ] || { echo "clients.sh: needs $missing" >&2; exit 2; }

# The checks' TAP lines become one result per check name in RESULT[name].
declare -A RESULT SEEN
NAMES=()
record() { [ -n "${SEEN[$1]+x}" ] || { SEEN[$1]=1; NAMES+=("$1"); }; RESULT[$1]=$2; }
ok() { record "$*" ok; }
not_ok() { record "$*" FAIL; }
diag() { :; }

TMP=$(pl_tmpdir)
ROOTFS=$TMP/rootfs
clients_rootfs "$ROOTFS"

daemon_start "$TMP/proclensd" >/dev/null || { echo "clients.sh: proclensd did not start" >&2; exit 1; }
mkdir -p "$TMP/lxcfs"
lxcfs -f -p "$TMP/lxcfs.pid" "$TMP/lxcfs" >"$TMP/lxcfs.log" 2>&1 &
LXCFS_PID=$!
on_exit "kill -TERM $LXCFS_PID; wait $LXCFS_PID; grep -q ' $TMP/lxcfs fuse' /proc/self/mounts && umount -l '$TMP/lxcfs'"
for _ in $(seq 100); do grep -qs MemTotal "$TMP/lxcfs/proc/meminfo" && break; sleep 0.05; done
grep -qs MemTotal "$TMP/lxcfs/proc/meminfo" || { echo "clients.sh: lxcfs did not mount:" >&2; cat "$TMP/lxcfs.log" >&2; exit 1; }

declare -A COL
for target in proclens lxcfs; do
  if [ $target = proclens ]; then
    clients_run "$TMP/proclensd" "$ROOTFS" "$TMP/out-$target"
  else
    clients_run "$TMP/lxcfs" "$ROOTFS" "$TMP/out-$target" --no-sysinfo --no-time-ns
  fi
  [ "$RC" = 0 ] || { echo "clients.sh: the $target run failed ($RC):" >&2; cat "$TMP/out-$target/launcher.err" >&2; }
  RESULT=()
  clients_checks "$TMP/out-$target"
  for n in "${NAMES[@]}"; do COL[$target/$n]=${RESULT[$n]:-}; done
done

width=0
for n in "${NAMES[@]}"; do [ ${#n} -gt $width ] && width=${#n}; done
printf "| %-${width}s | proclens | LXCFS |\n" check
printf "|%s|---|---|\n" "$(printf -- '-%.0s' $(seq $((width + 2))))"
passed_p=0 passed_l=0
for n in "${NAMES[@]}"; do
  printf "| %-${width}s | %-8s | %-5s |\n" "$n" "${COL[proclens/$n]}" "${COL[lxcfs/$n]}"
  [ "${COL[proclens/$n]}" = ok ] && passed_p=$((passed_p + 1))
  [ "${COL[lxcfs/$n]}" = ok ] && passed_l=$((passed_l + 1))
done
echo
echo "proclens: $passed_p of ${#NAMES[@]} checks; LXCFS ($(lxcfs --version 2>&1 | head -n 1)): $passed_l of ${#NAMES[@]}"
echo "cgroups: $([ -e /sys/fs/cgroup/cgroup.controllers ] && echo v2 || echo v1/hybrid); kernel $(uname -r)"
