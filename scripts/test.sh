#!/usr/bin/env bash
# Sets up and runs the whole test suite; the last line is the real count: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
log=$(mktemp)
swift build --build-tests 2>&1 | tail -n 50 > "$log.build"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  cat "$log.build"; echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
swift test --skip-build 2>&1 | tee "$log" | grep -E "✘|error:|failed|passed after|with [0-9]+ tests" | tail -n 60
status=${PIPESTATUS[0]}
passed=$(grep -E "^(􀟈|✔) Test .* passed" "$log" | grep -vc "Test run with" || true)
failed=$(grep -E "^(􀢄|✘) Test .* failed" "$log" | grep -vc "Test run with" || true)
xpassed=$(grep -E "^Test Case .* passed" "$log" | wc -l)
xfailed=$(grep -E "^Test Case .* failed" "$log" | wc -l)
passed=$((passed + xpassed)); failed=$((failed + xfailed))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
