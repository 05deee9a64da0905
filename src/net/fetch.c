/* fetch: every HTTP request of the monitor on one curl multi handle (see
 * fetch.h for the contract).
 *
 * A transfer ("xfer") owns one easy handle for life. Finished xfers go back
 * to a small pool, so their handles (and a modest body buffer) are reused
 * instead of rebuilt every poll; the connections themselves live in
 * connection caches sized to the number of origins (services) seen plus
 * the transfers in flight, so that every service keeps its kept-alive
 * connection between polls however the polls are spread. The caches are
 * SHARES of them, an origin always in the same one (see share_of): libcurl
 * walks a transfer's whole cache when the transfer leaves the multi handle.
 *
 * Callbacks run from cm_fetch_poll, but only after every finished transfer
 * has been taken off the multi handle: a callback may then start or cancel
 * transfers freely, since no curl message can point at a handle it moved.
 *
 * The event loop is curl's "multi_socket" one: curl tells on_socket which of
 * its sockets to watch (they go into one epoll fd) and on_timer when it next
 * wants to run, and cm_fetch_poll poll()s the caller's fds plus that epoll
 * fd, then hands curl just the sockets that are ready, or its timer when it
 * is due. Unlike curl_multi_perform, nothing is done per transfer or per
 * socket when nothing happened to it, and curl reads without first polling
 * each socket again to learn what the epoll fd already said. A poll of a
 * kept-alive service then costs, besides curl's own checks of the
 * connection, two sleeps (until it is due, until the answer) and one
 * epoll_wait. */
#include "cmon/net/fetch.h"

#include "cmon/base/url.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum {
	POOL_MAX = 128,           /* idle xfers kept for reuse (a slot's worth at 1000 services) */
	KEEP_BUF_MAX = 64 << 10,  /* a pooled xfer keeps a body buffer up to this */
	FIRST_BUF = 4096,         /* first body buffer when the length is unknown */
	CONNECT_MS = 5000,        /* connect timeout, unless the whole one is shorter */
	MSG_MAX = 160,            /* one error line */
	REASON_MAX = 48,          /* the reason phrase we keep */
	CONN_MIN = 16,            /* smallest connection cache */
	FD_RESERVE = 64,          /* fds the connection cache leaves to the rest */
	WAITFD_MAX = 1024,        /* caller's fds per poll */
	EVENTS_MAX = 64,          /* ready sockets taken per epoll_wait */
	EVENT_ROUNDS = 16,        /* epoll_waits per poll: past that, the rest wait a call */
	BATCH_US = 4000,          /* after network activity, the network waits this long */
	SHARES = 32,              /* connection caches (see share_of) */
};

/* cm_fetch.timer_due when curl wants no timer. */
#define NO_TIMER INT64_MAX

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
	bool unwatched;           /* a socket of it could not be put in the epoll set */
	long status;              /* from the last status line seen */
	char reason[REASON_MAX];
	CURLcode rc;
	char curl_err[CURL_ERROR_SIZE];
	char msg[MSG_MAX];
};

