#!/usr/bin/env bash
# tests/e2e/pprof_fetch.sh CMON: what cmon pprof does with a URL source
# besides the report, against tests/e2e/pprof_server.py:
# - the copy go tool pprof saves: in $PPROF_TMPDIR, else ~/pprof, named
#   pprof.EXE.TYPES.NNN.pb.gz with the first free NNN, pprof's "Saved
#   profile in PATH" on stderr, the content the served profile; compared
#   with go tool pprof's own (name, line, decoded content) when go is here;
# - -timeout: a server that never answers is given up after -timeout + 5 s;
# - -tls_cert, -tls_key, -tls_ca (the viewer's r too): a TLS server that wants a client
#   certificate (made by openssl here) is read with them, refused without.
set -uo pipefail
cmon=$1
cd "$(dirname "$0")/../.."
. tests/lib.sh
lib_env
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmon-pprof-fetch.XXXXXX")
pids=()
cleanup() {
	lib_is_main_shell || return 0
	[ -n "${tsock:-}" ] && tmux -L "$tsock" kill-server 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pass=0 failn=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
fail() { echo "FAIL $1: $2"; failn=$((failn + 1)); }
have_go=no
lib_have_go && have_go=yes

# start_server PORTFILE [--tls CERT KEY CA]: PORTFILE holds the port once
# the server listens
start_server() {
	local pf=$1
	shift
	python3 tests/e2e/pprof_server.py "$@" tests/data "$pf" >"$pf.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 200); do [ -s "$pf" ] && break; sleep 0.05; done
}
start_server "$tmp/port"
port=$(cat "$tmp/port" 2>/dev/null)
[ -n "$port" ] || { echo "pprof-fetch: the server did not start: $(cat "$tmp/port.log")"; exit 2; }
U=http://127.0.0.1:$port/debug/pprof
heap_name=pprof.profgen.alloc_objects.alloc_space.inuse_objects.inuse_space

# --- the saved copy -----------------------------------------------------------
# run_save NAME DIR URL [FLAGS...]: cmon pprof -top with PPROF_TMPDIR=DIR
run_save() {
	local name=$1 dir=$2 url=$3
	shift 3
	PPROF_TMPDIR=$dir "$cmon" pprof -top -nodecount=3 "$@" "$url" >"$tmp/$name.out" 2>"$tmp/$name.err"
}
s=$tmp/saved
run_save first "$s" "$U/heap"; st1=$?
run_save second "$s" "$U/heap"; st2=$?
if [ $st1 = 0 ] && [ $st2 = 0 ] &&
	[ "$(cat "$tmp/first.err")" = "Saved profile in $s/$heap_name.001.pb.gz" ] &&
	[ "$(cat "$tmp/second.err")" = "Saved profile in $s/$heap_name.002.pb.gz" ] &&
	cmp -s "$s/$heap_name.001.pb.gz" tests/data/heap.pb.gz &&
	cmp -s "$s/$heap_name.002.pb.gz" tests/data/heap.pb.gz; then
	ok save-numbered
else
	fail save-numbered "status $st1 $st2, stderr '$(cat "$tmp/first.err")' '$(cat "$tmp/second.err")', files: $(ls "$s" 2>&1)"
fi
if cmp -s "$tmp/first.out" <("$cmon" pprof -top -nodecount=3 tests/data/heap.pb.gz 2>/dev/null); then
	ok save-report-unchanged
else
	fail save-report-unchanged "stdout differs from the report of the file"
fi

# A profile served raw is saved gzipped (pprof writes .pb.gz).
run_save raw "$tmp/raw" "$U/raw"; st=$?
f=$tmp/raw/$heap_name.001.pb.gz
if [ $st = 0 ] && [ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ] &&
	cmp -s <(gzip -dc "$f") <(gzip -dc tests/data/heap.pb.gz); then
	ok save-raw-gzipped
else
	fail save-raw-gzipped "status $st, $(cat "$tmp/raw.err")"
fi

# No PPROF_TMPDIR: ~/pprof, made when missing.
mkdir -p "$tmp/home"
HOME=$tmp/home PPROF_TMPDIR= "$cmon" pprof -top "$U/heap" >/dev/null 2>"$tmp/home.err"; st=$?
if [ $st = 0 ] && [ -f "$tmp/home/pprof/$heap_name.001.pb.gz" ] &&
	grep -qx "Saved profile in $tmp/home/pprof/$heap_name.001.pb.gz" "$tmp/home.err"; then
	ok save-home
else
	fail save-home "status $st, $(cat "$tmp/home.err")"
fi

# A PPROF_TMPDIR that cannot be made: pprof's line, then ~/pprof.
: >"$tmp/afile"
HOME=$tmp/home PPROF_TMPDIR=$tmp/afile/sub "$cmon" pprof -top "$U/heap" >/dev/null 2>"$tmp/bad.err"; st=$?
want_bad="Could not use temp dir $tmp/afile/sub: mkdir $tmp/afile: not a directory"
if [ $st = 0 ] && [ "$(head -n 1 "$tmp/bad.err")" = "$want_bad" ] &&
	grep -qx "Saved profile in $tmp/home/pprof/$heap_name.002.pb.gz" "$tmp/bad.err"; then
	ok save-bad-dir
else
	fail save-bad-dir "status $st, $(cat "$tmp/bad.err")"
fi

# A file source is not saved.
PPROF_TMPDIR=$tmp/local "$cmon" pprof -top tests/data/heap.pb.gz >/dev/null 2>"$tmp/local.err"; st=$?
if [ $st = 0 ] && [ ! -e "$tmp/local" ] && [ ! -s "$tmp/local.err" ]; then
	ok save-not-files
else
	fail save-not-files "status $st, $(cat "$tmp/local.err"), $(ls "$tmp/local" 2>&1)"
fi

# go tool pprof against the same server: the same names, lines, content.
if [ $have_go = yes ]; then
	g=$tmp/gosaved
	for i in 1 2; do
		PPROF_TMPDIR=$g go tool pprof -top -nodecount=3 "$U/heap" >/dev/null 2>"$tmp/go$i.err"
	done
	HOME=$tmp/gohome PPROF_TMPDIR=$tmp/afile/sub go tool pprof -top "$U/heap" >/dev/null 2>"$tmp/gobad.err"
	if [ "$(ls "$g")" = "$(ls "$s")" ] &&
		grep -qx "Saved profile in $g/$heap_name.002.pb.gz" "$tmp/go2.err" &&
		grep -qxF "$want_bad" "$tmp/gobad.err"; then
		ok save-names-as-go
	else
		fail save-names-as-go "go: $(ls "$g" | tr '\n' ' ') $(cat "$tmp/go2.err" "$tmp/gobad.err"); cmon: $(ls "$s" | tr '\n' ' ')"
	fi
	if cmp -s <(go tool pprof -raw "$g/$heap_name.001.pb.gz" 2>&1) \
		<(go tool pprof -raw "$s/$heap_name.001.pb.gz" 2>&1) &&
		cmp -s <(go tool pprof -raw "$g/$heap_name.001.pb.gz" 2>&1) \
			<(go tool pprof -raw "$tmp/raw/$heap_name.001.pb.gz" 2>&1); then
		ok save-content-as-go
	else
		fail save-content-as-go "go tool pprof -raw differs between pprof's copy and cmon's"
	fi
else
	echo "skip save-*-as-go: no go tool pprof"
fi

# --- -timeout: a server that never answers ------------------------------------
t0=$(lib_ms)
timeout 60 "$cmon" pprof -top -timeout=1 "$U/hung" >/dev/null 2>"$tmp/hung.err"; st=$?
t1=$(lib_ms)
ms=$((t1 - t0))
if [ $st = 1 ] && [ $ms -ge 5500 ] && [ $ms -lt 20000 ] && [ "$(wc -l <"$tmp/hung.err")" = 1 ] &&
	grep -q "^cmon pprof: $U/hung: http fetch: .*[Tt]imed out" "$tmp/hung.err"; then
	ok timeout-hung
else
	fail timeout-hung "status $st after $ms ms: $(cat "$tmp/hung.err")"
fi

# --- -tls_cert, -tls_key, -tls_ca ---------------------------------------------
if ! command -v openssl >/dev/null 2>&1; then
	echo "skip tls-*: no openssl"
else
	c=$tmp/certs
	mkdir -p "$c"
	ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	{
		openssl req -x509 "${ec[@]}" -keyout "$c/ca.key" -out "$c/ca.pem" -days 2 -subj /CN=cmon-test-ca &&
			for who in server client; do
				openssl req "${ec[@]}" -keyout "$c/$who.key" -out "$c/$who.csr" -subj "/CN=cmon-test-$who" &&
					printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=%sAuth\n' "$who" >"$c/$who.ext" &&
					openssl x509 -req -in "$c/$who.csr" -CA "$c/ca.pem" -CAkey "$c/ca.key" \
						-CAcreateserial -days 2 -extfile "$c/$who.ext" -out "$c/$who.pem" || exit 1
			done
	} >"$c/openssl.log" 2>&1
	start_server "$tmp/tport" --tls "$c/server.pem" "$c/server.key" "$c/ca.pem"
	tport=$(cat "$tmp/tport" 2>/dev/null)
	T=https://127.0.0.1:$tport/debug/pprof/heap
	tls=(-tls_ca="$c/ca.pem" -tls_cert="$c/client.pem" -tls_key="$c/client.key")
	PPROF_TMPDIR=$tmp/tls "$cmon" pprof -top -nodecount=3 "${tls[@]}" "$T" >"$tmp/tls.out" 2>"$tmp/tls.err"; st=$?
	if [ $st = 0 ] && cmp -s "$tmp/tls.out" "$tmp/first.out" && [ -f "$tmp/tls/$heap_name.001.pb.gz" ]; then
		ok tls-client-cert
	else
		fail tls-client-cert "status $st: $(cat "$tmp/tls.err" "$tmp/tport.log") $(tail -n 3 "$c/openssl.log")"
	fi
	# tls_fails NAME REGEX FLAGS...: exit 1, one line naming the URL and REGEX
	tls_fails() {
		local name=$1 re=$2
		shift 2
		PPROF_TMPDIR=$tmp/tls-$name timeout 60 "$cmon" pprof -top "$@" "$T" >"$tmp/$name.out" 2>"$tmp/$name.err"
		local st=$?
		if [ $st = 1 ] && [ ! -s "$tmp/$name.out" ] && [ "$(wc -l <"$tmp/$name.err")" = 1 ] &&
			grep -Eq "^cmon pprof: $T: http fetch: .*($re)" "$tmp/$name.err" && [ ! -e "$tmp/tls-$name" ]; then
			ok "$name"
		else
			fail "$name" "status $st: $(cat "$tmp/$name.err")"
		fi
	}
	tls_fails tls-no-client-cert 'does the server want a client certificate\? -tls_cert, -tls_key' -tls_ca="$c/ca.pem"
	tls_fails tls-no-ca 'certificate|SSL|TLS' -tls_cert="$c/client.pem" -tls_key="$c/client.key"
	tls_fails tls-key-alone '-tls_key is specified, so -tls_cert must also be specified' \
		-tls_ca="$c/ca.pem" -tls_key="$c/client.key"
	tls_fails tls-cert-alone '-tls_cert is specified, so -tls_key must also be specified' \
		-tls_ca="$c/ca.pem" -tls_cert="$c/client.pem"
	tls_fails tls-bad-cert 'could not load certificate/key pair specified by -tls_cert and -tls_key' \
		-tls_ca="$c/ca.pem" -tls_cert="$c/nonexistent.pem" -tls_key="$c/client.key"
	tls_fails tls-bad-ca 'could not load CA specified by -tls_ca' \
		-tls_ca="$c/nonexistent.pem" -tls_cert="$c/client.pem" -tls_key="$c/client.key"
	# the viewer's r fetches again with the client certificate (in tmux)
	if command -v tmux >/dev/null 2>&1; then
		tsock=cmon-fetch-$$
		tv() { tmux -L "$tsock" -f /dev/null "$@"; }
		tv new-session -d -s v -x 120 -y 30 \
			"PPROF_TMPDIR=$tmp/tls-r $(printf '%q ' "$cmon" pprof "${tls[@]}" "$T")"
		for _ in $(seq 100); do [ -e "$tmp/tls-r/$heap_name.001.pb.gz" ] && break; sleep 0.1; done
		sleep 0.5 # the screen is up
		tv send-keys -t v r
		for _ in $(seq 100); do [ -e "$tmp/tls-r/$heap_name.002.pb.gz" ] && break; sleep 0.1; done
		screen=$(tv capture-pane -p -t v)
		if [ -e "$tmp/tls-r/$heap_name.002.pb.gz" ] && ! grep -q 'r: https' <<<"$screen"; then
			ok tls-viewer-refetch
		else
			fail tls-viewer-refetch "no second copy saved: $(grep -E 'r: |Saved' <<<"$screen")"
		fi
		tv send-keys -t v q
	fi
fi

echo "pprof-fetch: $pass passed, $failn failed"
[ $failn = 0 ]
