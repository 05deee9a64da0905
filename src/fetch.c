/* fetch: every HTTP request of the monitor on one curl multi handle (see
 * fetch.h for the contract).
 *
 * A transfer ("xfer") owns one easy handle for life. Finished xfers go back
 * to a small pool, so their handles (and a modest body buffer) are reused
 * instead of rebuilt every poll; the connections themselves live in the
 * multi handle's cache, which is sized to the number of origins (services)
 * seen plus the transfers in flight, so that every service keeps its
 * kept-alive connection between polls however the polls are spread.
 *
 * Callbacks run from cm_fetch_poll, but only after every finished transfer
 * has been taken off the multi handle: a callback may then start or cancel
 * transfers freely, since no curl message can point at a handle it moved. */
#include "cmon/fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

enum {
	POOL_MAX = 64,            /* idle xfers kept for reuse */
	KEEP_BUF_MAX = 64 << 10,  /* a pooled xfer keeps a body buffer up to this */
	FIRST_BUF = 4096,         /* first body buffer when the length is unknown */
	CONNECT_MS = 5000,        /* connect timeout, unless the whole one is shorter */
	MAX_REDIRS = 5,
	MSG_MAX = 160,            /* one error line */
	REASON_MAX = 48,          /* the reason phrase we keep */
	CONN_MIN = 16,            /* smallest connection cache */
	FD_RESERVE = 64,          /* fds the connection cache leaves to the rest */
	WAITFD_MAX = 1024,        /* caller's fds per poll */
};

/* max_body 0 means this: a body is never unbounded. */
#define DEFAULT_MAX_BODY ((size_t)8 << 20)
/* Loopback never goes through a proxy (as in Go's ProxyFromEnvironment). */
#define LOOPBACK_NOPROXY "localhost,127.0.0.1,::1"

enum xstate {
	X_POOLED,  /* in the pool, or being set up */
	X_RUNNING, /* on the multi handle */
	X_DONE,    /* finished, its callback not yet run */
};

struct xfer {
	CURL *easy;
	struct xfer *prev, *next; /* the live list, or next in the pool */
	struct xfer *done_next;   /* the batch being delivered */
	enum xstate state;
	bool settled;             /* callback run or cancelled: never (again) */
	long id;
	cm_fetch_cb cb;
	void *ctx;
	long timeout_ms, connect_ms;
	size_t max_body;
	bool allow_truncated;
	char *buf;                /* body, NUL-terminated once delivered */
	size_t len, cap;
	bool truncated, over, oom;
	long status;              /* from the last status line seen */
	char reason[REASON_MAX];
	char *user, *password;    /* per-request copies, to scrub error text */
	CURLcode rc;
	char curl_err[CURL_ERROR_SIZE];
	char msg[MSG_MAX];
};

struct cm_fetch {
	CURLM *multi;
	bool insecure;
	char *user, *password;    /* global Basic auth, or NULL */
	char *noproxy;
	struct xfer *live;        /* running and done-but-undelivered */
	struct xfer *pool;
	size_t npool;
	size_t active;            /* started, not yet settled */
	long last_id;
	long maxconn, conn_cap;   /* connection cache size, and its fd bound */
	uint64_t *origins;        /* hashes of the scheme://host:port seen; 0 = free */
	size_t norigins, ocap;
	struct curl_waitfd *wfds; /* the caller's fds, converted for curl */
	size_t wcap;
};

/* ---- small helpers ---- */

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* Frees a secret, overwriting it first: freed heap is not always reused soon. */
static void free_secret(char *s)
{
	if (!s)
		return;
	volatile char *v = s;
	while (*v)
		*v++ = 0;
	free(s);
}

static bool is_2xx(long status)
{
	return status >= 200 && status < 300;
}

/* "8 MiB", "64 KiB" or "1000 bytes": limits are usually round. */
static void fmt_size(char *out, size_t outlen, size_t n)
{
	if (n && n % ((size_t)1 << 20) == 0)
		snprintf(out, outlen, "%zu MiB", n >> 20);
	else if (n && n % 1024 == 0)
		snprintf(out, outlen, "%zu KiB", n >> 10);
	else
		snprintf(out, outlen, "%zu bytes", n);
}

