#!/usr/bin/env python3
"""A stand-in for ssh in test_ssh_tunnel: it takes ssh's command line, logs
it (and its pid) to $FAKE_SSH_LOG, and does what $FAKE_SSH says:

  up      bind every -L socket, warn as ssh does on a new host, stay
  flap    bind, stay 0.3 s, then "Connection closed by remote host", 255
  deny    print a banner with an escape sequence, refuse the key, 255
  garble  end on a line with an escape sequence and a non-ASCII byte, 255
  hang    never bind anything, stay
"""
import os
import socket
import sys
import time

args = sys.argv[1:]
mode = os.environ.get("FAKE_SSH", "up")
log = os.environ.get("FAKE_SSH_LOG")
if log:
    with open(log, "a") as f:
        f.write("%d %s\n" % (os.getpid(), " ".join(args)))


def bind_all():
    held = []
    for i, a in enumerate(args):
        if a == "-L":
            path = args[i + 1].split(":")[0]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            s.listen(4)
            held.append(s)
    return held


def say(text):
    sys.stderr.write(text)
    sys.stderr.flush()


if mode == "deny":
    say("\x1b[2JWelcome to \x1b[31mprod\x1b[0m\n")
    say("root@10.0.0.1: Permission denied (publickey).\r\n")
    sys.exit(255)
if mode == "garble":
    sys.stderr.buffer.write(b"bad \x1b[2J\xff news")
    sys.exit(255)
if mode in ("up", "flap"):
    held = bind_all()
    say("Warning: Permanently added '10.0.0.1' (ED25519) to the list of known hosts.\n")
    if mode == "flap":
        time.sleep(0.3)
        say("Connection to 10.0.0.1 closed by remote host.\n")
        sys.exit(255)
while True:
    time.sleep(60)
