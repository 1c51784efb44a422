#!/bin/bash
# Runs one command as root inside a QEMU guest booted from Debian's own kernel with pure
# cgroup v2 (cgroup_no_v1=all), the host's / read-only under a writable overlay, and each
# --share DIR read-write at the same absolute path. Prints the command's stdout and stderr and
# exits with its exit status.
#
# usage: run-in-guest.sh [--timeout SECONDS] [--systemd] [--share DIR]... [--env NAME[=VALUE]]... -- COMMAND [ARG...]
#   --timeout SECONDS  kill the guest after this long (default 1200, or PROCLENS_VM_TIMEOUT)
#   --systemd          boot systemd (the host's) as PID 1 and run COMMAND as a service of it
#                      (guest/systemd-boot.sh); for tests of units, sd_notify, the watchdog
#   --share DIR        mount the host's DIR read-write at DIR in the guest (repeatable)
#   --env NAME[=VALUE] also pass NAME (from this environment, or set to VALUE) to COMMAND
# Passed through to COMMAND: PATH HOME LANG LC_* TZ TERM LD_LIBRARY_PATH and every variable
# starting with PROCLENS FIXTURES MESON_ ASAN_ UBSAN_ LSAN_ MSAN_ TSAN_ G_ CK_ MALLOC_.
# It runs in the caller's working directory, with stdin from /dev/null and PROCLENS_IN_GUEST=1.
# environment:
#   PROCLENS_VM_CACHE    where prepare.sh put the kernel (default /var/cache/proclens-vm)
#   PROCLENS_VM_MEMORY   guest memory in MiB (default 2048)
#   PROCLENS_VM_CPUS     guest CPUs (default 2)
#   PROCLENS_VM_SCRATCH_MB  size of the scratch disk (ext4 on /dev/vda) at /var/tmp (default
#                        1024; 0 for none)
#   PROCLENS_VM_VERBOSE  1: copy the guest console to stderr as it runs
#   PROCLENS_REQUIRE_ALL 1: a guest that cannot start fails (exit 1) instead of skipping (exit 77)
# Exit status: COMMAND's; 77 when no guest can be started here; 1 when the guest setup failed,
# the guest died, or the time ran out (the console's tail is printed).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${PROCLENS_VM_CACHE:-/var/cache/proclens-vm}
QEMU=${PROCLENS_VM_QEMU:-qemu-system-x86_64}
QBOOT=/usr/share/qemu/qboot.rom
KERNEL_ARGS=(
  console=ttyS0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 panic=-1 oops=panic
  # boot speed under TCG
  mitigations=off tsc=reliable no_timer_check cryptomgr.notests
)

usage() { sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; }
err() { echo "run-in-guest: $*" >&2; }
# The guest cannot be started on this machine: a skip, unless everything is required.
cannot_start() {
  if [ "${PROCLENS_REQUIRE_ALL:-0}" = 1 ]; then
    err "cannot start the test guest (required by PROCLENS_REQUIRE_ALL=1): $*"
    exit 1
  fi
  err "SKIP: cannot start the test guest: $*"
  exit 77
}

