# tests/lib.sh: shell functions shared by tests/gen-fixtures.sh,
# tests/diff/run-oracle-diff.sh and tests/golden/run-golden.sh.
# Source it from bash:  . "$(dirname "$0")/../lib.sh"
#
# Case manifest (tests/golden/cases.txt): one case a line, '#' lines are
# comments, three tab-separated columns:
#
#   NAME <TAB> PROFILES <TAB> FLAGS
#
# NAME is unique and is also the base name of the expected files;
# PROFILES are space-separated paths relative to the data directory
# (tests/data for the committed fixtures); FLAGS are space-separated
# arguments passed verbatim (no quoting; a flag never contains a space),
# where the token @DATA@ stands for the data directory (for -base=...).
# A case runs, from the repository root and with TZ=UTC, as
#
#   go tool pprof FLAGS DATA/PROFILE...        (the oracle)
#   $CMON_BINARY pprof FLAGS DATA/PROFILE...   (cmon)
#
# Expected results, in tests/golden/: NAME.txt is the exact stdout (always
# present, maybe empty); NAME.stderr, only when stderr was not empty;
# NAME.status, only when the exit status was not 0 (then it holds it, e.g. 1).

# lib_root: the repository root (the parent of tests/).
lib_root() {
	(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
}

CMON_ROOT=$(lib_root)
CMON_MANIFEST=$CMON_ROOT/tests/golden/cases.txt
CMON_GOLDEN=$CMON_ROOT/tests/golden

# A fixed, quiet environment for every run: UTC for the Time: header; the
# pprof tool must not pick up binaries or settings from the user's home.
lib_env() {
	export TZ=UTC LC_ALL=C
	export PPROF_BINARY_PATH=/nonexistent PPROF_TOOLS=/nonexistent
	export PPROF_TMPDIR=${TMPDIR:-/tmp}
	# Under a -Db_sanitize=undefined build, a report ends cmon with an
	# error, so the comparison fails instead of passing with a warning.
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
	# profgen and demo have no dependencies: never touch the network.
	export GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on
	# go needs a build cache; give it one when the environment has no home.
	if [ -z "${GOCACHE-}" ] && [ -z "${XDG_CACHE_HOME-}" ] && [ -z "${HOME-}" ]; then
		export GOCACHE=${TMPDIR:-/tmp}/cmon-gocache
	fi
}

# lib_ms: milliseconds since the epoch; lib_secs MS: "12.3s".
lib_ms() { date +%s%3N; }
# lib_is_asan BINARY: true when BINARY was built with AddressSanitizer.
# (grep reads all of nm's output: with grep -q, nm would die of SIGPIPE and
# pipefail would turn a match into a failure.)
lib_is_asan() {
	grep -q __asan_init < <(nm -D "$1" 2>/dev/null; nm "$1" 2>/dev/null)
}
lib_secs() { printf '%d.%ds' $(($1 / 1000)) $(($1 % 1000 / 100)); }

# lib_have_go: succeeds when the go command (and its pprof) can be used.
# lib_cmon_binary SCRIPT_NAME ARGS...: the one argument, CMON_BINARY, as an
# absolute path to an executable; prints usage or the problem and fails
# otherwise.
lib_cmon_binary() {
	local me=$1; shift
	if [ $# -ne 1 ]; then
		echo "usage: $me CMON_BINARY" >&2
		return 2
	fi
	local cmon=$1
	case $cmon in
	/*) ;;
	*/*) cmon=$PWD/$cmon ;;
	*) cmon=$(command -v "$cmon") || { echo "$me: $1: not found" >&2; return 2; } ;;
	esac
	if [ ! -x "$cmon" ]; then
		echo "$me: $cmon: not an executable file" >&2
		return 2
	fi
	echo "$cmon"
}

lib_have_go() {
	command -v go >/dev/null 2>&1 && go tool -n pprof >/dev/null 2>&1
}

# lib_demo_needs_go NAME: fails, saying the test is skipped, when there is
# no go command to build the demo service. Use: lib_demo_needs_go e2e || exit 77
lib_demo_needs_go() {
	command -v go >/dev/null 2>&1 && return 0
	echo "$1: SKIP: no go command to build the demo service"
	return 1
}

# lib_build_profgen BIN: build tests/profgen into the file BIN. -trimpath
# makes the file names in the profiles read cmon/profgen/main.go, whatever
# the checkout's location.
lib_build_profgen() {
	(cd "$CMON_ROOT/tests/profgen" && go build -trimpath -o "$1" .)
}

# lib_gen_profiles BIN DIR [ARGS...]: write every fixture profile into DIR.
lib_gen_profiles() {
	local bin=$1 dir=$2
	shift 2
	mkdir -p "$dir" && "$bin" -out "$dir" "$@"
}

# lib_cases [MANIFEST]: print the manifest's case lines (no comments, no
# blank lines).
lib_cases() {
	grep -v -e '^#' -e '^[[:space:]]*$' "${1:-$CMON_MANIFEST}"
}

# lib_run_case DATA OUT NAME PROFILES FLAGS CMD...: run one case with the
# command CMD... (e.g. "go tool pprof" or "$CMON_BINARY pprof") from the
# repository root, writing OUT.stdout, OUT.stderr and OUT.status.
lib_run_case() {
	local data=$1 out=$2 name=$3 profiles=$4 flags=$5
	shift 5
	local -a args=() f
	local p a
	# Split on spaces only, without globbing: regexes stay as written.
	set -f
	IFS=' ' read -r -a f <<<"$flags"
	for a in "${f[@]}"; do
		args+=("${a//@DATA@/$data}")
	done
	IFS=' ' read -r -a f <<<"$profiles"
	for p in "${f[@]}"; do
		args+=("$data/$p")
	done
	set +f
	local status=0
	(cd "$CMON_ROOT" && TZ=UTC "$@" "${args[@]}") >"$out.stdout" 2>"$out.stderr" </dev/null || status=$?
	echo "$status" >"$out.status"
}

