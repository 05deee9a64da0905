#!/usr/bin/env bash
# tests/e2e/prom.sh CMON_BINARY: the monitor reading Prometheus endpoints.
# A real Prometheus server (Debian's prometheus, scripts/deps.sh installs
# it) on loopback, with a temporary config and storage, scraping itself:
#   - -once on its /metrics: the Go collector's defaults, go_threads equal
#     to a curl of /metrics taken around it, goroutines and heap near it;
#   - -vars with a label matcher (a rate near the requests it serves) and
#     a histogram quantile (prometheus_http_request_duration_seconds);
#   - an entry without a path: /debug/vars answers 404, /metrics is read;
# and the demo service's /metrics (text format and OpenMetrics): the rate
# of demo_requests_total near the load it is under, counted by its expvar
# requests; a fleet of both kinds in one table; a body that does not read.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures), 2 (setup) or
# 77 (skipped: prometheus cannot be installed, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8

cmon=$(lib_cmon_binary "prom" "$@") || exit 2
if ! command -v prometheus >/dev/null; then
	echo "prom: skipped: prometheus is not installed (scripts/deps.sh installs Debian's package)" >&2
	exit 77
fi
lib_demo_needs_go prom || exit 77
lib_demo_sandbox prom || exit 2

fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# free_port: a port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_prometheus: on a free loopback port, scraping itself every second;
# sets prom (host:port). Tries three ports (another may take the first).
start_prometheus() {
	mkdir -p "$tmp/tsdb"
	for _ in 1 2 3; do
		local port
		port=$(free_port)
		cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
		prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
			--web.listen-address="127.0.0.1:$port" >"$tmp/prometheus.log" 2>&1 &
		pids+=("$!")
		for _ in $(seq 100); do
			if curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
				prom=127.0.0.1:$port
				return 0
			fi
			lib_running "${pids[-1]}" || break
			sleep 0.1
		done
		kill "${pids[-1]}" 2>/dev/null
	done
	return 1
}

# metric URL NAME: NAME's value (no labels) in a curl of URL.
metric() {
	curl -sf "$1" | awk -v n="$2" '$1 == n { printf "%.0f\n", $2 }'
}

