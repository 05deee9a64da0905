#!/usr/bin/env bash
# Runs the real cmon against tests/hostile/http_server.py, the hostile HTTP
# services of issue 10's audit and the healthy ones beside them: -once,
# -dummy and `cmon pprof -top`, each under timeout(1) with its peak RSS
# measured. Every run must end by itself (no hang), with exit status 0, 1 or
# 2 (no signal, no sanitizer report), within its time and memory bounds;
# a bad service must get one clear line naming what was wrong, a good one
# its right values.
#
# usage: tests/hostile/http_run.sh CMON_BINARY [CASE_REGEX]
#   CASE_REGEX  only run the rows whose name matches (grep -E)
# environment:
#   HOSTILE_JOBS=N     rows run at once (default 6: most of them wait)
#   HOSTILE_NO_RSS=1   do not check peak memory (set by itself under ASan)
#   HOSTILE_XPASS_OK=1 an xfail row that passes is not a failure
#   KEEP=1             keep the work folder (printed at the end)
# Prints one line per row: "ok NAME", "FAIL NAME: why", "xfail NAME (item
# N): why", "XPASS NAME (item N)" or "skip NAME: why"; exits 1 if any row
# failed or passed unexpectedly, 2 if the server did not start.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C.UTF-8 TZ=UTC
unset HTTP_USER HTTP_PASSWORD http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

