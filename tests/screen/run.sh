#!/usr/bin/env bash
# tests/screen/run.sh CMON_BINARY: the live monitor's screen, driven in tmux
# as a person would (tmux's own regress style: a private server, a fixed
# size, send-keys, capture-pane). The real cmon watches the real demo Go
# service on loopback: one service (values, min/max, sparklines; exact min
# and max from a Python service), several, a -ports=@FILE followed as it
# changes
# (table, the selected var's sparklines, moving the selection), help, the
# zoomed graph, pause, resizes down to "terminal too small", ASCII glyphs,
# and q / Ctrl-C quitting with no cmon process left behind.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1
# (failures), 2 (setup) or 77 (skipped: no tmux, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen || exit 2

start_demo 127.0.0.1:0 -load 1 || { echo "screen: demo did not start" >&2; exit 2; }
one=$demo_addrs
if ! start_demo 127.0.0.1:0 -services 2 -load 1; then
	echo "screen: demo -services 2 did not start" >&2
	exit 2
fi
two=$demo_addrs

# --- one service -------------------------------------------------------------
run_cmon single -ports="$one" -i=200ms
check single-header single '^● demo  up  every 200ms  updated [0-9]{2}:[0-9]{2}:[0-9]{2}'
check single-address single "^  ${one//./\\.}\$"
check single-headings single '^ var +value +min +max +-[0-9.]+[ms]+ .* now$'
check single-values single "^ Alloc +$size +$size +$size +$braille"
check single-all-vars single '^ threads +[0-9]+ '
if wait_for single "^ goroutines +[0-9]+ +[0-9]+ +[0-9]+ +$braille" &&
	[ "$(screen single | grep -c -E "$braille")" -ge 8 ]; then
	ok single-sparkline-every-var
else
	fail single-sparkline-every-var "fewer than 8 sparklines" single
fi

T send-keys -t single '?'
check help single '^ cmon: keys'
if wait_for single '^  Ctrl-C +quit at once' && wait_for single '^  Enter +zoom' &&
	wait_for single 'any key goes back'; then
	ok help-from-key-table
else
	fail help-from-key-table "key lines missing" single
fi
T send-keys -t single x
check help-any-key-leaves single '^ var +value'

T send-keys -t single Enter
check zoom single '^ Alloc \(memstats\.Alloc\)  now '
check zoom-axis single "^ +[0-9]{2}:[0-9]{2}:[0-9]{2} .* [0-9]{2}:[0-9]{2}:[0-9]{2}\$"
# both on one look at the screen: under a loaded suite the first look
# may catch the label row before the rest of the redraw
tall_graph() {
	local shot
	shot=$(screen single)
	grep -q -E "^ +$size +$braille" <<<"$shot" && [ "$(grep -c -E "$braille" <<<"$shot")" -ge 20 ]
}
for _ in $(seq 50); do tall_graph && break; sleep 0.1; done
if tall_graph; then
	ok zoom-tall-graph
else
	fail zoom-tall-graph "no 20-row graph with a max label" single
fi
T send-keys -t single Down
check zoom-follows-selection single '^ Sys \(memstats\.Sys\)  now '
T send-keys -t single Escape
check zoom-esc-leaves single '^ var +value'
T send-keys -t single Enter
wait_for single 'now $size' >/dev/null
T send-keys -t single q
check zoom-q-leaves single '^ var +value'

T send-keys -t single Space
check pause single 'PAUSED$'
T send-keys -t single Space
if wait_gone single 'PAUSED'; then ok resume; else fail resume "still PAUSED" single; fi

# scrolling: 10 rows leave room for 6 of the 8 vars
T resize-window -t single -x 100 -y 10
check scroll-hint single '↓ 2 more vars$'
T send-keys -t single j j j j j j j
check scroll-follows single '^ threads '
check scroll-hint-up single '↑ 2 more vars$'
T send-keys -t single g
check scroll-home single '^ Alloc '

