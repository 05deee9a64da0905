#!/usr/bin/env bash
# scripts/test-sanitize.sh: the whole suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer. Any report fails the test that caused it:
# UBSan is built not to recover, ASan aborts on its first error. Extra
# arguments go to meson test (a test name runs only that one). Ends with
# "N passed, N failed, N skipped" as scripts/test.sh does.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/deps.sh
cmon_install_deps || { echo "0 passed, 1 failed"; exit 1; }
if ! cmon_build build-san -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Leaks inside libraries (ncurses), each with its reason: tests/lsan.supp.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
# Sanitized code runs 2-3x slower: give every test three times its timeout.
cmon_run_suite build-san --timeout-multiplier=3 "$@"
