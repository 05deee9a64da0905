/* fetch: every HTTP request of the monitor on one curl multi handle. Never
 * blocks: cm_fetch_poll waits for sockets, timers and the caller's own fds
 * together, and completions are delivered as callbacks from cm_fetch_poll.
 * Bodies are capped; connections are kept alive and reused. */
#ifndef CMON_FETCH_H
#define CMON_FETCH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct cm_fetch;

struct cm_fetch_opts {
	bool insecure;        /* -insecure: accept any TLS certificate */
	const char *user;     /* Basic auth for every request (HTTP_USER), or NULL */
	const char *password; /* (HTTP_PASSWORD) */
	/* go tool pprof's -tls_cert, -tls_key, -tls_ca for every request
	 * (see cm_http_rules), or NULL: copied */
	const char *tls_cert, *tls_key, *tls_ca;
};

struct cm_fetch_result {
	const char *body; /* NUL-terminated; valid during the callback only; NULL on error */
	size_t len;
	bool truncated;   /* the body hit max_body (only with allow_truncated) */
	long status;      /* HTTP status, 0 when none */
	const char *content_type; /* the answer's Content-Type as sent (errors too),
				     NULL when none; valid during the callback only */
	bool timed_out;   /* error is the request running out of time (-timeout) */
	const char *error; /* NULL on success (2xx), else one line: "connection refused",
			      "timed out after 5000 ms", "HTTP 404 Not Found", "body over 8 MiB" */
};

typedef void (*cm_fetch_cb)(void *ctx, const struct cm_fetch_result *r);

struct cm_request {
	const char *url;       /* copied */
	const char *user;      /* per-request credentials (from the URL), or NULL: copied */
	const char *password;
	const char *unix_socket; /* connect to this Unix socket instead of the URL's host
				    (CURLOPT_UNIX_SOCKET_PATH), or NULL: copied */
	long timeout_ms;
	size_t max_body;
	bool allow_truncated;  /* at max_body stop and deliver what came, as success */
	cm_fetch_cb cb;
	void *ctx;
};

/* The rules every curl handle of cmon follows, the monitor's (cm_fetch)
 * and `cmon pprof`'s alike, so that none can differ:
 * - http and https only, redirects included (no ftp://, no file://), at
 *   most CM_HTTP_MAX_REDIRS redirects;
 * - credentials go to curl apart from the URL, so that neither curl's
 *   error text nor anything else it prints can hold them: a URL's own
 *   "user:password@" is taken out of it (and wins over user/password);
 *   Basic auth only, never sent on to another host a redirect leads to;
 * - a Content-Length over max_size fails before the body (0: no check;
 *   the body callback still caps what comes without one);
 * - a connect timeout of at most 5 s, and the whole one, timeout_ms;
 * - TLS certificates checked unless insecure; loopback never proxied;
 *   no signals (cmon owns them); User-Agent "cmon". */
struct cm_http_rules {
	const char *url;         /* copied */
	const char *user;        /* Basic auth, or NULL: copied */
	const char *password;
	const char *unix_socket; /* or NULL: copied */
	const char *noproxy;     /* from cm_http_noproxy, or NULL to work it out here */
	bool insecure;
	long timeout_ms;         /* 0: none */
	unsigned long long max_size;
	/* go tool pprof's -tls_cert, -tls_key (a client certificate, PEM) and
	 * -tls_ca (the CAs to trust, PEM, in place of the system's); NULL:
	 * none, the system's CAs */
	const char *tls_cert, *tls_key, *tls_ca;
};

#define CM_HTTP_MAX_REDIRS 5

/* Sets the rules on easy, a CURL * (void here, so that this header needs
 * no curl.h). Call it before each transfer: it sets every option it
 * covers. 0, or -1 when out of memory. */
int cm_http_rules_apply(void *easy, const struct cm_http_rules *r);

/* $NO_PROXY (or $no_proxy) plus loopback, as curl's CURLOPT_NOPROXY wants
 * it: malloc'd, NULL when out of memory. */
char *cm_http_noproxy(void);

/* The connect timeout the rules give a transfer of timeout_ms (0: none). */
long cm_http_connect_ms(long timeout_ms);

/* When curl ended a transfer with curl_code because of these rules (a
 * redirect to another scheme), one line saying so into out, and true. */
bool cm_http_refusal(void *easy, int curl_code, char *out, size_t outlen);

/* NULL on failure with the reason in err. */
struct cm_fetch *cm_fetch_new(const struct cm_fetch_opts *o, char *err, size_t errlen);

/* Frees everything; callbacks of transfers in flight are not called. */
void cm_fetch_free(struct cm_fetch *f);

/* Starts a transfer. Returns an id > 0, or -1 (out of memory). The callback
 * runs exactly once, from a later cm_fetch_poll, unless cancelled. */
long cm_fetch_start(struct cm_fetch *f, const struct cm_request *r);

/* Abandons a transfer; its callback is not called. Unknown ids are ignored. */
void cm_fetch_cancel(struct cm_fetch *f, long id);

/* Transfers in flight. */
size_t cm_fetch_active(const struct cm_fetch *f);

/* Waits at most timeout_ms for network activity or for one of the caller's
 * fds (revents filled in), drives the transfers and runs the callbacks of
 * those that ended. Returns the number of the caller's fds with events, or
 * -1 on a poll error (EINTR counts as 0). Answers are read in batches: for
 * 4 ms after network activity only the caller's fds wake it, so a callback
 * may run up to 4 ms after its answer came (see fetch.c). */
int cm_fetch_poll(struct cm_fetch *f, struct pollfd *fds, int nfds, int timeout_ms);

#endif
