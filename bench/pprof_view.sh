#!/usr/bin/env bash
# bench/pprof_view.sh: the interactive viewer (`cmon pprof PROFILE`) on the
# large benchmark heap profile: time to the first screen against batch
# `cmon pprof -top` on the same profile (the ratio; the target is 1.5x at
# most), and the time each key takes until its screen is drawn. Prints
# figures; it never passes or fails on time.
#
# The viewer runs on a pseudo-terminal (120x40) driven by a small Python
# program: the first screen is there when its footer has been written; a
# key's time runs from sending it to the last byte of the redraw (output
# quiet for 50 ms, not counted). Wall and CPU time both: on a busy machine
# the CPU seconds are the steadier figure (10 ms resolution). Right
# after the first screen: t, a and Enter at once (their answer and what
# they wait for, built in the background) and Esc during Enter's wait.
# The key sequence runs while tables are built ahead; at its end, Enter
# and Esc again once nothing builds.
#
# usage: bench/pprof_view.sh [CMON_BINARY] [PROFILE]
#   PROFILE defaults to bench/.cache/big-heap.pb.gz, made on first use
#   (bench/lib.sh: tests/profgen -bench, as for bench/pprof_top.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_setup "$@"

command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 2; }
bench_big_profile

exec python3 - "$cmon" "$prof" "$runs" <<'PY'
import fcntl, os, select, struct, subprocess, sys, termios, time

cmon, prof, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = dict(os.environ, TERM="xterm", LC_ALL="C.UTF-8", TZ="UTC")
QUIET = 0.05

TICK = os.sysconf("SC_CLK_TCK")

