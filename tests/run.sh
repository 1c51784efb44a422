#!/usr/bin/env bash
# The whole test suite, as CI runs it (as root on Debian 12):
#   installs what it needs, builds with AddressSanitizer and UBSan, runs the unit,
#   integration and e2e suites on this host, then the same integration and e2e suites
#   inside a pure cgroup-v2 QEMU guest.
# With PROCLENS_REQUIRE_ALL=1 (CI), a test that would skip for want of root, FUSE or QEMU fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/build-deps.sh
bash tests/vm/prepare.sh

BUILD=${PROCLENS_TEST_BUILD:-build-test}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false
fi
meson compile -C "$BUILD"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
meson test -C "$BUILD" --no-suite v2 --print-errorlogs --num-processes 2 || status=1
cp "$BUILD/meson-logs/testlog.json" "$BUILD/meson-logs/testlog-host.json"
meson test -C "$BUILD" --suite v2 --print-errorlogs || status=1

# One closing line for both runs, counted from meson's logs.
python3 - "$BUILD/meson-logs/testlog-host.json" "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
count = {"OK": 0, "FAIL": 0, "SKIP": 0}
for path in sys.argv[1:]:
    for line in open(path):
        result = json.loads(line)["result"]
        key = "OK" if result in ("OK", "EXPECTEDFAIL") else "SKIP" if result == "SKIP" else "FAIL"
        count[key] += 1
print(f"{count['OK']} passed, {count['FAIL']} failed, {count['SKIP']} skipped")
PY
exit $status
