/* prom: the Prometheus text format and OpenMetrics reader (see prom.h).
 *
 * Choices the formats leave to a reader, made here:
 * - Lenient where leniency loses nothing: blank lines, blanks at the start
 *   of a line and around '{', '=', ',' and '}', a '\r' before '\n', a
 *   comma before '}', comments of any text (OpenMetrics has only HELP, TYPE
 *   and UNIT), no # EOF at the end of an OpenMetrics body.
 * - Strict where a mistake would show a wrong number: a bad name, a bad
 *   escape (only \\ \" \n exist), an unclosed value or label set, a value
 *   that is no Go float, text after the timestamp or exemplar, text after
 *   # EOF, and an unknown # TYPE all end the body with its line.
 * - UTF-8 quoted metric names (Prometheus 3's {"my.metric"}) are not
 *   read: such a body is answered in the classic format unless asked. */
#include "cmon/monitor/prom.h"

#include "cmon/base/numtext.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOAT_TEXT_MAX 64 /* a float's text: longer is no number a service means */
#define SMALL_DELTA 1e-12 /* promql's smallDeltaTolerance */

__attribute__((format(printf, 2, 3))) static int fail(struct cm_prom_reader *r, const char *fmt,
						       ...)
{
	int at = snprintf(r->err, sizeof r->err, "line %zu: ", r->line);
	va_list ap;
	va_start(ap, fmt);
	if (at > 0 && (size_t)at < sizeof r->err)
		vsnprintf(r->err + at, sizeof r->err - (size_t)at, fmt, ap);
	va_end(ap);
	/* what it quotes from the body is shown as printable ASCII: one line,
	 * no terminal escapes */
	for (char *c = r->err; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	r->pos = r->len;
	r->eof = true;
	return -1;
}

void cm_prom_begin(struct cm_prom_reader *r, const char *body, size_t len, bool openmetrics)
{
	memset(r, 0, sizeof *r);
	r->body = body;
	r->len = body ? len : 0;
	r->openmetrics = openmetrics;
}

/* ---- small readers over one line: s[*i, n) ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(const char *s, size_t n, size_t *i)
{
	while (*i < n && is_blank(s[*i]))
		(*i)++;
}

/* Name characters by class: a table, since names are most of a body. */
enum { C_START = 1, C_COLON = 2, C_DIGIT = 4 };
static const unsigned char name_class[256] = {
	[':'] = C_COLON, ['_'] = C_START,
	['0'] = C_DIGIT, ['1'] = C_DIGIT, ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
	['5'] = C_DIGIT, ['6'] = C_DIGIT, ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
#define L(c) [c] = C_START, [c - 'a' + 'A'] = C_START
	L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'), L('i'), L('j'), L('k'),
	L('l'), L('m'), L('n'), L('o'), L('p'), L('q'), L('r'), L('s'), L('t'), L('u'), L('v'),
	L('w'), L('x'), L('y'), L('z'),
#undef L
};

/* A metric name (colon: ':' allowed) or label name at *i; its length, 0
 * when none is there. */
static size_t read_name(const char *s, size_t n, size_t *i, bool colon)
{
	unsigned start = C_START | (colon ? C_COLON : 0), any = start | C_DIGIT;
	size_t b = *i;
	if (b >= n || !(name_class[(unsigned char)s[b]] & start))
		return 0;
	size_t e = b + 1;
	while (e < n && (name_class[(unsigned char)s[e]] & any))
		e++;
	*i = e;
	return e - b;
}

/* The token at *i: up to a blank or the end. */
static struct cm_prom_str read_token(const char *s, size_t n, size_t *i)
{
	size_t b = *i;
	while (*i < n && !is_blank(s[*i]))
		(*i)++;
	return (struct cm_prom_str){.p = s + b, .n = *i - b};
}

static bool word_eq(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(p, w, n);
}

/* ---- floats ---- */

static bool word_eq_nocase(const char *p, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)p[i]) != w[i])
			return false;
	return true;
}

