#!/usr/bin/env bash
# sysinfo(2) inside containers (issue 6): answered by the container's monitor from the same
# model as /proc/meminfo, /proc/uptime and /proc/loadavg. busybox free, a static probe
# calling sysinfo() directly (run and exec), a bad pointer, --no-sysinfo, a dead monitor,
# and many threads in several containers at once.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
e2e_require_daemon
# The probe is built beside the launcher (build/src/launcher/proclens -> build/tests/e2e/);
# the v2 guest passes only PROCLENS, hence the fallbacks.
PROBE=${SYSINFO_PROBE:-}
for p in "${PROCLENS_BUILD_ROOT:-/nonexistent}/tests/e2e/sysinfo_probe" \
  "$(dirname "$PROCLENS")/../../tests/e2e/sysinfo_probe"; do
  [ -n "$PROBE" ] || { [ -x "$p" ] && PROBE=$p; }
done
[ -x "$PROBE" ] || skip_all "the probe ($PROBE) is not built"

# Under AddressSanitizer (CI) freed memory sits in a quarantine, which would read as RSS
# growth in the monitor: turn the quarantine off for this script's launcher processes.
RSS_SLACK=2048
if grep -q __asan_init "$PROCLENS" 2>/dev/null; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
  RSS_SLACK=8192
fi

TMP=$(pl_tmpdir)
OUT=$TMP/out ERR=$TMP/err
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
cp "$PROBE" "$ROOTFS/bin/sysinfo_probe"
MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }
RUN=(run --lxcfs-dir "$MNT" -m 300m)
TOTAL=$((300 * 1024 * 1024))

# field NAME FILE: a "name value" line's value
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
# within A B TOL: |A - B| <= TOL
within() { local d=$(($1 - $2)); [ "${d#-}" -le "$3" ]; }
check_within() { # DESC A B TOL
  if within "$2" "$3" "$4"; then ok "$1"; else not_ok "$1"; diag "got $2, want $3 +- $4"; fi
}
# The container's /proc files right after the probe, in one shell (busybox cat uses
# sendfile, which the daemon's direct-I/O files do not serve: head reads them).
SNAPSHOT='sysinfo_probe; echo ---; head -n 40 /proc/meminfo; echo ---; head -n 1 /proc/uptime; head -n 1 /proc/loadavg'

# compare_probe LABEL FILE: every field of the probe against the /proc files after it
compare_probe() {
  local label=$1 f=$2
  awk '/^---$/ { n++; next } n == 0' "$f" >"$TMP/probe"
  awk '/^---$/ { n++; next } n == 1' "$f" >"$TMP/meminfo"
  awk '/^---$/ { n++; next } n == 2' "$f" >"$TMP/time"
  local tol=$((8 * 1024 * 1024))
  check_eq "$label: mem_unit 1" 1 "$(field mem_unit "$TMP/probe")"
  check_eq "$label: totalram = MemTotal = 300 MiB" "$TOTAL" "$(field totalram "$TMP/probe")"
  check_eq "$label: MemTotal agrees" "$TOTAL" "$(($(meminfo_kb "$TMP/meminfo" MemTotal) * 1024))"
  check_within "$label: freeram ~ MemFree" "$(field freeram "$TMP/probe")" \
    "$(($(meminfo_kb "$TMP/meminfo" MemFree) * 1024))" "$tol"
  check_within "$label: sharedram ~ Shmem" "$(field sharedram "$TMP/probe")" \
    "$(($(meminfo_kb "$TMP/meminfo" Shmem) * 1024))" "$tol"
  check_eq "$label: bufferram = Buffers" "$(($(meminfo_kb "$TMP/meminfo" Buffers) * 1024))" \
    "$(field bufferram "$TMP/probe")"
  check_eq "$label: totalswap = SwapTotal" "$(($(meminfo_kb "$TMP/meminfo" SwapTotal) * 1024))" \
    "$(field totalswap "$TMP/probe")"
  check_within "$label: freeswap ~ SwapFree" "$(field freeswap "$TMP/probe")" \
    "$(($(meminfo_kb "$TMP/meminfo" SwapFree) * 1024))" "$tol"
  local up; up=$(awk 'NR == 1 { split($1, a, "."); print a[1] }' "$TMP/time")
  check_within "$label: uptime ~ /proc/uptime (container's, small)" \
    "$(field uptime "$TMP/probe")" "$up" 3
  check_range "$label: uptime is the container's, not the host's" 0 600 "$(field uptime "$TMP/probe")"
  # loads: fixed point 1/65536; the daemon samples apart from the monitor, so allow 0.5.
  local i want
  for i in 0 1 2; do
    want=$(awk -v i=$((i + 1)) 'NR == 2 { split($i, a, "."); print a[1] * 65536 + int(a[2] * 65536 / 100) }' "$TMP/time")
    check_within "$label: load$i ~ /proc/loadavg" "$(field "load$i" "$TMP/probe")" "$want" 32768
  done
  local tasks; tasks=$(awk 'NR == 2 { split($4, a, "/"); print a[2] }' "$TMP/time")
  check_within "$label: procs ~ the container's tasks ($tasks)" "$(field procs "$TMP/probe")" "$tasks" 1
}