T resize-window -t single -x 40 -y 8
check resize-narrow single '^ Alloc +[0-9]'
T resize-window -t single -x 60 -y 7
check too-small single 'terminal too small: need 40x8, have 60x7'
T resize-window -t single -x 39 -y 8
check too-small-two-lines single '^ +need 40x8, have 39x8'
T resize-window -t single -x 12 -y 6
check too-small-tiny single '^have 12x6'
T resize-window -t single -x 100 -y 30
check resize-back single '^ var +value +min +max'

# the default theme: green "up", and the selection in reverse
if screen_sgr single | grep -q -E "$colour_re" && screen_sgr single | grep -q "${esc}\[7m"; then
	ok colours
else
	fail colours "no colour or no reverse video" single
fi
check_quit quit-q single q

# --- several services --------------------------------------------------------
run_cmon multi -ports="$two,127.0.0.1:1" -i=200ms \
	-vars='requests,rate:requests,mem:memstats.Alloc,@goroutines,mem:memstats.Sys'
check multi-header multi '^cmon  3 services  2 up  1 down  every 200ms  updated'
check multi-headings multi '^  service +requests +requests/s +Alloc +goroutines +Sys$'
check multi-rows multi "^● demo:[0-9]+ +[0-9]+ +[0-9.]+/s +$size +[0-9]+ +$size\$"
# polled: under a loaded suite a 200 ms poll may time out and show a
# twin down for a moment
twins_up() { [ "$(screen multi | grep -c -E '^● demo:[0-9]+ ')" = 2 ]; }
for _ in $(seq 50); do twins_up && break; sleep 0.1; done
if twins_up; then
	ok multi-twins-named-by-port
else
	fail multi-twins-named-by-port "not two demo:PORT rows" multi
fi
check multi-down-reason multi '^✖ 127\.0\.0\.1:1 +down: .*(refused|connect)'
check multi-spark-title multi '^ requests per service'
check multi-sparklines multi "^ demo:[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +$braille"
T send-keys -t multi l l
check multi-select-var multi '^ Alloc \(memstats\.Alloc\) per service'
check multi-spark-values multi "^ demo:[0-9]+ +$size +$size +$size +$braille"
T send-keys -t multi j Enter
check multi-zoom multi '^● demo:[0-9]+  up .*'
check multi-zoom-var multi '^ Alloc \(memstats\.Alloc\)  now '
T send-keys -t multi j
check multi-zoom-follows multi '^✖ 127\.0\.0\.1:1  down'
T send-keys -t multi k Escape

# small: one table row, one two-line sparkline, two var columns
T resize-window -t multi -x 40 -y 8
check multi-scroll-hints multi '↑1 ↓1  ←1 →2$'
check multi-scroll-footer multi '↑1 ↓1$'
check multi-narrow-sparks multi "^ demo:[0-9]+ +$size .*"
check multi-narrow-sparkline multi "^ +$braille"
T send-keys -t multi k h h h
check multi-scroll-home multi '↓2  →3$'
T resize-window -t multi -x 100 -y 30
check multi-resize-back multi '^  service +requests'

check_quit quit-ctrl-c multi C-c

# --- several services: sort, filter, one scale -------------------------------
run_cmon fleet -ports="$two,127.0.0.1:1" -i=200ms -vars='requests,mem:memstats.Alloc'
check fleet-start fleet '^cmon  3 services  2 up  1 down'
check fleet-one-scale fleet '^ requests per service, one scale [0-9]+ to [0-9]+$'
T send-keys -t fleet s
check fleet-sort-title fleet '^cmon  3 services  by requests \(highest first\)'
# the down service has no value: last, whichever way
# (the table's service rows: after the headings and the totals row)
table_rows() { screen "$1" | sed -n '3,/per service/p' | grep -E '^(●|✖|↻|…) '; }
rows=$(table_rows fleet) # one capture: the counters keep growing
# (a demo may time out now and then under load: up rows by value, then down)
if printf '%s\n' "$rows" | tail -n 1 | grep -q '^✖ 127\.0\.0\.1:1' &&
	printf '%s\n' "$rows" | awk '$1 == "●" { if (down || (n++ && $3 > last)) bad = 1; last = $3 }
		$1 == "✖" { down = 1 } END { exit bad }'; then
	ok fleet-sorted-highest-first
