#!/usr/bin/env bash
# The systemd unit as built: systemd-analyze verify passes (with the build's daemon in
# ExecStart, since the installed path does not exist here), and the settings the issue asks
# for are there. The unit under a real systemd: systemd-in-guest.sh (suite v2).
source "$(dirname "$0")/../lib/common.sh"
require_cmd systemd-analyze
UNIT=${PROCLENS_UNIT:?}
work=$(pl_tmpdir)
on_exit "rm -rf '$work'"

check "the unit is built" test -f "$UNIT"
sed "s|^ExecStart=[^ ]*proclensd |ExecStart=$PROCLENSD |" "$UNIT" >"$work/proclensd.service"
if out=$(systemd-analyze verify --man=no "$work/proclensd.service" 2>&1) && [ -z "$out" ]; then
  ok "systemd-analyze verify: no complaint"
else
  not_ok "systemd-analyze verify: no complaint"; diag "$out"
fi
key() { sed -n "s/^$1=//p" "$UNIT" | tail -n1; }
check_eq "Type=notify" notify "$(key Type)"
check_eq "NotifyAccess=main" main "$(key NotifyAccess)"
check "WatchdogSec is set" test -n "$(key WatchdogSec)"
check_eq "OOMScoreAdjust=-1000" -1000 "$(key OOMScoreAdjust)"
check "ExecReload sends SIGHUP" sh -c "grep -q '^ExecReload=.*kill -HUP \$MAINPID' '$UNIT'"
check "ExecStopPost clears the mount" sh -c "grep -q '^ExecStopPost=.*umount --lazy' '$UNIT'"
check "ExecStart reads /etc-style config" sh -c "grep -q '^ExecStart=.*proclensd --config .*/proclens/proclensd.conf' '$UNIT'"
# Options that give the service its own mount namespace would hide the FUSE mount from
# everybody else (see the comment at the top of the unit).
for opt in ProtectSystem ProtectHome PrivateTmp PrivateDevices ProtectKernelTunables \
  ProtectKernelModules ProtectControlGroups ProtectProc ReadWritePaths ReadOnlyPaths \
  InaccessiblePaths TemporaryFileSystem BindPaths PrivateMounts MountFlags; do
  check "no $opt= (it would make the mount private)" sh -c "! grep -q '^$opt=' '$UNIT'"
done
check "DeviceAllow=/dev/fuse" grep -q '^DeviceAllow=/dev/fuse rw' "$UNIT"
finish