# --- the init's own filter (run) ------------------------------------------------------------
prun "${RUN[@]}" --rm "$ROOTFS" /bin/sh -c "$SNAPSHOT"
check_eq "run: probe and /proc files exit 0" 0 "$RC"
[ "$RC" = 0 ] || sed 's/^/#   /' "$ERR"
compare_probe "run" "$OUT"
prun "${RUN[@]}" --rm "$ROOTFS" /bin/sysinfo_probe badptr
check_eq "run: sysinfo((void *)1) fails with EFAULT" EFAULT "$(cat "$OUT")"
prun "${RUN[@]}" --rm "$ROOTFS" /bin/free
check_eq "run: busybox free shows 307200 kB total" 307200 "$(awk '/^Mem:/ { print $2 }' "$OUT")"
prun "${RUN[@]}" --rm --no-sysinfo "$ROOTFS" /bin/sysinfo_probe
host_total=$(($(meminfo_kb /proc/meminfo MemTotal) * 1024))
check_eq "--no-sysinfo: the host's total" "$host_total" "$(field totalram "$OUT")"

# --- a detached container: exec, free, allocation -------------------------------------------
prun "${RUN[@]}" -d "$ROOTFS" /bin/sleep 600
ID=$(cat "$OUT"); track "$ID"
check_eq "run -d starts" 0 "$RC"
prun inspect -f '{{.State.Sysinfo}}' "$ID"
check_eq "inspect: State.Sysinfo served" served "$(cat "$OUT")"
# The bind mounts made at start rendered the container views (their size); a read within
# one refresh interval (100 ms) still sees that render, which predates exec's tasks.
sleep 0.3
prun exec "$ID" /bin/sh -c "$SNAPSHOT"
check_eq "exec: probe exits 0" 0 "$RC"
compare_probe "exec" "$OUT"
prun exec "$ID" /bin/sysinfo_probe badptr
check_eq "exec: bad pointer gets EFAULT" EFAULT "$(cat "$OUT")"
prun exec --no-sysinfo "$ID" /bin/sysinfo_probe
check_eq "exec --no-sysinfo: the host's total" "$host_total" "$(field totalram "$OUT")"

prun exec "$ID" /bin/sh -c 'free; echo ---; head -n 2 /proc/meminfo'
check_eq "exec: free shows 307200 kB total" 307200 "$(awk '/^Mem:/ { print $2 }' "$OUT")"
free_kb=$(awk '/^Mem:/ { print $4 }' "$OUT")
check_within "free's free ~ MemFree (same container)" "$free_kb" "$(meminfo_kb "$OUT" MemFree)" 8192
used0=$(awk '/^Mem:/ { print $3 }' "$OUT")
# 100 MiB of anonymous memory held by a process in the container
"$PROCLENS" exec "$ID" /bin/sysinfo_probe hold 100 60 >"$TMP/hold" 2>&1 &
HOLD=$!
for _ in $(seq 1 300); do grep -q holding "$TMP/hold" && break; sleep 0.1; done
prun exec "$ID" /bin/sh -c 'free; echo ---; head -n 2 /proc/meminfo'
used1=$(awk '/^Mem:/ { print $3 }' "$OUT")
check_range "free: used grows by ~100 MiB when the container allocates ($used0 -> $used1 kB)" \
  $((used0 + 90 * 1024)) $((used0 + 140 * 1024)) "$used1"
