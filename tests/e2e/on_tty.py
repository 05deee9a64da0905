#!/usr/bin/env python3
"""tests/e2e/on_tty.py CMD...: runs CMD with stdout (and stdin) on a new
pseudo-terminal and copies what it wrote there to our stdout; exits with
CMD's status."""
import os
import pty
import subprocess
import sys

master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=sys.stderr.fileno())
os.close(slave)
out = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: every writer of the terminal is gone
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(bytes(out))
sys.exit(p.wait())
