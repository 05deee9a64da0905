#!/usr/bin/env bash
# tests/e2e/net.sh CMON_BINARY: the rules every request of cmon follows,
# against a Python HTTP service on 127.0.0.1 (net_server.py): redirects
# only to http and https (`cmon pprof` and the monitor alike); error text
# that is never searched for the password, so HTTP_PASSWORD=e leaves
# "connection refused" whole; ssh started without HTTP_USER and
# HTTP_PASSWORD in its environment; a URL's password gone from cmon's own
# command line (what ps shows) while the requests still carry it.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures) or 2 (setup).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8

cmon=$(lib_cmon_binary "net" "$@") || exit 2
command -v python3 >/dev/null || { echo "net: SKIP: no python3"; exit 77; }

tmp=$(mktemp -d)
pids=()
fails=0
trap lib_sandbox_cleanup EXIT
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

log=$tmp/requests.log
: >"$log"
python3 "$CMON_ROOT/tests/e2e/net_server.py" "$CMON_ROOT/tests/data/vars/demo-idle.json" "$log" \
	>"$tmp/server.out" 2>"$tmp/server.err" &
pids+=($!)
for _ in $(seq 100); do
	[ -s "$tmp/server.out" ] && break
	sleep 0.05
done
read -r port trap_port <"$tmp/server.out" || { echo "net: server did not start: $(cat "$tmp/server.err")" >&2; exit 2; }
base=http://127.0.0.1:$port
# A port nobody listens on: bound, then let go.
dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# --- redirects lead to http and https only ----------------------------------
# go tool pprof's fetcher follows none elsewhere either; the monitor never did.
for scheme in ftp file; do
	: >"$log"
	out=$(timeout 20 "$cmon" pprof -top "$base/$scheme" 2>&1); st=$?
	if [ $st = 1 ] && [[ $out == *"redirect to $scheme:// refused (only http and https are followed)"* ]] &&
		! grep -q trap "$log"; then
		ok "pprof-redirect-$scheme-refused"
	else
		fail "pprof-redirect-$scheme-refused" "status $st: $out $(grep -c trap "$log") trap connections"
	fi
	: >"$log"
	out=$(timeout 20 "$cmon" -ports="$base/$scheme" -once 2>&1); st=$?
	if [ $st = 1 ] && [[ $out == *"127.0.0.1:$port: ERROR: redirect to $scheme:// refused"* ]] &&
		! grep -q trap "$log"; then
		ok "monitor-redirect-$scheme-refused"
	else
		fail "monitor-redirect-$scheme-refused" "status $st: $out $(grep -c trap "$log") trap connections"
	fi
done

# --- error text is never searched for the password --------------------------
# A password that is one letter used to be "scrubbed" out of every word.
out=$(HTTP_USER=u HTTP_PASSWORD=e timeout 20 "$cmon" -ports="127.0.0.1:$dead" -once 2>&1); st=$?
if [ $st = 1 ] && [[ $out == *"127.0.0.1:$dead: ERROR: connection refused"* ]]; then
	ok env-password-error-intact
else
	fail env-password-error-intact "status $st: $out"
fi
out=$(timeout 20 "$cmon" -ports="http://u:e@127.0.0.1:$dead" -once 2>&1); st=$?
if [ $st = 1 ] && [[ $out == *"127.0.0.1:$dead: ERROR: connection refused"* ]]; then
	ok url-password-error-intact
else
	fail url-password-error-intact "status $st: $out"
fi
out=$(timeout 20 "$cmon" pprof -top "http://u:hunter2@127.0.0.1:$dead/x" 2>&1); st=$?
if [ $st = 1 ] && [[ $out == *"http://u:***@127.0.0.1:$dead/x: "* ]] && [[ $out != *hunter2* ]]; then
	ok pprof-url-password-masked
else
	fail pprof-url-password-masked "status $st: $out"
fi

# --- ssh does not inherit the services' credentials -------------------------
cat >"$tmp/dump-env.sh" <<'EOF'
#!/bin/sh
env >"$NET_ENV_DUMP"
echo "fake ssh: no" >&2
exit 255
EOF
chmod +x "$tmp/dump-env.sh"
out=$(NET_ENV_DUMP=$tmp/env.txt CMON_SSH_COMMAND=$tmp/dump-env.sh HTTP_USER=someone \
	HTTP_PASSWORD=topsecret timeout 30 "$cmon" -ports="ssh://127.0.0.1/127.0.0.1:$dead" -once 2>&1)
if [ -s "$tmp/env.txt" ] && grep -q '^NET_ENV_DUMP=' "$tmp/env.txt" &&
	! grep -q -e '^HTTP_PASSWORD=' -e '^HTTP_USER=' "$tmp/env.txt"; then
	ok ssh-env-without-credentials
else
	fail ssh-env-without-credentials "$(grep '^HTTP_' "$tmp/env.txt" 2>&1) / $out"
fi

# --- the password leaves cmon's command line, not its requests --------------
# wait_log PATTERN: up to 10 s for a request line in the log.
wait_log() {
	for _ in $(seq 200); do
		grep -q "$1" "$log" && return 0
		sleep 0.05
	done
	return 1
}
auth="Basic $(printf 'u:secret' | base64)"
: >"$log"
"$cmon" -ports="http://u:secret@127.0.0.1:$port" -vars=memstats.Alloc -i=200ms -dummy \
	>"$tmp/dummy.out" 2>&1 &
cpid=$!
pids+=("$cpid")
if wait_log "^/debug/vars "; then
	cmdline=$(tr '\0' ' ' <"/proc/$cpid/cmdline")
	if [[ $cmdline != *secret* ]] && [[ $cmdline == *"http://u:******@127.0.0.1:$port"* ]] &&
		grep -q "^/debug/vars $auth$" "$log"; then
		ok monitor-argv-password-hidden
	else
		fail monitor-argv-password-hidden "cmdline: $cmdline; requests: $(head -n 3 "$log")"
	fi
else
	fail monitor-argv-password-hidden "no request: $(cat "$tmp/dummy.out")"
fi
kill -TERM "$cpid"
wait "$cpid"

: >"$log"
"$cmon" pprof -top "http://u:secret@127.0.0.1:$port/slow" >"$tmp/pprof.out" 2>&1 &
cpid=$!
pids+=("$cpid")
if wait_log "^/slow "; then
	cmdline=$(tr '\0' ' ' <"/proc/$cpid/cmdline")
	if [[ $cmdline != *secret* ]] && [[ $cmdline == *"http://u:******@127.0.0.1:$port/slow"* ]] &&
		grep -q "^/slow $auth$" "$log"; then
		ok pprof-argv-password-hidden
	else
		fail pprof-argv-password-hidden "cmdline: $cmdline; requests: $(head -n 3 "$log")"
	fi
else
	fail pprof-argv-password-hidden "no request: $(cat "$tmp/pprof.out")"
fi
wait "$cpid"; st=$?
out=$(cat "$tmp/pprof.out")
if [ $st = 1 ] && [[ $out == *"http://u:***@127.0.0.1:$port/slow: server response: HTTP 404"* ]]; then
	ok pprof-password-kept-for-the-request
else
	fail pprof-password-kept-for-the-request "status $st: $out"
fi

echo "net: $fails failed"
[ $fails = 0 ]