struct cm_fetch {
	CURLM *multi;
	int epfd;                 /* curl's sockets, watched for what curl asked */
	int64_t timer_due;        /* monotonic us when curl's timer fires, or NO_TIMER */
	bool unwatched;           /* some running xfer is unwatched: deliver() ends it */
	bool kick;                /* transfers started since the last poll */
	int64_t quiet_until;      /* monotonic us: the epoll fd stays out of poll until then */
	uint8_t *watch;           /* per fd: W_* (see the watch set) */
	size_t nwatch;
	bool insecure;
	char *user, *password;    /* global Basic auth, or NULL */
	char *tls_cert, *tls_key, *tls_ca; /* or NULL */
	char *noproxy;
	struct xfer *live;        /* running and done-but-undelivered */
	struct xfer *pool;
	size_t npool;
	size_t active;            /* started, not yet settled */
	long last_id;
	long maxconn, conn_cap;   /* connection cache size, and its fd bound */
	uint64_t *origins;        /* hashes of the scheme://host:port seen; 0 = free */
	size_t norigins, ocap;
	struct pollfd *pfds;      /* the caller's fds, then the epoll fd */
	size_t pcap;
	int64_t dns_prune_due;    /* monotonic us: the next request prunes curl's DNS cache */
	CURLSH *shares[SHARES];   /* connection caches, made on first use; NULL: not yet */
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

char *cm_http_noproxy(void)
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

/* ---- the rules of every curl handle (see fetch.h) ---- */

long cm_http_connect_ms(long timeout_ms)
{
	return timeout_ms > 0 && timeout_ms < CONNECT_MS ? timeout_ms : CONNECT_MS;
}

/* The options that carry the URL and its credentials. The URL's own
 * "user:password@" leaves it here, so that curl holds the password only
 * where it belongs (CURLOPT_PASSWORD) and its messages cannot quote it. */
static CURLcode set_url(CURL *e, const struct cm_http_rules *r, bool *oom)
{
	char *bare, *user, *password;
	int split = cm_url_split_userinfo(r->url, &bare, &user, &password);
	if (split < 0) {
		*oom = true;
		return CURLE_OUT_OF_MEMORY;
	}
	const char *u = split ? user : r->user;
	const char *p = split ? password : r->password;
	CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, split ? bare : r->url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_USERNAME, u);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(e, CURLOPT_PASSWORD, u ? (p ? p : "") : NULL);
	free(bare);
	free(user);
	free_secret(password);
	return rc;
}

int cm_http_rules_apply(void *easy, const struct cm_http_rules *r)
{
	CURL *e = easy;
	bool oom = false;
	char *own_noproxy = r->noproxy ? NULL : cm_http_noproxy();
	const char *noproxy = r->noproxy ? r->noproxy : own_noproxy;
	unsigned long long max = r->max_size > INT64_MAX ? INT64_MAX : r->max_size;
	CURLcode rc = noproxy ? set_url(e, r, &oom) : CURLE_OUT_OF_MEMORY;
#define SET(opt, val) (rc = rc != CURLE_OK ? rc : curl_easy_setopt(e, opt, val))
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)CM_HTTP_MAX_REDIRS);
	SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	SET(CURLOPT_UNRESTRICTED_AUTH, 0L); /* credentials stay with the URL's host */
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	SET(CURLOPT_TIMEOUT_MS, r->timeout_ms > 0 ? r->timeout_ms : 0L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, cm_http_connect_ms(r->timeout_ms));
	SET(CURLOPT_SSL_VERIFYPEER, r->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, r->insecure ? 0L : 2L);
	SET(CURLOPT_NOPROXY, noproxy);
	SET(CURLOPT_SSLCERT, r->tls_cert); /* NULL: none */
	SET(CURLOPT_SSLKEY, r->tls_key);
	if (r->tls_ca) /* only then: NULL would also drop curl's built-in CA path */
		SET(CURLOPT_CAINFO, r->tls_ca);
	/* curl copies the path; NULL turns it off. It never proxies a Unix
	 * socket. */
	SET(CURLOPT_UNIX_SOCKET_PATH, r->unix_socket);
	SET(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts: we own the signals */
	SET(CURLOPT_USERAGENT, "cmon");
#undef SET
	free(own_noproxy);
	return rc == CURLE_OK && !oom ? 0 : -1;
}

