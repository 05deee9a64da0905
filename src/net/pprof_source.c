#include "cmon/net/pprof_source.h"

#include "cmon/net/fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* host:port[/path] with a plausible host and a numeric port. */
static bool looks_like_hostport(const char *s)
{
	const char *colon = strchr(s, ':');
	const char *slash = strchr(s, '/');
	if (!colon || (slash && slash < colon))
		return false;
	const char *p = colon + 1;
	if (!*p || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' || *p == '/';
}

char *cm_source_url(const char *spec, int seconds)
{
	struct stat st;
	const char *scheme = "";
	if (!has_prefix(spec, "http://") && !has_prefix(spec, "https://")) {
		if (stat(spec, &st) == 0 || !looks_like_hostport(spec))
			return NULL;
		/* ":6060/..." names no host: pprof's Go client dials the local
		 * one, where curl would refuse the URL. */
		scheme = spec[0] == ':' ? "http://localhost" : "http://";
	}
	/* The path starts at the first "/" after the scheme's "//", if any. */
	const char *rest = has_prefix(spec, "http://") ? spec + 7 : has_prefix(spec, "https://") ? spec + 8 : spec;
	const char *path = strchr(rest, '/');
	bool no_path = !path || !strcmp(path, "/");
	size_t n = strlen(spec) + 80;
	char *url = malloc(n);
	if (!url)
		return NULL;
	if (no_path)
		snprintf(url, n, "%s%.*s/debug/pprof/profile", scheme,
			 (int)(path ? (size_t)(path - spec) : strlen(spec)), spec);
	else
		snprintf(url, n, "%s%s", scheme, spec);
	if (seconds > 0) {
		size_t len = strlen(url);
		snprintf(url + len, n - len, "%cseconds=%d", strchr(url, '?') ? '&' : '?', seconds);
	}
	return url;
}

struct body {
	unsigned char *data;
	size_t len, cap;
	uint64_t max;
	bool too_big;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;
	if (b->len + n > b->max) {
		b->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (b->len + n > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 65536;
		while (ncap < b->len + n)
			ncap *= 2;
		unsigned char *d = realloc(b->data, ncap);
		if (!d)
			return 0;
		b->data = d;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	return n;
}

/* A signal while a 30 s profile is fetched ends the wait (the caller then
 * takes its tunnels down before the signal ends cmon). */
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct cm_source_opts *o = clientp;
	struct pollfd p = {.fd = o->cancel_fd, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

/* pprof's fetch timeout: -timeout, else 1.5 * -seconds, else 60 s; its
 * client gives the transfer 5 s more. */
static long fetch_timeout(const struct cm_source_opts *o)
{
	long t = o->timeout > 0 ? o->timeout : o->seconds > 0 ? o->seconds + o->seconds / 2 : 60;
	return t + 5;
}

/* pprof's transport wants -tls_cert and -tls_key together. */
static int check_tls(const struct cm_source_opts *o, char *err, size_t errlen)
{
	bool cert = o->tls_cert && *o->tls_cert, key = o->tls_key && *o->tls_key;
	if (cert == key)
		return 0;
	snprintf(err, errlen, "http fetch: -%s is specified, so -%s must also be specified",
		 key ? "tls_key" : "tls_cert", key ? "tls_cert" : "tls_key");
	return -1;
}

/* Errors with the files of -tls_*, in pprof's words. */
static void tls_file_error(CURLcode rc, const char *curl_err, char *err, size_t errlen)
{
	const char *what = rc == CURLE_SSL_CERTPROBLEM
				   ? "could not load certificate/key pair specified by -tls_cert and -tls_key"
				   : "could not load CA specified by -tls_ca";
	snprintf(err, errlen, "http fetch: %s: %s", what, curl_err);
}

/* A TLS server that wants a client certificate drops the connection, and
 * curl only sees it cut: say what may be missing. */
static const char *cert_hint(const char *url, CURLcode rc, const struct cm_http_rules *r)
{
	bool cut = rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
		   rc == CURLE_SSL_CONNECT_ERROR;
	if (!cut || r->tls_cert || strncmp(url, "https://", 8))
		return "";
	return " (does the server want a client certificate? -tls_cert, -tls_key)";
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static int read_url(const char *url, const struct cm_source_opts *o, unsigned char **data,
		    size_t *len, char *err, size_t errlen)
{
	if (check_tls(o, err, errlen) < 0)
		return -1;
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "cannot start libcurl");
		return -1;
	}
	struct body b = {.max = o->max_bytes};
	char curl_err[CURL_ERROR_SIZE] = "";
	/* The monitor's rules: http and https only, redirects included; the
	 * URL's credentials apart from it; bodies over max_bytes refused. */
	struct cm_http_rules rules = {.url = url, .unix_socket = o->unix_socket,
				      .timeout_ms = fetch_timeout(o) * 1000, .max_size = o->max_bytes,
				      .tls_cert = nonempty(o->tls_cert), .tls_key = nonempty(o->tls_key),
				      .tls_ca = nonempty(o->tls_ca)};
	if (cm_http_rules_apply(c, &rules) < 0) {
		curl_easy_cleanup(c);
		snprintf(err, errlen, "cannot start libcurl: out of memory");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	if (o->cancel_fd > 0) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)o);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	char refused[160] = "";
	cm_http_refusal(c, rc, refused, sizeof(refused));
	curl_easy_cleanup(c);
	if (*refused) {
		snprintf(err, errlen, "%s", refused);
	} else if (b.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "response body exceeds %llu bytes (-max_inflated)",
			 (unsigned long long)o->max_bytes);
	} else if ((rc == CURLE_SSL_CERTPROBLEM && rules.tls_cert) ||
		   (rc == CURLE_SSL_CACERT_BADFILE && rules.tls_ca)) {
		tls_file_error(rc, *curl_err ? curl_err : curl_easy_strerror(rc), err, errlen);
	} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, errlen, "interrupted");
	} else if (rc != CURLE_OK) {
		snprintf(err, errlen, "http fetch: %s%s", *curl_err ? curl_err : curl_easy_strerror(rc),
			 cert_hint(url, rc, &rules));
	} else if (status != 200) {
		/* Go's pprof handler explains itself in a short text body. */
		size_t show = b.len < 200 ? b.len : 200;
		while (show > 0 && (b.data[show - 1] == '\n' || b.data[show - 1] == '\r'))
			show--;
		bool text = true;
		for (size_t i = 0; i < show && text; i++)
			text = b.data[i] >= 0x20 && b.data[i] < 0x7f;
		snprintf(err, errlen, "server response: HTTP %ld%s%.*s", status, show && text ? ": " : "",
			 text ? (int)show : 0, text && b.data ? (const char *)b.data : "");
	} else {
		*data = b.data;
		*len = b.len;
		return 0;
	}
	free(b.data);
	return -1;
}

