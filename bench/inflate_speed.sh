#!/usr/bin/env bash
# bench/inflate_speed.sh: cmon's inflate against zlib's on a gzip
# profile held in memory (bench/inflate_speed.c): the inflating thread's
# share of a report, where on bench/speed.sh's mid profile the decoder
# waits for it. Prints figures; it never passes or fails on time.
#
# usage: bench/inflate_speed.sh [CMON_BUILD_DIR] [PROFILE]
#   CMON_BUILD_DIR (default build/) has the core library (libcmoncore.a);
#   PROFILE defaults to bench/.cache/mid-heap.pb.gz (bench/speed.sh makes
#   it). RUNS=N (default 20) best of.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_mid_tool inflate_speed 20 "$@"
