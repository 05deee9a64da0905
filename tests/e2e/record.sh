#!/usr/bin/env bash
# tests/e2e/record.sh CMON_BINARY: -record=FILE and `cmon replay` against
# the real demo Go service. A -dummy run recorded (rates, strings, counts,
# an outage and a restart of the service in it) replays with -dummy to
# exactly the text the live run printed; replay -json's lines parse (jq)
# and carry the values -dummy printed; live -once/-dummy -json parse; a
# kill -9 while recording leaves a database sqlite3 opens (integrity_check
# ok) and cmon replay reads; a path that cannot be written, or a file that
# exists, or a full disk (a file size limit), is said on stderr while the
# monitoring goes on; hostile
# recordings (wrong schema version, missing tables, NaN and text where
# numbers go, bad service and var indexes, truncated or foreign files)
# are a clear error with status 1, never a crash.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures), 2 (setup) or
# 77 (skipped: no go to build the demo, or no sqlite3/jq).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8

cmon=$(lib_cmon_binary "e2e-record" "$@") || exit 2
lib_demo_needs_go e2e-record || exit 77
for tool in sqlite3 jq; do
	command -v $tool >/dev/null || { echo "e2e-record: SKIP: no $tool"; exit 77; }
done
lib_demo_sandbox e2e-record || exit 2

fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

lib_start_demo 127.0.0.1:0 -load 2 || { echo "e2e-record: demo did not start" >&2; exit 2; }
addr=$demo_addr
vars='requests,rate:requests,str:cmdline,mem:memstats.Alloc,dur:memstats.PauseNs,@goroutines,@threads'

# --- a -dummy run recorded: the demo goes away and comes back (a restart) --
db=$tmp/run.db
"$cmon" -ports="$addr" -i=200ms -dummy -record="$db" -vars="$vars" >"$tmp/live.txt" 2>"$tmp/live.err" &
cpid=$!
pids+=("$cpid")
sleep 2
kill "$demo_pid"; wait "$demo_pid" 2>/dev/null
sleep 1
lib_start_demo "$addr" -load 2 || fail demo-again "the demo did not listen on $addr again"
sleep 2
kill -INT "$cpid"; wait "$cpid"; st=$?
if [ $st = 0 ] && grep -q 'ERROR: ' "$tmp/live.txt" && grep -q '\[restarted ' "$tmp/live.txt"; then
	ok live-run-recorded
else
	fail live-run-recorded "status $st; the live text lacks an outage or a restart: $(tail -3 "$tmp/live.txt") $(cat "$tmp/live.err")"
fi
"$cmon" replay "$db" -dummy >"$tmp/replay.txt" 2>"$tmp/replay.err"; st=$?
if [ $st = 0 ] && [ -s "$tmp/live.txt" ] && cmp -s "$tmp/live.txt" "$tmp/replay.txt"; then
	ok replay-dummy-identical
else
	fail replay-dummy-identical "status $st $(cat "$tmp/replay.err"); $(diff "$tmp/live.txt" "$tmp/replay.txt" | head -5)"
fi
n=$(sqlite3 "$db" "SELECT count(*) FROM polls WHERE restarted = 1")
[ "$n" -ge 1 ] && ok restart-recorded || fail restart-recorded "$n restarts in polls"
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = 1 ] && ok schema-version || fail schema-version "user_version $(sqlite3 "$db" 'PRAGMA user_version')"
[ "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal ] && ok wal-mode || fail wal-mode "journal_mode $(sqlite3 "$db" 'PRAGMA journal_mode')"
# the README's query, as a person would paste it
q=$(sqlite3 "$db" "SELECT datetime(p.t, 'unixepoch'), s.display, v.title, x.value FROM polls p JOIN services s ON s.id = p.service JOIN poll_values x ON x.seq = p.seq JOIN vars v ON v.idx = x.var WHERE v.title = 'requests' AND v.rate = 1 ORDER BY p.seq DESC LIMIT 1")
[[ $q =~ ^[0-9-]+\ [0-9:]+\|127\.0\.0\.1:[0-9]+\|requests\|[0-9.]+$ ]] && ok readme-query || fail readme-query "got '$q'"

# --- -json: the replay's lines parse and carry what -dummy printed ---------
"$cmon" replay "$db" -json >"$tmp/replay.json" 2>"$tmp/json.err"; st=$?
blocks=$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] ' "$tmp/live.txt")
if [ $st = 0 ] && jq -e . "$tmp/replay.json" >/dev/null && [ "$(wc -l <"$tmp/replay.json")" = "$blocks" ]; then
	ok replay-json-parses
