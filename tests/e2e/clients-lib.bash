# The client matrix of tests/e2e/clients.sh, shared with bench/clients.sh (which runs it
# against LXCFS too): the host's own clients (procps, busybox, coreutils, getconf, lscpu,
# htop, python3, node, java) inside one 300 MiB / 1-CPU container. Sourced after
# tests/lib/common.sh; not a test itself (no .sh).
# shellcheck shell=bash

CLIENTS_MEM=$((300 * 1024 * 1024))
CLIENTS_CMDS=(free top uptime vmstat ps nproc getconf lscpu htop tmux python3 node java busybox)

# clients_missing: the clients this host lacks, one a line (packaging/build-deps.sh installs them).
clients_missing() {
  local c
  for c in "${CLIENTS_CMDS[@]}"; do [ -x "/usr/bin/$c" ] || echo "$c"; done
  [ -L /bin ] || echo "a merged /usr (/bin -> usr/bin)"
}

# clients_rootfs DIR: a root of symlinks into /usr (bound read-only at run time, so every
# client comes with its libraries) and the few /etc files the clients read.
clients_rootfs() {
  local d=$1 l
  mkdir -p "$d"/{usr,etc,tmp,root,proc,sys,dev,run,out}
  for l in bin lib lib64 sbin; do [ -L "/$l" ] && ln -s "usr/$l" "$d/$l"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
  echo 'root:x:0:' >"$d/etc/group"
  chmod 1777 "$d/tmp"
  # java is /etc/alternatives/java, its jvm.cfg lives in /etc/java-17-openjdk.
  for l in alternatives java-17-openjdk ld.so.cache nsswitch.conf; do
    [ -e "/etc/$l" ] && cp -a "/etc/$l" "$d/etc/"
  done
  cat >"$d/clients-run.sh" <<'EOF'
#!/bin/sh
# Runs every client once; each writes /out/NAME. Uptimes are read by the client itself.
cd /out || exit 1
free -k >free-k; free -m >free-m
top -b -n 1 >top; top -b -n 1 -1 >top-1
uptime >uptime; uptime -s >uptime-s; date '+%F %T' >date; ps -o etimes= -p 1 >ps-etimes
vmstat >vmstat; vmstat -s >vmstat-s
busybox free >bb-free; busybox top -b -n 1 >bb-top; busybox uptime >bb-uptime
busybox nproc >bb-nproc; busybox nproc --all >bb-nproc-all
nproc >nproc; nproc --all >nproc-all
getconf -a >getconf; getconf PAGESIZE >pagesize
lscpu >lscpu
# htop needs a terminal: tmux gives it one and renders the screen as text.
export TMUX_TMPDIR=/tmp
tmux -f /dev/null new-session -d -x 120 -y 30 'htop -d 5'
# Until its header is drawn with a known uptime (slow guests take seconds); at most ~2 min.
i=0
while [ $i -lt 240 ]; do
  sleep 0.5
  tmux capture-pane -p >htop
  grep -q 'Mem\[.*/' htop && grep -q 'Uptime: [0-9]' htop && break
  i=$((i + 1))
done
tmux kill-server
python3 - >python <<'PY'
import multiprocessing, os, time
print("cpu_count", os.cpu_count())
print("affinity", len(os.sched_getaffinity(0)))
print("phys_bytes", os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
print("mp_cpu_count", multiprocessing.cpu_count())
with open("/proc/meminfo") as f:
    print("meminfo_total_kb", f.readline().split()[1])
print("boottime", int(time.clock_gettime(time.CLOCK_BOOTTIME)))
PY
node -e 'const os = require("os");
for (const [k, v] of Object.entries({ totalmem: os.totalmem(), freemem: os.freemem(),
  cpus: os.cpus().length, parallelism: os.availableParallelism(),
  uptime: Math.floor(os.uptime()), constrained: process.constrainedMemory() }))
  console.log(k, v);' >node
java -Xlog:gc+init -Xlog:os=debug -Xlog:os+container=trace -XshowSettings:system -version >java 2>&1
cat /proc/uptime >uptime-end
EOF
  chmod 0755 "$d/clients-run.sh"
}

# clients_run LXCFS_DIR ROOTFS OUTDIR [RUN_OPTIONS...]: runs the matrix in one container;
# status in RC, the launcher's stderr in OUTDIR/launcher.err.
clients_run() {
  local mnt=$1 root=$2 out=$3; shift 3
  mkdir -p "$out"
  awk '{ print int($1) }' /proc/uptime >"$out/host-uptime-before"
  "$PROCLENS" run --rm --lxcfs-dir "$mnt" -m 300m --cpus 1 --cpuset-cpus 0 -e TERM=xterm \
    -e PATH=/usr/bin:/usr/sbin -e HOME=/root -v /usr:/usr:ro -v "$out:/out" "$@" \
    "$root" /clients-run.sh >"$out/launcher.out" 2>"$out/launcher.err"
  RC=$?
  awk '{ print int($1) }' /proc/uptime >"$out/host-uptime-after"
}

# --- extracting a figure from a client's output ----------------------------------------------
_f() { [ -f "$CL_OUT/$1" ] && cat "$CL_OUT/$1"; }
# kv FILE KEY: the value of a "key value" line
_kv() { _f "$1" | awk -v k="$2" '$1 == k { print $2; exit }'; }
# A small uptime: at most the seconds the run took (plus one), the host's own uptime would
# exceed it (the container starts long after the host or guest booted).
_small_uptime() {
  local secs=$1 before after
  before=$(cat "$CL_OUT/host-uptime-before") after=$(cat "$CL_OUT/host-uptime-after")
  [ -n "$secs" ] && [ "$secs" -ge 0 ] 2>/dev/null && [ "$secs" -le $((after - before + 1)) ]
}
check_small_uptime() { # DESCRIPTION SECONDS
  if _small_uptime "$2"; then ok "$1"; else not_ok "$1"; diag "uptime '$2' s; the run took $(($(cat "$CL_OUT/host-uptime-after") - $(cat "$CL_OUT/host-uptime-before"))) s"; fi
}
_hms_secs() { awk -F: '{ print ($1 * 3600) + ($2 * 60) + $3 }'; }

# clients_checks OUTDIR: one TAP line per check, through check/check_eq/... of common.sh.
clients_checks() {
  CL_OUT=$1
  local mem_kb=$((CLIENTS_MEM / 1024)) page v

  check_eq "procps free -k: total 307200 kB" "$mem_kb" "$(_f free-k | awk '/^Mem:/ { print $2 }')"
  check_eq "procps free -m: total 300" 300 "$(_f free-m | awk '/^Mem:/ { print $2 }')"
  check_range "procps free -k: available within the total" 1 "$mem_kb" "$(_f free-k | awk '/^Mem:/ { print $7 }')"
  check_eq "procps top: MiB Mem 300.0 total" 300.0 "$(_f top | awk '/^MiB Mem/ { print $4 }')"
  check_eq "procps top -1: one %Cpu line" 1 "$(_f top-1 | grep -c '^%Cpu[0-9]')"
  check "procps uptime: up 0 min" grep -q 'up 0 min' "$CL_OUT/uptime"
  v=$(( $(date -d "$(_f date)" +%s 2>/dev/null || echo 0) - $(date -d "$(_f uptime-s)" +%s 2>/dev/null || echo 0) ))
  check_small_uptime "procps uptime -s: the container's start" "$v"
  check_small_uptime "procps ps: pid 1's elapsed time (etimes)" "$(_f ps-etimes | tr -d ' ')"
  check_range "procps vmstat: free within 300 MiB" 1 "$mem_kb" "$(_f vmstat | awk 'NR == 3 { print $4 }')"
  check_eq "procps vmstat -s: total memory 307200 K" "$mem_kb" "$(_f vmstat-s | awk '/K total memory/ { print $1 }')"

  check_eq "busybox free (sysinfo): total 307200" "$mem_kb" "$(_f bb-free | awk '/^Mem:/ { print $2 }')"
  check_eq "busybox top: used + free = 307200K" "$mem_kb" \
    "$(_f bb-top | awk '/^Mem:/ { u = $2; f = $4; sub(/K/, "", u); sub(/K/, "", f); print u + f; exit }')"
  check "busybox uptime (sysinfo): up 0 min" grep -q 'up 0 min' "$CL_OUT/bb-uptime"
  check_eq "busybox nproc: 1" 1 "$(_f bb-nproc)"
  check_eq "busybox nproc --all: 1" 1 "$(_f bb-nproc-all)"

  check_eq "coreutils nproc: 1" 1 "$(_f nproc)"
  check_eq "coreutils nproc --all: 1" 1 "$(_f nproc-all)"
  check_eq "getconf _NPROCESSORS_ONLN: 1" 1 "$(_kv getconf _NPROCESSORS_ONLN)"
  check_eq "getconf _NPROCESSORS_CONF: 1" 1 "$(_kv getconf _NPROCESSORS_CONF)"
  page=$(_f pagesize)
  check_eq "getconf _PHYS_PAGES: 300 MiB" "$CLIENTS_MEM" "$(( $(_kv getconf _PHYS_PAGES || echo 0) * ${page:-0} ))"

  check_eq "lscpu: CPU(s) 1" 1 "$(_f lscpu | awk -F: '$1 == "CPU(s)" { gsub(/ /, "", $2); print $2 }')"
  check_eq "lscpu: On-line CPU(s) list 0" 0 "$(_f lscpu | awk -F: '$1 == "On-line CPU(s) list" { gsub(/ /, "", $2); print $2 }')"
  check_eq "lscpu: NUMA node0 CPU(s) 0 (node's cpumap)" 0 "$(_f lscpu | awk -F: '$1 == "NUMA node0 CPU(s)" { gsub(/ /, "", $2); print $2 }')"

  # htop's header: "CPU[...]" for a single CPU ("0[", "1[" ... for several), "Mem[...used/total]".
  check_eq "htop: one CPU meter" "CPU" "$(_f htop | grep -oE '(^| )(CPU|[0-9]+)\[' | tr -d ' [' | sort -u | tr '\n' ' ' | sed 's/ $//')"
  check_eq "htop: Mem meter total 300M" 300M "$(_f htop | grep -oE 'Mem\[[^]]*\]' | head -n 1 | sed -E 's|.*/([0-9.]+[KMGT]?)\]$|\1|')"
  check_small_uptime "htop: Uptime" "$(_f htop | grep -oE 'Uptime: [0-9:]+' | head -n 1 | cut -d' ' -f2 | _hms_secs)"

  check_eq "python3 os.cpu_count(): 1" 1 "$(_kv python cpu_count)"
  check_eq "python3 os.sched_getaffinity(0): 1 CPU" 1 "$(_kv python affinity)"
  check_eq "python3 SC_PHYS_PAGES * SC_PAGE_SIZE: 300 MiB" "$CLIENTS_MEM" "$(_kv python phys_bytes)"
  check_eq "python3 multiprocessing.cpu_count(): 1" 1 "$(_kv python mp_cpu_count)"
  check_eq "python3 /proc/meminfo: MemTotal 307200 kB" "$mem_kb" "$(_kv python meminfo_total_kb)"
  check_small_uptime "python3 CLOCK_BOOTTIME: the container's uptime" "$(_kv python boottime)"

  check_eq "node os.totalmem(): 300 MiB" "$CLIENTS_MEM" "$(_kv node totalmem)"
  check_range "node os.freemem(): within os.totalmem()" 1 "$CLIENTS_MEM" "$(_kv node freemem)"
  check_eq "node os.cpus().length: 1" 1 "$(_kv node cpus)"
  check_eq "node os.availableParallelism(): 1" 1 "$(_kv node parallelism)"
  check_small_uptime "node os.uptime(): the container's" "$(_kv node uptime)"
  check_eq "node process.constrainedMemory() (cgroupfs): 300 MiB" "$CLIENTS_MEM" "$(_kv node constrained)"

  check_eq "java: active processor count 1" 1 "$(_f java | sed -n 's/.*Initial active processor count set to \([0-9]*\).*/\1/p')"
  check_eq "java gc+init: CPUs 1 total, 1 available" "1 total, 1 available" "$(_f java | sed -n 's/.*CPUs: \(.*\)$/\1/p')"
  check_eq "java gc+init: Memory 300M" 300M "$(_f java | sed -n 's/.*\] Memory: \(.*\)$/\1/p')"
  # The default heap is a share of the container's memory (the host's would give GiBs).
  v=$(_f java | sed -n 's/.*Heap Max Capacity: \([0-9]*\)M$/\1/p')
  check_range "java gc+init: Heap Max Capacity at most 150M" 1 150 "$v"
  check_eq "java -XshowSettings:system: Effective CPU Count 1" 1 "$(_f java | sed -n 's/.*Effective CPU Count: //p')"
  check_eq "java reads the cgroup's memory limit (300 MiB)" "$CLIENTS_MEM" \
    "$(_f java | sed -n 's/.*\] Memory Limit is: \([0-9]*\)$/\1/p' | head -n 1)"
}