/* The connection cache may hold this many: what fds allow, less a reserve. */
static long conn_cap_from_rlimit(void)
{
	struct rlimit rl;
	long cap = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)cap)
		cap = (long)rl.rlim_cur;
	cap -= FD_RESERVE;
	return cap < CONN_MIN ? CONN_MIN : cap;
}

/* NO_PROXY from the environment plus loopback. NULL when out of memory. */
static char *make_noproxy(void)
{
	const char *env = getenv("NO_PROXY");
	if (!env || !*env)
		env = getenv("no_proxy");
	if (env && !strcmp(env, "*"))
		return strdup("*"); /* curl only honours a lone "*" */
	if (!env || !*env)
		return strdup(LOOPBACK_NOPROXY);
	size_t n = strlen(env) + sizeof(LOOPBACK_NOPROXY) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s,%s", env, LOOPBACK_NOPROXY);
	return s;
}

/* ---- curl callbacks ---- */

/* Keeps need bytes (body plus NUL) in x->buf, doubling up to max_body + 1. */
static int reserve(struct xfer *x, size_t need)
{
	if (need <= x->cap)
		return 0;
	size_t limit = x->max_body + 1, c = x->cap ? x->cap : FIRST_BUF;
	while (c < need)
		c = c > limit / 2 ? limit : c * 2;
	if (c > limit)
		c = limit;
	char *b = realloc(x->buf, c);
	if (!b) {
		x->oom = true;
		return -1;
	}
	x->buf = b;
	x->cap = c;
	return 0;
}

static int append(struct xfer *x, const char *p, size_t n)
{
	if (x->len == 0 && x->cap == 0) {
		/* Size the first buffer from Content-Length when it is sane. */
		curl_off_t cl = -1;
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (cl > 0 && (uint64_t)cl <= x->max_body && reserve(x, (size_t)cl + 1) < 0)
			return -1;
	}
	if (reserve(x, x->len + n + 1) < 0)
		return -1;
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	return 0;
}

/* Returning less than given makes curl stop with CURLE_WRITE_ERROR; finish()
 * tells a cap we hit on purpose (truncated, over, oom) from a real error. */
static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	long code = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	if (!is_2xx(code))
		return n; /* an error page: read and dropped, so the connection stays usable */
	size_t room = x->max_body - x->len;
	if (n <= room)
		return append(x, p, n) < 0 ? 0 : n;
	if (!x->allow_truncated) {
		x->over = true;
		return 0;
	}
	if (room && append(x, p, room) < 0)
		return 0;
	x->truncated = true;
	return 0;
}

/* Copies the reason phrase of a status line, printable ASCII only: it is
 * server text on its way to a terminal. */
static void parse_status_line(struct xfer *x, const char *p, size_t n)
{
	size_t i = 5; /* past "HTTP/" */
	while (i < n && p[i] != ' ')
		i++;
	while (i < n && p[i] == ' ')
		i++;
	long code = 0;
	int digits = 0;
	for (; i < n && digits < 3 && p[i] >= '0' && p[i] <= '9'; i++, digits++)
		code = code * 10 + (p[i] - '0');
	x->status = digits == 3 ? code : 0;
	while (i < n && p[i] == ' ')
		i++;
	size_t k = 0;
	for (; i < n && k + 1 < sizeof(x->reason) && p[i] != '\r' && p[i] != '\n'; i++)
		x->reason[k++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	while (k && x->reason[k - 1] == ' ')
		k--;
	x->reason[k] = '\0';
}

/* Each response's status line resets the last one: after a redirect or a
 * 100 Continue, the final response's wins. */
static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;
	if (n > 5 && !memcmp(p, "HTTP/", 5))
		parse_status_line(x, p, n);
	return n;
}

/* ---- error text ---- */