else
	fail fleet-sorted-highest-first "rows not by requests, down last: $rows" fleet
fi
T send-keys -t fleet o
check fleet-by-name fleet '^cmon  3 services  by name'
if table_rows fleet | head -n 1 | grep -q '^✖ 127\.0\.0\.1:1'; then ok fleet-name-order; else fail fleet-name-order "127.0.0.1:1 not first" fleet; fi
T send-keys -t fleet / : 1 '$'
check fleet-filter-prompt fleet '^/:1\$_'
check fleet-filtered fleet '^cmon  1 of 3 services'
T send-keys -t fleet '['
check fleet-filter-bad-regex fleet '^/:1\$\[_ +error parsing regexp: missing closing \]'
T send-keys -t fleet BSpace Enter
check fleet-filter-kept fleet 'q quit  \? help'
if [ "$(screen fleet | grep -c -E '^(●|✖) ')" = 1 ]; then ok fleet-one-row; else fail fleet-one-row "rows left" fleet; fi
T send-keys -t fleet / Escape
T send-keys -t fleet / C-u Enter
check fleet-unfiltered fleet '^cmon  3 services'
T send-keys -t fleet e
check fleet-own-scale fleet '^ requests per service, each its own range'
check_quit fleet-quit fleet q

# --- a var no service has: named on the bottom line with its nearest --------
run_cmon typo -ports="$one" -i=200ms -vars='mem:memstats.Aloc,requests'
check var-typo-footer typo '^no var memstats\.Aloc on any service; did you mean memstats\.Alloc\?'
check_quit var-typo-quit typo q

# --- down, then restarted ----------------------------------------------------
start_demo 127.0.0.1:0 -load 1 || { echo "screen: demo did not start" >&2; exit 2; }
solo=$demo_addrs
run_cmon restart -ports="$solo" -i=200ms
check restart-before restart '^● demo  up'
sleep 1 # the counters a restart sets back (NumGC, ...) grow meanwhile
kill "$demo_pid"
wait "$demo_pid" 2>/dev/null
check down-mark restart '^✖ demo  down'
check down-reason restart "^  ${solo//./\\.}  down: .*(refused|connect)"
if start_demo "$solo" -load 1; then
	check restarted restart '^↻ demo  restarted at [0-9]{2}:[0-9]{2}:[0-9]{2}'
	check restarted-detail restart 'a new process answers$'
else
	fail restarted "the demo could not listen on $solo again"
fi
check_quit restart-quit restart q

# --- min and max are the values read, not float's nearest --------------------
# A constant 123456789 showed 123456792 as its min and max.
if command -v python3 >/dev/null; then
	python3 -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = b"{\"cmdline\": [\"/bin/exact\"], \"big\": 123456789}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    def handle_error(self, *a):
        pass # cmon quitting mid-request
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
' >"$tmp/exact.port" &
	pids+=("$!")
	for _ in $(seq 100); do [ -s "$tmp/exact.port" ] && break; sleep 0.05; done
	run_cmon exact -ports="127.0.0.1:$(cat "$tmp/exact.port")" -vars=big -i=200ms
	check exact-min-max exact '^ big +123456789 +123456789 +123456789 '
	check_quit exact-quit exact q
else
	echo "skip exact-min-max: no python3"
fi