else
	fail replay-json-parses "status $st, $(wc -l <"$tmp/replay.json") lines for $blocks blocks $(cat "$tmp/json.err")"
fi
# goroutines and requests per line, as -dummy printed them ("-" when not up)
jq -r 'if .state == "up" then "\(.vars["@goroutines"] // "N/A") \(.vars.requests // "N/A")" else "- -" end' \
	"$tmp/replay.json" >"$tmp/json.vals"
sed -n 's/^demo: \(ERROR\).*/- -/p; s/^demo: requests: \([0-9]*\),.*goroutines: \([0-9N\/A]*\),.*/\2 \1/p' \
	"$tmp/live.txt" >"$tmp/dummy.vals"
if [ -s "$tmp/json.vals" ] && cmp -s "$tmp/json.vals" "$tmp/dummy.vals"; then
	ok json-values-as-dummy
else
	fail json-values-as-dummy "$(diff "$tmp/dummy.vals" "$tmp/json.vals" | head -5)"
fi
line=$(head -n 1 "$tmp/replay.json")
if printf '%s' "$line" | jq -e '(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")) and (.unix | type == "number") and .service.label == "demo" and (.service.address | test(":[0-9]+$")) and (.restarted | type == "boolean") and (.vars | has("rate:requests"))' >/dev/null; then
	ok json-fields
else
	fail json-fields "$line"
fi
out=$("$cmon" -ports="$addr" -once -json -vars="$vars" 2>&1); st=$?
if [ $st = 0 ] && printf '%s\n' "$out" | jq -e '.state == "up" and (.vars.requests | type == "number") and (.vars["str:cmdline"] // .vars.cmdline | type == "string")' >/dev/null; then
	ok once-json
else
	fail once-json "status $st: $out"
fi
timeout -s INT 4 "$cmon" -ports="$addr" -dummy -json -i=200ms >"$tmp/dummy.json" 2>&1
n=$(jq -s 'length' "$tmp/dummy.json" 2>/dev/null)
[ "${n:-0}" -ge 3 ] && ok dummy-json || fail dummy-json "$n objects: $(head -c 300 "$tmp/dummy.json")"
"$cmon" -ports="$addr" -json >/dev/null 2>"$tmp/e"; st=$?
[ $st = 2 ] && grep -q -- '-json goes with -dummy or -once' "$tmp/e" && ok json-needs-text || fail json-needs-text "status $st $(cat "$tmp/e")"

# --- kill -9 while recording ---------------------------------------------------
k=$tmp/killed.db
"$cmon" -ports="$addr" -i=100ms -dummy -record="$k" >/dev/null 2>&1 &
kpid=$!
sleep 2.5
kill -9 "$kpid"; wait "$kpid" 2>/dev/null
ic=$(sqlite3 "$k" 'PRAGMA integrity_check' 2>&1)
span=$(sqlite3 "$k" 'SELECT max(t) - min(t) >= 1 FROM polls' 2>&1)
[ "$ic" = ok ] && [ "$span" = 1 ] && ok kill9-database-opens || fail kill9-database-opens "integrity: $ic, a second or more kept: $span"
out=$("$cmon" replay "$k" -dummy 2>&1); st=$?
[ $st = 0 ] && printf '%s\n' "$out" | grep -q '^demo: Alloc: ' && ok kill9-replays || fail kill9-replays "status $st: $(printf '%s\n' "$out" | tail -3)"

# --- a path that cannot be written; a file that exists -------------------------
timeout -s INT 1.5 "$cmon" -ports="$addr" -dummy -i=200ms -record=/proc/cmon-no/run.db >"$tmp/ro.out" 2>"$tmp/ro.err"
if grep -q '^cmon: -record=/proc/cmon-no/run.db: .*; monitoring goes on$' "$tmp/ro.err" &&
	[ "$(grep -c '^demo: Alloc' "$tmp/ro.out")" -ge 3 ]; then
	ok unwritable-path-monitoring-goes-on
else
	fail unwritable-path-monitoring-goes-on "$(cat "$tmp/ro.err"); $(grep -c '^demo: Alloc' "$tmp/ro.out") blocks"
fi
# a full disk, as a file size limit stands for it (SIGXFSZ ignored: the
# write fails with EFBIG); stdout goes through a pipe the limit does not
# bind. What was committed before replays.
( trap '' XFSZ; ulimit -f 110; exec timeout -s INT 4 "$cmon" -ports="$addr" -i=100ms -dummy \
	-vars='*' -record="$tmp/full.db" ) 2>"$tmp/full.err" | cat >"$tmp/full.out"
