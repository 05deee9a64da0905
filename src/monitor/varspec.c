/* varspec: the -vars grammar (see varspec.h).
 *
 * Choices the header leaves open, made here:
 * - "\X" stands for X whatever X is: the header's \. \\ \: \[ and also \],
 *   \, \@ \* and "\ ", so that every key can be written. A backslash that
 *   ends the list is an error.
 * - Fields are split on unescaped commas and trimmed of unescaped spaces
 *   and tabs (-vars='a, b'). An empty field is an error: expvarmon divided
 *   by zero on "-vars=,".
 * - Prefixes are the words before each unescaped ':' at the front, in any
 *   order ("rate:mem:x" is "mem:rate:x"): at most one kind and one rate:.
 *   rate: does not combine with str: (text has no rate). A key with a colon
 *   is written "\:", so "memstats.a:b" is the unknown kind "memstats.a".
 * - @goroutines and @threads take rate: (threadcreate is a running total,
 *   so its rate is threads made per second) but no kind: they are counts.
 *   Any other "@name" is an error; "\@name" is a key.
 * - "*" takes no prefix and may stand beside named vars. It takes no slot
 *   itself: CM_VARS_MAX bounds the vars it adds (cm_vars_add_path) as it
 *   bounds the named ones.
 * - An index is -?[0-9]+ with |N| <= INDEX_MAX; "[-0]" is refused (first or
 *   last?). Indexes follow a key, several in a row for nested arrays
 *   ("m[1][2]"); none can start a path, the root being an object, and a key
 *   after an index needs its dot ("a[1].b"). Index steps count toward
 *   CM_VAR_DEPTH_MAX like keys.
 * - title is the field after its prefixes as written, escapes included; the
 *   titles "*" makes escape the same way, so a var the user named is not
 *   added twice. label is the last key unescaped, then its indexes as
 *   written; a var "*" found is labelled by its whole path, unescaped.
 * - A field is at most FIELD_MAX bytes.
 * - Prometheus (see varspec.h): the prefixes end at the first '{', '|' or
 *   '"' (a ':' inside label matchers is text); a '|' splits a field into
 *   its expvar and Prometheus sides, outside braces and quotes. A plain
 *   name made only of a metric name's characters is both sides; a name
 *   with '{' or a p99: var is a Prometheus side only; @goroutines and
 *   @threads read go_goroutines and go_threads there. raw: and rate: do
 *   not combine, nor pNN: with rate:, raw: or str:. A matcher value is a
 *   double-quoted string with \\ \" \n escapes (other escaped bytes stand
 *   for themselves). The label of a Prometheus-only var is its text as
 *   written, "p99:" first for a quantile; a var with an expvar side is
 *   labelled as before. */
#include "cmon/monitor/varspec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/goregex.h"

#define FIELD_MAX 4096
#define INDEX_MAX 1000000000LL /* past this an index is a typo */

/* Failures below return BAD (why says it) or OOM. */
enum { OOM = -2, BAD = -1 };

/* The attribute lets the compiler check every message's arguments. */
__attribute__((format(printf, 3, 4))) static int say(char *why, size_t wl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, wl, fmt, ap);
	va_end(ap);
	return BAD;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The index after the character at i, or after the escape pair there. */
static size_t next_char(const char *s, size_t i, size_t n)
{
	return s[i] == '\\' && i + 1 < n ? i + 2 : i + 1;
}

/* Index of the first unescaped c in s[0, n), or n. */
static size_t find_unescaped(const char *s, size_t n, char c)
{
	size_t i = 0;
	while (i < n && s[i] != c)
		i = next_char(s, i, n);
	return i < n ? i : n;
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

/* Drops unescaped blanks at both ends of s[0, *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	size_t keep = 0;
	for (size_t i = 0; i < *n;) {
		size_t next = next_char(*s, i, *n);
		if (!is_blank((*s)[i]))
			keep = next;
		i = next;
	}
	*n = keep;
}

static void prom_free(struct cm_prom_sel *p)
{
	for (size_t i = 0; i < p->nm; i++) {
		free(p->m[i].label);
		free(p->m[i].value);
		cm_goregex_free(p->m[i].re);
	}
	free(p->m);
	free(p->name);
}

void cm_var_free(struct cm_var *v)
{
	for (size_t i = 0; i < v->nsteps; i++)
		free(v->steps[i].key);
	free(v->steps);
	prom_free(&v->prom);
	free(v->label);
	free(v->title);
	*v = (struct cm_var){0};
}

/* ---- prefixes ---- */

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(s, w, n);
}

