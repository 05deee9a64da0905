#!/usr/bin/env bash
# Feeds hostile profiles to `cmon pprof -top` and checks that each is refused
# cleanly: exit status 1, exactly one line on stderr naming the file and the
# problem, nothing on stdout, no crash, within the time limit. A few
# valid-but-odd profiles must instead succeed, some with go tool pprof's
# output byte for byte.
#
# usage: tests/hostile/run.sh CMON_BINARY [CASE_REGEX]
#   CASE_REGEX  only run the cases whose name matches (grep -E)
# environment:
#   HOSTILE_TIMEOUT  seconds per case (default 10)
#   HOSTILE_SMALL=1  skip the big cases (gzip bombs, millions of samples)
#   HOSTILE_NO_RSS=1 do not check peak memory (set automatically when the
#                    binary is built with ASan, whose shadow memory inflates RSS)
#   KEEP=1           keep the generated files (printed at the end)
# Prints "ok NAME" or "FAIL NAME: why" per case; exits 1 if any failed.
set -uo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 CMON_BINARY [CASE_REGEX]" >&2
	exit 2
fi
cmon=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
limit=${HOSTILE_TIMEOUT:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmon-hostile.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$tmp"' EXIT
fi

small=()
[ "${HOSTILE_SMALL:-0}" = 1 ] && small=(--small)
if ! python3 "$here/gen.py" "${small[@]}" "$tmp/cases" >/dev/null; then
	echo "FAIL generating the cases" >&2
	exit 1
fi

# "same" cases compare with go tool pprof when go is at hand (the Time:
# header is local time: the same zone for both).
have_go=0
command -v go >/dev/null 2>&1 && go tool pprof -h >/dev/null 2>&1 && have_go=1
export TZ=UTC

# Under a sanitizer build, a report must never look like a clean refusal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=99:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=98:print_stacktrace=1}

check_rss=1
if [ "${HOSTILE_NO_RSS:-0}" = 1 ] || lib_is_asan "$cmon"; then
	check_rss=0
fi
timecmd=()
if [ -x /usr/bin/time ]; then
	timecmd=(/usr/bin/time -o "$tmp/time" -f "%e %M")
fi

# pprof's notes on symbolizing a legacy profile are not errors: an "ok" or
# "same" case may print them (and go tool pprof does).
notes='^(Main binary filename not available\.|Local symbolization failed for .*|Some binary filenames not available\. Symbolization may be incomplete\.|Try setting PPROF_BINARY_PATH to the search path for local binaries\.)$'

pass=0
failed=0
while IFS=$'\t' read -r name file expect regex flags rss; do
	[ -n "$name" ] || continue
	if [ -n "$filter" ] && ! grep -Eq -- "$filter" <<<"$name"; then
		continue
	fi
	args=(pprof -top)
	[ "$flags" != "-" ] && args+=($flags)
	args+=("$file")
	rm -f "$tmp/time"
	"${timecmd[@]}" timeout -s KILL "$limit" "$cmon" "${args[@]}" \
		>"$tmp/out" 2>"$tmp/err"
	status=$?
	why=""
	nerr=$(wc -l <"$tmp/err")
	errline=$(head -c 2000 "$tmp/err")
	if [ -s "$tmp/time" ]; then
		# time(1) reports a signal on its own line first; keep the last line.
		read -r secs maxkb < <(tail -n 1 "$tmp/time")
	else
		secs=? maxkb=0
	fi
	if [ $status -eq 137 ] || [ $status -eq 124 ]; then
		why="timed out after ${limit}s (status $status)"
	elif [ $status -gt 128 ]; then
		why="killed by signal $((status - 128))"
	elif [ "$expect" = fail ]; then
		if [ $status -ne 1 ]; then
			why="exit status $status, want 1"
		elif [ -s "$tmp/out" ]; then
			why="wrote $(wc -c <"$tmp/out") bytes to stdout"
		elif [ "$nerr" -ne 1 ] || [ "$(tail -c 1 "$tmp/err" | od -An -c | tr -d ' ')" != '\n' ]; then
			why="want exactly one line on stderr, got $nerr"
		elif ! grep -Fq -- "$file" "$tmp/err"; then
			why="stderr does not name the file"
		elif ! grep -Eiq -- "$regex" "$tmp/err"; then
			why="stderr does not match /$regex/"
		fi
	else
		if [ $status -ne 0 ]; then
			why="exit status $status, want 0"
		elif grep -Evq "$notes" "$tmp/err"; then
			why="wrote to stderr"
		elif ! grep -Eq -- "$regex" "$tmp/out"; then
			why="stdout does not match /$regex/"
		elif [ "$expect" = same ] && [ $have_go = 1 ]; then
			# go tool pprof has no -max_inflated: the same flags without it
			goargs=()
			for a in "${args[@]:1}"; do
				[[ $a == -max_inflated=* ]] || goargs+=("$a")
			done
			go tool pprof "${goargs[@]}" >"$tmp/want" 2>/dev/null </dev/null
			if ! cmp -s "$tmp/want" "$tmp/out"; then
				why="stdout differs from go tool pprof's"
				diff "$tmp/want" "$tmp/out" | head -n 6 | sed 's/^/    /'
			fi
		fi
	fi
	if [ -z "$why" ] && [ $check_rss = 1 ] && [ "$rss" != "-" ] && [ "${maxkb:-0}" -gt $((rss * 1024)) ]; then
		why="peak RSS $((maxkb / 1024)) MB exceeds ${rss} MB"
	fi
	if [ -z "$why" ]; then
		echo "ok $name (${secs}s, $(( ${maxkb:-0} / 1024 )) MB)"
		pass=$((pass + 1))
	else
		echo "FAIL $name: $why"
		if [ -s "$tmp/err" ]; then
			head -n 3 "$tmp/err" | cut -c 1-300 | sed 's/^/    stderr: /'
		fi
		failed=$((failed + 1))
	fi
done <"$tmp/cases/cases.tsv"

echo "$pass passed, $failed failed"
[ "${KEEP:-0}" = 1 ] && echo "cases kept in $tmp/cases"
[ $failed -eq 0 ]