# --- terminals that cannot show the screen ------------------------------------
# TERM=dumb and any terminal type without cursor addressing (terminfo "cup")
# are refused as an unknown one is: exit 1, one line naming TERM and the
# text modes, nothing drawn.
make_nocup_terminfo || exit 2
text_modes='; use -dummy or -once for text output$'
cmon_env="TERM=dumb"
run_cmon dumb -ports="$one" -i=200ms
check_refused term-dumb dumb "^cmon: TERM=dumb: the terminal cannot move the cursor$text_modes"
cmon_env="TERMINFO=$tmp/terminfo TERM=nocup"
run_cmon nocup -ports="$one" -i=200ms
check_refused term-no-cursor-addressing nocup \
	"^cmon: TERM=nocup: the terminal cannot move the cursor$text_modes"
cmon_env="TERM=no-such-terminal-type"
run_cmon unknown-term -ports="$one" -i=200ms
check_refused term-unknown unknown-term \
	"^cmon: TERM=no-such-terminal-type: unknown terminal type$text_modes"
cmon_env=""

# --- -ports=@FILE: the screen follows the file while running -----------------
first=${two%%,*} second=${two##*,}
printf '# listed\n%s\n127.0.0.1:1\n' "$first" >"$tmp/listed.txt"
run_cmon listed -ports=@"$tmp/listed.txt" -i=200ms -vars=requests
check listed-start listed '^cmon  2 services  1 up  1 down'
printf '%s\n' "$second" >>"$tmp/listed.txt"
check listed-added listed '^cmon  3 services  2 up  1 down'
check listed-added-row listed "^● demo:${second##*:} "
# the selection stays on its service when the list moves it to another index
T send-keys -t listed j j
sel_on() { screen_sgr listed | grep "${esc}\[7m" | grep -q "demo:$1"; }
for _ in $(seq 30); do sel_on "${second##*:}" && break; sleep 0.1; done
printf '%s\n%s\n' "$first" "$second" >"$tmp/listed.txt" # its index: 2, then 1
check listed-removed listed '^cmon  2 services  2 up'
for _ in $(seq 30); do sel_on "${second##*:}" && break; sleep 0.1; done
if sel_on "${second##*:}" && ! sel_on "${first##*:}"; then
	ok listed-selection-kept
else
	fail listed-selection-kept "the selection left demo:${second##*:}" listed
fi
if ! screen listed | grep -q '127\.0\.0\.1:1'; then ok listed-removed-row; else fail listed-removed-row "still shown" listed; fi
printf 'oops\n' >>"$tmp/listed.txt"
check listed-bad-line-kept listed "^cmon  2 services .*listed\.txt:3: bad -ports field \"oops\""
check_quit listed-quit listed q

# --- Ctrl-Z suspends to the shell, fg comes back ----------------------------------
check_suspend suspend-ctrl-z suspend '^● demo  up  every 200ms' -ports="$one" -i=200ms

# --- ASCII glyphs, NO_COLOR ---------------------------------------------------
cmon_env="NO_COLOR=1"
run_cmon ascii -ports="$one" -i=200ms -glyphs=ascii
cmon_env=""
check ascii-mark ascii '^\+ demo  up'
if wait_for ascii '^ Alloc .*[_.^-]$' && ! screen ascii | grep -q -E "$braille"; then
	ok ascii-sparklines
else
	fail ascii-sparklines "braille on screen or no sparkline" ascii
fi
T send-keys -t ascii Enter
check ascii-zoom ascii '^ +[0-9]{2}:[0-9]{2}:[0-9]{2} .* [0-9]{2}:[0-9]{2}:[0-9]{2}$'
if screen_sgr ascii | grep -q -E "$colour_re"; then
	fail no-color "colours on screen with NO_COLOR" ascii
elif ! screen_sgr ascii | grep -q "${esc}\[1m"; then
	fail no-color "no bold left with NO_COLOR" ascii
else
	ok no-color
fi
check_quit ascii-quit ascii q q

if [ "$fails" -ne 0 ]; then
	echo "screen: $fails failed"
	exit 1
fi
echo "screen: all passed"