cmon=$(lib_cmon_binary "hostile-http" "${1-}") || exit 2
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmon-hostile-http.XXXXXX")
server_pid=
cleanup() {
	lib_is_main_shell || return 0
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT
# cmon pprof saves what it fetches, as go tool pprof does: not in ~/pprof
export PPROF_TMPDIR=$tmp/saved

# Under a sanitizer build a report must never look like a clean refusal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=99:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:exitcode=98:print_stacktrace=1}
check_rss=1
slow=1 # time bounds are multiplied by this
# (not nm | grep -q: under pipefail, nm's SIGPIPE would fail the test)
if lib_is_asan "$cmon"; then
	check_rss=0
	slow=3
fi
[ "${HOSTILE_NO_RSS:-0}" = 1 ] && check_rss=0

# ---- the server -------------------------------------------------------------
tls=()
if command -v openssl >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1; then
	tls=(--tls "$tmp/cert.pem" "$tmp/key.pem")
fi
python3 "$here/http_server.py" "${tls[@]}" --hung-ports 200 "$tmp/ports" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
	[ -s "$tmp/ports" ] && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$tmp/ports" ]; then
	echo "hostile-http: the server did not start: $(head -c 500 "$tmp/server.log")" >&2
	exit 2
fi
P=$(awk '$1 == "http" { print $2 }' "$tmp/ports")
T=$(awk '$1 == "tls" { print $2 }' "$tmp/ports")
U=http://127.0.0.1:$P # every case, e.g. $U/hung/debug/vars
U2=http://127.0.0.1:$(awk '$1 == "http2" { print $2 }' "$tmp/ports") # the same, on another port
S=${T:+https://127.0.0.1:$T}
HUNG=$(awk '$1 == "hung" { for (i = 2; i <= NF; i++) printf "%s127.0.0.1:%s", (i > 2 ? "," : ""), $i }' "$tmp/ports")
# 1000 ports below the kernel's ephemeral range that nobody should hold (one
# that someone does would answer, and spoil the count of refusals).
DEAD=127.0.0.1:23000-23999

# ---- commands: each sets cmd=(...), run under timeout and time ----------------
# The timeouts leave a loaded machine's server time to answer the good ones.
# once CASE [FLAGS...]: cmon -once -timeout=$TMO (5s, 15s under ASan) on
# $U/CASE/debug/vars
TMO=$((5 * slow))s
once() { local c=$1; shift; cmd=("$cmon" -once "-timeout=$TMO" "-ports=$U/$c/debug/vars" "$@"); }
# once_at PORTS [FLAGS...]: cmon -once against a -ports list
once_at() { local p=$1; shift; cmd=("$cmon" -once "-timeout=$TMO" "-ports=$p" "$@"); }
# dummy CASE [FLAGS...]: cmon -dummy -i=1s for 4.5 s (five polls; longer
# under ASan), then SIGTERM
dummy_secs=$(awk -v k="$slow" 'BEGIN { print 4.5 * k }')
dummy() {
	local c=$1; shift
	cmd=(timeout --preserve-status -s TERM "$dummy_secs" "$cmon" -dummy -i=1s -timeout=900ms "-ports=$U/$c/debug/vars" "$@")
}
# pprof CASE [PROFILE [FLAGS...]]: cmon pprof -top on $U/CASE/debug/pprof/PROFILE
pprof() {
	local c=$1 p=${2:-heap}
	shift
	[ $# -gt 0 ] && shift
	cmd=("$cmon" pprof -top "$@" "$U/$c/debug/pprof/$p")
}
# pprof_at URL [FLAGS...]
pprof_at() { local u=$1; shift; cmd=("$cmon" pprof -top "$@" "$u"); }
# with VAR=VALUE... -- COMMAND ARGS...: COMMAND with that environment
with() {
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	"$@"
	cmd=(env "${envs[@]}" "${cmd[@]}")
}
# interrupted SECS COMMAND ARGS...: COMMAND, sent SIGINT after SECS
interrupted() { local s=$1; shift; "$@"; cmd=(timeout --preserve-status -s INT "$s" "${cmd[@]}"); }
# argv_of PORTS: cmon -dummy on PORTS in the background for a second; the
# output is then its /proc/PID/cmdline (what ps shows), NULs as spaces
argv_of() {
	cmd=(bash -c '"$@" >/dev/null 2>&1 & pid=$!; sleep 1; tr "\0" " " </proc/$pid/cmdline; echo; kill $pid; wait $pid; exit 0' \
		argv_of "$cmon" -dummy -i=1s "-ports=$1")
}
# capped SECS COMMAND ARGS...: COMMAND, killed after SECS (times $slow),
# for a row that would burn CPU until the end of its time
capped() { local s=$1; shift; "$@"; cmd=(timeout -s KILL "$(times_slow "$s")" "${cmd[@]}"); }
# needs tls: skips the row without openssl; needs native: skips it under
# ASan (a row whose point is a time or memory bound)
needs() {
	case $1 in
	tls) [ -n "$S" ] || { skip_why="no TLS (openssl)"; return 1; } ;;
	native) [ $check_rss = 1 ] || { skip_why="a bound that ASan (or HOSTILE_NO_RSS) changes"; return 1; } ;;
	esac
}

# ---- checks: each records the first thing wrong in $why ------------------------
# The run left: $status, $out and $err (files), $secs (wall), $cpu (user+sys),
# $kb (peak RSS).
bad() { [ -n "$why" ] || why=$1; }
status() { [[ $status =~ ^($1)$ ]] || bad "exit status $status, want $1"; }
out() { grep -Eq -- "$1" "$out" || bad "stdout does not match /$1/: $(head -c 300 "$out" | tr '\n' '|')"; }
not_out() { ! grep -Eq -- "$1" "$out" "$err" || bad "output matches /$1/: $(grep -Eh -- "$1" "$out" "$err" | head -c 200)"; }
# under N seconds (times $slow)
under() { awk -v s="$1" -v m="$2" -v k="$slow" 'BEGIN { exit !(s < m * k) }'; }
times_slow() { awk -v m="$1" -v k="$slow" 'BEGIN { print m * k }'; }
secs() { max_secs=$1; under "$secs" "$1" || bad "took ${secs}s, want under $(times_slow "$1")s"; }
cpu() { under "$cpu" "$1" || bad "used ${cpu}s of CPU, want under $(times_slow "$1")s"; }
rss() { rss_mb=$1; }
# no control characters but newlines in stdout or stderr (terminal escapes)
noctl() {
	! LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$out") <(tr -d '\n' <"$err") ||
		bad "control characters in the output: $(cat "$out" "$err" | LC_ALL=C grep '[[:cntrl:]]' | head -n 1 | od -An -c | head -n 2 | tr -s ' ')"
}
# once_ok REGEX: exit 0, nothing on stderr, the service's line matches
once_ok() {
	status 0
	[ -s "$err" ] && bad "stderr: $(head -c 200 "$err")"
	[ "$(wc -l <"$out")" = 2 ] || bad "want 2 lines, got $(wc -l <"$out")"
	sed -n 2p "$out" | grep -Eq -- "$1" || bad "line 2 does not match /$1/: $(sed -n 2p "$out" | head -c 300)"
}
# once_err REGEX: exit 1, one line naming the service and the problem
once_err() {
	status 1
	[ -s "$err" ] && bad "stderr: $(head -c 200 "$err")"
	[ "$(wc -l <"$out")" = 2 ] || bad "want 2 lines, got $(wc -l <"$out")"
	sed -n 2p "$out" | grep -Eq -- "^127\.0\.0\.1:[0-9]+: ERROR: ($1)\$" ||
		bad "line 2 does not match /ERROR: $1/: $(sed -n 2p "$out" | head -c 300)"
	noctl
}
# dummy_lines REGEX: at least two polls printed, every service line matching
dummy_lines() {
	status 0
	[ -s "$err" ] && bad "stderr: $(head -c 200 "$err")"
	local polls
	secs "$(awk -v d="$dummy_secs" -v k="$slow" 'BEGIN { print d / k + 5 }')"
	polls=$(grep -Ec '^[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{2}/[0-9]{2}$' "$out")
	[ "$polls" -ge 2 ] || bad "$polls polls printed in $dummy_secs s, want at least 2"
	# From the second block on: the first may print before the goroutine and
	# threadcreate answers came (N/A), on a loaded or sanitized run.
	local later
	later=$(awk '/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] [0-9][0-9]\/[0-9][0-9]$/ { n++; next } n >= 2' "$out")
	grep -Evq -- "$1" <<<"$later" &&
		bad "a line does not match /$1/: $(grep -Ev -- "$1" <<<"$later" | head -n 1 | head -c 300)"
}
# dummy_err REGEX: every poll's line names the problem (or, before the first
# answer, says there is none yet)
dummy_err() {
	dummy_lines "^127\.0\.0\.1:[0-9]+: ERROR: ($1|no answer yet)\$"
	grep -Eq -- "ERROR: ($1)\$" "$out" || bad "no line says /$1/"
	noctl
}
# pprof_err REGEX: exit 1, nothing on stdout, one line on stderr naming the
# source and matching REGEX (case-insensitive)
pprof_err() {
	status 1
	[ -s "$out" ] && bad "wrote $(wc -c <"$out") bytes to stdout"
	[ "$(wc -l <"$err")" = 1 ] || bad "want one line on stderr, got $(wc -l <"$err"): $(head -c 300 "$err" | tr '\n' '|')"
	grep -Eq '^cmon pprof: https?://[^ ]*127\.0\.0\.1:[0-9]+/' "$err" || bad "stderr does not name the URL: $(head -c 200 "$err")"
	sed -E 's|^cmon pprof: [^ ]+: ||' "$err" | grep -Eiq -- "$1" ||
		bad "stderr does not match /$1/ after the URL: $(head -c 300 "$err")"
	noctl
}
# names_differ: -once named every service apart (as the screen does)
names_differ() {
	local dup
	dup=$(sed -n '2,$p' "$out" | sed -E 's/: (ERROR: .*|[a-z].*)$//' | sort | uniq -d | head -n 1)
	[ -z "$dup" ] || bad "two services are both named \"$dup\": $(sed -n '2,$p' "$out" | tr '\n' '|' | head -c 300)"
}
# same_top FILE: exit 0, stdout is `cmon pprof -top FILE`'s
same_top() {
	status 0
	"$cmon" pprof -top "$1" >"$out.want" 2>/dev/null
	cmp -s "$out" "$out.want" || bad "stdout differs from cmon pprof -top $1"
}
# killed_by SIG: this row may end by SIG (the one its command sends)
killed_by() { allow_status=$((128 + $(kill -l "$1"))); }

# trim VAR: strips VAR's blanks, without a subshell
trim() { local s=${!1}; s=${s#"${s%%[![:space:]]*}"}; printf -v "$1" '%s' "${s%"${s##*[![:space:]]}"}"; }

# ---- the table ---------------------------------------------------------------
# One row a line: NAME | XFAIL | COMMAND | CHECKS
#   XFAIL    "-", or why the row fails today: "item 7" is issue 10's item 7,
#            being fixed; "new", a bug this test found, not yet in an issue.
#            Such a row must fail (it passing is reported as XPASS, a
#            failure): once its fix is in, flip it to "-".
#   COMMAND  one of the command functions above (bash syntax)
#   CHECKS   check functions, ";"-separated (bash syntax); every row also
#            gets: ends by itself within 30 s (or secs N), status 0/1/2, no
#            signal (but killed_by's), no sanitizer report, peak RSS under
#            64 MB (or rss N). Times are multiplied by 3 under ASan.
V='requests,mem:memstats.Alloc,dur:memstats.PauseNs[-1],dur:memstats.PauseTotalNs,@goroutines,@threads'
VALID='^hostile-valid: requests: 42, Alloc: 1\.2MB, PauseNs\[-1\]: 3ms, PauseTotalNs: 6ms, goroutines: 17, threads: 9$'
table=$(cat <<'EOF'
# -- the healthy ones: right values ---------------------------------------------
valid               | -       | once valid -vars=$V                    | once_ok "$VALID"
valid-default-vars  | -       | once valid                             | once_ok '^hostile-valid: Alloc: 1\.2MB, Sys: 7\.3MB, HeapAlloc: 1\.2MB, HeapInuse: 1\.9MB, PauseNs: 3ms, PauseTotalNs: 6ms, goroutines: 17, threads: 9$'
valid-dummy         | -       | dummy valid -vars=$V                   | dummy_lines "$VALID"
redirect-ok         | -       | once redirect-ok -vars=$V              | once_ok "$VALID"
auth-env            | -       | with HTTP_USER=u HTTP_PASSWORD=sekrit -- once auth -vars=requests | once_ok '^hostile-auth: requests: 42$'
auth-url            | -       | once_at "http://u:sekrit@127.0.0.1:$P/auth/debug/vars" -vars=requests | once_ok '^hostile-auth: requests: 42$'
tls-insecure        | -       | needs tls && once_at "$S/valid/debug/vars" -insecure -vars=$V | once_ok "$VALID"
nan                 | -       | once nan -vars=x,y,z,requests          | once_ok '^hostile-nan: x: NaN, y: \+Inf, z: -Inf, requests: 42$'
bignum              | -       | once bignum -vars=big,neg,max,min,huge,tiny | once_ok '^hostile-bignum: big: (1\.234567890123456[0-9]*e\+29|123456789012345[0-9]{15}(\.00)?), neg: -(1e\+20|100000000000000000000(\.00)?), max: 9223372036854775807, min: -9223372036854775808, huge: \+Inf, tiny: 0(\.00)?$'
dupkeys             | -       | once dupkeys -vars=requests,memstats.Alloc | once_ok '^hostile-dup: requests: 3, Alloc: 1234567$'
twins               | -       | once_at "$U/twin/debug/vars,$U2/twin/debug/vars" -vars=requests | status 0; names_differ
# services behind one host:port (a proxy's paths) are not told apart yet
same-port-paths     | -       | once_at "$U/valid/debug/vars,$U/redirect-ok/debug/vars,$U/reset/debug/vars,$U/close/debug/vars" -vars=requests | status 1; names_differ
pprof-valid         | -       | pprof valid heap                       | same_top tests/data/heap.pb.gz
pprof-valid-cpu     | -       | pprof valid profile -seconds=1         | same_top tests/data/cpu.pb.gz
pprof-redirect-ok   | -       | pprof redirect-ok heap                 | same_top tests/data/heap.pb.gz
# -- transport: -once -----------------------------------------------------------
endless             | -       | TMO=1s once endless                    | once_err 'timed out after 1000 ms'; secs 5
flood               | -       | once flood                             | once_err 'body over 8 MiB'
huge                | -       | once huge                              | once_err 'body over 8 MiB'
slow                | -       | TMO=1s once slow                       | once_err 'timed out after 1000 ms'
hung                | -       | TMO=1s once hung                       | once_err 'timed out after 1000 ms'
hung-one-timeout    | -       | needs native && TMO=1s once hung       | once_err 'timed out after 1000 ms'; secs 2.5
hung-200-ports      | -       | needs native && TMO=1s once_at "$HUNG" | status 1; [ "$(grep -Ec 'ERROR: (connect )?timed out after [0-9]+ ms$' "$out")" = 200 ] || bad "not 200 timeouts: $(grep -Ev 'timed out after' "$out" | head -c 200)"; secs 6
hung-body           | -       | TMO=1s once hung-body                  | once_err 'timed out after 1000 ms'
reset               | -       | once reset                             | once_err 'connection reset'
reset-body          | -       | once reset-body                        | once_err 'connection reset'
close               | -       | once close                             | once_err 'empty reply'
lying-short         | -       | once lying-short                       | once_err 'bad /debug/vars: invalid JSON at line 1, column [0-9]+: .*end of the input'
lying-long          | -       | once lying-long                        | once_err 'body cut short'
truncated-chunked   | -       | once truncated-chunked                 | once_err 'body cut short'
bad-chunk           | -       | once bad-chunk                         | once_err '.*chunked.*'
redirect-loop       | -       | once redirect-loop                     | once_err 'maximum \(5\) redirects followed'
redirect-ftp        | -       | once redirect-ftp                      | once_err 'redirect to ftp:// refused.*'
redirect-file       | -       | once redirect-file                     | once_err 'redirect to file:// refused.*'
http500             | -       | once http500                           | once_err 'HTTP 500 Internal Server Error'
http404             | -       | once http404                           | once_err 'HTTP 404 Not Found'
reason-escape       | -       | once reason-escape                     | once_err 'HTTP 503 .*Busy'
# (libcurl 7.88 calls a 1 MB header "out of memory", and cmon says so)
big-header          | -       | once big-header                        | once_err '.+'
gzip-bomb           | -       | once gzip-bomb                         | once_err 'bad /debug/vars: invalid JSON .*0x1f'
tls-self-signed     | -       | needs tls && once_at "$S/valid/debug/vars" | once_err 'TLS: .*self-signed certificate'
tls-to-plain        | -       | once_at "https://127.0.0.1:$P/valid/debug/vars" | once_err 'TLS: .*wrong version number'
plain-to-tls        | -       | needs tls && once_at "http://127.0.0.1:$T/valid/debug/vars" | once_err 'empty reply|connection reset'
tls-hung            | -       | TMO=1s once_at "https://${HUNG%%,*}/debug/vars" -insecure | once_err '(connect )?timed out after 1000 ms'
dead-1000-ports     | -       | needs native && once_at "$DEAD"        | status 1; [ "$(grep -Ec 'ERROR: (connection refused|connect timed out after 5000 ms)$' "$out")" = 1000 ] || bad "want 1000 refusals"; secs 60; rss 150
# -- content: -once -------------------------------------------------------------
nonjson             | -       | once nonjson                           | once_err "bad /debug/vars: invalid JSON at line 1, column 1: expected a value, found '<!DOCTYPE'"
empty               | -       | once empty                             | once_err 'bad /debug/vars: empty body'
nested              | -       | once nested                            | once_err 'bad /debug/vars: nested deeper than [0-9]+ at line 1, column [0-9]+'
badutf8             | -       | once badutf8                           | once_err 'bad /debug/vars: invalid JSON .*invalid UTF-8.*'
keys100k            | -       | once keys100k -vars=m.k000000,m.k099999 | once_ok '^hostile-keys: k000000: 0, k099999: 99999$'
keys100k-all        | -       | needs native && capped 5 once keys100k -vars='*' | status 0; out '^hostile-keys: m\.k000000: 0, m\.k000001: 1, '; cpu 0.3
escapes-once        | -       | once escapes -vars='*'                 | status 0; out 'pwned'; noctl
escapes-dummy       | -       | dummy escapes -vars='*'                | dummy_lines 'pwned'; noctl
# -- -dummy keeps every service's schedule whatever the others do ------------
hung-dummy          | -       | dummy hung                             | dummy_err '(connect )?timed out after 900 ms'
keys100k-dummy      | -       | dummy keys100k -vars=m.k000000,m.k099999 | dummy_lines '^hostile-keys: k000000: 0, k099999: 99999$'
dummy-together      | -       | dummy_together                         | dummy_each
# -- credentials ----------------------------------------------------------------
auth-missing        | -       | once auth                              | once_err 'HTTP 401 Unauthorized'
auth-wrong          | -       | once_at "http://u:wrong@127.0.0.1:$P/auth/debug/vars" | once_err 'HTTP 401 Unauthorized'; not_out wrong
scrub-short-secret  | -       | with HTTP_USER=x HTTP_PASSWORD=e -- once reset | once_err 'connection reset'
argv-password       | -       | argv_of "http://u:sekrit@127.0.0.1:$P/valid/debug/vars" | status 0; out 'cmon'; not_out sekrit
pprof-url-password  | -       | pprof_at "http://u:sekrit@127.0.0.1:$P/http500/debug/pprof/heap" | pprof_err 'HTTP 500'; not_out sekrit
# -- cmon pprof -------------------------------------------------------------------
pprof-flood         | -       | pprof flood heap -max_inflated=32M     | pprof_err 'exceeds .*max_inflated'; rss 100
pprof-huge          | -       | needs native && pprof huge heap -max_inflated=64M | pprof_err 'max_inflated|too (big|large)|exceeds|over'; rss 48
pprof-slow          | -       | pprof slow heap -seconds=1             | pprof_err 'timed out'; secs 12
pprof-hung-cpu      | -       | pprof hung-cpu profile -seconds=1      | pprof_err 'timed out'; secs 12
pprof-hung-sigint   | -       | interrupted 1 pprof hung heap          | killed_by INT; secs 3
pprof-reset         | -       | pprof reset                            | pprof_err 'reset'
pprof-close         | -       | pprof close                            | pprof_err 'empty reply'
pprof-lying-short   | -       | pprof lying-short                      | pprof_err 'truncated gzip'
pprof-lying-long    | -       | pprof lying-long                       | pprof_err 'transfer closed|cut short'
pprof-trunc-chunked | -       | pprof truncated-chunked                | pprof_err 'transfer closed|cut short'
pprof-redirect-loop | -       | pprof redirect-loop                    | pprof_err 'redirects'
pprof-redirect-ftp  | -       | pprof redirect-ftp                     | pprof_err 'ftp'; not_out '530|Access denied'
pprof-redirect-file | -       | pprof redirect-file                    | pprof_err 'file'
pprof-http500       | -       | pprof http500                          | pprof_err 'HTTP 500'
pprof-http404       | -       | pprof http404                          | pprof_err 'HTTP 404'
pprof-reason-escape | -       | pprof reason-escape                    | pprof_err 'HTTP 503'
pprof-big-header    | -       | pprof big-header                       | pprof_err '.'
pprof-garbage       | -       | pprof pprof-garbage                    | pprof_err 'parsing profile'
pprof-html          | -       | pprof pprof-html                       | pprof_err 'parsing profile: .*text'
pprof-gzip-trunc    | -       | pprof gzip-truncated                   | pprof_err 'truncated gzip'
pprof-gzip-bomb     | -       | pprof gzip-bomb heap -max_inflated=256M | pprof_err 'max_inflated|limit|bomb|plausible'; secs 10; rss 400
pprof-tls-self-sign | -       | needs tls && pprof_at "$S/valid/debug/pprof/heap" | pprof_err 'self-signed certificate'
pprof-tls-to-plain  | -       | pprof_at "https://127.0.0.1:$P/valid/debug/pprof/heap" | pprof_err 'wrong version number'
EOF
)

# The services of the dummy-together row, polled by one cmon -dummy: CASE |
# what its line says every poll (the healthy one included, on time).
together=$(cat <<'EOF'
valid               | ^hostile-valid: requests: 42$
hung                | ERROR: timed out after 900 ms
endless             | ERROR: timed out after 900 ms
flood               | ERROR: (body over 8 MiB|timed out after 900 ms)
slow                | ERROR: timed out after 900 ms
reset               | ERROR: connection reset
close               | ERROR: empty reply
redirect-loop       | ERROR: maximum \(5\) redirects followed
redirect-ftp        | ERROR: redirect to ftp:// refused.*
nested              | ERROR: bad /debug/vars: nested deeper .*
nonjson             | ERROR: bad /debug/vars: invalid JSON .*
http500             | ERROR: HTTP 500 Internal Server Error
reason-escape       | ERROR: HTTP 503 .*Busy
gzip-bomb           | ERROR: bad /debug/vars: invalid JSON .*
EOF
)
together_cases=() together_want=()
while IFS='|' read -r c w; do
	trim c
	trim w
	together_cases+=("$c")
	together_want+=("$w")
done <<<"$together"
# Twice dummy's time: under a loaded suite a service's every poll of the
# first five may be late (redirect-loop's five hops past 900 ms), and each
# must be seen on time once.
dummy_together() {
	local ports="" c
	for c in "${together_cases[@]}"; do ports+=${ports:+,}$U/$c/debug/vars; done
	cmd=(timeout --preserve-status -s TERM "$(awk -v d="$dummy_secs" 'BEGIN { print 2 * d }')"
	     "$cmon" -dummy -i=1s -timeout=900ms "-ports=$ports" -vars=requests)
}
# dummy_each: every poll of dummy_together prints each service's expected
# line, in order. A loaded machine may make any of them late (no answer yet,
# timed out), but each must say its own line in some poll.
dummy_each() {
	dummy_lines '.'
	local i=0 k=${#together_cases[@]} line want block=0 seen=()
	local late='ERROR: ((connect )?timed out after 900 ms|no answer yet)$'
	while IFS= read -r line; do
		if [[ $line =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}\ [0-9]{2}/[0-9]{2}$ ]]; then
			[ $block -gt 0 ] && [ $i != "$k" ] && bad "poll $block printed $i services, want $k"
			block=$((block + 1)) i=0
			continue
		fi
		want=${together_want[$i]:-^$}
		if [[ $line =~ $want ]]; then
			seen[i]=1
		elif ! [[ $line =~ $late ]]; then
			bad "poll $block, ${together_cases[$i]:-line $((i + 1))}: \"$line\" does not match /$want/"
		fi
		i=$((i + 1))
	done <"$out"
	for ((i = 0; i < k; i++)); do
		[ -n "${seen[i]:-}" ] || bad "${together_cases[$i]} never said /${together_want[$i]}/"
	done
	noctl
}

# ---- the runner ----------------------------------------------------------------
# run_row N NAME XFAIL COMMAND CHECKS: writes the row's line to $tmp/res.N
run_row() {
	local n=$1 name=$2 xfail=$3 command=$4 checks=$5
	local dir=$tmp/row.$n out=$tmp/row.$n/out err=$tmp/row.$n/err
	local cmd=() status secs cpu kb why="" rss_mb=64 max_secs=30 allow_status=-1 line skip_why=""
	mkdir -p "$dir"
	if ! eval "$command"; then
		echo "skip $name: ${skip_why:-its command failed}" >"$tmp/res.$n"
		return
	fi
	(cd "$CMON_ROOT" && /usr/bin/time -o "$dir/time" -f '%e %U %S %M' \
		timeout -s KILL "$(times_slow 40)" "${cmd[@]}" >"$out" 2>"$err" </dev/null)
	status=$?
	read -r secs u s kb < <(tail -n 1 "$dir/time")
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
	cd "$CMON_ROOT" || return
	eval "$checks"
	# what every row must hold (what the checks say first is kept)
	if grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$err"; then
		why="sanitizer: $(grep -Eh 'runtime error|Sanitizer' "$err" | head -n 1)"
	elif [ "$status" = 137 ] || [ "$status" = 124 ]; then
		why="did not end within $(times_slow 40) s"
	elif [ "$status" -gt 2 ] && [ "$status" != "$allow_status" ]; then
		why="exit status $status${why:+; $why}"
	elif [ -z "$why" ] && ! under "$secs" "$max_secs"; then
		why="took ${secs}s, want under $(times_slow "$max_secs")s"
	fi
	if [ -z "$why" ] && [ $check_rss = 1 ] && [ "${kb:-0}" -gt $((rss_mb * 1024)) ]; then
		why="peak RSS $((kb / 1024)) MB, want under $rss_mb MB"
	fi
	line="$name (${secs}s, $((kb / 1024)) MB)"
	if [ "$xfail" = - ]; then
		if [ -z "$why" ]; then line="ok $line"; else line="FAIL $name: $why"; fi
	elif [ -n "$why" ]; then
		line="xfail $name ($xfail): $why"
	else
		line="XPASS $name ($xfail): passes now; flip its XFAIL to -"
	fi
	printf '%s\n' "$line" | head -c 600 >"$tmp/res.$n"
	echo >>"$tmp/res.$n"
}

# At most HOSTILE_JOBS rows at once: a row takes a token from the fifo and
# puts it back when done (no polling: the machine may be busy enough).
mkfifo "$tmp/tokens"
exec 3<>"$tmp/tokens"
for _ in $(seq "${HOSTILE_JOBS:-6}"); do echo >&3; done
row_pids=()
n=0
while IFS='|' read -r name xfail command checks; do
	trim name
	case $name in '' | '#'*) continue ;; esac
	if [ -n "$filter" ] && ! grep -Eq -- "$filter" <<<"$name"; then
		continue
	fi
	trim xfail
	n=$((n + 1))
	read -r -u 3
	{ run_row "$n" "$name" "$xfail" "$command" "$checks"; echo >&3; } &
	row_pids+=($!)
done <<<"$table"
wait "${row_pids[@]}"
[ "${HOSTILE_VERBOSE:-0}" = 1 ] && echo "server CPU ticks: $(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")"

pass=0 failed=0 xfailed=0 skipped=0
for i in $(seq "$n"); do
	line=$(head -n 1 "$tmp/res.$i" 2>/dev/null)
	[ -n "$line" ] || line="FAIL row $i: no result"
	echo "$line"
	case $line in
	"ok "*) pass=$((pass + 1)) ;;
	"xfail "*) xfailed=$((xfailed + 1)) ;;
	"skip "*) skipped=$((skipped + 1)) ;;
	"XPASS "*) [ "${HOSTILE_XPASS_OK:-0}" = 1 ] && pass=$((pass + 1)) || failed=$((failed + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
done
echo "$pass passed, $failed failed, $xfailed expected failures, $skipped skipped"
[ "${KEEP:-0}" = 1 ] && echo "work folder kept: $tmp"
[ $failed -eq 0 ]
