#!/bin/bash
# Prepares what tests/vm/run-in-guest.sh boots: installs QEMU and busybox-static on the host if
# missing, fetches Debian's kernel package (never installed: unpacked into a cache), extracts an
# uncompressed vmlinux for QEMU's fast PVH entry, and builds a small busybox initramfs holding the
# modules the guest needs to mount its root. Idempotent; the cache is keyed by kernel package and
# version, so a second run only checks the package index.
#
# usage: prepare.sh [--no-install] [--print-dir]
#   --no-install  do not apt-get install host packages; fail if they are missing
#   --print-dir   print the prepared kernel directory on stdout when done
# environment:
#   PROCLENS_VM_CACHE       cache directory (default /var/cache/proclens-vm)
#   PROCLENS_VM_KERNEL_PKG  kernel package to use (default: what linux-image-amd64 depends on)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${PROCLENS_VM_CACHE:-/var/cache/proclens-vm}
# The guest's root is host / over 9p under an overlay, so these must be in the initramfs;
# everything else loads on demand from the full module tree shared at /lib/modules.
INITRD_MODULES=(virtio_pci 9pnet_virtio 9p overlay fuse)
HOST_PACKAGES=(qemu-system-x86 busybox-static xz-utils)

install=1
print_dir=0
while [ $# -gt 0 ]; do
  case $1 in
    --no-install) install=0 ;;
    --print-dir) print_dir=1 ;;
    -h | --help) sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "prepare: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "prepare: $*" >&2; }
die() { echo "prepare: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

package_installed() {
  [ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

apt_updated=0
apt_update_once() {
  [ $apt_updated = 1 ] && return 0
  apt_updated=1
  log "apt-get update"
  apt-get update -qq >&2
}

install_host_packages() {
  local missing=() p
  for p in "${HOST_PACKAGES[@]}"; do package_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  [ $install = 1 ] || die "missing host packages: ${missing[*]} (run without --no-install, as root)"
  is_root || die "missing host packages: ${missing[*]}; installing them needs root"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    apt_update_once
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
      die "apt-get install ${missing[*]} failed"
  fi
}

# The versioned image package the linux-image-amd64 meta package points at.
resolve_kernel_package() {
  if [ -n "${PROCLENS_VM_KERNEL_PKG:-}" ]; then echo "$PROCLENS_VM_KERNEL_PKG"; return; fi
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

candidate_version() {
  apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }'
}

# Writes the uncompressed ELF kernel inside bzImage $1 to $2: the payload is the first
# compressed stream whose decompression starts with the ELF magic.
extract_vmlinux() {
  local in=$1 out=$2 magic tool off
  for magic in 'xz:\xfd\x37\x7a\x58\x5a\x00' 'gzip:\x1f\x8b\x08' 'zstd:\x28\xb5\x2f\xfd'; do
    tool=${magic%%:*}
    command -v "$tool" >/dev/null 2>&1 || continue
    for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$in" | cut -d: -f1); do
      # Trailing bytes after the stream make the decompressor complain; the output is complete.
      tail -c "+$((off + 1))" "$in" | "$tool" -dc >"$out" 2>/dev/null || true
      if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then return 0; fi
    done
  done
  rm -f "$out"
  return 1
}

# Modules shipped compressed are decompressed, so busybox insmod/modprobe can load them.
decompress_modules() {
  local dir=$1 f
  while IFS= read -r -d '' f; do
    case $f in
      *.ko.xz) xz -d "$f" ;;
      *.ko.gz) gzip -d "$f" ;;
      *.ko.zst) zstd -q -d --rm "$f" || die "cannot decompress $f (zstd missing?)" ;;
    esac
  done < <(find "$dir" \( -name '*.ko.xz' -o -name '*.ko.gz' -o -name '*.ko.zst' \) -print0)
}