/* Go's float syntax after the sign: a mantissa of digits with at most one
 * '.', then an exponent. Decimal: digits, an optional e exponent. Hex
 * (after "0x"): hex digits, and a p exponent, which Go requires. */
static bool float_syntax_ok(const char *p, size_t n, bool hex)
{
	size_t i = hex ? 2 : 0, digits = 0;
	char e1 = hex ? 'p' : 'e', e2 = hex ? 'P' : 'E';
	bool dot = false;
	for (; i < n && p[i] != e1 && p[i] != e2; i++) {
		if (p[i] == '.' && !dot)
			dot = true;
		else if (hex ? isxdigit((unsigned char)p[i]) : isdigit((unsigned char)p[i]))
			digits++;
		else
			return false;
	}
	if (!digits)
		return false;
	if (i == n)
		return !hex;
	i++;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		i++;
	if (i == n)
		return false;
	for (; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

bool cm_prom_float(const char *p, size_t n, double *out)
{
	if (!n || n > FLOAT_TEXT_MAX)
		return false;
	bool neg = p[0] == '-';
	size_t sign = p[0] == '-' || p[0] == '+';
	const char *m = p + sign;
	size_t mn = n - sign;
	/* The common case, an integer of up to 15 digits, is exact as is. */
	if (mn && mn <= 15) {
		double v = 0;
		size_t i = 0;
		while (i < mn && m[i] >= '0' && m[i] <= '9')
			v = v * 10 + (m[i++] - '0');
		if (i == mn) {
			*out = neg ? -v : v;
			return true;
		}
	}
	char c = mn ? (char)(m[0] | 0x20) : 0; /* words start with n or i */
	if (c == 'n' && word_eq_nocase(m, mn, "nan")) {
		if (sign) /* Go reads "+NaN" and "-NaN" as no number */
			return false;
		*out = NAN;
		return true;
	}
	if (c == 'i' && (word_eq_nocase(m, mn, "inf") || word_eq_nocase(m, mn, "infinity"))) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	bool hex = mn > 2 && m[0] == '0' && (m[1] == 'x' || m[1] == 'X');
	if (!float_syntax_ok(m, mn, hex))
		return false;
	*out = cm_strtod_dot(p, n);
	return true;
}

/* ---- label sets ---- */

/* A quoted label value at *i (at its '"'): checks its escapes. */
static int read_label_value(struct cm_prom_reader *r, const char *s, size_t n, size_t *i,
			    struct cm_prom_str *v)
{
	if (*i >= n || s[*i] != '"')
		return fail(r, "label value not quoted");
	size_t b = ++*i;
	v->escaped = false;
	for (;;) {
		const char *q = memchr(s + *i, '"', n - *i), *bs = memchr(s + *i, '\\', n - *i);
		if (!q)
			return fail(r, "label value not closed");
		if (!bs || bs > q) {
			*i = (size_t)(q - s);
			break;
		}
		size_t k = (size_t)(bs - s);
		if (k + 1 >= n)
			return fail(r, "label value not closed");
		if (s[k + 1] != '\\' && s[k + 1] != '"' && s[k + 1] != 'n')
			return fail(r, "bad escape \"\\%c\" in a label value (\\\\, \\\", \\n)",
				    isprint((unsigned char)s[k + 1]) ? s[k + 1] : '?');
		v->escaped = true;
		*i = k + 2;
	}
	v->p = s + b;
	v->n = *i - b;
	(*i)++; /* the closing quote */
	return 0;
}

/* "{a="x",b="y"}" at *i (at its '{'). */
static int read_labels(struct cm_prom_reader *r, const char *s, size_t n, size_t *i,
		       struct cm_prom_label *out, size_t *nout)
{
	*nout = 0;
	(*i)++;
	for (;;) {
		skip_blanks(s, n, i);
		if (*i < n && s[*i] == '}') {
			(*i)++;
			return 0;
		}
		if (*nout == CM_PROM_LABELS_MAX)
			return fail(r, "more than %d labels", CM_PROM_LABELS_MAX);
		struct cm_prom_label *l = &out[*nout];
		size_t b = *i, ln = read_name(s, n, i, false);
		if (!ln)
			return fail(r, *i >= n ? "label set not closed" : "label name expected");
		if (ln > CM_PROM_NAME_MAX)
			return fail(r, "label name longer than %d bytes", CM_PROM_NAME_MAX);
		l->name = (struct cm_prom_str){.p = s + b, .n = ln};
		skip_blanks(s, n, i);
		if (*i >= n || s[*i] != '=')
			return fail(r, "'=' expected after label %.*s", (int)(ln > 40 ? 40 : ln), s + b);
		(*i)++;
		skip_blanks(s, n, i);
		if (read_label_value(r, s, n, i, &l->value) < 0)
			return -1;
		(*nout)++;
		skip_blanks(s, n, i);
		if (*i < n && s[*i] == ',')
			(*i)++;
		else if (*i >= n || s[*i] != '}')
			return fail(r, *i >= n ? "label set not closed" : "',' or '}' expected");
	}
}

/* ---- lines ---- */

/* The suffixes a sample of a family of type t may add to its name. */
static bool family_suffix(enum cm_prom_type t, const char *p, size_t n)
{
	static const char *const by_type[][5] = {
		[CM_PROM_COUNTER] = {"_total", "_created"},
		[CM_PROM_HISTOGRAM] = {"_bucket", "_sum", "_count", "_created"},
		[CM_PROM_SUMMARY] = {"_sum", "_count", "_created"},
		[CM_PROM_GAUGE_HISTOGRAM] = {"_bucket", "_gsum", "_gcount"},
		[CM_PROM_INFO] = {"_info"},
	};
	if ((size_t)t >= sizeof by_type / sizeof by_type[0])
		return false;
	for (size_t k = 0; k < 5 && by_type[t][k]; k++)
		if (word_eq(p, n, by_type[t][k]))
			return true;
	return false;
}

static void set_family(const struct cm_prom_reader *r, struct cm_prom_sample *smp)
{
	const struct cm_prom_str *f = &r->family, *nm = &smp->name;
	if (f->n && nm->n >= f->n && !memcmp(nm->p, f->p, f->n) &&
	    (nm->n == f->n || family_suffix(r->type, nm->p + f->n, nm->n - f->n))) {
		smp->family = *f;
		smp->type = r->type;
	} else {
		smp->family = *nm;
		smp->type = CM_PROM_UNTYPED;
	}
}

/* A float token at *i (after blanks): what names it in errors is what. */
static int read_float(struct cm_prom_reader *r, const char *s, size_t n, size_t *i, double *v,
		      const char *what)
{
	skip_blanks(s, n, i);
	struct cm_prom_str t = read_token(s, n, i);
	if (!t.n)
		return fail(r, "%s expected", what);
	if (!cm_prom_float(t.p, t.n, v))
		return fail(r, "%s \"%.*s\" is not a number", what, (int)(t.n > 40 ? 40 : t.n), t.p);
	return 0;
}

/* " # {labels} value [timestamp]" at *i (at its '#'): checked, not kept. */
static int read_exemplar(struct cm_prom_reader *r, const char *s, size_t n, size_t *i)
{
	struct cm_prom_label ex[CM_PROM_LABELS_MAX];
	size_t nex;
	double v;
	(*i)++;
	skip_blanks(s, n, i);
	if (*i >= n || s[*i] != '{')
		return fail(r, "exemplar labels expected after '#'");
	if (read_labels(r, s, n, i, ex, &nex) < 0 || read_float(r, s, n, i, &v, "exemplar value") < 0)
		return -1;
	skip_blanks(s, n, i);
	if (*i < n && read_float(r, s, n, i, &v, "exemplar timestamp") < 0)
		return -1;
	return 0;
}

static int read_sample(struct cm_prom_reader *r, const char *s, size_t n, struct cm_prom_sample *smp)
{
	size_t i = 0;
	skip_blanks(s, n, &i);
	size_t b = i, nl = read_name(s, n, &i, true);
	if (!nl)
		return fail(r, "metric name expected");
	if (nl > CM_PROM_NAME_MAX)
		return fail(r, "metric name longer than %d bytes", CM_PROM_NAME_MAX);
	smp->name = (struct cm_prom_str){.p = s + b, .n = nl};
	skip_blanks(s, n, &i);
	smp->nlabels = 0;
	if (i < n && s[i] == '{' && read_labels(r, s, n, &i, smp->labels, &smp->nlabels) < 0)
		return -1;
	if (read_float(r, s, n, &i, &smp->value, "value") < 0)
		return -1;
	skip_blanks(s, n, &i);
	smp->has_timestamp = false;
	if (i < n && s[i] != '#') {
		if (read_float(r, s, n, &i, &smp->timestamp, "timestamp") < 0)
			return -1;
		smp->has_timestamp = true;
		skip_blanks(s, n, &i);
	}
	if (i < n && s[i] == '#' && read_exemplar(r, s, n, &i) < 0)
		return -1;
	skip_blanks(s, n, &i);
	if (i < n)
		return fail(r, "unexpected text after the value");
	set_family(r, smp);
	smp->line = r->line;
	return 0;
}

static bool type_of(const char *p, size_t n, enum cm_prom_type *t)
{
	static const struct {
		const char *w;
		enum cm_prom_type t;
	} types[] = {{"counter", CM_PROM_COUNTER},     {"gauge", CM_PROM_GAUGE},
		     {"histogram", CM_PROM_HISTOGRAM}, {"summary", CM_PROM_SUMMARY},
		     {"untyped", CM_PROM_UNTYPED},     {"unknown", CM_PROM_UNTYPED},
		     {"gaugehistogram", CM_PROM_GAUGE_HISTOGRAM},
		     {"info", CM_PROM_INFO},           {"stateset", CM_PROM_STATESET}};
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
		if (word_eq(p, n, types[k].w)) {
			*t = types[k].t;
			return true;
		}
	return false;
}

/* "# TYPE name type" from after "TYPE". */
static int read_type(struct cm_prom_reader *r, const char *s, size_t n, size_t i)
{
	skip_blanks(s, n, &i);
	size_t b = i, nl = read_name(s, n, &i, true);
	if (!nl)
		return fail(r, "metric name expected after # TYPE");
	if (nl > CM_PROM_NAME_MAX)
		return fail(r, "metric name longer than %d bytes", CM_PROM_NAME_MAX);
	skip_blanks(s, n, &i);
	struct cm_prom_str t = read_token(s, n, &i);
	enum cm_prom_type type;
	if (!type_of(t.p, t.n, &type))
		return fail(r, "unknown type \"%.*s\"", (int)(t.n > 40 ? 40 : t.n), t.p);
	skip_blanks(s, n, &i);
	if (i < n)
		return fail(r, "unexpected text after the type");
	r->family = (struct cm_prom_str){.p = s + b, .n = nl};
	r->type = type;
	return 0;
}

/* A line starting with '#': 1 at # EOF, 0 for the rest, -1 on an error. */
static int read_comment(struct cm_prom_reader *r, const char *s, size_t n)
{
	size_t i = 1;
	skip_blanks(s, n, &i);
	struct cm_prom_str w = read_token(s, n, &i);
	if (word_eq(w.p, w.n, "EOF") && i == n && w.p == s + 2)
		return 1;
	if (word_eq(w.p, w.n, "TYPE"))
		return read_type(r, s, n, i);
	return 0; /* HELP, UNIT, and comments */
}

/* After # EOF only an empty rest is allowed (a final newline). */
static int after_eof(struct cm_prom_reader *r)
{
	r->openmetrics = true;
	r->eof = true;
	for (size_t k = r->pos; k < r->len; k++)
		if (r->body[k] != '\n' && r->body[k] != '\r') {
			r->line++;
			return fail(r, "text after # EOF");
		}
	r->pos = r->len;
	return 0;
}

int cm_prom_next(struct cm_prom_reader *r, struct cm_prom_sample *s)
{
	if (r->err[0])
		return -1;
	while (r->pos < r->len) {
		const char *line = r->body + r->pos;
		const char *nl = memchr(line, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - line) : r->len - r->pos;
		r->line++;
		if (n > CM_PROM_LINE_MAX)
			return fail(r, "longer than %d bytes", CM_PROM_LINE_MAX);
		r->pos += n + (nl != NULL);
		if (n && line[n - 1] == '\r')
			n--;
		size_t i = 0;
		skip_blanks(line, n, &i);
		if (i == n)
			continue;
		if (line[i] == '#') {
			int rc = read_comment(r, line + i, n - i);
			if (rc == 1)
				return after_eof(r);
			if (rc < 0)
				return -1;
			continue;
		}
		if (r->nsamples == CM_PROM_SERIES_MAX)
			return fail(r, "more than %d samples", CM_PROM_SERIES_MAX);
		if (read_sample(r, line, n, s) < 0)
			return -1;
		r->nsamples++;
		return 1;
	}
	r->eof = true;
	return 0;
}

int cm_prom_check(const char *body, size_t len, bool openmetrics, char *err, size_t errlen)
{
	struct cm_prom_reader r;
	struct cm_prom_sample s;
	int rc;
	cm_prom_begin(&r, body, len, openmetrics);
	while ((rc = cm_prom_next(&r, &s)) == 1)
		;
	if (rc < 0 && errlen)
		snprintf(err, errlen, "%s", r.err);
	return rc < 0 ? -1 : 0;
}

/* ---- label values ---- */

/* Calls put for each unescaped byte of v until it returns false. */
static size_t unescape_walk(const struct cm_prom_str *v, bool (*put)(void *, size_t, char),
			    void *ctx)
{
	size_t w = 0;
	for (size_t i = 0; i < v->n; i++, w++) {
		char c = v->p[i];
		if (c == '\\' && v->escaped && i + 1 < v->n) {
			c = v->p[++i];
			if (c == 'n')
				c = '\n';
		}
		if (!put(ctx, w, c))
			return w;
	}
	return w;
}

struct cmp_ctx {
	const char *s;
	size_t n;
	bool same;
};

static bool cmp_put(void *ctx, size_t w, char c)
{
	struct cmp_ctx *k = ctx;
	if (w >= k->n || k->s[w] != c)
		k->same = false;
	return k->same;
}

bool cm_prom_str_eq(const struct cm_prom_str *v, const char *s, size_t n)
{
	if (!v->escaped)
		return v->n == n && !memcmp(v->p, s, n);
	struct cmp_ctx k = {.s = s, .n = n, .same = true};
	size_t w = unescape_walk(v, cmp_put, &k);
	return k.same && w == n;
}

struct copy_ctx {
	char *out;
	size_t cap;
};

static bool copy_put(void *ctx, size_t w, char c)
{
	struct copy_ctx *k = ctx;
	if (w + 1 < k->cap)
		k->out[w] = c;
	return true;
}

size_t cm_prom_unescape(const struct cm_prom_str *v, char *out, size_t cap)
{
	struct copy_ctx k = {.out = out, .cap = cap};
	size_t w = unescape_walk(v, copy_put, &k);
	if (cap)
		out[w < cap ? w : cap - 1] = '\0';
	return w;
}

const struct cm_prom_label *cm_prom_label(const struct cm_prom_sample *s, const char *name)
{
	size_t n = strlen(name);
	for (size_t k = 0; k < s->nlabels; k++)
		if (word_eq(s->labels[k].name.p, s->labels[k].name.n, name) && n == s->labels[k].name.n)
			return &s->labels[k];
	return NULL;
}

/* ---- media types ---- */

/* Whether the media type (before ';') of ct is type, in any case. */
static bool media_is(const char *ct, const char *type)
{
	while (is_blank(*ct))
		ct++;
	size_t n = strcspn(ct, "; \t");
	return strlen(type) == n && !strncasecmp(ct, type, n);
}

bool cm_prom_content_type(const char *ct, bool *openmetrics)
{
	*openmetrics = false;
	if (!ct)
		return false;
	if (media_is(ct, "application/openmetrics-text")) {
		*openmetrics = true;
		return true;
	}
	/* text/plain alone is any text: only the version parameter says this one */
	return media_is(ct, "text/plain") && strstr(ct, "version=0.0.4") != NULL;
}

/* ---- histogram_quantile ---- */

static int by_le(const void *a, const void *b)
{
	double x = ((const struct cm_prom_bucket *)a)->le, y = ((const struct cm_prom_bucket *)b)->le;
	/* NaN first: a comparison qsort can trust whatever a service sends */
	if (isnan(x) || isnan(y))
		return (isnan(y) != 0) - (isnan(x) != 0);
	return (x > y) - (x < y);
}

/* promql's almost.Equal. */
static bool almost_equal(double a, double b, double eps)
{
	const double min_normal = 2.2250738585072014e-308;
	if (a == b)
		return true;
	double abs_sum = fabs(a) + fabs(b), diff = fabs(a - b);
	if (a == 0 || b == 0 || abs_sum < min_normal)
		return diff < eps * min_normal;
	return diff / fmin(abs_sum, 1.7976931348623157e308) < eps;
}

/* Buckets of one le merged into one (their counts summed), b sorted. */
static size_t coalesce(struct cm_prom_bucket *b, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w && b[w - 1].le == b[i].le)
			b[w - 1].count += b[i].count;
		else
			b[w++] = b[i];
	}
	return w;
}