/* Go's http.StatusText for the statuses a monitor meets, for HTTP/2 replies
 * (which carry no reason phrase). */
static const char *status_text(long code)
{
	static const struct {
		short code;
		const char *text;
	} t[] = {
		{301, "Moved Permanently"}, {302, "Found"}, {304, "Not Modified"},
		{400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
		{404, "Not Found"}, {405, "Method Not Allowed"}, {408, "Request Timeout"},
		{429, "Too Many Requests"}, {500, "Internal Server Error"},
		{501, "Not Implemented"}, {502, "Bad Gateway"},
		{503, "Service Unavailable"}, {504, "Gateway Timeout"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return t[i].text;
	return "";
}

static void describe_status(struct xfer *x, long code)
{
	const char *reason = x->status == code && x->reason[0] ? x->reason : status_text(code);
	snprintf(x->msg, sizeof(x->msg), "HTTP %ld%s%s", code, *reason ? " " : "", reason);
}

/* A socket errno in words; NULL for ones without a short name. */
static const char *errno_text(long e)
{
	switch (e) {
	case ECONNREFUSED: return "connection refused";
	case ECONNRESET: return "connection reset";
	case ENETUNREACH: return "network unreachable";
	case EHOSTUNREACH: return "host unreachable";
	case ETIMEDOUT: return "connection timed out";
	case EADDRNOTAVAIL: return "address not available";
	default: return NULL;
	}
}

/* curl's sentence made into a short line: no "SSL"/"OpenSSL" lead-in, an
 * OpenSSL "error:0A00010B:SSL routines::wrong version number" cut to its
 * reason, no trailing dot, a lower-case start. */
static void tidy_curl_text(char *out, size_t outlen, const char *s)
{
	static const char *const leads[] = {"SSL: ", "SSL ", "OpenSSL/"};
	for (size_t i = 0; i < sizeof(leads) / sizeof(leads[0]); i++)
		if (!strncmp(s, leads[i], strlen(leads[i]))) {
			s += strlen(leads[i]);
			break;
		}
	const char *routines = strstr(s, "::");
	if (!strncmp(s, "error:", 6) && routines)
		s = routines + 2;
	size_t n = strnlen(s, outlen - 1); /* cut, as any line here may be */
	memcpy(out, s, n);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '.'))
		out[--n] = '\0';
	if (out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z')
		out[0] = (char)(out[0] - 'A' + 'a');
}

static bool is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR: case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND: case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED: case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE: case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

/* curl says which phase timed out in its text; its timings are the
 * fallback (a reused connection has no connect time, but a pretransfer one). */
static void describe_timeout(struct xfer *x)
{
	curl_off_t pre_us = 0;
	curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pre_us);
	bool connecting = strncmp(x->curl_err, "Operation", 9) &&
			  (!strncmp(x->curl_err, "Connection", 10) ||
			   !strncmp(x->curl_err, "Resolving", 9) ||
			   !strncmp(x->curl_err, "Failed to connect", 17) || pre_us == 0);
	if (connecting)
		snprintf(x->msg, sizeof(x->msg), "connect timed out after %ld ms", x->connect_ms);
	else
		snprintf(x->msg, sizeof(x->msg), "timed out after %ld ms", x->timeout_ms);
}

static void describe_connect(struct xfer *x)
{
	long e = 0;
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &e);
	const char *t = errno_text(e);
	snprintf(x->msg, sizeof(x->msg), "%s", t ? t : "could not connect");
}

static void describe_resolve(struct xfer *x, const char *what)
{
	static const char lead[] = "Could not resolve host: ";
	const char *host = NULL;
	if (!strncmp(x->curl_err, lead, sizeof(lead) - 1))
		host = x->curl_err + sizeof(lead) - 1;
	snprintf(x->msg, sizeof(x->msg), "could not resolve %s%s%.*s", what, host ? " " : "",
		 host ? (int)strcspn(host, " \n") : 0, host ? host : "");
}

/* The curl errors a monitor meets get their own words; the rest take
 * curl's text (or its code's name) tidied to one short line. */
