# Stage 2 of the test guest: PID 1 (busybox sh) on the overlay root, host / read-only below it.
# Mounts the usual API file systems and a pure cgroup2 hierarchy with the controllers enabled,
# mounts the shares at the host's paths, runs the command written by run-in-guest.sh (cmd.sh)
# with its output in the control share, records its exit status and powers off.
# Any setup failure powers off without a status, which the host reports with the console's tail.
bb=/.proclens-vm/busybox
ctl=/.proclens-vm/ctl
p9='trans=virtio,version=9p2000.L,msize=512000'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

halt() {
  $bb sync
  $bb poweroff -f
  $bb reboot -f
}
fail() {
  echo "proclens-vm: guest setup failed: $*" | $bb tee -a $ctl/stderr
  halt
}
mnt() { # TYPE OPTIONS SOURCE TARGET
  $bb mkdir -p "$4" && $bb mount -t "$1" -o "$2" "$3" "$4" || fail "mount $1 $3 on $4 ($2)"
}

mnt proc nosuid,nodev,noexec proc /proc
mnt sysfs nosuid,nodev,noexec sysfs /sys
mnt devtmpfs nosuid,mode=0755 devtmpfs /dev
$bb ln -sf /proc/self/fd /dev/fd
$bb ln -sf /proc/self/fd/0 /dev/stdin
$bb ln -sf /proc/self/fd/1 /dev/stdout
$bb ln -sf /proc/self/fd/2 /dev/stderr
$bb ln -sf /proc/kcore /dev/core
mnt devpts nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mnt tmpfs nosuid,nodev,mode=1777 tmpfs /dev/shm
mnt tmpfs nosuid,nodev,mode=1777 tmpfs /tmp
mnt tmpfs nosuid,nodev,mode=0755 tmpfs /run
mnt cgroup2 nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
echo '+cpuset +cpu +io +memory +pids' >/sys/fs/cgroup/cgroup.subtree_control ||
  fail "enable controllers in /sys/fs/cgroup/cgroup.subtree_control"
[ -d /sys/fs/fuse/connections ] && mnt fusectl nosuid,nodev,noexec fusectl /sys/fs/fuse/connections
[ -c /dev/fuse ] || fail "/dev/fuse is missing"

# The guest kernel's whole module tree, for on-demand loading (loop, veth, ...) with busybox's
# modprobe unless the host root brings its own.
kver=$($bb uname -r)
mnt 9p "$p9,cache=loose,ro" modules "/lib/modules/$kver"
$bb mkdir -p /.proclens-vm/bin
for tool in modprobe insmod rmmod lsmod modinfo; do
  $bb ln -s ../busybox /.proclens-vm/bin/$tool
  [ -e /usr/sbin/$tool ] || [ -e /sbin/$tool ] || [ -e /usr/bin/$tool ] || $bb ln -s /.proclens-vm/bin/$tool /usr/sbin/$tool
done
echo /.proclens-vm/bin/modprobe >/proc/sys/kernel/modprobe

if [ -f $ctl/scratch ]; then
  $bb modprobe virtio_blk && $bb modprobe ext4 || fail "load virtio_blk and ext4 for the scratch disk"
  i=0
  while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do $bb sleep 0.1; i=$((i + 1)); done
  mnt ext4 nosuid,nodev /dev/vda "$($bb cat $ctl/scratch)"
  $bb chmod 1777 "$($bb cat $ctl/scratch)"
fi

$bb hostname proclens-v2
$bb ip link set lo up

# Shares, parents first, at the host's paths.
while read -r tag path; do
  mnt 9p "$p9,cache=mmap" "$tag" "$path"
done <$ctl/shares

# run-in-guest.sh --systemd: systemd becomes PID 1 and runs the command as a service.
[ -f $ctl/systemd-boot.sh ] && exec $bb sh $ctl/systemd-boot.sh
echo "proclens-vm: guest ready after $($bb cut -d' ' -f1 /proc/uptime)s; running the command"
# The host's sh, not busybox's: that one would run its own applets for sh, head, ... in place of
# the host's programs.
sh=/bin/sh
[ -x $sh ] || sh="$bb sh"
$bb env -i $sh $ctl/cmd.sh </dev/null >>$ctl/stdout 2>>$ctl/stderr
status=$?
echo "proclens-vm: the command exited with status $status after $($bb cut -d' ' -f1 /proc/uptime)s"
echo $status >$ctl/status.new && $bb mv $ctl/status.new $ctl/status
halt
