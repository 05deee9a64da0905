#!/usr/bin/env bash
# tests/screen/fleet.sh CMON_BINARY: finding the hot service among many on
# the several-services screen, in tmux against real demo services: ten on
# 127.0.0.1 (eight idle ones in one process, one lightly loaded), one hot
# on 127.0.0.2 (Linux answers on all of 127/8), so two hosts. Checks the
# search (/ then Esc: nothing hidden, n jumps), the heat map (c), the
# totals row (t) against the rows shown, the headings per host (H), the
# zoom over every service with five named, and the help in 30 rows.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1, 2 (setup) or 77.
set -u
. "$(dirname "$0")/../lib.sh"
lib_env

cmon=$(lib_cmon_binary "screen-fleet" "$@") || exit 2
. "$(dirname "$0")/lib.sh" screen-fleet || exit 2

start_demo 127.0.0.1:0 -services 8 || { echo "screen-fleet: idle demos did not start" >&2; exit 2; }
idle=$demo_addrs
start_demo 127.0.0.1:0 -load 1 -load-interval 50ms || { echo "screen-fleet: warm demo did not start" >&2; exit 2; }
warm=$demo_addrs
if ! start_demo 127.0.0.2:0 -load 1; then
	echo "screen-fleet: SKIP: cannot listen on 127.0.0.2"
	exit 77