bool cm_http_refusal(void *easy, int curl_code, char *out, size_t outlen)
{
	if (curl_code != CURLE_UNSUPPORTED_PROTOCOL)
		return false;
	/* The URL comes from the server: only its scheme is shown, and only
	 * when it looks like one. */
	static const char scheme_chars[] = "abcdefghijklmnopqrstuvwxyz"
					   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-";
	char *url = NULL;
	curl_easy_getinfo((CURL *)easy, CURLINFO_EFFECTIVE_URL, &url);
	size_t n = url ? strspn(url, scheme_chars) : 0;
	if (n && n <= 16 && !strncmp(url + n, "://", 3))
		snprintf(out, outlen, "redirect to %.*s:// refused (only http and https are followed)",
			 (int)n, url);
	else
		snprintf(out, outlen, "redirect refused (only http and https are followed)");
	return true;
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
	case CURLE_UNSUPPORTED_PROTOCOL: cm_http_refusal(x->easy, x->rc, x->msg, sizeof(x->msg)); return;
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

/* The error line is a terminal's and a log's: one line, printable. It
 * holds no credentials: curl never had them in the URL (see
 * cm_http_rules_apply), so its text cannot quote them. */
static void clean_msg(struct xfer *x)
{
	for (char *p = x->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

/* Fills r from a finished xfer. r's pointers stay valid until x is reused. */
static void finish(struct cm_fetch *f, struct xfer *x, struct cm_fetch_result *r)
{
	long code = 0;
	char *ctype = NULL; /* curl's, valid until the handle's next transfer */
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ctype);
	*r = (struct cm_fetch_result){.status = code, .content_type = ctype};
	bool cut = x->rc == CURLE_WRITE_ERROR && x->truncated;
	char size[32];
	if (x->oom) {
		snprintf(x->msg, sizeof(x->msg), "out of memory");
	} else if (x->over) {
		fmt_size(size, sizeof(size), x->max_body);
		snprintf(x->msg, sizeof(x->msg), "body over %s", size);
	} else if (x->rc != CURLE_OK && !cut) {
		describe_curl(x);
		r->timed_out = x->rc == CURLE_OPERATION_TIMEDOUT;
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
	clean_msg(x);
	r->error = x->msg;
}

/* ---- curl's timer ---- */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* CURLMOPT_TIMERFUNCTION: curl wants socket_action(CURL_SOCKET_TIMEOUT) in
 * ms, or never (-1). curl rounds the time left down to whole ms, so a wait
 * of exactly ms can end before curl's own clock says the timer is due: curl
 * then does nothing and asks for 1 ms more, a wasted wakeup. Waiting up to
 * 1 ms longer costs nothing (no transfer waits on a ms). */
static int on_timer(CURLM *m, long ms, void *arg)
{
	struct cm_fetch *f = arg;
	if (ms < 0)
		f->timer_due = NO_TIMER;
	else
		f->timer_due = mono_us() + (ms > 0 ? ((int64_t)ms + 1) * 1000 : 0);
	return 0;
}

/* ---- the watch set: curl's sockets in the epoll fd ----
 *
 * f->watch[fd] says what the epoll set holds for fd and whether curl
 * watches it now. Connection sockets stay in the set between transfers, so
 * that a kept-alive connection's next transfer costs no epoll_ctl (it would
 * cost an add and a delete). That is safe because they are opened and
 * closed through on_open and on_close: the set never keeps a closed fd
 * whose number comes back. Any other socket curl hands us (a resolver's)
 * leaves the set as soon as curl lets go of it. An event on a socket
 * curl does not watch (a kept-alive connection the server closed) takes
 * it out of the set. */

enum {
	W_IN = CURL_POLL_IN,   /* in the epoll set for reading */
	W_OUT = CURL_POLL_OUT, /* for writing */
	W_WANTED = 4,          /* curl watches it now */
	W_OURS = 8,            /* opened by on_open: closes through on_close */
};

/* fd's state byte, the table grown to hold it when grow; NULL when it is
 * not there, or out of memory. */
static uint8_t *watch_of(struct cm_fetch *f, curl_socket_t s, bool grow)
{
	if (s < 0 || ((size_t)s >= f->nwatch && !grow))
		return NULL;
	if ((size_t)s >= f->nwatch) {
		size_t n = f->nwatch ? f->nwatch : 64;
		while (n <= (size_t)s)
			n *= 2;
		uint8_t *w = realloc(f->watch, n);
		if (!w)
			return NULL;
		memset(w + f->nwatch, 0, n - f->nwatch);
		f->watch = w;
		f->nwatch = n;
	}
	return &f->watch[s];
}

/* Makes the epoll set hold s for bits (W_IN, W_OUT), or not at all (0).
 * -1 when the kernel refuses (out of memory or watches). */
static int watch_set(struct cm_fetch *f, curl_socket_t s, uint8_t *w, int bits)
{
	int now = *w & (W_IN | W_OUT);
	if (bits == now)
		return 0;
	struct epoll_event ev = {
		.events = (bits & W_IN ? EPOLLIN : 0) | (bits & W_OUT ? EPOLLOUT : 0),
		.data.fd = s,
	};
	int op = !bits ? EPOLL_CTL_DEL : now ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	/* A failed delete leaves nothing in the set (the fd is gone). If the
	 * table was wrong about s being in the set, the other op is right. */
	if (epoll_ctl(f->epfd, op, s, &ev) < 0 && op != EPOLL_CTL_DEL &&
	    ((errno != ENOENT && errno != EEXIST) ||
	     epoll_ctl(f->epfd, op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) < 0))
		return -1;
	*w = (uint8_t)((*w & ~(W_IN | W_OUT)) | bits);
	return 0;
}

/* curl's CSELECT bits for what epoll saw, as curl's own poll would give
 * them: an error or hang-up is readable (the read finds it), and also an
 * error for a socket watched for writing. */
static int cselect_bits(uint32_t ev, int watched)
{
	int bits = 0;
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		bits |= CURL_CSELECT_IN;
	if (ev & EPOLLOUT)
		bits |= CURL_CSELECT_OUT;
	if ((watched & W_OUT) && (ev & (EPOLLERR | EPOLLHUP)))
		bits |= CURL_CSELECT_ERR;
	return bits;
}

/* A transfer whose socket cannot be watched would hang until its timeout,
 * or for ever without one: deliver() ends it as out of memory. */
static void mark_unwatched(struct cm_fetch *f, CURL *e)
{
	char *priv = NULL;
	if (!e || curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv) != CURLE_OK || !priv)
		return;
	struct xfer *x = (struct xfer *)(void *)priv;
	if (x->state == X_RUNNING) {
		x->unwatched = x->oom = true; /* finish() words it "out of memory" */
		f->unwatched = true;
	}
}

/* CURLMOPT_SOCKETFUNCTION: curl wants s watched for what, or no longer. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *arg, void *socketp)
{
	struct cm_fetch *f = arg;
	if (what == CURL_POLL_REMOVE) {
		uint8_t *w = watch_of(f, s, false);
		if (w) {
			*w &= (uint8_t)~W_WANTED;
			if (!(*w & W_OURS))
				watch_set(f, s, w, 0);
		}
		return 0;
	}
	uint8_t *w = watch_of(f, s, true);
	if (w && !(*w & (W_OURS | W_WANTED)))
		*w = 0; /* new to us: whatever the number held before is gone */
	if (!w || watch_set(f, s, w, what & (W_IN | W_OUT)) < 0) {
		mark_unwatched(f, e);
		return 0; /* -1 would make curl fail every transfer */
	}
	*w |= W_WANTED;
	return 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: a connection's socket, close-on-exec (no
 * child of ours needs it), known to close through on_close. */
static curl_socket_t on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct cm_fetch *f = arg;
	curl_socket_t s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (s < 0)
		return CURL_SOCKET_BAD;
	uint8_t *w = watch_of(f, s, true);
	if (!w) {
		close(s);
		return CURL_SOCKET_BAD;
	}
	*w = W_OURS;
	return s;
}

