#!/usr/bin/env python3
"""A hostile HTTP server for cmon's tests: every service an outside audit
turned on cmon, and the well-behaved ones it must still read right.

usage: http_server.py [--data DIR] [--tls CERT KEY] [--hung-ports N] PORTFILE
       http_server.py --list

One server serves every case, chosen by the first path segment:

    http://127.0.0.1:PORT/CASE/debug/vars
    http://127.0.0.1:PORT/CASE/debug/pprof/goroutine?debug=1
    http://127.0.0.1:PORT/CASE/debug/pprof/heap

so that `cmon -ports=http://127.0.0.1:PORT/CASE/debug/vars` finds the
goroutine and threadcreate counts, and the profiles, under the same case.
A case either spoils the transport (every path of it: hung, reset, lying
lengths, redirects...) or the content of one kind of body (the vars JSON, or
the profiles), the other paths answering as a healthy Go service would.

It listens on 127.0.0.1 only, on ports the kernel picks, and when every
listener is up writes PORTFILE, one listener a line:

    http PORT       every case
    http2 PORT      every case again: a second service with the same cases
    ftp PORT        a fake FTP server, the target of redirect-ftp: it greets,
                    then answers "530 hostile ftp reached", so an error that
                    quotes it proves a client followed the redirect
    tls PORT        (with --tls) every case again, behind a TLS handshake
                    with CERT (a self-signed certificate, say)
    hung FIRST LAST (with --hung-ports N) N more ports that accept and never
                    answer

It runs until killed. Python 3 standard library only.
"""
import asyncio
import json
import os
import socket
import ssl
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- bodies ----

# The healthy service's vars: values the tests check (Alloc 1234567 B shows
# as 1.2MB; the last of NumGC=3 pauses is PauseNs[2], 3 ms).
PAUSES = [0] * 256
PAUSES[0:3] = [1000000, 2000000, 3000000]


def vars_doc(name="hostile-valid", **extra):
    doc = {
        "cmdline": ["/usr/local/bin/" + name, "-addr", ":6060"],
        "memstats": {
            "Alloc": 1234567,
            "TotalAlloc": 9876543,
            "Sys": 7654321,
            "HeapAlloc": 1234567,
            "HeapInuse": 2000000,
            "NumGC": 3,
            "PauseNs": PAUSES,
            "PauseTotalNs": 6000000,
        },
        "requests": 42,
    }
    doc.update(extra)
    return doc


def vars_body(name="hostile-valid", **extra):
    return json.dumps(vars_doc(name, **extra)).encode()


GOROUTINES = b"goroutine profile: total 17\n1 @ 0x40d334 0x46c041\n#\t0x46858e\tmain.main+0x2e\n\n"
THREADS = b"threadcreate profile: total 9\n9 @\n#\t0x0\n\n"


def big_keys(n):
    """n numeric keys, one object, as a service's own expvar map might be."""
    parts = ['"k%06d":%d' % (i, i) for i in range(n)]
    return ('{"cmdline":["/usr/bin/hostile-keys"],"m":{' + ",".join(parts) + "}}").encode()


