#!/usr/bin/env bash
# tests/gen-fixtures.sh: (re)make the committed pprof fixtures and the
# expected outputs of the oracle, `go tool pprof`.
#
#   tests/gen-fixtures.sh              build tests/profgen, write fresh profiles
#                                      into tests/data, then the manifest and
#                                      the expected outputs into tests/golden
#   tests/gen-fixtures.sh --keep-data  keep tests/data as it is; only rewrite
#                                      tests/golden (e.g. after adding a case)
#
# Needs go (1.19 is what the fixtures were made with; another version may
# print differently). No network: profgen has no dependencies.
# The case matrix is defined below, in write_manifest; tests/lib.sh
# documents the manifest format and runs the cases.
set -eu
. "$(dirname "$0")/lib.sh"
lib_env

keep_data=no
case ${1-} in
--keep-data) keep_data=yes ;;
"") ;;
*)
	echo "usage: $0 [--keep-data]" >&2
	exit 2
	;;
esac

if ! lib_have_go; then
	echo "gen-fixtures: the go command (with go tool pprof) is required" >&2
	exit 1
fi

DATA=$CMON_ROOT/tests/data
GOLDEN=$CMON_GOLDEN
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The profiles ----------------------------------------------------------------

if [ $keep_data = no ]; then
	t0=$(lib_ms)
	lib_build_profgen "$tmp/profgen"
	t1=$(lib_ms)
	mkdir -p "$DATA"
	rm -f "$DATA"/*.pb.gz
	lib_gen_profiles "$tmp/profgen" "$DATA"
	t2=$(lib_ms)
	echo "gen-fixtures: built profgen in $(lib_secs $((t1 - t0))), wrote the profiles in $(lib_secs $((t2 - t1)))"
	ls -l "$DATA"
fi

# The case matrix -------------------------------------------------------------

# c NAME PROFILES FLAGS...: one manifest line.
c() {
	local name=$1 profiles=$2
	shift 2
	printf '%s\t%s\t%s\n' "$name" "$profiles" "$*"
}

# common PREFIX PROFILE FOCUS IGNORE HIDE SHOW PEEK LIST [TRACES_FLAG]: the
# cases every profile kind gets. The regexes must match functions of that
# profile (check the expected outputs after a change).
common() {
	local p=$1 prof=$2 focus=$3 ignore=$4 hide=$5 show=$6 peek=$7 list=$8 traces=${9-}
	c "$p.top" "$prof" -top
	c "$p.top_cum" "$prof" -top -cum
	c "$p.top_nodecount10" "$prof" -top -nodecount=10
	c "$p.top_nodefraction0" "$prof" -top -nodefraction=0
	c "$p.top_nodefraction0_1" "$prof" -top -nodefraction=0.1
	c "$p.top_functions" "$prof" -top -functions
	c "$p.top_filefunctions" "$prof" -top -filefunctions
	c "$p.top_files" "$prof" -top -files
	c "$p.top_lines" "$prof" -top -lines
	c "$p.top_addresses" "$prof" -top -addresses
	c "$p.top_focus" "$prof" -top "-focus=$focus"
	c "$p.top_ignore" "$prof" -top "-ignore=$ignore"
	c "$p.top_hide" "$prof" -top "-hide=$hide"
	c "$p.top_show" "$prof" -top "-show=$show"
	c "$p.peek" "$prof" "-peek=$peek"
	c "$p.list" "$prof" "-list=$list" -source_path=tests/profgen
	c "$p.traces" "$prof" -traces ${traces:+"$traces"}
}

# light: the same kinds of cases with smaller outputs, for the profiles that
# would otherwise add hundreds of kilobytes of near-duplicates.
light() {
	local p=$1 prof=$2 focus=$3 ignore=$4 hide=$5 show=$6 peek=$7 list=$8 traces=${9-}
	c "$p.top" "$prof" -top
	c "$p.top_cum" "$prof" -top -cum
	c "$p.top_nodecount10" "$prof" -top -nodecount=10
	c "$p.top_nodefraction0_1" "$prof" -top -nodefraction=0.1
	c "$p.top_filefunctions" "$prof" -top -filefunctions -nodecount=40
	c "$p.top_files" "$prof" -top -files
	c "$p.top_lines" "$prof" -top -lines -nodecount=40
	c "$p.top_addresses" "$prof" -top -addresses -nodecount=40
	c "$p.top_focus" "$prof" -top "-focus=$focus"
	c "$p.top_ignore" "$prof" -top "-ignore=$ignore" -nodecount=40
	c "$p.top_hide" "$prof" -top "-hide=$hide" -nodecount=40
	c "$p.top_show" "$prof" -top "-show=$show" -nodecount=40
	c "$p.peek" "$prof" "-peek=$peek"
	c "$p.list" "$prof" "-list=$list" -source_path=tests/profgen
	c "$p.traces" "$prof" -traces ${traces:+"$traces"}
}

heapish() {
	local p=$1 prof=$2
	c "$p.top_alloc_objects" "$prof" -top -sample_index=alloc_objects
	c "$p.top_alloc_space" "$prof" -top -sample_index=alloc_space
	c "$p.top_inuse_objects" "$prof" -top -sample_index=inuse_objects
	c "$p.top_inuse_space" "$prof" -top -sample_index=inuse_space
	c "$p.top_index0" "$prof" -top -sample_index=0
	c "$p.top_index3" "$prof" -top -sample_index=3 -nodecount=20
}

contention() {
	local p=$1 prof=$2
	c "$p.top_contentions" "$prof" -top -sample_index=contentions
	c "$p.top_delay" "$prof" -top -sample_index=delay
	c "$p.top_index0" "$prof" -top -sample_index=0
	c "$p.top_mean" "$prof" -top -mean
	c "$p.top_contentions_cum" "$prof" -top -cum -sample_index=contentions
}

# Labels (tags): -tags, the tag filters, -tagroot/-tagleaf, -traces with
# labels, and -base/-diff_base matching samples by stack AND labels. The
# profiles come from tests/profgen/labels.go: labels.pb.gz (CPU under
# pprof.Do), labels_heap*.pb.gz (one stack, several "bytes" labels; -top
# -base on them printed a wrong total before labels were kept for the
# merge), tagged.pb.gz (hand-encoded: several values per key, units, a key
# seen with two units).
labels_cases() {
	local L=labels.pb.gz T=tagged.pb.gz H1=labels_heap.pb.gz H2=labels_heap2.pb.gz
	c labels.tags $L -tags
	c labels.traces $L -traces
	c labels.tags_cpu cpu.pb.gz -tags
	c labels.tags_focus $L -tags '-focus=main\.handle\.func1\.1$'
	c labels.tags_heap heap.pb.gz -tags
	c labels.tags_heap_inuse_objects heap.pb.gz -tags -sample_index=inuse_objects
	c labels.tags_allocs allocs.pb.gz -tags
	c labels.tags_goroutine goroutine.pb.gz -tags
	c labels.tags_tagged $T -tags
	c labels.traces_tagged $T -traces
	c labels.top_tagged $T -top
	c labels.traces_labels_heap $H1 -traces
	# -tagfocus, -tagignore: KEY=regexes, regexes of "key:value", ranges
	c labels.tags_tagfocus $L -tags -tagfocus=user=alice
	c labels.tags_tagignore $L -tags -tagignore=stage:encode
	c labels.tags_tagfocus_tagignore $L -tags -tagfocus=handler=/api/search -tagignore=user=bob
	c labels.top_tagfocus $L -top -tagfocus=handler=upload
	c labels.top_tagfocus_all $L -top -tagfocus=user:alice,handler:/api/search
	c labels.top_tagfocus_any $L -top '-tagfocus=user=^alice$,^bob$'
	c labels.top_tagignore $L -top -tagignore=user=carol
	c labels.traces_tagfocus $L -traces -tagfocus=background_job=.
	c labels.tags_tagfocus_ge heap.pb.gz -tags -tagfocus=bytes=1kb:
	c labels.tags_tagfocus_le_nounit heap.pb.gz -tags -tagfocus=:512
	c labels.tags_tagfocus_le heap.pb.gz -tags -tagfocus=bytes=:512b
	c labels.top_tagfocus_range heap.pb.gz -top -tagfocus=2kb:8kb -nodecount=20
	c labels.top_tagfocus_range_mb $T -top -tagfocus=1mb:2mb
	c labels.tags_tagfocus_range_mixed $T -tags -tagfocus=100kb:1600kb
	c labels.tags_tagfocus_exact $T -tags -tagfocus=request=4kb
	c labels.tags_tagfocus_time $T -tags -tagfocus=duration=1s:
	c labels.tags_tagfocus_plus $T -tags -tagfocus=+400kb:
	c labels.tags_tagfocus_regex_key $T -tags '-tagfocus=key1=tag[13]' -tagignore=key2=tag2
	c labels.top_tagignore_range heap.pb.gz -top -tagignore=bytes=:4kb -nodecount=20
	c labels.tags_tagfocus_unknown_unit $T -tags -tagfocus=1kb:2xx
	# -tagshow, -taghide: which label keys stay
	c labels.tags_tagshow $L -tags -tagshow=user
	c labels.tags_taghide $L -tags '-taghide=^(user|stage)$'
	c labels.traces_tagshow $L -traces -tagshow=handler
	c labels.traces_taghide $T -traces -taghide=key
	c labels.traces_tagshow_heap heap.pb.gz -traces -tagshow=nothing '-focus=main\.build$'
	# -tagroot, -tagleaf: label values as frames
	c labels.top_tagroot $L -top -tagroot=user
	c labels.top_tagleaf $L -top -tagleaf=handler,user
	c labels.top_tagroot_numeric $T -top -tagroot=bytes,duration
	c labels.traces_tagroot $L -traces -tagroot=handler,user
	c labels.traces_tagleaf_heap heap.pb.gz -traces -tagleaf=bytes '-focus=main\.build$'
	c labels.peek_tagroot $L '-peek=^(alice|bob|carol)$' -tagroot=user
	c labels.top_tagroot_tagfocus $T -top -tagroot=key1 -tagfocus=key1=tag1
	# -base and -diff_base: samples match by stack and labels
	c labels.base_top $H2 -top -base=@DATA@/$H1
	c labels.base_top_inuse_objects $H2 -top -sample_index=inuse_objects -base=@DATA@/$H1
	c labels.base_traces $H2 -traces '-focus=main\.allocSized' -base=@DATA@/$H1
	c labels.base_tags $H2 -tags -base=@DATA@/$H1
	c labels.base_tagfocus $H2 -top -tagfocus=bytes=1kb -base=@DATA@/$H1
	c labels.diff_base_top $H2 -top -diff_base=@DATA@/$H1
	c labels.diff_base_traces $H2 -traces '-focus=main\.allocSized' -diff_base=@DATA@/$H1
	c labels.diff_base_tags $H2 -tags -diff_base=@DATA@/$H1
	c labels.merge "$H1 $H2" -top
	# errors and warnings
	c err.tagfocus_regexp $L -top '-tagfocus=user=(alice'
	c err.tagignore_regexp $L -top '-tagignore=a,(b'
	c err.tagshow_regexp $L -top '-tagshow=(user'
	c err.tagfocus_nomatch $L -top -tagfocus=user=nobody
	c err.tagignore_nomatch $L -top -tagignore=nobody
	c err.tagleaf_nomatch $L -top -tagleaf=nokey
	c err.tags_and_top $L -tags -top
}

write_manifest() {
	cat <<'EOF'
# cmon pprof differential cases: NAME<TAB>PROFILES<TAB>FLAGS
# Written by tests/gen-fixtures.sh (edit the matrix there, not here).
# PROFILES are relative to the data directory (tests/data for the committed
# fixtures); in FLAGS, @DATA@ stands for that directory. Each case runs from
# the repository root (cwd matters: -source_path=tests/profgen is relative)
# with TZ=UTC, as `go tool pprof FLAGS DATA/PROFILE...` (the oracle) and
# `cmon pprof FLAGS DATA/PROFILE...`. Expected results for the committed
# fixtures: tests/golden/NAME.txt (stdout), NAME.stderr (when not empty),
# NAME.status (when not 0). See tests/lib.sh.
# Exit statuses are those of `go tool pprof`, which turns every failure of the
# tool into 1 (the pprof binary itself exits 2). The flag list in
# "conflicting options set: [...]" comes in random order: not compared.
EOF
	local MAIN='main\.'
	# CPU: inlined mix/rotl/spin, recursion (fib, tree walks), labels.
	common cpu cpu.pb.gz 'main\.compute$' 'sort\.|crypto/' 'runtime\.' "$MAIN" \
		'main\.fib$|main\.mix$' 'main\.hashLoop$|main\.mix$|main\.rotl$|main\.fib$'
	c cpu.top_samples cpu.pb.gz -top -sample_index=samples -nodecount=30
	c cpu.top_index0 cpu.pb.gz -top -sample_index=0 -nodecount=30
	c cpu.top_focus_ignore cpu.pb.gz -top '-focus=main\.compute$' '-ignore=sort\.|sha256'
	c cpu.top_hide_nodefraction0_01 cpu.pb.gz -top '-hide=runtime\.|main\.spin$' -nodefraction=0.01
	c cpu.top_cum_nodecount5 cpu.pb.gz -top -cum -nodecount=5
	c cpu.top_lines_cum cpu.pb.gz -top -lines -cum -nodecount=40
	c cpu.text cpu.pb.gz -text
	# pprof's [binary] argument (any ELF file): it only names the program
	c cpu.top_binary cpu.pb.gz -top /bin/true
	c heap.top_binary_two heap.pb.gz -top -nodecount=10 /bin/true @DATA@/heap.pb.gz
	c cpu.top_empty_list_peek cpu.pb.gz -top -list= -peek=
	c cpu.peek_gen cpu.pb.gz '-peek=main\.f0[0-2][0-9]0$'
	c cpu.list_missing cpu.pb.gz '-list=main\.hashLoop$' -source_path=tests/nonexistent
	c cpu.list_runtime cpu.pb.gz '-list=runtime\.mallocgc$' -source_path=tests/profgen
	c cpu.list_trim cpu.pb.gz '-list=main\.\(\*tree\)\.' -source_path=tests/profgen -trim_path=cmon/profgen

	# Heap, in use at two moments, and allocs: ~2000 generated functions.
	local heapargs=('main\.build$' 'main\.f0' 'main\.keep' "$MAIN"
		'main\.build$|main\.isEven$' 'main\.build$|main\.newTree$|main\.isOdd$'
		'-focus=main\.isEven|main\.build')
	common heap heap.pb.gz "${heapargs[@]}"
	heapish heap heap.pb.gz
	light heap2 heap2.pb.gz "${heapargs[@]}"
	c heap2.top_alloc_space heap2.pb.gz -top -sample_index=alloc_space
	c heap2.top_index0 heap2.pb.gz -top -sample_index=0
	light allocs allocs.pb.gz "${heapargs[@]}"
	heapish allocs allocs.pb.gz
	c heap.top_legacy_alloc_objects heap.pb.gz -top -alloc_objects
	c heap.top_legacy_inuse_space heap.pb.gz -top -inuse_space
	c heap.top_focus_gen heap.pb.gz -top '-focus=main\.f1[0-4]' -nodecount=40
	c heap.top_hide_show heap.pb.gz -top '-show=main\.' '-hide=main\.keep'
	c heap.peek_gen heap.pb.gz '-peek=main\.f01[0-4][0-9]$'
	c heap.list_gen heap.pb.gz '-list=main\.f00[0-2][0-9]$' -source_path=tests/profgen
	c heap.list_trim heap.pb.gz '-list=main\.build$' -source_path=tests/profgen -trim_path=cmon/profgen
	c heap.list_missing heap.pb.gz '-list=main\.build$' -source_path=tests/nonexistent
	c heap.traces_gen heap.pb.gz -traces '-focus=main\.f000[0-9]$'
	# -traces names files as the profile has them: cleaned, never trimmed.
	c cpu.traces_lines cpu.pb.gz -traces -lines
	c cpu.traces_lines_source cpu.pb.gz -traces -lines -source_path=tests/profgen
	# Two heap profiles: difference, comparison, merge.
	c heap.base heap2.pb.gz -top -base=@DATA@/heap.pb.gz
	c heap.base_cum heap2.pb.gz -top -cum -nodecount=50 -base=@DATA@/heap.pb.gz
	c heap.base_drop_negative heap2.pb.gz -top -drop_negative -nodecount=30 -base=@DATA@/heap.pb.gz
	c heap.base_inuse_objects heap2.pb.gz -top -sample_index=inuse_objects -nodecount=50 -base=@DATA@/heap.pb.gz
	c heap.base_alloc_space heap2.pb.gz -top -sample_index=alloc_space -base=@DATA@/heap.pb.gz
	c heap.base_reverse heap.pb.gz -top -nodecount=50 -base=@DATA@/heap2.pb.gz
	c heap.base_traces heap2.pb.gz -traces '-focus=main\.build$' -base=@DATA@/heap.pb.gz
	c heap.diff_base heap2.pb.gz -top -diff_base=@DATA@/heap.pb.gz
	c heap.diff_base_cum heap2.pb.gz -top -cum -nodecount=50 -diff_base=@DATA@/heap.pb.gz
	c heap.diff_base_traces heap2.pb.gz -traces '-focus=main\.build$' -diff_base=@DATA@/heap.pb.gz
	c heap.merge 'heap.pb.gz heap2.pb.gz' -top
	c heap.merge_alloc_objects 'heap.pb.gz heap2.pb.gz' -top -sample_index=alloc_objects
	c heap.merge_same 'heap.pb.gz heap.pb.gz' -top -nodecount=20

	# What /debug/pprof/heap?seconds=1 returns: a delta, values may be < 0
	# (the tree built by main.build is freed during that second).
	light heap_delta heap_delta.pb.gz 'main\.walks$' 'compress/' 'runtime\.' "$MAIN" \
		'main\.walks$' 'main\.walks$|main\.build$' '-focus=main\.build$'
	c heap_delta.top_nodefraction0 heap_delta.pb.gz -top -nodefraction=0 '-focus=main\.build$'
	heapish heap_delta heap_delta.pb.gz

	# Goroutines parked in different stacks, with labels; deep recursion.
	common goroutine goroutine.pb.gz 'main\.park' 'main\.parkDeep' 'runtime\.' "$MAIN" \
		'runtime\.gopark$' 'main\.park'
	c goroutine.top_focus_ignore goroutine.pb.gz -top '-focus=main\.park' '-ignore=parkDeep|parkLocked'

	# threadcreate: most samples have an empty stack.
	common threadcreate threadcreate.pb.gz 'runtime\.main$' 'runtime\.main$' 'runtime\.allocm$' \
		'runtime\.(main|newm)$' 'runtime\.newm$' 'runtime\.main$'

	# Block and mutex contention.
	common block block.pb.gz 'main\.\(\*account\)' 'sync\.' 'runtime\.' "$MAIN" \
		'sync\.\(\*Mutex\)\.Lock$' 'main\.audit$|main\.consumer$'
	contention block block.pb.gz
	common mutex mutex.pb.gz 'main\.\(\*account\)' 'sync\.\(\*RWMutex\)' 'sync\.' "$MAIN" \
		'sync\.\(\*Mutex\)\.Unlock$' 'main\.audit$|main\.writeTable$'
	contention mutex mutex.pb.gz

	# Values at the ends of int64 (tests/profgen/extreme.go): pprof's sums,
	# products, float conversions and -base's Scale(-1) wrap or round; cmon
	# must print the same, without signed overflow (run under UBSan too).
	local X=extreme.pb.gz
	c extreme.top $X -top
	c extreme.top_cpu $X -top -sample_index=cpu
	c extreme.top_cum_cpu $X -top -cum -sample_index=cpu
	c extreme.top_mean $X -top -mean -sample_index=cpu
	c extreme.top_fraction_huge $X -top -nodefraction=1e30 -edgefraction=1e30
	c extreme.peek $X '-peek=main\.'
	c extreme.peek_cpu $X '-peek=main\.' -sample_index=cpu
	c extreme.traces $X -traces
	c extreme.list $X '-list=main\.' -sample_index=cpu -source_path=tests/nonexistent
	c extreme.merge "$X $X" -top -sample_index=cpu
	c extreme.base $X -top -base=@DATA@/$X
	c extreme.base_cpu $X -top -sample_index=cpu -base=@DATA@/$X
	c extreme.base_traces $X -traces -base=@DATA@/$X
	c extreme.diff_base $X -top -diff_base=@DATA@/$X
	c extreme.diff_base_peek $X '-peek=.' -sample_index=cpu -diff_base=@DATA@/$X

	# Errors and warnings: exit status and stderr.
	c err.list_nomatch heap.pb.gz -list=nomatch_xyz -source_path=tests/profgen
	c err.peek_nomatch heap.pb.gz -peek=nomatch_xyz
	c err.focus_nomatch heap.pb.gz -top -focus=nomatch_xyz
	c err.bad_regexp heap.pb.gz -top '-focus=main\.(build'
	c err.sample_index_name heap.pb.gz -top -sample_index=bogus
	c err.sample_index_range heap.pb.gz -top -sample_index=9
	c err.sample_index_cpu cpu.pb.gz -top -sample_index=alloc_space
	c err.granularity_conflict heap.pb.gz -top -lines -files
	c err.missing_profile nonexistent.pb.gz -top
	c err.unknown_flag heap.pb.gz -top -nodecnt=3

	# Go regex semantics (goregex on PCRE2): scoped and mid-pattern flags,
	# case folding, POSIX and Unicode classes, \Q..\E, anchors, word
	# boundaries, and Go's own refusals. (Our names are ASCII: the Unicode
	# cases are in tests/unit/test_goregex.c, from a table Go wrote.)
	c regex.focus_icase cpu.pb.gz -top '-focus=(?i)MAIN\.SORTWORK'
	c regex.focus_scoped cpu.pb.gz -top '-focus=(?i:MAIN)\.sortWork$|(?i:main\.FIB)'
	c regex.focus_scoped_case cpu.pb.gz -top '-focus=(?i:MAIN)\.SORTWORK'
	c regex.focus_midflag_case cpu.pb.gz -top '-focus=MAIN\.(?i)fib'
	c regex.ignore_midflag cpu.pb.gz -top '-ignore=runtime\.(?i)MALLOCGC|(?i:SORT\.)'
	c regex.ignore_scoped_case cpu.pb.gz -top '-ignore=(?i:RUNTIME)\.Mallocgc|^(?i:S)ORT\.'
	c regex.hide_posix cpu.pb.gz -top '-hide=^runtime\.[[:lower:]]+$'
	c regex.show_unicode cpu.pb.gz -top '-show=^\p{Ll}+\.\p{Ll}\w*$'
	c regex.peek_quote heap.pb.gz '-peek=\Qmain.f03\E[0-9]{2}$'
	c regex.peek_anchor cpu.pb.gz '-peek=\Amain\.(?:fib|spin)\z'
	c regex.list_icase cpu.pb.gz '-list=(?i)^MAIN\.HASHLOOP$' -source_path=tests/profgen
	c regex.traces_word cpu.pb.gz -traces '-focus=\bfib\b'
	c regex.focus_ungreedy heap.pb.gz -top '-focus=(?U)^main\.f0+1.$' -nodecount=10
	c err.regex_lookahead heap.pb.gz -top '-focus=main(?=\.build)'
	c err.regex_backref heap.pb.gz '-list=(main)\1'
	c err.regex_range heap.pb.gz '-peek=[z-a]'
	c err.regex_unicode_class cpu.pb.gz -top '-ignore=\p{Greek'
	c err.regex_possessive cpu.pb.gz -top '-hide=main.*+'
	c err.regex_unknown_class cpu.pb.gz -top '-focus=\p{Foo}'
	c err.regex_flags cpu.pb.gz -top '-focus=(?i-)main'
	# Graph reports: -dot, -callgrind, -call_tree, -compact_labels (issue 11,
	# graphrep). Only cases where go tool pprof's own output is the same from
	# run to run: it orders equal call-tree nodes, and edges of opposite
	# weights in a diff, at random (tests/e2e/graph_output.sh compares those
	# up to node numbering).
	c cpu.dot cpu.pb.gz -dot
	c cpu.dot_focus_hide cpu.pb.gz -dot '-focus=main\.' '-hide=runtime\.'
	c cpu.dot_ignore_show cpu.pb.gz -dot '-ignore=sort\.' '-show=main\.'
	c cpu.dot_compact_labels cpu.pb.gz -dot -compact_labels
	c cpu.top_compact_labels cpu.pb.gz -top -compact_labels
	c heap.peek_compact_labels heap.pb.gz '-peek=main\.build$' -compact_labels
	c cpu.dot_nodecount15 cpu.pb.gz -dot -nodecount=15
	c cpu.dot_lines cpu.pb.gz -dot -lines -nodecount=30
	c cpu.dot_addresses cpu.pb.gz -dot -addresses -nodecount=30
	c cpu.dot_untrimmed cpu.pb.gz -dot -nodefraction=0 -edgefraction=0 -nodecount=0
	c heap.dot heap.pb.gz -dot
	c heap.dot_nodecount10 heap.pb.gz -dot -nodecount=10
	c heap.dot_files heap.pb.gz -dot -files
	c allocs.dot_objects allocs.pb.gz -dot -sample_index=alloc_objects
	c block.dot_mean block.pb.gz -dot -mean
	c mutex.dot mutex.pb.gz -dot
	c goroutine.dot goroutine.pb.gz -dot
	c threadcreate.dot_call_tree threadcreate.pb.gz -dot -call_tree
	c heap.dot_diff_base heap2.pb.gz -dot -diff_base=@DATA@/heap.pb.gz -nodecount=20
	c extreme.dot extreme.pb.gz -dot
	c cpu.callgrind cpu.pb.gz -callgrind
	c cpu.callgrind_lines_cum cpu.pb.gz -callgrind -lines -cum
	c heap.callgrind_objects heap.pb.gz -callgrind -sample_index=inuse_objects '-focus=main\.keep|main\.newTree'
	c allocs.callgrind_focus allocs.pb.gz -callgrind '-focus=main\.build'
	c block.callgrind_mean block.pb.gz -callgrind -mean
	c threadcreate.callgrind_call_tree threadcreate.pb.gz -callgrind -call_tree
	c extreme.callgrind extreme.pb.gz -callgrind
	disasm_cases
	labels_cases
	textrep_cases
	# foreign profiles (corpus): see foreign_cases below
	foreign_cases
	legacy_cases
	options_cases
}

# -disasm: go tool pprof reads the binary a profile's mapping names with
# Go's own tools (cmd/pprof's objTool). The committed cpu.pb.gz names a
# profgen binary that is gone, so the golden files hold pprof's "open ...:
# no such file or directory" (on stdout) and its "no matches" error;
# oracle-diff's fresh cpu.pb.gz names its live profgen binary, so there the
# annotated assembly itself is compared. tests/e2e/pprof_disasm.sh covers
# the BINARY argument, hostile binaries and a missing go command.
disasm_cases() {
	c cpu.disasm_fib cpu.pb.gz '-disasm=main\.fib'
	c cpu.disasm_several cpu.pb.gz '-disasm=main\.(sortWork|hashLoop|compute)'
	c cpu.disasm_lines_cum cpu.pb.gz '-disasm=main\.sortWork' -lines -cum
	c cpu.disasm_focus cpu.pb.gz '-disasm=main\.(compute|sortWork)' '-focus=main\.sortWork'
	c cpu.disasm_tools cpu.pb.gz '-disasm=main\.fib' -tools=/nonexistent
	c cpu.disasm_samples cpu.pb.gz '-disasm=runtime\.memmove' -sample_index=samples
	c err.disasm_intel cpu.pb.gz '-disasm=main\.fib' -intel_syntax
	c err.disasm_nomatch cpu.pb.gz -disasm=nomatch_xyz
}

# -tree, -raw, -comments, -add_comment, -relative_percentages. (-proto and
# -topproto are binary: tests/e2e/pprof_proto.sh decodes them.)
textrep_cases() {
	c cpu.tree cpu.pb.gz -tree
	c cpu.tree_nodecount10 cpu.pb.gz -tree -nodecount=10
	c cpu.tree_focus cpu.pb.gz -tree '-focus=main\.compute$'
	c cpu.tree_lines cpu.pb.gz -tree -lines -nodecount=30
	c cpu.tree_relative_focus cpu.pb.gz -tree -relative_percentages '-focus=main\.fib$'
	c heap.tree heap.pb.gz -tree
	c heap.tree_cum heap.pb.gz -tree -cum -nodecount=40
	# Diffs: pprof orders a node's edges of equal size and opposite signs
	# at random (Go's map order into an unstable sort), which real diffs
	# meet; the hand-made extreme profile's diff has no such tie.
	c extreme.tree_diff_base extreme.pb.gz -tree -sample_index=cpu -diff_base=@DATA@/extreme.pb.gz
	c goroutine.tree goroutine.pb.gz -tree
	c block.tree_mean block.pb.gz -tree -mean
	c mutex.tree mutex.pb.gz -tree -sample_index=contentions
	c extreme.tree extreme.pb.gz -tree -sample_index=cpu
	# -relative_percentages: the total is what the filters keep
	c cpu.peek_relative_focus cpu.pb.gz '-peek=main\.fib$' -relative_percentages '-focus=main\.fib$'
	c heap.peek_relative_ignore heap.pb.gz '-peek=main\.build$' -relative_percentages '-ignore=main\.keep'
	c heap.top_relative_focus heap.pb.gz -top -relative_percentages '-focus=main\.build$'
	c cpu.top_relative_show cpu.pb.gz -top -relative_percentages '-show=main\.'
	c threadcreate.top_relative threadcreate.pb.gz -top -relative_percentages
	c heap.top_relative_base heap2.pb.gz -top -nodecount=20 -relative_percentages '-focus=main\.build$' -base=@DATA@/heap.pb.gz
	# -raw: the profile after pprof's pipeline, with Merge's ids
	local k
	for k in cpu heap heap_delta goroutine threadcreate block mutex extreme; do
		c "$k.raw" "$k.pb.gz" -raw
	done
	c heap.raw_base heap2.pb.gz -raw -base=@DATA@/heap.pb.gz
	c extreme.raw_diff_base extreme.pb.gz -raw -diff_base=@DATA@/extreme.pb.gz
	c goroutine.raw_diff_base goroutine.pb.gz -raw -diff_base=@DATA@/goroutine.pb.gz
	c block.raw_merge 'block.pb.gz mutex.pb.gz' -raw
	c cpu.raw_focus cpu.pb.gz -raw '-focus=main\.compute$' '-ignore=sha256'
	c cpu.raw_hide_show cpu.pb.gz -raw '-hide=runtime\.' '-show=main\.|sort\.'
	c cpu.raw_lines cpu.pb.gz -raw -lines -nodecount=3
	c threadcreate.raw_show threadcreate.pb.gz -raw '-show=runtime\.main$'
	# labels: string ones, numeric ones with and without units, several a key
	c labels.raw labels.pb.gz -raw
	c labels.raw_tagged tagged.pb.gz -raw
	c labels.raw_heap_diff_base labels_heap2.pb.gz -raw -diff_base=@DATA@/labels_heap.pb.gz
	# comments: kept once by the merge, '#' ones hidden from report headers
	c cpu.comments cpu.pb.gz -comments
	c cpu.comments_add cpu.pb.gz -comments -add_comment=#hidden
	c cpu.top_add_comment cpu.pb.gz -top -nodecount=5 -add_comment=a_comment
	c cpu.top_add_comment_hidden cpu.pb.gz -top -nodecount=5 -add_comment=#hidden
	c goroutine.raw_add_comment goroutine.pb.gz -raw -add_comment=x
	c heap.tree_add_comment heap.pb.gz -tree -nodecount=5 -add_comment=x
	c err.two_formats cpu.pb.gz -tree -raw
}

# fx PREFIX PROFILE PEEK: the reports every foreign profile gets.
fx() {
	local p=$1 prof=$2 peek=$3
	shift 3
	c "$p.top" "$prof" -top "$@"
	c "$p.top_cum" "$prof" -top -cum "$@"
	c "$p.top_lines" "$prof" -top -lines -nodecount=40 "$@"
	c "$p.top_files" "$prof" -top -files "$@"
	c "$p.peek" "$prof" "-peek=$peek" "$@"
}

# Foreign profiles (tests/data/foreign/README.md): pprof's own test data,
# the profiles its driver tests build in code, go test -cpuprofile and
# -memprofile of standard packages, Go code with labels and generics.
foreign_cases() {
	local F=foreign
	# internal/driver/driver_test.go's builders (tests/pprofgen): inlined
	# frames, labels, comments, drop_frames, a profile without functions.
	local d
	for d in cpu cpu_demangled contention; do
		fx "foreign.driver_$d" $F/driver_$d.pb.gz '.'
		c "foreign.driver_$d.traces" $F/driver_$d.pb.gz -traces
		c "foreign.driver_$d.list" $F/driver_$d.pb.gz '-list=.' -source_path=tests/data/foreign
		c "foreign.driver_$d.top_focus_hide" $F/driver_$d.pb.gz -top -focus=3000 -hide=2001
	done
	c foreign.driver_cpu.top_addresses $F/driver_cpu.pb.gz -top -addresses
	c foreign.driver_cpu.top_samples $F/driver_cpu.pb.gz -top -sample_index=samples
	c foreign.driver_contention.top_mean $F/driver_contention.pb.gz -top -mean
	for d in heap heap_demangled heap_alloc heap_tags; do
		fx "foreign.driver_$d" $F/driver_$d.pb.gz '.'
		c "foreign.driver_$d.traces" $F/driver_$d.pb.gz -traces
		c "foreign.driver_$d.list" $F/driver_$d.pb.gz '-list=.' -source_path=tests/data/foreign
	done
	c foreign.driver_heap.top_index0 $F/driver_heap.pb.gz -top -sample_index=0
	c foreign.driver_heap_alloc.top_alloc_objects $F/driver_heap_alloc.pb.gz -top -alloc_objects
	fx foreign.driver_cpusmall $F/driver_cpusmall.pb.gz '.'
	c foreign.driver_cpusmall.top_addresses $F/driver_cpusmall.pb.gz -top -addresses
	c foreign.driver_cpusmall.traces $F/driver_cpusmall.pb.gz -traces

	# Go with pprof labels (pprof.Do) and generics: main.Sum[...],
	# main.(*Stack[...]).Push.
	local L=$F/labels_cpu.pb.gz H=$F/labels_heap.pb.gz
	fx foreign.labels_cpu $L 'main\.Sum\[|main\.\(\*Stack'
	c foreign.labels_cpu.traces $L -traces '-focus=main\.\(\*Stack'
	c foreign.labels_cpu.list $L '-list=main\.(Sum|Map)' -source_path=tests/pprofgen -trim_path=cmon/pprofgen
	c foreign.labels_cpu.top_focus_hide $L -top '-focus=main\.stackWork' '-hide=runtime\.'
	fx foreign.labels_heap $H 'main\.Map'
	c foreign.labels_heap.traces $H -traces
	c foreign.labels_heap.list $H '-list=main\.\(\*Stack\[\.\.\.\]\)\.Push' -source_path=tests/pprofgen -trim_path=cmon/pprofgen
	c foreign.labels_heap.top_inuse $H -top -sample_index=inuse_space

	# go test -cpuprofile / -memprofile of standard packages; -list reads
	# the sources from GOROOT, as the profiles name them.
	local pkg path
	for pkg in sort strings regexp json; do
		path=$pkg
		[ $pkg = json ] && path=encoding/json
		fx "foreign.gotest_${pkg}_cpu" $F/gotest_${pkg}_cpu.pb.gz "^${path}\\.[A-Z]"
		fx "foreign.gotest_${pkg}_mem" $F/gotest_${pkg}_mem.pb.gz '\.Benchmark'
		c "foreign.gotest_${pkg}_mem.traces" $F/gotest_${pkg}_mem.pb.gz -traces '-focus=\.Benchmark'
		c "foreign.gotest_${pkg}_cpu.top_focus_hide" $F/gotest_${pkg}_cpu.pb.gz -top "-focus=^${path}\\." '-hide=^runtime\.' -nodecount=30
	done
	c foreign.gotest_sort_cpu.list $F/gotest_sort_cpu.pb.gz '-list=^sort\.insertionSort$'
	c foreign.gotest_sort_cpu.traces $F/gotest_sort_cpu.pb.gz -traces '-focus=^sort\.heapSort$|BenchmarkSortString1K$'
	c foreign.gotest_strings_cpu.list $F/gotest_strings_cpu.pb.gz '-list=^strings\.Index$'
	c foreign.gotest_regexp_cpu.list $F/gotest_regexp_cpu.pb.gz '-list=^regexp\.\(\*Regexp\)\.doOnePass$'
	c foreign.gotest_json_cpu.list $F/gotest_json_cpu.pb.gz '-list=^encoding/json\.checkValid$'
	c foreign.gotest_json_mem.list $F/gotest_json_mem.pb.gz '-list=^encoding/json\.Unmarshal$'

	# pprof's testdata. Its mappings name binaries that are not here, so
	# go tool pprof tries them and says so on stderr: -symbolize=none (or
	# a profile with has_functions) keeps that out of the comparison.
	local S=$F/pprof_sample.cpu N='-symbolize=none'
	fx foreign.pprof_sample $S 'main\.busyLoop$' $N
	c foreign.pprof_sample.traces $S -traces $N
	c foreign.pprof_sample.top_addresses $S -top -addresses $N
	c foreign.pprof_sample.list $S '-list=main\.busyLoop$' $N -source_path=tests/data/foreign/pprof_src \
		-trim_path=/usr/local/google/home/sanjay/go/src/github.com/google/pprof/internal/report/testdata/sample
	c foreign.pprof_sample.top_focus_hide $S -top '-focus=busyLoop' '-hide=^runtime\.add$' $N
	c foreign.pprof_cppbench.top $F/pprof_cppbench.cpu_no_samples_type -top $N
	c foreign.pprof_cppbench.traces $F/pprof_cppbench.cpu_no_samples_type -traces $N
	c foreign.pprof_cppbench.top_addresses $F/pprof_cppbench.cpu_no_samples_type -top -addresses -nodecount=30 $N
	c foreign.pprof_nomappings.top $F/pprof_go.nomappings.crash -top $N
	c foreign.pprof_nomappings.traces $F/pprof_go.nomappings.crash -traces $N

	# Names: C++ (mangled, (anonymous namespace), templates, operators,
	# clones, already demangled) and Java; pprof demangles a function whose
	# Name is empty or its SystemName (-symbolize picks how, or not at all).
	local C=$F/cpp.pb.gz J=$F/java.pb.gz LN=$F/driver_long_name_funcs.pb.gz
	for d in cpp java; do
		fx "foreign.$d" $F/$d.pb.gz '.'
		c "foreign.$d.traces" $F/$d.pb.gz -traces
		c "foreign.$d.list" $F/$d.pb.gz '-list=.' -source_path=tests/nonexistent
		c "foreign.$d.top_symbolize_none" $F/$d.pb.gz -top -symbolize=none
		# A demangle= mode (or force) makes go tool pprof look for the
		# binaries again, and say on stderr that they are not here:
		# "remote" (no local binaries) keeps it quiet.
		c "foreign.$d.top_demangle_full" $F/$d.pb.gz -top -symbolize=remote:demangle=full
		c "foreign.$d.top_demangle_templates" $F/$d.pb.gz -top -symbolize=remote:demangle=templates
		c "foreign.$d.top_demangle_none" $F/$d.pb.gz -top -symbolize=remote:demangle=none
		c "foreign.$d.top_force" $F/$d.pb.gz -top -symbolize=remote:force
	done
	c foreign.cpp.top_filefunctions $C -top -filefunctions
	c foreign.cpp.top_focus_hide $C -top -focus=Parser -hide=vector
	c foreign.cpp.peek_operator $C '-peek=operator'
	c foreign.cpp.traces_full $C -traces -symbolize=remote:demangle=full
	c foreign.cpp.list_full $C '-list=Bar' -source_path=tests/nonexistent -symbolize=remote:demangle=full
	c foreign.java.top_focus $J -top -focus=HashMap
	fx foreign.driver_long_name_funcs $LN '.'
	c foreign.driver_long_name_funcs.traces $LN -traces
	c foreign.driver_long_name_funcs.top_symbolize_none $LN -top -symbolize=none
}

# Legacy profiles (issue 11): pprof's own testdata (C++ and Java, text and
# the legacy binary CPU format) and what a Go service serves at
# /debug/pprof/KIND?debug=1, all in tests/data/foreign. Their locations have
# addresses and no names: -addresses shows them; stderr has pprof's notes
# on symbolization ("Main binary filename not available.", ...).
legacy_cases() {
	local F=foreign f
	for f in cppbench.contention cppbench.cpu cppbench.growth cppbench.heap cppbench.thread \
		cppbench.thread.all cppbench.thread.none go.crc32.cpu go.godoc.thread gobench.cpu \
		gobench.heap java.contention java.cpu java.heap go_goroutine.debug1.txt \
		go_heap.debug1.txt go_allocs.debug1.txt go_mutex.debug1.txt go_block.debug1.txt; do
		c "legacy.$f.top" $F/$f -top
		c "legacy.$f.traces" $F/$f -traces
		c "legacy.$f.peek" $F/$f '-peek=.' -nodecount=8
	done
	for f in cppbench.cpu cppbench.heap cppbench.contention cppbench.thread go.crc32.cpu \
		go_goroutine.debug1.txt go_heap.debug1.txt go_mutex.debug1.txt; do
		c "legacy.$f.top_addresses" $F/$f -top -addresses -nodecount=25
	done
	c legacy.cppbench.cpu.traces_addresses $F/cppbench.cpu -traces -addresses '-focus=.' -nodecount=5
	c legacy.go_goroutine.debug1.txt.traces_addresses $F/go_goroutine.debug1.txt -traces -addresses
	c legacy.java.heap.peek_names $F/java.heap '-peek=function00[0-4]$'
	c legacy.java.cpu.top_cum $F/java.cpu -top -cum -nodecount=12
	c legacy.java.contention.top_mean $F/java.contention -top -mean
	c legacy.go_heap.debug1.txt.top_objects $F/go_heap.debug1.txt -top -sample_index=objects -addresses -nodecount=10
	c legacy.go_block.debug1.txt.top_contentions $F/go_block.debug1.txt -top -sample_index=contentions -addresses -nodecount=10
	c legacy.base_cppbench_heap $F/cppbench.heap -top -base=@DATA@/$F/cppbench.growth
	# What pprof refuses: goroutine?debug=2 (no legacy format) and Go's
	# threadcreate?debug=1 when a sample has no stack ("9 @").
	c err.legacy_goroutine_debug2 $F/go_goroutine.debug2.txt -top
	c err.legacy_threadcreate_debug1 $F/go_threadcreate.debug1.txt -top
}

# Options (issue 11): -unit, -noinlines, -divide_by, -normalize, -trim,
# -show_from, -prune_from, -symbolize, -buildid, and their errors.
options_cases() {
	c opt.cpu_top_unit_ms cpu.pb.gz -top -unit=ms
	c opt.cpu_top_unit_s cpu.pb.gz -top -unit=s -nodecount=15
	c opt.cpu_top_unit_auto cpu.pb.gz -top -unit=auto -nodecount=15
	c opt.cpu_top_unit_minimum cpu.pb.gz -top -unit=minimum -nodecount=15
	c opt.cpu_top_unit_bytes cpu.pb.gz -top -unit=mb -nodecount=10
	c opt.cpu_list_unit_us cpu.pb.gz '-list=main\.hashLoop$' -unit=us -source_path=tests/profgen
	c opt.cpu_traces_unit_ms cpu.pb.gz -traces -unit=ms '-focus=main\.fib$'
	c opt.heap_top_unit_kb heap.pb.gz -top -unit=kb -nodecount=20
	c opt.heap_top_unit_mb heap.pb.gz -top -unit=MB -nodecount=20
	c opt.heap_top_unit_bogus heap.pb.gz -top -unit=bogus -nodecount=10
	c opt.heap_list_unit_kb heap.pb.gz '-list=main\.build$' -unit=kb -source_path=tests/profgen
	c opt.heap_peek_unit_mb heap.pb.gz '-peek=main\.build$' -unit=mb
	c opt.heap_top_objects_unit_kb heap.pb.gz -top -inuse_objects -unit=kb -nodecount=10
	c opt.block_top_unit_ms block.pb.gz -top -unit=ms
	c opt.cpu_top_noinlines cpu.pb.gz -top -noinlines
	c opt.cpu_top_noinlines_lines cpu.pb.gz -top -noinlines -lines -nodecount=40
	c opt.cpu_top_noinlines_addresses cpu.pb.gz -top -noinlines -addresses -nodecount=40
	c opt.cpu_list_noinlines cpu.pb.gz '-list=main\.(compute|hashLoop)$' -noinlines -source_path=tests/profgen
	c opt.cpu_peek_noinlines cpu.pb.gz '-peek=main\.(compute|hashLoop|mix)$' -noinlines
	c opt.cpu_traces_noinlines cpu.pb.gz -traces -noinlines '-focus=main\.compute$'
	c opt.cpu_top_divide_by cpu.pb.gz -top -divide_by=10
	c opt.heap_top_divide_by heap.pb.gz -top -divide_by=3 -nodecount=20
	c opt.heap_list_divide_by heap.pb.gz '-list=main\.build$' -divide_by=10 -source_path=tests/profgen
	c opt.heap_traces_divide_by heap.pb.gz -traces -divide_by=10 '-focus=main\.f000[0-9]$'
	c opt.heap_peek_divide_by heap.pb.gz '-peek=main\.build$' -divide_by=0.5
	c opt.heap_top_divide_by_negative heap.pb.gz -top -divide_by=-2 -nodecount=10
	c opt.heap_top_normalize heap2.pb.gz -top -normalize -base=@DATA@/heap.pb.gz
	c opt.heap_top_normalize_diff_base heap2.pb.gz -top -normalize -diff_base=@DATA@/heap.pb.gz
	c opt.heap_top_normalize_alloc heap2.pb.gz -top -normalize -sample_index=alloc_space -base=@DATA@/heap.pb.gz
	c opt.heap_top_trim_false heap.pb.gz -top -trim=false
	c opt.cpu_top_trim_false cpu.pb.gz -top -trim=false -nodecount=5
	c opt.cpu_peek_trim_false cpu.pb.gz '-peek=main\.compute$' -trim=false
	c opt.cpu_top_show_from cpu.pb.gz -top '-show_from=main\.compute$'
	c opt.cpu_traces_show_from cpu.pb.gz -traces '-show_from=main\.fib$'
	c opt.heap_top_show_from heap.pb.gz -top '-show_from=main\.build$'
	c opt.heap_peek_show_from heap.pb.gz '-peek=main\.build$' '-show_from=main\.build$'
	c opt.goroutine_top_show_from goroutine.pb.gz -top '-show_from=main\.park'
	c opt.cpu_top_prune_from cpu.pb.gz -top '-prune_from=main\.hashLoop$'
	c opt.cpu_traces_prune_from cpu.pb.gz -traces '-prune_from=runtime\.'
	c opt.cpu_peek_prune_from cpu.pb.gz '-peek=main\.compute$' '-prune_from=main\.compute$'
	c opt.heap_top_prune_from heap.pb.gz -top '-prune_from=main\.build$'
	c opt.heap_traces_prune_from heap.pb.gz -traces '-prune_from=main\.f00'
	c opt.mutex_peek_prune_from mutex.pb.gz '-peek=main\.' '-prune_from=sync\.'
	c opt.cpu_top_symbolize_none cpu.pb.gz -top -symbolize=none -nodecount=5
	c opt.cpu_top_symbolize_local cpu.pb.gz -top -symbolize=local -nodecount=5
	c opt.cpu_top_symbolize_remote cpu.pb.gz -top -symbolize=remote:demangle=full -nodecount=5
	c opt.heap_top_buildid heap.pb.gz -top -buildid=0123abcd -nodecount=5
	c opt.heap_top_buildid_arg heap.pb.gz -top -nodecount=5 0123abcd @DATA@/heap.pb.gz
	c opt.heap_top_tools_intel heap.pb.gz -top -nodecount=5 -tools=/nonexistent -intel_syntax
	c err.opt_symbolize_bogus heap.pb.gz -top -symbolize=bogus -nodecount=5
	c err.opt_symbolize_two_bogus heap.pb.gz -top -symbolize=local:bogus:x -nodecount=5
	c err.opt_divide_by_zero heap.pb.gz -top -divide_by=0
	c err.opt_normalize_no_base heap.pb.gz -top -normalize
	c err.opt_show_from_bad heap.pb.gz -top '-show_from=main\.(build'
	c err.opt_prune_from_bad heap.pb.gz -top '-prune_from=main\.(build'
	c err.opt_show_from_nomatch heap.pb.gz -top -show_from=nomatch_xyz
	c err.opt_no_browser heap.pb.gz -top -no_browser
	c err.opt_divide_by_text heap.pb.gz -top -divide_by=ten
	c err.opt_trim_text heap.pb.gz -top -trim=maybe
}

write_manifest >"$tmp/cases.txt"
mkdir -p "$GOLDEN"
# Drop the expected files of cases that no longer exist.
find "$GOLDEN" -maxdepth 1 -type f \( -name '*.txt' -o -name '*.stderr' -o -name '*.status' \) -delete
cp "$tmp/cases.txt" "$CMON_MANIFEST"

# The expected outputs --------------------------------------------------------

t0=$(lib_ms)
n=0
# Data paths are given relative to the root, as tests/golden/run-golden.sh does.
while IFS=$'\t' read -r name profiles flags; do
	lib_run_case tests/data "$tmp/out" "$name" "$profiles" "$flags" go tool pprof
	lib_save_expected "$tmp/out" "$GOLDEN" "$name"
	n=$((n + 1))
	if [ -s "$GOLDEN/$name.status" ]; then
		echo "gen-fixtures: $name: exit status $(cat "$GOLDEN/$name.status"): $(head -c 200 "$GOLDEN/$name.stderr")"
	fi
done < <(lib_cases)
t1=$(lib_ms)
echo "gen-fixtures: ran $n cases in $(lib_secs $((t1 - t0)))"
du -sh "$DATA" "$GOLDEN"
