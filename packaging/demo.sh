#!/usr/bin/env bash
# The demo (as root on Debian 12): installs what is needed, builds proclens, starts proclensd
# at /var/lib/lxcfs and runs a container limited to 300 MiB and 1 CPU, in which free, top,
# nproc and uptime tell the container's truth. The daemon keeps running afterwards, so you
# can try your own containers; the last lines say how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
MNT=/var/lib/lxcfs
BUILD=build

bash packaging/build-deps.sh
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=release >/dev/null
meson compile -C "$BUILD" >/dev/null
PROCLENSD=$PWD/$BUILD/src/daemon/proclensd
PROCLENS=$PWD/$BUILD/src/launcher/proclens

# The daemon: reuse one already serving there, else start ours.
if grep -q " $MNT fuse" /proc/self/mounts && [ -e "$MNT/proc/meminfo" ]; then
  echo "== a daemon already serves $MNT; using it"
else
  echo "== starting proclensd on $MNT"
  nohup "$PROCLENSD" -p /run/proclensd.pid "$MNT" >/var/log/proclensd.log 2>&1 &
  for _ in $(seq 50); do [ -e "$MNT/proc/meminfo" ] && break; sleep 0.1; done
fi

# A root filesystem: busybox, plus procps's free/top/uptime with their libraries.
ROOTFS=/var/lib/proclens/demo-rootfs
if [ ! -x "$ROOTFS/usr/bin/free" ]; then
  mkdir -p "$ROOTFS"/{bin,etc,tmp,root,proc,sys,dev}
  cp /bin/busybox "$ROOTFS/bin/busybox"
  for a in $("$ROOTFS/bin/busybox" --list); do [ -e "$ROOTFS/bin/$a" ] || ln -s busybox "$ROOTFS/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOTFS/etc/passwd"
  for f in /usr/bin/free /usr/bin/top /usr/bin/uptime /usr/bin/nproc; do
    mkdir -p "$ROOTFS$(dirname "$f")"; cp -L "$f" "$ROOTFS$f"
    for lib in $(ldd "$f" | grep -oE '/[^ ]+'); do mkdir -p "$ROOTFS$(dirname "$lib")"; cp -Ln "$lib" "$ROOTFS$lib"; done
  done
  mkdir -p "$ROOTFS/lib" && cp -r /lib/terminfo "$ROOTFS/lib/" # top needs its terminal description
fi

echo "== the host:"
/usr/bin/free -m | head -2; echo "nproc: $(nproc)"
echo
echo "== proclens run --rm -m 300m --cpus 1 --cpuset-cpus 0 $ROOTFS ..."
"$PROCLENS" run --rm -m 300m --cpus 1 --cpuset-cpus 0 -e TERM=dumb "$ROOTFS" /bin/sh -c '
  echo "--- /usr/bin/free -m (procps)"; /usr/bin/free -m
  echo "--- nproc: $(/usr/bin/nproc)"
  echo "--- uptime:$(/usr/bin/uptime)"
  echo "--- top -b -n 1 | head -5"; /usr/bin/top -b -n 1 | head -5
  echo "--- head -3 /proc/meminfo"; head -3 /proc/meminfo'
echo
echo "proclensd keeps serving $MNT. Stop it with: kill \$(cat /run/proclensd.pid)"
