#!/usr/bin/env bash
# tests/ssh/run.sh CMON_BINARY: cmon -ssh and cmon pprof -ssh against a real
# remote host. A network namespace joined to this one by a veth pair runs
# sshd (a throwaway host key and client key) and the demo Go service on ITS
# loopback, which nothing outside the namespace can reach; cmon must read
# the service through the tunnel: -once, several hosts in one command, the
# pprof command, ssh's own words when the host refuses the key, refuses the
# connection, cannot be reached or is not known; sshd killed mid-run: the
# state shows it, then the services come back; the screen's header in tmux;
# and no ssh left behind after q, SIGINT, SIGTERM, SIGHUP or SIGKILL.
# The user's ~/.ssh is never read or written: HOME is a scratch directory
# and ssh gets -F /dev/null, its own known_hosts and key through -ssh-opts.
# Prints "ok NAME" / "FAIL NAME: why"; exit 0, 1 (failures), 2 (setup) or
# 77 (skipped: namespaces cannot be made here, or no go for the demo).
set -u
. "$(dirname "$0")/../lib.sh"
lib_env
export LC_ALL=C.UTF-8

cmon=$(lib_cmon_binary "ssh" "$@") || exit 2
lib_demo_needs_go ssh || exit 77
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
	echo "ssh: SKIP: network namespaces need root and ip (iproute2)"
	exit 77
fi
sshd=/usr/sbin/sshd
if [ ! -x "$sshd" ] || ! command -v ssh-keygen >/dev/null 2>&1; then
	echo "ssh: sshd or ssh-keygen missing: install openssh-server (scripts/deps.sh)" >&2
	exit 2
fi

ns=cmon-ssh-$$
va=cms$$a vb=cms$$b
net=10.231.$(($$ % 250))
ip_ns=$net.2          # sshd's address, inside the namespace
ip_none=$net.3        # in the subnet, but nobody has it
made_run_sshd=""
tmuxsock=cmon-ssh-$$

lib_extra_cleanup() {
	command -v tmux >/dev/null 2>&1 && tmux -L "$tmuxsock" kill-server 2>/dev/null
	local p
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done # ours alone
	ip netns del "$ns" 2>/dev/null
	ip link del "$va" 2>/dev/null
	[ -n "$made_run_sshd" ] && rmdir /run/sshd 2>/dev/null
	return 0
}
lib_demo_sandbox ssh || exit 2
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

# --- the remote host ---------------------------------------------------------
if ! ip netns add "$ns" 2>/dev/null; then
	echo "ssh: SKIP: cannot make a network namespace here"
	exit 77
fi
if ! { ip link add "$va" type veth peer name "$vb" &&
	ip link set "$vb" netns "$ns" &&
	ip addr add "$net.1/29" dev "$va" && ip link set "$va" up &&
	ip -n "$ns" addr add "$ip_ns/29" dev "$vb" && ip -n "$ns" link set "$vb" up &&
	ip -n "$ns" link set lo up; } 2>"$tmp/ip.err"; then
	echo "ssh: SKIP: cannot join a namespace with a veth pair: $(head -c 200 "$tmp/ip.err")"
	exit 77
fi

mkdir -p "$tmp/home" "$tmp/run" && chmod 700 "$tmp/run"
ssh-keygen -q -t ed25519 -N '' -C cmon-test-host -f "$tmp/hostkey" &&
	ssh-keygen -q -t ed25519 -N '' -C cmon-test -f "$tmp/id" &&
	ssh-keygen -q -t ed25519 -N '' -C cmon-test-wrong -f "$tmp/wrong" || exit 2
cp "$tmp/id.pub" "$tmp/authorized_keys"
echo "$ip_ns $(cut -d' ' -f1,2 "$tmp/hostkey.pub")" >"$tmp/known_hosts"
: >"$tmp/no_known_hosts"
cat >"$tmp/sshd_config" <<EOF
ListenAddress $ip_ns
HostKey $tmp/hostkey
AuthorizedKeysFile $tmp/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowTcpForwarding yes
X11Forwarding no
PidFile none
LogLevel ERROR
EOF
if [ ! -d /run/sshd ]; then
	mkdir -m 755 /run/sshd && made_run_sshd=1