/* "dur.ms", "duration.s": a duration published in that unit; the
 * nanoseconds in one, or 0 when s is not one of them. */
static double duration_unit(const char *s, size_t n)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9},
		     {"h", 3600e9}};
	const char *dot = memchr(s, '.', n);
	if (!dot || !(word_is(s, (size_t)(dot - s), "dur") || word_is(s, (size_t)(dot - s), "duration")))
		return 0;
	size_t un = n - (size_t)(dot - s) - 1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (word_is(dot + 1, un, units[i].unit))
			return units[i].ns;
	return 0;
}

static bool kind_of(const char *s, size_t n, enum cm_var_kind *k, double *unit_ns)
{
	*unit_ns = 1;
	if (word_is(s, n, "mem"))
		*k = CM_KIND_MEM;
	else if (word_is(s, n, "duration") || word_is(s, n, "dur"))
		*k = CM_KIND_DURATION;
	else if ((*unit_ns = duration_unit(s, n)) > 0)
		*k = CM_KIND_DURATION;
	else if (word_is(s, n, "str"))
		*k = CM_KIND_STRING;
	else
		return false;
	return true;
}

/* "p99", "p99.9", "p0" ... "p100": the quantile (0.99), or -1. */
static double quantile_of(const char *s, size_t n)
{
	if (n < 2 || n > 12 || s[0] != 'p')
		return -1;
	double v = 0, scale = 0;
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '.' && !scale && i > 1 && i + 1 < n)
			scale = 1;
		else if (s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (s[i] - '0');
			scale *= 10;
		} else
			return -1;
	}
	v /= scale ? scale : 1;
	return v <= 100 ? v / 100 : -1;
}

/* Where the prefixes may be: before the first '{', '|' or '"'. */
static size_t prefix_zone(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] != '{' && s[i] != '|' && s[i] != '"')
		i = next_char(s, i, n);
	return i < n ? i : n;
}

/* raw: or pNN:, a Prometheus side's prefixes; false when s is neither. */
static bool prom_prefix(const char *s, size_t n, struct cm_var *v, int *rc, char *why, size_t wl)
{
	double q = quantile_of(s, n);
	if (word_is(s, n, "raw")) {
		*rc = v->prom.raw ? say(why, wl, "raw: given twice") : 0;
		v->prom.raw = true;
	} else if (q >= 0) {
		*rc = !isnan(v->prom.quantile) ? say(why, wl, "two quantiles: pick one") : 0;
		v->prom.quantile = q;
	} else {
		return false;
	}
	return true;
}

/* Reads the prefixes off the front of s[0, *n) into v; *any says whether
 * there were some. */
static int parse_prefixes(const char **s, size_t *n, struct cm_var *v, bool *any, char *why,
			  size_t wl)
{
	bool have_kind = false;
	for (size_t colon; (colon = find_unescaped(*s, prefix_zone(*s, *n), ':')) <
			   prefix_zone(*s, *n);) {
		enum cm_var_kind k;
		int rc = 0;
		if (word_is(*s, colon, "rate")) {
			if (v->rate)
				return say(why, wl, "rate: given twice");
			v->rate = true;
		} else if (prom_prefix(*s, colon, v, &rc, why, wl)) {
			if (rc < 0)
				return rc;
		} else if (kind_of(*s, colon, &k, &v->unit_ns)) {
			if (have_kind)
				return say(why, wl, "two kinds (mem, duration, dur, str): pick one");
			have_kind = true;
			v->kind = k;
		} else if (colon > 3 && !memcmp(*s, "dur", 3) && memchr(*s, '.', colon)) {
			return say(why, wl, "unknown duration unit in \"%.*s\" (dur.ns, dur.us, dur.ms, "
				   "dur.s, dur.m, dur.h)", (int)colon, *s);
		} else {
			return say(why, wl, "unknown kind \"%.*s\" (mem, duration, dur, dur.ms, str, "
				   "rate, raw, p99)", (int)colon, *s);
		}
		*any = true;
		*s += colon + 1;
		*n -= colon + 1;
	}
	if (v->rate && v->kind == CM_KIND_STRING)
		return say(why, wl, "rate: does not combine with str:");
	if (v->rate && v->prom.raw)
		return say(why, wl, "rate: and raw: contradict: pick one");
	if (!isnan(v->prom.quantile) && (v->rate || v->prom.raw || v->kind == CM_KIND_STRING))
		return say(why, wl, "a quantile takes no rate:, raw: or str:");
	return 0;
}

