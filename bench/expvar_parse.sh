#!/usr/bin/env bash
# bench/expvar_parse.sh: what one /debug/vars poll costs the monitor
# (bench/expvar_parse.c: ns, malloc calls and bytes per poll) for the real
# bodies in tests/data/vars, for the working tree and, given a git
# revision, for that revision's core built the same way, side by side.
# Prints figures; it never passes or fails on them.
#
# usage: bench/expvar_parse.sh [REV]      e.g. 4044653 (jansson's parser)
# environment:
#   POLLS=N       polls per body (default 20000)
#   CALLGRIND=1   also count instructions per poll with valgrind's callgrind
#                 (2000 polls of demo-load1.json; slow, but not noisy)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rev=${1-}
polls=${POLLS:-20000}
bodies=("$root"/tests/data/vars/demo-*.json "$root"/tests/data/vars/go-odd.json)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# build_driver SRC_ROOT BUILD_DIR OUT: the driver linked with that tree's
# core library, built by meson as the project builds it (debugoptimized).
build_driver() {
	local src=$1 build=$2 out=$3
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" "$src" >"$tmp/setup.log" 2>&1 ||
			{ echo "bench: meson setup of $src failed:" >&2; tail -5 "$tmp/setup.log" >&2; return 1; }
	fi
	ninja -C "$build" libcmoncore.a >"$tmp/ninja.log" 2>&1 ||
		{ echo "bench: building $src's core failed:" >&2; tail -5 "$tmp/ninja.log" >&2; return 1; }
	# jansson only for revisions that still used it.
	# shellcheck disable=SC2046
	cc -O2 -g -std=c11 -D_GNU_SOURCE -I"$src/include" "$here/expvar_parse.c" \
		"$build/libcmoncore.a" $(pkg-config --libs zlib libprotobuf-c libpcre2-8) -liberty \
		$(pkg-config --libs jansson 2>/dev/null || true) -lm -o "$out"
}

# instructions DRIVER: instructions per poll (callgrind, inclusive cost of
# cm_monitor_vars_result over the timed polls and the 100 warm-up ones).
instructions() {
	local n=2000
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
		--toggle-collect=cm_monitor_vars_result "$1" -n "$n" \
		"$root/tests/data/vars/demo-load1.json" >/dev/null 2>"$tmp/cg.log"
	awk -v n=$((n + 100)) '/Collected :/ { printf "%.0f\n", $NF / n }' "$tmp/cg.log"
}

build_driver "$root" "$root/build" "$tmp/now"
if [ -n "$rev" ]; then
	mkdir -p "$tmp/rev"
	git -C "$root" archive "$rev" | tar -x -C "$tmp/rev"
	build_driver "$tmp/rev" "$tmp/rev-build" "$tmp/then"
	echo "== $rev"
	"$tmp/then" -n "$polls" "${bodies[@]}"
	echo
fi
echo "== working tree"
"$tmp/now" -n "$polls" "${bodies[@]}"
if [ "${CALLGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || { echo "bench: CALLGRIND=1 needs valgrind" >&2; exit 2; }
	echo
	echo "instructions per poll of demo-load1.json (callgrind):"
	[ -z "$rev" ] || echo "  $rev: $(instructions "$tmp/then")"
	echo "  working tree: $(instructions "$tmp/now")"
fi
