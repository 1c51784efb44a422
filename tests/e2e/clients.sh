#!/usr/bin/env bash
# The client matrix: procps, busybox, coreutils, getconf, lscpu, htop, python3, node and the
# JVM — the host's own, from a read-only /usr — inside one 300 MiB / 1-CPU container report
# 300 MiB, one CPU and the container's uptime (checks in clients-lib.bash; bench/clients.sh
# runs the same matrix against LXCFS).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
. "$(dirname "$0")/clients-lib.bash"
e2e_require
e2e_require_daemon
missing=$(clients_missing | tr '\n' ' ')
[ -z "$missing" ] || skip_all "needs ${missing}(packaging/build-deps.sh installs them)"

TMP=$(pl_tmpdir)
ROOTFS=$TMP/rootfs
clients_rootfs "$ROOTFS"
MNT=$TMP/lxcfs
daemon_start "$MNT" || { not_ok "proclensd starts"; finish; }

clients_run "$MNT" "$ROOTFS" "$TMP/out"
check_eq "the container runs every client (exit 0)" 0 "$RC"
[ "$RC" = 0 ] || sed 's/^/# /' "$TMP/out/launcher.err" | head -n 20
clients_checks "$TMP/out"
finish
