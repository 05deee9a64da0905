#!/usr/bin/env bash
# tests/e2e/pprof_proto.sh CMON: -proto and -topproto, the two reports that
# are gzipped protobuf, not text. For each command line, cmon's output and
# go tool pprof's must decode (go tool pprof -raw) to the same text, and
# cmon must read its own -proto back as pprof reads pprof's. On a terminal
# both go to profileNNN.pb.gz in the current directory, said on stderr. A
# profile that carries comments (made by go tool pprof -proto -add_comment)
# gives pprof's -comments, -raw, -top and -tree. Skipped (77) without Go.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib.sh"
# absolute, from where we were started: the terminal runs happen elsewhere
cmon=$(lib_cmon_binary "pprof-proto" "$@") || exit 2
cd "$root"
lib_env
if ! lib_have_go; then
	echo "pprof-proto: SKIP: no go command (or no go tool pprof) to act as the oracle"
	exit 77
fi
D=tests/data
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmon-pprof-proto.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 failn=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
fail() { echo "FAIL $1: $2"; failn=$((failn + 1)); }

is_gzip() { [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' ')" = 1f8b ]; }

# binary NAME READBACK FLAGS...: both tools write; both outputs decode alike.
binary() {
	local name=$1 readback=$2
	shift 2
	go tool pprof "$@" >"$tmp/go.pb.gz" 2>"$tmp/go.err"
	local gst=$?
	"$cmon" pprof "$@" >"$tmp/c.pb.gz" 2>"$tmp/c.err"
	local cst=$?
	if [ $gst != 0 ] || [ $cst != 0 ] || ! is_gzip "$tmp/c.pb.gz"; then
		fail "$name" "status go $gst, cmon $cst; cmon stderr: $(head -c 300 "$tmp/c.err")"
		return
	fi
	go tool pprof -raw "$tmp/go.pb.gz" >"$tmp/go.raw" 2>&1
	go tool pprof -raw "$tmp/c.pb.gz" >"$tmp/c.raw" 2>&1
	if ! cmp -s "$tmp/go.raw" "$tmp/c.raw"; then
		fail "$name" "decoded differently: $(diff "$tmp/go.raw" "$tmp/c.raw" | head -5)"
		return
	fi
	if [ "$readback" = readback ]; then
		"$cmon" pprof -raw "$tmp/c.pb.gz" >"$tmp/cc.raw" 2>&1
		if ! cmp -s "$tmp/go.raw" "$tmp/cc.raw"; then
			fail "$name" "cmon reads its own output differently: $(diff "$tmp/go.raw" "$tmp/cc.raw" | head -5)"
			return
		fi
	fi
	ok "$name ($(wc -l <"$tmp/c.raw") lines decoded)"
}

binary proto.cpu readback -proto $D/cpu.pb.gz
binary proto.heap readback -proto $D/heap.pb.gz
binary proto.goroutine readback -proto $D/goroutine.pb.gz
binary proto.threadcreate readback -proto $D/threadcreate.pb.gz
binary proto.extreme readback -proto $D/extreme.pb.gz
binary proto.focus readback -proto '-focus=main\.build$' $D/heap.pb.gz
binary proto.ignore_hide readback -proto '-ignore=sort\.' '-hide=runtime\.' $D/cpu.pb.gz
binary proto.show readback -proto '-show=main\.' $D/cpu.pb.gz
binary proto.sample_index readback -proto -sample_index=alloc_space $D/heap.pb.gz
binary proto.lines readback -proto -lines $D/cpu.pb.gz
binary proto.base readback -proto -base=$D/heap.pb.gz $D/heap2.pb.gz
binary proto.diff_base readback -proto -diff_base=$D/heap.pb.gz $D/heap2.pb.gz
binary proto.merge readback -proto $D/block.pb.gz $D/mutex.pb.gz
binary proto.add_comment readback -proto -add_comment=note $D/goroutine.pb.gz
binary proto.divide_by readback -proto -divide_by=10 $D/cpu.pb.gz
binary proto.divide_by_3 readback -proto -divide_by=3 $D/heap.pb.gz
binary proto.relative readback -proto -relative_percentages '-focus=main\.fib$' $D/cpu.pb.gz
# -topproto: the -top graph as a profile; pprof reads it with a made-up
# mapping that cmon does not add, so only pprof decodes it.
binary topproto.cpu no -topproto $D/cpu.pb.gz
binary topproto.heap no -topproto $D/heap.pb.gz
binary topproto.lines no -topproto -lines $D/cpu.pb.gz
binary topproto.addresses no -topproto -addresses $D/heap.pb.gz
binary topproto.files no -topproto -files $D/mutex.pb.gz
binary topproto.focus no -topproto '-focus=main\.compute$' $D/cpu.pb.gz
binary topproto.cum_nodecount no -topproto -cum -nodecount=5 $D/cpu.pb.gz
binary topproto.nodefraction0 no -topproto -nodefraction=0 $D/heap.pb.gz
binary topproto.sample_index no -topproto -sample_index=alloc_space -filefunctions $D/allocs.pb.gz
binary topproto.mean no -topproto -mean $D/block.pb.gz
binary topproto.base no -topproto -base=$D/heap.pb.gz $D/heap2.pb.gz
binary topproto.diff_base no -topproto -diff_base=$D/heap.pb.gz $D/heap2.pb.gz
binary topproto.relative no -topproto -relative_percentages '-focus=main\.build$' $D/heap.pb.gz
binary topproto.divide_by no -topproto -divide_by=10 $D/heap.pb.gz
binary topproto.extreme no -topproto -sample_index=cpu $D/extreme.pb.gz

# On a terminal: profile001.pb.gz, then profile002.pb.gz, in the current
# directory; the terminal gets no bytes of it. go tool pprof's line is red
# and ends in \r\n there: compared without its escapes.
tty_run() { # DIR CMD...: stdout and stdin on a pseudo-terminal, in DIR
	local dir=$1
	shift
	(cd "$dir" && TERM=${TTY_TERM:-xterm} python3 "$root/tests/e2e/on_tty.py" "$@") >"$tmp/tty.out" 2>"$tmp/tty.err"
}
clean_err() { sed 's/\x1b\[[0-9;]*m//g; s/\r//g' "$tmp/tty.err"; }
mkdir -p "$tmp/tty_go" "$tmp/tty_cmon"
tty_run "$tmp/tty_go" go tool pprof -proto "$root/$D/cpu.pb.gz"
go_err=$(clean_err)
for n in 1 2; do
	tty_run "$tmp/tty_cmon" "$cmon" pprof -proto "$root/$D/cpu.pb.gz"
	st=$?
	f=profile00$n.pb.gz
	if [ $st = 0 ] && [ -s "$tmp/tty_cmon/$f" ] && ! grep -qa $'\x1f\x8b' "$tmp/tty.out" &&
		[ "$(clean_err)" = "Generating report in $f" ]; then
		ok "tty.proto.$n ($f)"
	else
		fail "tty.proto.$n" "status $st; files: $(ls "$tmp/tty_cmon"); stderr: $(clean_err | head -c 200)"
	fi
done
if [ "$go_err" = "Generating report in profile001.pb.gz" ] && [ -s "$tmp/tty_go/profile001.pb.gz" ]; then
	ok "tty.proto.pprof_does_the_same"
else
	fail "tty.proto.pprof_does_the_same" "go tool pprof said: $go_err; files: $(ls "$tmp/tty_go")"
fi
go tool pprof -raw "$tmp/tty_go/profile001.pb.gz" >"$tmp/go.raw" 2>&1
go tool pprof -raw "$tmp/tty_cmon/profile001.pb.gz" >"$tmp/c.raw" 2>&1
if cmp -s "$tmp/go.raw" "$tmp/c.raw"; then ok tty.proto.content; else fail tty.proto.content "decoded differently"; fi
# TERM=dumb: go tool pprof writes the gzip bytes onto the terminal; cmon
# still writes the file (README: a terminal never gets raw bytes).
mkdir -p "$tmp/tty_dumb"
TTY_TERM=dumb tty_run "$tmp/tty_dumb" "$cmon" pprof -proto "$root/$D/cpu.pb.gz"
if [ -s "$tmp/tty_dumb/profile001.pb.gz" ] && ! grep -qa $'\x1f\x8b' "$tmp/tty.out"; then
	ok tty.proto.dumb_term
else
	fail tty.proto.dumb_term "files: $(ls "$tmp/tty_dumb"); terminal got $(wc -c <"$tmp/tty.out") bytes"
fi
tty_run "$tmp/tty_cmon" "$cmon" pprof -topproto "$root/$D/cpu.pb.gz"
if [ -s "$tmp/tty_cmon/profile003.pb.gz" ] && [ "$(clean_err)" = "Generating report in profile003.pb.gz" ]; then
	ok tty.topproto
else
	fail tty.topproto "files: $(ls "$tmp/tty_cmon"); stderr: $(clean_err | head -c 200)"
fi

# Errors: a profile past -max_inflated is not encoded (one line, nothing
# written): heap2 minus heap holds both, each read within the bound; a
# write that fails says so.
a=$(gzip -dc $D/heap.pb.gz | wc -c)
b=$(gzip -dc $D/heap2.pb.gz | wc -c)
max=$((a > b ? a : b))
"$cmon" pprof -proto -max_inflated=$max -diff_base=$D/heap.pb.gz $D/heap2.pb.gz >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st = 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	grep -q "too big to encode: more than $max bytes" "$tmp/err"; then
	ok err.too_big
else
	fail err.too_big "status $st, stdout $(wc -c <"$tmp/out") bytes, stderr: $(head -c 300 "$tmp/err")"
fi
"$cmon" pprof -proto $D/cpu.pb.gz >/dev/full 2>"$tmp/err"
st=$?
if [ $st = 1 ] && grep -q "writing output: No space left on device" "$tmp/err"; then
	ok err.dev_full
else
	fail err.dev_full "status $st, stderr: $(head -c 300 "$tmp/err")"
fi

# A profile with comments, as go tool pprof -proto -add_comment makes it:
# one hidden from report headers ('#'), one shown; a merge keeps each once.
go tool pprof -proto '-add_comment=#hidden comment' $D/cpu.pb.gz >"$tmp/c1.pb.gz" 2>/dev/null
go tool pprof -proto '-add_comment=a comment, with spaces' "$tmp/c1.pb.gz" >"$tmp/comments.pb.gz" 2>/dev/null
text() { # NAME FLAGS... (sources included)
	local name=$1
	shift
	go tool pprof "$@" >"$tmp/go.txt" 2>/dev/null
	local gst=$?
	"$cmon" pprof "$@" >"$tmp/c.txt" 2>"$tmp/c.err"
	local cst=$?
	if [ $gst = $cst ] && cmp -s "$tmp/go.txt" "$tmp/c.txt"; then
		ok "$name"
	else
		fail "$name" "status go $gst, cmon $cst: $(diff "$tmp/go.txt" "$tmp/c.txt" | head -5)"
	fi
}
CP=$tmp/comments.pb.gz
text comments.comments -comments "$CP"
text comments.merged -comments "$CP" "$CP"
text comments.add_again -comments '-add_comment=a comment, with spaces' "$CP"
text comments.raw -raw "$CP"
text comments.top -top -nodecount=5 "$CP"
text comments.tree -tree -nodecount=5 "$CP"
text comments.traces_header -traces '-focus=main\.fib$' "$CP"

echo "pprof-proto: $pass passed, $failn failed"
[ $failn = 0 ]
