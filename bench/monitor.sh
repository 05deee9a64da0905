#!/usr/bin/env bash
# bench/monitor.sh: what `cmon -dummy` costs while watching N services at
# -i=1s: CPU seconds (user+sys), % of one core, peak RSS, and how late its
# polls ran. The services are one `demo -services N` process on loopback.
# Prints figures; it never passes or fails on them.
#
# usage: bench/monitor.sh [N...]          (default: 10 100 1000)
# environment:
#   CMON=PATH            the cmon binary (default build/cmon)
#   BENCH_SECONDS=S      how long cmon runs for each N (default 60)
#   BENCH_BASE_PORT=P    the demo listens on P..P+N-1 (one -ports range)
#                        instead of N free ports (a comma list)
#   BENCH_VARS=LIST      cmon's -vars (default: expvarmon's default vars, the
#                        six memstats ones); BENCH_VARS=cmon uses cmon's own
#                        default, which adds @goroutines and @threads: two
#                        more requests per service per second, and a
#                        goroutine dump costs the one demo process ~6 ms at
#                        N=1000, so there it measures the demo's saturation
#   BENCH_INTERVAL=D     cmon's -i (default 1s): 10000 services at 1s are
#                        more requests than the demo can answer on 2 cores
#   BENCH_KEEP=1         keep the temporary directory (outputs) and print it
#   BENCH_SCREEN=COLSxROWS  cmon draws its screen in a tmux terminal of that
#                        size (say 200x50) instead of -dummy: what the
#                        monitor costs as people use it (tmux's own CPU,
#                        the terminal's, is not counted)
#
# For comparison (shared/reference/expvarmon.md): expvarmon watching 10
# services at -i=1s for 60 s, with its default vars, used 0.20 s of CPU
# (0.33% of a core) and 3.8 MB RSS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$here/lib.sh"
cmon=${CMON:-$root/build/cmon}
secs=${BENCH_SECONDS:-60}
expvarmon_vars=mem:memstats.Alloc,mem:memstats.Sys,mem:memstats.HeapAlloc,mem:memstats.HeapInuse,duration:memstats.PauseNs,duration:memstats.PauseTotalNs
vars=${BENCH_VARS:-$expvarmon_vars}
vars_arg=()
[ "$vars" = cmon ] || vars_arg=(-vars="$vars")
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10 100 1000)

command -v go >/dev/null || { echo "bench: go is needed to build demo/ (apt-get install golang-go)" >&2; exit 2; }
[ -x "$cmon" ] || { echo "bench: $cmon: not built (ninja -C build)" >&2; exit 2; }
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_SECONDS=$secs: want whole seconds > 0" >&2; exit 2; }
for n in "${counts[@]}"; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt 10000 ]; then
		echo "bench: $n: want a service count in [1, 10000]" >&2
		exit 2
	fi
done

# 1000 services are 1000 sockets in cmon and 2000 in the demo (listeners
# and accepted connections); 1024 is a common default.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fd_limit=$(ulimit -n)

out=$(mktemp -d)
demo_pids=() cmon_pid=""
interval=${BENCH_INTERVAL:-1s}

# No demo or cmon outlives the script, however it ends.
cleanup() {
	stop "$cmon_pid"
	[ ! -S "$out/tmux" ] || tmux -S "$out/tmux" kill-server 2>/dev/null || true
	stop_demos
	cmon_pid=""
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: outputs kept in $out" >&2
	else
		rm -rf "$out"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

(cd "$root/demo" && GOPROXY=off GOFLAGS=-mod=mod go build -o "$out/demo" .)

# A demo process serves at most this many services: each holds a listener
# and a connection, and the hard descriptor limit here is 20000.
DEMO_SERVICES_MAX=4000

stop_demos() {
	local pid
	for pid in "${demo_pids[@]}"; do
		stop "$pid"
	done
	demo_pids=()
}

# start_demo N: N services from as few demo processes as DEMO_SERVICES_MAX
# allows; waits for every "listening" line (all in demo.out).
start_demo() {
	local n=$1 addr=127.0.0.1:0 k left part pid
	[ -z "${BENCH_BASE_PORT-}" ] || addr=127.0.0.1:$BENCH_BASE_PORT
	: >"$out/demo.out"
	for ((k = 0, left = n; left > 0; k++, left -= part)); do
		part=$((left < DEMO_SERVICES_MAX ? left : DEMO_SERVICES_MAX))
		[ -z "${BENCH_BASE_PORT-}" ] || addr=127.0.0.1:$((BENCH_BASE_PORT + n - left))
		"$out/demo" -addr "$addr" -services "$part" >"$out/demo$k.out" 2>"$out/demo$k.err" &
		demo_pids+=($!)
	done
	for _ in $(seq 600); do
		cat "$out"/demo[0-9]*.out >"$out/demo.out"
		[ "$(grep -c '^demo: listening on ' "$out/demo.out")" -lt "$n" ] || return 0
		for pid in "${demo_pids[@]}"; do
			alive "$pid" || break 2
		done
		sleep 0.1
	done
	echo "bench: demo -services $n did not start:" >&2
	head -3 "$out"/demo0.err >&2
	return 1
}

# port_list: the demo's addresses as a -ports value, runs of consecutive
# ports written as ranges (127.0.0.1:5001-5100).
port_list() {
	sed -n 's|^demo: listening on http://||p' "$out/demo.out" | sort -t: -k1,1 -k2,2n | awk -F: '
		function flush() {
			if (!have)
				return
			list = list sep host ":" first (last > first ? "-" last : "")
			sep = ","
		}
		have && $1 == host && $2 == last + 1 { last = $2; next }
		{ flush(); host = $1; first = $2; last = $2; have = 1 }
		END { flush(); print list }'
}

# peak_rss_kb PID: VmHWM, the process's peak resident set.
peak_rss_kb() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true
}