static int read_file(const char *path, const struct cm_source_opts *o, unsigned char **data,
		     size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	struct body b = {.max = o->max_bytes};
	/* Size the buffer from the file, so a big profile is not doubled. */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size <= o->max_bytes &&
	    (b.data = malloc((size_t)st.st_size + 1)))
		b.cap = (size_t)st.st_size + 1;
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (on_body((char *)buf, 1, n, &b) != n)
			break;
	}
	bool failed = ferror(f) || b.too_big || n > 0;
	fclose(f);
	if (failed) {
		if (b.too_big)
			snprintf(err, errlen, "file is larger than %llu bytes (-max_inflated)",
				 (unsigned long long)o->max_bytes);
		else
			snprintf(err, errlen, "read %s: %s", path, errno ? strerror(errno) : "out of memory");
		free(b.data);
		return -1;
	}
	*data = b.data;
	*len = b.len;
	return 0;
}

int cm_source_read(const char *spec, const struct cm_source_opts *o, unsigned char **data,
		   size_t *len, char *err, size_t errlen)
{
	*data = NULL;
	*len = 0;
	char *url = cm_source_url(spec, o->seconds);
	if (!url)
		return read_file(spec, o, data, len, err, errlen);
	int rc = read_url(url, o, data, len, err, errlen);
	free(url);
	return rc;
}
