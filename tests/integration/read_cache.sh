#!/usr/bin/env bash
# What proclensd keeps between requests never outlives what it describes: the cgroup files
# it keeps open (a cgroup removed and created again under the same name shows its new
# limits; idle ones are closed) and the caller's cgroup (a pid reused by a process in another cgroup sees that
# cgroup's figures, not the first owner's).
. "$(dirname "$0")/../lib/common.sh"
require_root; require_fuse

MNT=$(pl_tmpdir)/mnt
daemon_start "$MNT" || { not_ok "daemon starts"; finish; }
ok "daemon starts and serves $MNT"
M=$MNT/proc/meminfo
MiB=1048576

# The shell joins the cgroup and reads the first line itself (no child process), so the
# FUSE request carries the pid it prints: "PID MemTotal: N kB". It is the only process
# forked (the cgroup.procs files are found beforehand), which the pid reuse below needs.
procs_files() { local d f=""; for d in $(cg_dirs "$1"); do f="$f $d/cgroup.procs"; done; echo "$f"; }
first_line_in() { # PROCS-FILES FILE
  sh -c 'for f in $0; do echo $$ >"$f" || exit 125; done; read -r l <"$1"; echo "$$ $l"' "$1" "$2"
}
first_line_as() { first_line_in "$(procs_files "$1")" "$2"; }
memtotal_kb() { awk '{print $3}' <<<"$1"; }

cg_create re && cg_set_memory re $((300 * MiB)) || { not_ok "create a 300 MiB cgroup"; finish; }
out=$(first_line_as re "$M")
check_eq "MemTotal is the first limit" 307200 "$(memtotal_kb "$out")"
out=$(first_line_as re "$M")
check_eq "read again (through the kept files): the same" 307200 "$(memtotal_kb "$out")"

for d in $(cg_dirs re); do cg_rmdir "$d"; done
check "the cgroup is gone" test ! -d "$(cg_dirs re | head -1)"
cg_create re && cg_set_memory re $((200 * MiB)) || { not_ok "create it again with 200 MiB"; finish; }
out=$(first_line_as re "$M")
check_eq "re-created with another limit: the new limit" 204800 "$(memtotal_kb "$out")"

# The CPU files too: a quota of one CPU, then the same name without a quota.
ncpu=$(nproc --all)
if [ "$ncpu" -ge 2 ] && cg_create q && cg_set q cpu.cfs_quota_us cpu.max 100000 2>/dev/null; then
  check_eq "quota of one CPU: online is 0" 0 "$(cg_exec q cat "$MNT/sys/devices/system/cpu/online")"
  for d in $(cg_dirs q); do cg_rmdir "$d"; done
  cg_create q
  check_eq "re-created without a quota: every CPU online" "0-$((ncpu - 1))" \
    "$(cg_exec q cat "$MNT/sys/devices/system/cpu/online")"
else
  ok "# SKIP needs 2 CPUs and the cpu controller"
  ok "# SKIP needs 2 CPUs and the cpu controller"
fi

# Pid reuse: the pid of a reader in cgroup a, given to a new reader in cgroup b
# (ns_last_pid makes the next fork take it; other processes may take it first: retry).
cg_create a && cg_set_memory a $((100 * MiB)) && cg_create b && cg_set_memory b $((150 * MiB)) ||
  { not_ok "create cgroups a and b"; finish; }
T=$(pl_tmpdir)
files_a=$(procs_files a)
files_b=$(procs_files b)
reused=""
for try in $(seq 1 30); do
  first_line_in "$files_a" "$M" >"$T/a"
  read -r pid _ <"$T/a"
  [ "$(memtotal_kb "$(cat "$T/a")")" = 102400 ] || break
  echo $((pid - 1)) >/proc/sys/kernel/ns_last_pid
  first_line_in "$files_b" "$M" >"$T/b"
  read -r pid_b _ <"$T/b"
  if [ "$pid_b" = "$pid" ]; then reused=$pid; break; fi
done
check_eq "a reader in a sees a's limit" 102400 "$(memtotal_kb "$(cat "$T/a")")"
if [ -n "$reused" ]; then
  diag "pid $reused reused after $try attempt(s)"
  check_eq "its pid reused in b sees b's limit" 153600 "$(memtotal_kb "$(cat "$T/b")")"
else
  not_ok "pid reuse: the pid was never handed out again in 30 attempts"
fi

# Kept files of removed cgroups are closed once idle (10 s, checked as often), even with no
# further reads: an open file keeps a removed cgroup in the kernel.
kept_of() { ls -l "/proc/$PL_DAEMON_PID/fd" 2>/dev/null | grep -c "/$PL_PREFIX/$1/" || true; }
check "the daemon keeps files of cgroup a open" test "$(kept_of a)" -gt 0
for d in $(cg_dirs a) $(cg_dirs b) $(cg_dirs re); do cg_rmdir "$d"; done
for i in $(seq 1 30); do [ "$(kept_of '[abr]e\?')" = 0 ] && break; sleep 1; done
check_eq "idle files of the removed cgroups closed without another read" 0 "$(kept_of '[abr]e\?')"
finish
