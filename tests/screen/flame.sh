#!/usr/bin/env bash
# tests/screen/flame.sh CMON_BINARY: the viewer's flame graph (F) and call
# tree (C) in tmux, on a live CPU profile of the demo service (fetched to
# a file, so that `cmon pprof -top -cum` is the oracle for the same
# profile): F shows the graph from the root; a search for main. selects the
# hottest user frame and Enter zooms into it (full width, its callers as a
# breadcrumb); a search for that function alone shows its share of the
# total, which is -top -cum's cum%; Esc zooms out, again leaves; C shows
# the tree, Right opens a row, Enter opens its source; and in the
# monitor's profile pane, F and C on a heap profile.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1, 2
# (setup) or 77 (skipped: no tmux, no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-flame" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-flame || exit 2

# The regex that matches NAME alone (Go's QuoteMeta, anchored).
quote_re() { printf '^%s$' "$(printf '%s' "$1" | sed 's/[][\\.+*?(){}|^$]/\\&/g')"; }

if ! start_demo 127.0.0.1:0 -load 4; then
	fail demo "the demo did not start"
	echo "screen-flame: $fails failed"
	exit 1
fi
prof=$tmp/cpu.pb.gz
if ! curl -s -f -o "$prof" "http://$demo_addrs/debug/pprof/profile?seconds=2" || [ ! -s "$prof" ]; then
	fail fetch "no CPU profile from the demo"
	echo "screen-flame: $fails failed"
	exit 1
fi
"$cmon" pprof -top -cum "$prof" >"$tmp/topcum.txt" 2>&1
# the hottest user function by cum, and its cum% (-top -cum's 5th column);
# not a closure: the demo's middleware closures (main.countPprof.func1)
# wrap every request, and their long names with the search's and the
# zoom's text do not fit the title line of a 100-column screen
hot=$(awk '$6 ~ /^main\.[A-Za-z0-9_]+$/ {print $6; exit}' "$tmp/topcum.txt")
hot_pct=$(awk -v f="$hot" '$6 == f {print $5; exit}' "$tmp/topcum.txt")
if [ -z "$hot" ] || [ -z "$hot_pct" ]; then
	fail oracle "no main. function in -top -cum: $(head -c 400 "$tmp/topcum.txt")"
	echo "screen-flame: $fails failed"
	exit 1
fi

run_cmon fl pprof "$prof"
check first-screen fl '^ top · cpu · functions'
T send-keys -t fl F
check flame-shows fl '^ flame graph · cpu · functions'
# The root holds what the frames hold: a sample without frames (Go's CPU
# profiler records one now and then: about one run in 15 here) counts in
# -top's total but in no frame, so the root is then under 100% (-folded
# gives that weight a line of its own, "(no frames) N").
frameless=$("$cmon" pprof -folded "$prof" 2>/dev/null | awk '/^\(no frames\) / {s += $NF} END {print s + 0}')
root_re='100%'
[ "$frameless" != 0 ] && root_re='(100|[0-9]{1,2}\.[0-9]{2})%' # Go rounds 99.95 up
if ! wait_for fl "^root  [0-9.]+[mun]?s  $root_re of total"; then
	fail flame-root "root is not the total: -top: $("$cmon" pprof -top "$prof" 2>&1 | grep -m1 'total'); -folded sum: $("$cmon" pprof -folded "$prof" 2>/dev/null | awk '{s += $NF} END {print s}'), of it without frames: $frameless; samples: $("$cmon" pprof -raw "$prof" 2>/dev/null | grep -c '^ *[0-9]')" fl
else
	ok flame-root
fi
# the mouse (xterm reports, as the terminal sends them): a click on the
# graph's second row selects its first frame, a double click zooms into it
# (press and release: ESC [ M, button+32, column+33, row+33; a double
# click is two of them in one write, within curses' click interval)
press() { printf '1b 5b 4d 20 %s %s 1b 5b 4d 23 %s %s ' "$1" "$2" "$1" "$2"; }
# shellcheck disable=SC2046
click() { T send-keys -t fl -H $(press "$1" "$2"); }
# shellcheck disable=SC2046
double_click() { T send-keys -t fl -H $(press "$1" "$2") $(press "$1" "$2"); }
click 22 24
check flame-click-selects fl '^[^r ][^ ]*  [0-9.]+[mun]?s  [0-9.]+% of total$'
double_click 22 24
check flame-double-click-zooms fl '^[^ ]+  [0-9.]+[mun]?s  [0-9.]+% of total, 100% of '
T send-keys -t fl Escape
check flame-click-zoom-out fl '^[^r ][^ ]*  [0-9.]+[mun]?s  [0-9.]+% of total$'
# / main. : the heaviest main.* frame is selected; Enter zooms into it
T send-keys -t fl / 'main\.' Enter
check flame-search-selects fl '^main\.[^ ]+  [0-9.]+[mun]?s  [0-9.]+% of total  /main\\\.: [0-9.]+% of total'
T send-keys -t fl Enter
check flame-zoomed fl '^main\.[^ ]+  [0-9.]+[mun]?s  [0-9.]+% of total, 100% of main\.'
zoomed=$(screen fl | sed -n 2p | awk '{print $1}')
# the breadcrumb: root stays on the first graph row
if screen fl | sed -n 3p | grep -q '^root'; then ok flame-breadcrumb; else fail flame-breadcrumb "no root row above the zoomed frame" fl; fi
# Esc zooms out: the frame zoomed out of stays selected, no zoom share
# on the status line; Esc again leaves
T send-keys -t fl Escape
check flame-zoom-out fl "^$(printf '%s' "$zoomed" | sed 's/[][\\.+*?(){}|^$]/\\&/g')  [^,]*% of total  /"
# the share of the hottest user function equals -top -cum's cum% (out of
# the zoom: its own share would leave the search's no room on the line)
re=$(quote_re "$hot")
T send-keys -t fl / "$re" Enter
want="/$(printf '%s' "$re" | sed 's/[][\\.+*?(){}|^$]/\\&/g'): $(printf '%s' "$hot_pct" | sed 's/\./\\./g') of total"
check flame-share-is-top-cum fl "$want"
T send-keys -t fl Escape
check flame-leaves fl '^ top · cpu · functions'
# C: the call tree, the hot path open; Right opens; Enter opens the source
T send-keys -t fl C
check tree-shows fl '^ call tree · cpu · functions'
check tree-rows fl '▾ '
T send-keys -t fl Home Right
check tree-open fl '▾ '
T send-keys -t fl Enter
check tree-source fl '^ source: '
check_quit flame-quit fl q

# the monitor's profile pane: the same levels beside the sparklines
run_cmon mon -ports="$demo_addrs" -i=200ms
check pane-monitor-up mon '● demo  up'
T send-keys -t mon p h
check pane-heap mon 'heap profile  demo'
T send-keys -t mon F
check pane-flame mon 'flame graph · inuse_space · functions'
check pane-flame-root mon 'root  [0-9.]+[kMGT]?B  100% of total'
T send-keys -t mon C
check pane-tree mon 'call tree · inuse_space · functions'
check_quit pane-quit mon C-c

for s in fl mon; do
	pid=$(cat "$tmp/$s.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		fail "gone-$s" "cmon $pid still runs"
		kill "$pid" 2>/dev/null
	fi
done
echo "screen-flame: $fails failed"
[ "$fails" -eq 0 ]
