#!/usr/bin/env python3
"""tests/e2e/vars_server.py PORTFILE NAME...: serves a crafted /debug/vars on
127.0.0.1, one port per NAME: cmdline[0] is NAME with \\e, \\a and \\x9b
decoded from their escapes (so a test can ask for terminal escapes), and
the keys include one with an escape; VARS_KEYS=N adds N more numbers (a
big -vars=* block); VARS_HITS=FILE keeps the count of answers served
there. Writes the ports, one a line, to PORTFILE once every
server listens. Runs until killed."""
import http.server
import json
import os
import sys
import threading


def decode(name):
    return name.replace("\\e", "\x1b").replace("\\a", "\x07").replace("\\x9b", "\x9b")


hits = [0]
hits_lock = threading.Lock()


def count_hit():
    path = os.environ.get("VARS_HITS")
    if not path:
        return
    with hits_lock:
        hits[0] += 1
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % hits[0])
        os.rename(path + ".tmp", path)


def handler_for(name):
    vars = {
        "cmdline": [decode(name), "-x"],
        "requests": 7,
        "k\x1b[2Jey": 5,
        "memstats": {"Alloc": 1024, "NumGC": 1, "PauseNs": [1500, 0], "PauseTotalNs": 1500},
    }
    for k in range(int(os.environ.get("VARS_KEYS", "0"))):
        vars["a_long_key_for_a_big_block_%05d" % k] = k
    body = json.dumps(vars).encode()

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path.startswith("/debug/vars"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                count_hit()
            else:
                self.send_error(404)

        def log_message(self, *a):
            pass

    return H


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # cmon closing a connection early is no news


servers = []
for n in sys.argv[2:]:
    s = Server(("127.0.0.1", 0), handler_for(n))
    servers.append(s)
    threading.Thread(target=s.serve_forever, daemon=True).start()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("".join("%d\n" % s.server_address[1] for s in servers))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Event().wait()
