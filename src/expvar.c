#include "cmon/expvar.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go's expvar.Float writes NaN, +Inf and -Inf as bare words, which jansson
 * (rightly) refuses. Before parsing they become strings holding this mark
 * and the word. U+FDD0 is a Unicode noncharacter, set aside for a
 * program's internal use, so no service means it: a string a service
 * publishes as "NaN" stays a string. */
#define NONFINITE_MARK "\xEF\xB7\x90"
#define NONFINITE_MARK_LEN 3

/* The most a rewrite adds to the body: "Inf" (3 bytes) becomes
 * "\"" MARK "+Inf\"" (9); a big integer gains ".0" (2). */
#define REWRITE_GROWTH_MAX 6

/* memstats.PauseNs and memstats.PauseEnd are Go's rings of the last 256
 * collections, indexed by NumGC. */
#define GC_RING 256

static const struct {
	const char *word; /* as a bare token in the body */
	const char *canon; /* in the mark string */
} nonfinite_words[] = {
	{"NaN", "NaN"},		  {"Inf", "+Inf"},	 {"+Inf", "+Inf"},
	{"-Inf", "-Inf"},	  {"Infinity", "+Inf"}, {"+Infinity", "+Inf"},
	{"-Infinity", "-Inf"},
};

/* ---- the pre-scan: depth bound and rewrites, before jansson sees it ---- */

struct scan {
	const char *in;
	size_t len;
	char *out;       /* NULL: only count rewrites and check depth */
	size_t w;        /* bytes written to out */
	size_t rewrites;
	unsigned depth;
	uint64_t arrays; /* bit d-1 set: the container at depth d is an array */
	char prev;       /* the last structural character, 'v' after a value, 0 at the start */
};

