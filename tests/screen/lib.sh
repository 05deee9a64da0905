# tests/screen/lib.sh: what the screen scripts share: a private tmux
# server, the demo service in lib_demo_sandbox's $tmp, cmon in a fixed-size
# session, and waiting for the screen to show something. Source it after
# tests/lib.sh's lib_env, with $cmon set, as `. lib.sh NAME` (the
# script's name): it exits 77 (skipped) without tmux or go, calls
# lib_demo_sandbox NAME and returns 2 when that fails.

for tool in tmux go; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "$1: SKIP: no $tool command"
		exit 77
	fi
done
# Braille and the state marks need a UTF-8 locale inside the pane.
utf8=$(locale -a 2>/dev/null | grep -i -m 1 -E '^(C|en_US)\.utf-?8$')
utf8=${utf8:-C.UTF-8}

sock=cmon-test-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
lib_extra_cleanup() { T kill-server 2>/dev/null; }
lib_demo_sandbox "$1" || return 2

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

# wait_status SESSION: prints cmon's exit status in that session once it
# has ended, waiting up to 5 s (nothing when it still runs).
wait_status() {
	local st=""
	for _ in $(seq 50); do
		st=$(cat "$tmp/$1.status" 2>/dev/null)
		[ -n "$st" ] && break
		sleep 0.1
	done
	printf '%s' "$st"
}

# check_capture_free NAME ADDR: the service at ADDR takes a CPU capture
# again at once (a cancelled capture ended on its side too: Go allows
# one at a time).
check_capture_free() {
	local code=""
	for _ in $(seq 20); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://$2/debug/pprof/profile?seconds=1")
		[ "$code" = 200 ] && break
		sleep 0.2
	done
	if [ "$code" = 200 ]; then ok "$1"; else fail "$1" "HTTP $code"; fi
}

# check_quit NAME SESSION KEY...: the keys end cmon with status 0 and its
# process is gone.
check_quit() {
	local name=$1 s=$2 pid st=""
	shift 2
	pid=$(cat "$tmp/$s.pid")
	T send-keys -t "$s" "$@"
	st=$(wait_status "$s")
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

# make_nocup_terminfo: a terminfo entry "nocup" in $tmp/terminfo (use with
# TERMINFO=$tmp/terminfo TERM=nocup): a printing terminal, no cursor
# addressing. Returns 1 when tic fails.
make_nocup_terminfo() {
	printf '%s\n' 'nocup|a printing terminal: no cursor addressing,' \
		'	cols#80, lines#24, bel=^G, cr=\r, ind=\n, clear=\E[H\E[J,' >"$tmp/nocup.ti"
	tic -o "$tmp/terminfo" "$tmp/nocup.ti" 2>"$tmp/tic.err" && return 0
	echo "tic failed: $(cat "$tmp/tic.err")" >&2
	return 1
}

# check_refused NAME SESSION REGEX: cmon ended with status 1, stderr is the
# one line REGEX, and the pane shows nothing cmon drew (tmux's own
# remain-on-exit line aside).
check_refused() {
	local name=$1 s=$2 re=$3 st=""
	st=$(wait_status "$s")
	if [ "$st" != 1 ]; then
		fail "$name" "exit status '$st', want 1; stderr: $(head -c 300 "$tmp/$s.err")" "$s"
	elif [ "$(wc -l <"$tmp/$s.err")" -ne 1 ] || ! grep -q -E -- "$re" "$tmp/$s.err"; then
		fail "$name" "stderr is not the one line /$re/: $(head -c 300 "$tmp/$s.err")" "$s"
	elif screen "$s" | grep -v '^Pane is dead' | grep -q '[^[:space:]]'; then
		fail "$name" "something was drawn" "$s"
	else
		ok "$name"
	fi
}

# check_suspend NAME SESSION REGEX ARGS...: cmon ARGS in an interactive
# shell; once the screen shows REGEX, Ctrl-Z must give the shell back
# (its "Stopped" line on the terminal, cmon's process in state T), fg must
# bring the screen back (REGEX again, drawn anew), and Ctrl-C end cmon.
check_suspend() {
	local name=$1 s=$2 re=$3 shpid pid="" st
	shift 3
	T new-session -d -s "$s" -x 100 -y 30 \
		"env TERM=screen LC_ALL=$utf8 PS1='shell\$ ' bash --norc --noprofile -i"
	shpid=$(T display-message -p -t "$s" '#{pane_pid}')
	wait_for "$s" '^shell\$' 5 || { fail "$name" "no shell prompt" "$s"; return; }
	T send-keys -t "$s" "$(printf '%q ' "$cmon" "$@")" Enter
	if ! wait_for "$s" "$re"; then
		fail "$name" "no /$re/ on screen before Ctrl-Z" "$s"
		return
	fi
	pid=$(pgrep -P "$shpid" | head -n 1)
	T send-keys -t "$s" C-z
	if ! wait_for "$s" 'Stopped' 5; then
		fail "$name" "Ctrl-Z: no shell job control line" "$s"
		T send-keys -t "$s" C-c
		kill -KILL "$pid" 2>/dev/null
		return
	fi
	st=$(ps -o stat= -p "$pid" 2>/dev/null)
	if [[ $st != T* ]]; then
		fail "$name" "Ctrl-Z: cmon (pid '$pid') is in state '$st', want T" "$s"
		kill -KILL "$pid" 2>/dev/null
		return
	fi
	T send-keys -t "$s" 'clear; fg' Enter
	if ! wait_for "$s" "$re"; then
		fail "$name" "fg: no /$re/ on screen" "$s"
		kill -KILL "$pid" 2>/dev/null
		return
	fi
	T send-keys -t "$s" C-c
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$name" "cmon (pid $pid) still runs after Ctrl-C" "$s"
		kill -KILL "$pid" 2>/dev/null
	else
		ok "$name"
	fi
	T kill-session -t "$s" 2>/dev/null
}
