#!/usr/bin/env bash
# tests/screen/history.sh CMON_BINARY: the zoom as a window on the whole
# run, driven in tmux against the real demo service at -i=100ms: a wall
# clock time axis that follows the run live; Left and Home pan back (the
# labels move back and stay put while samples come); - zooms out to
# min..max bands and + back in; End is live again; a CPU capture is a
# mark under the graph that , selects (the footer says what it is) and v
# opens in the profile pane. Prints "ok NAME" / "FAIL NAME: why"; exit 0,
# 1, 2 (setup) or 77 (no tmux or go).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-history" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-history || exit 2

start_demo 127.0.0.1:0 -load 1 || { echo "screen-history: demo did not start" >&2; exit 2; }

# 80 x 20: a graph of 68 cells, 136 braille dots: 13.6 s a screen at 100ms
run_cmon hist -ports="$demo_addrs" -i=100ms -seconds=1
T resize-window -t hist -x 80 -y 20
check up hist 'up  every 100ms'

# a CPU capture, then the pane closed (q, and q again: it is unsaved)
T send-keys -t hist p c
check capture hist 'cpu profile  demo  fetched [0-9:]{8}' 15
T send-keys -t hist q
wait_for hist 'q/Esc again closes' 5 >/dev/null
T send-keys -t hist q
if wait_gone hist 'cpu profile'; then ok pane-closed; else fail pane-closed "pane still open" hist; fi

clock='[0-9]{2}:[0-9]{2}:[0-9]{2}'
axis() { screen hist | sed -n 19p; }        # the time axis: the last row but one
right_label() { axis | grep -o -E "$clock *\$" | tr -d ' '; }
left_label() { axis | grep -o -E "^ *$clock" | tr -d ' '; }
secs() { local IFS=:; set -- $1; echo $((10#$1 * 3600 + 10#$2 * 60 + 10#$3)); }

T send-keys -t hist Enter
check zoom-title hist '^ Alloc \(memstats\.Alloc\)  now .*100ms a dot  live$'
if wait_for hist "^ +$clock +.*$clock\$" && [ -n "$(right_label)" ]; then
	ok zoom-clock-axis
else
	fail zoom-clock-axis "no HH:MM:SS labels under the graph" hist
fi
# live: the right edge follows the run
r0=$(right_label)
sleep 2.2
r1=$(right_label)
if [ -n "$r0" ] && [ -n "$r1" ] && [ "$(secs "$r1")" -gt "$(secs "$r0")" ]; then
	ok zoom-live-follows
else
	fail zoom-live-follows "right label $r0 then $r1" hist
fi
# the capture's mark under the graph (the run is shorter than a screen yet)
check zoom-mark-drawn hist '◆'

# a run longer than a screen, so that there is something to pan back to
sleep 14
live=$(right_label)
# thirty columns, 3 s back: the labels are whole seconds, and a loaded
# machine may take a second between reading live and the keys' redraw
# (five columns, 0.5 s, then read the same second)
# shellcheck disable=SC2046
T send-keys -t hist $(printf 'Left %.0s' $(seq 30))
check pan-panned hist 'panned \(End: live\)$'
back=$(right_label)
if [ -n "$back" ] && [ -n "$live" ] && [ "$(secs "$back")" -lt "$(secs "$live")" ]; then
	ok pan-left-moves-back
else
	fail pan-left-moves-back "right label $live then $back" hist
fi
sleep 1.5
if [ "$(right_label)" = "$back" ]; then
	ok pan-stays-put
else
	fail pan-stays-put "right label $back became $(right_label) while panned" hist
fi
T send-keys -t hist Home
sleep 0.3
home_left=$(left_label)
if [ -n "$home_left" ] && [ "$(secs "$home_left")" -lt $(($(secs "$back") - 8)) ]; then
	ok home-oldest
else
	fail home-oldest "left label $home_left, panned right edge was $back" hist
fi

T send-keys -t hist -
check zoom-out hist '200ms a dot: min\.\.max  panned' 3
T send-keys -t hist +
check zoom-in hist '100ms a dot  panned' 3
T send-keys -t hist End
check end-live hist '100ms a dot  live$' 3
r0=$(right_label)
sleep 2.2
if [ "$(secs "$(right_label)")" -gt "$(secs "$r0")" ]; then
	ok end-follows-again
else
	fail end-follows-again "right label stayed $r0" hist
fi
T send-keys -t hist - - -
check zoom-out-whole-run hist '(200ms|500ms|1s) a dot: min\.\.max  live' 3

# the mark: , selects it (and brings it into view), v opens its capture
T send-keys -t hist ,
check mark-footer hist "cpu 1s captured $clock  v opens it"
T send-keys -t hist v
check mark-opens-capture hist 'cpu profile  demo  fetched [0-9:]{8}' 5
check mark-top-table hist 'flat  flat%' 5

check_quit quit hist C-c

exit $((fails > 0))