fi
hot=$demo_addrs
hot_port=${hot##*:}
warm_port=${warm##*:}

# The table's service rows (mark, name, numbers), as "name requests".
table() { screen fleet | sed -n '3,/per service/p' | grep -E '^(●|✖|↻|…) '; }
# The value under the requests column of line REGEX.
requests_of() { screen fleet | grep -E -m 1 -- "$1" | awk '{print $'"${2:-3}"'}'; }

run_cmon fleet -ports="$idle,$warm,$hot" -i=300ms -timeout=5s -vars='requests,mem:memstats.Alloc,@goroutines'
check fleet-two-hosts fleet '^cmon  10 services on 2 hosts  10 up'
check fleet-host-heading-1 fleet '^127\.0\.0\.1 +[0-9]+ '
check fleet-host-heading-2 fleet '^127\.0\.0\.2 +[0-9]+ '
check fleet-totals-row fleet '^  sum of 10 +[0-9]+ +[0-9.]+[KMG]?B +[0-9]+'
# the hot host's heading totals its one service
wait_for fleet "^● demo:$hot_port +[1-9]" >/dev/null
cap=$(screen fleet)
h=$(printf '%s\n' "$cap" | grep -m 1 '^127\.0\.0\.2 ' | awk '{print $2}')
r=$(printf '%s\n' "$cap" | grep -m 1 "^● demo:$hot_port " | awk '{print $3}')
if [ -n "$h" ] && [ "$h" = "$r" ]; then ok fleet-host-total; else fail fleet-host-total "heading '$h', row '$r'" fleet; fi

# the totals over the rows a filter shows: the warm and the hot one
T send-keys -t fleet / ":($warm_port|$hot_port)\$" Enter
check fleet-filtered fleet '^cmon  2 of 10 services on 2 hosts'
for _ in 1 2 3 4 5; do # one capture is one frame: the counters grow between
	cap=$(screen fleet)
	total=$(printf '%s\n' "$cap" | grep -m 1 '^  sum of 2 ' | awk '{print $4}')
	rows=$(printf '%s\n' "$cap" | grep -E '^● demo:' | awk '{s += $3} END {print s}')
	[ -n "$total" ] && [ "$total" = "$rows" ] && [ "$total" -gt 0 ] && break
done
if [ -n "$total" ] && [ "$total" = "$rows" ] && [ "$total" -gt 0 ]; then
	ok fleet-total-is-sum
else
	fail fleet-total-is-sum "totals '$total', rows sum to '$rows'" fleet
fi
# t: gauges' mean, then max, then sum again; the label says which
T send-keys -t fleet t
check fleet-totals-mean fleet '^  mean of 2 '
T send-keys -t fleet t
check fleet-totals-max fleet '^  max of 2 '
cap=$(screen fleet)
mx=$(printf '%s\n' "$cap" | grep -m 1 '^  max of 2 ' | awk '{print $4}')
big=$(printf '%s\n' "$cap" | grep -E '^● demo:' | awk '$3 > m {m = $3} END {print m}')
if [ -n "$mx" ] && [ "$mx" -ge "$big" ]; then ok fleet-totals-max-value; else fail fleet-totals-max-value "max '$mx', rows' highest '$big'" fleet; fi
T send-keys -t fleet t
check fleet-totals-sum-again fleet '^  sum of 2 '
T send-keys -t fleet / C-u Enter
check fleet-unfiltered fleet '^cmon  10 services on 2 hosts'

# H: one table without headings, and back
T send-keys -t fleet H
check fleet-ungrouped fleet '^cmon  10 services  10 up'
if wait_gone fleet '^127\.0\.0\.[12] '; then ok fleet-no-headings; else fail fleet-no-headings "headings left" fleet; fi
T send-keys -t fleet H
check fleet-regrouped fleet '^127\.0\.0\.2 '

# the heat map: the hot service's requests cell in heat4 (white on red
# in the default theme); c turns every shade off
hot_cell="demo:$hot_port( |${esc}\\[[0-9;]*m)*${esc}\\[41m"
heat_on() { screen_sgr fleet | grep -q -E -- "$hot_cell"; }
for _ in $(seq 30); do heat_on && break; sleep 0.1; done
if heat_on; then ok fleet-heat-hot-cell; else fail fleet-heat-hot-cell "no red cell beside demo:$hot_port" fleet; fi
T send-keys -t fleet c
for _ in $(seq 30); do heat_on || break; sleep 0.1; done
if ! heat_on && ! screen_sgr fleet | grep -q "${esc}\[4[13]m"; then ok fleet-heat-off; else fail fleet-heat-off "still shaded" fleet; fi
T send-keys -t fleet c

# the search: / then Esc hides nothing, marks, and n jumps to the match
T send-keys -t fleet / ":$hot_port\$" Escape
check fleet-search-header fleet "^cmon  10 services on 2 hosts  /:$hot_port\\\$/ 1 match "
if [ "$(table | wc -l)" = 10 ]; then ok fleet-search-hides-nothing; else fail fleet-search-hides-nothing "not 10 rows" fleet; fi
T send-keys -t fleet g n
check fleet-n-footer fleet "^/:$hot_port\\\$/: match 1 of 1 \\(n N\\)"
T send-keys -t fleet Enter
check fleet-n-selected fleet "^● demo:$hot_port  up"
T send-keys -t fleet Escape g
T send-keys -t fleet / C-u ":$warm_port\$|:$hot_port\$" Escape
check fleet-search-two fleet "/ 2 matches "
# from the last row (the hot one, the second match): N goes back to the
# first, N again round the top to the second, n round the end to the first
T send-keys -t fleet G N
check fleet-N-back fleet ': match 1 of 2 \(n N\)'
T send-keys -t fleet N
check fleet-N-wraps fleet ': match 2 of 2 \(n N\)'
T send-keys -t fleet n
check fleet-n-wraps fleet ': match 1 of 2 \(n N\)'

# the zoom over every service: one graph, the five highest named
T send-keys -t fleet Enter
check fleet-zoom fleet '^ requests  now '
legend="━ demo:[0-9]+ +[0-9]+ *\$"
if wait_for fleet "$legend" && [ "$(screen fleet | grep -c -E -- "$legend")" = 5 ]; then
	ok fleet-zoom-five-labels
else
	fail fleet-zoom-five-labels "not five legend lines" fleet
fi
if screen fleet | grep -m 1 -E -- "$legend" | grep -q "demo:$hot_port "; then
	ok fleet-zoom-hot-first
else
	fail fleet-zoom-hot-first "demo:$hot_port not the first label" fleet
fi
if [ "$(screen fleet | grep -c -E "$braille")" -ge 20 ]; then ok fleet-zoom-tall; else fail fleet-zoom-tall "no tall graph" fleet; fi
T send-keys -t fleet Escape
check fleet-zoom-back fleet '^  sum of 10 '

# the help fits 30 rows with the new keys
T send-keys -t fleet '?'
check fleet-help fleet '^  c t H +table: c heat map'
if screen fleet | grep -q 'make the terminal taller'; then
	fail fleet-help-fits "help cut at 30 rows" fleet
else
	ok fleet-help-fits
fi
check fleet-help-search fleet '^  / n N +a regex'
T send-keys -t fleet x
check_quit fleet-quit fleet q

exit $((fails > 0))