def batch_top():
    """Wall and CPU seconds of one batch -top."""
    t = time.monotonic()
    p = subprocess.Popen([cmon, "pprof", "-top", prof], stdout=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        raise SystemExit("bench: cmon pprof -top failed")
    return time.monotonic() - t, ru.ru_utime + ru.ru_stime

def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK

class Viewer:
    def __init__(self):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.start = time.monotonic()
        self.p = subprocess.Popen([cmon, "pprof", prof], stdin=slave, stdout=slave,
                                  stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.buf = b""

    def read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return None
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return b""
        self.buf += data
        return data

    def first_screen(self):
        """Wall and CPU seconds until the first screen is out."""
        while b"q quit" not in self.buf:
            if self.read(60) in (None, b""):
                raise SystemExit("bench: the viewer drew no screen")
        return time.monotonic() - self.start, cpu_of(self.p.pid)

    def drain(self):
        while self.read(QUIET):
            pass

    def key(self, k, drain=True):
        """Seconds from sending k to the first and to the last byte of its
        redraw (a switch to a table still being built answers at once with
        its progress, then redraws until the table is there). Sent once the
        output was quiet for 50 ms, or at once without drain."""
        if drain:
            self.drain()
        t = time.monotonic()
        os.write(self.master, k)
        first = last = None
        while True:
            d = self.read(QUIET if last else 30)
            if not d:
                break
            last = time.monotonic()
            first = first or last
        return (first or time.monotonic()) - t, (last or time.monotonic()) - t

    def idle(self, quiet=0.3):
        """Waits until the viewer's background builds are over: no CPU
        used for `quiet` seconds (30 s at most)."""
        end = time.monotonic() + 30
        c = cpu_of(self.p.pid)
        while time.monotonic() < end:
            time.sleep(quiet)
            n = cpu_of(self.p.pid)
            if n == c:
                return
            c = n

    def rss_mb(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def quit(self):
        os.write(self.master, b"q")
        self.p.wait(10)
        os.close(self.master)

tops = [batch_top() for _ in range(runs)]
firsts = []
for _ in range(runs):
    v = Viewer()
    firsts.append(v.first_screen())
    v.quit()
top, top_cpu = min(t[0] for t in tops), min(t[1] for t in tops)
first, first_cpu = min(f[0] for f in firsts), min(f[1] for f in firsts)
print(f"profile: {prof} ({os.path.getsize(prof) // 1024} KiB gzipped)")
print(f"runs: best of {runs}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
print(f"{'':34s} {'wall (s)':>9s} {'CPU (s)':>9s}")
print(f"{'batch cmon pprof -top':34s} {top:9.3f} {top_cpu:9.2f}")
print(f"{'viewer, time to first screen':34s} {first:9.3f} {first_cpu:9.2f}")
print(f"ratio first screen / -top: {first / top:.2f}x wall, {first_cpu / top_cpu:.2f}x CPU "
      "(target: 1.5x at most)\n")

keys = [("j (next row)", b"j"), ("k (previous row)", b"k"), ("PgDn", b"\x1b[6~"),
        ("G (last row)", b"G"), ("g (first row)", b"g"), ("/ (open search)", b"/"),
        ("search typing 'm'", b"m"), ("Enter (keep the match)", b"\r"),
        ("s (sort by cum)", b"s"), ("s (sort by flat)", b"s"),
        ("Enter (source of the row)", b"\r"), ("Esc (back to top)", b"\x1b"),
        ("p (peek)", b"p"), ("Esc (back)", b"\x1b"),
        ("t (next sample type)", b"t"), ("T (previous type)", b"T"),
        ("a (next granularity)", b"a"), ("A (granularity back)", b"A"),
        ("? (help)", b"?"), ("x (leave help)", b"x")]
# The first switch at once after the first screen, before anything was
# built ahead: the answer (its progress) and the table.
v = Viewer()
v.first_screen()
rss0 = v.rss_mb()
for name, k in [("t at once (first switch)", b"t"), ("a at once (first switch)", b"a")]:
    first, last = v.key(k)
    print(f"{name:34s} first redraw {first * 1000:.1f} ms, table after {last * 1000:.1f} ms")
v.quit()
# Enter at once: the source before the lines it is read from are built
# (they are built ahead, after the first screen): the answer (its
# progress) and the rows; then Enter again and Esc right after its first
# redraw, most likely during the annotation (to the last byte: the table).
v = Viewer()
v.first_screen()
first, last = v.key(b"\r")
print(f"{'Enter at once (first source)':34s} first redraw {first * 1000:.1f} ms, rows after {last * 1000:.1f} ms")
v.quit()
v = Viewer()
v.first_screen()
os.write(v.master, b"\r")
v.read(30)
first, last = v.key(b"\x1b", drain=False)
print(f"{'Esc right after Enter at once':34s} first redraw {first * 1000:.1f} ms, table after {last * 1000:.1f} ms")
v.quit()
print()

v = Viewer()
v.first_screen()
rss_first = v.rss_mb()
print(f"{'key (one press each, in this order)':34s} {'first ms':>9s} {'last ms':>9s} {'CPU ms':>7s}")
for name, k in keys:
    c = cpu_of(v.p.pid)
    first, last = v.key(k)
    print(f"{name:34s} {first * 1000:9.1f} {last * 1000:9.1f} {(cpu_of(v.p.pid) - c) * 1000:7.0f}")
print(f"\nRSS: {rss_first:.0f} MB at the first screen, {v.rss_mb():.0f} MB after the keys "
      "(tables built ahead and kept)")
# The same source keys once nothing builds in the background: what they
# cost themselves (above, a key may wait for a step of a build that
# cannot be sliced: a report's preparation, a node table). Best and
# worst of 5.
v.idle()
print(f"\n{'nothing building, best-worst of 5':34s} {'first ms':>11s} {'last ms':>11s}")
times = {b"\r": [], b"\x1b": []}
for _ in range(5):
    for k in (b"\r", b"\x1b"):
        times[k].append(v.key(k))
for name, k in [("Enter (source of the row)", b"\r"), ("Esc (back to top)", b"\x1b")]:
    ts = times[k]
    first = f"{min(t[0] for t in ts) * 1000:.1f}-{max(t[0] for t in ts) * 1000:.1f}"
    last = f"{min(t[1] for t in ts) * 1000:.1f}-{max(t[1] for t in ts) * 1000:.1f}"
    print(f"{name:34s} {first:>11s} {last:>11s}")
v.quit()
PY
