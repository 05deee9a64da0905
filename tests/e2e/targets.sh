#!/usr/bin/env bash
# tests/e2e/targets.sh CMON_BINARY: targets from where fleets are listed.
# A real Prometheus server (Debian's prometheus package) on loopback scrapes
# demo services (metrics_path /debug/vars: they are active targets whether
# Prometheus can read them or not); `cmon -targets=` shows them (-once),
# ?job= filters, -dummy follows a /-/reload that drops one target and adds
# another, and keeps its list when the server goes away. -ports=@FILE:
# a line added, removed and put back is followed by -dummy, a bad line
# keeps the last list and says so; bad command lines exit 2.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures), 2 (setup) or
# 77 (skipped: no go for the demo, or prometheus cannot be installed).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8

cmon=$(lib_cmon_binary "targets" "$@") || exit 2
lib_demo_needs_go targets || exit 77
if ! command -v prometheus >/dev/null 2>&1; then
	. "$CMON_ROOT/scripts/deps.sh"
	cmon_install_deps >/dev/null 2>&1
	if ! command -v prometheus >/dev/null 2>&1; then
		echo "targets: SKIP: the prometheus package is not installed and could not be" \
			"(apt-get install prometheus, as root)"
		exit 77
	fi
fi
lib_demo_sandbox targets || exit 2
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

"$tmp/demo" -addr 127.0.0.1:0 -services 5 >"$tmp/demo.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	[ "$(grep -c '^demo: listening on' "$tmp/demo.out")" = 5 ] && break
	sleep 0.05
