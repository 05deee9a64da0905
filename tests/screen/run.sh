#!/usr/bin/env bash
# tests/screen/run.sh CMON_BINARY: the live monitor's screen, driven in tmux
# as a person would (tmux's own regress style: a private server, a fixed
# size, send-keys, capture-pane). The real cmon watches the real demo Go
# service on loopback: one service (values, min/max, sparklines), several
# (table, the selected var's sparklines, moving the selection), help, the
# zoomed graph, pause, resizes down to "terminal too small", ASCII glyphs,
# and q / Ctrl-C quitting with no cmon process left behind.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1
# (failures), 2 (setup) or 77 (skipped: no tmux, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen" "$@") || exit 2
for tool in tmux go; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "screen: SKIP: no $tool command"
		exit 77
	fi
done
# Braille and the state marks need a UTF-8 locale inside the pane.
utf8=$(locale -a 2>/dev/null | grep -i -m 1 -E '^(C|en_US)\.utf-?8$')
utf8=${utf8:-C.UTF-8}

sock=cmon-test-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
lib_extra_cleanup() { T kill-server 2>/dev/null; }
lib_demo_sandbox screen || exit 2

# fail NAME WHY [SESSION]: reports, with the session's screen when given.
fail() {
	echo "FAIL $1: $2"
	fails=$((fails + 1))
	if [ -n "${3-}" ]; then
		T capture-pane -p -t "$3" 2>/dev/null | sed 's/^/    | /'
	fi
}

# start_demo ADDR ARGS...: one demo process listening on ADDR
# (127.0.0.1:0: a free port); its pid in demo_pid, its addresses (one a
# service, from its "demo: listening on http://HOST:PORT" lines) in
# demo_addrs.
start_demo() {
	local addr=$1 out=$tmp/demo.$RANDOM n=1 lines
	shift
	"$tmp/demo" -addr "$addr" "$@" >"$out" 2>&1 &
	demo_pid=$!
	pids+=("$demo_pid")
	case " $* " in *" -services "*) n=$(printf '%s\n' "$@" | sed -n '/^-services$/{n;p}') ;; esac
	for _ in $(seq 100); do
		lines=$(grep -c '^demo: listening on http://' "$out" 2>/dev/null)
		[ "${lines:-0}" -ge "$n" ] && break
		sleep 0.05
	done
	demo_addrs=$(sed -n 's|^demo: listening on http://||p' "$out" | head -n "$n" | paste -sd, -)
	[ -n "$demo_addrs" ]
}

# run_cmon SESSION ARGS...: cmon (with $cmon_env, "VAR=value ...", in its
# environment) in a new 100x30 tmux session, through a
# shell that writes cmon's exit status to $tmp/SESSION.status; cmon's pid
# (the shell's child) goes to $tmp/SESSION.pid. The pane stays after the
# shell ends (remain-on-exit) so that a failure can show the last screen.
run_cmon() {
	local s=$1 shpid pid=""
	shift
	T new-session -d -s "$s" -x 100 -y 30 \
		"env TERM=screen LC_ALL=$utf8 ${cmon_env-} $(printf '%q ' "$cmon" "$@") 2>$tmp/$s.err; echo \$? >$tmp/$s.status" \; \
		set-option -t "$s" remain-on-exit on
	shpid=$(T display-message -p -t "$s" '#{pane_pid}')
	for _ in $(seq 50); do
		pid=$(ps -o pid= --ppid "$shpid" | tr -d ' ')
		[ -n "$pid" ] && break
		sleep 0.1
	done
	echo "$pid" >"$tmp/$s.pid"
}

screen() { T capture-pane -p -t "$1"; }
# The screen with its colours and attributes as escape sequences.
screen_sgr() { T capture-pane -e -p -t "$1"; }
esc=$'\e'
colour_re="$esc\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|38;5;[0-9]+)(;[0-9;]*)?m"

# wait_for SESSION REGEX [SECONDS]: until the screen matches (grep -E).
wait_for() {
	local s=$1 re=$2 n=$(( ${3:-10} * 10 ))
	for _ in $(seq "$n"); do
		screen "$s" 2>/dev/null | grep -q -E -- "$re" && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone SESSION REGEX: until the screen no longer matches.
wait_gone() {
	for _ in $(seq 50); do
		screen "$1" | grep -q -E -- "$2" || return 0
		sleep 0.1
	done
	return 1
}

# check NAME SESSION REGEX [SECONDS]
check() {
	if wait_for "$2" "$3" "${4-}"; then ok "$1"; else fail "$1" "no /$3/ on screen" "$2"; fi
}

# check_quit NAME SESSION KEY...: the keys end cmon with status 0 and its
# process is gone.
check_quit() {
	local name=$1 s=$2 pid st=""
	shift 2
	pid=$(cat "$tmp/$s.pid")
	T send-keys -t "$s" "$@"
	for _ in $(seq 50); do
		st=$(cat "$tmp/$s.status" 2>/dev/null)
		[ -n "$st" ] && break
		sleep 0.1
	done
	if [ "$st" != 0 ]; then
		fail "$name" "exit status '$st'; stderr: $(head -c 300 "$tmp/$s.err")" "$s"
	elif [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null; then
		fail "$name" "cmon (pid '$pid') still runs"
	else
		ok "$name"
	fi
}

# The script greps bytes (lib_env's LC_ALL=C): a braille cell is U+2800-
# U+28FF, E2 A0-A3 xx in UTF-8.
braille=$'\xe2[\xa0-\xa3][\x80-\xbf]'
size='[0-9.]+[KMGTPE]?B'

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
check zoom-axis single "^ +-[0-9.]+[ms]+ .* now\$"
if wait_for single "^ +$size +$braille" && [ "$(screen single | grep -c -E "$braille")" -ge 20 ]; then
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
if [ "$(screen multi | grep -c -E '^● demo:[0-9]+ ')" = 2 ]; then
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
check ascii-zoom ascii '^ +-[0-9.]+[ms]+ .* now$'
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
