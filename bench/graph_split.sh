#!/usr/bin/env bash
# bench/graph_split.sh: the -top graph's aggregation on one thread and
# split over two (bench/graph_split.c), on the first N samples of a
# profile for growing N: where the split starts to pay, and its gain.
# Prints figures; it never passes or fails on time.
#
# usage: bench/graph_split.sh [CMON_BUILD_DIR] [PROFILE]
#   CMON_BUILD_DIR (default build/) has the core library (libcmoncore.a);
#   PROFILE defaults to bench/.cache/mid-heap.pb.gz (bench/speed.sh makes
#   it). RUNS=N builds per size (best of; default 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_mid_tool graph_split 5 "$@"
