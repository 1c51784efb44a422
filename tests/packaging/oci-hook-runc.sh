#!/usr/bin/env bash
# proclens-oci-hook for real: runc from Debian runs a busybox bundle with a memory limit and
# the hook in hooks.createContainer; inside, /proc/meminfo and procps free show the limit.
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
daemon_start "$mnt" || { not_ok "proclensd serves $mnt"; finish; }
ok "proclensd serves $mnt"

# --- the hook's own checks, without a container -------------------------------------------
out=$(echo 'not json' | "$HOOK" --mountpoint "$mnt" 2>&1); rc=$?
check "bad state on stdin: exit 1 and a message" test $rc = 1 -a -n "$out"
out=$(echo '{"ociVersion":"1.0.2","id":"x","pid":1,"bundle":"/nonexistent"}' | "$HOOK" 2>&1); rc=$?
check "a bundle without config.json: exit 1 naming it" \
  sh -c "[ $rc = 1 ] && echo '$out' | grep -q /nonexistent/config.json"

# --- the hooks.d entry for podman and CRI-O --------------------------------------------------
hooks_json=${PROCLENS_BUILD_ROOT:?}/packaging/proclens-oci-hook.json
check "hooks.d/proclens.json: createContainer, always, the installed hook" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
assert h["version"] == "1.0.0" and h["stages"] == ["createContainer"] and h["when"] == {"always": True}
assert h["hook"]["path"].endswith("/proclens/proclens-oci-hook")
' "$hooks_json"

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
write_config() { # ARGS AS JSON ARRAY, or "" for no hook
  python3 - "$bundle/config.json" "$HOOK" "$mnt" "$limit" "$cgpath" "$1" <<'PY'
import json, sys
path, hook, mnt, limit, cgpath, with_hook = sys.argv[1:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "head -n 100 /proc/meminfo 2>&1; echo ---; /usr/bin/free -k 2>&1"]
c["root"] = {"path": "rootfs", "readonly": True}
c["linux"].setdefault("resources", {})["memory"] = {"limit": int(limit), "swap": int(limit)}
c["linux"]["cgroupsPath"] = cgpath
c.pop("hooks", None)
if with_hook:
    c["hooks"] = {"createContainer": [{"path": hook, "args": ["proclens-oci-hook", "--mountpoint", mnt, "--required"]}]}
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

write_config yes
if out=$(run_container); then ok "runc runs the bundle with the hook"; else
  not_ok "runc runs the bundle with the hook"; sed 's/^/# /' "$work/runc.err"; finish
fi

meminfo=$(sed -n '1,/^---$/p' <<<"$out")
free_out=$(sed -n '/^---$/,$p' <<<"$out")
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

# A daemon that is not serving: the hook lets the container start (and says why), unless
# --required, which fails the start.
state=$(printf '{"ociVersion":"1.0.2","id":"t","pid":%d,"bundle":"%s"}' $$ "$bundle")
out=$(echo "$state" | "$HOOK" --mountpoint "$work/nothing" 2>&1); rc=$?
check_eq "no daemon: exit 0" 0 "$rc"
check "no daemon: a message says so" grep -q 'not serving' <<<"$out"
echo "$state" | "$HOOK" --mountpoint "$work/nothing" --required 2>/dev/null; rc=$?
check_eq "no daemon with --required: exit 1" 1 "$rc"
finish
