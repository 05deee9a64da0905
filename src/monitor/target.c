/* target: the -ports grammar (see target.h) and Go's time.ParseDuration.
 *
 * Choices the header leaves open, made here:
 * - Fields are split on ',' and trimmed of spaces and tabs, so a quoted
 *   "5000, 5001" works. An empty field is an error, and so is an empty list.
 * - A bare port or range, and ":port", mean localhost: Go dials ":port" on
 *   the local host, and that is what expvarmon's users meant. A field
 *   without a scheme or a colon that starts with a digit is read as ports,
 *   so "50x0" is a bad port rather than a host without one.
 * - An IPv6 host is written in brackets, "[::1]:5000" (a zone as "%25eth0",
 *   RFC 6874), and stays bracketed in base and display. An unbracketed host
 *   with colons is an error: nobody can tell where its port starts.
 * - A host is letters, digits, '-', '.', '_' and '~', at most HOST_MAX
 *   bytes: anything else is a typo, or text that has no place in a URL.
 * - "user:pass@" is percent-decoded (%40 is '@', %3A ':'), as Go's url
 *   package does, so any password can be written; a bad "%XX" or a "%00"
 *   is an error. Credentials are taken with or without a scheme, and an
 *   empty "@" is an error. The password never appears in an error message:
 *   the quoted field shows "***" in its place.
 * - The scheme is http or https in any case (Go lowercases it) and is
 *   written lowercase. https keeps the port given: a port is mandatory, so
 *   there is no default 443 to apply.
 * - A path may follow any authority, with or without a scheme. A lone "/"
 *   means no path (a trailing slash, not a wish to fetch "/"). A space, a
 *   '#' or a control character in it is an error; a '?' is kept, and
 *   cm_target_url then joins its own query with '&'.
 * - A field is at most FIELD_MAX bytes and the list at most CM_TARGETS_MAX
 *   services; duplicates are kept (the user asked for them).
 * - "ssh://DEST/FIELD" is FIELD, any form above, reached through ssh on
 *   DEST ("[user@]host[:port]"): FIELD's host is then resolved there, as
 *   ssh -L would. The scheme is a prefix rather than a URL of its own so
 *   that every form of FIELD, ranges and paths included, works unchanged
 *   behind it. The display names DEST's host first ("app2/localhost:6060")
 *   so services on several hosts can be told apart before they are named;
 *   the ssh user is left out of it (it is no secret, only noise). */
#include "cmon/monitor/target.h"

#include "cmon/base/strbuf.h"
#include "cmon/base/url.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD_MAX 2048
#define HOST_MAX 255

/* One -ports field taken apart. host and path point into the field; user
 * and password are decoded copies, owned. */
struct field {
	bool https;
	char *user, *password;
	char *ssh;        /* "ssh://" entries: canonical DEST, owned; NULL otherwise */
	char ssh_host[270]; /* DEST's host (and port) for the display */
	const char *host; /* brackets included for IPv6; NULL means localhost */
	size_t hostlen;
	unsigned lo, hi;
	const char *path; /* NULL: none */
	size_t pathlen;
};