/* ---- paths ---- */

struct path {
	struct cm_var_step st[CM_VAR_DEPTH_MAX];
	size_t n;
	size_t last_key;     /* st index of the last key step */
	size_t last_key_end; /* where it ends in the text: its indexes follow */
};

static void path_free(struct path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->st[i].key);
	p->n = 0;
}

static int path_room(const struct path *p, char *why, size_t wl)
{
	if (p->n == CM_VAR_DEPTH_MAX)
		return say(why, wl, "more than %d steps in the path", CM_VAR_DEPTH_MAX);
	return 0;
}

/* s[from, to) unescaped, malloc'd. */
static char *unescape(const char *s, size_t from, size_t to)
{
	char *d = malloc(to - from + 1);
	if (!d)
		return NULL;
	size_t w = 0;
	for (size_t i = from; i < to; i++) {
		if (s[i] == '\\')
			i++;
		d[w++] = s[i];
	}
	d[w] = '\0';
	return d;
}

/* The key at *i, up to an unescaped '.' or '[' or the end. */
static int push_key(const char *s, size_t n, size_t *i, struct path *p, char *why, size_t wl)
{
	size_t j = *i;
	while (j < n && s[j] != '.' && s[j] != '[') {
		if (s[j] == ']')
			return say(why, wl, "unmatched ']' (write \\] in a key)");
		if (s[j] == '\\' && j + 1 == n)
			return say(why, wl, "trailing backslash");
		j = next_char(s, j, n);
	}
	if (j == *i)
		return say(why, wl, "empty key in the path");
	if (path_room(p, why, wl) < 0)
		return BAD;
	char *key = unescape(s, *i, j);
	if (!key)
		return OOM;
	p->last_key = p->n;
	p->st[p->n++] = (struct cm_var_step){.key = key};
	p->last_key_end = j;
	*i = j;
	return 0;
}

/* "[N]" at *i. No escapes inside: it is a number or wrong. */
static int push_index(const char *s, size_t n, size_t *i, struct path *p, char *why, size_t wl)
{
	size_t open = *i, close = open + 1;
	while (close < n && s[close] != ']')
		close++;
	if (close == n)
		return say(why, wl, "unclosed '['");
	const char *d = s + open + 1;
	size_t len = close - open - 1;
	if (!len)
		return say(why, wl, "empty index \"[]\"");
	bool neg = d[0] == '-';
	long long v = 0;
	if (len == (size_t)neg)
		return say(why, wl, "index \"%.*s\" is not a number", (int)len, d);
	for (size_t k = neg; k < len; k++) {
		if (d[k] < '0' || d[k] > '9')
			return say(why, wl, "index \"%.*s\" is not a number", (int)len, d);
		if (v <= INDEX_MAX) /* stop growing: it is out of range already */
			v = v * 10 + (d[k] - '0');
	}
	if (v > INDEX_MAX)
		return say(why, wl, "index %.*s is out of range", (int)len, d);
	if (neg && !v)
		return say(why, wl, "index -0: write 0 for the first element, -1 for the last");
	if (path_room(p, why, wl) < 0)
		return BAD;
	p->st[p->n++] = (struct cm_var_step){.key = NULL, .index = neg ? -v : v};
	*i = close + 1;
	return 0;
}

