#!/usr/bin/env bash
# tests/e2e/run.sh CMON_BINARY: the monitor against the real demo Go service
# on loopback. Values appear (-once), a dead service shows the real reason,
# a restart shows, a hung endpoint times out while the other service keeps
# its schedule, a process stopped for ten intervals skips the rounds it
# missed, bad command lines (an interval under 100ms too) exit 2 naming the
# bad field, and no cmon or demo process is left behind.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures), 2 (setup) or
# 77 (skipped: no go to build the demo service).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8

cmon=$(lib_cmon_binary "e2e" "$@") || exit 2
lib_demo_needs_go e2e || exit 77

lib_demo_sandbox e2e || exit 2

fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

stop_demo() {
	kill "$demo_pid" 2>/dev/null
	wait "$demo_pid" 2>/dev/null
}

lib_start_demo 127.0.0.1:0 -load 2 || { echo "e2e: demo did not start" >&2; exit 2; }
addr=$demo_addr
sleep 1

# --- -once: the default vars, goroutines and threads included -------------
out=$("$cmon" -ports="$addr" -once 2>"$tmp/err"); st=$?
line=$(printf '%s\n' "$out" | sed -n 2p)
if [ $st = 0 ] && [[ $line =~ ^demo:\ Alloc:\ [0-9.]+[KMG]?B,\ Sys:\ .*,\ PauseNs:\ .*,\ PauseTotalNs:\ .*,\ goroutines:\ [0-9]+,\ threads:\ [0-9]+$ ]]; then
	ok once-default-vars
else
	fail once-default-vars "status $st, line: $line $(cat "$tmp/err")"
fi
if [[ $(printf '%s\n' "$out" | head -n 1) =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}\ [0-9]{2}/[0-9]{2}$ ]]; then
	ok once-time-line
else
	fail once-time-line "$(printf '%s\n' "$out" | head -n 1)"
fi

# --- the service's own vars, kinds, arrays --------------------------------
out=$("$cmon" -ports="$addr" -once \
	-vars='requests,work.items,mem:memstats.HeapAlloc,dur:memstats.PauseNs[-1],memstats.PauseNs[0],str:cmdline' 2>&1); st=$?
line=$(printf '%s\n' "$out" | sed -n 2p)
if [ $st = 0 ] && [[ $line =~ ^demo:\ requests:\ [0-9]+,\ items:\ [0-9]+,\ HeapAlloc:\ [0-9.]+[KMG]?B,\ PauseNs\[-1\]:\ [0-9.]+(ns|µs|ms|s),\ PauseNs\[0\]:\ [0-9]+,\ cmdline:\ .+$ ]]; then
	ok once-own-vars
else
	fail once-own-vars "status $st: $out"
fi

# a typo: named with the nearest var the service has, and -once exits 1;
# str: of the command line shows it; a duration published in ms reads as ms
out=$("$cmon" -ports="$addr" -once -vars='mem:memstats.Aloc,str:cmdline,dur.ms:last_work_ms' \
	2>"$tmp/typo.err"); st=$?
if [ $st = 1 ] &&
	[ "$(cat "$tmp/typo.err")" = "cmon: no var memstats.Aloc on any service; did you mean memstats.Alloc?" ] &&
	printf '%s\n' "$out" | grep -E -q '^demo: Aloc: N/A, cmdline: [^ ]*/demo -addr 127\.0\.0\.1:0 -load [0-9]+, last_work_ms: [0-9.]+(ns|µs|ms|s)$'; then
	ok once-var-typo
else
	fail once-var-typo "status $st: $out $(cat "$tmp/typo.err")"
fi

out=$("$cmon" -ports="$addr" -once -vars='*' 2>&1); st=$?
n=$(printf '%s\n' "$out" | sed -n 2p | tr ',' '\n' | wc -l)
if [ $st = 0 ] && [ "$n" -gt 20 ] && printf '%s\n' "$out" | grep -q ' memstats\.HeapInuse: [0-9]'; then
	ok once-all-vars
else
	fail once-all-vars "status $st, $n vars: $(printf '%s\n' "$out" | head -c 300)"
fi

