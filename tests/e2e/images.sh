#!/usr/bin/env bash
# proclens image import / ls / inspect / rm / prune and `proclens run NAME[:TAG]` (issue 10), on
# OCI layouts and a docker save tarball built here by hand (tar, sha256sum, JSON): three layers
# on a busybox base, with a deleted file and an opaque directory in an upper layer.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/e2e-lib.bash"
require_root
[ -x "$PROCLENS" ] || skip_all "the launcher ($PROCLENS) is not built"
[ -x "$PL_BUSYBOX" ] || skip_all "needs busybox (apt-get install busybox-static)"

# Layers and the store must sit where overlayfs takes them as lowers and trusted.* xattrs work
# (in the v2 guest / is an overlay itself; /var/tmp is ext4 there).
TMP=$(mktemp -d /var/tmp/pl-images-XXXXXX)
on_exit "rm -rf '$TMP'"
OUT=$TMP/out ERR=$TMP/err
export PROCLENS_IMAGE_ROOT=$TMP/store
LAYERS=$PROCLENS_IMAGE_ROOT/layers

# blob DIR FILE: moves FILE into DIR/blobs/sha256/<digest>; prints the digest's hex.
blob() {
  local h; h=$(sha256sum "$2" | cut -d' ' -f1)
  mkdir -p "$1/blobs/sha256"; mv "$2" "$1/blobs/sha256/$h"; echo "$h"
}
size() { stat -c %s "$1"; }
# layout DIR CONFIG_JSON "HEX:MEDIATYPE"...: writes an OCI layout of one image.
layout() {
  local dir=$1 config=$2 l hex mt layers="" sep="" c m
  shift 2
  for l in "$@"; do
    hex=${l%%:*} mt=${l#*:}
    layers+="$sep{\"mediaType\":\"$mt\",\"digest\":\"sha256:$hex\",\"size\":$(size "$dir/blobs/sha256/$hex")}"
    sep=,
  done
  printf '%s' "$config" >"$TMP/cfg.json"; c=$(blob "$dir" "$TMP/cfg.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$c" "$(size "$dir/blobs/sha256/$c")" "$layers" >"$TMP/man.json"
  m=$(blob "$dir" "$TMP/man.json")
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$m" "$(size "$dir/blobs/sha256/$m")" >"$dir/index.json"
}
store_listing() { (cd "$PROCLENS_IMAGE_ROOT" 2>/dev/null && find layers images tmp -maxdepth 1 | sort); }
layers_sum() { (cd "$LAYERS" && find . -printf '%p %y %m %U:%G %s\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum; }

# --- the layer trees ---------------------------------------------------------------------------
B=$TMP/src/base; make_busybox_rootfs "$B"
mkdir -p "$B/data" "$B/opq"; echo base >"$B/etc/motd"; echo keep >"$B/data/keep"
echo a >"$B/opq/a"; echo b >"$B/opq/b"
U=$TMP/src/upper; mkdir -p "$U/etc" "$U/opq" "$U/app"
touch "$U/etc/.wh.motd" "$U/opq/.wh..wh..opq"; echo new >"$U/opq/new"; echo v2 >"$U/app/hello.txt"
T=$TMP/src/top; mkdir -p "$T/etc"; echo hi >"$T/etc/greeting"
O=$TMP/src/other; mkdir -p "$O/etc"; echo other >"$O/etc/other"
for d in base upper top other; do
  tar --numeric-owner -C "$TMP/src/$d" -cf "$TMP/$d.tar" .
  gzip -n -c "$TMP/$d.tar" >"$TMP/$d.tar.gz"
done
diff_id() { sha256sum "$TMP/$1.tar" | cut -d' ' -f1; }

A=$TMP/oci-a; mkdir -p "$A"
l1=$(cp "$TMP/base.tar.gz" "$TMP/x" && blob "$A" "$TMP/x")
l2=$(cp "$TMP/upper.tar.gz" "$TMP/x" && blob "$A" "$TMP/x")
l3=$(cp "$TMP/top.tar" "$TMP/x" && blob "$A" "$TMP/x")
CFG_A='{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo default-cmd"],"Env":["PATH=/bin","FOO=image","BAR=image"],"WorkingDir":"/app"},"rootfs":{"type":"layers","diff_ids":["sha256:'$(diff_id base)'","sha256:'$(diff_id upper)'","sha256:'$(diff_id top)'"]}}'
layout "$A" "$CFG_A" "$l1:application/vnd.oci.image.layer.v1.tar+gzip" \
  "$l2:application/vnd.oci.image.layer.v1.tar+gzip" "$l3:application/vnd.oci.image.layer.v1.tar"

Bl=$TMP/oci-b; mkdir -p "$Bl"
cp "$TMP/base.tar.gz" "$TMP/x"; blob "$Bl" "$TMP/x" >/dev/null
l4=$(cp "$TMP/other.tar.gz" "$TMP/x" && blob "$Bl" "$TMP/x")
layout "$Bl" '{"config":{"Cmd":["/bin/cat","/etc/other"]},"rootfs":{"type":"layers","diff_ids":[]}}' \
  "$l1:application/vnd.oci.image.layer.v1.tar+gzip" "$l4:application/vnd.oci.image.layer.v1.tar+gzip"
tar -C "$Bl" -cf "$TMP/oci-b.tar" .

# --- import, ls, inspect -------------------------------------------------------------------------
prun image import "$A" a:1
check_eq "import of an OCI layout directory exits 0" 0 "$RC"
[ "$RC" = 0 ] || diag "$(cat "$ERR")"
check "it prints the image id" grep -qE '^[0-9a-f]{64}$' "$OUT"
check "one directory per layer, named by digest" test -d "$LAYERS/$l1" -a -d "$LAYERS/$l2" -a -d "$LAYERS/$l3"
check "a .wh. file became a 0:0 char device" test -c "$LAYERS/$l2/etc/motd"
check_eq "an opaque dir got trusted.overlay.opaque=y" y \
  "$(getfattr --only-values -n trusted.overlay.opaque "$LAYERS/$l2/opq" 2>/dev/null || python3 -c 'import os,sys; print(os.getxattr(sys.argv[1],"trusted.overlay.opaque").decode())' "$LAYERS/$l2/opq")"
check "no .wh. names are left in the layer" test -z "$(find "$LAYERS/$l2" -name '.wh.*')"
prun image ls
check "image ls lists a:1" grep -qE '^a +1 ' "$OUT"
prun image inspect a:1
check "image inspect shows the entrypoint" grep -q '"/bin/sh"' "$OUT"
check_eq "image inspect lists 3 layers" 3 "$(grep -c "$LAYERS/" "$OUT")"

# --- run: merged view and config -----------------------------------------------------------------
prun run --rm --no-lxcfs a:1
check_eq "run a:1: Entrypoint + Cmd" default-cmd "$(cat "$OUT")"
prun run --rm --no-lxcfs -e BAR=cli a:1 'echo $FOO $BAR $(pwd)'
check_eq "a COMMAND replaces Cmd, Entrypoint kept; -e over the image Env; WorkingDir" "image cli /app" "$(cat "$OUT")"
prun run --rm --no-lxcfs -w /tmp a:1 'pwd'
check_eq "-w overrides WorkingDir" /tmp "$(cat "$OUT")"
prun run --rm --no-lxcfs a:1 'test -e /etc/motd && echo motd; ls /opq; cat /data/keep /etc/greeting /app/hello.txt'
check_eq "merged view: deleted file gone, opaque dir shows only the upper, lower files kept" \
  "new keep hi v2" "$(tr '\n' ' ' <"$OUT" | sed 's/ $//')"

# --- layers are never modified by a container ----------------------------------------------------
before=$(layers_sum)
prun run --no-lxcfs --name pl-images-writer a:1 'rm -f /etc/greeting /bin/ls; echo x >/data/keep; rm -rf /opq; touch /new'
check_eq "a container writing over every layer exits 0" 0 "$RC"
track pl-images-writer
check_eq "the layer directories are unchanged" "$before" "$(layers_sum)"

# --- rm/prune while a container uses the image ---------------------------------------------------
prun image rm a:1
check "image rm refuses an image a container uses" test "$RC" != 0
check "... naming the container" grep -q pl-images-writer "$ERR"
"$PROCLENS" rm pl-images-writer >/dev/null 2>&1

# --- sharing: a second image on the same base (as a tar of a layout) ------------------------------
prun image import "$TMP/oci-b.tar" b
check_eq "import of an OCI layout tar exits 0" 0 "$RC"
check_eq "the base layer is shared: 4 layer dirs for 5 layer references" 4 "$(find "$LAYERS" -mindepth 1 -maxdepth 1 | wc -l)"
prun run --rm --no-lxcfs b
check_eq "run b (latest): its own top layer" other "$(cat "$OUT")"

# --- docker save tarball -------------------------------------------------------------------------
D=$TMP/dsave; mkdir -p "$D"
for d in base upper top; do mkdir -p "$D/$d"; cp "$TMP/$d.tar" "$D/$d/layer.tar"; done
printf '%s' "$CFG_A" >"$TMP/dcfg"; dc=$(sha256sum "$TMP/dcfg" | cut -d' ' -f1); mv "$TMP/dcfg" "$D/$dc.json"
printf '[{"Config":"%s.json","RepoTags":["dsave:1"],"Layers":["base/layer.tar","upper/layer.tar","top/layer.tar"]}]' "$dc" >"$D/manifest.json"
tar -C "$D" -cf "$TMP/dsave.tar" .
prun image import "$TMP/dsave.tar"
check_eq "import of a docker save tarball exits 0" 0 "$RC"
[ "$RC" = 0 ] || diag "$(cat "$ERR")"
prun run --rm --no-lxcfs dsave:1 'ls /opq; cat /etc/greeting; test -e /etc/motd || echo nomotd'
check_eq "docker save image: RepoTags name it; merged view" "new hi nomotd" "$(tr '\n' ' ' <"$OUT" | sed 's/ $//')"

# --- refusals leave the store as it was ----------------------------------------------------------
refused() { # DESCRIPTION PATTERN SOURCE
  local snap; snap=$(store_listing)
  prun image import "$3" bad:1
  check "$1 is refused" test "$RC" != 0
  check "$1: the message says why" grep -qiE "$2" "$ERR"
  [ "$RC" != 0 ] && grep -qiE "$2" "$ERR" || diag "$(cat "$ERR")"
  check_eq "$1: nothing left in the store" "$snap" "$(store_listing)"
}
C=$TMP/oci-corrupt; cp -a "$A" "$C"; chmod u+w "$C/blobs/sha256/$l2"
printf 'X' | dd of="$C/blobs/sha256/$l2" bs=1 seek=100 conv=notrunc status=none
rm -rf "${LAYERS:?}/$l2"   # not in the store, so the corrupt layer would be unpacked
cp -a "$A" "$TMP/oci-a2"   # (the store's records still name it; prune below)
refused "a layer whose digest does not match" "digest mismatch" "$C"
mkdir -p "$TMP/evil"; echo pwned >"$TMP/evil/f"
tar -C "$TMP/evil" -cPf "$TMP/evil.tar" --transform 's,^\./,../../,' ./f
refused "a tar with ../ entries" "'\.\.' component" "$TMP/evil.tar"
head -c 20000 "$TMP/base.tar.gz" >"$TMP/truncated.tar.gz"
refused "a truncated gzip" "truncated" "$TMP/truncated.tar.gz"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1}]}' "$l1" >"$C/index.json"
refused "a manifest descriptor pointing at a layer blob (size/media mismatch)" "size|media|json" "$C"

# --- rm and prune ---------------------------------------------------------------------------------
prun image import "$A" a:1
prun image rm a:1
check_eq "image rm a:1 exits 0" 0 "$RC"
check "the shared base layer stays (b uses it)" test -d "$LAYERS/$l1"
prun image rm b dsave:1
check_eq "image rm of the others exits 0" 0 "$RC"
"$PROCLENS" image prune >/dev/null 2>&1
check_eq "no layer is left once no image uses them" "" "$(find "$LAYERS" -mindepth 1 -maxdepth 1)"
check_eq "no image record is left" "" "$(find "$PROCLENS_IMAGE_ROOT/images" -mindepth 1)"
prun image import --help
check "image import --help" grep -q "OCI image layout" "$OUT"
finish
