#!/usr/bin/env bash
# tests/e2e/textout.sh CMON_BINARY: -once's and -dummy's text, and cmon
# pprof's report, against readers and services that misbehave. Services
# are a small Python http.server (vars_server.py) on 127.0.0.1 whose
# cmdline[0] and keys carry terminal escapes, two of them sharing a name.
#   - escapes, C1 controls and bad bytes from a service never reach the
#     reader; outside a UTF-8 locale the text is ASCII (µs is us);
#   - services that share a name are told apart by port, as on screen;
#   - a reader that goes away, a full disk, a closed stdout: a message
#     and exit 1 (cmon pprof too);
#   - a reader that stalls stalls neither polling nor SIGTERM/SIGINT, and
#     one far behind loses whole blocks, which stderr counts;
#   - cmon pprof cleans its report on a terminal, keeps pprof's bytes in a
#     pipe;
#   - -glyphs and -theme are checked with -once/-dummy; the "use -dummy
#     or -once" hint is said once.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures) or 2 (setup).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8
here=$(cd "$(dirname "$0")" && pwd)

cmon=$(lib_cmon_binary "textout" "$@") || exit 2
tmp=$(mktemp -d)
pids=()
fails=0
cleanup() {
	lib_is_main_shell || return 0
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# serve PORTFILE NAME...: the fixture, one port per NAME, into PORTFILE.
serve() {
	python3 "$here/vars_server.py" "$@" &
	pids+=("$!")
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "textout: the fixture server did not start" >&2
	exit 2
}
serve "$tmp/ports" '/bin/\e]0;owned\a\x9b31mx' /srv/api /srv/api
mapfile -t port <"$tmp/ports"
evil=127.0.0.1:${port[0]} api1=127.0.0.1:${port[1]} api2=127.0.0.1:${port[2]}
# Services with more keys than -vars=* takes (1024 vars): 36 KB a service
# in a block; three make a block of 108 KB, more than a pipe holds, eight
# one of 290 KB.
VARS_KEYS=1100 VARS_HITS=$tmp/hits serve "$tmp/bigports" /srv/big /srv/big /srv/big /srv/big /srv/big /srv/big /srv/big /srv/big
mapfile -t port <"$tmp/bigports"
bigs=127.0.0.1:${port[0]},127.0.0.1:${port[1]},127.0.0.1:${port[2]}
bigs8=$(printf '127.0.0.1:%s,' "${port[@]}")
bigs8=${bigs8%,}

# has_bytes FILE: the file holds ESC, BEL or a C1 control (UTF-8 or raw).
has_bytes() { LC_ALL=C grep -q $'\e\\|\a\\|\xc2[\x80-\x9f]\\|\x9b' "$1"; }

# --- escapes from a service --------------------------------------------------
"$cmon" -ports="$evil" -vars='*' -once >"$tmp/once.out" 2>"$tmp/once.err"; st=$?
if [ $st = 0 ] && ! has_bytes "$tmp/once.out" &&
	grep -q '^?\]0;owned??31mx: .*k?\[2Jey: 5' "$tmp/once.out"; then
	ok once-escapes-cleaned
else
	fail once-escapes-cleaned "status $st: $(cat -v "$tmp/once.out" "$tmp/once.err")"
fi
timeout 10 "$cmon" -ports="$evil" -vars='*' -i=200ms -dummy 2>"$tmp/dummy.err" | head -n 4 >"$tmp/dummy.out"
if ! has_bytes "$tmp/dummy.out" && grep -q '^?\]0;owned??31mx: ' "$tmp/dummy.out"; then
	ok dummy-escapes-cleaned
else
	fail dummy-escapes-cleaned "$(cat -v "$tmp/dummy.out")"
fi
LC_ALL=C "$cmon" -ports="$evil" -vars='*,dur:memstats.PauseNs[0]' -once >"$tmp/c.out" 2>&1; st=$?
if [ $st = 0 ] && ! LC_ALL=C grep -q $'[\x80-\xff]' "$tmp/c.out" &&
	grep -q '^?\]0;owned???31mx: PauseNs\[0\]: 2us, requests: 7, k?\[2Jey: 5' "$tmp/c.out"; then
	ok c-locale-ascii-us
else
	fail c-locale-ascii-us "status $st: $(cat -v "$tmp/c.out")"
fi
out=$("$cmon" -ports="$evil" -vars='dur:memstats.PauseNs[0]' -once 2>&1)
[[ $out == *"PauseNs[0]: 2µs"* ]] && ok utf8-locale-keeps-mu || fail utf8-locale-keeps-mu "$out"

# --- two instances of one program -----------------------------------------
out=$("$cmon" -ports="$api1,$api2" -vars=requests -once 2>&1); st=$?
want=$(printf 'api:%s: requests: 7\napi:%s: requests: 7' "${api1##*:}" "${api2##*:}")
if [ $st = 0 ] && [ "$(printf '%s\n' "$out" | tail -n 2)" = "$want" ]; then
	ok twins-by-port
else
	fail twins-by-port "status $st: $out"
fi

# --- write errors: a message and exit 1 -------------------------------------
# check_write_error NAME WANT full|closed CMD...: CMD with stdout on
# /dev/full or closed ends within 10 s, status 1, stderr has WANT.
check_write_error() {
	local name=$1 want=$2 how=$3 st
	shift 3
	if [ "$how" = full ]; then
		timeout 10 "$@" 2>"$tmp/we.err" >/dev/full; st=$?
	else
		timeout 10 "$@" 2>"$tmp/we.err" >&-; st=$?
	fi
	if [ $st = 1 ] && grep -q "$want" "$tmp/we.err"; then
		ok "$name"
	else
		fail "$name" "status $st: $(cat "$tmp/we.err")"
	fi
}
check_write_error once-dev-full '^cmon: writing output: No space left on device$' \
	full "$cmon" -ports="$api1" -once
check_write_error dummy-dev-full '^cmon: writing output: No space left on device$' \
	full "$cmon" -ports="$api1" -i=100ms -dummy
check_write_error dummy-closed-stdout '^cmon: writing output: Bad file descriptor$' \
	closed "$cmon" -ports="$api1" -i=100ms -dummy
check_write_error once-closed-stdout '^cmon: writing output: Bad file descriptor$' \
	closed "$cmon" -ports="$api1" -once
python3 "$here/escape_profile.py" "$tmp/esc.pb"
check_write_error pprof-dev-full '^cmon pprof: writing output: No space left on device$' \
	full "$cmon" pprof -top "$tmp/esc.pb"
check_write_error version-dev-full '^cmon: writing output: No space left on device$' \
	full "$cmon" --version

start=$(lib_ms)
timeout 10 "$cmon" -ports="$api1" -i=100ms -dummy 2>"$tmp/head.err" | head -n 1 >/dev/null
st=${PIPESTATUS[0]}
took=$(($(lib_ms) - start))
if [ "$st" = 1 ] && [ $took -lt 5000 ] && grep -q '^cmon: writing output: Broken pipe$' "$tmp/head.err"; then
	ok dummy-reader-gone
else
	fail dummy-reader-gone "status $st after $(lib_secs $took): $(cat "$tmp/head.err")"
fi

# --- a stalled reader --------------------------------------------------------
# stalled_then_signal NAME SIG ARGS...: cmon ARGS writes into a FIFO whose
# reader never reads; after 2 s (the pipe full) SIG must end it promptly
# (0.1 s when quiet; 5 s allowed, for a loaded machine: before, only
# SIGKILL ended it), with status 0 (-dummy) or 1 (-once: a block was not
# written).
stalled_then_signal() {
	local name=$1 sig=$2 want=$3 reader cpid st took
	shift 3
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	sleep 60 <"$tmp/fifo" &
	reader=$!
	pids+=("$reader")
	# background jobs start with SIGINT ignored: give it back
	env --default-signal=INT "$cmon" "$@" -stats >"$tmp/fifo" 2>"$tmp/stall.err" &
	cpid=$!
	pids+=("$cpid")
	sleep 2
	kill -"$sig" "$cpid"
	start=$(lib_ms)
	while [ $(($(lib_ms) - start)) -lt 5000 ]; do
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.05
	done
	took=$(($(lib_ms) - start))
	kill -KILL "$cpid" 2>/dev/null
	wait "$cpid"; st=$?
	kill "$reader" 2>/dev/null
	local polls
	polls=$(sed -n 's/^cmon: polls \([0-9]*\),.*/\1/p' "$tmp/stall.err")
	if [ "$st" = "$want" ] && [ $took -lt 5000 ] && [ "${polls:-0}" -ge "${min_polls:-0}" ]; then
		ok "$name"
	else
		fail "$name" "status $st (want $want), $(lib_secs $took) after SIG$sig, ${polls:-no} polls: $(cat "$tmp/stall.err")"
	fi
}
# Polling goes on while the reader stalls: about 20 polls in the 2 s (at
# least 3 on a loaded machine).
min_polls=3 stalled_then_signal dummy-stalled-sigterm TERM 0 -ports="$bigs" -vars='*' -i=100ms -timeout=2s -dummy
min_polls=3 stalled_then_signal dummy-stalled-sigint INT 0 -ports="$bigs" -vars='*' -i=100ms -timeout=2s -dummy
stalled_then_signal once-stalled-sigterm TERM 1 -ports="$bigs" -vars='*' -once

# A reader that stalls while cmon polls its services 8 times (blocks of
# 290 KB; 1 MiB may wait): whole blocks are dropped, and stderr says how
# many once the reader takes text again; what it reads is whole lines.
rm -f "$tmp/fifo" "$tmp/go"
mkfifo "$tmp/fifo"
(while [ ! -e "$tmp/go" ]; do sleep 0.1; done; cat >"$tmp/drop.out") <"$tmp/fifo" &
pids+=("$!")
hits0=$(cat "$tmp/hits" 2>/dev/null || echo 0)
"$cmon" -ports="$bigs8" -vars='*' -i=200ms -timeout=2s -dummy >"$tmp/fifo" 2>"$tmp/drop.err" &
cpid=$!
pids+=("$cpid")
for _ in $(seq 300); do
	[ $(($(cat "$tmp/hits") - hits0)) -ge 64 ] && break
	sleep 0.1
done
sleep 0.5
touch "$tmp/go"
for _ in $(seq 100); do
	grep -q 'intervals not printed' "$tmp/drop.err" && break
	sleep 0.1
done
sleep 0.5
kill -TERM "$cpid"
wait "$cpid"; st=$?
sleep 0.2
# every line but the last (cut when cmon ended) a time or a whole service line
bad=$(head -n -1 "$tmp/drop.out" | grep -v -c -E '^([0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{2}/[0-9]{2}|[^ ]+: (ERROR: .*|requests: 7, .*, a_long_key_for_a_big_block_[0-9]{5}: [0-9]+))$')
blocks=$(grep -c '^big:[0-9]*: requests' "$tmp/drop.out")
if [ $st = 0 ] && grep -q '^cmon: [0-9]* intervals not printed: the reader fell behind$' "$tmp/drop.err" &&
	[ "$bad" = 0 ] && [ "$blocks" -ge 9 ]; then
	ok dummy-slow-reader-drops-blocks
else
	fail dummy-slow-reader-drops-blocks "status $st, $bad bad lines, $blocks lines: $(cat "$tmp/drop.err")"
fi

# --- cmon pprof: pprof's bytes in a pipe, cleaned on a terminal ---------------
"$cmon" pprof -top "$tmp/esc.pb" >"$tmp/pipe.out" 2>&1
if LC_ALL=C grep -q $'main.\e]0;owned\aleaf\e\\[2J$' "$tmp/pipe.out"; then
	ok pprof-pipe-keeps-bytes
else
	fail pprof-pipe-keeps-bytes "$(cat -v "$tmp/pipe.out")"
fi
python3 "$here/on_tty.py" "$cmon" pprof -top "$tmp/esc.pb" >"$tmp/tty.out" 2>&1; st=$?
if [ $st = 0 ] && ! has_bytes "$tmp/tty.out" && grep -q 'main.?]0;owned?leaf?\[2J' "$tmp/tty.out" &&
	grep -q 'main.?31mmain' "$tmp/tty.out" && [ "$(grep -c 'flat%' "$tmp/tty.out")" = 1 ]; then
	ok pprof-tty-cleaned
else
	fail pprof-tty-cleaned "status $st: $(cat -v "$tmp/tty.out")"
fi

# --- flags checked in every mode; the hint said once --------------------------
check_usage() { # NAME WANT ARGS...
	local name=$1 want=$2 err st
	shift 2
	err=$(timeout 10 "$cmon" "$@" 2>&1 >/dev/null </dev/null); st=$?
	if [ $st = 2 ] && [[ $err == *"$want"* ]]; then
		ok "$name"
	else
		fail "$name" "status $st: $err"
	fi
}
check_usage once-bad-glyphs '"nope" for flag -glyphs' -ports="$api1" -glyphs=nope -once
check_usage dummy-bad-theme 'theme "nope": not found' -ports="$api1" -theme=nope -dummy
err=$(timeout 10 "$cmon" -ports="$api1" 2>&1 >/dev/null </dev/null); st=$?
if [ $st = 1 ] && [ "$(grep -o 'use -dummy or -once' <<<"$err" | wc -l)" = 1 ]; then
	ok no-terminal-hint-once
else
	fail no-terminal-hint-once "status $st: $err"
fi

# --- the screen under LC_ALL=C: "us", as the text writes it ---------------------
if command -v tmux >/dev/null 2>&1; then
	sock=cmon-textout-$$
	T() { tmux -L "$sock" -f /dev/null "$@"; }
	T new-session -d -s c -x 100 -y 20 \
		"env TERM=screen LC_ALL=C $(printf '%q ' "$cmon" -ports="$evil" -i=200ms \
			-vars='dur:memstats.PauseNs[0],requests') 2>$tmp/screen.err"
	shown=""
	for _ in $(seq 100); do
		shown=$(T capture-pane -p -t c 2>/dev/null)
		grep -q 'PauseNs\[0\] *2us' <<<"$shown" && break
		sleep 0.1
	done
	T send-keys -t c q 2>/dev/null
	sleep 0.3
	T kill-server 2>/dev/null
	if grep -q 'PauseNs\[0\] *2us' <<<"$shown" && ! grep -q '??s' <<<"$shown"; then
		ok screen-c-locale-us
	else
		fail screen-c-locale-us "$shown $(cat "$tmp/screen.err")"
	fi
else
	echo "ok screen-c-locale-us # SKIP no tmux"
fi

echo "textout: $fails failed"
[ $fails = 0 ]
