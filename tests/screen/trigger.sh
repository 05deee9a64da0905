#!/usr/bin/env bash
# tests/screen/trigger.sh CMON_BINARY: profiles tied to the timeline, in
# tmux, on two demo services under load:
#   - -trigger='rate:requests>50:cpu' fires: the footer says where the CPU
#     profile was saved, the service's row is marked (◆), the file is
#     there;
#   - opened in the pane (p c, Esc, < : the newest capture of the service)
#     it shows its top table (a 2 s CPU profile) and its flame graph (F);
#   - O captures CPU back to back (the pane's title says rolling, the
#     captures count up); V V on the zoom opens the merged captures of the
#     span; b marks it the base, and another span later is the diff;
#   - the base stays when the pane opens the other service's CPU profile,
#     and the pane says whose it is.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1, 2
# (setup) or 77 (skipped: no tmux, no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-trigger" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-trigger || exit 2
ok() { echo "ok $1"; }

# two processes: Go takes one CPU profile at a time per process
start_demo 127.0.0.1:0 -load 4 && a1=$demo_addrs &&
	start_demo 127.0.0.1:0 -load 4 && a2=$demo_addrs || {
	fail demo "the demo did not start"
	exit 1
}
mkdir -p "$tmp/pp"
cmon_env="PPROF_TMPDIR=$tmp/pp"
run_cmon tr -ports="$a1,$a2" -i=1s -seconds=2 -vars=rate:requests -trigger='rate:requests>50:cpu'

check fires tr 'trigger rate:requests>50 on demo.*: (capturing cpu 2s|cpu saved in)' 15
check row-marked tr '^●◆demo' 10
check saved tr 'trigger rate:requests>50 on demo.*: cpu saved in /' 15
n=$(ls "$tmp/pp" 2>/dev/null | grep -c '^pprof\.demo\.samples\.cpu\.[0-9]*\.pb\.gz$')
if [ "$n" -ge 1 ]; then ok file-saved; else fail file-saved "no file in $tmp/pp: $(ls "$tmp/pp")"; fi

# open it: the pane on the first service's CPU, the capture it starts
# cancelled, < goes to the newest kept: the trigger's
T send-keys -t tr p
sleep 0.3
T send-keys -t tr c
wait_for tr 'capturing a 2 s CPU profile' 5
T send-keys -t tr Escape
wait_for tr 'cancelled' 5
T send-keys -t tr '<'
check top-table tr 'Duration: 2\.[0-9]+s, Total samples' 5
check top-rows tr 'flat  flat%   sum%        cum   cum%' 5
T send-keys -t tr F
check flame-graph tr 'flame graph · cpu' 5
check flame-root tr '│root ' 5
T send-keys -t tr Escape

# rolling: back to back 2 s windows
T send-keys -t tr O
check rolling-on tr 'cpu profile .* rolling' 5
check rolling-counts tr 'capture [0-9]+/[3-9]' 12
# a span on the zoom: V, a few seconds, V
T send-keys -t tr Tab
sleep 0.2
T send-keys -t tr Enter
sleep 0.3
T send-keys -t tr V
check span-started tr '(span from [0-9:]{8}: V again ends it|keys to the pane  span)' 5
sleep 4.5
T send-keys -t tr V
check span-merged tr 'cpu profile .*  span [0-9]{2}:' 5
check span-top tr 'Duration: [0-9.]+s, Total samples' 5
# b on it (the span gave the pane the keys), then another span (Tab: the
# keys back to the zoom): a diff
T send-keys -t tr b
check base-marked tr 'base marked' 5
T send-keys -t tr Tab
sleep 0.2
T send-keys -t tr V
sleep 4.5
T send-keys -t tr V
check span-diff tr 'diff vs base' 5

# the other service's CPU profile (another process: the first one's
# rolling captures go on): the base stays, and the pane says whose
T send-keys -t tr Tab
sleep 0.2
T send-keys -t tr Escape
sleep 0.2
T send-keys -t tr j
sleep 0.2
T send-keys -t tr p
sleep 0.3
T send-keys -t tr c
check base-across tr 'base: demo[^ ]* cpu' 10
check base-across-diff tr 'diff vs base' 5
check_quit quit tr q q q

[ "$fails" = 0 ] || exit 1