done
mapfile -t port < <(sed -n 's#^demo: listening on http://127\.0\.0\.1:##p' "$tmp/demo.out")
[ ${#port[@]} = 5 ] || { echo "targets: demo did not start: $(cat "$tmp/demo.out")" >&2; exit 2; }

# ---- Prometheus ----------------------------------------------------------
prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prom=http://127.0.0.1:$prom_port

# write_config PORT... : job demo scrapes those demo ports, job other the 4th.
write_config() {
	local list="" p
	for p in "$@"; do list+="'127.0.0.1:$p', "; done
	cat >"$tmp/prom.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: demo
    metrics_path: /debug/vars
    static_configs:
      - targets: [${list%, }]
  - job_name: other
    metrics_path: /debug/vars
    static_configs:
      - targets: ['127.0.0.1:${port[3]}']
EOF
}

# active_count: how many active targets the server's API lists now.
active_count() {
	curl -s --max-time 2 "$prom/api/v1/targets?state=active" |
		grep -o '"scrapeUrl"' | wc -l
}

write_config "${port[0]}" "${port[1]}" "${port[2]}"
prometheus --config.file="$tmp/prom.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$prom_port" --web.enable-lifecycle \
	>"$tmp/prom.log" 2>&1 &
prom_pid=$!
pids+=("$prom_pid")
for _ in $(seq 300); do
	[ "$(active_count)" = 4 ] && break
	sleep 0.1
done
if [ "$(active_count)" != 4 ]; then
	echo "targets: Prometheus lists no 4 active targets: $(tail -5 "$tmp/prom.log")" >&2
	exit 2
fi

# last_block FILE: the services of -dummy's last complete block (the lines
# between the last two time lines).
last_block() {
	awk '/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] /{ if (n) { last = cur }; cur = ""; n++; next }
	     { cur = cur $0 "\n" } END { printf "%s", last }' "$1"
}

# wait_block FILE REGEX [SECONDS]: until the last block matches (grep -E
# over the whole block, as one line per service).
wait_block() {
	local file=$1 re=$2 i
	for i in $(seq $((${3:-20} * 10))); do
		last_block "$file" | tr '\n' ' ' | grep -E -q -- "$re" && return 0
		sleep 0.1
	done
	return 1
}

# services FILE: the ports of the last block, sorted, space separated.
services() {
	last_block "$1" | sed -n 's/^demo:\([0-9]*\): .*/\1/p' | sort -n | tr '\n' ' '
}

sorted() { printf '%s\n' "$@" | sort -n | tr '\n' ' '; }

out=$("$cmon" -targets="$prom?job=demo" -once -vars=requests 2>"$tmp/err"); st=$?
got=$(printf '%s\n' "$out" | sed -n 's/^demo:\([0-9]*\): requests: [0-9]*$/\1/p' | sort -n | tr '\n' ' ')
if [ $st = 0 ] && [ "$got" = "$(sorted "${port[0]}" "${port[1]}" "${port[2]}")" ]; then
	ok prom-once-job
else
	fail prom-once-job "status $st, services '$got': $out $(cat "$tmp/err")"
fi

out=$("$cmon" -targets="$prom" -once -vars=requests 2>"$tmp/err"); st=$?
got=$(printf '%s\n' "$out" | sed -n 's/^demo:\([0-9]*\): requests: [0-9]*$/\1/p' | sort -n | tr '\n' ' ')
if [ $st = 0 ] && [ "$got" = "$(sorted "${port[@]:0:4}")" ]; then
	ok prom-once-all-jobs
else
	fail prom-once-all-jobs "status $st, services '$got': $out $(cat "$tmp/err")"
fi

# -ports and -targets: the union, a service listed by both polled once
out=$("$cmon" -ports="127.0.0.1:${port[0]},127.0.0.1:${port[4]}" -targets="$prom?job=demo" -once \
	-vars=requests 2>"$tmp/err"); st=$?
got=$(printf '%s\n' "$out" | sed -n 's/^demo:\([0-9]*\): requests: [0-9]*$/\1/p' | sort -n | tr '\n' ' ')
if [ $st = 0 ] && [ "$got" = "$(sorted "${port[0]}" "${port[1]}" "${port[2]}" "${port[4]}")" ]; then
	ok prom-union-with-ports
else
	fail prom-union-with-ports "status $st, services '$got': $out $(cat "$tmp/err")"
fi

# the credentials of -targets go to the API only, and ps does not show them
out=$("$cmon" -targets="http://someone:hunter2@127.0.0.1:$prom_port?job=other" -once \
	-vars=requests 2>"$tmp/err"); st=$?
if [ $st = 0 ] && [ "$out" != "${out#*demo: requests}" ] && ! grep -q hunter2 "$tmp/err"; then
	ok prom-credentials
else
	fail prom-credentials "status $st: $out $(cat "$tmp/err")"
fi

# -dummy follows a reload: drop the third, add the fifth
"$cmon" -targets="$prom?job=demo" -dummy -i=500ms -vars=requests >"$tmp/follow.out" \
	2>"$tmp/follow.err" &
follow_pid=$!
pids+=("$follow_pid")
want="$(sorted "${port[0]}" "${port[1]}" "${port[2]}")"
for _ in $(seq 100); do [ "$(services "$tmp/follow.out")" = "$want" ] && break; sleep 0.1; done
if [ "$(services "$tmp/follow.out")" = "$want" ]; then
	ok prom-dummy-start
else
	fail prom-dummy-start "$(services "$tmp/follow.out") $(cat "$tmp/follow.err")"
fi
write_config "${port[0]}" "${port[1]}" "${port[4]}"
curl -s -X POST "$prom/-/reload" >/dev/null
want="$(sorted "${port[0]}" "${port[1]}" "${port[4]}")"
for _ in $(seq 300); do [ "$(services "$tmp/follow.out")" = "$want" ] && break; sleep 0.1; done
if [ "$(services "$tmp/follow.out")" = "$want" ] &&
	grep -q '^cmon: 3 services (1 new, 1 gone)$' "$tmp/follow.err"; then
	ok prom-dummy-follows-reload
else
	fail prom-dummy-follows-reload "want $want, got $(services "$tmp/follow.out"): $(cat "$tmp/follow.err")"
fi

# the server goes away: the list stays, and stderr says why
kill "$prom_pid"
wait "$prom_pid" 2>/dev/null
for _ in $(seq 150); do grep -q 'last list kept' "$tmp/follow.err" && break; sleep 0.1; done
sleep 1
if grep -q "^cmon: Prometheus 127.0.0.1:$prom_port: .*; last list kept$" "$tmp/follow.err" &&
	[ "$(services "$tmp/follow.out")" = "$want" ]; then
	ok prom-down-keeps-list
else
	fail prom-down-keeps-list "$(services "$tmp/follow.out"): $(cat "$tmp/follow.err")"
fi
kill "$follow_pid"
wait "$follow_pid" 2>/dev/null

out=$("$cmon" -targets="$prom" -once 2>"$tmp/err"); st=$?
if [ $st = 1 ] && grep -q "^cmon: Prometheus 127.0.0.1:$prom_port: .*; last list kept$" "$tmp/err" &&
	grep -q '^cmon: no services to poll$' "$tmp/err"; then
	ok prom-down-once
else
	fail prom-down-once "status $st: $out $(cat "$tmp/err")"
fi

# ---- -ports=@FILE --------------------------------------------------------
f=$tmp/ports.txt
printf '# the fleet\n127.0.0.1:%s\n\n127.0.0.1:%s  # second\n' "${port[0]}" "${port[1]}" >"$f"
"$cmon" -ports=@"$f" -dummy -i=300ms -vars=requests >"$tmp/file.out" 2>"$tmp/file.err" &
file_pid=$!
pids+=("$file_pid")

# step NAME WANT...: waits for the last block to list exactly WANT.
step() {
	local name=$1 want i
	shift
	want=$(sorted "$@")
	for i in $(seq 100); do [ "$(services "$tmp/file.out")" = "$want" ] && break; sleep 0.1; done
	if [ "$(services "$tmp/file.out")" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "want $want, got $(services "$tmp/file.out"): $(cat "$tmp/file.err")"
	fi
}
step file-start "${port[0]}" "${port[1]}"
# a line added (a comma list), written in place
printf '127.0.0.1:%s, 127.0.0.1:%s\n' "${port[2]}" "${port[3]}" >>"$f"
step file-line-added "${port[0]}" "${port[1]}" "${port[2]}" "${port[3]}"
# a line removed, the file replaced by rename as editors do
printf '127.0.0.1:%s\n127.0.0.1:%s,127.0.0.1:%s\n' "${port[0]}" "${port[2]}" "${port[3]}" >"$f.new"
mv "$f.new" "$f"
step file-line-removed "${port[0]}" "${port[2]}" "${port[3]}"
# put back
printf '127.0.0.1:%s\n' "${port[1]}" >>"$f"
step file-line-back "${port[0]}" "${port[1]}" "${port[2]}" "${port[3]}"
# a bad line: the list stays, stderr names the file and line
printf 'oops\n' >>"$f"
for _ in $(seq 50); do grep -q 'last list kept' "$tmp/file.err" && break; sleep 0.1; done
if grep -qxF "cmon: $f:4: bad -ports field \"oops\": port missing; last list kept" "$tmp/file.err"; then
	step file-bad-line-kept "${port[0]}" "${port[1]}" "${port[2]}" "${port[3]}"
else
	fail file-bad-line-kept "$(cat "$tmp/file.err")"
fi
# the file gone: kept too
rm -f "$f"
for _ in $(seq 50); do grep -q 'No such file' "$tmp/file.err" && break; sleep 0.1; done
if grep -qxF "cmon: $f: No such file or directory; last list kept" "$tmp/file.err"; then
	ok file-gone-kept
else
	fail file-gone-kept "$(cat "$tmp/file.err")"
fi
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "${port[3]}" "${port[4]}" >"$f"
step file-back-new-list "${port[3]}" "${port[4]}"
kill "$file_pid"
wait "$file_pid" 2>/dev/null

# ---- bad command lines ---------------------------------------------------
# usage CASE WANT ARGS...: exit 2 with stderr WANT.
usage() {
	local name=$1 want=$2 err st
	shift 2
	err=$("$cmon" "$@" -once 2>&1 >/dev/null); st=$?
	if [ $st = 2 ] && [ "$err" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "status $st: $err"
	fi
}
usage usage-no-file "cmon: $tmp/none: No such file or directory" -ports=@"$tmp/none"
printf '6060\n\n50x0\n' >"$tmp/bad.txt"
usage usage-bad-file-line "cmon: $tmp/bad.txt:3: bad -ports field \"50x0\": port is not a number" \
	-ports=@"$tmp/bad.txt"
usage usage-file-ssh-line \
	"cmon: $tmp/ssh.txt: ssh:// entries are not followed: put them in -ports" \
	-ports=@"$(printf 'ssh://app2/6060\n' >"$tmp/ssh.txt"; echo "$tmp/ssh.txt")"
usage usage-targets-query "cmon: bad -targets query \"?jab=x\": want ?job=NAME" \
	-targets="$prom?jab=x"
usage usage-ssh-with-file \
	"cmon: -ssh goes with a -ports list: the tunnels are set up once, for the services listed at the start (not with @FILE or -targets)" \
	-ports=@"$f" -ssh=app2

[ "$fails" = 0 ] || exit 1
