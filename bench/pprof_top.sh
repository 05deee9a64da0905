#!/usr/bin/env bash
# bench/pprof_top.sh: wall time and peak RSS of `cmon pprof -top` against
# `go tool pprof -top` and `gzip -dc` on one large real heap profile.
# Prints figures; it never passes or fails on time.
#
# usage: bench/pprof_top.sh [CMON_BINARY] [PROFILE]
#   PROFILE defaults to bench/.cache/big-heap.pb.gz, generated on first use by
#   tests/profgen -bench (MemProfileRate=1, ~2000 functions, deep varied stacks).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_setup "$@"

command -v go >/dev/null || { echo "bench: go is needed (apt-get install golang-go)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is needed (apt-get install time)" >&2; exit 2; }

bench_big_profile

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# measure NAME CMD...: best wall time and its peak RSS over $runs runs.
measure() {
	local name=$1; shift
	local best_t="" best_m=""
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/$name.out" 2>/dev/null
		read -r t m < "$out/time"
		if [ -z "$best_t" ] || awk -v a="$t" -v b="$best_t" 'BEGIN{exit !(a<b)}'; then
			best_t=$t; best_m=$m
		fi
	done
	echo "$best_t $best_m"
}

size=$(stat -c %s "$prof")
samples=$(TZ=UTC "$cmon" pprof -traces "$prof" 2>/dev/null | grep -c '^-----------+' || true)
echo "profile: $prof ($((size / 1024)) KiB gzipped, $((samples - 1)) samples)"
echo "runs: best of $runs (go tool pprof: 1 run)"

read -r gz_t gz_m < <(measure gzip gzip -dc "$prof")
read -r cm_t cm_m < <(measure cmon env TZ=UTC "$cmon" pprof -top "$prof")
runs=1 read -r go_t go_m < <(runs=1; measure go env TZ=UTC go tool pprof -top "$prof")

if cmp -s "$out/cmon.out" "$out/go.out"; then same=identical; else same=DIFFERENT; fi

printf '\n%-22s %10s %12s\n' "command" "wall (s)" "peak RSS (MB)"
printf '%-22s %10s %12.1f\n' "gzip -dc" "$gz_t" "$(echo "$gz_m / 1024" | bc -l)"
printf '%-22s %10s %12.1f\n' "cmon pprof -top" "$cm_t" "$(echo "$cm_m / 1024" | bc -l)"
printf '%-22s %10s %12.1f\n' "go tool pprof -top" "$go_t" "$(echo "$go_m / 1024" | bc -l)"
echo
awk -v c="$cm_t" -v g="$go_t" -v z="$gz_t" -v cm="$cm_m" -v gm="$go_m" 'BEGIN {
	printf "speed:  cmon is %.0fx faster than go tool pprof\n", g / c
	printf "memory: cmon uses 1/%.0f of go tool pprof'"'"'s peak RSS\n", gm / cm
	printf "cmon / gzip -dc wall time: %.2fx\n", c / z
}'
echo "output: $same"