# Prints the modules $@ and all they depend on, each after its dependencies, as paths
# relative to the module directory, according to its modules.dep.
module_load_order() {
  local moddir=$1; shift
  awk -v want="$*" '
    {
      key = $1; sub(/:$/, "", key)
      name = key; sub(/.*\//, "", name); sub(/\.ko$/, "", name); gsub(/-/, "_", name)
      path[name] = key; deps[key] = ""
      for (i = 2; i <= NF; i++) deps[key] = deps[key] " " $i
    }
    function visit(p,   n, d, i) {
      if (p in seen) return
      seen[p] = 1
      n = split(deps[p], d, " ")
      for (i = 1; i <= n; i++) visit(d[i])
      print p
    }
    END {
      n = split(want, w, " ")
      for (i = 1; i <= n; i++) {
        if (!(w[i] in path)) { print "missing module " w[i] > "/dev/stderr"; exit 1 }
        visit(path[w[i]])
      }
    }' "$moddir/modules.dep"
}

build_initramfs() {
  local kdir=$1 kver moddir stage m
  kver=$(cat "$kdir/kver")
  moddir=$kdir/modules
  stage=$(mktemp -d "$kdir/initramfs.XXXXXX")
  mkdir -p "$stage"/{bin,dev,proc,sys,mnt/lower,mnt/rw,newroot,modules}
  cp /bin/busybox "$stage/bin/busybox"
  cp "$HERE/guest/init" "$stage/init"
  chmod 0755 "$stage/init" "$stage/bin/busybox"
  : >"$stage/modules/load-order"
  for m in $(module_load_order "$moddir" "${INITRD_MODULES[@]}"); do
    cp "$moddir/$m" "$stage/modules/"
    basename "$m" >>"$stage/modules/load-order"
  done
  echo "$kver" >"$stage/kver"
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) \
    >"$kdir/initramfs.cpio.new"
  mv "$kdir/initramfs.cpio.new" "$kdir/initramfs.cpio"
  rm -rf "$stage"
}

# What the initramfs is built from; a change rebuilds it without refetching the kernel.
initramfs_stamp() {
  { cat "$HERE/guest/init"; sha256sum /bin/busybox; echo "${INITRD_MODULES[*]}"; } | sha256sum | cut -d' ' -f1
}

prepare_kernel() {
  local pkg ver key kdir tmp deb kver
  pkg=$(resolve_kernel_package)
  if [ -z "$pkg" ] && is_root && [ $install = 1 ]; then
    apt_update_once || true
    pkg=$(resolve_kernel_package)
  fi
  ver=${pkg:+$(candidate_version "$pkg")}
  if [ -z "$pkg" ] || [ -z "$ver" ]; then
    # Offline or no index: a kernel prepared earlier is as good.
    if [ -f "$CACHE/current/.complete" ]; then
      log "cannot resolve linux-image-amd64 from the package index; using the cached $(readlink "$CACHE/current")"
      KDIR=$CACHE/$(readlink "$CACHE/current")
      return 0
    fi
    die "cannot resolve the kernel package ${PROCLENS_VM_KERNEL_PKG:-linux-image-amd64} (apt-cache depends/policy found nothing)"
  fi

  key=${pkg}_${ver}
  kdir=$CACHE/$key
  if [ ! -f "$kdir/.complete" ]; then
    log "fetching $pkg $ver"
    rm -rf "$kdir"
    tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
      die "apt-get download $pkg=$ver failed"
    deb=$(echo "$tmp"/*.deb)
    [ -f "$deb" ] || die "apt-get download left no .deb"
    mkdir "$tmp/root"
    dpkg-deb -x "$deb" "$tmp/root"
    rm -f "$deb"
    kver=$(ls "$tmp/root/lib/modules")
    [ -n "$kver" ] && [ "$(echo "$kver" | wc -l)" = 1 ] || die "unexpected module directories in $pkg: $kver"
    mkdir "$tmp/k"
    echo "$kver" >"$tmp/k/kver"
    extract_vmlinux "$tmp/root/boot/vmlinuz-$kver" "$tmp/k/vmlinux" ||
      die "no ELF kernel found inside $tmp/root/boot/vmlinuz-$kver"
    decompress_modules "$tmp/root/lib/modules/$kver"
    busybox depmod -b "$tmp/root" "$kver" || die "depmod failed"
    mv "$tmp/root/lib/modules/$kver" "$tmp/k/modules"
    [ -s "$tmp/k/modules/modules.dep" ] || die "depmod wrote no modules.dep"
    mv "$tmp/k" "$kdir"
    rm -rf "$tmp"
    trap - EXIT
    touch "$kdir/.complete"
    log "kernel $kver ready in $kdir"
  fi
  KDIR=$kdir
}

main() {
  install_host_packages
  for f in /bin/busybox /usr/bin/qemu-system-x86_64 /usr/share/qemu/qboot.rom; do
    [ -e "$f" ] || die "$f is missing after installing ${HOST_PACKAGES[*]}"
  done
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  KDIR=
  prepare_kernel
  local stamp
  stamp=$(initramfs_stamp)
  if [ ! -f "$KDIR/initramfs.cpio" ] || [ "$(cat "$KDIR/initramfs.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "building the initramfs for $(cat "$KDIR/kver")"
    build_initramfs "$KDIR"
    echo "$stamp" >"$KDIR/initramfs.stamp"
  else
    # Newer than guest/init again, so run-in-guest.sh stops asking for a rebuild.
    touch "$KDIR/initramfs.cpio"
  fi
  ln -sfn "$(basename "$KDIR")" "$CACHE/current.new"
  mv -T "$CACHE/current.new" "$CACHE/current"
  [ $print_dir = 1 ] && echo "$KDIR"
  return 0
}

main