check_within "free's free ~ MemFree while allocated" "$(awk '/^Mem:/ { print $4 }' "$OUT")" \
  "$(meminfo_kb "$OUT" MemFree)" 8192
kill "$HOLD" 2>/dev/null; wait "$HOLD" 2>/dev/null
# shellcheck disable=SC2016
"$PROCLENS" exec "$ID" /bin/sh -c 'kill $(pidof sysinfo_probe) 2>/dev/null'

# --- stress: many threads in 3 containers ----------------------------------------------------
IDS=("$ID")
prun "${RUN[@]}" -d "$ROOTFS" /bin/sleep 600
IDS+=("$(cat "$OUT")"); track "$(cat "$OUT")"
# The third one's init keeps calling sysinfo (through the init's own filter) for the last part.
prun "${RUN[@]}" -d "$ROOTFS" /bin/sh -c \
  'while :; do sysinfo_probe >/tmp/last.new 2>&1; mv /tmp/last.new /tmp/last; sleep 0.3; done'
IDS+=("$(cat "$OUT")"); track "$(cat "$OUT")"

monitor_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$("$PROCLENS" inspect -f '{{.State.MonitorPid}}' "$1")/status"; }
stress_round() { # SECONDS: 8 threads in each container; every answer must be right
  local i pids=()
  for i in 0 1 2; do
    timeout 120 "$PROCLENS" exec "${IDS[$i]}" /bin/sysinfo_probe stress 8 "$1" >"$TMP/stress$i" 2>&1 &
    pids+=($!)
  done
  local bad=0
  for i in 0 1 2; do wait "${pids[$i]}" || bad=1; done
  return $bad
}
stress_round 1 # warm-up: caches and the load sampler
rss0=$(monitor_rss "${IDS[0]}")
check "stress: all three finish in time" stress_round 5
for i in 0 1 2; do
  calls=$(awk '{ print $2 }' "$TMP/stress$i"); wrong=$(awk '{ print $4 }' "$TMP/stress$i")
  check "stress: container $i answered ($calls calls)" [ "${calls:-0}" -gt 0 ]
  check_eq "stress: container $i got no wrong answer" 0 "${wrong:-x}"
done
rss1=$(monitor_rss "${IDS[0]}")
check_range "stress: the monitor's RSS stays flat ($rss0 -> $rss1 kB)" 0 $((rss0 + RSS_SLACK)) "$rss1"

# --- the monitor dies: ENOSYS, never a hang; ps/inspect show it -----------------------------
MON=$("$PROCLENS" inspect -f '{{.State.MonitorPid}}' "${IDS[2]}")
kill -KILL "$MON"
for _ in $(seq 1 100); do kill -0 "$MON" 2>/dev/null || break; sleep 0.05; done
prun exec "${IDS[2]}" /bin/sysinfo_probe
check_eq "dead monitor: exec still runs" 0 "$RC"
prun inspect -f '{{.State.Sysinfo}}' "${IDS[2]}"
check_eq "dead monitor: inspect shows unavailable" unavailable "$(cat "$OUT")"
prun ps
check "dead monitor: ps marks it" grep -q "sysinfo unavailable" "$OUT"
# The init's processes lost their listener: the kernel answers ENOSYS, no hang.
sleep 2
prun exec "${IDS[2]}" /bin/head -n 1 /tmp/last
check_eq "dead monitor: the init's sysinfo calls fail with ENOSYS" \
  "error Function not implemented" "$(cat "$OUT")"
timeout 60 "$PROCLENS" rm -f "${IDS[2]}" >/dev/null 2>&1
finish
