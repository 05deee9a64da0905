#!/usr/bin/env python3
"""The HTTP service of tests/e2e/net.sh, on 127.0.0.1 only.

  /ftp                302 to ftp://127.0.0.1:TRAP/x
  /file               302 to file:///etc/passwd
  /debug/vars         a real /debug/vars body (tests/data/vars/demo-idle.json)
  /slow               waits 3 s, then 404
  anything else       404

Every request's Authorization header is appended to LOG as "PATH AUTH".
TRAP is a plain TCP listener standing in for an FTP server: each connection
to it appends "trap" to LOG, so a client that followed /ftp is seen.
Prints "PORT TRAP" once both listen.

usage: net_server.py VARS_BODY LOG
"""
import http.server
import socket
import sys
import threading
import time

body_path, log_path = sys.argv[1], sys.argv[2]
with open(body_path, "rb") as f:
    vars_body = f.read()
lock = threading.Lock()


def log(line):
    with lock, open(log_path, "a") as f:
        f.write(line + "\n")


trap = socket.socket()
trap.bind(("127.0.0.1", 0))
trap.listen(8)


def trap_loop():
    while True:
        c, _ = trap.accept()
        log("trap")
        c.close()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = self.path.split("?")[0]
        log("%s %s" % (path, self.headers.get("Authorization", "-")))
        where = {
            "/ftp": "ftp://127.0.0.1:%d/x" % trap.getsockname()[1],
            "/file": "file:///etc/passwd",
        }.get(path)
        if where:
            self.send_response(302)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/debug/vars":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(vars_body)))
            self.end_headers()
            self.wfile.write(vars_body)
            return
        if path == "/slow":
            time.sleep(3)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=trap_loop, daemon=True).start()
print(server.server_address[1], trap.getsockname()[1], flush=True)
server.serve_forever()
