#!/usr/bin/env bash
# tests/golden/run-golden.sh CMON_BINARY: run `CMON_BINARY pprof` on the
# committed fixtures (tests/data) for every case of tests/golden/cases.txt and
# compare with the committed expected outputs of `go tool pprof` (made by
# tests/gen-fixtures.sh). Needs no Go. Runs from the repository root, with
# TZ=UTC, data paths given as tests/data/NAME.
#
# Compared: stdout byte for byte with NAME.txt; the exit status with
# NAME.status (0 when absent); NAME.stderr, when present, must appear in
# cmon's stderr.
# Prints "ok NAME" / "FAIL NAME" (+ the start of a unified diff); exits 1 if
# any case failed, 2 on a usage error.
# Environment: CMON_CASES=REGEX runs only the matching case names;
# CMON_DIFF_LINES (40) is how many diff lines to show.
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "run-golden" "$@") || exit 2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0 fail=0
failed=()
while IFS=$'\t' read -r name profiles flags; do
	if [ -n "${CMON_CASES-}" ] && ! [[ $name =~ $CMON_CASES ]]; then
		continue
	fi
	want=$CMON_GOLDEN/$name
	if [ ! -f "$want.txt" ]; then
		echo "FAIL $name: $want.txt is missing (run tests/gen-fixtures.sh --keep-data)"
		fail=$((fail + 1))
		failed+=("$name")
		continue
	fi
	status=0
	if [ -f "$want.status" ]; then
		status=$(cat "$want.status")
	fi
	lib_run_case tests/data "$tmp/got" "$name" "$profiles" "$flags" "$cmon" pprof
	if lib_compare "$name" "$want.txt" "$status" "$want.stderr" "$tmp/got"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed+=("$name")
	fi
done < <(lib_cases)

echo "run-golden: $pass passed, $fail failed"
if [ $fail -ne 0 ]; then
	echo "run-golden: failed: ${failed[*]}"
	exit 1
fi
exit 0