/* CURLOPT_CLOSESOCKETFUNCTION: out of the epoll set before the fd number
 * can be reused. */
static int on_close(void *arg, curl_socket_t s)
{
	struct cm_fetch *f = arg;
	uint8_t *w = watch_of(f, s, false);
	if (w) {
		watch_set(f, s, w, 0);
		*w = 0;
	}
	return close(s);
}

/* ---- the event loop ---- */

/* Runs curl's timer if it is due. curl sets it again through on_timer
 * (a timeout action always does when a timer is left). */
static CURLMcode run_timer(struct cm_fetch *f)
{
	if (f->timer_due > mono_us())
		return CURLM_OK;
	f->timer_due = NO_TIMER;
	int running;
	return curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
}

/* Hands curl n ready sockets. */
static CURLMcode run_events(struct cm_fetch *f, const struct epoll_event *ev, int n,
			    size_t *handled)
{
	CURLMcode rc = CURLM_OK;
	for (int i = 0; i < n && rc == CURLM_OK; i++) {
		curl_socket_t s = ev[i].data.fd;
		uint8_t *w = watch_of(f, s, false);
		if (!w || !(*w & W_WANTED)) {
			/* A kept-alive connection between transfers: the server
			 * closed it (or sent what nobody asked for). It leaves the
			 * set; curl finds it dead when it next looks at it. */
			if (w)
				watch_set(f, s, w, 0);
			else
				epoll_ctl(f->epfd, EPOLL_CTL_DEL, s, NULL); /* not ours at all */
			continue;
		}
		int running;
		rc = curl_multi_socket_action(f->multi, s, cselect_bits(ev[i].events, *w), &running);
		++*handled;
	}
	return rc;
}