static void describe_curl(struct xfer *x)
{
	char size[32];
	char text[MSG_MAX];
	switch (x->rc) {
	case CURLE_COULDNT_CONNECT: describe_connect(x); return;
	case CURLE_COULDNT_RESOLVE_HOST: describe_resolve(x, "host"); return;
	case CURLE_COULDNT_RESOLVE_PROXY: describe_resolve(x, "proxy"); return;
	case CURLE_OPERATION_TIMEDOUT: describe_timeout(x); return;
	case CURLE_GOT_NOTHING: snprintf(x->msg, sizeof(x->msg), "empty reply"); return;
	case CURLE_PARTIAL_FILE: snprintf(x->msg, sizeof(x->msg), "body cut short"); return;
	case CURLE_OUT_OF_MEMORY: snprintf(x->msg, sizeof(x->msg), "out of memory"); return;
	case CURLE_FILESIZE_EXCEEDED:
		fmt_size(size, sizeof(size), x->max_body);
		snprintf(x->msg, sizeof(x->msg), "body over %s", size);
		return;
	default:
		break;
	}
	long e = 0;
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &e);
	if ((x->rc == CURLE_RECV_ERROR || x->rc == CURLE_SEND_ERROR) && errno_text(e)) {
		snprintf(x->msg, sizeof(x->msg), "%s", errno_text(e));
		return;
	}
	tidy_curl_text(text, sizeof(text), x->curl_err[0] ? x->curl_err : curl_easy_strerror(x->rc));
	snprintf(x->msg, sizeof(x->msg), "%s%s", is_tls_error(x->rc) ? "TLS: " : "", text);
}

/* Replaces every occurrence of secret in msg with "***" (in one pass, so a
 * secret made of stars cannot loop). */
static void scrub(char *msg, size_t msglen, const char *secret)
{
	size_t n = strlen(secret), k = 0;
	char out[MSG_MAX];
	if (!n || !strstr(msg, secret))
		return;
	for (const char *p = msg; *p && k + 1 < sizeof(out);) {
		if (!strncmp(p, secret, n)) {
			for (int j = 0; j < 3 && k + 1 < sizeof(out); j++)
				out[k++] = '*';
			p += n;
		} else {
			out[k++] = *p++;
		}
	}
	out[k] = '\0';
	snprintf(msg, msglen, "%s", out);
}

/* The error line is a terminal's and a log's: one line, printable, and
 * free of credentials whatever curl or the server put in it. */
static void clean_msg(struct cm_fetch *f, struct xfer *x)
{
	for (char *p = x->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	const char *secrets[] = {x->password, x->user, f->password, f->user};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (secrets[i])
			scrub(x->msg, sizeof(x->msg), secrets[i]);
}

/* Fills r from a finished xfer. r's pointers stay valid until x is reused. */
static void finish(struct cm_fetch *f, struct xfer *x, struct cm_fetch_result *r)
{
	long code = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	*r = (struct cm_fetch_result){.status = code};
	bool cut = x->rc == CURLE_WRITE_ERROR && x->truncated;
	char size[32];
	if (x->oom) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
	} else if (x->over) {
		fmt_size(size, sizeof(size), x->max_body);
		snprintf(x->msg, sizeof(x->msg), "body over %s", size);
	} else if (x->rc != CURLE_OK && !cut) {
		describe_curl(x);
	} else if (!is_2xx(code)) {
		describe_status(x, code);
	} else {
		/* append() always leaves room for the NUL; no buffer means no body. */
		r->body = x->len ? x->buf : "";
		if (x->len)
			x->buf[x->len] = '\0';
		r->len = x->len;
		r->truncated = x->truncated;
		return;
	}
	clean_msg(f, x);
	r->error = x->msg;
}

/* ---- xfer life ---- */

