# Stage 3 of the test guest, with run-in-guest.sh --systemd: called by stage2.sh (as PID 1,
# with the API file systems, cgroup2 and the shares mounted) in place of running the command.
# Makes the host's systemd boot a small target, proclens-vm.target (basic.target plus one
# service that runs cmd.sh like stage2.sh does, records its status and powers off), and execs
# it as PID 1. Units of the host that would wait for its disks or devices are kept out.
bb=/.proclens-vm/busybox
ctl=/.proclens-vm/ctl
systemd=/lib/systemd/systemd
fail() {
  echo "proclens-vm: systemd boot failed: $*" | $bb tee -a $ctl/stderr
  $bb sync
  $bb poweroff -f
}
[ -x $systemd ] || fail "no $systemd on the host"

# The host's fstab names the host's disks: systemd would wait for them, then give up into
# emergency mode. The root is a throw-away overlay, so empty it.
: >/etc/fstab || fail "empty /etc/fstab"
units=/etc/systemd/system
$bb mkdir -p $units
# udev is not needed (devtmpfs has the nodes, fuse.ko is loaded) and slow under TCG.
for u in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
  systemd-udev-trigger.service systemd-udev-settle.service systemd-timesyncd.service \
  systemd-networkd.service systemd-resolved.service getty.target serial-getty@ttyS0.service \
  console-getty.service systemd-firstboot.service modprobe@dm_mod.service modprobe@loop.service \
  modprobe@efi_pstore.service modprobe@drm.service modprobe@configfs.service; do
  $bb ln -sf /dev/null $units/$u
done

$bb cat >/.proclens-vm/run-command.sh <<SH
#!/.proclens-vm/busybox sh
sh=/bin/sh
[ -x \$sh ] || sh="$bb sh"
echo "proclens-vm: systemd is up after \$($bb cut -d' ' -f1 /proc/uptime)s; running the command" >/dev/console
$bb env -i \$sh $ctl/cmd.sh </dev/null >>$ctl/stdout 2>>$ctl/stderr
status=\$?
echo "proclens-vm: the command exited with status \$status after \$($bb cut -d' ' -f1 /proc/uptime)s" >/dev/console
echo \$status >$ctl/status.new && $bb mv $ctl/status.new $ctl/status
$bb sync
$bb poweroff -f
SH
$bb chmod 755 /.proclens-vm/run-command.sh

$bb cat >$units/proclens-vm-command.service <<UNIT
[Unit]
Description=proclens-vm: the test command
After=basic.target
Requires=basic.target

[Service]
Type=oneshot
ExecStart=/.proclens-vm/run-command.sh
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=journal+console
UNIT
$bb cat >$units/proclens-vm.target <<UNIT
[Unit]
Description=proclens-vm: basic.target and the test command
Requires=basic.target proclens-vm-command.service
After=basic.target
AllowIsolate=yes
UNIT

echo "proclens-vm: guest ready after $($bb cut -d' ' -f1 /proc/uptime)s; booting systemd"
# PID 1 logs to the journal (tests read it) and, through kmsg, to the console.
exec $systemd --unit=proclens-vm.target --log-target=journal-or-kmsg --show-status=false