/* Hands curl every socket that is ready. All of them, not one batch: an
 * answer left waiting while the callbacks of others run (parsing) could
 * see its transfer's timeout first. Level-triggered, so sockets past the
 * last round stay ready for the next poll. */
static CURLMcode run_sockets(struct cm_fetch *f, size_t *handled)
{
	struct epoll_event ev[EVENTS_MAX];
	CURLMcode rc = CURLM_OK;
	int n = EVENTS_MAX;
	for (int round = 0; round < EVENT_ROUNDS && n == EVENTS_MAX && rc == CURLM_OK; round++) {
		n = epoll_wait(f->epfd, ev, EVENTS_MAX, 0);
		rc = run_events(f, ev, n, handled);
	}
	return rc;
}

/* How long poll may sleep: timeout_ms (negative: without limit) or until
 * curl's timer or the end of a quiet spell, whichever is sooner. */
static int poll_wait(const struct cm_fetch *f, int timeout_ms, bool quiet)
{
	int64_t due = f->timer_due;
	if (quiet && f->quiet_until < due)
		due = f->quiet_until;
	if (due == NO_TIMER)
		return timeout_ms < 0 ? -1 : timeout_ms;
	int64_t left = due - mono_us();
	int64_t ms = left <= 0 ? 0 : (left + 999) / 1000;
	if (timeout_ms >= 0 && timeout_ms < ms)
		return timeout_ms;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Keeps room for the caller's nfds pollfds and the epoll fd's. */
static int reserve_pollfds(struct cm_fetch *f, int nfds)
{
	size_t need = (size_t)nfds + 1;
	if (need <= f->pcap)
		return 0;
	size_t c = f->pcap ? f->pcap : 4;
	while (c < need)
		c *= 2;
	struct pollfd *p = realloc(f->pfds, c * sizeof(*p));
	if (!p)
		return -1;
	f->pfds = p;
	f->pcap = c;
	return 0;
}

/* One poll of the caller's fds and, unless quiet, the epoll fd, the
 * caller's revents copied back. The number of the caller's fds with
 * events, or -1. */
static int poll_all(struct cm_fetch *f, struct pollfd *fds, int nfds, int wait, bool quiet)
{
	struct pollfd *p = f->pfds;
	if (nfds)
		memcpy(p, fds, (size_t)nfds * sizeof(*p));
	p[nfds] = (struct pollfd){.fd = f->epfd, .events = POLLIN};
	if (poll(p, (nfds_t)nfds + !quiet, wait) < 0) {
		if (errno != EINTR)
			return -1;
		for (int i = 0; i <= nfds; i++)
			p[i].revents = 0; /* interrupted: a wake-up without events */
	}
	int hits = 0;
	if (quiet)
		p[nfds].revents = 0;
	for (int i = 0; i < nfds; i++) {
		fds[i].revents = p[i].revents;
		hits += p[i].revents != 0;
	}
	return hits;
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
	SET(CURLOPT_OPENSOCKETFUNCTION, on_open);
	SET(CURLOPT_OPENSOCKETDATA, (void *)f);
	SET(CURLOPT_CLOSESOCKETFUNCTION, on_close);
	SET(CURLOPT_CLOSESOCKETDATA, (void *)f);
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

/* curl's DNS cache keeps one entry per host:port, in a hash of 7 slots,
 * and every transfer with a cache timeout walks all of it to prune the
 * stale: at 1000 services (1000 ports) that walk was 17% of cmon's CPU
 * (perf). So one request a DNS_PRUNE_S prunes (entries older than that
 * go, and are resolved again), and the others keep the cache as it is. */
#define DNS_PRUNE_S 60

static long dns_cache_timeout(struct cm_fetch *f)
{
	int64_t now = mono_us();
	if (now < f->dns_prune_due)
		return -1L; /* no pruning: "keep forever" until the next one prunes */
	f->dns_prune_due = now + (int64_t)DNS_PRUNE_S * 1000000;
	return DNS_PRUNE_S;
}

/* The per-request curl options: the request's credentials, else the
 * global ones. -1 when out of memory. */
static int request_options(struct cm_fetch *f, struct xfer *x, const struct cm_request *r)
{
	struct cm_http_rules rules = {
		.url = r->url,
		.user = r->user ? r->user : f->user,
		.password = r->user ? r->password : f->password,
		.unix_socket = r->unix_socket,
		.noproxy = f->noproxy,
		.insecure = f->insecure,
		.tls_cert = f->tls_cert,
		.tls_key = f->tls_key,
		.tls_ca = f->tls_ca,
		.timeout_ms = x->timeout_ms,
		/* Without truncation a Content-Length over the cap fails before the body. */
		.max_size = x->allow_truncated ? 0 : x->max_body,
	};
	if (cm_http_rules_apply(x->easy, &rules) < 0)
		return -1;
	return curl_easy_setopt(x->easy, CURLOPT_DNS_CACHE_TIMEOUT, dns_cache_timeout(f)) ==
			       CURLE_OK
		       ? 0
		       : -1;
}

/* The per-request state and options. -1 when out of memory. */
static int request_setup(struct cm_fetch *f, struct xfer *x, const struct cm_request *r)
{
	x->cb = r->cb;
	x->ctx = r->ctx;
	x->timeout_ms = r->timeout_ms > 0 ? r->timeout_ms : 0;
	x->connect_ms = cm_http_connect_ms(x->timeout_ms);
	x->max_body = r->max_body ? r->max_body : DEFAULT_MAX_BODY;
	if (x->max_body > SIZE_MAX / 2)
		x->max_body = SIZE_MAX / 2; /* so max_body + 1 and doubling never wrap */
	x->allow_truncated = r->allow_truncated;
	x->len = 0;
	x->truncated = x->over = x->oom = x->unwatched = x->settled = false;
	x->status = 0;
	x->reason[0] = x->curl_err[0] = x->msg[0] = '\0';
	x->rc = CURLE_OK;
	return request_options(f, x, r);
}

/* FNV-1a of the n bytes at s, continuing from h. */
static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* A hash of r's origin, "scheme://userinfo@host:port" and the Unix socket
 * it goes through (each is its own connection), never 0. */
static uint64_t origin_hash(const struct cm_request *r)
{
	const char *p = strstr(r->url, "://");
	size_t n = p ? (size_t)(p + 3 - r->url) + strcspn(p + 3, "/?#") : strlen(r->url);
	uint64_t h = fnv1a(14695981039346656037ull, r->url, n);
	if (r->unix_socket)
		h = fnv1a(h, r->unix_socket, strlen(r->unix_socket) + 1);
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

/* Counts the origin of hash h. Only sizes the connection cache, so running
 * out of memory just stops the counting; past conn_cap there is nothing to
 * size. */
static void note_origin(struct cm_fetch *f, uint64_t h)
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
	f->norigins += origin_insert(f->origins, f->ocap, h);
}

/* Sizes the connection caches (CURLMOPT_MAXCONNECTS bounds each of them)
 * to hold one idle connection per origin plus one per transfer in flight.
 * curl's default (4 x the handles added right now) is tiny when polls are
 * spread out, and it would close the other services' idle connections: a
 * new TCP connection per poll. While every origin's connection fits in
 * conn_cap, the bound is a ceiling no cache reaches; past that, the SHARES
 * caches and the multi handle's own get an equal part each, so that
 * together they keep within the fds there are. */
static void size_conn_cache(struct cm_fetch *f)
{
	long need = (long)(f->norigins + f->active), want = f->maxconn;
	if (need > f->conn_cap) {
		want = f->conn_cap / (SHARES + 1);
		if (want < 1)
			want = 1;
	} else {
		while (want < need)
			want *= 2;
		if (want > f->conn_cap)
			want = f->conn_cap;
	}
	if (want != f->maxconn &&
	    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, want) == CURLM_OK)
		f->maxconn = want;
}

/* The connection cache of the origin of hash h, made on first use; NULL
 * (the multi handle's own cache) when it cannot be made.
 *
 * libcurl 7.88 walks the connection cache of a transfer when the transfer
 * leaves the multi handle (curl_multi_remove_handle, looking for the
 * connection it last used, to close it if it was CONNECT_ONLY), from the
 * start until it meets that connection: with one cache for 1000 services,
 * half of 1000 connections a transfer, 10% of cmon's CPU (perf). Its pick
 * of a connection to reuse also walks a hash chain that grows with the
 * cache. A share handle holding only connections has a cache of its own,
 * so SHARES of them cut both walks SHARES times; the once-a-second sweep
 * of idle connections stays what it was (each cache is swept once a
 * second). The same origin always maps to the same cache, so its
 * kept-alive connection is found again. */
static CURLSH *share_of(struct cm_fetch *f, uint64_t h)
{
	size_t k = (size_t)((h ^ h >> 32) % SHARES);
	if (!f->shares[k]) {
		CURLSH *sh = curl_share_init();
		if (sh && curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
			curl_share_cleanup(sh);
			sh = NULL;
		}
		f->shares[k] = sh;
	}
	return f->shares[k];
}

/* ---- the interface ---- */

/* The multi handle on the epoll loop, with a connection cache to grow. */
static int multi_setup(struct cm_fetch *f)
{
	f->multi = curl_multi_init();
	if (!f->multi)
		return -1;
	f->maxconn = CONN_MIN;
	f->conn_cap = conn_cap_from_rlimit();
	CURLMcode rc = CURLM_OK;
#define SET(opt, val) (rc = rc != CURLM_OK ? rc : curl_multi_setopt(f->multi, opt, val))
	SET(CURLMOPT_SOCKETFUNCTION, on_socket);
	SET(CURLMOPT_SOCKETDATA, (void *)f);
	SET(CURLMOPT_TIMERFUNCTION, on_timer);
	SET(CURLMOPT_TIMERDATA, (void *)f);
	SET(CURLMOPT_MAXCONNECTS, f->maxconn);
#undef SET
	return rc == CURLM_OK ? 0 : -1;
}

struct cm_fetch *cm_fetch_new(const struct cm_fetch_opts *o, char *err, size_t errlen)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot start libcurl");
		return NULL;
	}
	struct cm_fetch *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "cannot start libcurl: out of memory");
		curl_global_cleanup();
		return NULL;
	}
	f->timer_due = NO_TIMER;
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (f->epfd < 0) {
		snprintf(err, errlen, "cannot start libcurl: epoll: %s", strerror(errno));
		cm_fetch_free(f); /* pairs the global init */
		return NULL;
	}
	bool oom = false;
	f->insecure = o && o->insecure;
	f->user = dup_or_null(o && o->user ? o->user : NULL, &oom);
	f->password = dup_or_null(o && o->user ? (o->password ? o->password : "") : NULL, &oom);
	/* "" as unset, as cmon pprof's own fetch takes them */
	f->tls_cert = dup_or_null(o && o->tls_cert && *o->tls_cert ? o->tls_cert : NULL, &oom);
	f->tls_key = dup_or_null(o && o->tls_key && *o->tls_key ? o->tls_key : NULL, &oom);
	f->tls_ca = dup_or_null(o && o->tls_ca && *o->tls_ca ? o->tls_ca : NULL, &oom);
	f->noproxy = cm_http_noproxy();
	if (oom || !f->noproxy || multi_setup(f) < 0) {
		snprintf(err, errlen, "cannot start libcurl: out of memory");
		cm_fetch_free(f);
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
		curl_multi_cleanup(f->multi);
	for (size_t k = 0; k < SHARES; k++)
		if (f->shares[k])
			curl_share_cleanup(f->shares[k]); /* closes its connections: on_close */
	if (f->epfd >= 0)
		close(f->epfd); /* after curl: its last on_socket calls use it */
	free(f->user);
	free_secret(f->password);
	free(f->tls_cert);
	free(f->tls_key);
	free(f->tls_ca);
	free(f->noproxy);
	free(f->pfds);
	free(f->watch);
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
	uint64_t origin = origin_hash(r);
	if (request_setup(f, x, r) < 0 ||
	    curl_easy_setopt(x->easy, CURLOPT_SHARE, share_of(f, origin)) != CURLE_OK ||
	    curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		xfer_release(f, x);
		return -1;
	}
	x->state = X_RUNNING;
	x->id = ++f->last_id;
	live_link(f, x);
	f->active++;
	f->kick = true;
	note_origin(f, origin);
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

/* Takes x, ended with rc, off the multi handle and onto the batch. */
static void take_done(struct cm_fetch *f, struct xfer *x, CURLcode rc, struct xfer ***tail)
{
	x->rc = rc;
	curl_multi_remove_handle(f->multi, x->easy);
	x->state = X_DONE;
	x->done_next = NULL;
	**tail = x;
	*tail = &x->done_next;
}

/* Takes every finished transfer off the multi handle, then runs their
 * callbacks (see the top of the file for why in two passes). Whether
 * any transfer ended. */
static bool deliver(struct cm_fetch *f)
{
	struct xfer *batch = NULL, **tail = &batch;
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		take_done(f, (struct xfer *)(void *)priv, m->data.result, &tail); /* m is gone now */
	}
	if (f->unwatched) {
		for (struct xfer *x = f->live; x; x = x->next)
			if (x->state == X_RUNNING && x->unwatched)
				take_done(f, x, CURLE_OUT_OF_MEMORY, &tail);
		f->unwatched = false;
	}
	bool ended = batch != NULL;
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
	return ended;
}

