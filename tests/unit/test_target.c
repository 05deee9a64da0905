/* The -ports grammar (every form in expvarmon's reference, and cmon's
 * errors), cm_target_url, Go's time.ParseDuration, and allocation failure
 * in each (outside sanitizer builds, which own malloc). */
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "cmon/base/url.h"
#include "cmon/monitor/target.h"
#include "failalloc.h"

/* ---- helpers ---- */

static struct cm_target_list parse_ok(const char *spec, size_t n)
{
	struct cm_target_list l = {0};
	char err[256] = "";
	int rc = cm_targets_parse(spec, &l, err, sizeof(err));
	CHECK_MSG(rc == 0, "\"%s\" failed: %s", spec, err);
	CHECK_MSG(l.n == n, "\"%s\": %zu targets, want %zu", spec, l.n, n);
	return l;
}

static void check_target(const struct cm_target *t, const char *base, const char *display,
			 const char *path, unsigned port, int https)
{
	CHECK_STR(t->base, base, "base");
	CHECK_STR(t->display, display, "display");
	if (path)
		CHECK_STR(t->path, path, "path");
	else
		CHECK_MSG(t->path == NULL, "%s: path \"%s\", want none", base, t->path);
	CHECK_MSG(t->port == port, "%s: port %u, want %u", base, t->port, port);
	CHECK_MSG(t->https == https, "%s: https %d", base, t->https);
}

/* One target from spec, checked. */
static void one(const char *spec, const char *base, const char *display, const char *path,
		unsigned port, int https)
{
	struct cm_target_list l = parse_ok(spec, 1);
	if (l.n == 1) {
		check_target(&l.v[0], base, display, path, port, https);
		CHECK_MSG(!l.v[0].user && !l.v[0].password, "%s: credentials", spec);
	}
	cm_targets_free(&l);
}

/* spec fails, naming field, for a reason containing why; out stays empty. */
static void bad(const char *spec, const char *field, const char *why)
{
	struct cm_target_list l = {0};
	char err[512] = "", want[300];
	int rc = cm_targets_parse(spec, &l, err, sizeof(err));
	CHECK_MSG(rc == -1, "\"%s\" parsed", spec);
	CHECK_MSG(l.n == 0 && l.v == NULL, "\"%s\": list not empty after an error", spec);
	snprintf(want, sizeof(want), "bad -ports field \"%s\": ", field);
	CHECK_MSG(!strncmp(err, want, strlen(want)), "\"%s\": error \"%s\" does not start \"%s\"",
		  spec, err, want);
	CHECK_ERR(err, why, spec);
}

/* ---- -ports ---- */

static void test_reference_forms(void)
{
	one("5000", "http://localhost:5000", "localhost:5000", NULL, 5000, 0);
	one("host:5000", "http://host:5000", "host:5000", NULL, 5000, 0);
	one(":5000", "http://localhost:5000", "localhost:5000", NULL, 5000, 0);
	one("http://host:5000", "http://host:5000", "host:5000", NULL, 5000, 0);

	struct cm_target_list l = parse_ok("5000-5003", 4);
	for (size_t i = 0; i < l.n; i++) {
		char base[64], display[64];
		snprintf(base, sizeof(base), "http://localhost:%zu", 5000 + i);
		snprintf(display, sizeof(display), "localhost:%zu", 5000 + i);
		check_target(&l.v[i], base, display, NULL, (unsigned)(5000 + i), 0);
	}
	cm_targets_free(&l);
	CHECK(l.v == NULL && l.n == 0);

	l = parse_ok("host:5000-5003", 4);
	if (l.n == 4) {
		check_target(&l.v[0], "http://host:5000", "host:5000", NULL, 5000, 0);
		check_target(&l.v[3], "http://host:5003", "host:5003", NULL, 5003, 0);
	}
	cm_targets_free(&l);

	l = parse_ok("https://user:pass@host:443", 1);
	if (l.n == 1) {
		check_target(&l.v[0], "https://host:443", "host:443", NULL, 443, 1);
		CHECK_STR(l.v[0].user, "user", "user");
		CHECK_STR(l.v[0].password, "pass", "password");
	}
	cm_targets_free(&l);

	l = parse_ok("http://host:5000-5002/custom/vars", 3);
	for (size_t i = 0; i < l.n; i++) {
		char base[64], display[64];
		snprintf(base, sizeof(base), "http://host:%zu", 5000 + i);
		snprintf(display, sizeof(display), "host:%zu", 5000 + i);
		check_target(&l.v[i], base, display, "/custom/vars", (unsigned)(5000 + i), 0);
	}
	cm_targets_free(&l);
}

