#!/usr/bin/env bash
# tests/e2e/trigger.sh CMON_BINARY: -trigger on the demo service under load.
#   - rate:requests>50:cpu,heap with -dummy: the stderr lines say what is
#     captured and where it was saved; the saved CPU profile reads back
#     with go tool pprof -top (a CPU profile of the capture's length, with
#     the demo's /work handler in it) and cmon pprof -top prints the same
#     report; the heap profile is saved beside it;
#   - a condition that stays true captures once (the cooldown, no loop);
#   - a condition never true captures nothing; a trigger's var that -vars
#     does not name is polled (its column shows);
#   - a bad trigger exits 2 naming the bad field.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures), 2 (setup) or
# 77 (skipped: no go).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8

cmon=$(lib_cmon_binary "trigger" "$@") || exit 2
lib_demo_needs_go trigger || exit 77
lib_have_go || { echo "trigger: SKIP: no go tool pprof"; exit 77; }
lib_demo_sandbox trigger || exit 2

fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
ok() { echo "ok $1"; }

lib_start_demo 127.0.0.1:0 -load 4 || { echo "trigger: the demo did not start" >&2; exit 2; }

# run_until SECONDS PATTERN ARGS...: cmon -dummy with ARGS until its stderr
# has PATTERN or SECONDS pass; stdout in $tmp/out, stderr in $tmp/err.
run_until() {
	local secs=$1 pat=$2 pid
	shift 2
	"$cmon" -ports="$demo_addr" -dummy "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq $((secs * 10))); do
		grep -q -- "$pat" "$tmp/err" && break
		lib_running "$pid" || break
		sleep 0.1
	done
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

export PPROF_TMPDIR=$tmp/pp
run_until 30 "cpu saved in" -i=500ms -seconds=2 -vars='rate:requests' \
	-trigger='rate:requests>50:cpu,heap'
if ! grep -q "^cmon: trigger rate:requests>50 on demo ($demo_addr): capturing cpu 2s$" "$tmp/err"; then
	fail capture-line "no 'capturing cpu 2s' line: $(head -c 600 "$tmp/err")"
else
	ok capture-line
fi
cpu=$(sed -n 's/^cmon: trigger .*: cpu saved in //p' "$tmp/err" | head -n 1)
heap=$(sed -n 's/^cmon: trigger .*: heap saved in //p' "$tmp/err" | head -n 1)
case $cpu in
"$tmp"/pp/pprof.demo.samples.cpu.[0-9][0-9][0-9].pb.gz) ok saved-as-pprof-names ;;
*) fail saved-as-pprof-names "cpu saved as \"$cpu\": $(cat "$tmp/err")" ;;
esac
if [ -n "$cpu" ] && go tool pprof -top "$cpu" >"$tmp/go.top" 2>"$tmp/go.err"; then
	if grep -q '^Type: cpu$' "$tmp/go.top" && grep -q '^Duration: 2\.' "$tmp/go.top" &&
		grep -q 'main\.' "$tmp/go.top"; then
		ok pprof-reads-it
	else
		fail pprof-reads-it "go tool pprof -top: $(head -n 12 "$tmp/go.top")"
	fi
	if "$cmon" pprof -top "$cpu" >"$tmp/cmon.top" 2>&1 && cmp -s "$tmp/go.top" "$tmp/cmon.top"; then
		ok cmon-top-same
	else
		fail cmon-top-same "$(diff "$tmp/go.top" "$tmp/cmon.top" | head -n 10)"
	fi
else
	fail pprof-reads-it "go tool pprof -top $cpu: $(cat "$tmp/go.err" 2>/dev/null)"
fi
if [ -n "$heap" ] && [ -s "$heap" ] && go tool pprof -top "$heap" 2>/dev/null | grep -q '^Type: inuse_space$'; then
	ok heap-saved
else
	fail heap-saved "heap saved as \"$heap\""
fi

# stays true for 6 s at 500 ms polls: one capture of each kind (cooldown 5m)
run_until 6 "never-appears" -i=500ms -timeout=5s -seconds=1 -vars='rate:requests' \
	-trigger='rate:requests>1:heap'
n=$(grep -c "capturing heap" "$tmp/err")
if [ "$n" = 1 ]; then ok no-loop; else fail no-loop "$n captures in 6 s: $(cat "$tmp/err")"; fi

# for=3 and cooldown=1s: a condition true all along still captures once
# (it fires when it became true, then waits to become false)
# (a poll that times out is down, false: -timeout keeps a loaded machine's
# slow answers up)
run_until 7 "never-appears" -i=1s -timeout=5s -vars='rate:requests' \
	-trigger='rate:requests>1:goroutine:for=3,cooldown=1s'
n=$(grep -c "capturing goroutine" "$tmp/err")
if [ "$n" = 1 ]; then ok rearm; else fail rearm "$n captures: $(cat "$tmp/err")"; fi

# never true; the trigger's var is polled though -vars does not name it
run_until 3 "never-appears" -i=500ms -vars='mem:memstats.Alloc' -trigger='rate:requests>1e12:cpu'
if grep -q "capturing" "$tmp/err"; then
	fail never-true "$(cat "$tmp/err")"
elif ! grep -q "^demo: Alloc: .*, requests: [0-9.]*/s$" "$tmp/out"; then
	fail var-polled "no requests column: $(tail -n 2 "$tmp/out")"
else
	ok never-true
	ok var-polled
fi

# a bad trigger: exit 2, the field named
"$cmon" -ports="$demo_addr" -dummy -trigger='rate:requests>500:cpu' -trigger='x>5:cpux' >"$tmp/out" 2>"$tmp/err"
rc=$?
want='cmon: bad -trigger "x>5:cpux": unknown profile kind "cpux" (cpu, heap, allocs, goroutine, block, mutex, threadcreate)'
if [ "$rc" = 2 ] && [ "$(cat "$tmp/err")" = "$want" ]; then
	ok bad-trigger
else
	fail bad-trigger "exit $rc: $(cat "$tmp/err")"
fi

[ "$fails" = 0 ] || exit 1
