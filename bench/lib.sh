# bench/lib.sh: what the profile benchmarks share. Source it with $here
# set to bench/.

# bench_setup [CMON_BINARY] [PROFILE]: root, cmon, prof (the large heap
# profile by default) and runs ($RUNS, default 3).
bench_setup() {
	root=$(dirname "$here")
	cmon=${1:-$root/build/cmon}
	prof=${2:-$here/.cache/big-heap.pb.gz}
	runs=${RUNS:-3}
}

# bench_big_profile: makes $prof (the large benchmark heap profile:
# tests/profgen -bench, MemProfileRate=1, ~2000 functions, deep varied
# stacks) unless it is there already. Needs go.
bench_big_profile() {
	local gen
	[ -s "$prof" ] && return 0
	command -v go >/dev/null || { echo "bench: go is needed to make $prof" >&2; return 2; }
	mkdir -p "$(dirname "$prof")"
	echo "generating $prof (takes a few minutes)..." >&2
	gen=$(mktemp -d)
	(cd "$root/tests/profgen" && go build -o "$gen/profgen" .)
	"$gen/profgen" -bench -out "$prof" >&2
	rm -rf "$gen"
}
