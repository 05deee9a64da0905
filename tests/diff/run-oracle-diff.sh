#!/usr/bin/env bash
# tests/diff/run-oracle-diff.sh CMON_BINARY: the live differential test.
#
# Builds tests/profgen, writes FRESH profiles into a temporary directory, then
# runs every case of tests/golden/cases.txt and tests/diff/large-cases.txt
# (on a profile made here, too large to commit) with both `go tool pprof`
# (the oracle) and `CMON_BINARY pprof`, from the repository root with TZ=UTC, and
# compares them: stdout byte for byte, the exit status, and the oracle's
# stderr (when not empty) must appear in cmon's stderr.
#
# Prints "ok NAME" or "FAIL NAME" plus the start of a unified diff.
# Exit status: 0 all passed, 1 some failed, 2 usage or setup error,
# 77 skipped (no go command).
# Environment: CMON_CASES=REGEX runs only the matching case names;
# CMON_DIFF_LINES (40) is how many diff lines to show; CMON_KEEP=1 keeps
# the temporary directory (profiles and outputs) and prints its path.
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "run-oracle-diff" "$@") || exit 2
if ! lib_have_go; then
	echo "run-oracle-diff: SKIP: no go command (or no go tool pprof) to act as the oracle"
	exit 77
fi

tmp=$(mktemp -d)
if [ "${CMON_KEEP:-0}" = 1 ]; then
	echo "run-oracle-diff: keeping $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi

t0=$(lib_ms)
if ! lib_build_profgen "$tmp/profgen"; then
	echo "run-oracle-diff: building tests/profgen failed" >&2
	exit 2
fi
t1=$(lib_ms)
if ! lib_gen_profiles "$tmp/profgen" "$tmp/data" 2>"$tmp/profgen.log"; then
	cat "$tmp/profgen.log" >&2
	echo "run-oracle-diff: profgen failed" >&2
	exit 2
fi
if ! "$tmp/profgen" -bench -bench-samples 15000 -bench-bytes 600000 -out "$tmp/data/large.pb.gz" \
	2>>"$tmp/profgen.log"; then
	cat "$tmp/profgen.log" >&2
	echo "run-oracle-diff: profgen -bench failed" >&2
	exit 2
fi
# Profiles made elsewhere (pprof's test data, go test, C++ and Java names)
# are not regenerated: the committed ones go with the fresh ones.
if [ -d "$CMON_ROOT/tests/data/foreign" ]; then
	cp -R "$CMON_ROOT/tests/data/foreign" "$tmp/data/foreign"
fi
t2=$(lib_ms)
echo "run-oracle-diff: profgen built in $(lib_secs $((t1 - t0))), profiles written in $(lib_secs $((t2 - t1)))"

pass=0 fail=0
failed=()
while IFS=$'\t' read -r name profiles flags; do
	if [ -n "${CMON_CASES-}" ] && ! [[ $name =~ $CMON_CASES ]]; then
		continue
	fi
	lib_run_case "$tmp/data" "$tmp/want" "$name" "$profiles" "$flags" go tool pprof
	lib_run_case "$tmp/data" "$tmp/got" "$name" "$profiles" "$flags" "$cmon" pprof
	if lib_compare "$name" "$tmp/want.stdout" "$(cat "$tmp/want.status")" "$tmp/want.stderr" "$tmp/got"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed+=("$name")
		if [ "${CMON_KEEP:-0}" = 1 ]; then
			for x in stdout stderr status; do
				cp "$tmp/want.$x" "$tmp/$name.want.$x"
				cp "$tmp/got.$x" "$tmp/$name.got.$x"
			done
		fi
	fi
done < <(lib_cases; lib_cases "$CMON_ROOT/tests/diff/large-cases.txt")
t3=$(lib_ms)

echo "run-oracle-diff: $pass passed, $fail failed ($(lib_secs $((t3 - t2))))"
if [ $fail -ne 0 ]; then
	echo "run-oracle-diff: failed: ${failed[*]}"
	exit 1
fi
exit 0
