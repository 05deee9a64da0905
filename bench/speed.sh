#!/usr/bin/env bash
# bench/speed.sh: every row of issue 15's table in one run. `cmon pprof
# -top` against `go tool pprof -top` and `gzip -dc` on the same file, for
# three profile sizes, then the viewer's key latencies on the largest
# (bench/pprof_view.sh). Prints figures and each target's verdict; it
# never fails on time (the machine is shared: compare ratios of one run).
#
#   small  tests/data/labels_heap.pb.gz (1.7 KB): start cost
#   mid    bench/.cache/mid-heap.pb.gz (~1.9 MB gz / 6.9 MB, 126k samples,
#          made by tests/profgen -bench -bench-samples 100000
#          -bench-bytes 1900000: its second batch)
#   big    bench/.cache/big-heap.pb.gz (~11 MB gz / 43 MB, 820k samples,
#          tests/profgen -bench with its defaults, as bench/pprof_top.sh)
#
# usage: bench/speed.sh [CMON_BINARY]
# Environment: RUNS (5) best-of runs of cmon and gzip; GO_RUNS (1) of go
# tool pprof; SKIP_GO_BIG=1 leaves go tool pprof out on the big profile
# (it takes 30 s to minutes and over 2 GB); SKIP_VIEW=1 the viewer keys.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_setup "${1:-}"
command -v go >/dev/null || { echo "bench: go is needed (apt-get install golang-go)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 2; }
command -v cc >/dev/null || { echo "bench: a C compiler is needed for bench/spawn_time.c" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -std=c11 -o "$tmp/spawn_time" "$here/spawn_time.c"

small=$root/tests/data/labels_heap.pb.gz
mid=$here/.cache/mid-heap.pb.gz
prof=$here/.cache/big-heap.pb.gz
bench_big_profile
if [ ! -s "$mid" ]; then
	echo "generating $mid..." >&2
	gen=$(mktemp -d)
	(cd "$root/tests/profgen" && go build -trimpath -o "$gen/profgen" .)
	"$gen/profgen" -bench -bench-samples 100000 -bench-bytes 1900000 -out "$mid" >&2
	rm -rf "$gen"
fi

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/spawn_time" "$cmon" "$small" "$mid" "$prof" "${RUNS:-5}" "${GO_RUNS:-1}" "${SKIP_GO_BIG:-0}" <<'PY'
import os, subprocess, sys

spawn_time, cmon, small, mid, big, runs, go_runs, skip_go_big = sys.argv[1:9]
runs, go_runs = int(runs), int(go_runs)
env = dict(os.environ, TZ="UTC")

def best(cmd, n):
    """The fastest of n runs: wall seconds, CPU seconds and peak RSS (MB),
    output to /dev/null, each timed by bench/spawn_time.c from spawn to
    reaping (a python fork and an exec of GNU time per run would add 4-7
    ms to every figure)."""
    p = subprocess.run([spawn_time, str(n)] + cmd, capture_output=True, text=True, env=env)
    if p.returncode:
        raise SystemExit(f"bench: {' '.join(cmd)} failed: {p.stderr.strip()}")
    rs = [(float(w) / 1e3, float(c) / 1e3, int(m) / 1024)
          for w, c, m in (line.split() for line in p.stdout.splitlines())]
    return min(rs, key=lambda r: r[0])

def same_output(prof):
    a = subprocess.run([cmon, "pprof", "-top", prof], capture_output=True, env=env).stdout
    b = subprocess.run(["go", "tool", "pprof", "-top", prof], capture_output=True, env=env).stdout
    return "identical" if a == b else "DIFFERENT"

def row(name, prof, go, targets):
    gz = best(["gzip", "-dc", prof], runs)
    cm = best([cmon, "pprof", "-top", prof], runs)
    g = best(["go", "tool", "pprof", "-top", prof], go_runs) if go else None
    print(f"\n{name}: {prof} ({os.path.getsize(prof) / 1024:.1f} KiB)")
    print(f"  {'command':20s} {'wall (ms)':>10s} {'CPU (ms)':>9s} {'RSS (MB)':>9s}")
    for label, r in (("gzip -dc", gz), ("cmon pprof -top", cm), ("go tool pprof -top", g)):
        if r:
            print(f"  {label:20s} {r[0] * 1000:10.1f} {r[1] * 1000:9.1f} {r[2]:9.1f}")
    print(f"  cmon / gzip -dc: {cm[0] / gz[0]:.2f}x wall")
    if g:
        print(f"  cmon vs go tool pprof: {g[0] / cm[0]:.0f}x faster, 1/{g[2] / cm[2]:.0f} of its memory;"
              f" output {same_output(prof)}")
    for what, ok in targets(gz, cm, g):
        print(f"  target {what}: {'met' if ok else 'NOT MET'}")

row("small", small, True, lambda gz, cm, g: [
    ("<= 3x gzip -dc", cm[0] <= 3 * gz[0]), ("<= 4 MB RSS", cm[2] <= 4)])
row("mid", mid, True, lambda gz, cm, g: [
    (">= 100x faster than go tool pprof", g[0] >= 100 * cm[0]),
    ("<= 1/20 of its memory", cm[2] * 20 <= g[2]), ("<= 1.5x gzip -dc", cm[0] <= 1.5 * gz[0])])
row("big", big, skip_go_big != "1", lambda gz, cm, g: [
    ("<= 1.0x gzip -dc", cm[0] <= gz[0]), ("<= 64 MB RSS", cm[2] <= 64)])
PY

if [ "${SKIP_VIEW:-0}" != 1 ]; then
	echo
	echo "viewer on the big profile (bench/pprof_view.sh; target: every key within 16 ms):"
	RUNS=1 bash "$here/pprof_view.sh" "$cmon" "$prof"
fi
