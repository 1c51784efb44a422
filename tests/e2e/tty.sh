#!/usr/bin/env bash
# -t: a real pty inside the container (its own devpts), window size and exit status passed on,
# for run and exec. script(1) plays the user's terminal.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
e2e_require
require_cmd script

TMP=$(pl_tmpdir)
ROOTFS=$TMP/rootfs
make_busybox_rootfs "$ROOTFS"
OUT=$TMP/out

# in_terminal COMMAND: runs COMMAND (a string) on a fresh pty of 33 rows and 91 columns.
in_terminal() { timeout 20 script -qec "stty rows 33 cols 91; $1" /dev/null </dev/null >"$OUT" 2>&1; RC=$?; }

in_terminal "'$PROCLENS' run --rm -t --no-lxcfs '$ROOTFS' sh -c 'tty; stty size; echo \$TERM; exit 4'"
check_eq "run -t: the command's status" 4 "$RC"
check "run -t: stdin is a pty of the container's own devpts" grep -q '^/dev/pts/0' "$OUT"
check "run -t: the window size is passed on" grep -q '^33 91' "$OUT"
check "run -t: TERM is set" grep -q '^xterm' "$OUT"

# -it: what the user types reaches the shell; ^D ends it.
printf 'echo typed-$((6*7))\nexit 3\n' >"$TMP/input"
timeout 20 script -qec "'$PROCLENS' run --rm -it --no-lxcfs '$ROOTFS' sh" /dev/null <"$TMP/input" >"$OUT" 2>&1; RC=$?
check_eq "run -it: the shell's exit status" 3 "$RC"
check "run -it: typed input reached the shell" grep -q 'typed-42' "$OUT"

NAME=tty-$$
track "$NAME"
"$PROCLENS" run -d --name "$NAME" --no-lxcfs "$ROOTFS" sleep 1000 >/dev/null
in_terminal "'$PROCLENS' exec -t '$NAME' sh -c 'tty; stty size; exit 5'"
check_eq "exec -t: the command's status" 5 "$RC"
check "exec -t: a pty of the container's devpts" grep -q '^/dev/pts/[0-9]' "$OUT"
check "exec -t: the window size is passed on" grep -q '^33 91' "$OUT"
"$PROCLENS" rm -f "$NAME" >/dev/null
finish