static void test_lists(void)
{
	struct cm_target_list l =
		parse_ok("5000,host:6000-6001,https://u:p@h:443/x,:7000", 5);
	if (l.n == 5) {
		check_target(&l.v[0], "http://localhost:5000", "localhost:5000", NULL, 5000, 0);
		check_target(&l.v[1], "http://host:6000", "host:6000", NULL, 6000, 0);
		check_target(&l.v[2], "http://host:6001", "host:6001", NULL, 6001, 0);
		check_target(&l.v[3], "https://h:443", "h:443", "/x", 443, 1);
		check_target(&l.v[4], "http://localhost:7000", "localhost:7000", NULL, 7000, 0);
		/* each target owns its own copy of the credentials */
		CHECK(l.v[0].user == NULL && l.v[3].user && l.v[3].password);
	}
	cm_targets_free(&l);

	/* blanks around fields are dropped */
	l = parse_ok(" 5000 ,\t5001\t", 2);
	if (l.n == 2)
		check_target(&l.v[1], "http://localhost:5001", "localhost:5001", NULL, 5001, 0);
	cm_targets_free(&l);

	/* duplicates are kept, and a one-port range is one port */
	l = parse_ok("5000,5000,6000-6000", 3);
	cm_targets_free(&l);

	/* exactly CM_TARGETS_MAX is allowed, over both ends of the range */
	l = parse_ok("1-10000", CM_TARGETS_MAX);
	if (l.n == CM_TARGETS_MAX) {
		check_target(&l.v[0], "http://localhost:1", "localhost:1", NULL, 1, 0);
		check_target(&l.v[9999], "http://localhost:10000", "localhost:10000", NULL, 10000, 0);
	}
	cm_targets_free(&l);
	l = parse_ok("55536-65535", CM_TARGETS_MAX);
	if (l.n)
		CHECK(l.v[l.n - 1].port == 65535);
	cm_targets_free(&l);
}

static void test_choices(void)
{
	/* IPv6 in brackets, with and without scheme, with a zone */
	one("[::1]:5000", "http://[::1]:5000", "[::1]:5000", NULL, 5000, 0);
	one("https://[2001:db8::1]:8443/v", "https://[2001:db8::1]:8443", "[2001:db8::1]:8443",
	    "/v", 8443, 1);
	one("http://[fe80::1%25eth0]:80", "http://[fe80::1%25eth0]:80", "[fe80::1%25eth0]:80",
	    NULL, 80, 0);
	one("[::ffff:127.0.0.1]:1", "http://[::ffff:127.0.0.1]:1", "[::ffff:127.0.0.1]:1", NULL,
	    1, 0);
	/* scheme in any case, written lowercase */
	one("HTTPS://h:1", "https://h:1", "h:1", NULL, 1, 1);
	one("Http://h:1", "http://h:1", "h:1", NULL, 1, 0);
	/* ":port" with a scheme is localhost too */
	one("http://:5000", "http://localhost:5000", "localhost:5000", NULL, 5000, 0);
	/* a lone "/" is no path; a path without a scheme is kept */
	one("http://h:1/", "http://h:1", "h:1", NULL, 1, 0);
	one("h:1/debug/vars2", "http://h:1", "h:1", "/debug/vars2", 1, 0);
	one("5000/x?y=1", "http://localhost:5000", "localhost:5000", "/x?y=1", 5000, 0);
	/* host characters */
	one("my-host_1.example.com:80", "http://my-host_1.example.com:80",
	    "my-host_1.example.com:80", NULL, 80, 0);
	/* leading zeros are the same port */
	one("h:05000", "http://h:5000", "h:5000", NULL, 5000, 0);

	/* credentials: percent-decoded; password optional; no scheme needed */
	struct cm_target_list l = parse_ok("http://us%40er:p%3As%2Fs%25@h:1", 1);
	if (l.n == 1) {
		CHECK_STR(l.v[0].user, "us@er", "decoded user");
		CHECK_STR(l.v[0].password, "p:s/s%", "decoded password");
		CHECK_STR(l.v[0].base, "http://h:1", "no credentials in base");
		CHECK_STR(l.v[0].display, "h:1", "no credentials in display");
	}
	cm_targets_free(&l);
	l = parse_ok("http://bob@h:1", 1);
	if (l.n == 1) {
		CHECK_STR(l.v[0].user, "bob", "user alone");
		CHECK(l.v[0].password == NULL);
	}
	cm_targets_free(&l);
	l = parse_ok("bob:@h:1", 1);
	if (l.n == 1) {
		CHECK_STR(l.v[0].user, "bob", "user, no scheme");
		CHECK_STR(l.v[0].password, "", "empty password");
	}
	cm_targets_free(&l);
	/* the last '@' ends the credentials, as in Go */
	l = parse_ok("http://a@b:c@d@h:1", 1);
	if (l.n == 1) {
		CHECK_STR(l.v[0].user, "a@b", "user with '@'");
		CHECK_STR(l.v[0].password, "c@d", "password with '@'");
	}
	cm_targets_free(&l);
}