# stat_field NAME: a figure from cmon's -stats line on stderr,
#   cmon: polls N, [skipped K, ]late max X ms, late p99 Y ms
# or n/a when there is none.
# TODO(lateness): the line is cmon -stats' contract; until the monitor
# prints it, every lateness column reads n/a.
stat_field() {
	local v
	v=$(grep -E '^cmon: polls [0-9]+' "$out/cmon.err" | tail -1 |
		sed -nE "s/.*[ ,]$1 ([0-9.]+)( ms)?(,|\$).*/\\1/p")
	echo "${v:-n/a}"
}

tck=$(getconf CLK_TCK)
rows=()

# start_screen PORTS: cmon on the screen of a detached tmux session of
# BENCH_SCREEN's size (its own server socket, so no other tmux is
# touched); sets cmon_pid. stderr (-stats) goes to cmon.err.
start_screen() {
	local cols=${BENCH_SCREEN%x*} lines=${BENCH_SCREEN#*x}
	[[ $cols =~ ^[0-9]+$ && $lines =~ ^[0-9]+$ ]] || { echo "bench: BENCH_SCREEN=$BENCH_SCREEN: want COLSxROWS" >&2; exit 2; }
	command -v tmux >/dev/null || { echo "bench: BENCH_SCREEN needs tmux" >&2; exit 2; }
	: >"$out/cmon.out" # the screen writes no text blocks
	printf '%s\0' "$cmon" -ports="$1" "${vars_arg[@]}" -i="$interval" -stats >"$out/argv"
	tmux -S "$out/tmux" -f /dev/null new-session -d -x "$cols" -y "$lines" \
		"TERM=xterm-256color LC_ALL=C.UTF-8 exec xargs -0 -a '$out/argv' sh -c 'exec \"\$@\" 2>\"$out/cmon.err\"' sh"
	for _ in $(seq 100); do
		cmon_pid=$(pgrep -f -n "^$cmon -ports=" || true)
		[ -z "$cmon_pid" ] || return 0
		sleep 0.1
	done
	return 1
}

# bench_one N: one run; appends a row to rows.
bench_one() {
	local n=$1 list cpu rss t0 t1 st=0 early=""
	start_demo "$n" || { rows+=("$(printf '%8d  demo failed to start' "$n")"); stop_demos; return; }
	list=$(port_list)
	if [ -n "${BENCH_SCREEN-}" ]; then
		start_screen "$list" || { rows+=("$(printf '%8d  cmon did not start in tmux' "$n")"); stop_demos; return; }
	else
		"$cmon" -ports="$list" "${vars_arg[@]}" -i="$interval" -dummy -stats >"$out/cmon.out" 2>"$out/cmon.err" &
		cmon_pid=$!
	fi
	t0=$(date +%s%N)
	# Against a deadline: a loaded machine stretches every sleep.
	while [ "$(date +%s%N)" -lt $((t0 + secs * 1000000000)) ] && alive "$cmon_pid"; do
		sleep 0.2
	done
	t1=$(date +%s%N)
	# Sampled while it runs: after the exit /proc has nothing left.
	cpu=$(cpu_ticks "$cmon_pid")
	rss=$(peak_rss_kb "$cmon_pid")
	if ! alive "$cmon_pid" || [ -z "$cpu" ] || [ -z "$rss" ]; then
		wait "$cmon_pid" || st=$?
		early="cmon exited early (status $st): $(head -1 "$out/cmon.err")"
	else
		stop "$cmon_pid"
	fi
	cmon_pid=""
	stop_demos
	if [ -n "$early" ]; then
		rows+=("$(printf '%8d  %s' "$n" "$early")")
		return
	fi
	local blocks errors
	blocks=$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{2}/[0-9]{2}' "$out/cmon.out" || true)
	errors=$(grep -c ': ERROR: ' "$out/cmon.out" || true)
	rows+=("$(awk -v n="$n" -v t="$cpu" -v hz="$tck" -v t0="$t0" -v t1="$t1" -v rss="$rss" \
		-v polls="$(stat_field polls)" -v lmax="$(stat_field 'late max')" \
		-v lp99="$(stat_field 'late p99')" -v blocks="$blocks" -v errs="$errors" 'BEGIN {
		cpu = t / hz; wall = (t1 - t0) / 1e9
		printf "%8d %8.1f %9.2f %8.2f %9.1f %8s %10s %10s %7d %8d", n, wall, cpu,
			100 * cpu / wall, rss / 1024, polls, lmax, lp99, blocks, errs
	}')")
	echo "bench: $n services done" >&2
}

echo "cmon: $cmon"
if [ -n "${BENCH_SCREEN-}" ]; then
	echo "each N: demo -services N on loopback, cmon -ports=... ${vars_arg[*]} -i=$interval -stats on a $BENCH_SCREEN tmux screen"
else
	echo "each N: demo -services N on loopback, cmon -ports=... ${vars_arg[*]} -i=$interval -dummy -stats"
fi
echo "for ${secs} s (fd limit $fd_limit)"
for n in "${counts[@]}"; do
	bench_one "$n"
done
printf '\n%8s %8s %9s %8s %9s %8s %10s %10s %7s %8s\n' services "wall s" "CPU s" "% core" \
	"RSS MB" polls "late max" "late p99" blocks "ERRORs"
printf '%s\n' "${rows[@]}"
echo
echo "CPU s: user+sys; RSS MB: peak (VmHWM); late: ms after a poll's due time (cmon -stats)"
echo "blocks: -dummy blocks printed; ERRORs: service lines reading ERROR (should be 0)"
