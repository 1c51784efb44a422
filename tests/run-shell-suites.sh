#!/bin/bash
# Runs every *.sh test file of the given suite directories, one after another, and sums up.
# Each file is a TAP producer (see tests/lib/common.sh): it exits 0 on pass, 77 on skip and
# anything else on failure; a "not ok" line (without "# TODO") or "Bail out!" also fails it.
# Every output line is labelled with the file it came from.
#
# usage: run-shell-suites.sh SUITE_DIR...
# environment:
#   PROCLENS_REQUIRE_ALL=1   a skipped file, or no test file at all, counts as a failure
#   PROCLENS_FILE_TIMEOUT    time limit per file in seconds (default 1200, 0 for none)
# The last line is "N passed, M failed, K skipped"; the exit status is 0 when nothing failed,
# 77 when nothing ran (all skipped, or no files), 1 otherwise.
set -uo pipefail

# All in one function, parsed before it runs, so editing this file does not break a run.
main() {
  [ $# -gt 0 ] || { echo "usage: $0 SUITE_DIR..." >&2; exit 2; }
  require_all=${PROCLENS_REQUIRE_ALL:-0}
  file_timeout=${PROCLENS_FILE_TIMEOUT:-1200}

  files=()
  for dir in "$@"; do
    [ -d "$dir" ] || { echo "run-shell-suites: $dir: not a directory" >&2; exit 2; }
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -maxdepth 1 -name '*.sh' -type f -print0 | LC_ALL=C sort -z)
  done

  # A "not ok" that is not a TODO, or a bail-out, in TAP output file $1.
  tap_failed() {
    grep -E '^not ok' "$1" | grep -Evq '#[[:space:]]*TODO' || grep -q '^Bail out!' "$1"
  }

  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  passed=0 failed=0 skipped=0
  failed_names=() skipped_names=()
  for f in "${files[@]}"; do
    label="$(basename "$(dirname "$f")")/$(basename "$f" .sh)"
    echo "=== $label"
    start=$SECONDS
    runner=(bash)
    [ -x "$f" ] && runner=()
    limit=()
    [ "$file_timeout" != 0 ] && limit=(timeout -k 10 "$file_timeout")
    "${limit[@]}" "${runner[@]}" "$f" </dev/null 2>&1 | tee "$out" | sed -u "s|^|[$label] |"
    status=${PIPESTATUS[0]}
    secs=$((SECONDS - start))
    if [ "$status" = 77 ]; then
      result=SKIP
    elif [ "$status" = 0 ] && ! tap_failed "$out"; then
      result=PASS
    else
      result=FAIL
    fi
    [ "$status" = 124 ] && [ "$file_timeout" != 0 ] && echo "[$label] # killed after the time limit of ${file_timeout}s"
    case $result in
      PASS) passed=$((passed + 1)) ;;
      SKIP) skipped=$((skipped + 1)); skipped_names+=("$label") ;;
      FAIL) failed=$((failed + 1)); failed_names+=("$label (exit $status)") ;;
    esac
    echo "=== $result $label (${secs}s)"
  done

  [ ${#files[@]} = 0 ] && echo "run-shell-suites: no *.sh test files in: $*"
  [ $skipped -gt 0 ] && echo "skipped: ${skipped_names[*]}"
  [ $failed -gt 0 ] && echo "failed: ${failed_names[*]}"
  rc=0
  if [ $failed -gt 0 ]; then
    rc=1
  elif [ $passed = 0 ]; then
    rc=77
    [ "$require_all" = 1 ] && { echo "run-shell-suites: nothing passed, and PROCLENS_REQUIRE_ALL=1"; rc=1; }
  elif [ $skipped -gt 0 ] && [ "$require_all" = 1 ]; then
    echo "run-shell-suites: skips count as failures with PROCLENS_REQUIRE_ALL=1"
    rc=1
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  exit $rc
}

main "$@"; exit $?