def gzip_repeat(chunk, repeat):
    """A gzip member of chunk*repeat, built without the inflated bytes: after
    a full flush deflate's output no longer depends on what came before, so
    one flushed chunk is compressed once and repeated (the trailer's CRC is
    left wrong: a reader must stop at its cap long before it)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)
    size = (len(chunk) * repeat) & 0xFFFFFFFF
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + block * (repeat - 1) + end +
            struct.pack("<II", 0, size))


class Bodies:
    """Everything built once at start, so that a case answers at once."""

    def __init__(self, data):
        self.data = data
        self.profiles = {}
        for kind in ("heap", "allocs", "cpu", "goroutine", "threadcreate", "block", "mutex"):
            path = os.path.join(data, kind + ".pb.gz")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    self.profiles[kind] = f.read()
        # 2 GiB of empty string-table entries (field 6, length 0) in 2 MB.
        self.bomb = gzip_repeat(b"\x32\x00" * (1 << 19), 2048)
        self.keys100k = big_keys(100000)

    def profile(self, kind):
        kind = "cpu" if kind == "profile" else kind
        return self.profiles.get(kind, self.profiles.get("heap", b""))


# ---- requests ----


class Request:
    def __init__(self, line, headers, port):
        parts = line.split(" ")
        self.method = parts[0] if parts else ""
        target = parts[1] if len(parts) > 1 else "/"
        self.path, _, self.query = target.partition("?")
        segs = self.path.lstrip("/").split("/", 1)
        self.case = segs[0]
        self.rest = "/" + (segs[1] if len(segs) > 1 else "")
        self.headers = headers
        self.port = port
        # What a healthy Go service would answer at this path.
        if self.rest.startswith("/debug/pprof/"):
            name = self.rest[len("/debug/pprof/"):]
            debug = "debug=1" in self.query or "debug=2" in self.query
            if name == "goroutine" and debug:
                self.kind = "goroutine"
            elif name == "threadcreate" and debug:
                self.kind = "threadcreate"
            else:
                self.kind = "profile"
            self.profile_name = name or "heap"
        else:
            self.kind = "vars"
            self.profile_name = ""

    def url(self, case, rest=None):
        rest = self.rest if rest is None else rest
        q = "?" + self.query if self.query else ""
        return "http://127.0.0.1:%d/%s%s%s" % (self.port, case, rest, q)


async def read_request(reader, writer):
    """The request line and headers, or None when the client sends none. A
    TLS handshake on the plain port gets what Go's server answers it."""
    try:
        first = await reader.readexactly(1)
        if first == b"\x16":
            await send(writer, b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n400 Bad Request")
            return None
        head = first + await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
            ssl.SSLError, OSError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for h in lines[1:]:
        k, sep, v = h.partition(":")
        if sep:
            headers[k.strip().lower()] = v.strip()
    return lines[0], headers


def response(status, body=b"", ctype="application/json; charset=utf-8", extra=(), length=None):
    reason = {200: "OK", 302: "Found", 401: "Unauthorized", 404: "Not Found",
              500: "Internal Server Error"}.get(status, "Whatever")
    head = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: " + ctype, "Connection: close"]
    head.append("Content-Length: %d" % (len(body) if length is None else length))
    head.extend(extra)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def healthy(req, bodies, name="hostile-valid"):
    """The healthy answer at req's path."""
    if req.kind == "goroutine":
        return response(200, GOROUTINES, "text/plain; charset=utf-8")
    if req.kind == "threadcreate":
        return response(200, THREADS, "text/plain; charset=utf-8")
    if req.kind == "profile":
        return response(200, bodies.profile(req.profile_name), "application/octet-stream")
    return response(200, vars_body(name))


def chunk(data):
    """One chunk of a chunked body."""
    return b"%x\r\n" % len(data) + data + b"\r\n"


def body_of(req, bodies):
    """The healthy body alone, for the cases that mangle its framing."""
    raw = healthy(req, bodies)
    return raw[raw.index(b"\r\n\r\n") + 4:]


async def send(w, data):
    w.write(data)
    await w.drain()
    # drain() returns at once while the client keeps up: yield anyway, or
    # a flood would starve every other connection.
    await asyncio.sleep(0)


async def hang(reader):
    """Holds the connection, answering nothing, until the client leaves."""
    while await reader.read(65536):
        pass


def reset(w):
    """Closes with a TCP RST rather than a FIN."""
    sock = w.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


# ---- the cases ----
# Each takes (req, reader, writer, bodies) and answers, or does not; the
# connection is closed after it returns. The docstring's first line is what
# --list prints.

CASES = {}


def case(name):
    def add(fn):
        CASES[name] = fn
        return fn
    return add


def content_case(name, vars_fn=None, profile_fn=None):
    """A case that spoils one kind of body; the other paths stay healthy."""
    def add(fn):
        async def run(req, r, w, b):
            if req.kind == "vars" and vars_fn:
                await send(w, vars_fn(req, b))
            elif req.kind == "profile" and profile_fn:
                await send(w, profile_fn(req, b))
            else:
                await send(w, healthy(req, b, name="hostile-" + name))
        run.__doc__ = fn.__doc__
        CASES[name] = run
        return fn
    return add


@case("valid")
async def valid(req, r, w, b):
    """a healthy Go service: vars, counts, profiles (tests/data)"""
    await send(w, healthy(req, b))


@case("twin")
async def twin(req, r, w, b):
    """healthy, cmdline[0] /usr/local/bin/twin: on both http ports, two replicas"""
    await send(w, healthy(req, b, name="twin"))


@case("auth")
async def auth(req, r, w, b):
    """healthy behind Basic auth u:sekrit; 401 without it"""
    want = "Basic dTpzZWtyaXQ="  # u:sekrit
    if req.headers.get("authorization") != want:
        await send(w, response(401, b"<html><body>401 who are you</body></html>\n", "text/html",
                               extra=['WWW-Authenticate: Basic realm="hostile"']))
        return
    await send(w, healthy(req, b, name="hostile-auth"))


@case("redirect-ok")
async def redirect_ok(req, r, w, b):
    """302 to the same path under valid"""
    await send(w, response(302, b"", "text/html", extra=["Location: " + req.url("valid")]))


@case("endless")
async def endless(req, r, w, b):
    """chunked, 4 KB every 10 ms, never ends"""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    await send(w, head + chunk(b'{"cmdline":["x"], "pad": "'))
    while True:
        await send(w, chunk(b"x" * 4096))
        await asyncio.sleep(0.01)


@case("flood")
async def flood(req, r, w, b):
    """chunked, 1 MB chunks as fast as the client reads, never ends"""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    await send(w, head + chunk(b"["))
    data = chunk(b"1," * (1 << 19))
    while True:
        await send(w, data)


@case("huge")
async def huge(req, r, w, b):
    """Content-Length 4 GiB, then that many bytes as fast as read"""
    await send(w, response(200, b"", length=4 << 30) + b"[")
    data = b"1," * (1 << 19)
    while True:
        await send(w, data)


@case("slow")
async def slow(req, r, w, b):
    """the healthy answer, a byte a second"""
    data = healthy(req, b)
    for i in range(len(data)):
        await send(w, data[i:i + 1])
        await asyncio.sleep(1)


@case("hung")
async def hung(req, r, w, b):
    """accepts, reads the request, never answers"""
    await hang(r)


@case("hung-body")
async def hung_body(req, r, w, b):
    """sends the headers (Content-Length 100), then nothing"""
    await send(w, response(200, b"", length=100))
    await hang(r)


@case("reset")
async def reset_case(req, r, w, b):
    """reads the request, resets the connection"""
    reset(w)


@case("reset-body")
async def reset_body(req, r, w, b):
    """sends half the healthy answer, then resets"""
    data = healthy(req, b)
    await send(w, data[:len(data) // 2])
    await asyncio.sleep(0.05)
    reset(w)


@case("close")
async def close_case(req, r, w, b):
    """reads the request, closes without a byte"""


@case("lying-short")
async def lying_short(req, r, w, b):
    """Content-Length shorter than the body"""
    body = body_of(req, b)
    await send(w, response(200, b"", length=len(body) // 2) + body)


@case("lying-long")
async def lying_long(req, r, w, b):
    """Content-Length longer than the body, then close"""
    body = body_of(req, b)
    await send(w, response(200, b"", length=len(body) * 2) + body)


@case("truncated-chunked")
async def truncated_chunked(req, r, w, b):
    """chunked, a chunk cut short, no last chunk, close"""
    body = body_of(req, b)
    half = body[:len(body) // 2]
    await send(w, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
               chunk(half) + b"%x\r\n" % len(body) + half)


@case("bad-chunk")
async def bad_chunk(req, r, w, b):
    """chunked with a chunk size that is not hex"""
    await send(w, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")


@case("redirect-loop")
async def redirect_loop(req, r, w, b):
    """302 to itself, forever"""
    await send(w, response(302, b"", "text/html", extra=["Location: " + req.url(req.case)]))


@case("redirect-ftp")
async def redirect_ftp(req, r, w, b):
    """302 to ftp://127.0.0.1:FTP_PORT/ (the fake FTP listener)"""
    loc = "ftp://127.0.0.1:%d/debug/vars" % SERVER["ftp"]
    await send(w, response(302, b"", "text/html", extra=["Location: " + loc]))


@case("redirect-file")
async def redirect_file(req, r, w, b):
    """302 to file:///etc/passwd"""
    await send(w, response(302, b"", "text/html", extra=["Location: file:///etc/passwd"]))


HTML = (b"<!DOCTYPE html>\n<html><head><title>Oops</title></head>\n<body><h1>Something went "
        b"wrong</h1>\n<p>" + b"padding " * 200 + b"</p></body></html>\n")


@case("http500")
async def http500(req, r, w, b):
    """HTTP 500 with an HTML page"""
    await send(w, response(500, HTML, "text/html"))


@case("http404")
async def http404(req, r, w, b):
    """HTTP 404 with an HTML page"""
    await send(w, response(404, HTML, "text/html"))


@case("reason-escape")
async def reason_escape(req, r, w, b):
    """HTTP 503 whose reason phrase and text body carry terminal escapes"""
    body = b"\x1b]0;pwned\x07\x1b[2J\x1b[31mbusy\n"
    await send(w, b"HTTP/1.1 503 \x1b]0;pwned\x07\x1b[2J\x1b[31mBusy\r\nContent-Type: text/plain\r\n"
               b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


@case("big-header")
async def big_header(req, r, w, b):
    """a 1 MB header line before a healthy body"""
    data = healthy(req, b)
    await send(w, data.replace(b"\r\n", b"\r\nX-Junk: " + b"j" * (1 << 20) + b"\r\n", 1))


@case("gzip-bomb")
async def gzip_bomb(req, r, w, b):
    """every path: 2 GiB of profile fields in 2 MB of gzip, Content-Encoding gzip"""
    await send(w, response(200, b.bomb, "application/octet-stream", extra=["Content-Encoding: gzip"]))


@content_case("nonjson", vars_fn=lambda req, b: response(200, HTML, "text/html"))
def _nonjson():
    """vars: an HTML page, status 200"""


@content_case("empty", vars_fn=lambda req, b: response(200, b""))
def _empty():
    """vars: status 200, no body"""


@content_case("nested", vars_fn=lambda req, b: response(200, b'{"a":' + b"[" * 200000 + b"]" * 200000 + b"}"))
def _nested():
    """vars: 200000 nested arrays"""


@content_case("nan", vars_fn=lambda req, b: response(
    200, vars_body("hostile-nan")[:-1] + b', "x": NaN, "y": Infinity, "z": -Infinity}'))
def _nan():
    """vars: NaN and Infinity (not JSON)"""


@content_case("bignum", vars_fn=lambda req, b: response(200, vars_body(
    "hostile-bignum")[:-1] + b', "big": 123456789012345678901234567890, "neg": '
    b'-99999999999999999999, "max": 9223372036854775807, "min": -9223372036854775808, '
    b'"huge": 1e400, "tiny": 1e-400}'))
def _bignum():
    """vars: numbers past int64 and past float64"""


@content_case("keys100k", vars_fn=lambda req, b: response(200, b.keys100k))
def _keys100k():
    """vars: one object of 100000 numeric keys"""


ESC_NAME = "hostile\x1b]0;pwned\x07-\x1b[2J-\x1b[31mred"


@content_case("escapes", vars_fn=lambda req, b: response(200, json.dumps({
    "cmdline": ["/usr/bin/" + ESC_NAME],
    "memstats": vars_doc()["memstats"],
    "\x1b]0;title\x07k": 1, "\x1b[2Jclear": 2, "\x1b[31mred": 3, "bell\x07": 4}).encode()))
def _escapes():
    """vars: cmdline[0] and key names with ESC ] 0 ; title BEL, ESC [ 2 J, ESC [ 31 m"""


@content_case("badutf8", vars_fn=lambda req, b: response(
    200, b'{"cmdline":["/usr/bin/bad\xff\xfeutf8"],"k\xc3":1,"ok":2,"\xed\xa0\x80":3,'
    b'"memstats":' + json.dumps(vars_doc()["memstats"]).encode() + b"}"))
def _badutf8():
    """vars: invalid UTF-8 in cmdline[0] and key names"""


@content_case("dupkeys", vars_fn=lambda req, b: response(
    200, b'{"cmdline":["/usr/bin/hostile-dup"],"requests":1,"requests":2,"memstats":{"Alloc":1},'
    b'"memstats":' + json.dumps(vars_doc()["memstats"]).encode() + b',"requests":3}'))
def _dupkeys():
    """vars: duplicate keys (requests 1, 2, 3; memstats twice)"""


@content_case("pprof-garbage", profile_fn=lambda req, b: response(
    200, bytes((i * 131 + 7) & 0xFF for i in range(10000)), "application/octet-stream"))
def _pprof_garbage():
    """profiles: 10 KB of garbage, status 200"""


@content_case("pprof-html", profile_fn=lambda req, b: response(200, HTML, "text/html"))
def _pprof_html():
    """profiles: an HTML page, status 200"""


@content_case("gzip-truncated", profile_fn=lambda req, b: response(
    200, b.profile(req.profile_name)[:len(b.profile(req.profile_name)) // 2], "application/octet-stream"))
def _gzip_truncated():
    """profiles: the healthy profile's gzip cut in half"""


@case("hung-cpu")
async def hung_cpu(req, r, w, b):
    """/debug/pprof/profile (a CPU capture) never answers; the rest is healthy"""
    if req.profile_name == "profile":
        await hang(r)
    else:
        await send(w, healthy(req, b, name="hostile-hung-cpu"))


# ---- listeners ----

SERVER = {}


def make_handler(bodies, port_key):
    async def handle(reader, writer):
        try:
            got = await read_request(reader, writer)
            if got is None:
                return
            req = Request(got[0], got[1], SERVER[port_key])
            fn = CASES.get(req.case)
            if fn is None:
                await send(writer, response(404, b"no such case: %s\n" % req.case.encode()[:100],
                                            "text/plain"))
                return
            await fn(req, reader, writer, bodies)
        except (ConnectionError, ssl.SSLError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass
    return handle


async def ftp(reader, writer):
    try:
        await send(writer, b"220 hostile-ftp ready\r\n")
        while await reader.readline():
            await send(writer, b"530 hostile ftp reached\r\n")
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def hung_conn(reader, writer):
    try:
        await hang(reader)
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(args):
    data, tls, nhung, portfile = args
    bodies = Bodies(data)
    servers = []
    lines = []

    async def listen(key, handler, **kw):
        srv = await asyncio.start_server(handler, "127.0.0.1", 0, limit=1 << 16, backlog=1024, **kw)
        SERVER[key] = srv.sockets[0].getsockname()[1]
        servers.append(srv)
        return SERVER[key]

    lines.append("http %d" % await listen("http", make_handler(bodies, "http")))
    lines.append("http2 %d" % await listen("http2", make_handler(bodies, "http2")))
    lines.append("ftp %d" % await listen("ftp", ftp))
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        lines.append("tls %d" % await listen("tls", make_handler(bodies, "tls"), ssl=ctx,
                                             ssl_handshake_timeout=60))
    hung_ports = []
    for _ in range(nhung):
        srv = await asyncio.start_server(hung_conn, "127.0.0.1", 0, backlog=16)
        servers.append(srv)
        hung_ports.append(srv.sockets[0].getsockname()[1])
    if hung_ports:
        lines.append("hung " + " ".join(str(p) for p in hung_ports))
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, portfile)  # readers never see half a file
    await asyncio.Event().wait()


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def parse(argv):
    data, tls, nhung, rest = os.path.join(HERE, "..", "data"), None, 0, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--list":
            for name, fn in CASES.items():
                print("%-18s %s" % (name, (fn.__doc__ or "").strip().split("\n")[0]))
            sys.exit(0)
        elif a == "--data" and i + 1 < len(argv):
            data = argv[i + 1]
            i += 1
        elif a == "--tls" and i + 2 < len(argv):
            tls = (argv[i + 1], argv[i + 2])
            i += 2
        elif a == "--hung-ports" and i + 1 < len(argv):
            nhung = int(argv[i + 1])
            i += 1
        elif a.startswith("-"):
            usage()
        else:
            rest.append(a)
        i += 1
    if len(rest) != 1:
        usage()
    return data, tls, nhung, rest[0]


if __name__ == "__main__":
    try:
        asyncio.run(main(parse(sys.argv[1:])))
    except KeyboardInterrupt:
        pass
