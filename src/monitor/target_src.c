/* target_src: -ports=@FILE's lines and the Prometheus targets API's
 * answer, turned into target lists (see target_src.h). Every entry goes
 * through cm_targets_parse, so a file's line and a scrapeUrl are held to
 * the -ports grammar and its bounds. */
#include "cmon/monitor/target_src.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmon/base/json.h"
#include "cmon/base/url.h"

/* A line of a -ports file: a comma list of fields (FIELD_MAX each). */
#define LINE_MAX_BYTES 65536
/* labels, discoveredLabels, and their strings: the answer is shallow. */
#define PROM_MAX_DEPTH 16
#define SCRAPE_URL_MAX 2048
#define JOB_MAX 1024

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool cm_target_same(const struct cm_target *a, const struct cm_target *b)
{
	return same_str(a->base, b->base) && same_str(a->path, b->path) && same_str(a->ssh, b->ssh);
}

static unsigned long long hash_str(unsigned long long h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL; /* ends each part: "ab"+"c" is not "a"+"bc" */
}

unsigned long long cm_target_hash(const struct cm_target *t)
{
	unsigned long long h = 1469598103934665603ULL;
	return hash_str(hash_str(hash_str(h, t->base), t->path), t->ssh);
}

int cm_targets_join(struct cm_target_list *to, struct cm_target_list *from, char *err,
		    size_t errlen)
{
	if (to->n + from->n > CM_TARGETS_MAX) {
		snprintf(err, errlen, "more than %d services", CM_TARGETS_MAX);
		return -1;
	}
	if (!from->n)
		return 0;
	struct cm_target *v = realloc(to->v, (to->n + from->n) * sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(v + to->n, from->v, from->n * sizeof *v);
	to->v = v;
	to->n += from->n;
	free(from->v);
	*from = (struct cm_target_list){0};
	return 0;
}

static int copy_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

static int copy_target(struct cm_target *d, const struct cm_target *s)
{
	*d = *s; /* port, https, unix_socket */
	int bad = copy_str(&d->base, s->base) | copy_str(&d->display, s->display) |
		  copy_str(&d->host, s->host) | copy_str(&d->ssh, s->ssh) |
		  copy_str(&d->path, s->path) | copy_str(&d->user, s->user) |
		  copy_str(&d->password, s->password);
	if (bad)
		cm_target_free(d);
	return bad ? -1 : 0;
}

int cm_targets_copy(struct cm_target_list *to, const struct cm_target_list *from,
		    bool (*keep)(void *ctx, const struct cm_target *t), void *ctx, char *err,
		    size_t errlen)
{
	struct cm_target *v = realloc(to->v, (to->n + from->n + 1) * sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	to->v = v;
	for (size_t i = 0; i < from->n; i++) {
		if (keep && !keep(ctx, &from->v[i]))
			continue;
		if (to->n >= CM_TARGETS_MAX) {
			snprintf(err, errlen, "more than %d services", CM_TARGETS_MAX);
			return -1;
		}
		if (copy_target(&to->v[to->n], &from->v[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		to->n++;
	}
	return 0;
}

/* ---- -ports=@FILE ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Line s[0, n) without its comment and surrounding blanks: the length
 * left, *s moved past the leading blanks. */
static size_t line_content(const char **s, size_t n)
{
	const char *hash = memchr(*s, '#', n);
	if (hash)
		n = (size_t)(hash - *s);
	while (n && is_blank(**s))
		(*s)++, n--;
	while (n && is_blank((*s)[n - 1]))
		n--;
	return n;
}

/* One line's entries appended to out; -1 with err (without the file and
 * line: the caller adds them). */
static int parse_line(const char *s, size_t n, struct cm_target_list *out, char *err,
		      size_t errlen)
{
	if (n > LINE_MAX_BYTES) {
		snprintf(err, errlen, "line longer than %d bytes", LINE_MAX_BYTES);
		return -1;
	}
	char *spec = malloc(n + 1);
	if (!spec) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(spec, s, n);
	spec[n] = '\0';
	struct cm_target_list line = {0};
	int rc = cm_targets_parse(spec, &line, err, errlen);
	free(spec);
	if (rc == 0 && (rc = cm_targets_join(out, &line, err, errlen)) < 0)
		cm_targets_free(&line);
	return rc;
}

int cm_targets_parse_lines(const char *text, size_t len, const char *name,
			   struct cm_target_list *out, char *err, size_t errlen)
{
	*out = (struct cm_target_list){0};
	char why[320];
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: a NUL byte: not a text file", name);
		return -1;
	}
	size_t lineno = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + at;
		size_t n = line_content(&s, end - at);
		lineno++;
		at = end + 1;
		if (n && parse_line(s, n, out, why, sizeof why) < 0) {
			snprintf(err, errlen, "%s:%zu: %s", name, lineno, why);
			cm_targets_free(out);
			return -1;
		}
	}
	if (!out->n) {
		snprintf(err, errlen, "%s: no services listed", name);
		return -1;
	}
	return 0;
}

/* ---- -targets=PROMETHEUS ---- */

void cm_prom_source_free(struct cm_prom_source *s)
{
	cm_target_free(&s->api);
	free(s->url);
	free(s->job);
	*s = (struct cm_prom_source){0};
}

/* "?job=NAME" (NAME percent-decoded) into s->job; the only query taken. */
static int parse_job(const char *q, struct cm_prom_source *s, char *err, size_t errlen)
{
	if (strncmp(q, "job=", 4) || strchr(q, '&') || !q[4] || strlen(q) > JOB_MAX) {
		snprintf(err, errlen, "bad -targets query \"?%.64s\": want ?job=NAME", q);
		return -1;
	}
	int rc = cm_url_decode(q + 4, strlen(q + 4), &s->job);
	if (rc < 0)
		snprintf(err, errlen, rc == -2 ? "out of memory" : "bad -targets job: a bad %%XX");
	return rc < 0 ? -1 : 0;
}

static int parse_server(char *spec, struct cm_prom_source *s, char *err, size_t errlen)
{
	struct cm_target_list one = {0};
	char why[256];
	if (strchr(spec, ',') || cm_targets_parse(spec, &one, why, sizeof why) < 0 || one.n != 1 ||
	    one.v[0].ssh) {
		if (one.n)
			snprintf(why, sizeof why, "one http(s)://host:port URL, no ssh:// nor ranges");
		else if (strchr(spec, ','))
			snprintf(why, sizeof why, "one URL, not a list");
		char shown[160];
		cm_url_masked(spec, strlen(spec), shown, sizeof shown);
		snprintf(err, errlen, "bad -targets \"%s\": %s", shown, why);
		cm_targets_free(&one);
		return -1;
	}
	s->api = one.v[0];
	free(one.v);
	return 0;
}

/* The API's URL: the server's path (a prefix, as --web.route-prefix
 * makes) followed by the API's. */
static int make_api_url(struct cm_prom_source *s, char *err, size_t errlen)
{
	const char *prefix = s->api.path ? s->api.path : "";
	size_t pl = strlen(prefix);
	while (pl && prefix[pl - 1] == '/')
		pl--;
	char *path = malloc(pl + 32);
	if (path) {
		snprintf(path, pl + 32, "%.*s/api/v1/targets", (int)pl, prefix);
		s->url = cm_target_url(&(struct cm_target){.base = s->api.base}, path, "?state=active");
	}
	free(path);
	if (!s->url)
		snprintf(err, errlen, "out of memory");
	return s->url ? 0 : -1;
}

int cm_prom_source_parse(const char *spec, struct cm_prom_source *out, char *err,
			 size_t errlen)
{
	*out = (struct cm_prom_source){0};
	char *copy = strdup(spec);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *q = strchr(copy, '?');
	if (q)
		*q++ = '\0';
	int rc = q ? parse_job(q, out, err, errlen) : 0;
	if (rc == 0)
		rc = parse_server(copy, out, err, errlen);
	if (rc == 0)
		rc = make_api_url(out, err, errlen);
	free(copy);
	if (rc < 0)
		cm_prom_source_free(out);
	return rc;
}

/* String v of d as a C string in buf (cap bytes); false when v is no
 * string, holds a NUL, or does not fit. */
static bool json_cstr(const struct cm_json *d, size_t v, char *buf, size_t cap)
{
	if (cm_json_type(d, v) != CM_JSON_STRING)
		return false;
	size_t n = cm_json_string(d, v, buf, cap);
	if (n >= cap || memchr(buf, '\0', n))
		return false;
	buf[n] = '\0';
	return true;
}

/* Target t of the answer (k-th, for errors), when its job is job: its
 * scrapeUrl appended to out. */
static int take_target(const struct cm_json *d, size_t t, size_t k, const char *job,
		       struct cm_target_list *out, char *err, size_t errlen)
{
	char url[SCRAPE_URL_MAX + 1], why[256];
	if (cm_json_type(d, t) != CM_JSON_OBJECT) {
		snprintf(err, errlen, "Prometheus API: target %zu is not an object", k);
		return -1;
	}
	if (job) {
		char have[JOB_MAX + 1];
		size_t j = cm_json_get(d, cm_json_get(d, t, "labels", 6), "job", 3);
		if (!json_cstr(d, j, have, sizeof have) || strcmp(have, job))
			return 0;
	}
	if (!json_cstr(d, cm_json_get(d, t, "scrapeUrl", 9), url, sizeof url)) {
		snprintf(err, errlen, "Prometheus API: target %zu: no scrapeUrl string (at most %d "
				      "bytes)", k, SCRAPE_URL_MAX);
		return -1;
	}
	struct cm_target_list one = {0};
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) {
		snprintf(why, sizeof why, "not an http(s) URL"); /* nor ssh://, nor a bare port */
	} else if (strchr(url, ',')) {
		snprintf(why, sizeof why, "a comma in the URL");
	} else if (cm_targets_parse(url, &one, why, sizeof why) == 0 &&
		   cm_targets_join(out, &one, why, sizeof why) == 0) {
		return 0;
	}
	cm_targets_free(&one);
	snprintf(err, errlen, "Prometheus API: target %zu: scrapeUrl: %s", k, why);
	return -1;
}

static int read_answer(const struct cm_json *d, const char *job, struct cm_target_list *out,
		       char *err, size_t errlen)
{
	if (!cm_json_string_is(d, cm_json_get(d, 0, "status", 6), "success", 7)) {
		snprintf(err, errlen, "Prometheus API: status is not \"success\"");
		return -1;
	}
	size_t list = cm_json_get(d, cm_json_get(d, 0, "data", 4), "activeTargets", 13);
	if (cm_json_type(d, list) != CM_JSON_ARRAY) {
		snprintf(err, errlen, "Prometheus API: no data.activeTargets array");
		return -1;
	}
	size_t n = cm_json_count(d, list), t = cm_json_first(d, list);
	for (size_t k = 0; k < n; k++, t = cm_json_next(d, t))
		if (take_target(d, t, k, job, out, err, errlen) < 0)
			return -1;
	return 0;
}

int cm_targets_from_prom(const char *body, size_t len, const char *job,
			 struct cm_target_list *out, char *err, size_t errlen)
{
	*out = (struct cm_target_list){0};
	if (len > CM_PROM_API_MAX_BODY) {
		snprintf(err, errlen, "Prometheus API: answer bigger than %u bytes",
			 CM_PROM_API_MAX_BODY);
		return -1;
	}
	struct cm_json d = {0};
	struct cm_json_opts o = {.max_depth = PROM_MAX_DEPTH};
	char why[200];
	int rc = cm_json_parse(&d, body, len, &o, why, sizeof why);
	if (rc < 0)
		snprintf(err, errlen, "Prometheus API: %s", why);
	else
		rc = read_answer(&d, job, out, err, errlen);
	cm_json_free(&d);
	if (rc < 0)
		cm_targets_free(out);
	return rc;
}