static int parse_path(const char *s, size_t n, struct path *p, char *why, size_t wl)
{
	size_t i = 0;
	for (;;) {
		int rc = push_key(s, n, &i, p, why, wl);
		while (rc == 0 && i < n && s[i] == '[')
			rc = push_index(s, n, &i, p, why, wl);
		if (rc < 0)
			return rc;
		if (i == n)
			return 0;
		if (s[i] != '.')
			return say(why, wl, "expected '.' or '[' after ']'");
		i++;
	}
}

/* Moves the parsed path into v, with its label and title. */
static int path_to_var(const char *s, size_t n, struct path *p, struct cm_var *v)
{
	const char *key = p->st[p->last_key].key;
	size_t klen = strlen(key), ilen = n - p->last_key_end;
	v->steps = malloc(p->n * sizeof(*v->steps));
	v->label = malloc(klen + ilen + 1);
	v->title = dup_n(s, n);
	if (!v->steps || !v->label || !v->title)
		return OOM;
	memcpy(v->label, key, klen);
	memcpy(v->label + klen, s + p->last_key_end, ilen);
	v->label[klen + ilen] = '\0';
	memcpy(v->steps, p->st, p->n * sizeof(*v->steps));
	v->nsteps = p->n;
	p->n = 0; /* the keys are v's now */
	return 0;
}

/* ---- fields ---- */

static int parse_count(const char *s, size_t n, struct cm_var *v, char *why, size_t wl)
{
	if (word_is(s, n, "@goroutines"))
		v->source = CM_SOURCE_GOROUTINES;
	else if (word_is(s, n, "@threads"))
		v->source = CM_SOURCE_THREADS;
	else
		return say(why, wl, "unknown count \"%.*s\" (@goroutines, @threads)", (int)n, s);
	if (v->kind != CM_KIND_NUMBER)
		return say(why, wl, "%.*s is a count: only rate: applies", (int)n, s);
	v->label = dup_n(s + 1, n - 1);
	v->title = dup_n(s, n);
	return v->label && v->title ? 0 : OOM;
}

/* ---- Prometheus selectors ---- */

static bool metric_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == ':';
}

/* Index of the first c in s[0, n) outside braces and double quotes
 * (escapes skipped), or n. */
size_t cm_vars_find_outside(const char *s, size_t n, char c)
{
	bool quoted = false;
	int depth = 0;
	for (size_t i = 0; i < n; i = next_char(s, i, n)) {
		if (quoted)
			quoted = s[i] != '"';
		else if (s[i] == '"' && depth)
			quoted = true; /* quotes hold text only inside a label set */
		else if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && depth)
			depth--;
		else if (s[i] == c && !depth)
			return i;
	}
	return n;
}

/* The metric name at *i ("\:" is a ':') into p->name. */
static int read_metric(const char *s, size_t n, size_t *i, struct cm_prom_sel *p, char *why,
		       size_t wl)
{
	size_t j = *i;
	while (j < n && (metric_char(s[j]) || (s[j] == '\\' && j + 1 < n && s[j + 1] == ':')))
		j += s[j] == '\\' ? 2 : 1;
	if (j == *i || (s[*i] >= '0' && s[*i] <= '9'))
		return say(why, wl, "a metric name expected");
	if (!(p->name = unescape(s, *i, j)))
		return OOM;
	p->name_len = strlen(p->name);
	*i = j;
	return 0;
}

static void skip_blanks(const char *s, size_t n, size_t *i)
{
	while (*i < n && is_blank(s[*i]))
		(*i)++;
}

static int read_op(const char *s, size_t n, size_t *i, enum cm_prom_op *op, char *why, size_t wl)
{
	static const struct {
		const char *w;
		enum cm_prom_op op;
	} ops[] = {{"=~", CM_PROM_RE}, {"!~", CM_PROM_NRE}, {"!=", CM_PROM_NE}, {"=", CM_PROM_EQ}};
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		size_t wn = strlen(ops[k].w);
		if (n - *i >= wn && !memcmp(s + *i, ops[k].w, wn)) {
			*op = ops[k].op;
			*i += wn;
			return 0;
		}
	}
	return say(why, wl, "=, !=, =~ or !~ expected after a label name");
}

