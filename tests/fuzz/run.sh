#!/usr/bin/env bash
# Builds a libFuzzer target under ASan/UBSan and runs it: fuzz_decode
# (decoder + reports), fuzz_expvar (JSON, /debug/vars values, the
# monitor reading bodies), fuzz_inflate (src/base/inflate.c against zlib)
# or fuzz_prom (the Prometheus text format / OpenMetrics reader and the
# monitor reading /metrics bodies).
#
# usage: tests/fuzz/run.sh [SECONDS] [extra libFuzzer args...]
#   SECONDS   total run time (default 60); 0 = build only
# environment:
#   FUZZ_TARGET  decode (default), expvar, inflate or prom
#   FUZZ_WORK  work dir for the binary and the evolving corpus
#              (default ${TMPDIR:-/tmp}/cmon-fuzz; reused between runs)
#   FUZZ_JOBS  parallel fuzzing processes (default 1)
#   FUZZ_SANITIZE  sanitizers besides fuzzer (default address,undefined).
#              "undefined" alone runs some 20x faster (ASan maps and unmaps
#              every large block the decoder allocates); replay its corpus
#              under ASan afterwards: FUZZ_SANITIZE=address,undefined run.sh 1
#              -runs=0 (every corpus input once).
#   FUZZ_RECOVER=1  report undefined behaviour and carry on (each kind once
#              per process, grep the output for "runtime error") instead of
#              stopping at the first: to get past a known finding.
#   CC         clang to use (default clang)
# Crashes, leaks and timeouts are written to tests/fuzz/crashes/ (named
# expvar-* for fuzz_expvar, inflate-* for fuzz_inflate, prom-* for fuzz_prom).
# Replay one: $FUZZ_WORK/fuzz_decode-address-undefined tests/fuzz/crashes/FILE
# (or, without clang, the fuzz_replay / fuzz_replay_expvar /
# fuzz_replay_inflate test executables meson builds).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-60}
shift || true
work=${FUZZ_WORK:-${TMPDIR:-/tmp}/cmon-fuzz}
jobs=${FUZZ_JOBS:-1}
cc=${CC:-clang}
sanitize=${FUZZ_SANITIZE:-address,undefined}
recover=-fno-sanitize-recover=undefined
halt=1
if [ "${FUZZ_RECOVER:-0}" = 1 ]; then
	recover=-fsanitize-recover=undefined
	halt=0
fi
target=${FUZZ_TARGET:-decode}
case $target in
decode) corpus=$work/corpus seeds=$work/seeds dict=$here/profile.dict prefix= ;;
expvar) corpus=$work/corpus-expvar seeds=$work/seeds-expvar dict=$here/json.dict prefix=expvar- ;;
inflate) corpus=$work/corpus-inflate seeds=$work/seeds-inflate dict= prefix=inflate- ;;
prom) corpus=$work/corpus-prom seeds=$work/seeds-prom dict=$here/prom.dict prefix=prom- ;;
*) echo "run.sh: FUZZ_TARGET=$target: want decode, expvar, inflate or prom" >&2; exit 2 ;;
esac
bin=$work/fuzz_$target-${sanitize//,/-}
mkdir -p "$work/gen" "$corpus" "$seeds" "$here/crashes"

# protoc-c output for the fuzz build only.
protoc-c --proto_path="$root/proto" --c_out="$work/gen" "$root/proto/profile.proto"

# The core sources are whatever meson's core_sources lists.
mapfile -t core < <(sed -n '/^core_sources *= *files(/,/)/p' "$root/meson.build" |
	grep -o "'src/[^']*\.c'" | tr -d "'")
if [ "${#core[@]}" -eq 0 ]; then
	echo "run.sh: cannot find core_sources in meson.build" >&2
	exit 2
fi
srcs=()
for s in "${core[@]}"; do srcs+=("$root/$s"); done

echo "building $bin from ${#core[@]} core files" >&2
# shellcheck disable=SC2046
"$cc" -g -O1 -std=c11 -D_GNU_SOURCE -fno-omit-frame-pointer \
	-fsanitize=fuzzer,"$sanitize" $recover \
	-I"$root/include" -I"$work/gen" \
	"$here/fuzz_$target.c" "${srcs[@]}" "$work/gen/profile.pb-c.c" \
	$(pkg-config --cflags --libs libprotobuf-c zlib libpcre2-8) -liberty -lm \
	-o "$bin.tmp"
mv -f "$bin.tmp" "$bin" # a running fuzzer keeps its old binary

[ "$secs" = 0 ] && exit 0

# Seeds for fuzz_expvar: the real /debug/vars bodies, and corpus-expvar/
# (a few hand-written ones and the merged corpus of earlier runs).
if [ "$target" = expvar ]; then
	cp "$root"/tests/data/vars/*.json "$here"/corpus-expvar/* "$seeds/"
fi

# Seeds for fuzz_prom: corpus-prom/ (real /metrics bodies, OpenMetrics,
# histograms, summaries, hostile ones, and the merged corpus of runs).
if [ "$target" = prom ]; then
	cp "$here"/corpus-prom/* "$seeds/"
fi

# Seeds for fuzz_inflate: corpus-inflate/ (zlib output of each kind, some
# mangled), and the smaller real profiles as gzip input (a first byte of 1:
# gzip, the smallest output buffer).
if [ "$target" = inflate ]; then
	cp "$here"/corpus-inflate/* "$seeds/"
	for f in "$root"/tests/data/*.pb.gz; do
		[ "$(stat -c %s "$f")" -le 60000 ] || continue
		{ printf '\001'; cat "$f"; } >"$seeds/$(basename "$f")"
	done
fi

# Seeds for fuzz_decode: real profiles, as shipped (gzip) and inflated (raw
# protobuf, which the mutator can actually take apart), plus the small
# hostile cases.
for f in /tmp/qp/*.pb.gz "$root"/tests/data/*; do
	[ "$target" = decode ] || break
	[ -f "$f" ] || continue
	sz=$(stat -c %s "$f")
	[ "$sz" -le 4000000 ] || continue
	b=$(basename "$f")
	cp "$f" "$work/seeds/$b"
	python3 - "$f" "$work/seeds/$b.raw" <<'PY' || true
import gzip, sys
data = open(sys.argv[1], 'rb').read()
if data[:2] == b'\x1f\x8b':
    try:
        raw = gzip.decompress(data)
    except Exception:
        sys.exit(0)
    if len(raw) <= 4000000:
        open(sys.argv[2], 'wb').write(raw)
PY
done
if [ "$target" = decode ] && [ -f "$root/tests/hostile/gen.py" ]; then
	python3 "$root/tests/hostile/gen.py" --small "$work/seeds" >/dev/null
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=$halt}
args=(-max_total_time="$secs" -timeout=10
	-rss_limit_mb=2560 -malloc_limit_mb=2048 -max_len=65536
	-artifact_prefix="$here/crashes/$prefix" -print_final_stats=1)
if [ -n "$dict" ]; then
	args+=(-dict="$dict")
fi
if [ "$jobs" -gt 1 ]; then
	args+=(-jobs="$jobs" -workers="$jobs")
fi
cd "$work"
exec "$bin" "${args[@]}" "$@" "$corpus" "$seeds"
