#!/usr/bin/env bash
# scripts/quickstart.sh: install what is missing, build cmon, and show it at
# work on a real Go service: the repo's demo service, on loopback, under load:
# the live monitor (text with -once when there is no terminal), then the top
# of a CPU profile taken from it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/deps.sh
cmon_install_deps
cmon_build build

work=$(mktemp -d)
demo_pid=""
cleanup() {
	[ "$BASHPID" = "$$" ] || return 0 # not in a child that a signal caught early
	[ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
(cd demo && go build -o "$work/demo" .)
"$work/demo" -addr 127.0.0.1:0 -load 4 > "$work/demo.out" 2>&1 &
demo_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" "$work/demo.out" 2>/dev/null && break
	sleep 0.1
done
url=$(sed -n 's/^demo: listening on //p' "$work/demo.out" | head -n1)
[ -n "$url" ] || { echo "the demo service did not start:" >&2; cat "$work/demo.out" >&2; exit 1; }

addr=${url#http://}
if [ -t 0 ] && [ -t 1 ]; then
	# A terminal: the live screen on the demo service (q quits).
	echo "\$ build/cmon -ports=$addr -i=1s"
	build/cmon -ports="$addr" -i=1s
else
	# No terminal (a script, CI): the same polls, as text.
	echo "\$ build/cmon -ports=$addr -once"
	build/cmon -ports="$addr" -once
fi
echo
echo "\$ build/cmon pprof -top -nodecount=10 -seconds=2 $addr"
build/cmon pprof -top -nodecount=10 -seconds=2 "$addr"
