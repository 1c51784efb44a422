#!/bin/sh
# Runs inside the test guest (run-in-guest.sh): checks that the guest is the pure cgroup-v2
# machine the v2 suite relies on. TAP output; exits 0 when every check passed.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

cg=/sys/fs/cgroup
self=$(cat /proc/self/cgroup)
case $self in
  0::*) [ "$(printf '%s\n' "$self" | wc -l)" = 1 ] && ok "/proc/self/cgroup is one 0:: line" ||
    not_ok "/proc/self/cgroup is one 0:: line" "$self" ;;
  *) not_ok "/proc/self/cgroup is one 0:: line" "$self" ;;
esac
check "no cgroup v1 hierarchy is mounted" sh -c '! grep -q " cgroup " /proc/mounts'
check "cgroup2 is mounted at $cg" sh -c "grep -q ' $cg cgroup2 .*nsdelegate' /proc/mounts"
for c in memory cpu cpuset io pids; do
  check "root cgroup.controllers lists $c" grep -qw $c $cg/cgroup.controllers
  check "root cgroup.subtree_control enables $c" grep -qw $c $cg/cgroup.subtree_control
done
check "/dev/fuse exists" test -c /dev/fuse

# A child cgroup with limits, a process in it, and the memory limit enforced.
t=$cg/proclens-vm-selfcheck-$$
if mkdir $t && echo 16M >$t/memory.max && echo 0 >$t/memory.swap.max && echo 20 >$t/pids.max; then
  ok "create a cgroup with memory.max and pids.max"
  sh -c "echo \$\$ >$t/cgroup.procs && exec cat /proc/self/cgroup" >/tmp/selfcheck.cg 2>&1
  check "a process joins it" grep -qx "0::/${t#$cg/}" /tmp/selfcheck.cg
  sh -c "echo \$\$ >$t/cgroup.procs && head -c 64M /dev/zero >/dev/shm/selfcheck-big" 2>/dev/null
  rm -f /dev/shm/selfcheck-big
  check "memory.max is enforced (oom_kill in memory.events)" sh -c "grep -q '^oom_kill [1-9]' $t/memory.events"
  rmdir $t
else
  not_ok "create a cgroup with memory.max and pids.max"
fi

# A FUSE mount, with the project's daemon when it is built.
if [ -n "${PROCLENSD:-}" ] && [ -x "$PROCLENSD" ]; then
  m=$(mktemp -d)
  "$PROCLENSD" "$m" >/tmp/selfcheck.daemon 2>&1 &
  pid=$!
  i=0
  while [ $i -lt 100 ] && ! grep -q " $m fuse" /proc/mounts; do sleep 0.1; i=$((i + 1)); done
  check "proclensd mounts a FUSE file system" grep -q " $m fuse" /proc/mounts
  check "a file of the FUSE mount reads" grep -q '^MemTotal:' "$m/proc/meminfo"
  kill $pid
  wait $pid
  grep -q " $m fuse" /proc/mounts && umount "$m"
  rmdir "$m"
else
  n=$((n + 1))
  echo "ok $n # SKIP no PROCLENSD to mount a FUSE file system with"
fi

echo "1..$n"
exit $failed
