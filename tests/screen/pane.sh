#!/usr/bin/env bash
# tests/screen/pane.sh CMON_BINARY: the monitor's profile pane, driven in
# tmux against the real demo Go service: p opens the chooser, a heap
# profile opens beside the sparklines with its rows; a CPU capture of
# -seconds=5 counts down (while the sparklines' "updated" time goes on
# advancing) and then shows its table; Esc cancels a capture (and the
# service can capture again); a capture the service refuses (another one
# runs: curl started it) says so; live
# refresh; the narrow layout (pane or sparklines, Tab between them); the
# help lists the new keys; q closes the pane, then quits with no cmon
# process left. Which side has the keys shows (footer, title); the pane's
# help lists its keys as they work there; w writes the capture; closing
# with an unsaved capture asks once; < and > walk the captures kept.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1
# (failures), 2 (setup) or 77 (skipped: no tmux, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-pane" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-pane || exit 2

# The pane's columns start after the divider; its text follows "│ ".
pane='│ '
# A -top row: flat, flat%, sum%, cum, cum%, a function.
top_row="[0-9.]+[a-zµ]*[A-Za-z]* +-?[0-9.]+% +-?[0-9.]+% +[0-9.]+[a-zµ]*[A-Za-z]* +-?[0-9.]+% +[a-zA-Z_]"

# fetched_at SESSION: when the pane's profile came (HH:MM:SS).
fetched_at() {
	screen "$1" | sed -n 's/^.* fetched \([0-9:]\{8\}\).*$/\1/p' | head -n 1
}

start_demo 127.0.0.1:0 -load 1 || { echo "screen-pane: demo did not start" >&2; exit 2; }
one=$demo_addrs

psave=$tmp/pane-save
cmon_env="PPROF_TMPDIR=$psave"
run_cmon pane -ports="$one" -i=200ms -seconds=5
cmon_env=""
check monitor-up pane '^● demo  up'

# --- the chooser, then a heap profile beside the sparklines ------------------
T send-keys -t pane p
check chooser pane '┌─ profile demo ─'
check chooser-kinds pane '│ h +heap +│'
check chooser-cpu-seconds pane '│ c +cpu \(a 5 s capture\)'
T send-keys -t pane h
check heap-title pane "${pane}heap profile  demo  fetched [0-9]{2}:[0-9]{2}:[0-9]{2}"
check heap-rows pane "${pane}.*$top_row"
check heap-beside-sparklines pane "^ Alloc +$size +$size +$size +│"
check heap-sparklines-beside pane "^ +($braille)(($braille)| )* +│"

# --- a CPU capture: countdown, live sparklines, then the table ---------------
T send-keys -t pane Tab p c
# Every count the screen shows until the table comes, with the sparklines'
# update time beside it: "5 14:02:01", "4 14:02:02", ... A loaded machine
# may miss counts (the full suite once saw only one of a 3 s capture's),
# never all but one, and never see one go up.
: >"$tmp/counts"
for _ in $(seq 150); do
	shot=$(screen pane)
	left=$(printf '%s\n' "$shot" | sed -n 's/.*capturing a 5 s CPU profile: \([0-9]\) s left.*/\1/p' | head -n 1)
	[ -n "$left" ] && echo "$left $(printf '%s\n' "$shot" | sed -n 's/^.* updated \([0-9:]\{8\}\).*$/\1/p' | head -n 1)" >>"$tmp/counts"
	printf '%s\n' "$shot" | grep -q -E "${pane}cpu profile  demo  fetched" && break
	sleep 0.1
done
counts=$(cut -d' ' -f1 "$tmp/counts" | uniq | paste -sd' ' -)
# two counts or more, each under the one before, all of them 1 to 5
if printf '%s\n' "$counts" | awk '{ if (NF < 2) exit 1; for (i = 1; i <= NF; i++) if ($i < 1 || $i > 5 || (i > 1 && $i >= $(i - 1))) exit 1 }'; then
	ok cpu-countdown-ticks