/* Options that never change for an easy handle. */
static int easy_setup(struct cm_fetch *f, struct xfer *x)
{
	CURL *e = x->easy;
	CURLcode rc = CURLE_OK;
#define SET(opt, val) (rc = rc != CURLE_OK ? rc : curl_easy_setopt(e, opt, val))
	SET(CURLOPT_PRIVATE, (void *)x);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, (void *)x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, (void *)x);
	SET(CURLOPT_ERRORBUFFER, x->curl_err);
	SET(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts: we own the signals */
	SET(CURLOPT_USERAGENT, "cmon");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)MAX_REDIRS);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	SET(CURLOPT_SSL_VERIFYPEER, f->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, f->insecure ? 0L : 2L);
	if (f->noproxy)
		SET(CURLOPT_NOPROXY, f->noproxy);
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

static void xfer_destroy(struct xfer *x)
{
	if (!x)
		return;
	if (x->easy)
		curl_easy_cleanup(x->easy);
	free(x->buf);
	free(x->user);
	free_secret(x->password);
	free(x);
}

/* An xfer from the pool, or a new one. NULL when out of memory. */
static struct xfer *xfer_take(struct cm_fetch *f)
{
	struct xfer *x = f->pool;
	if (x) {
		f->pool = x->next;
		f->npool--;
		x->next = NULL;
		return x;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->easy = curl_easy_init();
	if (!x->easy || easy_setup(f, x) < 0) {
		xfer_destroy(x);
		return NULL;
	}
	return x;
}

/* Back to the pool (forgetting the request) or freed when the pool is full. */
static void xfer_release(struct cm_fetch *f, struct xfer *x)
{
	free(x->user);
	free_secret(x->password);
	x->user = x->password = NULL;
	x->state = X_POOLED;
	if (f->npool >= POOL_MAX) {
		xfer_destroy(x);
		return;
	}
	if (x->cap > KEEP_BUF_MAX) {
		free(x->buf);
		x->buf = NULL;
		x->cap = 0;
	}
	x->next = f->pool;
	f->pool = x;
	f->npool++;
}

static void live_link(struct cm_fetch *f, struct xfer *x)
{
	x->prev = NULL;
	x->next = f->live;
	if (f->live)
		f->live->prev = x;
	f->live = x;
}

static void live_unlink(struct cm_fetch *f, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		f->live = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
}

/* The per-request options and state. -1 when out of memory. */
static int request_setup(struct cm_fetch *f, struct xfer *x, const struct cm_request *r)
{
	bool oom = false;
	x->user = dup_or_null(r->user, &oom);
	x->password = dup_or_null(r->user ? (r->password ? r->password : "") : NULL, &oom);
	if (oom)
		return -1;
	const char *user = x->user ? x->user : f->user;
	const char *password = x->user ? x->password : f->password;
	x->cb = r->cb;
	x->ctx = r->ctx;
	x->timeout_ms = r->timeout_ms > 0 ? r->timeout_ms : 0;
	x->connect_ms = x->timeout_ms && x->timeout_ms < CONNECT_MS ? x->timeout_ms : CONNECT_MS;
	x->max_body = r->max_body ? r->max_body : DEFAULT_MAX_BODY;
	if (x->max_body > SIZE_MAX / 2)
		x->max_body = SIZE_MAX / 2; /* so max_body + 1 and doubling never wrap */
	x->allow_truncated = r->allow_truncated;
	x->len = 0;
	x->truncated = x->over = x->oom = x->settled = false;
	x->status = 0;
	x->reason[0] = x->curl_err[0] = x->msg[0] = '\0';
	x->rc = CURLE_OK;
	/* Without truncation a Content-Length over the cap fails before the body. */
	curl_off_t maxfile = x->allow_truncated ? 0 : (curl_off_t)x->max_body;
	CURL *e = x->easy;
	CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, r->url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_USERNAME, user);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_PASSWORD, user ? password : NULL);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, x->connect_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, maxfile);
	return rc == CURLE_OK ? 0 : -1;
}