/* The attribute lets the compiler check every message's arguments. */
__attribute__((format(printf, 3, 4))) static int say(char *why, size_t wl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, wl, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_unreserved(char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Index of the first c in s[from, n), or n. */
static size_t index_of(const char *s, size_t from, size_t n, char c)
{
	while (from < n && s[from] != c)
		from++;
	return from;
}

/* Index of "://" in s[0, n), or n. */
static size_t scheme_end(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (!memcmp(s + i, "://", 3))
			return i;
	return n;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* ---- errors ---- */

static bool has_ssh_scheme(const char *s, size_t n)
{
	return n >= 6 && !strncasecmp(s, "ssh://", 6);
}

/* The field as an error quotes it: password hidden (in an "ssh://DEST/"
 * prefix and in the field behind it alike), cut with "..." when long.
 * Control characters are dealt with on the whole message. */
static void quote_field(char *dst, size_t dl, const char *s, size_t n)
{
	size_t w = cm_url_masked(s, n, dst, dl);
	if (w + 1 >= dl && dl > 4)
		memcpy(dst + dl - 4, "...", 4);
}

/* An error is one line, whatever bytes the field held. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int field_error(char *err, size_t errlen, const char *s, size_t n, const char *why)
{
	if (!errlen)
		return -1;
	char q[256];
	quote_field(q, sizeof(q), s, n);
	snprintf(err, errlen, "bad -ports field \"%s\": %s", q, why);
	one_line(err);
	return -1;
}

/* ---- one field ---- */

static int parse_port(const char *s, size_t n, unsigned *port, char *why, size_t wl)
{
	if (!n)
		return say(why, wl, "port missing");
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return say(why, wl, "port is not a number");
		if (v <= 65535) /* stop growing: it is out of range already */
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return say(why, wl, "port %.*s is out of range (1-65535)", (int)n, s);
	*port = (unsigned)v;
	return 0;
}

/* "5000" or "5000-5003". */
static int parse_ports(const char *s, size_t n, struct field *f, char *why, size_t wl)
{
	size_t dash = index_of(s, 0, n, '-');
	if (dash == n) {
		if (parse_port(s, n, &f->lo, why, wl) < 0)
			return -1;
		f->hi = f->lo;
		return 0;
	}
	if (parse_port(s, dash, &f->lo, why, wl) < 0 ||
	    parse_port(s + dash + 1, n - dash - 1, &f->hi, why, wl) < 0)
		return -1;
	if (f->lo > f->hi)
		return say(why, wl, "range %.*s is reversed", (int)n, s);
	return 0;
}

static int check_host(const char *s, size_t n, char *why, size_t wl)
{
	if (n > HOST_MAX)
		return say(why, wl, "host longer than %d bytes", HOST_MAX);
	for (size_t i = 0; i < n; i++)
		if (!is_unreserved(s[i]))
			return say(why, wl, "bad character '%c' in host", s[i]);
	return 0;
}

/* The inside of "[...]": hex digits, colons and dots, then an optional
 * zone "%25name". */
static int check_ipv6(const char *s, size_t n, char *why, size_t wl)
{
	size_t pct = index_of(s, 0, n, '%');
	bool colon = false;
	for (size_t i = 0; i < pct; i++) {
		char c = s[i];
		colon |= c == ':';
		if (!(is_digit(c) || c == ':' || c == '.' || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return say(why, wl, "bad IPv6 address in brackets");
	}
	if (!colon)
		return say(why, wl, "bad IPv6 address in brackets");
	if (pct == n)
		return 0;
	if (n - pct < 4 || memcmp(s + pct, "%25", 3))
		return say(why, wl, "bad IPv6 zone (write it as %%25name)");
	for (size_t i = pct + 3; i < n; i++)
		if (!is_unreserved(s[i]))
			return say(why, wl, "bad IPv6 zone (write it as %%25name)");
	return 0;
}

/* Where the ']' of "[v6]..." is, the inside checked; -1 with why. */
static long bracket_close(const char *s, size_t n, char *why, size_t wl)
{
	size_t close = index_of(s, 0, n, ']');
	if (close == n)
		return say(why, wl, "unclosed '[' in host");
	if (check_ipv6(s + 1, close - 1, why, wl) < 0)
		return -1;
	return (long)close;
}

/* "[v6]:ports" */
static int parse_bracketed(const char *s, size_t n, struct field *f, char *why, size_t wl)
{
	long c = bracket_close(s, n, why, wl);
	if (c < 0)
		return -1;
	size_t close = (size_t)c;
	f->host = s;
	f->hostlen = close + 1;
	if (close + 1 == n)
		return say(why, wl, "port missing");
	if (s[close + 1] != ':')
		return say(why, wl, "expected ':' and a port after ']'");
	return parse_ports(s + close + 2, n - close - 2, f, why, wl);
}

/* s[0, n) is "host:ports", ":ports", "[v6]:ports" or, without a scheme,
 * "ports". */
static int parse_hostport(const char *s, size_t n, bool scheme, struct field *f, char *why,
			  size_t wl)
{
	if (n && s[0] == '[')
		return parse_bracketed(s, n, f, why, wl);
	size_t colon = index_of(s, 0, n, ':');
	if (colon == n) {
		if (!scheme && n && is_digit(s[0]))
			return parse_ports(s, n, f, why, wl);
		if (!n)
			return say(why, wl, "host and port missing");
		return say(why, wl, "port missing");
	}
	if (index_of(s, colon + 1, n, ':') < n)
		return say(why, wl, "an IPv6 address needs brackets, as in [::1]:5000");
	if (check_host(s, colon, why, wl) < 0)
		return -1;
	if (colon) {
		f->host = s;
		f->hostlen = colon;
	}
	return parse_ports(s + colon + 1, n - colon - 1, f, why, wl);
}

/* Percent-decodes s[0, n) into *out (malloc'd). -1 with why on bad syntax,
 * -2 when out of memory. */
static int decode(const char *s, size_t n, char **out, const char *what, char *why, size_t wl)
{
	int rc = cm_url_decode(s, n, out);
	if (rc == -1)
		return say(why, wl, "bad %%XX escape in %s", what);
	return rc;
}

/* "user" or "user:password", the text before '@'. */
static int parse_userinfo(const char *s, size_t n, struct field *f, char *why, size_t wl)
{
	if (!n)
		return say(why, wl, "empty user before '@'");
	size_t colon = index_of(s, 0, n, ':');
	int rc = decode(s, colon, &f->user, "user", why, wl);
	if (rc == 0 && colon < n)
		rc = decode(s + colon + 1, n - colon - 1, &f->password, "password", why, wl);
	return rc;
}

static int check_path(const char *s, size_t n, char *why, size_t wl)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || c == '#')
			return say(why, wl, "a space, '#' or control character in the path");
	}
	return 0;
}

/* ---- ssh destinations ---- */

static int parse_ssh_user(const char *s, size_t n, struct cm_ssh_dest *d, char *why, size_t wl)
{
	if (!n)
		return say(why, wl, "empty user before '@'");
	if (index_of(s, 0, n, ':') < n)
		return say(why, wl, "no password here: ssh logs in with keys or the agent");
	if (n > CM_SSH_USER_MAX)
		return say(why, wl, "ssh user longer than %d bytes", CM_SSH_USER_MAX);
	for (size_t i = 0; i < n; i++)
		if (!is_unreserved(s[i]))
			return say(why, wl, "bad character '%c' in the ssh user", s[i]);
	memcpy(d->user, s, n);
	d->user[n] = '\0';
	return 0;
}

/* "[v6]" (with "%25zone" decoded to "%zone", as ssh wants it); returns
 * the length taken, or -1. */
static long parse_ssh_v6(const char *s, size_t n, struct cm_ssh_dest *d, char *why, size_t wl)
{
	long c = bracket_close(s, n, why, wl);
	if (c < 0)
		return -1;
	size_t close = (size_t)c;
	if (close - 1 >= sizeof(d->host))
		return say(why, wl, "host longer than %d bytes", HOST_MAX);
	size_t w = 0;
	for (size_t i = 1; i < close; i++) {
		d->host[w++] = s[i];
		if (s[i] == '%')
			i += 2; /* "%25" */
	}
	d->host[w] = '\0';
	return (long)close + 1;
}

int cm_ssh_dest_parse(const char *s, size_t n, struct cm_ssh_dest *d, char *why, size_t wl)
{
	*d = (struct cm_ssh_dest){0};
	size_t at = n;
	while (at > 0 && s[at - 1] != '@')
		at--;
	if (at && parse_ssh_user(s, at - 1, d, why, wl) < 0)
		return -1;
	s += at;
	n -= at;
	size_t end;
	if (n && s[0] == '[') {
		long taken = parse_ssh_v6(s, n, d, why, wl);
		if (taken < 0)
			return -1;
		end = (size_t)taken;
		if (end < n && s[end] != ':')
			return say(why, wl, "expected ':' and a port after ']'");
	} else {
		end = index_of(s, 0, n, ':');
		if (index_of(s, end + 1 < n ? end + 1 : n, n, ':') < n)
			return say(why, wl, "an IPv6 address needs brackets, as in [::1]:22");
		if (!end)
			return say(why, wl, "ssh host missing");
		if (s[0] == '-')
			return say(why, wl, "an ssh host cannot start with '-'");
		if (check_host(s, end, why, wl) < 0)
			return -1;
		memcpy(d->host, s, end);
		d->host[end] = '\0';
	}
	if (end < n && parse_port(s + end + 1, n - end - 1, &d->port, why, wl) < 0)
		return -1;
	return 0;
}

void cm_ssh_dest_name(const struct cm_ssh_dest *d, int with_user, char *buf, size_t cap)
{
	bool v6 = strchr(d->host, ':') != NULL;
	char port[16] = "";
	if (d->port)
		snprintf(port, sizeof(port), ":%u", d->port);
	snprintf(buf, cap, "%s%s%s%s%s%s", with_user ? d->user : "",
		 with_user && d->user[0] ? "@" : "", v6 ? "[" : "", d->host, v6 ? "]" : "", port);
}

/* "ssh://DEST/" at the start of a field: DEST into f; the rest of the
 * field starts at *rest. -1 with why, -2 when out of memory. */
static int parse_ssh_prefix(const char *s, size_t n, struct field *f, size_t *rest, char *why,
			    size_t wl)
{
	size_t slash = index_of(s, 6, n, '/');
	if (slash + 1 >= n)
		return say(why, wl, "the service goes after ssh://HOST/, as in ssh://app2/:6060");
	struct cm_ssh_dest d;
	if (cm_ssh_dest_parse(s + 6, slash - 6, &d, why, wl) < 0)
		return -1;
	char canon[sizeof(d.user) + sizeof(d.host) + 16];
	cm_ssh_dest_name(&d, 1, canon, sizeof(canon));
	cm_ssh_dest_name(&d, 0, f->ssh_host, sizeof(f->ssh_host));
	if (!(f->ssh = dup_n(canon, strlen(canon))))
		return -2;
	*rest = slash + 1;
	return 0;
}

/* Takes s[0, n) apart into f. -1 with why on a bad field, -2 when out of
 * memory; f's owned strings are freed by the caller either way. */
static int parse_field(const char *s, size_t n, struct field *f, char *why, size_t wl)
{
	size_t i = 0, sep = scheme_end(s, n);
	bool scheme = sep < n;
	if (scheme) {
		if (sep == 5 && !strncasecmp(s, "https", 5))
			f->https = true;
		else if (!(sep == 4 && !strncasecmp(s, "http", 4)))
			return say(why, wl, "unsupported scheme \"%.*s\" (http, https)", (int)sep, s);
		i = sep + 3;
	}
	size_t end = index_of(s, i, n, '/');
	if (end + 1 < n) { /* a lone "/" is no path */
		if (check_path(s + end, n - end, why, wl) < 0)
			return -1;
		f->path = s + end;
		f->pathlen = n - end;
	}
	size_t at = end;
	while (at > i && s[at - 1] != '@')
		at--;
	if (at > i) {
		int rc = parse_userinfo(s + i, at - 1 - i, f, why, wl);
		if (rc < 0)
			return rc;
		i = at;
	}
	return parse_hostport(s + i, end - i, scheme, f, why, wl);
}

/* A field, maybe behind "ssh://DEST/". */
static int parse_entry(const char *s, size_t n, struct field *f, char *why, size_t wl)
{
	size_t rest = 0;
	if (has_ssh_scheme(s, n)) {
		int rc = parse_ssh_prefix(s, n, f, &rest, why, wl);
		if (rc < 0)
			return rc;
	}
	return parse_field(s + rest, n - rest, f, why, wl);
}

/* ---- the list ---- */

void cm_target_free(struct cm_target *t)
{
	free(t->base);
	free(t->display);
	free(t->host);
	free(t->ssh);
	free(t->path);
	free(t->user);
	free(t->password);
	*t = (struct cm_target){0};
}

static int fill_target(struct cm_target *t, const struct field *f, unsigned port)
{
	char ps[16];
	snprintf(ps, sizeof(ps), ":%u", port);
	struct cm_strbuf d = {0}, b = {0}, h = {0};
	if (f->host)
		cm_strbuf_add(&h, f->host, f->hostlen);
	else
		cm_strbuf_str(&h, "localhost");
	if (f->ssh) {
		cm_strbuf_str(&d, f->ssh_host);
		cm_strbuf_add(&d, "/", 1);
	}
	cm_strbuf_str(&b, f->https ? "https://" : "http://");
	if (h.s) {
		cm_strbuf_str(&d, h.s);
		cm_strbuf_str(&b, h.s);
	}
	cm_strbuf_str(&d, ps);
	cm_strbuf_str(&b, ps);
	t->display = d.s;
	t->base = b.s;
	t->host = h.s;
	t->port = port;
	t->https = f->https;
	if (f->path)
		t->path = dup_n(f->path, f->pathlen);
	if (f->user)
		t->user = dup_n(f->user, strlen(f->user));
	if (f->password)
		t->password = dup_n(f->password, strlen(f->password));
	if (f->ssh)
		t->ssh = dup_n(f->ssh, strlen(f->ssh));
	if (d.oom || b.oom || h.oom || !d.s || !b.s || !h.s || (f->path && !t->path) ||
	    (f->user && !t->user) || (f->password && !t->password) || (f->ssh && !t->ssh))
		return -1;
	return 0;
}

static int add_targets(struct cm_target_list *out, const struct field *f)
{
	size_t count = (size_t)(f->hi - f->lo) + 1;
	struct cm_target *v = realloc(out->v, (out->n + count) * sizeof(*v));
	if (!v)
		return -1;
	out->v = v;
	for (unsigned p = f->lo; p <= f->hi; p++) {
		struct cm_target *t = &out->v[out->n];
		*t = (struct cm_target){0};
		if (fill_target(t, f, p) < 0) {
			cm_target_free(t);
			return -1;
		}
		out->n++;
	}
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int one_field(const char *s, size_t n, struct cm_target_list *out, char *err,
		     size_t errlen)
{
	while (n && is_blank(*s))
		s++, n--;
	while (n && is_blank(s[n - 1]))
		n--;
	char why[160];
	struct field f = {0};
	int rc = -1;
	if (!n)
		say(why, sizeof(why), "empty field");
	else if (n > FIELD_MAX)
		say(why, sizeof(why), "longer than %d bytes", FIELD_MAX);
	else
		rc = parse_entry(s, n, &f, why, sizeof(why));
	if (rc == 0 && out->n + (f.hi - f.lo) + 1 > CM_TARGETS_MAX)
		rc = say(why, sizeof(why), "more than %d services in -ports", CM_TARGETS_MAX);
	if (rc == 0 && add_targets(out, &f) < 0)
		rc = -2;
	free(f.user);
	free(f.password);
	free(f.ssh);
	if (rc == -2)
		snprintf(err, errlen, "out of memory reading -ports");
	else if (rc < 0)
		field_error(err, errlen, s, n, why);
	return rc < 0 ? -1 : 0;
}

int cm_targets_parse(const char *spec, struct cm_target_list *out, char *err, size_t errlen)
{
	*out = (struct cm_target_list){0};
	for (const char *p = spec;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (one_field(p, len, out, err, errlen) < 0) {
			cm_targets_free(out);
			return -1;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

void cm_targets_hide_passwords(char *spec)
{
	for (char *p = spec;;) {
		char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		cm_url_hide_password(p, len);
		if (!comma)
			return;
		p = comma + 1;
	}
}

void cm_targets_free(struct cm_target_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		cm_target_free(&l->v[i]);
	free(l->v);
	*l = (struct cm_target_list){0};
}

/* An -endpoint written without its leading slash ("debug/vars") still
 * makes a URL. */
char *cm_target_url(const struct cm_target *t, const char *endpoint, const char *query)
{
	const char *path = t->path ? t->path : endpoint ? endpoint : "";
	struct cm_strbuf b = {0};
	cm_strbuf_str(&b, t->base);
	if (*path && *path != '/')
		cm_strbuf_add(&b, "/", 1);
	cm_strbuf_str(&b, path);
	if (query && *query) {
		if (strchr(path, '?')) {
			cm_strbuf_add(&b, "&", 1);
			cm_strbuf_str(&b, query + (*query == '?'));
		} else {
			cm_strbuf_str(&b, query);
		}
	}
	if (b.oom || !b.s) {
		cm_strbuf_free(&b);
		return NULL;
	}
	return b.s;
}

/* ---- Go's time.ParseDuration ----
 *
 * Follows Go's src/time/format.go step by step, so that its corner cases
 * come out the same: "0" alone needs no unit, any other number does;
 * "-1s" is negative (callers reject <= 0); "1.5h", ".5s" and "1.s" are
 * fine; a sum past 2^63-1 ns is an error ("-9223372036854775808ns" is
 * not); fraction digits past what fits are dropped. One difference: Go's
 * running sum can wrap ("-9223372036854775808ns9223372036854775808ns" is
 * 0 there); here it is an overflow. On error *ns is left alone. */

#define D_LIMIT (1ULL << 63)

/* Leading digits as an integer. -1 when they overflow. */
static int leading_int(const char **s, unsigned long long *x)
{
	*x = 0;
	for (; is_digit(**s); (*s)++) {
		if (*x > D_LIMIT / 10)
			return -1;
		*x = *x * 10 + (unsigned long long)(**s - '0');
		if (*x > D_LIMIT)
			return -1;
	}
	return 0;
}

/* Leading digits after a '.', as x / scale; digits that would overflow x
 * are read and ignored. */
static void leading_fraction(const char **s, unsigned long long *x, double *scale)
{
	bool overflow = false;
	*x = 0;
	*scale = 1;
	for (; is_digit(**s); (*s)++) {
		if (overflow)
			continue;
		if (*x > (D_LIMIT - 1) / 10) {
			overflow = true;
			continue;
		}
		unsigned long long y = *x * 10 + (unsigned long long)(**s - '0');
		if (y > D_LIMIT) {
			overflow = true;
			continue;
		}
		*x = y;
		*scale *= 10;
	}
}

/* The unit at *s (every byte up to a digit or '.'), in nanoseconds; 0 for
 * none or an unknown one. */
static unsigned long long leading_unit(const char **s)
{
	static const struct {
		const char *name;
		unsigned long long ns;
	} units[] = {
		{"ns", 1ULL},
		{"us", 1000ULL},
		{"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
		{"\xce\xbcs", 1000ULL}, /* U+03BC Greek mu */
		{"ms", 1000000ULL},
		{"s", 1000000000ULL},
		{"m", 60000000000ULL},
		{"h", 3600000000000ULL},
	};
	size_t n = 0;
	while ((*s)[n] && (*s)[n] != '.' && !is_digit((*s)[n]))
		n++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == n && !memcmp(units[i].name, *s, n)) {
			*s += n;
			return units[i].ns;
		}
	}
	return 0;
}

/* One "1.5h" term of the sum, added to *d. */
static int duration_term(const char **s, unsigned long long *d)
{
	if (!(**s == '.' || is_digit(**s)))
		return -1;
	const char *start = *s;
	unsigned long long v, f = 0;
	double scale = 1;
	if (leading_int(s, &v) < 0)
		return -1;
	bool pre = *s != start, post = false;
	if (**s == '.') {
		(*s)++;
		const char *fs = *s;
		leading_fraction(s, &f, &scale);
		post = *s != fs;
	}
	if (!pre && !post)
		return -1;
	unsigned long long unit = leading_unit(s);
	if (!unit || v > D_LIMIT / unit)
		return -1;
	v *= unit;
	if (f > 0) {
		v += (unsigned long long)((double)f * ((double)unit / scale));
		if (v > D_LIMIT)
			return -1;
	}
	/* Go adds first and can wrap 2^63 + 2^63 to 0; checking first cannot. */
	if (v > D_LIMIT - *d)
		return -1;
	*d += v;
	return 0;
}

int cm_duration_parse(const char *s, long long *ns)
{
	bool neg = false;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -1;
	unsigned long long d = 0;
	while (*s)
		if (duration_term(&s, &d) < 0)
			return -1;
	if (neg) {
		/* -(2^63) fits where +2^63 does not */
		*ns = d ? -(long long)(d - 1) - 1 : 0;
		return 0;
	}
	if (d > D_LIMIT - 1)
		return -1;
	*ns = (long long)d;
	return 0;
}