/* The loop of one call: transfers started since the last call first
 * (curl's timer is then due at once, and a poll just to learn that would
 * be a wake-up for nothing), then the poll, then the ready sockets, and
 * curl's timer last, so that no timeout fires on an answer that has come
 * but is not read yet. When starting a transfer alone ended one (on
 * loopback the whole exchange can fit in it), the poll only looks: the
 * caller has news to act on.
 *
 * Answers come in bursts (a slot's services answer within a few
 * milliseconds of each other), and on a virtual machine each wake-up
 * costs more than reading an answer. So after a call that started
 * transfers or read sockets, while transfers are in flight, the network
 * is quiet for BATCH_US: the poll leaves the epoll fd out (the caller's
 * fds, keys among them, are still answered at once), and when the spell
 * ends every socket ready by then is read in one go. Only activity starts
 * a spell, so a hung service costs no wake-ups; an answer is delivered
 * at most BATCH_US late. */
int cm_fetch_poll(struct cm_fetch *f, struct pollfd *fds, int nfds, int timeout_ms)
{
	if (nfds < 0 || nfds > WAITFD_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (reserve_pollfds(f, nfds) < 0) {
		errno = ENOMEM;
		return -1;
	}
	CURLMcode rc = CURLM_OK;
	bool ended = false, started = f->kick;
	if (f->kick) {
		f->kick = false;
		rc = run_timer(f);
		ended = deliver(f);
	}
	bool quiet = f->quiet_until > mono_us();
	int wait = ended ? 0 : poll_wait(f, timeout_ms, quiet);
	int hits = poll_all(f, fds, nfds, wait, quiet);
	if (hits < 0)
		return -1;
	bool look = quiet ? f->quiet_until <= mono_us() : f->pfds[nfds].revents != 0;
	size_t handled = 0;
	if (rc == CURLM_OK && look)
		rc = run_sockets(f, &handled);
	if (rc == CURLM_OK)
		rc = run_timer(f);
	deliver(f);
	if ((started || handled) && f->active)
		f->quiet_until = mono_us() + BATCH_US;
	if (rc != CURLM_OK) {
		errno = rc == CURLM_OUT_OF_MEMORY ? ENOMEM : EIO; /* -1 never means "interrupted" */
		return -1;
	}
	return hits;
}
