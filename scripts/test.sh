#!/usr/bin/env bash
# scripts/test.sh: install what is missing, build cmon, run the whole test
# suite, and end with one line "N passed, N failed, N skipped".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/deps.sh
cmon_install_deps || { echo "0 passed, 1 failed"; exit 1; }
# Warnings are errors here: the build must stay clean.
if ! cmon_build build-test -Dwerror=true; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
meson test -C build-test --print-errorlogs "$@" | tee build-test/test-summary.txt
status=${PIPESTATUS[0]}
ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' build-test/test-summary.txt | tail -n1)
fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' build-test/test-summary.txt | tail -n1)
timeout_n=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' build-test/test-summary.txt | tail -n1)
skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' build-test/test-summary.txt | tail -n1)
ok=${ok:-0}; fail=$(( ${fail:-0} + ${timeout_n:-0} )); skip=${skip:-0}
[ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "$ok passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
