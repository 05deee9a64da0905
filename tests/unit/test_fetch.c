/* fetch against a real service: builds demo/ with go, runs it with two
 * services on free loopback ports, and drives cm_fetch through what the
 * monitor meets: bodies, HTTP errors, refused connections, a hung service,
 * body caps, many transfers at once, and cancels (also from callbacks).
 * A small HTTP server of its own on a Unix socket stands in for an SSH
 * tunnel's end.
 *
 * usage: test_fetch DEMO_SOURCE_DIR. Exit 77 (skipped) without a go command.
 * The only timing assumption: a request that times out after 1 s ends after
 * fast loopback requests started with it. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cmon/net/fetch.h"

#define WAIT_MS 20000 /* longest wait for any transfer (sanitizers are slow) */
#define NCONC 50

/* What the tests keep of one callback. */
struct got {
	long *seq;         /* shared counter: order of callbacks */
	int calls;
	long order;
	long status;
	bool ok, truncated, nul_ok, memstats, timed_out;
	size_t len;
	char head[16];
	char err[192];
	/* Actions for the callback to take, exercising re-entrancy. */
	struct cm_fetch *f;
	long cancel_id;
	const struct cm_request *start;
	long started_id;
};

static void on_done(void *ctx, const struct cm_fetch_result *r)
{
	struct got *g = ctx;
	g->calls++;
	g->order = ++*g->seq;
	g->status = r->status;
	g->timed_out = r->timed_out;
	g->ok = r->error == NULL;
	snprintf(g->err, sizeof(g->err), "%s", r->error ? r->error : "");
	if (r->body) {
		g->len = r->len;
		g->truncated = r->truncated;
		g->nul_ok = r->body[r->len] == '\0';
		g->memstats = strstr(r->body, "\"memstats\"") != NULL;
		snprintf(g->head, sizeof(g->head), "%.*s", (int)(r->len < 15 ? r->len : 15), r->body);
	}
	if (g->cancel_id)
		cm_fetch_cancel(g->f, g->cancel_id);
	if (g->start)
		g->started_id = cm_fetch_start(g->f, g->start);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Polls until no transfer is active or WAIT_MS passed; false on timeout. */
static bool drain(struct cm_fetch *f)
{
	long end = now_ms() + WAIT_MS;
	while (cm_fetch_active(f) > 0) {
		if (now_ms() > end || cm_fetch_poll(f, NULL, 0, 100) < 0)
			return false;
	}
	return true;
}

/* Polls for about ms more: lets late (wrong) callbacks show up. */
static void settle(struct cm_fetch *f, long ms)
{
	long end = now_ms() + ms;
	while (now_ms() < end)
		cm_fetch_poll(f, NULL, 0, 20);
}

static struct cm_request req(const char *url, struct got *g)
{
	return (struct cm_request){.url = url, .timeout_ms = 5000, .max_body = 1 << 20,
				   .cb = on_done, .ctx = g};
}

/* ---- the service under test ---- */

/* Runs argv (in dir when not NULL) and waits. Exit status, 127 when it
 * could not be run, -1 when it died on a signal. */
static int run(const char *dir, const char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dir && chdir(dir) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The go environment of tests/lib.sh: no network, a cache even without $HOME. */
static void go_env(void)
{
	setenv("GOPROXY", "off", 1);
	setenv("GOFLAGS", "-mod=mod", 1);
	setenv("GO111MODULE", "on", 1);
	if (!getenv("GOCACHE") && !getenv("XDG_CACHE_HOME") && !getenv("HOME"))
		setenv("GOCACHE", "/tmp/cmon-gocache", 1);
}

struct demo {
	pid_t pid;
	char dir[240];
	char bin[256];
	char url[2][64]; /* "http://127.0.0.1:PORT" of its two services */
};

/* Reads the demo's "listening" lines from fd into d->url. */
static int read_urls(int fd, struct demo *d)
{
	FILE *in = fdopen(fd, "r");
	char line[256];
	int n = 0;
	if (!in)
		return -1;
	while (n < 2 && fgets(line, sizeof(line), in)) {
		const char *p = strstr(line, "http://");
		if (strncmp(line, "demo: listening on ", 19) || !p)
			break;
		snprintf(d->url[n], sizeof(d->url[n]), "%.*s", (int)strcspn(p, "\n"), p);
		n++;
	}
	fclose(in); /* the demo writes nothing more to stdout */
	return n == 2 ? 0 : -1;
}

static int demo_start(struct demo *d, const char *src)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(d->dir, sizeof(d->dir), "%s/test_fetch.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d->dir))
		return -1;
	snprintf(d->bin, sizeof(d->bin), "%s/demo", d->dir);
	const char *build[] = {"go", "build", "-o", d->bin, ".", NULL};
	if (run(src, build) != 0) {
		fprintf(stderr, "test_fetch: go build in %s failed\n", src);
		return -1;
	}
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(d->bin, "demo", "-addr", "127.0.0.1:0", "-services", "2", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	return read_urls(pfd[0], d);
}

static void demo_stop(struct demo *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
	}
	unlink(d->bin);
	rmdir(d->dir);
}

/* A loopback port that refuses connections: bound, never listening. The
 * socket stays open so nothing else takes the port during the test. */
static int refusing_port(int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(*fd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	return ntohs(a.sin_port);
}

/* ---- an HTTP server on a Unix socket ---- */

/* Answers every request on connection c, number k, with a body naming k
 * and the request line, until the client closes: keep-alive, so the
 * number shows whether a connection was reused. After answering
 * "GET /bye" it closes the connection, unannounced, as servers do with
 * idle ones. */
static void serve_conn(int c, int k)
{
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	while ((n = read(c, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		char *end;
		while ((end = strstr(buf, "\r\n\r\n"))) {
			char body[256], head[96];
			int bl = snprintf(body, sizeof(body), "conn %d: %.*s", k,
					  (int)strcspn(buf, "\r"), buf);
			int hl = snprintf(head, sizeof(head),
					  "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", bl);
			if (write(c, head, (size_t)hl) != hl || write(c, body, (size_t)bl) != bl ||
			    !strncmp(buf, "GET /bye ", 9))
				return;
			size_t used = (size_t)(end + 4 - buf);
			memmove(buf, end + 4, len - used + 1);
			len -= used;
		}
		if (len == sizeof(buf) - 1)
			return; /* a request this big is not one of ours */
	}
}

/* Listens on path and serves each connection in a process of its own.
 * The server's pid, or -1. */
static pid_t unix_server(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, n + 1);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	pid_t pid = fork();
	if (pid != 0) {
		close(s);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGCHLD, SIG_IGN); /* connection processes reap themselves */
	for (int k = 1;; k++) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(s);
			serve_conn(c, k);
			_exit(0);
		}
		close(c);
	}
}

/* ---- the tests ---- */

static void test_ok(struct cm_fetch *f, const struct demo *d, long *seq)
{
	for (int i = 0; i < 2; i++) {
		char url[128];
		snprintf(url, sizeof(url), "%s/debug/vars", d->url[i]);
		struct got g = {.seq = seq};
		struct cm_request r = req(url, &g);
		CHECK(cm_fetch_start(f, &r) > 0);
		CHECK(cm_fetch_active(f) == 1);
		CHECK(drain(f));
		CHECK_MSG(g.calls == 1 && g.ok, "service %d: %d calls, error %s", i, g.calls, g.err);
		CHECK(g.status == 200 && g.head[0] == '{' && g.memstats && g.nul_ok && !g.truncated);
	}
}

static void test_http_error(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char url[128];
	snprintf(url, sizeof(url), "%s/nope", d->url[0]);
	struct got g = {.seq = seq};
	struct cm_request r = req(url, &g);
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK(g.calls == 1 && !g.ok && g.status == 404 && g.len == 0);
	CHECK_STR(g.err, "HTTP 404 Not Found", "404");
	/* A bad ?ms= is a 400 with a body: the body is dropped, not delivered. */
	snprintf(url, sizeof(url), "%s/slow/debug/vars?ms=x", d->url[0]);
	g = (struct got){.seq = seq};
	r = req(url, &g);
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK_STR(g.err, "HTTP 400 Bad Request", "400");
}

static void test_refused(struct cm_fetch *f, long *seq)
{
	int fd;
	int port = refusing_port(&fd);
	CHECK(port > 0);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/debug/vars", port);
	struct got g = {.seq = seq};
	struct cm_request r = req(url, &g);
	r.user = "refused-user";
	r.password = "refused-secret";
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK(g.calls == 1 && !g.ok && g.status == 0 && !g.timed_out);
	CHECK_STR(g.err, "connection refused", "refused");
	/* The password is kept out of what curl says, never searched for in
	 * it: a one-letter one leaves the words whole, from the request or
	 * from the URL. */
	g = (struct got){.seq = seq};
	r = req(url, &g);
	r.user = "u";
	r.password = "e";
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK_STR(g.err, "connection refused", "refused, password \"e\"");
	snprintf(url, sizeof(url), "http://u:e@127.0.0.1:%d/debug/vars", port);
	g = (struct got){.seq = seq};
	r = req(url, &g);
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK_STR(g.err, "connection refused", "refused, password \"e\" in the URL");
	if (fd >= 0)
		close(fd);
}

/* A hung service times out; the fast ones started with it end first. */
static void test_timeout(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char slow[128], fast[128];
	snprintf(slow, sizeof(slow), "%s/slow/debug/vars?ms=10000", d->url[0]);
	snprintf(fast, sizeof(fast), "%s/debug/vars", d->url[1]);
	struct got gs = {.seq = seq}, gf[5];
	struct cm_request r = req(slow, &gs);
	r.timeout_ms = 1000;
	CHECK(cm_fetch_start(f, &r) > 0);
	for (int i = 0; i < 5; i++) {
		gf[i] = (struct got){.seq = seq};
		r = req(fast, &gf[i]);
		CHECK(cm_fetch_start(f, &r) > 0);
	}
	CHECK(drain(f));
	CHECK(gs.calls == 1 && !gs.ok && gs.status == 0 && gs.timed_out);
	CHECK_STR(gs.err, "timed out after 1000 ms", "timeout");
	for (int i = 0; i < 5; i++)
		CHECK_MSG(gf[i].calls == 1 && gf[i].ok && gf[i].order < gs.order,
			  "fast %d: calls %d, error \"%s\", order %ld vs slow %ld", i, gf[i].calls,
			  gf[i].err, gf[i].order, gs.order);
}

/* One capped fetch of url; fills g. */
static void capped(struct cm_fetch *f, const char *url, size_t max, bool trunc, struct got *g)
{
	struct cm_request r = req(url, g);
	r.max_body = max;
	r.allow_truncated = trunc;
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK(g->calls == 1);
}

static void test_body_cap(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char vars[128], health[128];
	snprintf(vars, sizeof(vars), "%s/debug/vars", d->url[0]);
	snprintf(health, sizeof(health), "%s/healthz", d->url[0]);
	/* /debug/vars comes chunked: the cap is met while writing. */
	struct got g = {.seq = seq};
	capped(f, vars, 100, true, &g);
	CHECK(g.ok && g.truncated && g.len == 100 && g.nul_ok && g.head[0] == '{');
	g = (struct got){.seq = seq};
	capped(f, vars, 100, false, &g);
	CHECK(!g.ok && g.status == 200);
	CHECK_STR(g.err, "body over 100 bytes", "cap");
	/* /healthz has a Content-Length: over the cap it fails before the body. */
	g = (struct got){.seq = seq};
	capped(f, health, 2, false, &g);
	CHECK_STR(g.err, "body over 2 bytes", "content-length cap");
	g = (struct got){.seq = seq};
	capped(f, health, 2, true, &g);
	CHECK(g.ok && g.truncated && g.len == 2 && !strcmp(g.head, "ok"));
	g = (struct got){.seq = seq};
	capped(f, health, 3, false, &g); /* exactly the cap is not over it */
	CHECK(g.ok && !g.truncated && g.len == 3 && !strcmp(g.head, "ok\n"));
}

static void test_concurrent(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char url[2][128];
	for (int i = 0; i < 2; i++)
		snprintf(url[i], sizeof(url[i]), "%s/debug/vars", d->url[i]);
	static struct got g[NCONC];
	long ids[NCONC];
	for (int i = 0; i < NCONC; i++) {
		g[i] = (struct got){.seq = seq};
		struct cm_request r = req(url[i % 2], &g[i]);
		ids[i] = cm_fetch_start(f, &r);
		CHECK(ids[i] > 0 && (i == 0 || ids[i] > ids[i - 1]));
	}
	CHECK(cm_fetch_active(f) == NCONC);
	CHECK(drain(f));
	settle(f, 100);
	int good = 0;
	for (int i = 0; i < NCONC; i++)
		good += g[i].calls == 1 && g[i].ok && g[i].memstats;
	CHECK_MSG(good == NCONC, "%d of %d delivered once with a body", good, NCONC);
	CHECK(cm_fetch_active(f) == 0);
}

static void test_cancel(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char slow[128], timer[128];
	snprintf(slow, sizeof(slow), "%s/slow/debug/vars?ms=200", d->url[0]);
	snprintf(timer, sizeof(timer), "%s/slow/debug/vars?ms=600", d->url[1]);
	struct got a = {.seq = seq}, b = {.seq = seq}, t = {.seq = seq};
	struct cm_request r = req(slow, &a);
	long ida = cm_fetch_start(f, &r); /* cancelled before any poll */
	r = req(slow, &b);
	long idb = cm_fetch_start(f, &r); /* cancelled while in flight */
	r = req(timer, &t);
	CHECK(ida > 0 && idb > 0 && cm_fetch_start(f, &r) > 0);
	cm_fetch_cancel(f, ida);
	cm_fetch_cancel(f, ida); /* twice, and unknown ids, are no-ops */
	cm_fetch_cancel(f, 999999);
	CHECK(cm_fetch_active(f) == 2);
	for (int i = 0; i < 5; i++)
		cm_fetch_poll(f, NULL, 0, 10);
	cm_fetch_cancel(f, idb);
	CHECK(cm_fetch_active(f) == 1);
	CHECK(drain(f)); /* the 600 ms one: the cancelled 200 ms ones had time to end */
	settle(f, 100);
	CHECK(t.calls == 1 && t.ok);
	CHECK_MSG(a.calls == 0 && b.calls == 0, "cancelled callbacks ran: %d, %d", a.calls, b.calls);
}

/* Two requests that cancel each other from their callbacks: exactly one
 * callback runs whichever ends first, even in the same poll. The first
 * also starts a new request from its callback, and cancels itself. */
static void test_cancel_from_callback(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char url[128];
	snprintf(url, sizeof(url), "%s/healthz", d->url[0]);
	struct got x = {.seq = seq, .f = f}, y = {.seq = seq, .f = f}, z = {.seq = seq};
	struct cm_request rz = req(url, &z);
	x.start = y.start = &rz;
	struct cm_request r = req(url, &x);
	long idx = cm_fetch_start(f, &r);
	r = req(url, &y);
	long idy = cm_fetch_start(f, &r);
	x.cancel_id = idy;
	y.cancel_id = idx;
	CHECK(drain(f));
	settle(f, 100);
	CHECK_MSG(x.calls + y.calls == 1, "x %d calls, y %d calls", x.calls, y.calls);
	CHECK(x.started_id > 0 || y.started_id > 0);
	CHECK(z.calls == 1 && z.ok && !strcmp(z.head, "ok\n"));
	/* A callback cancelling its own transfer changes nothing. */
	struct got s = {.seq = seq, .f = f};
	r = req(url, &s);
	s.cancel_id = cm_fetch_start(f, &r);
	CHECK(drain(f));
	CHECK(s.calls == 1 && s.ok && cm_fetch_active(f) == 0);
}

/* One fetch of url through the Unix socket sock; fills g. */
static void via_unix(struct cm_fetch *f, const char *url, const char *sock, struct got *g)
{
	struct cm_request r = req(url, g);
	r.unix_socket = sock;
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK(g->calls == 1);
}

/* Requests go to the Unix socket whatever the URL's host, past a proxy
 * from the environment, on one kept-alive connection; a request without
 * the socket after one with it goes to the URL's host again. */
static void unix_routing(struct cm_fetch *f, const struct demo *d, const char *sock, long *seq)
{
	int fd;
	char proxy[64], healthz[128];
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", refusing_port(&fd));
	setenv("http_proxy", proxy, 1);
	struct got g = {.seq = seq};
	via_unix(f, "http://svc.invalid/debug/vars", sock, &g);
	CHECK_MSG(g.ok && !strcmp(g.head, "conn 1: GET /de"), "error \"%s\", body \"%s\"", g.err,
		  g.head);
	unsetenv("http_proxy");
	if (fd >= 0)
		close(fd);
	snprintf(healthz, sizeof(healthz), "%s/healthz", d->url[0]);
	g = (struct got){.seq = seq};
	struct cm_request r = req(healthz, &g);
	CHECK(cm_fetch_start(f, &r) > 0);
	CHECK(drain(f));
	CHECK(g.ok && !strcmp(g.head, "ok\n"));
	g = (struct got){.seq = seq};
	via_unix(f, "http://svc.invalid/x", sock, &g);
	CHECK_MSG(g.ok && !strcmp(g.head, "conn 1: GET /x "), "reused? body \"%s\"", g.head);
}

/* A kept-alive connection that the server closes between transfers is
 * replaced by a new one. */
static void unix_reconnect(struct cm_fetch *f, const char *sock, long *seq)
{
	struct got g = {.seq = seq};
	via_unix(f, "http://svc.invalid/bye", sock, &g);
	CHECK(g.ok && !strcmp(g.head, "conn 1: GET /by"));
	settle(f, 100); /* the close arrives while no transfer uses the connection */
	g = (struct got){.seq = seq};
	via_unix(f, "http://svc.invalid/again", sock, &g);
	CHECK_MSG(g.ok && !strcmp(g.head, "conn 2: GET /ag"), "error \"%s\", body \"%s\"", g.err,
		  g.head);
}

static void test_unix_socket(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char sock[sizeof(d->dir) + 16];
	snprintf(sock, sizeof(sock), "%s/http.sock", d->dir);
	pid_t server = unix_server(sock);
	CHECK(server > 0);
	if (server <= 0)
		return;
	unix_routing(f, d, sock, seq);
	unix_reconnect(f, sock, seq);
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(sock);
	struct got g = {.seq = seq};
	via_unix(f, "http://svc.invalid/debug/vars", sock, &g); /* no such socket now */
	CHECK(!g.ok && g.status == 0);
	CHECK_STR(g.err, "could not connect", "missing socket");
}

/* The caller's fds wake the poll and get their revents. */
/* After answers arrive the network is left alone for a few milliseconds
 * (fetch.c batches wake-ups), but only after activity: a service that
 * answers nothing for a second must cost a handful of wake-ups, not one
 * every few milliseconds. Counts cm_fetch_poll's returns while one slow
 * and a few fast transfers run. */
static void test_no_spin(struct cm_fetch *f, const struct demo *d, long *seq)
{
	char slow[128], fast[128];
	snprintf(slow, sizeof(slow), "%s/slow/debug/vars?ms=1500", d->url[0]);
	snprintf(fast, sizeof(fast), "%s/debug/vars", d->url[1]);
	struct got gs = {.seq = seq}, gf[3];
	struct cm_request r = req(slow, &gs);
	CHECK(cm_fetch_start(f, &r) > 0);
	for (int i = 0; i < 3; i++) {
		gf[i] = (struct got){.seq = seq};
		r = req(fast, &gf[i]);
		CHECK(cm_fetch_start(f, &r) > 0);
	}
	int returns = 0;
	long end = now_ms() + WAIT_MS;
	while (cm_fetch_active(f) > 0 && now_ms() < end && cm_fetch_poll(f, NULL, 0, -1) >= 0)
		returns++;
	CHECK(gs.calls == 1 && gs.ok);
	for (int i = 0; i < 3; i++)
		CHECK(gf[i].calls == 1 && gf[i].ok);
	CHECK_MSG(returns <= 20, "%d wake-ups for 4 transfers over 1.5 s", returns);
}

static void test_caller_fds(struct cm_fetch *f)
{
	int p[2];
	CHECK(pipe(p) == 0);
	struct pollfd pfd = {.fd = p[0], .events = POLLIN};
	CHECK(cm_fetch_poll(f, &pfd, 1, 10) == 0 && pfd.revents == 0);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(cm_fetch_poll(f, &pfd, 1, WAIT_MS) == 1 && (pfd.revents & POLLIN));
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_fetch DEMO_SOURCE_DIR\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	go_env();
	const char *version[] = {"go", "version", NULL};
	int fd = open("/dev/null", O_WRONLY);
	int saved = dup(1);
	dup2(fd, 1); /* go version's line would clutter the test log */
	int rc = run(NULL, version);
	dup2(saved, 1);
	close(saved);
	close(fd);
	if (rc == 127) {
		printf("test_fetch: SKIP: no go command to build demo/\n");
		return 77;
	}
	struct demo d = {0};
	if (demo_start(&d, argv[1]) < 0) {
		fprintf(stderr, "test_fetch: cannot start the demo service\n");
		demo_stop(&d);
		return 1;
	}
	char err[256];
	struct cm_fetch *f = cm_fetch_new(&(struct cm_fetch_opts){0}, err, sizeof(err));
	if (!f) {
		fprintf(stderr, "test_fetch: %s\n", err);
		demo_stop(&d);
		return 1;
	}
	long seq = 0;
	test_ok(f, &d, &seq);
	test_http_error(f, &d, &seq);
	test_refused(f, &seq);
	test_timeout(f, &d, &seq);
	test_body_cap(f, &d, &seq);
	test_concurrent(f, &d, &seq);
	test_cancel(f, &d, &seq);
	test_cancel_from_callback(f, &d, &seq);
	test_unix_socket(f, &d, &seq);
	test_no_spin(f, &d, &seq);
	test_caller_fds(f);
	/* Freeing with transfers in flight runs no callback. */
	char url[128];
	snprintf(url, sizeof(url), "%s/slow/debug/vars?ms=5000", d.url[0]);
	struct got g = {.seq = &seq};
	struct cm_request r = req(url, &g);
	CHECK(cm_fetch_start(f, &r) > 0);
	cm_fetch_poll(f, NULL, 0, 10);
	cm_fetch_free(f);
	CHECK(g.calls == 0);
	demo_stop(&d);
	return check_status("test_fetch");
}
