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
cmon_run_suite build-test "$@"