/* "value" at *i: unescaped (\\ \" \n; \X is X) into a malloc'd copy. */
static int read_quoted(const char *s, size_t n, size_t *i, struct cm_prom_matcher *m, char *why,
		       size_t wl)
{
	if (*i >= n || s[*i] != '"')
		return say(why, wl, "a label value in double quotes expected");
	size_t b = ++*i;
	while (*i < n && s[*i] != '"')
		*i += s[*i] == '\\' && *i + 1 < n ? 2 : 1;
	if (*i >= n)
		return say(why, wl, "label value not closed");
	if (!(m->value = malloc(*i - b + 1)))
		return OOM;
	size_t w = 0;
	for (size_t k = b; k < *i; k++) {
		char c = s[k];
		if (c == '\\') {
			c = s[++k];
			if (c == 'n')
				c = '\n';
		}
		m->value[w++] = c;
	}
	m->value[w] = '\0';
	m->value_len = w;
	(*i)++;
	return 0;
}

/* A regex matcher's program: anchored as Prometheus anchors it. */
static int compile_matcher(struct cm_prom_matcher *m, char *why, size_t wl)
{
	if (m->op != CM_PROM_RE && m->op != CM_PROM_NRE)
		return 0;
	if (memchr(m->value, '\0', m->value_len))
		return say(why, wl, "a NUL byte in a regex");
	size_t len = m->value_len + 8;
	char *pat = malloc(len), err[160];
	if (!pat)
		return OOM;
	snprintf(pat, len, "^(?:%s)$", m->value);
	m->re = cm_goregex_compile(pat, err, sizeof err);
	free(pat);
	if (!m->re)
		return say(why, wl, "%s", err);
	return 0;
}

static int read_matcher(const char *s, size_t n, size_t *i, struct cm_prom_sel *p, char *why,
			size_t wl)
{
	if (p->nm == CM_PROM_MATCHERS_MAX)
		return say(why, wl, "more than %d label matchers", CM_PROM_MATCHERS_MAX);
	struct cm_prom_matcher *m = &p->m[p->nm];
	size_t b = *i;
	while (*i < n && metric_char(s[*i]) && s[*i] != ':')
		(*i)++;
	if (*i == b || (s[b] >= '0' && s[b] <= '9'))
		return say(why, wl, "a label name expected");
	if (!(m->label = dup_n(s + b, *i - b)))
		return OOM;
	p->nm++; /* owned by p from here, freed with it */
	skip_blanks(s, n, i);
	int rc = read_op(s, n, i, &m->op, why, wl);
	if (rc == 0) {
		skip_blanks(s, n, i);
		rc = read_quoted(s, n, i, m, why, wl);
	}
	return rc ? rc : compile_matcher(m, why, wl);
}

/* "{a="x", b=~"y"}" at *i (at its '{'). */
static int read_matchers(const char *s, size_t n, size_t *i, struct cm_prom_sel *p, char *why,
			 size_t wl)
{
	if (!(p->m = calloc(CM_PROM_MATCHERS_MAX, sizeof *p->m)))
		return OOM;
	for ((*i)++;;) {
		skip_blanks(s, n, i);
		if (*i < n && s[*i] == '}') {
			(*i)++;
			return 0;
		}
		int rc = read_matcher(s, n, i, p, why, wl);
		if (rc)
			return rc;
		skip_blanks(s, n, i);
		if (*i < n && s[*i] == ',')
			(*i)++;
		else if (*i >= n || s[*i] != '}')
			return say(why, wl, "',' or '}' expected after a label matcher");
	}
}

/* The duration unit of a metric, by its name (Prometheus names carry it). */
static double unit_of_metric(const char *name)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"_nanoseconds", 1}, {"_microseconds", 1e3}, {"_milliseconds", 1e6}};
	for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
		if (strstr(name, units[k].unit))
			return units[k].ns;
	return 1e9;
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), e = strlen(end);
	return n >= e && !strcmp(s + n - e, end);
}

bool cm_prom_counter_name(const char *name)
{
	return ends_with(name, "_total") || ends_with(name, "_count") || ends_with(name, "_sum") ||
	       ends_with(name, "_bucket");
}