fi

start_sshd() {
	ip netns exec "$ns" "$sshd" -D -e -f "$tmp/sshd_config" 2>>"$tmp/sshd.log" &
	pids+=($!)
	disown $! # kill_sshd's SIGKILL is no news
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/$ip_ns/22") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# Every sshd in the namespace: the listener and each connection's own.
kill_sshd() {
	local p
	for p in $(ip netns pids "$ns"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && kill -9 "$p"
	done
}
start_sshd || { echo "ssh: sshd did not start: $(cat "$tmp/sshd.log")" >&2; exit 2; }

# start_demo OUT [ip netns exec NS]: the demo on a loopback port of its
# own; sets demo_addr to its "127.0.0.1:PORT" once it listens.
start_demo() {
	local out=$1 line
	shift
	"$@" "$tmp/demo" -addr 127.0.0.1:0 -load 1 >"$out" 2>&1 &
	pids+=($!)
	disown $!
	for _ in $(seq 100); do
		line=$(head -n 1 "$out" 2>/dev/null)
		case $line in "demo: listening on http://"*) demo_addr=${line#demo: listening on http://}; return 0 ;; esac
		sleep 0.05
	done
	return 1
}
# The demo service on the namespace's loopback only...
start_demo "$tmp/demo.out" ip netns exec "$ns" ||
	{ echo "ssh: the demo did not start: $(cat "$tmp/demo.out")" >&2; exit 2; }
port=${demo_addr##*:}
# ...and one on this host's loopback, for a screen that mixes hosts.
start_demo "$tmp/local.out" || { echo "ssh: the local demo did not start" >&2; exit 2; }
local_addr=$demo_addr

# ssh_opts KEY KNOWN_HOSTS: -ssh-opts that keep ssh off the user's files.
# ConnectTimeout also bounds sshd's banner, and sshd re-executes itself for
# every connection: with the rest of the suite loading both cores, 3 s was
# once too short.
ssh_opts() {
	echo "-F /dev/null -o UserKnownHostsFile=$2 -o GlobalKnownHostsFile=/dev/null" \
		"-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o IdentityAgent=none" \
		"-i $1 -o ConnectTimeout=15"
}
opts=$(ssh_opts "$tmp/id" "$tmp/known_hosts")
dest=root@$ip_ns
# cmon as the tests run it: a scratch HOME and runtime directory. (env
# execs cmon, so that $! of "${C[@]} ... &" is cmon's own pid.)
C=(env HOME="$tmp/home" PPROF_TMPDIR="$tmp/pprof" XDG_RUNTIME_DIR="$tmp/run" SSH_AUTH_SOCK= "$cmon")

# The ssh clients this test's cmon started (they all carry $tmp in their
# options), as "pid args" lines.
our_ssh() {
	ps -eo pid=,comm=,args= | awk -v t="$tmp/" '$2 == "ssh" && index($0, t) { print }'
}
# no_ssh_left NAME: none of them is left, nor a private socket directory.
no_ssh_left() {
	local left dirs
	for _ in $(seq 40); do
		left=$(our_ssh)
		[ -z "$left" ] && break
		sleep 0.05
	done
	dirs=$(ls -d "$tmp/run"/cmon-ssh-* 2>/dev/null)
	if [ -z "$left" ] && [ -z "$dirs" ]; then
		ok "$1"
	else
		fail "$1" "left: ${left:-} ${dirs:-}"
	fi
}
# end_cmon PID SIGNAL: sends it, waits; st is its status (137 when it had
# to be killed after 15 s: a hang is a failure, not a stuck test).
# (Polled from this shell: a watchdog subshell killed as soon as it was
# forked once ran the script's EXIT trap; see lib_is_main_shell.)
end_cmon() {
	kill -"$2" "$1"
	for _ in $(seq 150); do
		lib_running "$1" || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1"
	st=$?
}
# wait_for FILE REGEX [TRIES]: until a line of FILE matches (0.1 s a try).
wait_for() {
	for _ in $(seq "${3:-150}"); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- the service is out of reach without ssh ------------------------------
out=$("${C[@]}" -ports="$ip_ns:$port" -vars=requests -timeout=2s -once 2>&1); st=$?
if [ $st = 1 ] && [[ $out == *"ERROR: "* ]]; then
	ok unreachable-directly
else
	fail unreachable-directly "status $st: $out"
fi

# --- -once through the tunnel ----------------------------------------------
out=$("${C[@]}" -ssh="$dest" -ssh-opts="$opts" -ports=":$port" -once 2>"$tmp/err"); st=$?
line=$(printf '%s\n' "$out" | sed -n 2p)
if [ $st = 0 ] && [[ $line =~ ^demo:\ Alloc:\ [0-9.]+[KMG]?B,\ Sys:\ .*,\ goroutines:\ [0-9]+,\ threads:\ [0-9]+$ ]] &&
	grep -q "^cmon: ssh $dest: up$" "$tmp/err"; then
	ok once-through-ssh
else
	fail once-through-ssh "status $st: $out $(cat "$tmp/err")"
fi
no_ssh_left once-leaves-no-ssh

out=$(CMON_SSH_COMMAND="ssh $opts" "${C[@]}" -ssh="$dest" -ports="localhost:$port" -vars=requests \
	-once 2>&1); st=$?
if [ $st = 0 ] && printf '%s\n' "$out" | grep -q '^demo: requests: [0-9]'; then
	ok once-cmon-ssh-command
else
	fail once-cmon-ssh-command "status $st: $out"
fi

# --- several hosts: a direct service, and ssh:// entries on two hosts ----
# (the same sshd under two names: two ssh processes, one per name)
out=$("${C[@]}" -ssh-opts="$opts" -vars=requests -once \
	-ports="$local_addr,ssh://$dest/:$port,ssh://$dest:22/127.0.0.1:$port" 2>"$tmp/err"); st=$?
# three demos: named as on the screen, by port or by address
n=$(printf '%s\n' "$out" | grep -c -E '^demo(:[0-9]+|@[^ ]+): requests: [0-9]')
ups=$(grep -c ': up$' "$tmp/err")
if [ $st = 0 ] && [ "$n" = 3 ] && [ "$ups" = 2 ]; then
	ok several-hosts
else
	fail several-hosts "status $st, $n answers, $ups tunnels: $out $(cat "$tmp/err")"
fi

# --- one ssh per host, whatever the number of its services; SIGINT ------
"${C[@]}" -ssh-opts="$opts" -vars=requests -i=300ms -dummy \
	-ports="ssh://$dest/:$port,ssh://$dest/localhost:$port,ssh://$dest/127.0.0.1:$port" \
	>"$tmp/one.out" 2>"$tmp/one.err" &
cpid=$!
pids+=("$cpid")
wait_for "$tmp/one.err" ": up$"
wait_for "$tmp/one.out" "^demo: requests"
n=$(our_ssh | wc -l)
end_cmon "$cpid" INT
if [ "$n" = 1 ] && [ $st = 0 ]; then
	ok one-ssh-per-host
else
	fail one-ssh-per-host "$n ssh processes, status $st: $(our_ssh) $(cat "$tmp/one.err")"
fi
no_ssh_left sigint-leaves-no-ssh

# --- cmon pprof through the tunnel --------------------------------------
out=$("${C[@]}" pprof -ssh="$dest" -ssh-opts="$opts" -top -seconds=1 "localhost:$port" 2>"$tmp/err"); st=$?
if [ $st = 0 ] && printf '%s\n' "$out" | grep -q '^ *flat  flat%   sum%        cum   cum%$'; then
	ok pprof-top-through-ssh
else
	fail pprof-top-through-ssh "status $st: $(printf '%s\n' "$out" | head -n 5) $(cat "$tmp/err")"
fi
out=$("${C[@]}" pprof -ssh-opts="$opts" -top -nodecount=3 \
	"ssh://$dest/http://localhost:$port/debug/pprof/heap" 2>"$tmp/err"); st=$?
if [ $st = 0 ] && printf '%s\n' "$out" | grep -q '^Type: inuse_space$'; then
	ok pprof-ssh-url-source
else
	fail pprof-ssh-url-source "status $st: $(printf '%s\n' "$out" | head -n 5) $(cat "$tmp/err")"
fi
no_ssh_left pprof-leaves-no-ssh

# A signal during a capture: the tunnel is taken down, then the signal ends
# cmon. (SIGTERM: a background job of a script ignores SIGINT, and cmon
# leaves a signal that it was started ignoring alone, as nohup wants.)
"${C[@]}" pprof -ssh="$dest" -ssh-opts="$opts" -top -seconds=20 "localhost:$port" >/dev/null 2>"$tmp/err" &
cpid=$!
pids+=("$cpid")
for _ in $(seq 100); do [ -n "$(our_ssh)" ] && [ -n "$(ls "$tmp/run"/cmon-ssh-*/ 2>/dev/null)" ] && break; sleep 0.05; done
sleep 0.5
end_cmon "$cpid" TERM
if [ $st = 143 ]; then
	ok pprof-sigterm
else
	fail pprof-sigterm "status $st: $(cat "$tmp/err")"
fi
no_ssh_left pprof-sigterm-leaves-no-ssh

# --- hosts that say no: ssh's words, exit 1, within the connect timeout ----
# check_refusal NAME WANT ARGS...: -once fails in time with WANT on the line.
check_refusal() {
	local name=$1 want=$2 t0 t1 out st
	shift 2
	t0=$(lib_ms)
	out=$("${C[@]}" -vars=requests -ports=":$port" -once "$@" 2>&1); st=$?
	t1=$(lib_ms)
	if [ $st = 1 ] && [ $((t1 - t0)) -lt 12000 ] &&
		printf '%s\n' "$out" | grep -q "^localhost:$port: ERROR: ssh .*$want"; then
		ok "$name"
	else
		fail "$name" "status $st after $((t1 - t0)) ms: $out"
	fi
}
check_refusal refused-key "Permission denied (publickey)" -ssh="$dest" \
	-ssh-opts="$(ssh_opts "$tmp/wrong" "$tmp/known_hosts")"
check_refusal refused-connection "Connection refused" -ssh="$dest:2222" -ssh-opts="$opts"
check_refusal unreachable-host "Connection timed out\|No route to host" \
	-ssh="root@$ip_none" -ssh-opts="$opts -o ConnectTimeout=2"
check_refusal unknown-host-key "Host key verification failed" -ssh="$dest" \
	-ssh-opts="$(ssh_opts "$tmp/id" "$tmp/no_known_hosts")"
out=$("${C[@]}" pprof -ssh="$dest" -ssh-opts="$(ssh_opts "$tmp/wrong" "$tmp/known_hosts")" -top \
	"localhost:$port" 2>&1); st=$?
if [ $st = 1 ] && [[ $out == "cmon pprof: localhost:$port: ssh $dest: "*"Permission denied (publickey)." ]]; then
	ok pprof-refused-key
else
	fail pprof-refused-key "status $st: $out"
fi
no_ssh_left refusals-leave-no-ssh

# --- bad command lines: exit 2, one line, no password shown ----------------
check_usage() { # NAME WANT ARGS...
	local name=$1 want=$2 err st
	shift 2
	err=$("${C[@]}" "$@" 2>&1 >/dev/null </dev/null); st=$?
	if [ $st = 2 ] && [[ $err == *"$want"* ]] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
		[[ $err != *s3cret* ]]; then
		ok "$name"
	else
		fail "$name" "status $st: $err"
	fi
}
check_usage usage-ssh-option-injection "cannot start with '-'" -ssh=-oProxyCommand=x -ports=1 -once
check_usage usage-ssh-password 'bad -ssh value "u:***@h": no password here' -ssh=u:s3cret@h \
	-ports=1 -once
check_usage usage-ssh-opts-quote "-ssh-opts: unclosed quote" -ssh=h -ssh-opts="-i 'x" -ports=1 -once
check_usage usage-ssh-entry 'bad -ports field "ssh://u:***@h/:1"' -ports=ssh://u:s3cret@h/:1 -once
check_usage usage-pprof-ssh-file "only a service's address goes through ssh" pprof -top \
	ssh://h/no-such.pb.gz

# --- sshd dies mid-run: the state shows it, then the services come back ---
"${C[@]}" -ssh="$dest" -ssh-opts="$opts" -ports=":$port" -vars=requests -i=300ms -dummy \
	>"$tmp/rc.out" 2>"$tmp/rc.err" &
cpid=$!
pids+=("$cpid")
wait_for "$tmp/rc.out" "^demo: requests: [0-9]" || fail reconnect "never up: $(cat "$tmp/rc.err")"
kill_sshd
if wait_for "$tmp/rc.err" "^cmon: ssh $dest: failed: .*; retry in [0-9]+s$" &&
	wait_for "$tmp/rc.out" "^demo: ERROR: ssh $dest: "; then
	ok down-shows
else
	fail down-shows "$(cat "$tmp/rc.err") $(tail -n 5 "$tmp/rc.out")"
fi
sleep 1
start_sshd || fail comes-back "sshd did not start again"
before=$(wc -l <"$tmp/rc.out")
back=""
for _ in $(seq 400); do # the backoff may be at 4 s by now
	if [ "$(grep -c "^cmon: ssh $dest: up$" "$tmp/rc.err")" -ge 2 ] &&
		tail -n +"$((before + 1))" "$tmp/rc.out" | grep -q "^demo: requests: [0-9]"; then
		back=1
		break
	fi
	sleep 0.1
done
if [ -n "$back" ] && grep -q "^cmon: ssh $dest: reconnecting$" "$tmp/rc.err"; then
	ok comes-back
else
	fail comes-back "$(cat "$tmp/rc.err") $(tail -n 5 "$tmp/rc.out")"
fi
end_cmon "$cpid" TERM
if [ "$st" = 0 ]; then ok sigterm-exits-0; else fail sigterm-exits-0 "status $st"; fi
no_ssh_left sigterm-leaves-no-ssh

# --- SIGKILL: the kernel ends ssh (PR_SET_PDEATHSIG) -----------------------
"${C[@]}" -ssh="$dest" -ssh-opts="$opts" -ports=":$port" -vars=requests -i=300ms -dummy \
	>"$tmp/k.out" 2>"$tmp/k.err" &
cpid=$!
pids+=("$cpid")
wait_for "$tmp/k.err" ": up$"
kill -KILL "$cpid"
wait "$cpid" 2>/dev/null
rm -rf "$tmp/run"/cmon-ssh-* # nobody was left to remove it
no_ssh_left sigkill-leaves-no-ssh

# --- the screen: the header says it, q and a dead terminal end ssh --------
if command -v tmux >/dev/null 2>&1; then
	tm() { tmux -L "$tmuxsock" -f /dev/null "$@"; }
	pane_has() { # REGEX: the screen shows it within 15 s
		for _ in $(seq 150); do
			tm capture-pane -p -t cm 2>/dev/null | grep -Eq -- "$1" && return 0
			sleep 0.1
		done
		return 1
	}
	screen_cmd="env HOME=$tmp/home XDG_RUNTIME_DIR=$tmp/run TERM=xterm-256color $cmon -i=500ms -timeout=3s -ports=ssh://$dest/:$port,$local_addr"
	tm new-session -d -s cm -x 150 -y 30 "$screen_cmd -ssh-opts='$opts'"
	if pane_has "ssh $dest: up"; then ok header-up; else fail header-up "$(tm capture-pane -p -t cm)"; fi
	kill_sshd
	if pane_has "ssh $dest: (failed: .*; retry in [0-9]+s|reconnecting)"; then
		ok header-failed
	else
		fail header-failed "$(tm capture-pane -p -t cm)"
	fi
	start_sshd
	if pane_has "ssh $dest: up" && pane_has "2 up"; then
		ok header-up-again
	else
		fail header-up-again "$(tm capture-pane -p -t cm)"
	fi
	tm send-keys -t cm q
	for _ in $(seq 50); do tm has-session -t cm 2>/dev/null || break; sleep 0.1; done
	no_ssh_left q-leaves-no-ssh

	tm new-session -d -s cm -x 150 -y 30 "$screen_cmd -ssh-opts='$opts'"
	pane_has "ssh $dest: up" || fail hangup "never up"
	tm kill-server # the terminal goes away: SIGHUP
	no_ssh_left sighup-leaves-no-ssh
else
	echo "ssh: no tmux: the screen's header is not checked"
fi

echo "ssh: $fails failed"
[ "$fails" = 0 ]
