#!/usr/bin/env bash
# tests/screen/viewer.sh CMON_BINARY: `cmon pprof SOURCE...`, the
# interactive profile viewer, driven in tmux as a person would (a private
# server, a fixed size, send-keys, capture-pane): a committed profile
# (tests/data) and profiles fetched from the running demo service; search,
# drilling into source and back, sort, sample index, peek, help, resize,
# the labels level and its tag filters, regex search marking every match,
# re-fetch, quitting with no cmon left running; and the refusal without a
# terminal. w writes the profile as fetched (go tool pprof reads it with
# the same numbers); HOST:PORT counts its capture down and q, Esc and
# Ctrl-C cancel it.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1
# (failures), 2 (setup) or 77 (skipped: no tmux, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-viewer" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-viewer || exit 2

# selected SESSION REGEX: the text matching REGEX is drawn in reverse video
# (the default theme's "selected"). tmux's capture carries attributes over
# from the line before, so the screen is searched as one line.
selected() {
	screen_sgr "$1" | tr '\n' ' ' |
		grep -E -q "$esc\\[([0-9;]*;)?7m($esc\\[[1-9][0-9;]*m)*[^$esc]*$2"
}
# wait_selected SESSION REGEX: selected, within 5 s (keys take a moment
# to reach the screen under load).
wait_selected() {
	for _ in $(seq 50); do
		selected "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}

data=$CMON_ROOT/tests/data
src=$CMON_ROOT/tests/profgen

# --- without a terminal: exit 2, pointing at -top ------------------------------
st=0
"$cmon" pprof "$data/cpu.pb.gz" </dev/null >"$tmp/notty.out" 2>"$tmp/notty.err" || st=$?
if [ "$st" = 2 ] && grep -q -- '-top' "$tmp/notty.err" && grep -q 'terminal' "$tmp/notty.err" &&
	[ ! -s "$tmp/notty.out" ]; then
	ok no-terminal
else
	fail no-terminal "status $st, stderr: $(cat "$tmp/notty.err")"
fi

# --- a terminal that cannot show it: exit 1, pointing at -top ------------------
make_nocup_terminfo || exit 2
text_modes='; use -top \(or -list, -peek, -traces\) for text$'
cmon_env="TERM=dumb"
run_cmon dumb pprof "$data/cpu.pb.gz"
check_refused term-dumb dumb "^cmon pprof: TERM=dumb: the terminal cannot move the cursor$text_modes"
cmon_env="TERMINFO=$tmp/terminfo TERM=nocup"
run_cmon nocup pprof "$data/cpu.pb.gz"
check_refused term-no-cursor-addressing nocup \
	"^cmon pprof: TERM=nocup: the terminal cannot move the cursor$text_modes"
cmon_env="TERM=no-such-terminal-type"
run_cmon unknown-term pprof "$data/cpu.pb.gz"
check_refused term-unknown unknown-term \
	"^cmon pprof: TERM=no-such-terminal-type: unknown terminal type$text_modes"
cmon_env=""

# --- Ctrl-Z suspends to the shell, fg comes back ----------------------------------
check_suspend suspend-ctrl-z suspend '^ top · cpu · functions · by flat' pprof "$data/cpu.pb.gz"

# --- a committed CPU profile ---------------------------------------------------
run_cmon cpu pprof -source_path="$src" "$data/cpu.pb.gz"
check first-screen cpu '^ top · cpu · functions · by flat'
check header cpu '^Showing nodes accounting for 1\.58s, 100% of 1\.58s total$'
check headings cpu '^      flat  flat%   sum%        cum   cum%  name'
check top-row cpu '^     0\.46s 29\.11% 29\.11%      0\.46s 29\.11%  runtime\.asyncPreempt$'
check more-hint cpu '↓[0-9]+$'

# the selection is drawn reversed (the default theme's "selected")
if wait_selected cpu ' +0\.46s 29\.11%'; then
	ok selection-bar
else
	fail selection-bar "first row not in reverse video" cpu
fi

# search: each key moves the selection; Enter keeps it
T send-keys -t cpu / h a s h L
check search-prompt cpu '^/hashL_'
T send-keys -t cpu Enter
if wait_gone cpu '^/hashL'; then ok search-enter; else fail search-enter "prompt stays" cpu; fi
if wait_selected cpu ' +0\.01s  0\.63% 86\.71% +0\.04s  2\.53%  main\.hashLoop'; then
	ok search-selects
else
	fail search-selects "main.hashLoop not selected" cpu
fi

# Enter: the function's source, opened on its hottest line
T send-keys -t cpu Enter
check source-title cpu '^ source: main\.hashLoop · cpu'
check source-routine cpu '^ROUTINE main\.hashLoop in main\.go$'
check source-summary cpu '^      10ms       40ms \(flat, cum\)  2\.53% of Total$'
check source-hot-line cpu '^         \.       30ms    155 █ +h = rotl\(h\^mix\(uint64\(i\)\), 13\) \+ uint64\(i\)  → main\.mix$'
check source-cool-line cpu '^         \.          \.    153   +var h uint64 = 1$'

# Enter on the line: the function it calls; Esc back, twice
T send-keys -t cpu Enter
check drill-callee cpu '^ source: main\.mix · cpu'
check drill-callee-routine cpu '^ROUTINE main\.mix in main\.go$'
T send-keys -t cpu Escape
check back-to-caller cpu '^ source: main\.hashLoop · cpu'
if wait_selected cpu ' +\. +30ms    155 '; then
	ok back-keeps-line
else
	fail back-keeps-line "line 155 not selected after back" cpu
fi
T send-keys -t cpu BSpace
check back-to-top cpu '^ top · cpu · functions · by flat'

# sort toggle: cumulative order, the golden -top -cum's first rows
T send-keys -t cpu s g
check sort-cum-title cpu '^ top · cpu · functions · by cum'
check sort-cum-first cpu '^         0     0%     0%      1\.53s 96\.84%  runtime/pprof\.Do$'
T send-keys -t cpu s
check sort-flat-again cpu '^ top · cpu · functions · by flat'
T send-keys -t cpu / h a s h L Enter

# peek of the selection (still main.hashLoop)
T send-keys -t cpu p
check peek-title cpu '^ peek: main\.hashLoop · cpu'
# -peek's numbers (cpu.peek): the unit is picked from the whole graph
check peek-caller cpu '^     0\.04s   100%  ↑ main\.compute \(inline\)$'
check peek-self cpu '^     0\.04s  2\.53%  \* main\.hashLoop +\(flat 0\.01s,  0\.63%\)$'
check peek-callee cpu '^     0\.02s 50\.00%  ↓ main\.mix \(inline\)$'
T send-keys -t cpu Up Enter
check peek-moves cpu '^ peek: main\.compute · cpu'
T send-keys -t cpu Escape Escape
check peek-back cpu '^ top · cpu'

# focus with a bad regex: a message, nothing changes; a good one filters
T send-keys -t cpu f 'a(b' Enter
check focus-bad-regex cpu 'focus.*(paren|\()'
T send-keys -t cpu f C-u 'main\.fib$' Enter
check focus-filters cpu '^Showing nodes accounting for 40ms, 2\.53% of 1580ms total$'
check focus-active cpu '^   focus=main\\\.fib\$$'
T send-keys -t cpu c
check focus-clear cpu '^Showing nodes accounting for 1\.58s, 100% of 1\.58s total$'

# granularity: lines
T send-keys -t cpu a a a
check granularity-lines cpu '^ top · cpu · lines · by flat'
check granularity-rows cpu '  main\.[a-zA-Z]+ main\.go:[0-9]+( \(inline\))?$'
T send-keys -t cpu a a
check granularity-back cpu '^ top · cpu · functions'

# help, from the key table; any key leaves
T send-keys -t cpu '?'
check help cpu '^ profile viewer: keys'
check help-keys cpu '^ Ctrl-C +quit at once'
T send-keys -t cpu x
check help-leaves cpu '^ top · cpu'

# resizes: too small, then back
T resize-window -t cpu -x 30 -y 5
check too-small cpu 'too small: need 40x6'
T resize-window -t cpu -x 120 -y 40
T send-keys -t cpu g
check resize-back cpu '^ top · cpu · functions · by flat'
check resize-rows cpu '^     0\.46s 29\.11% 29\.11%      0\.46s 29\.11%  runtime\.asyncPreempt$'

check_quit quit-q cpu q

# --- sample index on a heap profile ---------------------------------------------
run_cmon heap pprof "$data/heap.pb.gz"
check heap-default heap '^ top · inuse_space · functions'
T send-keys -t heap t
check heap-alloc-objects heap '^ top · alloc_objects · functions'
T send-keys -t heap t
check heap-alloc-space heap '^ top · alloc_space · functions'
check heap-alloc-space-row heap '^ 1432\.77kB  9\.50%  9\.50%  1432\.77kB  9\.50%  main\.keep \(inline\)$'
T send-keys -t heap T T T
check heap-cycle-back heap '^ top · inuse_objects · functions'
# w on a file: the file's bytes, at the path typed
T send-keys -t heap w C-u "$tmp/heap-copy.pb.gz" Enter
check w-file-saved heap "^saved heap-copy\.pb\.gz in $tmp"
if cmp -s "$data/heap.pb.gz" "$tmp/heap-copy.pb.gz"; then
	ok w-file-bytes
else
	fail w-file-bytes "$tmp/heap-copy.pb.gz is not $data/heap.pb.gz"
fi
check_quit quit-ctrl-c heap C-c

# --- labels (=) on a labelled profile: -tags' numbers; Enter a tag focus -----------
run_cmon labels pprof "$data/labels.pb.gz"
check labels-start labels '^ top · cpu · functions'
T send-keys -t labels =
check labels-title labels '^ labels · cpu · functions'
# the numbers of cmon pprof -tags (and go tool pprof's, tests/golden/labels.tags)
check labels-key labels '^user: Total 470\.0ms'
check labels-value labels '^ +240\.0ms +51\.06% +carol$'
check labels-utf8 labels '^ +240\.0ms +100% +zürich$'
check labels-footer labels 'Enter tag focus  i tag ignore'
# search (a Go regex on key=value), then Enter: a tag focus, the labels under it
T send-keys -t labels / '^user=carol$' Enter
if wait_selected labels ' +240\.0ms +51\.06% +carol'; then ok labels-search; else fail labels-search "carol not selected" labels; fi
T send-keys -t labels Enter
check labels-focus labels '^tagfocus=user=\^carol\$$'
check labels-focused labels '^user: Total 240\.0ms'
check labels-focused-only labels '^ +240\.0ms +100% +carol$'
# every level honours it: the top table as -top -tagfocus
T send-keys -t labels Escape
check labels-top-filter labels '^   tagfocus=user=\^carol\$$'
check labels-top-total labels '^Showing nodes accounting for 240ms, 30\.38% of 790ms total$'
# i: a tag ignore; c clears both
T send-keys -t labels c =
check labels-again labels '^user: Total 470\.0ms'
T send-keys -t labels / '^user=alice$' Enter i
check labels-ignore labels '^tagignore=user=\^alice\$$'
check labels-ignored labels '^user: Total 300\.0ms'
T send-keys -t labels Escape c
check labels-cleared labels '^Showing nodes accounting for 790ms, 100% of 790ms total$'
check_quit labels-quit labels q

# --- search: a Go regex; every matching row is marked, not only the selected -------
run_cmon search pprof "$data/cpu.pb.gz"
check search-start search '^ top · cpu · functions'
T send-keys -t search / 'main\.(fib|mix)$'
check search-regex search '^/main\\\.\(fib\|mix\)\$_'
if wait_selected search 'main\.mix'; then ok search-regex-selects; else fail search-regex-selects "main.mix not selected" search; fi
# the other match, main.fib, is drawn in the match style (the default
# theme's underlined yellow) too; Esc undoes the search and the marks
if screen_sgr search | grep -F -q "${esc}[4m${esc}[33mmain.fib"; then
	ok search-marks-all
else
	fail search-marks-all "main.fib not marked" search
fi
T send-keys -t search Escape
if wait_gone search '^/main'; then ok search-esc; else fail search-esc "prompt stays" search; fi
if screen_sgr search | grep -F -q "${esc}[4m${esc}[33mmain.fib"; then
	fail search-unmarked "main.fib still marked after Esc" search
else
	ok search-unmarked
fi
T send-keys -t search / 'main.('
check search-bad-regex search 'search: .*missing closing \)'
T send-keys -t search Escape
# a granularity change keeps the selected function selected
T send-keys -t search / '^main\.hashLoop$' Enter a
check search-gran search '^ top · cpu · filefunctions'
if wait_selected search 'main\.hashLoop '; then ok granularity-keeps-selection; else fail granularity-keeps-selection "main.hashLoop not selected" search; fi
check_quit search-quit search q

# --- my code: M hides the standard library as -hide would, m dims it ----------------
run_cmon mine pprof "$data/cpu.pb.gz"
check mine-start mine '^ top · cpu · functions'
T send-keys -t mine M
check mine-hide-title mine '^ top · cpu .* no std'
check mine-hide-header mine '^   hide=\^\(\?:crypto/internal/boring\|crypto/sha256\|'
# the first row is -top's first row under that very regex
std_re='^(?:crypto/internal/boring|crypto/sha256|internal/reflectlite|runtime|runtime/internal/atomic|runtime/pprof|sort|strconv|strings)\.'
first=$("$cmon" pprof -top -hide="$std_re" "$data/cpu.pb.gz" | sed -n '/^ *flat  flat%/{n;p;q}')
if [ -n "$first" ] && wait_for mine "^ ?$(printf '%s' "$first" | sed 's/[.()*+?^$|[\]/\\&/g')\$"; then
	ok mine-hide-rows
else
	fail mine-hide-rows "first row of -top -hide is not on screen: $first" mine
fi
if screen mine | grep -E -q '  (runtime|sort|strings)(/[a-z/]*)?\.'; then
	fail mine-hide-no-std "a standard library row shows" mine
else
	ok mine-hide-no-std
fi
T send-keys -t mine M m
check mine-dim-title mine '^ top · cpu .* my code'
# runtime.asyncPreempt is the selected first row; runtime.memclrNoHeapPointers,
# off the selection, is drawn dim (SGR 2), main.mix is not
if wait_gone mine ' no std' && screen_sgr mine | grep -E -q "$esc\\[([0-9;]*;)?2m($esc\\[[0-9;]*m)*runtime\\.memclrNoHeapPointers" &&
	! screen_sgr mine | grep -E -q "$esc\\[([0-9;]*;)?2m($esc\\[[0-9;]*m)*main\\.mix"; then
	ok mine-dim-rows
else
	fail mine-dim-rows "runtime not dim, or main dim" mine
fi
check_quit mine-quit mine q

# --- SIGTERM: the terminal is given back, status 0 ----------------------------------
run_cmon term pprof "$data/goroutine.pb.gz"
check term-first term '^ top · goroutine · functions'
kill -TERM "$(cat "$tmp/term.pid")" 2>/dev/null
for _ in $(seq 50); do
	[ -s "$tmp/term.status" ] && break
	sleep 0.1
done
if [ "$(cat "$tmp/term.status" 2>/dev/null)" = 0 ]; then
	ok term-signal
else
	fail term-signal "status '$(cat "$tmp/term.status" 2>/dev/null)'" term
fi

# --- profiles fetched from the running demo ---------------------------------------
if start_demo 127.0.0.1:0 -load 2; then
	run_cmon live pprof "http://$demo_addrs/debug/pprof/allocs"
	check live-allocs live '^ top · alloc_space · functions'
	check live-rows live 'main\.|runtime\.|net/http'
	T send-keys -t live b
	check live-base-marked live 'base marked'
	T send-keys -t live r
	check live-refetch-diff live 'diff vs base'
	T send-keys -t live b
	check live-base-cleared live 'base cleared'
	check_quit live-quit live q

	# The first fetch runs with the screen up; go tool pprof's saved copy
	# is said on the status line (and on stderr once the screen is gone).
	save=$tmp/saved
	mkdir -p "$save"
	cmon_env="PPROF_TMPDIR=$save"
	run_cmon livecpu pprof -seconds=3 "$demo_addrs"
	cmon_env=""
	check live-cpu livecpu '^ top · cpu · functions' 15
	check live-cpu-saved-copy livecpu "Saved profile in $save/pprof\.demo\.samples\.cpu\.001\.pb\.gz"
	# w before any r: the very bytes fetched, as pprof's saved copy has them
	T send-keys -t livecpu w Enter
	check w-first-saved livecpu "^saved pprof\.demo\.samples\.cpu\.002\.pb\.gz in $save"
	if cmp -s "$save/pprof.demo.samples.cpu.001.pb.gz" "$save/pprof.demo.samples.cpu.002.pb.gz"; then
		ok w-bytes-as-fetched
	else
		fail w-bytes-as-fetched "the written file differs from the saved copy"
	fi
	T send-keys -t livecpu r
	check live-cpu-countdown livecpu 'capturing a 3 s CPU profile: [1-3] s left \(Esc cancels\)|capture over: waiting for the profile'
	if wait_gone livecpu 'capturing a|capture over'; then ok live-cpu-refetched; else fail live-cpu-refetched "still fetching" livecpu; fi

	# r's capture has its saved copy too; w writes it at pprof's next name
	check r-saved-copy livecpu "Saved profile in $save/pprof\.demo\.samples\.cpu\.003\.pb\.gz"
	T send-keys -t livecpu w
	check w-prompt livecpu "^write to: $save/pprof\.demo\.samples\.cpu\.004\.pb\.gz_"
	T send-keys -t livecpu Enter
	check w-saved livecpu "^saved pprof\.demo\.samples\.cpu\.004\.pb\.gz in $save"
	if cmp -s "$save/pprof.demo.samples.cpu.003.pb.gz" "$save/pprof.demo.samples.cpu.004.pb.gz"; then
		ok w-bytes-after-r
	else
		fail w-bytes-after-r "w's file differs from r's saved copy"
	fi
	# its numbers, read by go tool pprof, are those the viewer shows:
	# cmon pprof -top of the same bytes, Total and the top rows
	w_top=$(go tool pprof -top "$save/pprof.demo.samples.cpu.004.pb.gz" 2>/dev/null |
		sed -n '/^Showing nodes/,$p' | head -n 8)
	shown=$(screen livecpu | sed -n 's/^Showing nodes/&/p')
	go_total=$(printf '%s\n' "$w_top" | head -n 1)
	if [ -n "$go_total" ] && [ "$go_total" = "$(printf '%s' "$shown" | sed 's/ *$//')" ]; then
		ok w-go-pprof-total
	else
		fail w-go-pprof-total "go tool pprof: '$go_total', the screen: '$shown'" livecpu
	fi
	# the saved copy of the first capture and w's file of the second read
	# back in go tool pprof as cmon reads them
	for n in 001 004; do
		f=$save/pprof.demo.samples.cpu.$n.pb.gz
		a=$(go tool pprof -top "$f" 2>/dev/null | sed -n '/^Showing nodes/,$p' | head -n 8)
		b=$("$cmon" pprof -top "$f" 2>/dev/null | sed -n '/^Showing nodes/,$p' | head -n 8)
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			ok "w-top-equal-$n"
		else
			fail "w-top-equal-$n" "go tool pprof -top and cmon pprof -top differ: $(diff <(echo "$a") <(echo "$b") | head -n 6)"
		fi
	done
	# a name already there is refused, never overwritten
	before=$(cksum <"$save/pprof.demo.samples.cpu.001.pb.gz")
	T send-keys -t livecpu w C-u "$save/pprof.demo.samples.cpu.001.pb.gz" Enter
	check w-exists-refused livecpu 'pprof\.demo\.samples\.cpu\.001\.pb\.gz exists: not overwritten'
	if [ "$(cksum <"$save/pprof.demo.samples.cpu.001.pb.gz")" = "$before" ]; then
		ok w-exists-untouched
	else
		fail w-exists-untouched "the file changed"
	fi
	T send-keys -t livecpu w C-u "$tmp/no-such-dir/x.pb.gz" Enter
	check w-bad-dir livecpu "open $tmp/no-such-dir/x\.pb\.gz: no such file or directory"
	check_quit live-cpu-quit livecpu q
	if grep -qx "Saved profile in $save/pprof\.demo\.samples\.cpu\.001\.pb\.gz" "$tmp/livecpu.err"; then
		ok live-cpu-saved-stderr
	else
		fail live-cpu-saved-stderr "stderr: $(head -c 300 "$tmp/livecpu.err")"
	fi

	# HOST:PORT waiting for its capture counts down; q, Esc, Ctrl-C cancel
	# it: status 130, nothing printed, nothing saved
	for k in q Escape C-c; do
		s=cancel-$k
		cmon_env="PPROF_TMPDIR=$tmp/cancel-save"
		# 20 s: under a loaded suite the first look at the screen may
		# come seconds late, and the capture must still be running; a
		# cancel ends it at once (the service's handler sees the
		# connection close), so the length costs nothing
		run_cmon "$s" pprof -seconds=20 "$demo_addrs"
		cmon_env=""
		check "countdown-$k" "$s" '^capturing a 20 s CPU profile: [0-9]+ s left \(Esc cancels\)'
		check "countdown-waiting-$k" "$s" 'waiting for a profile'
		T send-keys -t "$s" "$k"
		st=$(wait_status "$s")
		if [ "$st" = 130 ] && [ ! -s "$tmp/$s.err" ] && [ ! -e "$tmp/cancel-save" ]; then
			ok "cancel-$k"
		else
			fail "cancel-$k" "status '$st', stderr '$(head -c 200 "$tmp/$s.err")'" "$s"
		fi
	done
	check_capture_free cancel-frees-service "$demo_addrs"
else
	fail demo "the demo did not start"
fi

# no cmon left behind
for s in cpu heap term live livecpu cancel-q cancel-Escape cancel-C-c; do
	pid=$(cat "$tmp/$s.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		fail "gone-$s" "cmon $pid still runs"
		kill "$pid" 2>/dev/null
	fi
done

echo "screen-viewer: $fails failed"
[ "$fails" -eq 0 ]
