#!/usr/bin/env bash
# bench/prom_parse.sh: what one /metrics poll costs the monitor
# (bench/prom_parse.c: the reader's MB/s over the whole body, then ns,
# malloc calls and bytes per poll with the Go collector's defaults) for a
# real Prometheus server's /metrics and the demo's (tests/fuzz/corpus-prom),
# and for a live endpoint when one is given. Prints figures; it never
# passes or fails on them.
#
# usage: bench/prom_parse.sh [URL]        e.g. http://127.0.0.1:9090/metrics
# environment:
#   POLLS=N   polls per body (default 2000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
polls=${POLLS:-2000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bodies=("$root"/tests/fuzz/corpus-prom/prometheus-*-metrics.txt "$root"/tests/fuzz/corpus-prom/demo-metrics.txt)
if [ $# -ge 1 ]; then
	curl -sf "$1" -o "$tmp/live-metrics.txt"
	bodies+=("$tmp/live-metrics.txt")
fi
build=$root/build
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" >"$tmp/setup.log" 2>&1 ||
		{ echo "bench: meson setup failed:" >&2; tail -5 "$tmp/setup.log" >&2; exit 1; }
fi
ninja -C "$build" libcmoncore.a >"$tmp/ninja.log" 2>&1 ||
	{ echo "bench: building the core failed:" >&2; tail -5 "$tmp/ninja.log" >&2; exit 1; }
# shellcheck disable=SC2046
cc -O2 -g -std=c11 -D_GNU_SOURCE -I"$root/include" "$here/prom_parse.c" "$build/libcmoncore.a" \
	$(pkg-config --libs zlib libprotobuf-c libpcre2-8) -liberty -lm -o "$tmp/prom_parse"
"$tmp/prom_parse" -n "$polls" "${bodies[@]}"
