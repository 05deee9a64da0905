#!/usr/bin/env bash
# tests/e2e/pprof_disasm.sh CMON: -disasm beyond the manifest's cases, live
# against go tool pprof: a fresh profgen CPU profile whose binary was moved
# away, given as go tool pprof's BINARY argument (and not given: the
# mapping's path is gone); hostile binaries (an ELF header with garbage
# behind it, an empty ELF) must end with one line and exit 1, never a
# crash; and without the go command, cmon says what it needs. Skipped (77)
# without go.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lib_env
cmon=$(lib_cmon_binary "pprof-disasm" "$@") || exit 2
if ! lib_have_go; then
	echo "pprof-disasm: SKIP: no go command (go tool pprof is the oracle, go tool objdump the disassembler)"
	exit 77
fi
cd "$CMON_ROOT"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmon-pprof-disasm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 failn=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
fail() { echo "FAIL $1: $2"; failn=$((failn + 1)); }

mkdir -p "$tmp/bin"
if ! lib_build_profgen "$tmp/bin/profgen" || ! "$tmp/bin/profgen" -out "$tmp/data" >"$tmp/gen.log" 2>&1; then
	cat "$tmp/gen.log" >&2
	echo "pprof-disasm: building or running profgen failed" >&2
	exit 2
fi
# The mapping names $tmp/bin/profgen: move it, so only BINARY finds it.
mv "$tmp/bin/profgen" "$tmp/moved"
cpu=$tmp/data/cpu.pb.gz

# same NAME ARGS...: stdout and exit status as go tool pprof's, and its
# first stderr line within cmon's.
same() {
	local name=$1
	shift
	go tool pprof "$@" >"$tmp/want" 2>"$tmp/want.err"
	local ws=$?
	"$cmon" pprof "$@" >"$tmp/got" 2>"$tmp/got.err"
	local gs=$?
	local want_err
	want_err=$(head -n 1 "$tmp/want.err")
	if [ $ws = $gs ] && cmp -s "$tmp/want" "$tmp/got" &&
		{ [ -z "$want_err" ] || grep -qF -- "$want_err" "$tmp/got.err"; }; then
		ok "$name"
	else
		fail "$name" "status $gs (want $ws); $(diff "$tmp/want" "$tmp/got" | head -5); stderr: $(head -c 200 "$tmp/got.err")"
	fi
}

same binary_arg '-disasm=main\.(fib|sortWork)' "$tmp/moved" "$cpu"
same binary_arg_mean '-disasm=main\.sortWork' -mean "$tmp/moved" "$cpu"
same binary_arg_addresses_hide '-disasm=main\.compute' -addresses '-hide=main\.fib' "$tmp/moved" "$cpu"
same mapping_gone '-disasm=main\.sortWork' "$cpu"
if [ "$(grep -c '^ROUTINE' "$tmp/want" 2>/dev/null)" != 0 ]; then
	fail mapping_gone "expected no ROUTINE once the binary is gone"
fi
same binary_arg_nomatch '-disasm=nomatch_xyz' "$tmp/moved" "$cpu"
same binary_arg_intel '-disasm=main\.sortWork' -intel_syntax "$tmp/moved" "$cpu"
grep -q '^ROUTINE ======================== main.sortWork$' <(go tool pprof '-disasm=main\.sortWork' "$tmp/moved" "$cpu" 2>/dev/null) ||
	fail binary_arg "the oracle shows no main.sortWork: the case tests nothing"

# hostile NAME FILE: FILE as BINARY: exit 1, no signal, bounded time.
hostile() {
	local name=$1 file=$2
	timeout 60 "$cmon" pprof '-disasm=main\.' "$file" "$cpu" >"$tmp/got" 2>"$tmp/got.err"
	local st=$?
	if [ $st = 1 ] && [ "$(wc -l <"$tmp/got.err")" = 1 ] && [ "$(wc -l <"$tmp/got")" -le 1 ]; then
		ok "$name"
	else
		fail "$name" "status $st, stdout $(head -c 200 "$tmp/got"), stderr $(head -c 200 "$tmp/got.err")"
	fi
}
{ printf '\177ELF\002\001\001'; head -c 4000 /dev/urandom; } >"$tmp/garbage"
hostile hostile_garbage_elf "$tmp/garbage"
head -c 64 "$tmp/moved" >"$tmp/header_only"
hostile hostile_header_only "$tmp/header_only"

# No go command on PATH: one line naming what -disasm needs.
PATH=/nonexistent "$cmon" pprof '-disasm=main\.sortWork' "$tmp/moved" "$cpu" >"$tmp/got" 2>"$tmp/got.err"
st=$?
if [ $st = 1 ] && [ ! -s "$tmp/got" ] && grep -q "cannot run go tool nm" "$tmp/got.err"; then
	ok no_go_command
else
	fail no_go_command "status $st, stderr $(head -c 200 "$tmp/got.err")"
fi

echo "pprof-disasm: $pass passed, $failn failed"
[ $failn = 0 ]
