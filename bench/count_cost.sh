#!/usr/bin/env bash
# bench/count_cost.sh: what cmon's @goroutines and @threads cost the
# service it watches. One demo with -idle N parked goroutines (default
# 10000, 8 frames deep) is watched by `cmon -dummy -i=1s
# -vars=@goroutines,@threads` for S seconds, twice in the same run:
#   index   the counts from /debug/pprof/'s index page (cmon's way)
#   dumps   the same demo with -pprof-index=false, so cmon reads
#           goroutine?debug=1 and threadcreate?debug=1 (every goroutine's
#           stack walked each poll: expvarmon-era tools' way)
# Prints the demo's CPU per poll (its CPU over the run, less what it used
# alone for as long), cmon's own CPU, and the ratio. Figures only: it
# never passes or fails.
#
# usage: bench/count_cost.sh [N]      environment: CMON, BENCH_SECONDS (20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$here/lib.sh"
cmon=${CMON:-$root/build/cmon}
secs=${BENCH_SECONDS:-20}
idle=${1:-10000}
command -v go >/dev/null || { echo "bench: go is needed to build demo/" >&2; exit 2; }
[ -x "$cmon" ] || { echo "bench: $cmon: not built (ninja -C build)" >&2; exit 2; }
[[ $idle =~ ^[0-9]+$ && $secs =~ ^[1-9][0-9]*$ ]] || { echo "bench: want N >= 0 and BENCH_SECONDS > 0" >&2; exit 2; }

out=$(mktemp -d)
demo_pid="" cmon_pid=""
cleanup() {
	stop "$cmon_pid"
	stop "$demo_pid"
	rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
(cd "$root/demo" && GOPROXY=off GOFLAGS=-mod=mod go build -o "$out/demo" .)
tck=$(getconf CLK_TCK)

# start_demo ARGS...: sets demo_pid and addr.
start_demo() {
	"$out/demo" -addr 127.0.0.1:0 -idle "$idle" "$@" >"$out/demo.out" 2>&1 &
	demo_pid=$!
	for _ in $(seq 300); do
		addr=$(sed -n 's|^demo: listening on http://||p' "$out/demo.out")
		[ -z "$addr" ] || return 0
		sleep 0.1
	done
	echo "bench: the demo did not start: $(head -3 "$out/demo.out")" >&2
	exit 2
}

# ticks_over S PID: PID's CPU ticks over the next S seconds.
ticks_over() {
	local a
	a=$(cpu_ticks "$2")
	sleep "$1"
	echo $(($(cpu_ticks "$2") - a))
}

# one NAME ARGS...: a row for the demo started with ARGS.
one() {
	local name=$1 quiet busy cm polls
	shift
	start_demo "$@"
	sleep 1
	quiet=$(ticks_over "$secs" "$demo_pid")
	"$cmon" -ports="$addr" -vars=@goroutines,@threads -i=1s -dummy -stats \
		>"$out/cmon.out" 2>"$out/cmon.err" &
	cmon_pid=$!
	busy=$(ticks_over "$secs" "$demo_pid")
	cm=$(cpu_ticks "$cmon_pid")
	stop "$cmon_pid"
	cmon_pid=""
	polls=$(sed -nE 's/^cmon: polls ([0-9]+).*/\1/p' "$out/cmon.err")
	grep -q 'goroutines: [0-9]' "$out/cmon.out" || { echo "bench: $name: no counts: $(tail -2 "$out/cmon.out")" >&2; exit 2; }
	stop "$demo_pid"
	demo_pid=""
	awk -v n="$name" -v q="$quiet" -v b="$busy" -v c="$cm" -v p="${polls:-0}" -v hz="$tck" 'BEGIN {
		per = p > 0 ? (b - q) / hz / p * 1000 : 0
		printf "%-7s %6d %14.2f %12.2f %10.2f\n", n, p, per, (b - q) / hz, c / hz
	}' | tee -a "$out/rows"
}

echo "demo -idle $idle, cmon -vars=@goroutines,@threads -i=1s -dummy, $secs s each"
printf '%-7s %6s %14s %12s %10s\n' way polls "demo ms/poll" "demo CPU s" "cmon CPU s"
one index
one dumps -pprof-index=false
awk 'NR == 1 { i = $3 } NR == 2 { d = $3 } END {
	if (i > 0) printf "dumps cost the service %.0fx what the index costs\n", d / i
	else printf "index: below the clock tick over this run (raise BENCH_SECONDS)\n"
}' "$out/rows"
