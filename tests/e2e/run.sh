#!/usr/bin/env bash
# proclens run, attached, as a user would: a busybox rootfs with limits, the daemon's files
# bound over /proc, the command as pid 1, docker's exit statuses.
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
LIMITS=(--rm --lxcfs-dir "$MNT" -m 300m --cpus 1 --cpuset-cpus 0)

prun run "${LIMITS[@]}" "$ROOTFS" cat /proc/meminfo
check_eq "cat /proc/meminfo exits 0" 0 "$RC"
check_eq "MemTotal is the 300m limit" 307200 "$(meminfo_kb "$OUT" MemTotal)"
free_kb=$(meminfo_kb "$OUT" MemFree)
check_range "MemFree is below the limit" 1 307200 "$free_kb"

prun run "${LIMITS[@]}" "$ROOTFS" cat /proc/1/status
check_eq "the command is pid 1 (Name: cat)" "cat" "$(awk '$1 == "Name:" { print $2 }' "$OUT")"
check_eq "and its pid is 1" "1" "$(awk '$1 == "Pid:" { print $2 }' "$OUT")"

prun run "${LIMITS[@]}" -h box1 "$ROOTFS" hostname
check_eq "hostname is the one given with -h" "box1" "$(cat "$OUT")"
prun run "${LIMITS[@]}" "$ROOTFS" hostname
check_eq "default hostname: the id's first 12 digits" 12 "$(tr -d '\n' <"$OUT" | wc -c)"

prun run "${LIMITS[@]}" "$ROOTFS" nproc
check_eq "nproc is 1 with --cpuset-cpus 0" 1 "$(cat "$OUT")"

if served proc/uptime; then
  prun run "${LIMITS[@]}" "$ROOTFS" cat /proc/uptime
  up=$(cut -d. -f1 "$OUT")
  check_range "/proc/uptime is the container's (seconds since its start)" 0 30 "$up"
else
  skip_one "/proc/uptime is the container's" "the daemon does not serve proc/uptime"
fi
if served sys/devices/system/cpu/online; then
  prun run "${LIMITS[@]}" "$ROOTFS" cat /sys/devices/system/cpu/online
  check_eq "sys/devices/system/cpu/online shows one CPU" "0" "$(cat "$OUT")"
  prun run "${LIMITS[@]}" "$ROOTFS" ls /sys/devices/system/cpu
  check_eq "sys/devices/system/cpu lists one cpuN/ (the daemon's directory is bound)" cpu0 \
    "$(grep -E '^cpu[0-9]+$' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
else
  skip_one "cpu/online shows one CPU" "the daemon does not serve sys/devices/system/cpu/online"
fi

# busybox uptime takes its figures from sysinfo(2), which a later issue intercepts: only run it.
prun run "${LIMITS[@]}" "$ROOTFS" uptime
check_eq "busybox uptime runs" 0 "$RC"

prun run "${LIMITS[@]}" "$ROOTFS" top -b -n 1
check_eq "busybox top -b -n 1 exits 0" 0 "$RC"
used=$(awk '/^Mem:/ { sub("K","",$2); print $2 }' "$OUT")
free=$(awk '/^Mem:/ { sub("K","",$4); print $4 }' "$OUT")
check_eq "busybox top's Mem used + free is the 300m limit" 307200 "$((used + free))"
check "busybox top lists the command as pid 1" grep -qE '^ +1 .*top -b -n 1' "$OUT"

# Exit statuses, as docker's.
prun run --rm --lxcfs-dir "$MNT" "$ROOTFS" sh -c 'exit 42'
check_eq "the command's exit status is run's" 42 "$RC"
prun run --rm --lxcfs-dir "$MNT" "$ROOTFS" /no/such/command
check_eq "a missing command exits 127" 127 "$RC"
check "and says what was not found" grep -q '/no/such/command' "$ERR"
prun run --rm --lxcfs-dir "$MNT" "$ROOTFS" /etc/passwd
check_eq "a command that is not executable exits 126" 126 "$RC"
prun run --rm --init --lxcfs-dir "$MNT" "$ROOTFS" sh -c 'kill -KILL $$'
check_eq "a command killed by a signal (under --init): 128 + signal" 137 "$RC"
prun run --rm --init --lxcfs-dir "$MNT" "$ROOTFS" sh -c 'echo $$; sh -c "exit 0" & sleep 0.2; cat /proc/1/status'
check_eq "under --init the command is pid 2" 2 "$(head -1 "$OUT")"
check "and pid 1 is proclens's init" grep -q '^Name:.*proclens' "$OUT"
prun run --rm --lxcfs-dir "$MNT" --bogus "$ROOTFS" true
check_eq "a bad option exits 125" 125 "$RC"

# Signals sent to run reach the container's pid 1.
"$PROCLENS" run --rm --lxcfs-dir "$MNT" "$ROOTFS" sh -c 'trap "exit 12" TERM; echo ready; while :; do sleep 0.1; done' >"$OUT" 2>"$ERR" &
runner=$!
for _ in $(seq 50); do grep -q ready "$OUT" && break; sleep 0.1; done
kill -TERM "$runner"; wait "$runner"; RC=$?
check_eq "SIGTERM to run is forwarded to the container (its trap exits 12)" 12 "$RC"

# stdin: closed without -i, passed with -i; environment, workdir, user, volumes.
check_eq "without -i stdin is empty" "" "$(echo hi | "$PROCLENS" run --rm --lxcfs-dir "$MNT" "$ROOTFS" cat)"
check_eq "with -i stdin reaches the command" "hi" "$(echo hi | "$PROCLENS" run --rm -i --lxcfs-dir "$MNT" "$ROOTFS" cat)"
prun run --rm --lxcfs-dir "$MNT" -e FOO=bar -w /work -u 1000:1000 "$ROOTFS" sh -c 'echo $FOO $(pwd) $(id -u):$(id -g)'
check_eq "-e, -w and -u apply" "bar /work 1000:1000" "$(cat "$OUT")"
mkdir -p "$TMP/vol" && echo content >"$TMP/vol/file"
prun run --rm --lxcfs-dir "$MNT" -v "$TMP/vol:/data:ro" "$ROOTFS" sh -c 'cat /data/file; touch /data/new'
check "a volume is visible" grep -q content "$OUT"
check "a :ro volume cannot be written" test ! -e "$TMP/vol/new"

# --rm leaves nothing; without it the container stays (exited) until rm.
prun run --lxcfs-dir "$MNT" --name "keep-$$" "$ROOTFS" sh -c 'exit 3'
track "keep-$$"
id=$("$PROCLENS" inspect --format '{{.Id}}' "keep-$$")
check_eq "an exited container stays, with its exit code" "exited 3" \
  "$("$PROCLENS" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "keep-$$")"
check "and its cgroup is gone already" test -z "$(proclens_cgroups | grep -F "$id")"
prun rm "keep-$$"
check_eq "rm removes it" 0 "$RC"
assert_gone "$id" "after rm"
finish