# --- goroutine and thread counts cost the service no stack walk -----------
# They come from /debug/pprof/'s index page (one request, no goroutine
# dump); a service without that page gets the ?debug=1 dumps instead. The
# demo counts what was asked of it in pprof_requests.
main_pid=$demo_pid
# pprof_requests of the demo at $1, as one line of JSON
pprof_requests() { curl -s "http://$1/debug/vars" | grep -o '"pprof_requests": {[^}]*}'; }
if lib_start_demo 127.0.0.1:0 -idle 300; then
	out=$("$cmon" -ports="$demo_addr" -once -vars=@goroutines,@threads 2>&1); st=$?
	asked=$(pprof_requests "$demo_addr")
	if [ $st = 0 ] && [[ $out =~ goroutines:\ ([0-9]+),\ threads:\ [0-9]+$ ]] &&
		[ "${BASH_REMATCH[1]}" -ge 300 ] && [ "$asked" = '"pprof_requests": {"/debug/pprof/": 1}' ]; then
		ok counts-from-index
	else
		fail counts-from-index "status $st: $out; asked: $asked"
	fi
	stop_demo
else
	fail counts-from-index "demo -idle did not start"
fi
if lib_start_demo 127.0.0.1:0 -idle 300 -pprof-index=false; then
	out=$("$cmon" -ports="$demo_addr" -once -vars=@goroutines,@threads 2>&1); st=$?
	asked=$(pprof_requests "$demo_addr")
	if [ $st = 0 ] && [[ $out =~ goroutines:\ ([0-9]+),\ threads:\ [0-9]+$ ]] &&
		[ "${BASH_REMATCH[1]}" -ge 300 ] &&
		[ "$asked" = '"pprof_requests": {"/debug/pprof/": 1, "/debug/pprof/goroutine": 1, "/debug/pprof/threadcreate": 1}' ]; then
		ok counts-without-index
	else
		fail counts-without-index "status $st: $out; asked: $asked"
	fi
	stop_demo
else
	fail counts-without-index "demo -pprof-index=false did not start"
fi
demo_pid=$main_pid

# --- failures name the real reason -----------------------------------------
out=$("$cmon" -ports="$addr" -endpoint=/nope -once 2>&1); st=$?
if [ $st = 1 ] && printf '%s\n' "$out" | grep -q "^$addr: ERROR: HTTP 404"; then
	ok once-http-404
else
	fail once-http-404 "status $st: $out"
fi
out=$("$cmon" -ports="$addr" -endpoint=/healthz -once 2>&1); st=$?
if [ $st = 1 ] && printf '%s\n' "$out" | grep -q "^$addr: ERROR: bad /debug/vars: "; then
	ok once-not-json
else
	fail once-not-json "status $st: $out"
fi

# --- bad command lines: exit 2, the bad field quoted ----------------------
check_usage() { # NAME WANT ARGS...
	local name=$1 want=$2 err st
	shift 2
	err=$("$cmon" "$@" 2>&1 >/dev/null </dev/null); st=$?
	if [ $st = 2 ] && [[ $err == *"$want"* ]] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]; then
		ok "$name"
	else
		fail "$name" "status $st: $err"
	fi
}
check_usage usage-unknown-kind '"foo:x"' -ports=1 -vars=foo:x -once
check_usage usage-empty-vars '-vars' -ports=1 -vars=, -once
check_usage usage-bad-port '"50x0"' -ports=50x0 -once
check_usage usage-no-ports '-ports' -once
check_usage usage-zero-interval '"0"' -ports=1 -i=0 -once
# below the shortest interval, polls would queue and spin a core
check_usage usage-tiny-interval '"1ns" for flag -i: want at least 100ms' -ports=1 -i=1ns -once
check_usage usage-short-interval '"99ms" for flag -i' -ports=1 -i=99ms -once
check_usage usage-unknown-flag '-frobnicate' -ports=1 -frobnicate
check_usage usage-zero-seconds '"0" for flag -seconds' -ports=1 -seconds=0 -once
check_usage usage-huge-seconds '"3601" for flag -seconds' -ports=1 -seconds=3601 -once

# --- a hung endpoint times out; the other service keeps its schedule ------
"$cmon" -ports="$addr,http://$addr/slow/debug/vars" -vars=requests -i=400ms -dummy -stats \
	>"$tmp/slow.out" 2>"$tmp/slow.err" &
cpid=$!
pids+=("$cpid")
# Waits for the counts rather than a fixed time: a loaded machine (the
# tests run side by side) is slower, not wrong. 3.3 s is enough when quiet.
for _ in $(seq 200); do
	good=$(grep -c "^demo: requests: [0-9]" "$tmp/slow.out")
	timeouts=$(grep -c "^$addr: ERROR: timed out after 400 ms" "$tmp/slow.out")
	[ "$good" -ge 6 ] && [ "$timeouts" -ge 4 ] && break
	sleep 0.1
