#!/usr/bin/env bash
# tests/screen/prom.sh CMON_BINARY: the live screen on Prometheus services,
# in tmux against the real demo Go service's /metrics: one service shows
# the Go collector's defaults with values and sparklines (CPU as a rate);
# a fleet of both kinds (the same demo read as expvar and as Prometheus)
# shows one table, every service with values in the same columns.
# Prints "ok NAME" / "FAIL NAME: why" (with the screen); exit 0, 1
# (failures), 2 (setup) or 77 (skipped: no tmux, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-prom" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-prom || exit 2

start_demo 127.0.0.1:0 -load 1 || { echo "screen-prom: demo did not start" >&2; exit 2; }
addr=$demo_addrs
a=${addr//./\\.}

# --- one Prometheus service: the Go collector's defaults ----------------------
run_cmon one -ports="http://$addr/metrics" -i=200ms
check prom-header one "^● $a  up  every 200ms  updated [0-9]{2}:[0-9]{2}:[0-9]{2}"
check prom-alloc one "^ go_memstats_alloc_bytes +$size +$size +$size +$braille"
check prom-goroutines one "^ go_goroutines +[0-9]+ +[0-9]+ +[0-9]+ +$braille"
check prom-threads one "^ go_threads +[0-9]+ "
check prom-cpu-rate one "^ process_cpu_seconds_tot.* +[0-9.]+/s +[0-9.]+/s +[0-9.]+/s +$braille"
check_quit prom-quit one q

# --- both kinds side by side: one column per meaning ---------------------------
run_cmon mixed -ports="http://$addr/metrics,$addr" -i=200ms
check mixed-title mixed '^cmon  2 services  2 up'
check mixed-prom-row mixed "^● $a +$size +$size +$size +$size +[0-9.]+(ns|µs|ms|s) *\$"
check mixed-expvar-row mixed "^● demo +$size +$size +$size +$size +[0-9.]+(ns|µs|ms|s) *\$"
check_quit mixed-quit mixed q

if [ "$fails" -ne 0 ]; then
	echo "screen-prom: $fails failed"
	exit 1
fi
echo "screen-prom: all passed"
