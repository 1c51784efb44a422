#!/usr/bin/env bash
# Installs what building and testing proclens needs on Debian 12 (as root). Idempotent.
set -euo pipefail

packages=(
  # build
  gcc meson ninja-build pkg-config
  libfuse3-dev libglib2.0-dev libjson-glib-dev check
  # sysinfo(2) interception in the launcher (seccomp user notification)
  libseccomp-dev
  # images: layers and image archives (tar, gzip, zstd)
  libarchive-dev
  # daemon (sd_notify), man pages (scdoc), the systemd unit's pkg-config dir
  libsystemd-dev scdoc systemd
  # run
  fuse3
  # tests: real clients, a busybox rootfs, and LXCFS as the reference
  procps busybox-static util-linux perl lxcfs
  # tests/e2e/clients.sh: more real clients (htop on a tmux terminal, python3, node, a JVM)
  htop tmux python3 nodejs openjdk-17-jre-headless
  # tests/packaging: the OCI hook under runc, the .deb build, the Kubernetes YAML, man(1)
  runc debhelper dpkg-dev python3-yaml man-db
  # tests: real OCI layouts and docker-save archives, built offline
  umoci skopeo
  # rootless run: newuidmap/newgidmap (setuid helpers writing a user's subordinate id maps)
  uidmap
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "proclens: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