/* "name{matchers}[N]", s[0, n), into v->prom. unit_given: dur.X: was
 * written (else a duration's unit comes from the name). A plain name
 * (implicit: an expvar path too) is made a rate only by a Prometheus body
 * (cm_prom_vars_result), so an expvar fleet's requests_total stays as
 * expvarmon showed it. */
static int parse_selector(const char *s, size_t n, struct cm_var *v, bool unit_given,
			  bool implicit, char *why, size_t wl)
{
	struct cm_prom_sel *p = &v->prom;
	size_t i = 0;
	int rc = read_metric(s, n, &i, p, why, wl);
	if (rc == 0 && i < n && s[i] == '{')
		rc = read_matchers(s, n, &i, p, why, wl);
	if (rc == 0 && i < n && s[i] == '[') {
		struct path idx = {.n = 0};
		if ((rc = push_index(s, n, &i, &idx, why, wl)) == 0) {
			p->pick = true;
			p->index = idx.st[0].index;
		}
	}
	if (rc == 0 && i < n)
		rc = say(why, wl, "unexpected \"%.*s\" after the selector", (int)(n - i), s + i);
	if (rc)
		return rc;
	p->unit_ns = unit_given ? v->unit_ns : unit_of_metric(p->name);
	if (!implicit && !p->raw && isnan(p->quantile) && cm_prom_counter_name(p->name))
		v->rate = true;
	return 0;
}

/* Whether s[0, n) is a plain metric name, which an expvar path can be too. */
static bool plain_metric(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == ':')
			i++;
		else if (!metric_char(s[i]) || s[i] == ':')
			return false;
	return n && !(s[0] >= '0' && s[0] <= '9');
}

/* The label and title of a Prometheus-only var: the text as written. */
static int prom_label(const char *s, size_t n, struct cm_var *v)
{
	char q[24] = "";
	if (!isnan(v->prom.quantile))
		snprintf(q, sizeof q, "p%g:", v->prom.quantile * 100);
	size_t qn = strlen(q);
	v->title = dup_n(s, n);
	v->label = malloc(qn + n + 1);
	if (!v->title || !v->label)
		return OOM;
	memcpy(v->label, q, qn);
	memcpy(v->label + qn, s, n);
	v->label[qn + n] = '\0';
	return 0;
}

/* The expvar side s[0, n): a path or a count. */
static int parse_expvar_side(const char *s, size_t n, struct cm_var *v, char *why, size_t wl)
{
	if (s[0] == '@')
		return parse_count(s, n, v, why, wl);
	struct path p = {.n = 0};
	int rc = parse_path(s, n, &p, why, wl);
	if (rc == 0)
		rc = path_to_var(s, n, &p, v);
	path_free(&p);
	return rc;
}

/* "a|b": both sides, either (not both) empty. */
static int parse_pair(const char *s, size_t n, size_t bar, struct cm_var *v, bool unit_given,
		      char *why, size_t wl)
{
	const char *e = s, *pr = s + bar + 1;
	size_t en = bar, pn = n - bar - 1;
	trim(&e, &en);
	trim(&pr, &pn);
	if (!en && !pn)
		return say(why, wl, "nothing on either side of '|'");
	if (en && !isnan(v->prom.quantile))
		return say(why, wl, "a quantile is read on Prometheus services only: write |%.*s",
			   (int)pn, pr);
	int rc = en ? parse_expvar_side(e, en, v, why, wl) : 0;
	if (rc == 0 && pn)
		rc = parse_selector(pr, pn, v, unit_given, false, why, wl);
	if (rc == 0 && !en)
		rc = prom_label(pr, pn, v);
	return rc; /* with an expvar side, its label and title, as before */
}