else
	fail cpu-countdown-ticks "counts seen: '$counts'" pane
fi
times=$(cut -d' ' -f2 "$tmp/counts" | grep -c . )
if [ "$(cut -d' ' -f2 "$tmp/counts" | sort -u | grep -c .)" -ge 2 ]; then
	ok sparklines-live-during-capture
else
	fail sparklines-live-during-capture "one update time in $times sightings of the countdown" pane
fi
check cpu-title pane "${pane}cpu profile  demo  fetched [0-9:]{8}" 10
check cpu-rows pane "${pane}.*$top_row"
check cpu-unsaved pane "${pane}cpu profile  demo  fetched [0-9:]{8}  unsaved"

# --- which side has the keys; the pane's help as its keys work there --------
check footer-names-p-tab pane '^p profile  Tab keys here  q quit'
T send-keys -t pane Tab
check footer-monitor-keys pane '^p profile  Tab keys to the pane  q'
check pane-title-unfocused pane "${pane}cpu profile  demo  fetched [0-9:]{8}  unsaved  \(Tab: keys"
# the monitor's footer is the selection bar (reverse video) now
if screen_sgr pane | grep -E "$esc\[([0-9;]*;)?7m" | grep -q 'p profile  Tab keys to the pane'; then
	ok footer-focus-bar
else
	fail footer-focus-bar "the footer is not drawn as a selection" pane
fi
T send-keys -t pane Tab
check footer-pane-keys-again pane '^p profile  Tab keys here'
T send-keys -t pane '?'
check pane-help-tab pane "${pane}Tab +switch panes: keys back to the sparklines"
check pane-help-history pane "${pane}< > O +the previous / next capture of this kind"
: >"$tmp/pane-help"
for _ in 1 2 3; do
	screen pane >>"$tmp/pane-help"
	T send-keys -t pane PgDn
	sleep 0.2
done
if grep -q "${pane}\] \+source: next hotter" "$tmp/pane-help" && ! grep -q "\] Tab" "$tmp/pane-help" &&
	! grep -E -q "${pane}R +fetch the profile again" "$tmp/pane-help"; then
	ok pane-help-viewer-keys
else
	fail pane-help-viewer-keys "the viewer's lines still offer the keys the pane takes: $(grep -E '\]|R ' "$tmp/pane-help" | head -n 4)"
fi
T send-keys -t pane Escape
check pane-help-left pane "${pane}cpu profile  demo  fetched"

# --- w in the pane: the capture as fetched, at go tool pprof's name ---------
T send-keys -t pane w
check pane-w-prompt pane "pane-save/pprof\.demo\.samples\.cpu\.001\.pb\.gz_"
T send-keys -t pane Enter
check pane-w-saved pane "│saved pprof\.demo\.samples\.cpu\.001\.pb\.gz in "
check pane-w-title pane "${pane}cpu profile  demo  fetched [0-9:]{8} *$"
if go tool pprof -top "$psave/pprof.demo.samples.cpu.001.pb.gz" 2>/dev/null | grep -q '^Showing nodes'; then
	ok pane-w-go-pprof
else
	fail pane-w-go-pprof "go tool pprof cannot read $psave/pprof.demo.samples.cpu.001.pb.gz"
fi