static void test_errors(void)
{
	/* the reference's own example, word for word */
	struct cm_target_list l = {0};
	char err[256];
	CHECK(cm_targets_parse("50x0", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -ports field \"50x0\": port is not a number", "example error");

	/* empty fields and lists */
	bad("", "", "empty field");
	bad("5000,", "", "empty field");
	bad(",5000", "", "empty field");
	bad("5000,,5001", "", "empty field");
	bad("5000, ,5001", "", "empty field");
	bad(",", "", "empty field");
	/* ports: missing, 0, 65536, not a number, huge */
	bad("host", "host", "port missing");
	bad("host:", "host:", "port missing");
	bad(":", ":", "port missing");
	bad("http://host", "http://host", "port missing");
	bad("http://host/vars", "http://host/vars", "port missing");
	bad("http://5000", "http://5000", "port missing");
	bad("http://", "http://", "host and port missing");
	bad("0", "0", "port 0 is out of range (1-65535)");
	bad("host:0", "host:0", "out of range");
	bad("65536", "65536", "port 65536 is out of range (1-65535)");
	bad("99999999999999999999999", "99999999999999999999999", "out of range");
	bad("host:http", "host:http", "port is not a number");
	bad("host:50 00", "host:50 00", "port is not a number");
	bad("5000,host:-1", "host:-1", "port missing");
	bad("5000x", "5000x", "port is not a number");
	bad("5000-", "5000-", "port missing");
	bad("-5000", "-5000", "port missing");
	bad("5000-5001-5002", "5000-5001-5002", "port is not a number");
	bad("5000-0", "5000-0", "out of range");
	/* reversed and too large ranges; the field that goes over is named */
	bad("5003-5000", "5003-5000", "range 5003-5000 is reversed");
	bad("h:2-1", "h:2-1", "reversed");
	bad("1-65535", "1-65535", "more than 10000 services");
	bad("1-10001", "1-10001", "more than 10000 services");
	bad("1-10000,5", "5", "more than 10000 services");
	bad("1-5000,h:1-5001", "h:1-5001", "more than 10000 services");
	/* schemes */
	bad("ftp://host:21", "ftp://host:21", "unsupported scheme \"ftp\" (http, https)");
	bad("://host:21", "://host:21", "unsupported scheme \"\"");
	bad("httpx://h:1", "httpx://h:1", "unsupported scheme \"httpx\"");
	/* brackets and IPv6 */
	bad("[::1:5000", "[::1:5000", "unclosed '['");
	bad("[::1]5000", "[::1]5000", "expected ':' and a port after ']'");
	bad("[::1]", "[::1]", "port missing");
	bad("[::1]:", "[::1]:", "port missing");
	bad("[]:5000", "[]:5000", "bad IPv6 address");
	bad("[host]:5000", "[host]:5000", "bad IPv6 address");
	bad("[fe80::1%eth0]:1", "[fe80::1%eth0]:1", "bad IPv6 zone");
	bad("[fe80::1%25]:1", "[fe80::1%25]:1", "bad IPv6 zone");
	bad("::1:5000", "::1:5000", "an IPv6 address needs brackets");
	bad("host]:5000", "host]:5000", "bad character ']' in host");
	/* hosts */
	bad("h!st:1", "h!st:1", "bad character '!' in host");
	bad("h?x:1", "h?x:1", "bad character '?' in host");
	/* credentials */
	bad("@h:1", "@h:1", "empty user before '@'");
	bad("http://u%zz@h:1", "http://u%zz@h:1", "bad %XX escape in user");
	bad("http://u%4@h:1", "http://u%4@h:1", "bad %XX escape in user");
	bad("http://u%00@h:1", "http://u%00@h:1", "bad %XX escape in user");
	bad("u@:1x", "u@:1x", "port is not a number");
	/* paths */
	bad("http://h:1/a b", "http://h:1/a b", "in the path");
	bad("http://h:1/a#b", "http://h:1/a#b", "in the path");
	/* too long */
	char longf[3000];
	memset(longf, 'a', sizeof(longf) - 1);
	longf[sizeof(longf) - 1] = '\0';
	char lerr[600];
	CHECK(cm_targets_parse(longf, &l, lerr, sizeof(lerr)) == -1);
	CHECK_ERR(lerr, "longer than 2048 bytes", "long field");
	CHECK_ERR(lerr, "aaa...\": ", "long field cut");
}

/* Errors are one line, and never show the password. */
static void test_error_hygiene(void)
{
	struct cm_target_list l = {0};
	char err[256];
	CHECK(cm_targets_parse("https://user:s3cret@host:x", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -ports field \"https://user:***@host:x\": port is not a number",
		  "password hidden");
	CHECK(cm_targets_parse("https://user:s3%zzcret@host:1", &l, err, sizeof(err)) == -1);
	CHECK_MSG(!strstr(err, "s3") && strstr(err, "***") &&
			  strstr(err, "bad %XX escape in password"),
		  "%s", err);
	CHECK(cm_targets_parse("5000,u:pw@h:1,ftp://x:pw2@h:1", &l, err, sizeof(err)) == -1);
	CHECK_MSG(!strstr(err, "pw2") && strstr(err, "ftp://x:***@h:1"), "%s", err);
	/* a newline or escape in the field becomes '?' */
	CHECK(cm_targets_parse("50\n00", &l, err, sizeof(err)) == -1);
	CHECK_ERR(err, "\"50?00\"", "newline in field");
	CHECK(cm_targets_parse("h\x1b[2J:1", &l, err, sizeof(err)) == -1);
	CHECK_ERR(err, "\"h?[2J:1\"", "escape in field");
	/* a small buffer is cut, not overrun */
	char small[12];
	CHECK(cm_targets_parse("ftp://h:1", &l, small, sizeof(small)) == -1);
	CHECK_STR(small, "bad -ports ", "small buffer");
	CHECK(cm_targets_parse("ftp://h:1", &l, NULL, 0) == -1);
}

/* ---- ssh:// entries and ssh destinations ---- */

/* spec is one target through ssh on dest, with this base and display. */
static void via_ssh(const char *spec, const char *dest, const char *host, const char *base,
		    const char *display)
{
	struct cm_target_list l = parse_ok(spec, 1);
	if (l.n == 1) {
		CHECK_STR(l.v[0].ssh, dest, spec);
		CHECK_STR(l.v[0].host, host, spec);
		CHECK_STR(l.v[0].base, base, spec);
		CHECK_STR(l.v[0].display, display, spec);
	}
	cm_targets_free(&l);
}

static void test_ssh_entries(void)
{
	via_ssh("ssh://app2/:6060", "app2", "localhost", "http://localhost:6060",
		"app2/localhost:6060");
	via_ssh("SSH://deploy@app2:2222/db1.example:6060", "deploy@app2:2222", "db1.example",
		"http://db1.example:6060", "app2:2222/db1.example:6060");
	via_ssh("ssh://[2001:db8::7]:22/[::1]:6060", "[2001:db8::7]:22", "[::1]",
		"http://[::1]:6060", "[2001:db8::7]:22/[::1]:6060");
	via_ssh("ssh://h/https://u:p@x:443/custom/vars", "h", "x", "https://x:443", "h/x:443");

	/* a plain entry has a host and no ssh */
	struct cm_target_list l = parse_ok("db1.example:6060,7000", 2);
	if (l.n == 2) {
		CHECK_STR(l.v[0].host, "db1.example", "plain host");
		CHECK_STR(l.v[1].host, "localhost", "default host");
		CHECK(l.v[0].ssh == NULL && l.v[1].ssh == NULL);
	}
	cm_targets_free(&l);

	/* ranges, paths and credentials work behind the prefix; hosts mix */
	l = parse_ok("db1.example:6060,ssh://app2/:6060-6061,ssh://u@app3/h:1/x/debug/vars", 4);
	if (l.n == 4) {
		CHECK(l.v[0].ssh == NULL);
		CHECK_STR(l.v[2].display, "app2/localhost:6061", "range behind ssh");
		CHECK_STR(l.v[3].ssh, "u@app3", "third host");
		CHECK_STR(l.v[3].path, "/x/debug/vars", "path behind ssh");
	}
	cm_targets_free(&l);

	bad("ssh://app2", "ssh://app2", "the service goes after ssh://HOST/");
	bad("ssh://app2/", "ssh://app2/", "the service goes after ssh://HOST/");
	bad("ssh:///:6060", "ssh:///:6060", "ssh host missing");
	bad("ssh://-oProxyCommand=x/:1", "ssh://-oProxyCommand=x/:1", "cannot start with '-'");
	bad("ssh://-x/:1", "ssh://-x/:1", "cannot start with '-'");
	bad("ssh://a b/:1", "ssh://a b/:1", "bad character ' ' in host");
	bad("ssh://h:0/:1", "ssh://h:0/:1", "out of range");
	bad("ssh://h:x/:1", "ssh://h:x/:1", "port is not a number");
	bad("ssh://@h/:1", "ssh://@h/:1", "empty user");
	bad("ssh://a;b@h/:1", "ssh://a;b@h/:1", "bad character ';' in the ssh user");
	bad("ssh://::1/:1", "ssh://::1/:1", "needs brackets");
	bad("ssh://[::1/:1", "ssh://[::1/:1", "unclosed '['");
	bad("ssh://[::1]x/:1", "ssh://[::1]x/:1", "expected ':'");
	bad("ssh://h/ssh://g/:1", "ssh://h/ssh://g/:1", "unsupported scheme \"ssh\"");
	bad("ssh://h/50x0", "ssh://h/50x0", "port is not a number");

	/* no password in the ssh address, and none shown from either part */
	char err[256];
	CHECK(cm_targets_parse("ssh://u:s3cret@h/:1", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -ports field \"ssh://u:***@h/:1\": no password here: ssh logs in "
		       "with keys or the agent", "ssh password refused and hidden");
	CHECK(cm_targets_parse("ssh://h/http://u:s3cret@x:y", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -ports field \"ssh://h/http://u:***@x:y\": port is not a number",
		  "inner password hidden");

	/* the destination alone, as -ssh takes it */
	struct cm_ssh_dest d;
	char why[160], name[400];
	CHECK(cm_ssh_dest_parse("app2", 4, &d, why, sizeof(why)) == 0);
	CHECK(!d.user[0] && d.port == 0);
	CHECK_STR(d.host, "app2", "bare host");
	CHECK(cm_ssh_dest_parse("me@[fe80::1%25eth0]:2200", 24, &d, why, sizeof(why)) == 0);
	CHECK_STR(d.host, "fe80::1%eth0", "zone decoded for ssh");
	CHECK(d.port == 2200);
	cm_ssh_dest_name(&d, 1, name, sizeof(name));
	CHECK_STR(name, "me@[fe80::1%eth0]:2200", "name with user");
	cm_ssh_dest_name(&d, 0, name, sizeof(name));
	CHECK_STR(name, "[fe80::1%eth0]:2200", "name without user");
	CHECK(cm_ssh_dest_parse("", 0, &d, why, sizeof(why)) == -1);
	CHECK_ERR(why, "ssh host missing", "empty -ssh");
	CHECK(cm_ssh_dest_parse("h:", 2, &d, why, sizeof(why)) == -1);
	CHECK_ERR(why, "port missing", "-ssh h:");
	char longh[300];
	memset(longh, 'a', sizeof(longh));
	CHECK(cm_ssh_dest_parse(longh, sizeof(longh), &d, why, sizeof(why)) == -1);
	CHECK_ERR(why, "longer than 255", "long ssh host");
	memset(longh, '1', sizeof(longh));
	longh[0] = '[';
	longh[sizeof(longh) - 1] = ']';
	longh[1] = ':';
	CHECK(cm_ssh_dest_parse(longh, sizeof(longh), &d, why, sizeof(why)) == -1);
	CHECK_ERR(why, "longer than 255", "long ssh v6 host");
}

/* ---- cm_target_url ---- */

static void url(const char *spec, const char *endpoint, const char *query, const char *want)
{
	struct cm_target_list l = parse_ok(spec, 1);
	if (l.n == 1) {
		char *u = cm_target_url(&l.v[0], endpoint, query);
		CHECK_STR(u, want, spec);
		free(u);
	}
	cm_targets_free(&l);
}

static void test_url(void)
{
	url("5000", "/debug/vars", NULL, "http://localhost:5000/debug/vars");
	url("5000", "/debug/vars", "", "http://localhost:5000/debug/vars");
	url("h:1", "/debug/pprof/goroutine", "?debug=1", "http://h:1/debug/pprof/goroutine?debug=1");
	url("https://u:p@h:443/custom/vars", "/debug/vars", NULL, "https://h:443/custom/vars");
	url("http://h:1/custom", "/debug/vars", "?debug=1", "http://h:1/custom?debug=1");
	url("h:1/x?token=t", "/debug/vars", "?debug=1", "http://h:1/x?token=t&debug=1");
	url("h:1", "debug/vars", NULL, "http://h:1/debug/vars");
	url("h:1", NULL, NULL, "http://h:1");
	url("h:1", "", NULL, "http://h:1");
	url("[::1]:9", "/v", NULL, "http://[::1]:9/v");
}

/* ---- where a URL keeps its credentials (url.c) ---- */

static void masked(const char *s, const char *want)
{
	char buf[128];
	cm_url_masked(s, strlen(s), buf, sizeof(buf));
	CHECK_STR(buf, want, s);
}

static void hidden(const char *s, const char *want)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	cm_targets_hide_passwords(buf);
	CHECK_STR(buf, want, s);
}

static void split(const char *url, int want_rc, const char *bare, const char *user,
		  const char *password)
{
	char *b, *u, *p;
	int rc = cm_url_split_userinfo(url, &b, &u, &p);
	CHECK_MSG(rc == want_rc, "%s: rc %d", url, rc);
	CHECK_MSG((b == NULL) == (bare == NULL) && (!b || !strcmp(b, bare)), "%s: bare %s", url,
		  b ? b : "(null)");
	CHECK_MSG((u == NULL) == (user == NULL) && (!u || !strcmp(u, user)), "%s: user %s", url,
		  u ? u : "(null)");
	CHECK_MSG((p == NULL) == (password == NULL) && (!p || !strcmp(p, password)),
		  "%s: password %s", url, p ? p : "(null)");
	free(b);
	free(u);
	free(p);
}

static void test_credentials(void)
{
	masked("http://u:pw@h:1/x", "http://u:***@h:1/x");
	masked("u:pw@h:1", "u:***@h:1");
	masked("http://u@h:1", "http://u@h:1");
	masked("http://h:1/a:b@c", "http://h:1/a:b@c");       /* '@' in the path */
	masked("http://u:p@ss@h:1/x", "http://u:***@h:1/x");  /* the last '@' */
	masked("ssh://u:a@g/http://v:b@h:1", "ssh://u:***@g/http://v:***@h:1");
	masked("dir/a:b@c", "dir/a:b@c");                     /* a file */
	char cut[12];
	cm_url_masked("http://u:pw@h:1/x", 17, cut, sizeof(cut));
	CHECK_STR(cut, "http://u:**", "cut to fit");
	/* in place, each field of a list, the rest untouched */
	hidden("5000,http://u:secret@h:1,v:pw@h:2/p", "5000,http://u:******@h:1,v:**@h:2/p");
	hidden("ssh://g/https://u:s@h:1", "ssh://g/https://u:*@h:1");
	hidden("h:1", "h:1");
	/* taken out of the URL, decoded, whatever else is in it */
	split("http://h:1/x", 0, NULL, NULL, NULL);
	split("http://u:p%40ss@h:1/x?a=b@c", 1, "http://h:1/x?a=b@c", "u", "p@ss");
	split("https://u@h:1", 1, "https://h:1", "u", NULL);
	split("http://u:@h:1", 1, "http://h:1", "u", "");
	split("http://u:%zz%00@h:1", 1, "http://h:1", "u", "%zz%00"); /* as written */
	split("u:p@h:1", 1, "h:1", "u", "p");
}

/* ---- durations ---- */

static void dur_ok(const char *s, long long want)
{
	long long got = 12345;
	int rc = cm_duration_parse(s, &got);
	CHECK_MSG(rc == 0 && got == want, "duration \"%s\": rc %d, %lld ns, want %lld", s, rc, got,
		  want);
}

static void dur_bad(const char *s)
{
	long long got = 12345;
	int rc = cm_duration_parse(s, &got);
	CHECK_MSG(rc == -1 && got == 12345, "duration \"%s\" accepted: %lld", s, got);
}

#define US 1000LL
#define MS 1000000LL
#define SEC 1000000000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

/* Go's own table (src/time/time_test.go, parseDurationTests). */
static void test_duration(void)
{
	dur_ok("0", 0);
	dur_ok("5s", 5 * SEC);
	dur_ok("30s", 30 * SEC);
	dur_ok("1478s", 1478 * SEC);
	dur_ok("-5s", -5 * SEC);
	dur_ok("+5s", 5 * SEC);
	dur_ok("-0", 0);
	dur_ok("+0", 0);
	dur_ok("5.0s", 5 * SEC);
	dur_ok("5.6s", 5 * SEC + 600 * MS);
	dur_ok("5.s", 5 * SEC);
	dur_ok(".5s", 500 * MS);
	dur_ok("1.0s", SEC);
	dur_ok("1.00s", SEC);
	dur_ok("1.004s", SEC + 4 * MS);
	dur_ok("1.0040s", SEC + 4 * MS);
	dur_ok("100.00100s", 100 * SEC + 1 * MS);
	dur_ok("10ns", 10);
	dur_ok("11us", 11 * US);
	dur_ok("12\xc2\xb5s", 12 * US);
	dur_ok("12\xce\xbcs", 12 * US);
	dur_ok("13ms", 13 * MS);
	dur_ok("14s", 14 * SEC);
	dur_ok("15m", 15 * MIN);
	dur_ok("16h", 16 * HOUR);
	dur_ok("3h30m", 3 * HOUR + 30 * MIN);
	dur_ok("10.5s4m", 4 * MIN + 10 * SEC + 500 * MS);
	dur_ok("-2m3.4s", -(2 * MIN + 3 * SEC + 400 * MS));
	dur_ok("1h2m3s4ms5us6ns", 1 * HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5 * US + 6);
	dur_ok("39h9m14.425s", 39 * HOUR + 9 * MIN + 14 * SEC + 425 * MS);
	dur_ok("52763797000ns", 52763797000LL);
	dur_ok("0.3333333333333333333h", 20 * MIN);
	dur_ok("9007199254740993ns", (1LL << 53) + 1);
	dur_ok("9223372036854775807ns", 9223372036854775807LL);
	dur_ok("9223372036854775.807us", 9223372036854775807LL);
	dur_ok("9223372036854ms775us807ns", 9223372036854775807LL);
	dur_ok("-9223372036854775808ns", -9223372036854775807LL - 1);
	dur_ok("-9223372036854775.808us", -9223372036854775807LL - 1);
	dur_ok("-9223372036854ms775us808ns", -9223372036854775807LL - 1);
	dur_ok("-2562047h47m16.854775808s", -9223372036854775807LL - 1);
	dur_ok("0.100000000000000000000h", 6 * MIN);
	dur_ok("0.830103483285477580700h", 49 * MIN + 48 * SEC + 372539827);
	/* the flags' own examples */
	dur_ok("500ms", 500 * MS);
	dur_ok("1s", SEC);
	dur_ok("1m", MIN);
	dur_ok("1m30s", 90 * SEC);
	dur_ok("1.5h", 90 * MIN);
	dur_ok("1h2m3.5s", HOUR + 2 * MIN + 3 * SEC + 500 * MS);
	dur_ok("-1s", -SEC);

	dur_bad("");
	dur_bad("3");
	dur_bad("1");
	dur_bad("-1");
	dur_bad("00");
	dur_bad("-");
	dur_bad("+");
	dur_bad("s");
	dur_bad(".");
	dur_bad("-.");
	dur_bad(".s");
	dur_bad("+.s");
	dur_bad("1d");
	dur_bad("1S");
	dur_bad("1 s");
	dur_bad(" 1s");
	dur_bad("1s ");
	dur_bad("1s2");
	dur_bad("1.2.3s");
	dur_bad("--1s");
	dur_bad("\x85\x85");
	dur_bad("\xff" "ff");
	dur_bad("hello \xff" "ff world");
	dur_bad("9223372036854775810ns");
	dur_bad("9223372036854775808ns");
	dur_bad("-9223372036854775809ns");
	dur_bad("9223372036854775.808us");
	dur_bad("9223372036854ms775us808ns");
	dur_bad("99999999999999999999s");
	dur_bad("2562048h");
	dur_bad("106752d");
	/* Go wraps this sum to 0; here it overflows */
	dur_bad("-9223372036854775808ns9223372036854775808ns");
	dur_bad("9223372036854775807ns1ns");
}

/* ---- allocation failure ---- */

static void test_oom(void)
{
	if (!FAILALLOC)
		return;
	const char *spec = "5000-5002,https://u%40x:pw@[::1]:1/p,h:2,ssh://u@a:22/h:3";
	long fail = 1;
	for (; fail < 1000; fail++) {
		struct cm_target_list l = {0};
		char err[256] = "";
		long before = alloc_live;
		alloc_fail_at(fail);
		int rc = cm_targets_parse(spec, &l, err, sizeof(err));
		bool hit = alloc_reached(fail);
		if (!hit) {
			CHECK_MSG(rc == 0 && l.n == 6, "untouched run failed: %s", err);
			cm_targets_free(&l);
			CHECK(alloc_live == before);
			break;
		}
		CHECK_MSG(rc == -1, "allocation %ld failed unnoticed", fail);
		CHECK_MSG(l.n == 0 && l.v == NULL, "allocation %ld: list left behind", fail);
		CHECK_MSG(alloc_live == before, "allocation %ld: %ld blocks leaked", fail,
			  alloc_live - before);
		CHECK_STR(err, "out of memory reading -ports", "oom message");
		cm_targets_free(&l);
	}
	CHECK_MSG(fail > 10 && fail < 1000, "%ld allocations", fail);

	struct cm_target_list l = parse_ok("h:1/x?y", 1);
	for (fail = 1; fail < 100 && l.n == 1; fail++) {
		long before = alloc_live;
		alloc_fail_at(fail);
		char *u = cm_target_url(&l.v[0], "/v", "?debug=1");
		bool hit = alloc_reached(fail);
		if (!hit) {
			CHECK_STR(u, "http://h:1/x?y&debug=1", "url after oom runs");
			free(u);
			break;
		}
		CHECK_MSG(u == NULL && alloc_live == before, "url: allocation %ld", fail);
	}
	CHECK(fail > 1);
	cm_targets_free(&l);

	for (fail = 1; fail < 100; fail++) {
		long before = alloc_live;
		alloc_fail_at(fail);
		char *b, *u, *p;
		int rc = cm_url_split_userinfo("http://u:p@h:1/x", &b, &u, &p);
		bool hit = alloc_reached(fail);
		if (!hit) {
			CHECK(rc == 1 && b && u && p);
			free(b);
			free(u);
			free(p);
			break;
		}
		CHECK_MSG(rc == -1 && !b && !u && !p && alloc_live == before, "split: allocation %ld",
			  fail);
	}
	CHECK(fail > 1);
}

int main(void)
{
	test_reference_forms();
	test_lists();
	test_choices();
	test_errors();
	test_error_hygiene();
	test_ssh_entries();
	test_url();
	test_credentials();
	test_duration();
	test_oom();
	return check_status("target");
}
