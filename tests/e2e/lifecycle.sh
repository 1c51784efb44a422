#!/usr/bin/env bash
# A detached container's life: run -d --name, ps, inspect, exec, logs, kill, stop, rm; name
# clashes, unknown containers, id prefixes.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon

TMP=$(pl_tmpdir)
OUT=$TMP/out ERR=$TMP/err
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }
NAME=life-$$
track "$NAME"

prun run -d --name "$NAME" --lxcfs-dir "$MNT" -m 300m --cpus 1 -h lifehost "$ROOTFS" \
  sh -c 'echo started; echo oops >&2; trap "echo got TERM; exit 7" TERM; while :; do sleep 0.1; done'
check_eq "run -d exits 0" 0 "$RC"
id=$(cat "$OUT")
check "and prints a 64-digit id" grep -qE '^[0-9a-f]{64}$' "$OUT"

prun run -d --name "$NAME" --lxcfs-dir "$MNT" "$ROOTFS" true
check_eq "a second container with the same name is refused (125)" 125 "$RC"
check "with a message naming the name" grep -q "$NAME" "$ERR"

prun ps
check "ps lists it" grep -q "^${id:0:12} .*$NAME" "$OUT"
prun ps -q
check "ps -q prints its short id" grep -qx "${id:0:12}" "$OUT"

pid=$("$PROCLENS" inspect --format '{{.State.Pid}}' "$NAME")
check "inspect --format '{{.State.Pid}}' is a live process" kill -0 "$pid"
check_eq "inspect by id prefix finds it" "$NAME" "$("$PROCLENS" inspect --format '{{.Name}}' "${id:0:8}")"
check_eq "State.Status is running" running "$("$PROCLENS" inspect --format '{{.State.Status}}' "$NAME")"
check "inspect prints JSON with the cgroup paths" sh -c "'$PROCLENS' inspect '$NAME' | grep -q '\"Paths\"'"
check_eq "its cgroup holds the container's pid" "$pid" \
  "$(cat "$(proclens_cgroups | grep -F "$id" | head -1)/cgroup.procs" | head -1)"

prun exec "$NAME" hostname
check_eq "exec sees the container's hostname" lifehost "$(cat "$OUT")"
prun exec "$NAME" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
check "exec sees the container's pid 1" grep -q 'trap' "$OUT"
prun exec "$NAME" awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo
check_eq "exec sees the container's memory limit" 307200 "$(cat "$OUT")"
prun exec "$NAME" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
check_eq "exec sees the container's cgroup limit in /sys/fs/cgroup" 314572800 "$(cat "$OUT")"
prun exec "$NAME" sh -c 'readlink /proc/1/ns/pid; readlink /proc/self/ns/pid'
check_eq "exec's process shares pid 1's pid namespace" 1 "$(sort -u "$OUT" | wc -l)"
prun exec -e X=y -w /tmp "$NAME" sh -c 'echo $X $(pwd)'
check_eq "exec -e and -w" "y /tmp" "$(cat "$OUT")"
prun exec "$NAME" sh -c 'exit 9'
check_eq "exec returns the command's status" 9 "$RC"
prun exec "$NAME" /no/such
check_eq "exec of a missing command exits 127" 127 "$RC"

for _ in $(seq 100); do "$PROCLENS" logs "$NAME" 2>/dev/null | grep -q oops && break; sleep 0.1; done
prun logs "$NAME"
check "logs shows stdout" grep -qx started "$OUT"
check "logs shows stderr" grep -qx oops "$OUT"

prun kill -s USR1 "$NAME"
check_eq "kill -s USR1 succeeds" 0 "$RC"
sleep 0.2
check_eq "USR1 without a handler kills nothing: pid 1 ignores it" running \
  "$("$PROCLENS" inspect --format '{{.State.Status}}' "$NAME")"

prun rm "$NAME"
check_eq "rm of a running container is refused" 1 "$RC"

prun stop -t 30 "$NAME"
check_eq "stop exits 0" 0 "$RC"
# 7 is the trap's status: SIGTERM reached pid 1 (a SIGKILL would show 137).
check_eq "stop used SIGTERM first; inspect shows the exit code" "exited 7" \
  "$("$PROCLENS" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$NAME")"
check "the trap's output is in the log" sh -c "'$PROCLENS' logs '$NAME' | grep -q 'got TERM'"
check "the process is gone" sh -c "! kill -0 $pid 2>/dev/null"
check_eq "the cgroup is gone once it stopped" "" "$(proclens_cgroups | grep -F "$id")"
prun ps
check "ps without -a hides it" sh -c "! grep -q '$NAME' '$OUT'"
prun ps -a
check "ps -a shows it exited" grep -q "$NAME.*Exited (7)" "$OUT"
prun exec "$NAME" true
check_eq "exec into a stopped container exits 125" 125 "$RC"

prun rm "$NAME"
check_eq "rm exits 0" 0 "$RC"
assert_gone "$id" "rm"

# A pid 1 without a TERM handler: stop waits, then SIGKILLs; exit 137.
prun run -d --name "$NAME-2" --lxcfs-dir "$MNT" "$ROOTFS" sleep 1000
track "$NAME-2"
id2=$(cat "$OUT")
start=$SECONDS
prun stop -t 1 "$NAME-2"
check_eq "stop of a TERM-ignoring pid 1 succeeds" 0 "$RC"
check_eq "it was killed: exit code 137" 137 "$("$PROCLENS" inspect --format '{{.State.ExitCode}}' "$NAME-2")"
prun rm "$NAME-2"
assert_gone "$id2" "rm after stop"

# rm -f of a running container; --rm with -d removes everything when the command ends.
prun run -d --name "$NAME-3" --lxcfs-dir "$MNT" "$ROOTFS" sleep 1000
id3=$(cat "$OUT")
prun rm -f "$NAME-3"
check_eq "rm -f of a running container succeeds" 0 "$RC"
assert_gone "$id3" "rm -f"
prun run -d --rm --lxcfs-dir "$MNT" "$ROOTFS" sleep 0.3
id4=$(cat "$OUT")
for _ in $(seq 300); do [ -e "$PL_STATE_ROOT/$id4" ] || break; sleep 0.1; done
assert_gone "$id4" "run -d --rm after the command ended"

# Unknown containers: a clear error, exit 1.
for verb in inspect logs stop kill rm; do
  prun "$verb" no-such-container-$$
  check_eq "$verb of an unknown container exits 1" 1 "$RC"
  check "$verb names it" grep -q "no such container: no-such-container-$$" "$ERR"
done
prun exec no-such-container-$$ true
check_eq "exec of an unknown container exits 125" 125 "$RC"
finish
