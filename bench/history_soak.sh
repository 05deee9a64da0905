#!/usr/bin/env bash
# bench/history_soak.sh: the history's memory stays flat over hours.
#
# 1. Simulated hours (bench/history_soak.c): the real monitor code reads
#    real bodies of the demo service (tests/data/vars/demo-load*.json) at
#    -i=100ms with a clock that does not wait, and prints RSS, the bytes
#    the history holds and its budget every simulated half hour: the bytes
#    climb to the budget (full resolution, then the x10, x100 and x1000
#    tiers filling) and stay under it while the last tier merges.
# 2. The real binary: a demo service, cmon -dummy -i=100ms, its RSS every
#    10 s for REAL_SECONDS (default 60; 0 skips it; needs go).
#
# usage: bench/history_soak.sh
# environment: SERVICES (10), HOURS (6), HISTORY (60, seconds: a short
# window so that the tiers fill within the hours), REAL_SECONDS (60),
# BUILD (the meson build directory, default build/)
# Prints figures; fails only when the history passes its budget.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tmp=$(mktemp -d)
demo_pid=""
cleanup() { [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

build=${BUILD:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" >"$tmp/setup.log" 2>&1 ||
		{ echo "bench: meson setup failed:" >&2; tail -5 "$tmp/setup.log" >&2; exit 2; }
fi
ninja -C "$build" libcmoncore.a cmon >"$tmp/ninja.log" 2>&1 ||
	{ echo "bench: build failed:" >&2; tail -5 "$tmp/ninja.log" >&2; exit 2; }
# shellcheck disable=SC2046
cc -O2 -g -std=c11 -D_GNU_SOURCE -I"$root/include" "$here/history_soak.c" \
	"$build/libcmoncore.a" $(pkg-config --libs zlib libprotobuf-c libpcre2-8) -lm -o "$tmp/soak"

echo "== simulated: the history against its budget"
status=0
"$tmp/soak" -services "${SERVICES:-10}" -hours "${HOURS:-6}" -i 0.1 -history "${HISTORY:-60}" \
	"$root"/tests/data/vars/demo-load1.json "$root"/tests/data/vars/demo-load2.json || status=$?

real=${REAL_SECONDS:-60}
if [ "$real" -gt 0 ] && command -v go >/dev/null; then
	echo "== real: cmon -dummy -i=100ms against the demo service, RSS every 10 s"
	(cd "$root/demo" && go build -o "$tmp/demo" .)
	"$tmp/demo" -addr 127.0.0.1:0 -load 1 >"$tmp/demo.out" 2>&1 &
	demo_pid=$!
	for _ in $(seq 100); do
		grep -q '^demo: listening on http://' "$tmp/demo.out" 2>/dev/null && break
		sleep 0.05
	done
	addr=$(sed -n 's|^demo: listening on http://||p' "$tmp/demo.out" | head -n 1)
	"$build/cmon" -ports="$addr" -i=100ms -history="${HISTORY:-60}s" -dummy >/dev/null &
	cmon_pid=$!
	printf '%8s %10s\n' seconds "RSS MB"
	for ((s = 10; s <= real; s += 10)); do
		sleep 10
		rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$cmon_pid/status" 2>/dev/null || echo 0)
		printf '%8d %10.1f\n' "$s" "$(echo "$rss / 1024" | bc -l)"
	done
	kill "$cmon_pid" 2>/dev/null
	wait "$cmon_pid" 2>/dev/null || true
fi
exit "$status"
