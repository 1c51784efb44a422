#!/usr/bin/env bash
# The Debian package: dpkg-buildpackage -us -uc -b at the root of a clean copy of the source
# (what git tracks or would track), apt-get install of the .deb, the files in their places,
# proclensd --version, then apt-get purge (the host keeps no trace).
source "$(dirname "$0")/../lib/common.sh"
require_root
require_cmd dpkg-buildpackage
require_cmd dpkg-checkbuilddeps
require_cmd git

src=${PROCLENS_SOURCE_ROOT:?}
work=$(pl_tmpdir)
on_exit "rm -rf '$work'" # pl_tmpdir registers its cleanup in the $(...) subshell
mkdir "$work/proclens"
# A clean checkout of the working tree: tracked and untracked-but-not-ignored files.
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$work/proclens"
check "the copy has the debian symlink" test -L "$work/proclens/debian" -a -f "$work/proclens/debian/control"

if ! (cd "$work/proclens" && dpkg-checkbuilddeps) >"$work/deps.log" 2>&1; then
  not_ok "build dependencies installed"; sed 's/^/# /' "$work/deps.log"; finish
fi
if (cd "$work/proclens" && timeout 600 dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
  ok "dpkg-buildpackage -us -uc -b"
else
  not_ok "dpkg-buildpackage -us -uc -b"; tail -n 40 "$work/build.log" | sed 's/^/# /'; finish
fi
deb=$(ls "$work"/proclens_*.deb 2>/dev/null | head -n1)
check "a proclens .deb was built" test -f "$deb"
[ -f "$deb" ] || finish

contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/proclensd /usr/bin/proclens /usr/libexec/proclens/proclens-oci-hook \
  /lib/systemd/system/proclensd.service /etc/proclens/proclensd.conf \
  /usr/share/man/man8/proclensd.8.gz /usr/share/man/man1/proclens.1.gz \
  /usr/share/man/man5/proclensd.conf.5.gz /usr/share/bash-completion/completions/proclens \
  /usr/share/lxc/hooks/proclens /usr/share/lxc/config/common.conf.d/00-proclens.conf \
  /usr/share/containers/oci/hooks.d/proclens.json \
  /usr/share/containers/oci/hooks.d/proclens-poststop.json; do
  check "the package holds $f" grep -qxF "$f" <<<"$contents"
done
check "conffiles lists /etc/proclens/proclensd.conf" \
  sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | grep -qx /etc/proclens/proclensd.conf"

if dpkg-query -W -f='${Status}' proclens 2>/dev/null | grep -q 'install ok installed'; then
  diag "proclens is installed on this host already; not touching it"
  finish
fi
on_exit "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq proclens"
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$work/install.log" 2>&1; then
  ok "apt-get install ./proclens_*.deb"
else
  not_ok "apt-get install ./proclens_*.deb"; tail -n 20 "$work/install.log" | sed 's/^/# /'; finish
fi
check_eq "installed proclensd --version" "proclensd 0.1.0" "$(/usr/sbin/proclensd --version)"
check "installed proclens --help runs" sh -c '/usr/bin/proclens --help >/dev/null'
check_eq "installed proclens-oci-hook --version" "proclens-oci-hook 0.1.0" \
  "$(/usr/libexec/proclens/proclens-oci-hook --version)"
check "the unit runs /usr/sbin/proclensd with /etc/proclens/proclensd.conf" \
  grep -qx 'ExecStart=/usr/sbin/proclensd --config /etc/proclens/proclensd.conf' /lib/systemd/system/proclensd.service
check "the installed configuration is accepted" \
  sh -c '/usr/sbin/proclensd --config /etc/proclens/proclensd.conf --version >/dev/null'
check "man proclensd finds the page" sh -c 'MANPAGER=cat man -w proclensd | grep -q /usr/share/man/man8/proclensd.8'
check "man 5 proclensd.conf finds the page" sh -c 'man -w 5 proclensd.conf | grep -q man5'
check "the LXC hook is executable" test -x /usr/share/lxc/hooks/proclens
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq proclens >/dev/null 2>&1
check "apt-get purge removes the binaries" test ! -e /usr/sbin/proclensd
check "apt-get purge removes the configuration" test ! -e /etc/proclens/proclensd.conf
finish
