#!/usr/bin/env bash
# tests/e2e/pprof_flags.sh CMON: go tool pprof's flags that open a window
# (-http, -web, -weblist and the graph viewers) get one line on stderr
# naming the flag and what to run instead, nothing on stdout, exit 2; and
# -help lists them. (The report flags are compared with go tool pprof
# itself by golden and oracle-diff.)
set -uo pipefail
cmon=$1
cd "$(dirname "$0")/../.."
prof=tests/data/cpu.pb.gz
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmon-pprof-flags.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 failn=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
fail() { echo "FAIL $1: $2"; failn=$((failn + 1)); }

for flag in -http=:8080 -web '-weblist=main\.' -eog -evince -gv -kcachegrind; do
	name=${flag%%=*}
	"$cmon" pprof "$flag" "$prof" >"$tmp/out" 2>"$tmp/err"
	st=$?
	lines=$(wc -l <"$tmp/err")
	if [ $st = 2 ] && [ ! -s "$tmp/out" ] && [ "$lines" = 1 ] &&
		grep -q "^cmon pprof: $name opens a .*cmon is a terminal tool: run cmon pprof SOURCE" "$tmp/err"; then
		ok "window$name"
	else
		fail "window$name" "status $st, stdout $(wc -c <"$tmp/out") bytes, stderr: $(head -c 300 "$tmp/err")"
	fi
done

"$cmon" pprof -help >"$tmp/help" 2>&1
for name in -text -http -web -weblist -eog -evince -gv -kcachegrind; do
	if grep -q -- "^ *$name\b" "$tmp/help"; then
		ok "help$name"
	else
		fail "help$name" "not in cmon pprof -help"
	fi
done

echo "pprof-flags: $pass passed, $failn failed"
[ $failn = 0 ]