# field LINE LABEL: the value after "LABEL: " in a -once line.
field() {
	local rest=${1#*"$2: "}
	[ "$rest" = "$1" ] && return 1
	printf '%s\n' "${rest%%,*}"
}

start_prometheus || { echo "prom: prometheus did not start: $(tail -n 3 "$tmp/prometheus.log")" >&2; exit 2; }
url=http://$prom/metrics
sleep 1.5 # a few scrapes, so that its request counters move

# --- -once on a real Prometheus server: the defaults ------------------------
out=$("$cmon" -once -ports="$url" 2>"$tmp/err"); st=$?
line=$(printf '%s\n' "$out" | sed -n 2p)
if [ $st = 0 ] && [[ $line =~ ^127\.0\.0\.1:[0-9]+:\ go_memstats_alloc_bytes:\ [0-9.]+[KMG]?B,\ go_memstats_sys_bytes:\ [0-9.]+[KMG]?B,\ go_gc_duration_seconds\{quantile=\"1\"\}:\ [0-9.]+(ns|µs|ms|s),\ go_goroutines:\ [0-9]+,\ go_threads:\ [0-9]+,\ process_cpu_seconds_total:\ N/A$ ]]; then
	ok prom-once-defaults
else
	fail prom-once-defaults "status $st, line: $line $(cat "$tmp/err")"
fi

# the values against curls of /metrics taken around the poll
threads0=$(metric "$url" go_threads) gor0=$(metric "$url" go_goroutines) alloc0=$(metric "$url" go_memstats_alloc_bytes)
out=$("$cmon" -once -ports="$url" -vars=go_goroutines,go_threads,go_memstats_alloc_bytes 2>&1); st=$?
threads1=$(metric "$url" go_threads) gor1=$(metric "$url" go_goroutines) alloc1=$(metric "$url" go_memstats_alloc_bytes)
line=$(printf '%s\n' "$out" | sed -n 2p)
g=$(field "$line" go_goroutines) t=$(field "$line" go_threads) a=$(field "$line" go_memstats_alloc_bytes)
lo=$((gor0 < gor1 ? gor0 : gor1)) hi=$((gor0 > gor1 ? gor0 : gor1))
alo=$((alloc0 < alloc1 ? alloc0 : alloc1)) ahi=$((alloc0 > alloc1 ? alloc0 : alloc1))
if [ $st = 0 ] && [ -n "$t" ] && { [ "$t" = "$threads0" ] || [ "$t" = "$threads1" ]; } &&
	[ -n "$g" ] && [ "$g" -ge $((lo - 3)) ] && [ "$g" -le $((hi + 3)) ] &&
	[ -n "$a" ] && [ "$a" -ge $((alo / 2)) ] && [ "$a" -le $((ahi * 2)) ]; then
	ok prom-values-match-curl
else
	fail prom-values-match-curl "status $st: $line; curl: threads $threads0/$threads1 goroutines $gor0/$gor1 alloc $alloc0/$alloc1"
fi

# a typo'd metric is named with the nearest one, and -once exits 1
out=$("$cmon" -once -ports="$url" -vars=go_gorutines 2>"$tmp/typo.err"); st=$?
if [ $st = 1 ] && [ "$(cat "$tmp/typo.err")" = "cmon: no var go_gorutines on any service; did you mean go_goroutines?" ]; then
	ok prom-var-typo
else
	fail prom-var-typo "status $st: $out $(cat "$tmp/typo.err")"
fi

# --- label matchers, rates, a histogram quantile -------------------------------
# Prometheus scrapes itself every second and cmon polls every 500ms: its
# /metrics handler serves about 3 requests a second.
"$cmon" -dummy -i=500ms -ports="$url" \
	-vars='prometheus_http_requests_total{handler="/metrics",code=~"2.."},p99:prometheus_http_request_duration_seconds{handler="/metrics"},p50:dur:prometheus_http_request_duration_seconds,raw:prometheus_http_requests_total{handler!="/metrics"}[0],|process_cpu_seconds_total' \
	>"$tmp/dummy" 2>"$tmp/dummy.err" &
dpid=$!
pids+=("$dpid")
sleep 3.2
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
last=$(grep '^127' "$tmp/dummy" | tail -n 1)
rate=$(field "$last" 'prometheus_http_requests_total{handler="/metrics",code=~"2.."}')
p99=$(field "$last" 'p99:prometheus_http_request_duration_seconds{handler="/metrics"}')
p50=$(field "$last" 'p50:prometheus_http_request_duration_seconds')
if [[ $rate =~ ^[0-9.]+/s$ ]] && awk -v r="${rate%/s}" 'BEGIN { exit !(r >= 1.5 && r <= 6) }'; then
	ok prom-matcher-rate
else
	fail prom-matcher-rate "rate \"$rate\" not about 3/s: $last"
fi
# every bucket of the /metrics handler is <= 0.1 s: the quantile is in (0, 0.1]
if [[ $p99 =~ ^[0-9.]+$ ]] && awk -v q="$p99" 'BEGIN { exit !(q > 0 && q <= 0.1) }' &&
	[[ $p50 =~ ^[0-9.]+(ns|µs|ms)$ ]]; then
	ok prom-histogram-quantile
else
	fail prom-histogram-quantile "p99 \"$p99\", p50 \"$p50\": $last"
fi
# raw: a count, not a rate (the readiness checks above made /-/ready's)
if [[ $(field "$last" 'prometheus_http_requests_total{handler!="/metrics"}[0]') =~ ^[0-9]+$ ]]; then
	ok prom-raw-pick
else
	fail prom-raw-pick "$last"
fi
if [[ $(field "$last" process_cpu_seconds_total) =~ ^[0-9.]+/s$ ]] && [ ! -s "$tmp/dummy.err" ]; then
	ok prom-cpu-rate
else
	fail prom-cpu-rate "$last $(cat "$tmp/dummy.err")"
fi

# --- an entry without a path: /debug/vars is 404, /metrics answers --------------
out=$("$cmon" -once -ports="$prom" 2>&1); st=$?
line=$(printf '%s\n' "$out" | sed -n 2p)
if [ $st = 0 ] && [[ $line =~ ^127\.0\.0\.1:[0-9]+:\ Alloc:\ [0-9.]+[KMG]?B,\ Sys:\ .*,\ PauseNs:\ [0-9.]+(ns|µs|ms|s),\ PauseTotalNs:\ .*,\ goroutines:\ [0-9]+,\ threads:\ [0-9]+$ ]]; then
	ok prom-fallback-from-404
else
	fail prom-fallback-from-404 "status $st: $out"
fi

# --- the demo's /metrics ------------------------------------------------------
lib_start_demo 127.0.0.1:0 -load 2 || { echo "prom: demo did not start" >&2; exit 2; }
demo=$demo_addr
sleep 1
# its expvar requests over the same window as cmon's rates
req0=$(curl -sf "http://$demo/debug/vars" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
t0=$(lib_ms)
"$cmon" -dummy -i=1s -ports="http://$demo/metrics,$demo" \
	-vars='demo_requests_total{code="200"},requests|demo_requests_total,p90:dur:demo_request_duration_seconds,dur:demo_request_latency_seconds{quantile="0.5"},@goroutines' \
	>"$tmp/demo.dummy" 2>&1 &
dpid=$!
pids+=("$dpid")
sleep 5.3
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
req1=$(curl -sf "http://$demo/debug/vars" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
t1=$(lib_ms)
load=$(awk -v a="$req0" -v b="$req1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", (b - a) * 1000 / (t1 - t0) }')
# the mean of cmon's rates after the first poll
mean=$(grep '^127' "$tmp/demo.dummy" | sed -n 's/.*demo_requests_total{code="200"}: \([0-9.]*\)\/s.*/\1/p' |
	awk '{ s += $1; n++ } END { if (n) printf "%.2f", s / n }')
if [ -n "$mean" ] && awk -v m="$mean" -v l="$load" 'BEGIN { exit !(l > 0 && m > l * 0.6 && m < l * 1.4) }'; then
	ok prom-demo-rate-near-load
else
	fail prom-demo-rate-near-load "cmon's mean rate \"$mean\", expvar's $load/s: $(tail -n 2 "$tmp/demo.dummy")"
fi
# both kinds of service in one table: one column per meaning
dlast=$(grep '^127' "$tmp/demo.dummy" | tail -n 1) elast=$(grep '^demo' "$tmp/demo.dummy" | tail -n 1)
if [[ $(field "$dlast" requests) =~ ^[0-9.]+/s$ ]] && [[ $(field "$elast" requests) =~ ^[0-9.]+/s$ ]] &&
	[[ $(field "$dlast" goroutines) =~ ^[0-9]+$ ]] && [[ $(field "$elast" goroutines) =~ ^[0-9]+$ ]] &&
	[[ $(field "$dlast" 'p90:demo_request_duration_seconds') =~ ^[0-9.]+(µs|ms|s)$ ]] &&
	[[ $(field "$dlast" 'demo_request_latency_seconds{quantile="0.5"}') =~ ^[0-9.]+(µs|ms|s)$ ]] &&
	[[ $(field "$elast" 'p90:demo_request_duration_seconds') == N/A ]]; then
	ok prom-mixed-fleet
else
	fail prom-mixed-fleet "$dlast / $elast"
fi
# OpenMetrics: the counter's family is demo_requests
out=$("$cmon" -once -ports="http://$demo/metrics?format=openmetrics" -vars='raw:demo_requests,go_threads' 2>&1); st=$?
if [ $st = 0 ] && [[ $(printf '%s\n' "$out" | sed -n 2p) =~ :\ demo_requests:\ [0-9]+,\ go_threads:\ [0-9]+$ ]]; then
	ok prom-openmetrics
else
	fail prom-openmetrics "status $st: $out"
fi

# --- a body that does not read -------------------------------------------------
python3 - "$tmp/badport" >/dev/null 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/bad/metrics":
            self.send_error(404)
            return
        body = b'# TYPE x gauge\nx{a="1} 2\n'
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
pids+=("$!")
for _ in $(seq 100); do [ -s "$tmp/badport" ] && break; sleep 0.05; done
bad=127.0.0.1:$(cat "$tmp/badport")
out=$("$cmon" -once -ports="http://$bad/bad/metrics" 2>&1); st=$?
if [ $st = 1 ] && [[ $(printf '%s\n' "$out" | sed -n 2p) == *": ERROR: bad /metrics: line 2: label value not closed" ]]; then
	ok prom-bad-body
else
	fail prom-bad-body "status $st: $out"
fi
# a service with neither endpoint keeps the expvar endpoint's 404
out=$("$cmon" -once -ports="$bad" 2>&1); st=$?
if [ $st = 1 ] && [[ $(printf '%s\n' "$out" | sed -n 2p) == *": ERROR: HTTP 404 Not Found" ]]; then
	ok prom-no-metrics-either
else
	fail prom-no-metrics-either "status $st: $out"
fi

[ "$fails" = 0 ]
