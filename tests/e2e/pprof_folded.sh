#!/usr/bin/env bash
# tests/e2e/pprof_folded.sh CMON: `cmon pprof -folded`, the collapsed-stack
# format (pprof has none, so the oracle is -top and the format's readers):
# - for every sample type of every committed fixture (tests/data/*.pb.gz,
#   tests/data/foreign/*), the numbers of all lines add up to -top's Total
#   (read with -unit set to the sample type's own unit, so it is exact);
# - every line parses as flamegraph.pl parses it (its two regexes, run by
#   perl; flamegraph.pl itself too when it is on PATH);
# - exact output of a few cases (tests/e2e/folded/NAME.txt): filters, tags,
#   granularity, -mean, a -base difference, names carrying ';' and newlines.
set -uo pipefail
cmon=$1
cd "$(dirname "$0")/../.."
export TZ=UTC LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmon-folded.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0 failn=0 skipn=0
ok() { pass=$((pass + 1)); }
fail() { echo "FAIL $1: $2"; failn=$((failn + 1)); }

# The sum of the numbers after the stack (one column, or two in a diff).
folded_sum() {
	awk '{ n = split($0, f, " "); s += f[n]; if (NF > 2 && f[n-1] ~ /^[0-9]+$/) s += f[n-1] }
	     END { printf "%.0f\n", s }' "$1"
}

# flamegraph.pl's line parser (stackcollapse output, differential or not):
# a line it would ignore, or a negative count, is a failure.
flamegraph_parse() {
	perl -ne '
		chomp; my $l = $_;
		my ($stack, $n) = ($l =~ /^(.*)\s+?(\d+(?:\.\d*)?)$/);
		if (!defined $n) { print "unparsed: $l\n"; next }
		if ($stack =~ /^(.*)\s+?(\d+(?:\.\d*)?)$/) { $stack = $1 }
		print "empty stack: $l\n" if $stack eq "";
	' "$1"
}

# ---- totals: every sample type of every fixture ----
checked=0
for f in tests/data/*.pb.gz tests/data/foreign/*; do
	[ -f "$f" ] || continue
	# extreme.pb.gz's values overflow int64 on purpose (pprof's sums wrap):
	# its exact output is a golden case below
	case $f in *.md | */extreme.pb.gz) continue ;; esac
	"$cmon" pprof -raw "$f" >"$tmp/raw" 2>/dev/null || continue # not a profile (pprof agrees)
	types=$(awk '/^Samples:/ { getline; print; exit }' "$tmp/raw")
	i=0
	for t in $types; do
		unit=${t#*/}
		"$cmon" pprof -top -unit="$unit" -sample_index=$i "$f" >"$tmp/top" 2>/dev/null
		total=$(sed -n 's/^Showing nodes accounting for .* of \(-\{0,1\}[0-9][0-9.e+]*\)[^ ]* total$/\1/p' "$tmp/top")
		if ! "$cmon" pprof -folded -sample_index=$i "$f" >"$tmp/folded" 2>"$tmp/err"; then
			fail "total $f #$i" "-folded failed: $(head -c 200 "$tmp/err")"
		elif [ -z "$total" ]; then
			fail "total $f #$i" "no total in -top -unit=$unit: $(grep -m1 Showing "$tmp/top")"
		else
			sum=$(folded_sum "$tmp/folded")
			bad=$(flamegraph_parse "$tmp/folded" | head -3)
			if [ "$sum" != "$total" ]; then
				fail "total $f #$i ($t)" "folded sums to $sum, -top's total is $total"
			elif [ -n "$bad" ]; then
				fail "parse $f #$i" "$bad"
			else
				ok
			fi
			checked=$((checked + 1))
		fi
		i=$((i + 1))
	done
done
[ $checked -ge 100 ] || fail "totals" "only $checked sample types checked (fixtures missing?)"
echo "totals: $checked sample types"

# ---- a frame name with ';' and a newline cannot break a line ----
python3 - "$tmp/names.pb.gz" <<'EOF'
import os, sys
sys.path.insert(0, os.path.join("tests", "hostile"))
import gen
strings = list(gen.STRINGS)
strings[gen.S["main.leaf"]] = "main.a;b\nc\rd"
with open(sys.argv[1], "wb") as f:
    f.write(gen.valid(string_table=strings))
EOF
"$cmon" pprof -folded "$tmp/names.pb.gz" >"$tmp/names" 2>&1
if grep -q 'main\.a?b?c?d' "$tmp/names" && [ -z "$(flamegraph_parse "$tmp/names")" ] &&
	[ "$(folded_sum "$tmp/names")" = "$("$cmon" pprof -top -unit=nanoseconds "$tmp/names.pb.gz" |
		sed -n 's/.* of \([0-9]*\)ns total$/\1/p')" ]; then
	ok
else
	fail "names" "$(head -c 300 "$tmp/names")"
fi

# ---- exact output ----
golden() { # NAME FLAGS... PROFILE...
	local name=$1
	shift
	"$cmon" pprof -folded "$@" >"$tmp/$name" 2>/dev/null
	if [ "${CMON_UPDATE_GOLDEN-}" = 1 ]; then
		cp "$tmp/$name" "tests/e2e/folded/$name.txt"
	fi
	if cmp -s "$tmp/$name" "tests/e2e/folded/$name.txt"; then
		ok
	else
		fail "golden $name" "$(diff "tests/e2e/folded/$name.txt" "$tmp/$name" | head -10)"
	fi
}
golden tagged tests/data/tagged.pb.gz
golden tagged_lines -lines tests/data/tagged.pb.gz
golden labels_tagfocus -tagfocus=user=alice tests/data/labels.pb.gz
golden labels_focus_hide -focus=main -hide=runtime tests/data/labels.pb.gz
golden block_mean -mean -sample_index=delay tests/data/block.pb.gz
golden heap_base -sample_index=inuse_space -base=tests/data/labels_heap.pb.gz tests/data/labels_heap2.pb.gz
golden extreme tests/data/extreme.pb.gz

# ---- a real consumer, when Debian has one installed ----
if command -v flamegraph.pl >/dev/null; then
	"$cmon" pprof -folded tests/data/cpu.pb.gz | flamegraph.pl >"$tmp/fg.svg" 2>"$tmp/fg.err"
	if grep -q '<svg' "$tmp/fg.svg" && ! grep -q Ignored "$tmp/fg.err"; then ok; else fail flamegraph.pl "$(head -3 "$tmp/fg.err")"; fi
else
	echo "skip flamegraph.pl: not installed (no Debian package has it)"
	skipn=$((skipn + 1))
fi

echo "pprof-folded: $pass passed, $failn failed, $skipn skipped"
[ $failn = 0 ]
