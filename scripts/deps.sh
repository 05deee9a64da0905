# scripts/deps.sh: sourced by quickstart.sh and test.sh. Installs, with apt,
# whatever cmon needs to build and test that this machine lacks.
cmon_packages="meson ninja-build pkg-config gcc libncurses-dev libcurl4-openssl-dev
zlib1g-dev libprotobuf-c-dev protobuf-c-compiler golang-go
python3 time bc tmux openssh-server iproute2 curl perl
libpcre2-dev libiberty-dev binutils graphviz prometheus
libsqlite3-dev sqlite3 libjansson-dev jq"

cmon_install_deps() {
	local missing=()
	for p in $cmon_packages; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}" >&2
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	$sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# cmon_build DIR [meson options...]: configure once, then compile.
cmon_build() {
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >&2
	fi
	meson compile -C "$dir" >&2
}

# cmon_run_suite DIR [meson test options...]: runs the suite built in DIR
# and ends with one line "N passed, N failed, N skipped"; fails if any did.
cmon_run_suite() {
	local dir=$1; shift
	meson test -C "$dir" --print-errorlogs "$@" | tee "$dir/test-summary.txt"
	local status=${PIPESTATUS[0]} ok fail timeout_n skip
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)
	timeout_n=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)
	skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$dir/test-summary.txt" | tail -n1)
	ok=${ok:-0}; fail=$(( ${fail:-0} + ${timeout_n:-0} )); skip=${skip:-0}
	[ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
	echo "$ok passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