size_t cm_prom_buckets_merge(struct cm_prom_bucket *b, size_t n)
{
	if (!n)
		return 0;
	qsort(b, n, sizeof *b, by_le);
	return coalesce(b, n);
}

static void ensure_monotonic(struct cm_prom_bucket *b, size_t n)
{
	if (!n)
		return;
	double prev = b[0].count;
	for (size_t i = 1; i < n; i++) {
		double cur = b[i].count;
		if (cur == prev)
			continue;
		if (almost_equal(prev, cur, SMALL_DELTA) || cur < prev) {
			b[i].count = prev; /* prev stays: the difference is ignored */
			continue;
		}
		prev = cur;
	}
}

double cm_prom_bucket_quantile(double q, struct cm_prom_bucket *b, size_t *n)
{
	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	if (!*n)
		return NAN;
	*n = cm_prom_buckets_merge(b, *n);
	if (!(isinf(b[*n - 1].le) && b[*n - 1].le > 0))
		return NAN;
	ensure_monotonic(b, *n);
	size_t nb = *n;
	if (nb < 2)
		return NAN;
	double observations = b[nb - 1].count;
	if (observations == 0)
		return NAN;
	double rank = q * observations;
	size_t k = 0, j = nb - 1; /* Go's sort.Search over the first nb-1 */
	while (k < j) {
		size_t h = k + (j - k) / 2;
		if (!(b[h].count >= rank))
			k = h + 1;
		else
			j = h;
	}
	if (k == nb - 1)
		return b[nb - 2].le;
	if (k == 0 && b[0].le <= 0)
		return b[0].le;
	double start = 0, end = b[k].le, count = b[k].count;
	if (k > 0) {
		start = b[k - 1].le;
		count -= b[k - 1].count;
		rank -= b[k - 1].count;
	}
	return start + (end - start) * (rank / count);
}