/* A var of one side, or of both when it is a plain name. */
static int parse_single(const char *s, size_t n, struct cm_var *v, bool unit_given, char *why,
			size_t wl)
{
	if (s[0] == '@') {
		int rc = parse_count(s, n, v, why, wl);
		const char *metric = v->source == CM_SOURCE_GOROUTINES ? "go_goroutines" : "go_threads";
		v->prom.name_len = strlen(metric);
		if (rc == 0 && !(v->prom.name = dup_n(metric, v->prom.name_len)))
			rc = OOM;
		return rc;
	}
	bool prom_only = !isnan(v->prom.quantile) || memchr(s, '{', n) || v->prom.raw;
	if (prom_only) {
		int rc = parse_selector(s, n, v, unit_given, false, why, wl);
		return rc ? rc : prom_label(s, n, v);
	}
	int rc = parse_expvar_side(s, n, v, why, wl);
	size_t base = find_unescaped(s, n, '[');
	if (rc == 0 && plain_metric(s, base)) {
		/* "m[1][2]" is a path but no selector: expvar only */
		char ignored[160];
		rc = parse_selector(s, n, v, unit_given, true, ignored, sizeof ignored);
		if (rc == BAD) {
			prom_free(&v->prom);
			v->prom = (struct cm_prom_sel){.quantile = NAN};
			rc = 0;
		}
	}
	return rc;
}

/* One trimmed, non-empty field into v. 1 for "*" (v stays empty), 0 for a
 * var, BAD or OOM (v to be freed by the caller). */
static int parse_var(const char *s, size_t n, struct cm_var *v, char *why, size_t wl)
{
	bool any = false;
	if (parse_prefixes(&s, &n, v, &any, why, wl) < 0)
		return BAD;
	if (!n)
		return say(why, wl, "no name after the prefix");
	if (n == 1 && s[0] == '*') {
		if (any)
			return say(why, wl, "\"*\" takes no prefix");
		return 1;
	}
	bool unit_given = v->kind == CM_KIND_DURATION && v->unit_ns != 1;
	size_t bar = cm_vars_find_outside(s, n, '|');
	if (bar < n)
		return parse_pair(s, n, bar, v, unit_given, why, wl);
	return parse_single(s, n, v, unit_given, why, wl);
}

static int push_var(struct cm_var_list *l, struct cm_var *v)
{
	if (l->n >= CM_VARS_MAX)
		return BAD;
	struct cm_var *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return OOM;
	l->v = nv;
	l->v[l->n++] = *v;
	*v = (struct cm_var){0};
	return 0;
}

/* An error is one line, whatever bytes the field held. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void field_error(char *err, size_t errlen, const char *s, size_t n, const char *why)
{
	if (!errlen)
		return;
	if (n > 200)
		snprintf(err, errlen, "bad -vars field \"%.*s...\": %s", 200, s, why);
	else
		snprintf(err, errlen, "bad -vars field \"%.*s\": %s", (int)n, s, why);
	one_line(err);
}

/* Field number k, s[0, n) before trimming. */
static int one_field(const char *s, size_t n, size_t k, struct cm_var_list *out, char *err,
		     size_t errlen)
{
	trim(&s, &n);
	char why[160];
	struct cm_var v = {.unit_ns = 1, .prom.quantile = NAN};
	int rc;
	if (!n)
		rc = say(why, sizeof(why), "empty (field %zu)", k);
	else if (n > FIELD_MAX)
		rc = say(why, sizeof(why), "longer than %d bytes", FIELD_MAX);
	else
		rc = parse_var(s, n, &v, why, sizeof(why));
	if (rc == 1)
		out->all = true;
	if (rc == 0 && (rc = push_var(out, &v)) == BAD)
		say(why, sizeof(why), "more than %d vars", CM_VARS_MAX);
	cm_var_free(&v);
	if (rc == OOM)
		snprintf(err, errlen, "out of memory reading -vars");
	else if (rc < 0)
		field_error(err, errlen, s, n, why);
	return rc < 0 ? -1 : 0;
}

/* Length of the field at s: up to an unescaped ',' outside braces and
 * quotes, or the end. */
static size_t field_len(const char *s)
{
	return cm_vars_find_outside(s, strlen(s), ',');
}