done
kill -TERM "$cpid"
wait "$cpid"; st=$?
if [ $st = 0 ] && [ "$good" -ge 6 ] && [ "$timeouts" -ge 4 ]; then
	ok slow-service-times-out
else
	fail slow-service-times-out "status $st, $good good lines, $timeouts timeouts: $(head -c 600 "$tmp/slow.out") $(cat "$tmp/slow.err")"
fi
if grep -q '^cmon: polls [0-9]*, skipped [0-9]*, late max' "$tmp/slow.err"; then
	ok stats-line
else
	fail stats-line "$(cat "$tmp/slow.err")"
fi

# --- a hung service costs one timeout a poll, not one per request ---------
# It accepts and never answers. -once with /debug/vars, goroutines and
# threads wanted: 1 s, where the three requests in a row took 3 s.
if command -v python3 >/dev/null; then
	python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])
' >"$tmp/hung.port" &
	pids+=("$!")
	for _ in $(seq 100); do [ -s "$tmp/hung.port" ] && break; sleep 0.05; done
	hung=127.0.0.1:$(cat "$tmp/hung.port")
	t0=$(lib_ms)
	out=$("$cmon" -ports="$hung" -vars=requests,@goroutines,@threads -once -timeout=1s 2>&1); st=$?
	ms=$(($(lib_ms) - t0))
	if [ $st = 1 ] && [ $ms -lt 2000 ] && [[ $out == *"$hung: ERROR: timed out after 1000 ms"* ]]; then
		ok hung-service-one-timeout
	else
		fail hung-service-one-timeout "status $st after $ms ms: $out"
	fi
	kill "${pids[-1]}" 2>/dev/null
else
	echo "skip hung-service-one-timeout: no python3"
fi

# --- stopped for ten intervals, cmon skips the missed rounds --------------
# SIGSTOP for 2 s at -i=200ms: on SIGCONT one round runs and one block
# prints, not ten; -stats counts the ten as skipped. (The next slot may
# fall inside the 150 ms looked at, and on a loaded machine a block from
# just before the stop may land late: up to 3 blocks is still "not ten".
# The skipped count is what tells the fix from the old loop.)
"$cmon" -ports="$addr" -vars=requests -i=200ms -dummy -stats \
	>"$tmp/stop.out" 2>"$tmp/stop.err" &
cpid=$!
pids+=("$cpid")
sleep 1
kill -STOP "$cpid"
before=$(grep -c "^demo: requests: " "$tmp/stop.out")
sleep 2
kill -CONT "$cpid"
sleep 0.15
after=$(grep -c "^demo: requests: " "$tmp/stop.out")
kill -TERM "$cpid"
wait "$cpid"; st=$?
skipped=$(sed -nE 's/^cmon: polls [0-9]+, skipped ([0-9]+),.*/\1/p' "$tmp/stop.err")
if [ $st = 0 ] && [ $((after - before)) -le 3 ] && [ "${skipped:-0}" -ge 7 ]; then
	ok stopped-skips-missed-rounds
else
	fail stopped-skips-missed-rounds "status $st, $((after - before)) blocks on SIGCONT, $(cat "$tmp/stop.err")"
fi

# --- kill the service: the error shows; restart it: the restart shows -----
"$cmon" -ports="$addr" -vars=requests,memstats.NumGC -i=300ms -dummy >"$tmp/rs.out" 2>&1 &
cpid=$!
pids+=("$cpid")
sleep 1.2
stop_demo
sleep 1.2
lib_start_demo "$addr" -load 1 || fail restart "the demo did not come back on $addr"
sleep 1.5
kill -TERM "$cpid"
wait "$cpid"; st=$?
if grep -q "^$addr: ERROR: .*refused" "$tmp/rs.out" || grep -q "^demo: ERROR: .*refused" "$tmp/rs.out"; then
	ok down-shows-reason
else
	fail down-shows-reason "$(tail -n 12 "$tmp/rs.out")"
fi
if grep -q "^demo: requests: [0-9]*, NumGC: [0-9]* \[restarted [0-9:]*\]$" "$tmp/rs.out"; then
	ok restart-shows
else
	fail restart-shows "$(tail -n 12 "$tmp/rs.out")"
fi
[ $st = 0 ] && ok sigterm-exits-0 || fail sigterm-exits-0 "status $st"

# --- nothing left running --------------------------------------------------
stop_demo
left=""
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null && left="$left $(ps -o pid=,args= -p "$p")"
done
if [ -n "$left" ]; then
	fail no-process-left "$left"
else
	ok no-process-left
fi

echo "e2e: $fails failed"
[ $fails = 0 ]
