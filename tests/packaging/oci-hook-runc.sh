#!/usr/bin/env bash
# proclens-oci-hook for real: runc from Debian runs a busybox bundle with a memory limit and
# the hook in hooks.createRuntime and hooks.poststop; the hook registers the container, binds
# its container views (/proc/meminfo and procps free show the limit; /sys/devices/system/node
# is bound too), and poststop unregisters it. The fallbacks to the caller views, and that no
# failure leaves a registry entry behind, run the hook by hand against a process in its own
# mount namespace.
source "$(dirname "$0")/../lib/common.sh"
require_root
require_fuse
require_cmd runc
require_cmd busybox
require_cmd free
require_cmd python3
HOOK=${PROCLENS_OCI_HOOK:?the build sets PROCLENS_OCI_HOOK}

work=$(pl_tmpdir)
on_exit "rm -rf '$work'" # pl_tmpdir registers its cleanup in the $(...) subshell
mnt=$work/mnt
reg=$work/registry # the daemon's registry: the default is the installed daemon's
mkdir -m 0700 "$reg"
daemon_start "$mnt" --registry "$reg" || { not_ok "proclensd serves $mnt"; finish; }
ok "proclensd serves $mnt"

# --- the hook's own checks, without a container -------------------------------------------
out=$(echo 'not json' | "$HOOK" --mountpoint "$mnt" 2>&1); rc=$?
check "bad state on stdin: exit 1 and a message" test $rc = 1 -a -n "$out"
out=$(echo '{"ociVersion":"1.0.2","id":"x","pid":1,"bundle":"/nonexistent"}' | "$HOOK" 2>&1); rc=$?
check "a bundle without config.json: exit 1 naming it" \
  sh -c "[ $rc = 1 ] && echo '$out' | grep -q /nonexistent/config.json"

# --- the hooks.d entry for podman and CRI-O --------------------------------------------------
hooks_json=${PROCLENS_BUILD_ROOT:?}/packaging/proclens-oci-hook.json
check "hooks.d/proclens.json: createRuntime, always, the installed hook" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h["version"] == "1.0.0" and h["stages"] == ["createRuntime"] and h["when"] == {"always": True}
assert h["hook"]["path"].endswith("/proclens/proclens-oci-hook")
assert h["hook"]["args"] == ["proclens-oci-hook"]
' "$hooks_json"
check "hooks.d/proclens-poststop.json: poststop, always, the hook with \"poststop\"" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h["version"] == "1.0.0" and h["stages"] == ["poststop"] and h["when"] == {"always": True}
assert h["hook"]["path"].endswith("/proclens/proclens-oci-hook")
assert h["hook"]["args"] == ["proclens-oci-hook", "poststop"]
' "${hooks_json%.json}-poststop.json"
out=$("$HOOK" createContainer </dev/null 2>&1); rc=$?
check "an unknown mode: exit 2 naming it" sh -c "[ $rc = 2 ] && echo '$out' | grep -q createContainer"

# --- the bundle ----------------------------------------------------------------------------
bundle=$work/bundle
rootfs=$bundle/rootfs
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc,usr/bin}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"; done
rm -f "$rootfs/bin/free" # procps free, not busybox's
cp "$(command -v free)" "$rootfs/usr/bin/free"
for lib in $(ldd "$(command -v free)" | grep -o '/[^ ]*'); do
  mkdir -p "$rootfs$(dirname "$lib")"; cp -L "$lib" "$rootfs$lib"