int cm_vars_parse(const char *spec, struct cm_var_list *out, char *err, size_t errlen)
{
	*out = (struct cm_var_list){0};
	size_t k = 0;
	for (const char *p = spec;;) {
		size_t len = field_len(p);
		if (one_field(p, len, ++k, out, err, errlen) < 0) {
			cm_vars_free(out);
			return -1;
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* ---- "*" ---- */

/* Writes the title of keys, compares it with cmp, or (neither set) only
 * measures it, a character at a time: "*" calls cm_vars_add_path for every
 * number on every poll, and checking for a known var must not allocate. */
struct title_sink {
	char *out;       /* write here, or */
	const char *cmp; /* compare with this */
	size_t n;
	bool differs;
};

static void sink_put(struct title_sink *k, char c)
{
	if (k->out)
		k->out[k->n] = c;
	else if (k->cmp && !k->differs && k->cmp[k->n] != c)
		k->differs = true; /* cmp's NUL differs from any c: no read past it */
	k->n++;
}

/* Escapes what the grammar would read otherwise: separators, brackets,
 * backslashes, and a leading '@' or '*'. */
static void emit_title(struct title_sink *k, const char *const *keys, size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++) {
		if (i)
			sink_put(k, '.');
		for (const char *c = keys[i]; *c; c++) {
			if (strchr("\\.:[],", *c) || (k->n == 0 && (*c == '@' || *c == '*')))
				sink_put(k, '\\');
			sink_put(k, *c);
		}
	}
}

size_t cm_vars_title_of(const char *const *keys, size_t nkeys, char *out, size_t cap)
{
	struct title_sink k = {0};
	emit_title(&k, keys, nkeys);
	if (k.n < cap) {
		k = (struct title_sink){.out = out};
		emit_title(&k, keys, nkeys);
		out[k.n] = '\0';
	}
	return k.n;
}

static bool have_title(const struct cm_var_list *l, const char *const *keys, size_t nkeys)
{
	for (size_t i = 0; i < l->n; i++) {
		struct title_sink k = {.cmp = l->v[i].title};
		emit_title(&k, keys, nkeys);
		if (!k.differs && l->v[i].title[k.n] == '\0')
			return true;
	}
	return false;
}

/* The keys joined by dots as they are (not escaped): a var "*" found is
 * labelled by its whole path, since services publish the same last key
 * in several places (memstats.Alloc and runtime.Alloc). */
static char *join_keys(const char *const *keys, size_t nkeys)
{
	size_t n = 0;
	for (size_t i = 0; i < nkeys; i++)
		n += strlen(keys[i]) + 1;
	char *out = malloc(n ? n : 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < nkeys; i++) {
		size_t k = strlen(keys[i]);
		if (i)
			*p++ = '.';
		memcpy(p, keys[i], k);
		p += k;
	}
	*p = '\0';
	return out;
}

static int make_path_var(struct cm_var *v, const char *const *keys, size_t nkeys)
{
	struct title_sink k = {0};
	emit_title(&k, keys, nkeys);
	v->title = malloc(k.n + 1);
	v->steps = calloc(nkeys, sizeof(*v->steps));
	v->label = join_keys(keys, nkeys);
	if (!v->title || !v->steps || !v->label)
		return OOM;
	k = (struct title_sink){.out = v->title};
	emit_title(&k, keys, nkeys);
	v->title[k.n] = '\0';
	for (; v->nsteps < nkeys; v->nsteps++) {
		v->steps[v->nsteps].key = dup_n(keys[v->nsteps], strlen(keys[v->nsteps]));
		if (!v->steps[v->nsteps].key)
			return OOM;
	}
	return 0;
}

int cm_vars_add_path(struct cm_var_list *l, const char *const *keys, size_t nkeys)
{
	if (!nkeys || nkeys > CM_VAR_DEPTH_MAX || have_title(l, keys, nkeys))
		return 0;
	if (l->n >= CM_VARS_MAX)
		return -1;
	struct cm_var v = {.kind = CM_KIND_NUMBER, .source = CM_SOURCE_EXPVAR, .unit_ns = 1,
			   .prom.quantile = NAN};
	int rc = make_path_var(&v, keys, nkeys);
	if (rc == 0)
		rc = push_var(l, &v);
	cm_var_free(&v);
	return rc < 0 ? -1 : 0;
}

void cm_vars_free(struct cm_var_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		cm_var_free(&l->v[i]);
	free(l->v);
	*l = (struct cm_var_list){0};
}
