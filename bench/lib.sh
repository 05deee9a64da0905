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

# bench_core_tool BUILD NAME: the core library built in BUILD, and
# $here/NAME.c against it into $tmp/NAME, a temporary directory made here
# and removed when the script exits.
bench_core_tool() {
	local build=$1 name=$2
	ninja -C "$build" libcmoncore.a >/dev/null
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# shellcheck disable=SC2046
	cc -O2 -g -std=c11 -D_GNU_SOURCE -I"$root/include" "$here/$name.c" \
		"$build/libcmoncore.a" $(pkg-config --libs zlib libprotobuf-c libpcre2-8) -liberty -lm \
		-lpthread -o "$tmp/$name"
}

# bench_mid_tool NAME RUNS [CMON_BUILD_DIR] [PROFILE]: a bench program
# of the core on the mid profile (bench/.cache/mid-heap.pb.gz unless
# PROFILE; bench/speed.sh makes it): built with bench_core_tool in
# CMON_BUILD_DIR (default build/) and run with $RUNS, else RUNS, as its
# best-of count.
bench_mid_tool() {
	local name=$1 runs=$2
	bench_setup "" "${4:-$here/.cache/mid-heap.pb.gz}"
	[ -s "$prof" ] || { echo "bench: $prof is missing (bench/speed.sh makes it)" >&2; exit 2; }
	bench_core_tool "${3:-$root/build}" "$name"
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	"$tmp/$name" "$prof" "${RUNS:-$runs}"
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

# alive PID: running, not a zombie waiting to be reaped (kill -0 says yes
# to those).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# stop PID: SIGTERM (cmon prints its -stats then), up to 10 s to exit, then
# SIGKILL; reaps it either way. Not SIGINT: a script's background jobs
# start with SIGINT ignored.
stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		alive "$pid" || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# cpu_ticks PID: user+sys clock ticks so far (fields 14 and 15 of stat,
# counted after the parenthesised command name, which may hold spaces).
cpu_ticks() {
	local stat rest
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo ""; return; }
	rest=${stat##*) }
	# shellcheck disable=SC2086
	set -- $rest
	echo $(( ${12} + ${13} ))
}