done
(cd "$bundle" && runc spec)
limit=$((256 * 1024 * 1024))
cgpath=/$PL_PREFIX/oci
# The hook's arguments and the cgroup path go through python's json, not sed. procps free by
# its path: busybox sh (standalone shell) would run its own applet, which asks sysinfo(2).
# The output: meminfo, ---, free, ---, the container's mountinfo.
write_config() { # "" (no hook), "hook", or "hook+fail" (a second createRuntime hook fails)
  python3 - "$bundle/config.json" "$HOOK" "$mnt" "$reg" "$limit" "$cgpath" "$1" <<'PY'
import json, sys
path, hook, mnt, reg, limit, cgpath, mode = sys.argv[1:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "head -n 100 /proc/meminfo 2>&1; echo ---; /usr/bin/free -k 2>&1;"
                        " echo ---; cat /proc/self/mountinfo"]
c["root"] = {"path": "rootfs", "readonly": True}
c["linux"].setdefault("resources", {})["memory"] = {"limit": int(limit), "swap": int(limit)}
c["linux"]["cgroupsPath"] = cgpath
c.pop("hooks", None)
if mode:
    c["hooks"] = {
        "createRuntime": [{"path": hook, "args": ["proclens-oci-hook", "--mountpoint", mnt,
                                                  "--registry", reg, "--required"]}],
        "poststop": [{"path": hook, "args": ["proclens-oci-hook", "--registry", reg, "poststop"]}],
    }
    if mode == "hook+fail":
        c["hooks"]["createRuntime"].append({"path": "/bin/false"})
json.dump(c, open(path, "w"), indent=2)
PY
}
runc_root=$work/runc
# runc makes $cgpath in every hierarchy it finds (devices, freezer, name=systemd, unified…) and
# removes only the leaf; this runs last and removes what is left, parent included.
on_exit "for d in $PL_CG_ROOT/*/$PL_PREFIX $PL_CG_ROOT/$PL_PREFIX; do [ -d \"\$d\" ] || continue; rmdir \"\$d/oci\" 2>/dev/null; rmdir \"\$d\"; done"
on_exit "runc --root '$runc_root' delete -f proclens-test-$$ 2>/dev/null"
for d in $(cg_dirs oci); do on_exit "cg_rmdir '$d'"; done
run_container() {
  timeout 60 runc --root "$runc_root" run --bundle "$bundle" "proclens-test-$$" </dev/null 2>"$work/runc.err"
}

id=proclens-test-$$
write_config hook
if out=$(run_container); then ok "runc runs the bundle with the hook"; else
  not_ok "runc runs the bundle with the hook"; sed 's/^/# /' "$work/runc.err"; finish
fi

meminfo=$(awk '/^---$/ { exit } { print }' <<<"$out")
free_out=$(awk '/^---$/ { n++; next } n == 1' <<<"$out")
mountinfo=$(awk '/^---$/ { n++; next } n == 2' <<<"$out")
# A bind's root field is its source's path inside the file system it comes from: the views'
# own mount (on MOUNTPOINT/containers) shows /<id>/proc/meminfo.
bound_from() { awk -v t="$1" '$5 == t { print $4 }' <<<"$mountinfo"; }
check_eq "the container's /proc/meminfo is bound from its container view" "/$id/proc/meminfo" \
  "$(bound_from /proc/meminfo)"
check_eq "its /sys/devices/system/cpu too" "/$id/sys/devices/system/cpu" \
  "$(bound_from /sys/devices/system/cpu)"
if [ -d /sys/devices/system/node ]; then
  check_eq "its /sys/devices/system/node too" "/$id/sys/devices/system/node" \
    "$(bound_from /sys/devices/system/node)"
else
  ok "its /sys/devices/system/node too # SKIP the host has none"
fi
check "runc ran poststop: the registry entry is gone" test ! -e "$reg/$id"
check_eq "the container's /proc/meminfo shows its limit" "$((limit / 1024))" \
  "$(awk '$1 == "MemTotal:" { print $2 }' <<<"$meminfo")"
check_eq "procps free in the container shows its limit" "$((limit / 1024))" \
  "$(awk '$1 == "Mem:" { print $2 }' <<<"$free_out")"
used=$(awk '$1 == "Mem:" { print $3 }' <<<"$free_out")
check_range "free's used figure is the container's (< 64 MiB)" 0 65536 "$used"
host_total=$(meminfo_kb /proc/meminfo MemTotal)

write_config ""
out=$(run_container)
check_eq "without the hook, the container sees the host's MemTotal" "$host_total" \
  "$(awk '$1 == "MemTotal:" { print $2 }' <<<"$out")"

# A later createRuntime hook fails: runc tears the container down and runs poststop.
write_config hook+fail
run_container >/dev/null; rc=$?
check "a failing later hook fails the start" test "$rc" != 0
check "and leaves no registry entry" test ! -e "$reg/$id"

