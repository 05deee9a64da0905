#!/usr/bin/env python3
"""tests/e2e/tty_gone.py CMON: a screen whose terminal goes away (the
terminal window closed, the ssh session dropped: the pseudo-terminal's
master is closed, every read of it says end of file) must end, not spin
on a terminal that will never send a key. Each screen is started on a
pseudo-terminal, drawn, then its master is closed; it must exit within
5 s, having used under 1 s of CPU meanwhile."""
import fcntl
import os
import struct
import subprocess
import sys
import termios
import time

cmon = sys.argv[1]
passed = failed = 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def case(name, args):
    global passed, failed
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = dict(os.environ, TERM="xterm", LC_ALL="C.UTF-8")
    p = subprocess.Popen([cmon] + args, stdin=slave, stdout=slave, stderr=slave, env=env,
                         start_new_session=True)  # no SIGHUP: only the closed terminal tells
    os.close(slave)
    drawn, deadline = b"", time.monotonic() + 10
    while len(drawn) < 200 and time.monotonic() < deadline and p.poll() is None:
        try:
            drawn += os.read(master, 65536)
        except OSError:
            break
    os.close(master)
    cpu0, start = cpu_seconds(p.pid), time.monotonic()
    while p.poll() is None and time.monotonic() - start < 5:
        time.sleep(0.05)
    if p.poll() is None:
        cpu = cpu_seconds(p.pid) - cpu0
        p.kill()
        p.wait()
        print(f"FAIL {name}: still running 5 s after its terminal went ({cpu:.2f} s of CPU)")
        failed += 1
        return
    if len(drawn) < 200:
        print(f"FAIL {name}: drew only {len(drawn)} bytes before the terminal went")
        failed += 1
        return
    print(f"ok {name} (ended in {time.monotonic() - start:.2f} s)")
    passed += 1


case("viewer", ["pprof", "tests/data/labels_heap.pb.gz"])
# a monitor of a port where nothing listens: the screen is up all the same
case("monitor", ["-ports=:1", "-vars=mem:memstats.Alloc", "-i=1s"])
print(f"tty-gone: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