/* FNV-1a of url's origin, "scheme://userinfo@host:port", never 0. */
static uint64_t origin_hash(const char *url)
{
	const char *p = strstr(url, "://");
	const char *end = p ? p + 3 + strcspn(p + 3, "/?#") : url + strlen(url);
	uint64_t h = 14695981039346656037ull;
	for (const char *q = url; q < end; q++) {
		h ^= (unsigned char)*q;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

/* Puts h in the open-addressing table v (cap a power of two); true if new. */
static bool origin_insert(uint64_t *v, size_t cap, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);
	while (v[i] && v[i] != h)
		i = (i + 1) & (cap - 1);
	if (v[i])
		return false;
	v[i] = h;
	return true;
}

/* Counts url's origin. Only sizes the connection cache, so running out of
 * memory just stops the counting; past conn_cap there is nothing to size. */
static void note_origin(struct cm_fetch *f, const char *url)
{
	if (f->norigins >= (size_t)f->conn_cap)
		return;
	if (2 * (f->norigins + 1) > f->ocap) {
		size_t cap = f->ocap ? 2 * f->ocap : 64;
		uint64_t *v = calloc(cap, sizeof(*v));
		if (!v)
			return;
		for (size_t i = 0; i < f->ocap; i++)
			if (f->origins[i])
				origin_insert(v, cap, f->origins[i]);
		free(f->origins);
		f->origins = v;
		f->ocap = cap;
	}
	f->norigins += origin_insert(f->origins, f->ocap, origin_hash(url));
}

/* Grows the multi handle's connection cache to hold one idle connection
 * per origin plus one per transfer in flight. curl's default (4 x the
 * handles added right now) is tiny when polls are spread out, and it
 * would close the other services' idle connections: a new TCP connection
 * per poll. */
static void size_conn_cache(struct cm_fetch *f)
{
	long need = (long)(f->norigins + f->active);
	if (need <= f->maxconn || f->maxconn >= f->conn_cap)
		return;
	long want = f->maxconn;
	while (want < need)
		want *= 2;
	if (want > f->conn_cap)
		want = f->conn_cap;
	if (curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, want) == CURLM_OK)
		f->maxconn = want;
}

/* ---- the interface ---- */

struct cm_fetch *cm_fetch_new(const struct cm_fetch_opts *o, char *err, size_t errlen)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot start libcurl");
		return NULL;
	}
	struct cm_fetch *f = calloc(1, sizeof(*f));
	bool oom = !f;
	if (f) {
		f->insecure = o && o->insecure;
		f->user = dup_or_null(o && o->user ? o->user : NULL, &oom);
		f->password = dup_or_null(o && o->user ? (o->password ? o->password : "") : NULL, &oom);
		f->noproxy = make_noproxy();
		oom = oom || !f->noproxy;
		f->multi = oom ? NULL : curl_multi_init();
		oom = oom || !f->multi;
	}
	if (!oom) {
		f->maxconn = CONN_MIN;
		f->conn_cap = conn_cap_from_rlimit();
		oom = curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, f->maxconn) != CURLM_OK;
	}
	if (oom) {
		snprintf(err, errlen, "cannot start libcurl: out of memory");
		cm_fetch_free(f); /* pairs the global init */
		if (!f)
			curl_global_cleanup();
		return NULL;
	}
	return f;
}

void cm_fetch_free(struct cm_fetch *f)
{
	if (!f)
		return;
	while (f->live) {
		struct xfer *x = f->live;
		live_unlink(f, x);
		if (x->state == X_RUNNING)
			curl_multi_remove_handle(f->multi, x->easy);
		xfer_destroy(x);
	}
	while (f->pool) {
		struct xfer *x = f->pool;
		f->pool = x->next;
		xfer_destroy(x);
	}
	if (f->multi)
		curl_multi_cleanup(f->multi); /* closes the cached connections */
	free(f->user);
	free_secret(f->password);
	free(f->noproxy);
	free(f->wfds);
	free(f->origins);
	free(f);
	curl_global_cleanup();
}

