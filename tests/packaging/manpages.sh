#!/usr/bin/env bash
# The man pages are built (scdoc), render with man(1), and agree with --help: every long
# option of proclensd, proclens-oci-hook's peers and every proclens verb and run option is in
# its page; every configuration key of the shipped file is in proclensd.conf(5).
source "$(dirname "$0")/../lib/common.sh"
require_cmd man
MAN=${PROCLENS_MAN_DIR:?}
SRC=${PROCLENS_SOURCE_ROOT:?}

for page in proclensd.8 proclens.1 proclensd.conf.5; do
  check "$page is built" test -s "$MAN/$page"
  check "$page renders without warnings" sh -c "out=\$(MANWIDTH=80 man -l -Tutf8 '$MAN/$page' 2>&1 >/dev/null); [ -z \"\$out\" ]"
done
text() { MANWIDTH=200 man -l "$MAN/$1" 2>/dev/null | col -b; }
# The long options of the option lines of --help ("  -m, --memory=SIZE   ...").
longopts() {
  "$@" --help 2>&1 | sed -n 's/^ \{1,\}\(-[a-zA-Z?], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' | grep -vx -- '--help' | sort -u
}

proclensd_page=$(text proclensd.8)
for o in $(longopts "$PROCLENSD"); do
  check "proclensd(8) documents $o" grep -q -- "$o" <<<"$proclensd_page"
done
for o in $(sed -n 's/^#\{0,1\}\([a-z-]*\)=.*/\1/p' "$SRC/config/proclensd.conf" | sort -u); do
  check "proclensd.conf(5) documents $o" grep -q -- "$o" <<<"$(text proclensd.conf.5)"
done
if [ -n "${PROCLENS:-}" ] && [ -x "$PROCLENS" ]; then
  proclens_page=$(text proclens.1)
  for verb in $("$PROCLENS" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
    check "proclens(1) documents the verb $verb" grep -q "^ *$verb " <<<"$proclens_page"
  done
  for o in $(longopts "$PROCLENS" run); do
    check "proclens(1) documents run $o" grep -q -- "$o" <<<"$proclens_page"
  done
fi
check "the bash completion parses (bash -n)" bash -n "$SRC/packaging/bash-completion/proclens"
check "the bash completion registers _proclens for proclens" \
  bash -c "_init_completion() { return 1; }; source '$SRC/packaging/bash-completion/proclens' && complete -p proclens | grep -q _proclens"
# What the completion offers for the words "$@" (the last one being completed), with
# bash-completion's helpers stubbed (it need not be installed).
complete_words() {
  bash -c '_init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${words[cword]}; prev=${words[cword-1]}; }
    _filedir() { :; }; source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _proclens
    printf "%s\n" "${COMPREPLY[@]}"' "$SRC/packaging/bash-completion/proclens" "$@"
}
check "the bash completion of 'proclens run --no-s' offers --no-sysinfo" \
  grep -qx -- --no-sysinfo <<<"$(complete_words proclens run --no-s)"
if [ -n "${PROCLENS:-}" ] && [ -x "$PROCLENS" ]; then
  for verb in run exec "image import" "image ls" "image inspect" "image rm" "image prune"; do
    offered=$(complete_words proclens $verb --)
    for o in $(longopts "$PROCLENS" $verb); do
      check "the bash completion of proclens $verb offers $o" grep -qx -- "$o" <<<"$offered"
    done
  done
fi
finish