# lib_save_expected OUT DIR NAME: turn lib_run_case's OUT.* into the golden
# files DIR/NAME.txt (+ .stderr, .status when not empty / not zero).
lib_save_expected() {
	local out=$1 dir=$2 name=$3
	cp "$out.stdout" "$dir/$name.txt"
	rm -f "$dir/$name.stderr" "$dir/$name.status"
	if [ -s "$out.stderr" ]; then
		cp "$out.stderr" "$dir/$name.stderr"
	fi
	if [ "$(cat "$out.status")" != 0 ]; then
		cp "$out.status" "$dir/$name.status"
	fi
}

# lib_compare NAME EXP_STDOUT EXP_STATUS EXP_STDERR ACT: compare cmon's
# result ACT.{stdout,status,stderr} with the expected stdout file, exit
# status (a number) and stderr file (may be missing or empty). stdout and the
# status must be identical; the first line of a non-empty expected stderr
# (what went wrong; pprof's later lines such as "failed to fetch any source
# profiles" only repeat it) must appear, as is, somewhere in cmon's stderr
# (a prefix such as "cmon pprof: " is allowed), except that the flag list of
# "conflicting options set: [...]" is not compared. Prints
# "ok NAME" or "FAIL NAME" and the start of a unified diff; returns 1 on
# failure.
lib_compare() {
	local name=$1 exp_out=$2 exp_status=$3 exp_err=$4 act=$5
	local act_status why=""
	act_status=$(cat "$act.status")
	if ! cmp -s "$exp_out" "$act.stdout"; then
		why="stdout differs"
	fi
	if [ "$exp_status" != "$act_status" ]; then
		why="${why:+$why; }exit status $act_status, want $exp_status"
	fi
	if [ -n "$exp_err" ] && [ -s "$exp_err" ]; then
		local want got
		# pprof lists conflicting flags in map order, which varies from run
		# to run: only the message before the list is compared.
		want=$(head -n 1 "$exp_err" | sed 's/^\(conflicting options set:\) \[.*\]$/\1/')
		got=$(cat "$act.stderr")
		case $got in
		*"$want"*) ;;
		*) why="${why:+$why; }stderr lacks the expected message" ;;
		esac
	fi
	if [ -z "$why" ]; then
		echo "ok $name"
		return 0
	fi
	echo "FAIL $name: $why"
	if ! cmp -s "$exp_out" "$act.stdout"; then
		diff -u --label "$name (expected)" --label "$name (cmon)" "$exp_out" "$act.stdout" |
			head -n "${CMON_DIFF_LINES:-40}" | sed 's/^/    /'
	fi
	if [ -n "$exp_err" ] && [ -s "$exp_err" ]; then
		echo "    expected stderr: $(head -c 300 "$exp_err")"
	fi
	if [ -s "$act.stderr" ]; then
		echo "    cmon stderr: $(head -c 300 "$act.stderr")"
	fi
	return 1
}

# lib_demo_sandbox NAME: for the scripts that drive the demo Go service.
# Sets tmp (a private directory, removed on exit) and pids (the processes
# the script starts; append to it, all are killed on exit), builds the demo
# to $tmp/demo, and defines ok/fail counting into fails. A script may
# define lib_extra_cleanup, run first on exit. Returns 2 when the demo does
# not build.
lib_demo_sandbox() {
	local me=$1
	tmp=$(mktemp -d)
	pids=()
	fails=0
	trap lib_sandbox_cleanup EXIT
	if ! (cd "$CMON_ROOT/demo" && go build -o "$tmp/demo" .); then
		echo "$me: building demo failed" >&2
		return 2
	fi
}
# lib_start_demo ADDR ARGS...: the demo built by lib_demo_sandbox, started
# on ADDR with ARGS (killed on exit); sets demo_pid and demo_addr
# (host:port, from its first "listening" line). Fails when it did not
# start listening within 5 s.
lib_start_demo() {
	local addr=$1 line
	shift
	rm -f "$tmp/demo.out" # a demo started before wrote there: its line is not this one's
	"$tmp/demo" -addr "$addr" "$@" >"$tmp/demo.out" 2>&1 &
	demo_pid=$!
	pids+=("$demo_pid")
	for _ in $(seq 100); do
		line=$(head -n 1 "$tmp/demo.out" 2>/dev/null)
		case $line in "demo: listening on http://"*) break ;; esac
		sleep 0.05
	done
	demo_addr=${line#demo: listening on http://}
	[ -n "$demo_addr" ] && [ "$demo_addr" != "$line" ]
}
# An asynchronous child that a signal reaches before it has reset the
# traps it inherited (bash 5.2: between fork and exec, or before a
# subshell's first command) runs this script's EXIT trap as its own: it
# killed the test's services and removed $tmp mid-run once on CI. Cleanup
# belongs to the script's own shell only.
lib_is_main_shell() { [ "$BASHPID" = "$$" ]; }
# lib_running PID: PID is alive and not a zombie waiting to be reaped
# (kill -0 still succeeds on those).
lib_running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}
lib_sandbox_cleanup() {
	lib_is_main_shell || return 0
	if declare -F lib_extra_cleanup >/dev/null; then lib_extra_cleanup; fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
ok() { echo "ok $1"; }
