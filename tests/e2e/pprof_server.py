#!/usr/bin/env python3
"""The profile service of tests/e2e/pprof_fetch.sh, on 127.0.0.1 only.

  /debug/pprof/heap   DATA/heap.pb.gz as it is (gzip)
  /debug/pprof/raw    DATA/heap.pb.gz inflated (raw protobuf)
  /debug/pprof/hung   reads the request, never answers
  anything else       404

With --tls CERT KEY CA it speaks only TLS and wants a client certificate
signed by CA. Writes its port to PORTFILE once it listens.

usage: pprof_server.py [--tls CERT KEY CA] DATA PORTFILE
"""
import gzip
import http.server
import socketserver
import ssl
import sys
import threading

args = sys.argv[1:]
tls = None
if args[:1] == ["--tls"]:
    tls, args = args[1:4], args[4:]
data_dir, port_file = args
with open(data_dir + "/heap.pb.gz", "rb") as f:
    heap = f.read()
bodies = {"/debug/pprof/heap": heap, "/debug/pprof/raw": gzip.decompress(heap)}
forever = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/debug/pprof/hung":
            forever.wait()
            return
        body = bodies.get(path)
        self.send_response(200 if body else 404)
        body = body or b"404 page not found\n"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls[0], tls[1])
    ctx.load_verify_locations(tls[2])
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
import os

os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