static void emit(struct scan *s, const char *p, size_t n)
{
	if (s->out)
		memcpy(s->out + s->w, p, n);
	s->w += n;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A byte that can be part of a bare token (a number, a literal, or junk
 * jansson will name in its error). */
static bool is_token_byte(char c)
{
	return !is_space(c) && !strchr("{}[],:\"", c);
}

/* Where a value (not a key) is expected: a token here can be NaN. */
static bool at_value(const struct scan *s)
{
	if (s->prev == 0 || s->prev == ':' || s->prev == '[')
		return true;
	return s->prev == ',' && s->depth > 0 && (s->arrays >> (s->depth - 1) & 1);
}

/* A JSON integer (no fraction, no exponent) outside int64: jansson fails
 * the whole body on it ("too big integer"). With ".0" added it is read as
 * a double, and the other integers stay exact. */
static bool int_past_int64(const char *t, size_t n)
{
	bool neg = n > 0 && t[0] == '-';
	const char *d = t + neg;
	size_t nd = n - neg;
	if (nd == 0)
		return false;
	for (size_t i = 0; i < nd; i++)
		if (d[i] < '0' || d[i] > '9')
			return false;
	if (nd != 19)
		return nd > 19;
	return memcmp(d, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0;
}

static const char *nonfinite_canon(const char *t, size_t n)
{
	for (size_t i = 0; i < sizeof nonfinite_words / sizeof nonfinite_words[0]; i++)
		if (strlen(nonfinite_words[i].word) == n && !memcmp(t, nonfinite_words[i].word, n))
			return nonfinite_words[i].canon;
	return NULL;
}

/* Copies the bare token at i, rewritten when needed; returns its end. */
static size_t scan_token(struct scan *s, size_t i)
{
	size_t end = i;
	while (end < s->len && is_token_byte(s->in[end]))
		end++;
	const char *t = s->in + i, *canon = at_value(s) ? nonfinite_canon(t, end - i) : NULL;
	if (canon) {
		emit(s, "\"" NONFINITE_MARK, 1 + NONFINITE_MARK_LEN);
		emit(s, canon, strlen(canon));
		emit(s, "\"", 1);
		s->rewrites++;
	} else if (int_past_int64(t, end - i)) {
		emit(s, t, end - i);
		emit(s, ".0", 2);
		s->rewrites++;
	} else {
		emit(s, t, end - i);
	}
	s->prev = 'v';
	return end;
}

/* Copies the string starting at the quote at i; returns its end. An
 * unterminated string runs to the end, for jansson to report. */
static size_t scan_string(struct scan *s, size_t i)
{
	size_t j = i + 1;
	while (j < s->len && s->in[j] != '"')
		j += s->in[j] == '\\' ? 2 : 1;
	j = j < s->len ? j + 1 : s->len;
	emit(s, s->in + i, j - i);
	s->prev = 'v';
	return j;
}

/* A '{' or '[' one level deeper; -1 past CM_EXPVAR_MAX_DEPTH. */
static int scan_open(struct scan *s, char c, char *err, size_t errlen)
{
	if (++s->depth > CM_EXPVAR_MAX_DEPTH) {
		snprintf(err, errlen, "nested deeper than %d", CM_EXPVAR_MAX_DEPTH);
		return -1;
	}
	uint64_t bit = (uint64_t)1 << (s->depth - 1);
	s->arrays = c == '[' ? s->arrays | bit : s->arrays & ~bit;
	return 0;
}

/* One pass over the body: refuses nesting past CM_EXPVAR_MAX_DEPTH before
 * anything recurses into it, and counts (or, with out, makes) rewrites. */
static int scan_body(struct scan *s, char *err, size_t errlen)
{
	size_t i = 0;
	while (i < s->len) {
		char c = s->in[i];
		if (c == '"') {
			i = scan_string(s, i);
			continue;
		}
		if (is_token_byte(c)) {
			i = scan_token(s, i);
			continue;
		}
		if (c == '\0') {
			/* jansson stops reading at a NUL and may accept what came
			 * before it: "{\"a\": 1\0}" would parse. */
			snprintf(err, errlen, "invalid JSON: NUL byte at offset %zu", i);
			return -1;
		}
		if ((c == '{' || c == '[') && scan_open(s, c, err, errlen))
			return -1;
		if ((c == '}' || c == ']') && s->depth > 0)
			s->depth--;
		if (!is_space(c))
			s->prev = c;
		emit(s, &c, 1);
		i++;
	}
	return 0;
}

/* ---- parsing ---- */

/* Makes a message safe to show on one line: jansson quotes the body near
 * an error, and the body is anything a server sent. */
static void ascii_only(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static bool nonfinite_mark_value(const json_t *j, double *x);

static const char *describe(const json_t *j)
{
	double x;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return nonfinite_mark_value(j, &x) ? "a number" : "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

static bool blank_body(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_space(body[i]))
			return false;
	return true;
}

/* The body with its rewrites made, in a new buffer (*copy, to free). */
static int rewrite_body(const char *body, size_t len, size_t rewrites, char **copy,
			size_t *clen, char *err, size_t errlen)
{
	if (len > (SIZE_MAX - 1) / (REWRITE_GROWTH_MAX + 1)) {
		snprintf(err, errlen, "body too large");
		return -1;
	}
	struct scan s = {.in = body, .len = len};
	s.out = malloc(len + rewrites * REWRITE_GROWTH_MAX + 1);
	if (!s.out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	scan_body(&s, err, errlen); /* the counting pass already passed it */
	*copy = s.out;
	*clen = s.w;
	return 0;
}

json_t *cm_expvar_parse(const char *body, size_t len, char *err, size_t errlen)
{
	if (!body || blank_body(body, len)) {
		snprintf(err, errlen, "empty body");
		return NULL;
	}
	struct scan s = {.in = body, .len = len};
	if (scan_body(&s, err, errlen))
		return NULL;
	char *copy = NULL;
	size_t tlen = len;
	if (s.rewrites && rewrite_body(body, len, s.rewrites, &copy, &tlen, err, errlen))
		return NULL;
	json_error_t je;
	/* DECODE_ANY so a scalar root gets "not a JSON object" rather than a
	 * parser message; ALLOW_NUL so one string holding "\u0000" (legal
	 * JSON, and Go writes it) does not sink the whole body. */
	json_t *root = json_loadb(copy ? copy : body, tlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	free(copy);
	if (!root) {
		if (je.line > 0)
			snprintf(err, errlen, "invalid JSON at line %d: %s", je.line, je.text);
		else
			snprintf(err, errlen, "invalid JSON: %s", je.text);
		ascii_only(err);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object but %s", describe(root));
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- values ---- */

static bool nonfinite_mark_value(const json_t *j, double *x)
{
	if (!json_is_string(j) || json_string_length(j) <= NONFINITE_MARK_LEN)
		return false;
	const char *s = json_string_value(j);
	if (memcmp(s, NONFINITE_MARK, NONFINITE_MARK_LEN))
		return false;
	const char *w = s + NONFINITE_MARK_LEN;
	size_t n = json_string_length(j) - NONFINITE_MARK_LEN;
	if (n == 3 && !memcmp(w, "NaN", 3))
		*x = NAN;
	else if (n == 4 && !memcmp(w, "+Inf", 4))
		*x = INFINITY;
	else if (n == 4 && !memcmp(w, "-Inf", 4))
		*x = -INFINITY;
	else
		return false;
	return true;
}

/* The number j holds: a JSON number or a NaN/Inf mark. */
static bool number_of(const json_t *j, struct cm_value *v)
{
	double x;
	if (json_is_integer(j)) {
		*v = (struct cm_value){.state = CM_VALUE_NUMBER, .integer = true};
		v->i = json_integer_value(j);
		v->num = (double)v->i;
	} else if (json_is_real(j)) {
		*v = (struct cm_value){.state = CM_VALUE_NUMBER, .num = json_real_value(j)};
	} else if (nonfinite_mark_value(j, &x)) {
		*v = (struct cm_value){.state = CM_VALUE_NUMBER, .num = x};
	} else {
		return false;
	}
	return true;
}

static size_t utf8_seq_len(unsigned char c)
{
	return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
}

/* Copies whole characters of src while they fit in limit bytes; control
 * characters (C0, DEL, C1, and NUL, which JSON strings may hold) become
 * '?' so a service cannot drive the terminal. Returns the bytes of src
 * consumed; *w is the bytes written. */
static size_t copy_clean(char *dst, size_t limit, const char *src, size_t n, size_t *w)
{
	size_t i = 0;
	*w = 0;
	while (i < n) {
		unsigned char c = (unsigned char)src[i];
		size_t clen = utf8_seq_len(c);
		if (clen > n - i)
			clen = n - i;
		bool ctrl = c < 0x20 || c == 0x7f ||
			    (c == 0xC2 && clen == 2 && (unsigned char)src[i + 1] < 0xA0);
		size_t out = ctrl ? 1 : clen;
		if (*w + out > limit)
			break;
		if (ctrl)
			dst[*w] = '?';
		else
			memcpy(dst + *w, src + i, clen);
		*w += out;
		i += clen;
	}
	return i;
}

/* A TEXT or WRONG value holding src, cut with "..." when too long. */
static struct cm_value value_text(enum cm_value_state state, const char *src, size_t n)
{
	struct cm_value v = {.state = state};
	size_t cap = sizeof v.text, w;
	if (copy_clean(v.text, cap - 1, src, n, &w) < n) {
		copy_clean(v.text, cap - 4, src, n, &w);
		memcpy(v.text + w, "...", 3);
		w += 3;
	}
	v.text[w] = '\0';
	return v;
}

static struct cm_value value_str(enum cm_value_state state, const char *s)
{
	return value_text(state, s, strlen(s));
}

/* A number as a str: var shows it: integers exactly, others in the
 * fewest digits that read back the same (as Go's expvar wrote them). */
static struct cm_value number_as_text(const struct cm_value *n)
{
	char buf[40];
	if (n->integer)
		snprintf(buf, sizeof buf, "%lld", n->i);
	else if (isnan(n->num))
		snprintf(buf, sizeof buf, "NaN");
	else if (isinf(n->num))
		snprintf(buf, sizeof buf, "%s", n->num > 0 ? "+Inf" : "-Inf");
	else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, sizeof buf, "%.*g", prec, n->num);
			if (strtod(buf, NULL) == n->num)
				break;
		}
	}
	return value_str(CM_VALUE_TEXT, buf);
}

/* A leaf (not an array) in a kind. */
static struct cm_value scalar_value(const json_t *j, enum cm_var_kind kind)
{
	struct cm_value v;
	if (number_of(j, &v))
		return kind == CM_KIND_STRING ? number_as_text(&v) : v;
	switch (json_typeof(j)) {
	case JSON_STRING:
		return value_text(CM_VALUE_TEXT, json_string_value(j), json_string_length(j));
	case JSON_TRUE:
		return value_str(CM_VALUE_TEXT, "true");
	case JSON_FALSE:
		return value_str(CM_VALUE_TEXT, "false");
	case JSON_NULL:
		return (struct cm_value){.state = CM_VALUE_NA}; /* an expvar.Func that said nil */
	default:
		return value_str(CM_VALUE_WRONG, describe(j));
	}
}

/* expvarmon's view of an array: the mean of its elements after trailing
 * zeros are dropped (an all-zero array's mean is 0). Empty: N/A. */
static struct cm_value array_mean(const json_t *arr, enum cm_var_kind kind)
{
	size_t n = json_array_size(arr), used = 0;
	if (kind == CM_KIND_STRING)
		return value_str(CM_VALUE_WRONG, "an array");
	if (n == 0)
		return (struct cm_value){.state = CM_VALUE_NA};
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		struct cm_value e;
		if (!number_of(json_array_get(arr, i), &e))
			return value_str(CM_VALUE_WRONG, "an array of non-numbers");
		if (e.num != 0)
			used = i + 1;
	}
	if (used == 0)
		used = n;
	for (size_t i = 0; i < used; i++) {
		struct cm_value e;
		number_of(json_array_get(arr, i), &e);
		sum += e.num;
	}
	return (struct cm_value){.state = CM_VALUE_NUMBER, .num = sum / (double)used};
}

static bool step_is(const struct cm_var_step *st, const char *key)
{
	return st->key && !strcmp(st->key, key);
}

/* NumGC when v names memstats.PauseNs or memstats.PauseEnd (bare or with
 * an index) and the service publishes it; else -1. */
static long long gc_ring_count(const json_t *root, const struct cm_var *v)
{
	if (v->nsteps < 2 || !step_is(&v->steps[0], "memstats") ||
	    !(step_is(&v->steps[1], "PauseNs") || step_is(&v->steps[1], "PauseEnd")))
		return -1;
	const json_t *n = json_object_get(json_object_get(root, "memstats"), "NumGC");
	if (!json_is_integer(n) || json_integer_value(n) < 0)
		return -1;
	return json_integer_value(n);
}

/* The ring slot k < 0 collections back (-1 = the newest), or -1 when that
 * collection has not happened or has left the ring. */
static long long gc_ring_slot(long long numgc, long long k)
{
	if (k < -GC_RING || -k > numgc)
		return -1;
	return (numgc % GC_RING + GC_RING + k) % GC_RING;
}

/* The element an index step picks; NULL when there is none. numgc >= 0
 * makes negative indexes count back from a GC ring's newest entry. */
static const json_t *index_step(const json_t *arr, long long k, long long numgc)
{
	size_t n = json_array_size(arr);
	if (numgc >= 0 && n == GC_RING && k < 0) {
		long long slot = gc_ring_slot(numgc, k);
		return slot < 0 ? NULL : json_array_get(arr, (size_t)slot);
	}
	if (k < 0) {
		if (k < -(long long)n)
			return NULL;
		k += (long long)n;
	}
	return (unsigned long long)k < n ? json_array_get(arr, (size_t)k) : NULL;
}

static struct cm_value not_a(const json_t *j, const char *wanted)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s, not %s", describe(j), wanted);
	return value_str(CM_VALUE_WRONG, buf);
}

/* A bare array at the end of the path: a GC ring's newest entry, or
 * expvarmon's mean. */
static struct cm_value bare_array(const json_t *arr, const struct cm_var *v, long long numgc)
{
	if (numgc >= 0 && v->nsteps == 2 && json_array_size(arr) == GC_RING) {
		if (numgc == 0)
			return (struct cm_value){.state = CM_VALUE_NA}; /* no collection yet */
		return scalar_value(json_array_get(arr, (size_t)gc_ring_slot(numgc, -1)), v->kind);
	}
	return array_mean(arr, v->kind);
}

struct cm_value cm_expvar_get(const json_t *root, const struct cm_var *v)
{
	struct cm_value na = {.state = CM_VALUE_NA};
	if (!root || v->source != CM_SOURCE_EXPVAR)
		return na;
	long long numgc = gc_ring_count(root, v);
	const json_t *node = root;
	for (size_t i = 0; i < v->nsteps; i++) {
		const struct cm_var_step *st = &v->steps[i];
		if (st->key && !json_is_object(node))
			return not_a(node, "an object");
		if (!st->key && !json_is_array(node))
			return not_a(node, "an array");
		node = st->key ? json_object_get(node, st->key)
			       : index_step(node, st->index, i == 2 ? numgc : -1);
		if (!node)
			return na;
	}
	if (json_is_array(node))
		return bare_array(node, v, numgc);
	return scalar_value(node, v->kind);
}

/* ---- walking and profile counts ---- */

static bool is_number_leaf(const json_t *j)
{
	double x;
	return json_is_number(j) || nonfinite_mark_value(j, &x);
}

/* keys holds the path down to obj (depth keys); a var path has at most
 * CM_VAR_DEPTH_MAX steps, so deeper objects are not entered. */
static int each_in(const json_t *obj, const char **keys, size_t depth,
		   int (*fn)(void *ctx, const char *const *keys, size_t nkeys), void *ctx)
{
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)obj, key, val) {
		int rc = 0;
		keys[depth] = key;
		if (json_is_object(val) && depth + 1 < CM_VAR_DEPTH_MAX)
			rc = each_in(val, keys, depth + 1, fn, ctx);
		else if (is_number_leaf(val))
			rc = fn(ctx, keys, depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

int cm_expvar_each_number(const json_t *root,
			  int (*fn)(void *ctx, const char *const *keys, size_t nkeys), void *ctx)
{
	const char *keys[CM_VAR_DEPTH_MAX];
	if (!json_is_object(root))
		return 0;
	return each_in(root, keys, 0, fn, ctx);
}

/* The first line of a body, shortened and made printable, for errors. */
static void first_line(char *out, size_t outlen, const char *body, size_t len)
{
	size_t n = 0;
	while (n < len && body[n] != '\n' && n < 40)
		n++;
	snprintf(out, outlen, "%.*s%s", (int)n, body, n < len && body[n] != '\n' ? "..." : "");
	ascii_only(out);
}

/* The count after a known head: digits, then the end of the line. */
static int read_total(const char *p, size_t n, long long *out)
{
	long long v = 0;
	size_t i = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (LLONG_MAX - (p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	if (i == 0 || (i < n && p[i] != '\n' && p[i] != '\r'))
		return -1;
	*out = v;
	return 0;
}

int cm_profile_total(const char *body, size_t len, long long *n, char *err, size_t errlen)
{
	static const char *const heads[] = {"goroutine profile: total ",
					    "threadcreate profile: total "};
	char line[64];
	if (!body || len == 0) {
		snprintf(err, errlen, "empty body");
		return -1;
	}
	if (len >= 2 && body[0] == '\x1f' && body[1] == '\x8b') {
		snprintf(err, errlen, "a binary profile, not the text of ?debug=1");
		return -1;
	}
	first_line(line, sizeof line, body, len);
	for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
		size_t hl = strlen(heads[h]);
		if (len < hl || memcmp(body, heads[h], hl))
			continue;
		if (read_total(body + hl, len - hl, n) == 0)
			return 0;
		snprintf(err, errlen, "bad count in \"%s\"", line);
		return -1;
	}
	snprintf(err, errlen, "not a goroutine or threadcreate profile: \"%s\"", line);
	return -1;
}
