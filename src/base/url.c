/* url: where a URL keeps its credentials (see url.h). */
#include "cmon/base/url.h"
#include "cmon/base/strbuf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Index of the first c in s[from, n), or n. */
static size_t index_of(const char *s, size_t from, size_t n, char c)
{
	while (from < n && s[from] != c)
		from++;
	return from;
}

/* Where the authority of s[0, n) starts: past "scheme://" when the first
 * '/' is the one of "://", else 0 (a URL written without a scheme). */
static size_t authority_start(const char *s, size_t n)
{
	size_t slash = index_of(s, 0, n, '/');
	if (slash > 0 && slash + 1 < n && s[slash - 1] == ':' && s[slash + 1] == '/')
		return slash + 2;
	return 0;
}

/* Where the userinfo s[a, *at - 1) ends: *at is past its '@'. False when
 * there is none. */
static bool userinfo_end(const char *s, size_t n, size_t a, size_t *at)
{
	size_t end = index_of(s, a, n, '/');
	size_t i = end;
	while (i > a && s[i - 1] != '@')
		i--;
	*at = i;
	return i > a;
}

void cm_url_password_span(const char *s, size_t n, size_t *from, size_t *to)
{
	*from = *to = 0;
	size_t a = authority_start(s, n), at;
	if (!userinfo_end(s, n, a, &at))
		return;
	size_t colon = index_of(s, a, at - 1, ':');
	if (colon < at - 1) {
		*from = colon + 1;
		*to = at - 1;
	}
}

/* Where an "ssh://DEST/" prefix of s[0, n) ends (0 when there is none). */
static size_t ssh_prefix_end(const char *s, size_t n)
{
	if (n < 6 || strncasecmp(s, "ssh://", 6))
		return 0;
	size_t slash = index_of(s, 6, n, '/');
	return slash < n ? slash + 1 : n;
}

/* The password spans of s[0, n): the ssh prefix's, then the URL's. */
static void password_spans(const char *s, size_t n, size_t span[2][2])
{
	size_t ssh = ssh_prefix_end(s, n);
	span[0][0] = span[0][1] = 0;
	if (ssh)
		cm_url_password_span(s, ssh, &span[0][0], &span[0][1]);
	cm_url_password_span(s + ssh, n - ssh, &span[1][0], &span[1][1]);
	span[1][0] += ssh;
	span[1][1] += ssh;
}

/* Appends s[0, n) to dst at *w, cut to fit cap. */
static void put(char *dst, size_t cap, size_t *w, const char *s, size_t n)
{
	size_t room = cap - 1 - *w;
	if (n > room)
		n = room;
	memcpy(dst + *w, s, n);
	*w += n;
}

size_t cm_url_masked(const char *s, size_t n, char *dst, size_t cap)
{
	size_t span[2][2], w = 0, from = 0;
	password_spans(s, n, span);
	for (int i = 0; i < 2; i++) {
		if (span[i][1] <= span[i][0])
			continue;
		put(dst, cap, &w, s + from, span[i][0] - from);
		put(dst, cap, &w, "***", 3);
		from = span[i][1];
	}
	put(dst, cap, &w, s + from, n - from);
	dst[w] = '\0';
	return w;
}

void cm_url_hide_password(char *s, size_t n)
{
	size_t span[2][2];
	password_spans(s, n, span);
	for (int i = 0; i < 2; i++)
		memset(s + span[i][0], '*', span[i][1] - span[i][0]);
}

/* Decodes s[0, n) into d (room for n + 1); a bad escape fails when strict,
 * else stays as written. -1 on a bad one. */
static int decode_into(const char *s, size_t n, char *d, bool strict)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		bool esc = s[i] == '%' && i + 2 < n;
		int hi = esc ? cm_hex_value(s[i + 1]) : -1, lo = esc ? cm_hex_value(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			if (s[i] == '%' && strict)
				return -1;
			d[w++] = s[i];
			continue;
		}
		d[w++] = (char)(hi * 16 + lo);
		i += 2;
	}
	d[w] = '\0';
	return 0;
}

int cm_url_decode(const char *s, size_t n, char **out)
{
	char *d = malloc(n + 1);
	if (!d)
		return -2;
	if (decode_into(s, n, d, true) < 0) {
		free(d);
		return -1;
	}
	*out = d;
	return 0;
}

/* s[0, n) decoded leniently into a new string; NULL when out of memory. */
static char *decode_lenient(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d)
		decode_into(s, n, d, false);
	return d;
}

int cm_url_split_userinfo(const char *url, char **bare, char **user, char **password)
{
	*bare = *user = *password = NULL;
	size_t n = strlen(url), a = authority_start(url, n), at;
	if (!userinfo_end(url, n, a, &at))
		return 0;
	size_t colon = index_of(url, a, at - 1, ':');
	char *b = malloc(n + 1);
	char *u = decode_lenient(url + a, colon - a);
	char *p = colon < at - 1 ? decode_lenient(url + colon + 1, at - 1 - colon - 1) : NULL;
	if (!b || !u || (colon < at - 1 && !p)) {
		free(b);
		free(u);
		free(p);
		return -1;
	}
	memcpy(b, url, a);
	memcpy(b + a, url + at, n - at + 1);
	*bare = b;
	*user = u;
	*password = p;
	return 1;
}
