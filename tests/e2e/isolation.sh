#!/usr/bin/env bash
# What a container cannot see or touch: host processes, the lower rootfs, the host's hostname
# and network; its memory limit is enforced (and an OOM kill is reported by inspect).
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
RUN=(run --rm --lxcfs-dir "$MNT")

# Host processes are invisible.
sleep 1000 &
marker=$!
on_exit "kill $marker"
prun "${RUN[@]}" "$ROOTFS" ls /proc
check_eq "the container sees only its own process (pid 1, ls)" 1 "$(grep -E '^[0-9]+$' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
prun "${RUN[@]}" "$ROOTFS" sh -c 'kill -0 '"$marker"' 2>/dev/null && echo visible || echo invisible'
check_eq "nor signal the host's" invisible "$(cat "$OUT")"

# The lower rootfs is never written; rm discards the container's changes.
before=$(cd "$ROOTFS" && find . | sort | md5sum)
prun "${RUN[@]}" "$ROOTFS" sh -c 'echo x >/newfile && rm /bin/ls && echo y >>/etc/passwd && echo done'
check_eq "writes inside succeed (in the overlay)" done "$(cat "$OUT")"
check_eq "the lower rootfs is unchanged" "$before" "$(cd "$ROOTFS" && find . | sort | md5sum)"
check "its /etc/passwd too" sh -c "! grep -q '^y' '$ROOTFS/etc/passwd'"
prun "${RUN[@]}" "$ROOTFS" sh -c 'test -e /newfile && echo leaked || echo fresh'
check_eq "the next container starts from the rootfs again" fresh "$(cat "$OUT")"

# Own hostname; the host's stays.
host_before=$(hostname)
prun "${RUN[@]}" -h inner "$ROOTFS" sh -c 'hostname changed; hostname; cat /etc/hostname'
check_eq "own hostname (and /etc/hostname)" "changed inner" "$(tr '\n' ' ' <"$OUT" | sed 's/ $//')"
check_eq "the host's hostname is untouched" "$host_before" "$(hostname)"

# --network none: loopback only, and up.
prun "${RUN[@]}" "$ROOTFS" sh -c 'ls /sys/class/net | tr "\n" " "; cat /sys/class/net/lo/operstate'
check "--network none: only lo" grep -q '^lo $' <(head -1 "$OUT" | sed 's/unknown$//')
check "lo is up" grep -Eq 'unknown|up' "$OUT"
prun "${RUN[@]}" --network host "$ROOTFS" ls /sys/class/net
check "--network host sees the host's interfaces" test "$(wc -l <"$OUT")" -eq "$(ls /sys/class/net | wc -l)"

# /sys is read-only, /proc/sys too.
prun "${RUN[@]}" "$ROOTFS" sh -c 'echo 1 >/proc/sys/kernel/panic 2>/dev/null && echo written || echo refused'
check_eq "/proc/sys is read-only" refused "$(cat "$OUT")"
prun "${RUN[@]}" "$ROOTFS" sh -c 'touch /sys/x 2>/dev/null && echo written || echo refused'
check_eq "/sys is read-only" refused "$(cat "$OUT")"

# The cgroup namespace: the container's own cgroup looks like the root.
prun "${RUN[@]}" "$ROOTFS" cat /proc/self/cgroup
check "the container sees its cgroup as /" sh -c "! grep -v ':/\$' '$OUT' | grep -q ."

# --pids-limit is enforced.
prun "${RUN[@]}" --pids-limit 5 "$ROOTFS" sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; echo done'
check "--pids-limit 5: the 6th task cannot be forked" grep -q "can't fork" "$ERR"
prun "${RUN[@]}" --pids-limit 20 "$ROOTFS" sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; echo done'
check_eq "--pids-limit 20: 8 tasks are fine" done "$(cat "$OUT")"

# The memory limit is enforced: allocating beyond it is OOM-killed and inspect reports it.
NAME=oom-$$
track "$NAME"
prun run --name "$NAME" --lxcfs-dir "$MNT" -m 64m --memory-swap 64m "$ROOTFS" \
  sh -c 'head -c 300m /dev/zero | tail -c 200m >/dev/null; echo status $?'
check "the allocation above the limit was killed (SIGKILL)" grep -q 'status 137' "$OUT"
check_eq "inspect reports OOMKilled" true "$("$PROCLENS" inspect --format '{{.State.OOMKilled}}' "$NAME")"
prun run --name "$NAME-ok" --lxcfs-dir "$MNT" -m 64m "$ROOTFS" sh -c 'head -c 10m /dev/zero | tail -c 5m >/dev/null'
track "$NAME-ok"
check_eq "an allocation below the limit is not killed" 0 "$RC"
check_eq "and inspect reports no OOM kill" false "$("$PROCLENS" inspect --format '{{.State.OOMKilled}}' "$NAME-ok")"
finish
