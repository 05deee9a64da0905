#!/usr/bin/env bash
# bench/flame_layout.sh: the flame graph's cost on the large benchmark
# profile (bench/flame_layout.c): the first F (stack tree and layout)
# after the load, and each later layout, which every redraw does (the
# target: well under 16 ms, one frame). Prints figures; it never passes or
# fails on time.
#
# usage: bench/flame_layout.sh [CMON_BUILD_DIR] [PROFILE]
#   CMON_BUILD_DIR (default build/) has the core library (libcmoncore.a);
#   PROFILE defaults to bench/.cache/big-heap.pb.gz, made on first use
#   (bench/lib.sh: tests/profgen -bench, as for bench/pprof_top.sh).
#   RUNS=N layouts per width (best of; default 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_setup "" "${2-}"
build=${1:-$root/build}
bench_big_profile
bench_core_tool "$build" flame_layout
"$tmp/flame_layout" "$prof" "${RUNS:-5}"