# --- the hook by hand: a "container" that is a process in its own mount namespace ----------
# Its root is a directory whose proc/meminfo is a plain file, bound over in its namespace
# only; the state names the process as a createRuntime state would (host pid, bundle).
fake=$work/fake
mkdir -p "$fake/rootfs/proc"
: >"$fake/rootfs/proc/meminfo"
printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"}}' >"$fake/config.json"
cg_create hand || { not_ok "cgroup"; finish; }
cg_set_memory hand $((128 * 1024 * 1024))
ready=$work/held
cg_exec hand unshare -m --propagation private sh -c 'echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec sleep 100000' _ "$ready" &
on_exit "kill -9 $!"
for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.1; done
holder=$(cat "$ready")
on_exit "kill -9 $holder"
state() { printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%d,"bundle":"%s"}' "$1" "$2" "$fake"; }
held_root() { awk -v t="$fake/rootfs/proc/meminfo" '$5 == t { r = $4 } END { print r }' "/proc/$holder/mountinfo"; }
unbind() { nsenter -t "$holder" -m umount "$fake/rootfs/proc/meminfo" 2>/dev/null; }

out=$(state 'bad+id' "$holder" | "$HOOK" --mountpoint "$mnt" --registry "$reg" 2>&1); rc=$?
check_eq "an id that is no registry name: exit 0" 0 "$rc"
check "it says so and that the caller views serve" grep -q "not a registry name.*caller views" <<<"$out"
check_eq "and binds the caller view" /proc/meminfo "$(held_root)"
check "nothing is registered" test -z "$(ls -A "$reg")"
unbind

other=$work/other-registry
out=$(state "$id-other" "$holder" | "$HOOK" --mountpoint "$mnt" --registry "$other" 2>&1); rc=$?
check_eq "a registry the daemon does not read: exit 0" 0 "$rc"
check "it says the daemon serves no view of it" grep -q "serves no view.*caller views" <<<"$out"
check_eq "and binds the caller view" /proc/meminfo "$(held_root)"
check "it unregistered again" test -z "$(ls -A "$other")"
unbind

out=$(state "$id-hand" "$holder" | "$HOOK" --mountpoint "$mnt" --registry "$reg" 2>&1); rc=$?
check_eq "a createRuntime state: exit 0" 0 "$rc"
check_eq "the process's cgroup and pid are registered" "cgroup=/$PL_PREFIX/hand pid=$holder" \
  "$(grep -E '^(cgroup|pid)=' "$reg/$id-hand" 2>&1 | tr '\n' ' ' | sed 's/ $//')"
check_eq "its container view is bound" "/$id-hand/proc/meminfo" "$(held_root)"
check_eq "and reads its limit" 131072 \
  "$(nsenter -t "$holder" -m awk '$1 == "MemTotal:" { print $2 }' "$fake/rootfs/proc/meminfo")"
printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"%s"}' "$id-hand" "$fake" |
  "$HOOK" --registry "$reg" poststop; rc=$?
check_eq "poststop (its state has no pid): exit 0" 0 "$rc"
check "poststop unregistered it" test ! -e "$reg/$id-hand"
unbind

# A failure after registering unregisters before the hook fails: in this process's mount
# namespace the daemon's mounts are unbindable, so the first bind fails (EINVAL).
ready2=$work/held2
cg_exec hand unshare -m --propagation private sh -c \
  'mount --make-runbindable "$2" && echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && exec sleep 100000' _ "$ready2" "$mnt" &
on_exit "kill -9 $!"
for _ in $(seq 100); do [ -s "$ready2" ] && break; sleep 0.1; done
holder2=$(cat "$ready2")
on_exit "kill -9 $holder2"
out=$(state "$id-fails" "$holder2" | "$HOOK" --mountpoint "$mnt" --registry "$reg" 2>&1); rc=$?
check_eq "a bind that fails after registering: exit 1" 1 "$rc"
check "it names the bind that failed" grep -q "bind $mnt/containers/$id-fails/.*Invalid argument" <<<"$out"
check "and no registry entry is left" test ! -e "$reg/$id-fails"
check "no bind leaked into the test's own mount namespace" sh -c "! grep -q ' $fake/' /proc/self/mounts"

# A daemon that is not serving: the hook lets the container start (and says why), unless
# --required, which fails the start.
state=$(printf '{"ociVersion":"1.0.2","id":"t","pid":%d,"bundle":"%s"}' $$ "$bundle")
out=$(echo "$state" | "$HOOK" --mountpoint "$work/nothing" 2>&1); rc=$?
check_eq "no daemon: exit 0" 0 "$rc"
check "no daemon: a message says so" grep -q 'not serving' <<<"$out"
echo "$state" | "$HOOK" --mountpoint "$work/nothing" --required 2>/dev/null; rc=$?
check_eq "no daemon with --required: exit 1" 1 "$rc"
finish
