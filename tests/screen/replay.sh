#!/usr/bin/env bash
# tests/screen/replay.sh CMON_BINARY: a run recorded with -record=FILE
# (the demo service, a heap profile taken with p h) replays in tmux after
# cmon was restarted: the header says "replay FILE HH:MM:SS (1x)", the
# service's row is there as it was, space pauses, ] and [ change the
# speed, J jumps (its prompt on the bottom row), } jumps to the recorded
# profile, which opens in the pane as if just captured, { goes back, < and
# > in the pane go over the recorded profiles of its service and kind, and
# q quits with status 0. A recording that cannot start says so in the
# header while the monitor goes on.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1
# (failures), 2 (setup) or 77 (skipped: no tmux, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-replay" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-replay || exit 2
command -v sqlite3 >/dev/null || { echo "screen-replay: SKIP: no sqlite3"; exit 77; }

pane='│ '
start_demo 127.0.0.1:0 -load 1 || { echo "screen-replay: demo did not start" >&2; exit 2; }
db=$tmp/run.db

# --- the live run, recorded --------------------------------------------------
run_cmon live -ports="$demo_addrs" -i=200ms -record="$db"
check live-up live '^● demo  up'
sleep 4 # the replay's first checks run before it reaches the profile
T send-keys -t live p
check live-chooser live '┌─ profile demo ─'
T send-keys -t live h
check live-heap live "${pane}heap profile  demo  fetched [0-9:]{8}"
live_fetched=$(screen live | sed -n 's/^.* fetched \([0-9:]\{8\}\).*$/\1/p' | head -n 1)
sleep 1.5
T send-keys -t live r # a second heap profile, for < and > in the replay
for _ in $(seq 50); do
	live_fetched2=$(screen live | sed -n 's/^.* fetched \([0-9:]\{8\}\).*$/\1/p' | head -n 1)
	[ -n "$live_fetched2" ] && [ "$live_fetched2" != "$live_fetched" ] && break
	sleep 0.1
done
[ "$live_fetched2" != "$live_fetched" ] && ok live-heap-again ||
	fail live-heap-again "fetched $live_fetched, then $live_fetched2" live
sleep 0.5
T send-keys -t live q
wait_gone live "${pane}heap profile" || fail live-pane-closes "pane still open" live
T send-keys -t live q
st=$(wait_status live)
[ "$st" = 0 ] && ok live-quit || fail live-quit "status '$st'" live
n=$(sqlite3 "$db" "SELECT count(*) FROM profiles WHERE kind = 'heap' AND why = 'key'")
[ "$n" = 2 ] && ok recorded-profile || fail recorded-profile "$n heap profiles in the recording"

# --- a recording that cannot start: said in the header, the monitor goes on --
run_cmon ro -ports="$demo_addrs" -i=200ms -record=/proc/cmon-no/run.db
check unwritable-in-header ro '^ +127\.0\.0\.1:[0-9]+ +-record=/proc/cmon-no/run\.db: unable to open'
first_update=$(screen ro | sed -n 's/^.* updated \([0-9:]\{8\}\).*$/\1/p' | head -n 1)
sleep 1.2
last_update=$(screen ro | sed -n 's/^.* updated \([0-9:]\{8\}\).*$/\1/p' | head -n 1)
[ -n "$first_update" ] && [ "$last_update" \> "$first_update" ] && ok unwritable-monitoring-goes-on ||
	fail unwritable-monitoring-goes-on "updated $first_update then $last_update" ro
T send-keys -t ro q

# --- cmon started again: the replay --------------------------------------------
run_cmon rp replay "$db"
check replay-header rp "replay .*run\.db [0-9]{2}:[0-9]{2}:[0-9]{2} \(1x"
check replay-row rp '^(● demo  up|✖ demo  down)' # as recorded: a first poll may have timed out
T send-keys -t rp Space
check replay-paused rp 'replay .*run\.db [0-9:]{8} \(1x, paused\)'
T send-keys -t rp ']'
check replay-faster rp '\(10x, paused\)'
T send-keys -t rp ']' ']' ']'
check replay-fastest rp '\(1000x, paused\)'
T send-keys -t rp '['
check replay-slower rp '\(100x, paused\)'