# All in one function, parsed before it runs: bash reads a script as it goes, so an edit to
# this file during a long run would otherwise break the run.
main() {
  timeout_s=${PROCLENS_VM_TIMEOUT:-1200}
  shares=()
  systemd=0
  extra_env=()
  while [ $# -gt 0 ]; do
    case $1 in
      --timeout) timeout_s=${2:?--timeout needs a value}; shift ;;
      --timeout=*) timeout_s=${1#*=} ;;
      --systemd) systemd=1 ;;
      --share) shares+=("${2:?--share needs a directory}"); shift ;;
      --share=*) shares+=("${1#*=}") ;;
      --env) extra_env+=("${2:?--env needs a name}"); shift ;;
      --env=*) extra_env+=("${1#*=}") ;;
      -h | --help) usage; exit 0 ;;
      --) shift; break ;;
      -*) err "unknown option $1"; usage >&2; exit 2 ;;
      *) break ;;
    esac
    shift
  done
  [ $# -gt 0 ] || { err "no command given"; usage >&2; exit 2; }
  [[ $timeout_s =~ ^[0-9]+$ ]] && [ "$timeout_s" -gt 0 ] || { err "bad --timeout: $timeout_s"; exit 2; }

  # --- the machine ---------------------------------------------------------------------------
  kdir=$CACHE/current
  if ! command -v "$QEMU" >/dev/null || [ ! -f "$QBOOT" ] || [ ! -f "$kdir/.complete" ] ||
    [ ! -f "$kdir/initramfs.cpio" ] || [ "$HERE/guest/init" -nt "$kdir/initramfs.cpio" ] ||
    [ "${PROCLENS_VM_PREPARE:-0}" = 1 ]; then
    err "preparing the guest (tests/vm/prepare.sh)"
    log=$(mktemp)
    if ! "$HERE/prepare.sh" >"$log" 2>&1; then
      sed 's/^/  /' "$log" >&2
      rm -f "$log"
      cannot_start "tests/vm/prepare.sh failed (no QEMU or no kernel obtainable)"
    fi
    rm -f "$log"
  fi
  command -v "$QEMU" >/dev/null || cannot_start "no $QEMU"
  [ -f "$QBOOT" ] || cannot_start "no $QBOOT"
  [ -f "$kdir/vmlinux" ] && [ -f "$kdir/initramfs.cpio" ] || cannot_start "no prepared kernel in $kdir"

  # --- the run directory: control share, console log ---------------------------------------
  run=$(mktemp -d "${TMPDIR:-/tmp}/proclens-vm.XXXXXX")
  ctl=$run/ctl
  mkdir "$ctl"
  qemu_pid=
  follow_pids=()
  cleanup() {
    set +e
    [ -n "$qemu_pid" ] && kill -KILL "$qemu_pid" 2>/dev/null && { wait "$qemu_pid"; } 2>/dev/null
    for p in "${follow_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$run"
  }
  trap cleanup EXIT
  trap 'err "interrupted"; exit 130' INT
  trap 'err "terminated"; exit 143' TERM

  cp "$HERE/guest/stage2.sh" "$ctl/stage2.sh"
  [ "$systemd" = 0 ] || cp "$HERE/guest/systemd-boot.sh" "$ctl/systemd-boot.sh"
  : >"$ctl/stdout"
  : >"$ctl/stderr"
  : >"$run/console.log"

  # Single-quotes $1 for sh.
  shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

  passes() {
    case $1 in
      PATH | HOME | LANG | LC_* | TZ | TERM | LD_LIBRARY_PATH) return 0 ;;
      PROCLENS* | FIXTURES* | MESON_* | ASAN_* | UBSAN_* | LSAN_* | MSAN_* | TSAN_* | G_* | CK_* | MALLOC_*) return 0 ;;
    esac
    return 1
  }
  {
    echo "# written by run-in-guest.sh, run by the guest's busybox sh"
    while IFS= read -r name; do
      passes "$name" && echo "export $name=$(shq "${!name}")"
    done < <(compgen -e)
    for e in "${extra_env[@]}"; do
      name=${e%%=*}
      [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { err "bad --env $e"; exit 2; }
      if [[ $e == *=* ]]; then echo "export $name=$(shq "${e#*=}")";
      elif [ -n "${!name+set}" ]; then echo "export $name=$(shq "${!name}")"; fi
    done
    echo "export PROCLENS_IN_GUEST=1"
    echo "cd $(shq "$PWD") 2>/dev/null || cd /"
    printf 'exec'
    for a in "$@"; do printf ' %s' "$(shq "$a")"; done
    echo
  } >"$ctl/cmd.sh"

  fsdev() { # ID PATH [readonly]
    qemu_args+=(-fsdev "local,id=$1,path=$2,security_model=none,multidevs=remap${3:+,readonly=on}"
      -device "virtio-9p-pci,fsdev=$1,mount_tag=$1")
  }
  qemu_args=(
    -nodefaults -no-user-config -display none -no-reboot
    -machine q35 -accel tcg -cpu "${PROCLENS_VM_CPU_MODEL:-max}" -smp "${PROCLENS_VM_CPUS:-2}" -m "${PROCLENS_VM_MEMORY:-2048}"
    -bios "$QBOOT" -kernel "$kdir/vmlinux" -initrd "$kdir/initramfs.cpio"
    -append "${KERNEL_ARGS[*]}"
    -serial "file:$run/console.log"
  )
  # A scratch disk at /var/tmp: tests that need a real block device (direct I/O, io.stat,
  # diskstats) find one there.
  scratch_mb=${PROCLENS_VM_SCRATCH_MB:-1024}
  if [ "$scratch_mb" != 0 ]; then
    truncate -s "${scratch_mb}M" "$run/scratch.img"
    if command -v mkfs.ext4 >/dev/null; then
      mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$run/scratch.img" >/dev/null
    else
      busybox mke2fs -q "$run/scratch.img" >/dev/null 2>&1 || mke2fs -q -F "$run/scratch.img" >/dev/null
    fi
    qemu_args+=(-drive "file=$run/scratch.img,if=none,id=scratch,format=raw,cache=unsafe"
      -device virtio-blk-pci,drive=scratch)
    echo /var/tmp >"$ctl/scratch"
  fi
  fsdev hostroot / ro
  fsdev ctl "$ctl"
  fsdev modules "$(readlink -f "$kdir/modules")" ro
  # Parents before children, so a share inside another share is mounted on top of it.
  : >"$ctl/shares"
  i=0
  while IFS= read -r dir; do
    [ -n "$dir" ] || continue
    fsdev "share$i" "$dir"
    printf 'share%d %s\n' $i "$dir" >>"$ctl/shares"
    i=$((i + 1))
  done < <(for s in "${shares[@]}"; do
    [ -d "$s" ] || { err "--share $s: not a directory"; exit 2; }
    readlink -f "$s"
  done | awk '{ print length($0) "\t" $0 }' | sort -n -s | cut -f2- | uniq)

  # --- run ----------------------------------------------------------------------------------
  start=$EPOCHREALTIME
  "$QEMU" "${qemu_args[@]}" </dev/null >"$run/qemu.log" 2>&1 &
  qemu_pid=$!
  tail -s 0.1 -c +1 -f --pid=$qemu_pid "$ctl/stdout" &
  follow_pids+=($!)
  tail -s 0.1 -c +1 -f --pid=$qemu_pid "$ctl/stderr" >&2 &
  follow_pids+=($!)
  if [ "${PROCLENS_VM_VERBOSE:-0}" = 1 ]; then
    tail -s 0.1 -c +1 -f --pid=$qemu_pid "$run/console.log" | sed 's/^/[console] /' >&2 &
    follow_pids+=($!)
  fi

  # Whole tenths of a second, from bash's clock.
  now_ds() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 100000)); }
  timed_out=0
  deadline=$(($(now_ds) + timeout_s * 10))
  while kill -0 $qemu_pid 2>/dev/null; do
    if [ "$(now_ds)" -ge $deadline ]; then
      timed_out=1
      kill -TERM $qemu_pid 2>/dev/null || true
      sleep 1
      kill -KILL $qemu_pid 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  qemu_status=0
  { wait $qemu_pid; } 2>/dev/null || qemu_status=$?
  qemu_pid=
  for p in "${follow_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  follow_pids=()
  elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

  if [ $timed_out = 0 ] && [ -s "$ctl/status" ]; then
    status=$(cat "$ctl/status")
    [ "${PROCLENS_VM_VERBOSE:-0}" = 1 ] && err "guest ran for ${elapsed}s, command exited with $status"
    exit "$status"
  fi

  if [ $timed_out = 1 ]; then
    err "FAIL: time limit of ${timeout_s}s reached; the guest was killed"
  elif [ $qemu_status != 0 ]; then
    err "FAIL: QEMU exited with status $qemu_status before the command finished:"
    sed 's/^/  /' "$run/qemu.log" >&2
  else
    err "FAIL: the guest stopped without the command's exit status (setup failure, crash or panic)"
  fi
  err "last lines of the guest console:"
  tail -n 40 "$run/console.log" | sed 's/^/  | /' >&2
  exit 1
}

main "$@"; exit $?