long cm_fetch_start(struct cm_fetch *f, const struct cm_request *r)
{
	if (!r->url)
		return -1;
	struct xfer *x = xfer_take(f);
	if (!x)
		return -1;
	if (request_setup(f, x, r) < 0 || curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		xfer_release(f, x);
		return -1;
	}
	x->state = X_RUNNING;
	x->id = ++f->last_id;
	live_link(f, x);
	f->active++;
	note_origin(f, r->url);
	size_conn_cache(f);
	return x->id;
}

void cm_fetch_cancel(struct cm_fetch *f, long id)
{
	struct xfer *x = f->live;
	while (x && x->id != id)
		x = x->next;
	if (!x || x->settled)
		return;
	x->settled = true;
	f->active--;
	if (x->state == X_DONE)
		return; /* in the batch cm_fetch_poll is delivering: it releases it */
	curl_multi_remove_handle(f->multi, x->easy);
	live_unlink(f, x);
	xfer_release(f, x);
}

size_t cm_fetch_active(const struct cm_fetch *f)
{
	return f->active;
}

/* Takes every finished transfer off the multi handle, then runs their
 * callbacks (see the top of the file for why in two passes). */
static void deliver(struct cm_fetch *f)
{
	struct xfer *batch = NULL, **tail = &batch;
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		struct xfer *x = (struct xfer *)(void *)priv;
		x->rc = m->data.result;
		curl_multi_remove_handle(f->multi, x->easy); /* m is gone from here */
		x->state = X_DONE;
		x->done_next = NULL;
		*tail = x;
		tail = &x->done_next;
	}
	while (batch) {
		struct xfer *x = batch;
		batch = x->done_next;
		if (!x->settled) {
			struct cm_fetch_result r;
			finish(f, x, &r);
			x->settled = true; /* a cancel of its own id from the callback is a no-op */
			f->active--;
			if (x->cb)
				x->cb(x->ctx, &r);
		}
		live_unlink(f, x);
		xfer_release(f, x);
	}
}

/* The caller's pollfds as curl_waitfds, in a buffer kept between polls. */
static int load_waitfds(struct cm_fetch *f, const struct pollfd *fds, int nfds)
{
	if (nfds < 0 || nfds > WAITFD_MAX)
		return -1;
	if ((size_t)nfds > f->wcap) {
		size_t c = f->wcap ? f->wcap : 4;
		while (c < (size_t)nfds)
			c *= 2;
		struct curl_waitfd *w = realloc(f->wfds, c * sizeof(*w));
		if (!w)
			return -1;
		f->wfds = w;
		f->wcap = c;
	}
	for (int i = 0; i < nfds; i++)
		f->wfds[i] = (struct curl_waitfd){.fd = fds[i].fd, .events = fds[i].events};
	return 0;
}

int cm_fetch_poll(struct cm_fetch *f, struct pollfd *fds, int nfds, int timeout_ms)
{
	if (load_waitfds(f, fds, nfds) < 0) {
		errno = nfds < 0 || nfds > WAITFD_MAX ? EINVAL : ENOMEM;
		return -1;
	}
	/* As with poll(2), a negative timeout_ms waits for as long as it takes
	 * (but curl's own timers still wake it). */
	long curl_ms = -1;
	int wait = timeout_ms < 0 ? INT_MAX : timeout_ms;
	if (curl_multi_timeout(f->multi, &curl_ms) == CURLM_OK && curl_ms >= 0 && curl_ms < wait)
		wait = (int)curl_ms;
	int running = 0;
	/* curl_multi_poll turns EINTR into a plain wake-up. */
	if (curl_multi_poll(f->multi, nfds ? f->wfds : NULL, (unsigned)nfds, wait, NULL) != CURLM_OK) {
		if (errno == 0 || errno == EINTR)
			errno = EIO; /* -1 never means "interrupted" */
		return -1;
	}
	int hits = 0;
	for (int i = 0; i < nfds; i++) {
		fds[i].revents = f->wfds[i].revents;
		hits += fds[i].revents != 0;
	}
	if (curl_multi_perform(f->multi, &running) != CURLM_OK) {
		errno = EIO;
		return -1;
	}
	deliver(f);
	return hits;
}