# --- a second capture: Esc asks before it goes; both stay in the history ----
T send-keys -t pane r
check second-capture pane "${pane}cpu profile  demo  fetched [0-9:]{8}  capture 2/2  unsaved" 15
# q from the list asks too (the capture cannot be taken again); Tab, any
# other key, drops the question and gives the pane the keys back
T send-keys -t pane Tab q
check quit-asks pane "unsaved capture: q again quits"
T send-keys -t pane Tab
T send-keys -t pane Escape
check esc-asks pane "unsaved capture: w saves, q/Esc again closes"
check esc-asks-pane-stays pane "${pane}cpu profile  demo"
T send-keys -t pane '<'
check history-older pane "${pane}cpu profile  demo  fetched [0-9:]{8}  capture 1/2 *$"
T send-keys -t pane '<'
check history-no-older pane "no earlier capture of this service"
T send-keys -t pane '>'
check history-newer pane "${pane}cpu profile  demo  fetched [0-9:]{8}  capture 2/2  unsaved"
T send-keys -t pane q
check q-asks pane "unsaved capture: w saves, q/Esc again closes"
T send-keys -t pane q
if wait_gone pane "${pane}cpu profile"; then ok q-again-closes; else fail q-again-closes "pane still open" pane; fi
# closed, not lost: a new CPU pane goes back to both
T send-keys -t pane p c '<'
check history-after-close pane "${pane}cpu profile  demo  fetched [0-9:]{8}  capture 2/2  unsaved"
T send-keys -t pane x
check history-capture-cancelled pane "capture cancelled; r starts again"
T send-keys -t pane Escape Escape
if wait_gone pane "${pane}cpu profile"; then ok closed-again; else fail closed-again "pane still open" pane; fi

# --- cancel a capture, then one the service refuses -------------------------
# A session of its own with a long capture, so that a loaded machine still
# cancels it before it ends.
run_cmon long -ports="$one" -i=200ms -seconds=60
check long-up long '^● demo  up'
T send-keys -t long p c
check long-capturing long "capturing a 60 s CPU profile: [0-9]+ s left"
T send-keys -t long Escape
check cancel long "capture cancelled; r starts again"
check_capture_free cancel-frees-service "$one"
curl -s -o /dev/null "http://$one/debug/pprof/profile?seconds=5" &
curl_pid=$!
pids+=("$curl_pid")
sleep 0.5 # the other capture has begun
T send-keys -t long r
check refused long "refused: another CPU capture runs there \(r retries\)" 5
wait "$curl_pid" 2>/dev/null
check_quit long-quit long q q

# --- live refresh of a heap profile ----------------------------------------
T send-keys -t pane Tab p h
check heap-again pane "${pane}heap profile  demo  fetched"
T send-keys -t pane R
check live pane "${pane}heap profile  demo  fetched [0-9:]{8}  live every 2s"
first=$(fetched_at pane)
for _ in $(seq 60); do
	again=$(fetched_at pane)
	[ -n "$again" ] && [ "$again" != "$first" ] && break
	sleep 0.1
done
if [ -n "$first" ] && [ "$again" != "$first" ]; then
	ok live-refetches
else
	fail live-refetches "fetched '$first' then '$again'" pane
fi
T send-keys -t pane R
check live-off pane "${pane}heap profile  demo  fetched [0-9:]{8} *$"

# --- narrow: one at a time, Tab between them --------------------------------
T resize-window -t pane -x 80 -y 24
check narrow-pane pane '^ heap profile  demo  fetched'
T send-keys -t pane Tab
check narrow-sparklines pane '^● demo  up  every 200ms  updated'
T send-keys -t pane Tab
check narrow-pane-again pane '^ heap profile  demo'
T resize-window -t pane -x 100 -y 30

# --- help from the key tables ------------------------------------------------
T send-keys -t pane Tab '?'
check help-p pane '^  p +profile the selected service'
check help-pane-keys pane '^  R +live: fetch it again'
check help-kinds pane '^  p, then +c cpu  h heap  a allocs  g goroutine  b block  m mutex  t threadcreate'
T send-keys -t pane x

# --- q closes the pane, then quits ------------------------------------------
T send-keys -t pane Tab q
if wait_gone pane "${pane}heap profile"; then ok close; else fail close "pane still open" pane; fi
check closed-full-width pane '^● demo  up  every 200ms  updated'
check_quit quit pane q

if [ "$fails" -ne 0 ]; then
	echo "screen-pane: $fails failed"
	exit 1
fi
echo "screen-pane: all passed"