# J with a time before the recording: the first moment (the prompt shows)
T send-keys -t rp J
check jump-prompt rp 'jump to \(HH:MM:SS, \+1m, -30s\): _'
T send-keys -t rp '00:00:01' Enter
wait_gone rp 'jump to \(' || fail jump-prompt-closes "prompt still there" rp
first=$(screen rp | sed -n 's/^.*replay [^ ]*run\.db \([0-9:]\{8\}\).*$/\1/p' | head -n 1)
T send-keys -t rp J '+1s' Enter
check jump-forward rp "replay .*run\.db [0-9:]{8} \(100x, paused\)"
second=$(screen rp | sed -n 's/^.*replay [^ ]*run\.db \([0-9:]\{8\}\).*$/\1/p' | head -n 1)
if [ -n "$first" ] && [ -n "$second" ] && [ "$second" \> "$first" ]; then
	ok jump-moves
else
	fail jump-moves "from '$first' to '$second'" rp
fi

# } : the recorded heap profile, opened in the pane with its recorded time
# (an outage on a loaded machine, a timeout, is an event before it: } again)
for _ in $(seq 10); do
	T send-keys -t rp '}'
	wait_for rp "${pane}heap profile" 1 && break
done
check replay-profile rp "${pane}heap profile  demo  fetched $live_fetched"
check replay-profile-rows rp "${pane}.*[0-9.]+[a-zA-Z]* +[0-9.]+%"
T send-keys -t rp Tab q # the pane closes: the header has the width again
wait_gone rp "${pane}heap profile" || fail replay-pane-closes "pane still open" rp
at=$(screen rp | sed -n 's/^.*replay [^ ]*run\.db \([0-9:]\{8\}\).*$/\1/p' | head -n 1)
[ "$at" = "$live_fetched" ] && ok replay-at-profile || fail replay-at-profile "at '$at', profile at '$live_fetched'" rp

# { : back before it (the replay rebuilds the run up to there). An outage
# recorded in the profile's own second (a poll timed out on a loaded
# machine) is an event before it in the same HH:MM:SS: { again.
for _ in $(seq 4); do
	T send-keys -t rp '{'
	for _ in $(seq 30); do # rebuilding the run may take a while on a loaded machine
		back=$(screen rp | sed -n 's/^.*replay run\.db \([0-9:]\{8\}\) (100x, paused).*$/\1/p' | head -n 1)
		[ -n "$back" ] && [ "$back" \< "$at" ] && break 2
		sleep 0.1
	done
done
if [ -n "$back" ] && [ "$back" \< "$at" ]; then
	ok replay-back
else
	fail replay-back "at '$back' after {, the profile at '$at'" rp
fi

# play to the end: the second profile opens; < and > in the pane go over
# the service's recorded heap profiles, up to where the replay is
T send-keys -t rp Space
check replay-second rp "${pane}heap profile  demo  fetched $live_fetched2" 15
# The row shows the last recorded poll: on a loaded machine that may be a
# timeout (✖ down), which the replay shows faithfully; the check is that the
# replay reached the end and paused there.
check replay-end rp '^(●|✖) demo .* PAUSED │' 15 # the header beside the pane is cut
T send-keys -t rp Tab '<'
check replay-older rp "${pane}heap profile  demo  fetched $live_fetched"
T send-keys -t rp '<'
check replay-no-earlier rp "no earlier capture of this service"
T send-keys -t rp '>'
check replay-newer rp "${pane}heap profile  demo  fetched $live_fetched2"
T send-keys -t rp '>'
check replay-no-later rp "no later capture of this service"
T send-keys -t rp Tab q
st=$(wait_status rp)
[ "$st" = 0 ] && ok replay-quit || fail replay-quit "status '$st' $(cat "$tmp/rp.err")" rp

if [ "$fails" -ne 0 ]; then
	echo "screen-replay: $fails failed"
	exit 1
fi
echo "screen-replay: all passed"