if grep -q '^cmon: recording .*full.db stopped: .*; monitoring goes on$' "$tmp/full.err" &&
	[ "$(grep -c "^demo: " "$tmp/full.out")" -ge 20 ] &&
	[ "$("$cmon" replay "$tmp/full.db" -dummy 2>&1 | grep -c '^demo: ')" -ge 1 ]; then
	ok full-disk-monitoring-goes-on
else
	fail full-disk-monitoring-goes-on "$(cat "$tmp/full.err"); $(grep -c '^demo: ' "$tmp/full.out") blocks"
fi
before=$(md5sum <"$db")
out=$("$cmon" -ports="$addr" -once -record="$db" 2>&1); st=$?
if [ $st = 0 ] && printf '%s\n' "$out" | grep -q 'the file exists' && [ "$(md5sum <"$db")" = "$before" ]; then
	ok existing-file-kept
else
	fail existing-file-kept "status $st: $out"
fi

# --- hostile recordings: a clear error, status 1, never a crash ----------------
# hostile NAME SQL EXPECTED-REGEX: a copy of the good recording changed by SQL
hostile() {
	local f=$tmp/h-$1.db out st
	cp "$db" "$f"
	sqlite3 "$f" "$2" 2>/dev/null
	out=$("$cmon" replay "$f" -dummy 2>&1 >/dev/null); st=$?
	if [ $st = 1 ] && [[ $out =~ ^cmon\ replay:\ .*$3 ]]; then
		ok "hostile-$1"
	else
		fail "hostile-$1" "status $st: $out"
	fi
}
hostile version 'PRAGMA user_version = 99' 'schema version 99; this cmon reads version 1'
hostile no-polls 'DROP TABLE polls' 'not a cmon recording: no such table: polls'
hostile no-vars 'DROP TABLE vars' 'not a cmon recording'
hostile nan-time "UPDATE polls SET t = 'NaN' WHERE seq = (SELECT min(seq) FROM polls)" 'not (a )?numbers?'
hostile text-number "UPDATE poll_values SET value = 'NaN' WHERE state = 1" 'bad values of poll'
hostile bad-service 'UPDATE polls SET service = 4000000' 'bad poll'
hostile huge-service 'UPDATE polls SET service = 9223372036854775807' 'bad poll'
hostile bad-var 'UPDATE poll_values SET var = var + 1000' 'bad values of poll'
hostile bad-state 'UPDATE poll_values SET state = 7' 'bad values of poll'
hostile bad-list "UPDATE lists SET services = '1,x'" 'bad service list'
hostile list-unknown-id "UPDATE lists SET services = '77'" 'bad service list'
hostile bad-port 'UPDATE services SET port = 70000' 'bad service list'
hostile var-gap 'UPDATE vars SET idx = idx + 100' 'bad row 0 of vars'
hostile var-kind "UPDATE vars SET kind = 'bogus'" 'bad row 0 of vars'
hostile no-events 'DELETE FROM polls; DELETE FROM lists; DELETE FROM ticks; DELETE FROM profiles' 'holds no events'
# a 70 MB profile (over the 64 MB any profile may be): -dummy reads no
# profile bytes, and replays; the screen refuses it when shown
f=$tmp/h-huge-blob.db
cp "$db" "$f"
sqlite3 "$f" "INSERT INTO profiles(seq, service, kind, t_start, t_end, why, data) VALUES ((SELECT max(seq) + 1 FROM polls), 1, 'heap', 0, (SELECT max(t) FROM polls), 'key', zeroblob(70000000))"
"$cmon" replay "$f" -dummy >/dev/null 2>&1; st=$?
[ $st = 0 ] && ok hostile-huge-blob-replays || fail hostile-huge-blob-replays "status $st"
# a file cut in half, a file of noise, an empty file, a directory
head -c $(( $(stat -c %s "$db") / 2 )) "$db" >"$tmp/cut.db"
head -c 65536 /dev/urandom >"$tmp/noise.db"
: >"$tmp/empty.db"
said='^cmon replay: '
for f in cut noise empty; do
	out=$("$cmon" replay "$tmp/$f.db" -dummy 2>&1 >/dev/null); st=$?
	if [ $st = 1 ] && [[ $out =~ $said ]]; then ok "hostile-file-$f"; else fail "hostile-file-$f" "status $st: $out"; fi
done
out=$("$cmon" replay "$tmp/missing.db" -dummy 2>&1); st=$?
[ $st = 1 ] && [[ $out =~ missing\.db ]] && ok replay-missing-file || fail replay-missing-file "status $st: $out"
[ -e "$tmp/missing.db" ] && fail replay-creates-nothing "replay created $tmp/missing.db"

if [ "$fails" -ne 0 ]; then
	echo "e2e-record: $fails failed"
	exit 1
fi
echo "e2e-record: all passed"
