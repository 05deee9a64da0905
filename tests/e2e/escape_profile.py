#!/usr/bin/env python3
"""tests/e2e/escape_profile.py OUT: writes a valid CPU profile whose function
names carry terminal escapes (OSC title, clear screen, a C1 CSI), built with
tests/hostile/gen.py's hand-written protobuf."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import gen  # noqa: E402

strings = list(gen.STRINGS)
strings[gen.S["main.leaf"]] = "main.\x1b]0;owned\x07leaf\x1b[2J"
strings[gen.S["main.main"]] = "main.\u009b31mmain"
with open(sys.argv[1], "wb") as f:
    f.write(gen.valid(string_table=strings))
