/* expvar.c: the expvar-specific reading of a /debug/vars body; the JSON
 * itself is json.c's (one pass, a flat index, nothing per value). What is
 * Go's or expvarmon's lives here: NaN words, GC rings, array means, kinds,
 * and values cut and cleaned for a terminal. */
#include "cmon/monitor/expvar.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* memstats.PauseNs and memstats.PauseEnd are Go's rings of the last 256
 * collections, indexed by NumGC. */
#define GC_RING 256

/* A string is unescaped into a buffer this big to be shown: a value's
 * text holds 95 bytes, and cleaning never takes more than two input bytes
 * for one output byte (a C1 control becomes '?'), so 256 is always enough
 * to fill it, and a longer string is cut anyway. */
#define SHOW_BUF 256

/* The keys of one path, as "*" discovers it: unescaped and NUL-terminated
 * one after another. A path the -vars grammar could not hold (a 4096-byte
 * field) is passed over rather than cut. */
#define PATH_BUF 4200

/* ---- parsing ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool blank_body(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_space(body[i]))
			return false;
	return true;
}

/* Makes a message safe to show on one line. */
static void ascii_only(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static const char *describe(const struct cm_json *d, size_t node)
{
	switch (cm_json_type(d, node)) {
	case CM_JSON_OBJECT:
		return "an object";
	case CM_JSON_ARRAY:
		return "an array";
	case CM_JSON_STRING:
		return "a string";
	case CM_JSON_NUMBER:
		return "a number";
	case CM_JSON_TRUE:
	case CM_JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

int cm_expvar_parse(struct cm_json *doc, const char *body, size_t len, char *err, size_t errlen)
{
	static const struct cm_json_opts go = {.max_depth = CM_EXPVAR_MAX_DEPTH,
					       .nonfinite_words = true};
	if (!body || blank_body(body, len)) {
		cm_json_reset(doc);
		snprintf(err, errlen, "empty body");
		return -1;
	}
	if (cm_json_parse(doc, body, len, &go, err, errlen))
		return -1; /* json.c's messages are printable ASCII already */
	if (cm_json_type(doc, 0) != CM_JSON_OBJECT) {
		snprintf(err, errlen, "not a JSON object but %s", describe(doc, 0));
		cm_json_reset(doc);
		return -1;
	}
	return 0;
}

/* ---- values ---- */

/* The number at node as a NUMBER value; false when it is none. */
static bool number_of(const struct cm_json *d, size_t node, struct cm_value *v)
{
	struct cm_json_num n;
	if (!cm_json_number(d, node, &n))
		return false;
	*v = (struct cm_value){.state = CM_VALUE_NUMBER, .integer = n.integer, .i = n.i,
			       .num = n.d};
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

/* A TEXT or WRONG value holding src (n bytes of a text full bytes long),
 * cut with "..." when too long. */
static struct cm_value value_text(enum cm_value_state state, const char *src, size_t n,
				  size_t full)
{
	struct cm_value v = {.state = state};
	size_t cap = sizeof v.text, w;
	if (copy_clean(v.text, cap - 1, src, n, &w) < full) {
		copy_clean(v.text, cap - 4, src, n, &w);
		memcpy(v.text + w, "...", 3);
		w += 3;
	}
	v.text[w] = '\0';
	return v;
}

static struct cm_value value_str(enum cm_value_state state, const char *s)
{
	return value_text(state, s, strlen(s), strlen(s));
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
static struct cm_value scalar_value(const struct cm_json *d, size_t node, enum cm_var_kind kind)
{
	struct cm_value v;
	char buf[SHOW_BUF];
	size_t full;
	if (number_of(d, node, &v))
		return kind == CM_KIND_STRING ? number_as_text(&v) : v;
	switch (cm_json_type(d, node)) {
	case CM_JSON_STRING:
		full = cm_json_string(d, node, buf, sizeof buf);
		return value_text(CM_VALUE_TEXT, buf, full < sizeof buf ? full : sizeof buf, full);
	case CM_JSON_TRUE:
		return value_str(CM_VALUE_TEXT, "true");
	case CM_JSON_FALSE:
		return value_str(CM_VALUE_TEXT, "false");
	case CM_JSON_NULL:
		return (struct cm_value){.state = CM_VALUE_NA}; /* an expvar.Func that said nil */
	default:
		return value_str(CM_VALUE_WRONG, describe(d, node));
	}
}

/* expvarmon's view of an array: the mean of its elements after trailing
 * zeros are dropped (an all-zero array's mean is 0). Empty: N/A. */
static struct cm_value array_mean(const struct cm_json *d, size_t arr, enum cm_var_kind kind)
{
	size_t n = cm_json_count(d, arr), used = 0;
	if (kind == CM_KIND_STRING)
		return value_str(CM_VALUE_WRONG, "an array");
	if (n == 0)
		return (struct cm_value){.state = CM_VALUE_NA};
	double sum = 0, used_sum = 0;
	size_t e = cm_json_first(d, arr);
	for (size_t i = 0; i < n; i++, e = cm_json_next(d, e)) {
		struct cm_value x;
		if (!number_of(d, e, &x))
			return value_str(CM_VALUE_WRONG, "an array of non-numbers");
		sum += x.num;
		if (x.num != 0) {
			used = i + 1;
			used_sum = sum;
		}
	}
	if (used == 0)
		used = n; /* all zeros: mean 0 */
	return (struct cm_value){.state = CM_VALUE_NUMBER, .num = used_sum / (double)used};
}

static bool step_is(const struct cm_var_step *st, const char *key)
{
	return st->key && !strcmp(st->key, key);
}

/* NumGC when v names memstats.PauseNs or memstats.PauseEnd (bare or with
 * an index) and the service publishes it; else -1. */
static long long gc_ring_count(const struct cm_json *d, const struct cm_var *v)
{
	if (v->nsteps < 2 || !step_is(&v->steps[0], "memstats") ||
	    !(step_is(&v->steps[1], "PauseNs") || step_is(&v->steps[1], "PauseEnd")))
		return -1;
	struct cm_json_num n;
	if (!cm_json_number(d, cm_json_get(d, cm_json_get(d, 0, "memstats", 8), "NumGC", 5), &n) ||
	    !n.integer || n.i < 0)
		return -1;
	return n.i;
}

/* The ring slot k < 0 collections back (-1 = the newest), or -1 when that
 * collection has not happened or has left the ring. */
static long long gc_ring_slot(long long numgc, long long k)
{
	if (k < -GC_RING || -k > numgc)
		return -1;
	return (numgc % GC_RING + GC_RING + k) % GC_RING;
}

/* The element an index step picks; CM_JSON_NONE when there is none.
 * numgc >= 0 makes negative indexes count back from a GC ring's newest
 * entry. */
static size_t index_step(const struct cm_json *d, size_t arr, long long k, long long numgc)
{
	size_t n = cm_json_count(d, arr);
	if (numgc >= 0 && n == GC_RING && k < 0) {
		long long slot = gc_ring_slot(numgc, k);
		return slot < 0 ? CM_JSON_NONE : cm_json_at(d, arr, (size_t)slot);
	}
	if (k < 0) {
		if (k < -(long long)n)
			return CM_JSON_NONE;
		k += (long long)n;
	}
	return (unsigned long long)k < n ? cm_json_at(d, arr, (size_t)k) : CM_JSON_NONE;
}

static struct cm_value not_a(const struct cm_json *d, size_t node, const char *wanted)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s, not %s", describe(d, node), wanted);
	return value_str(CM_VALUE_WRONG, buf);
}

/* A bare array at the end of the path: a GC ring's newest entry, or
 * expvarmon's mean. */
static struct cm_value bare_array(const struct cm_json *d, size_t arr, const struct cm_var *v,
				  long long numgc)
{
	if (numgc >= 0 && v->nsteps == 2 && cm_json_count(d, arr) == GC_RING) {
		if (numgc == 0)
			return (struct cm_value){.state = CM_VALUE_NA}; /* no collection yet */
		return scalar_value(d, cm_json_at(d, arr, (size_t)gc_ring_slot(numgc, -1)), v->kind);
	}
	return array_mean(d, arr, v->kind);
}

struct cm_value cm_expvar_get(const struct cm_json *d, const struct cm_var *v)
{
	struct cm_value na = {.state = CM_VALUE_NA};
	if (v->source != CM_SOURCE_EXPVAR || cm_json_type(d, 0) != CM_JSON_OBJECT)
		return na;
	long long numgc = gc_ring_count(d, v);
	size_t node = 0;
	for (size_t i = 0; i < v->nsteps; i++) {
		const struct cm_var_step *st = &v->steps[i];
		enum cm_json_type t = cm_json_type(d, node);
		if (st->key && t != CM_JSON_OBJECT)
			return not_a(d, node, "an object");
		if (!st->key && t != CM_JSON_ARRAY)
			return not_a(d, node, "an array");
		node = st->key ? cm_json_get(d, node, st->key, strlen(st->key))
			       : index_step(d, node, st->index, i == 2 ? numgc : -1);
		if (node == CM_JSON_NONE)
			return na;
	}
	if (cm_json_type(d, node) == CM_JSON_ARRAY)
		return bare_array(d, node, v, numgc);
	return scalar_value(d, node, v->kind);
}

/* ---- walking ---- */

struct walk {
	const struct cm_json *d;
	int (*fn)(void *ctx, const char *const *keys, size_t nkeys);
	void *ctx;
	const char *keys[CM_VAR_DEPTH_MAX];
	char buf[PATH_BUF]; /* the keys' bytes */
	size_t used;
};

/* Unescapes key k into the path at depth; false when it cannot be named
 * (a NUL inside, or no room left). */
static bool push_key(struct walk *w, size_t k, size_t depth)
{
	size_t room = sizeof w->buf - w->used;
	char *out = w->buf + w->used;
	size_t n = cm_json_string(w->d, k, out, room);
	if (n >= room || memchr(out, '\0', n))
		return false;
	out[n] = '\0';
	w->keys[depth] = out;
	w->used += n + 1;
	return true;
}

/* The members of obj at depth keys down; a var path has at most
 * CM_VAR_DEPTH_MAX steps, so deeper objects are not entered. */
static int each_in(struct walk *w, size_t obj, size_t depth)
{
	size_t k = cm_json_first(w->d, obj), n = cm_json_count(w->d, obj);
	for (size_t m = 0; m < n; m++, k = cm_json_next(w->d, k + 1)) {
		enum cm_json_type t = cm_json_type(w->d, k + 1);
		bool inner = t == CM_JSON_OBJECT && depth + 1 < CM_VAR_DEPTH_MAX;
		size_t mark = w->used;
		if ((!inner && t != CM_JSON_NUMBER) || !push_key(w, k, depth))
			continue;
		int rc = inner ? each_in(w, k + 1, depth + 1) : w->fn(w->ctx, w->keys, depth + 1);
		w->used = mark;
		if (rc)
			return rc;
	}
	return 0;
}

int cm_expvar_each_number(const struct cm_json *d,
			  int (*fn)(void *ctx, const char *const *keys, size_t nkeys), void *ctx)
{
	struct walk w = {.d = d, .fn = fn, .ctx = ctx};
	if (cm_json_type(d, 0) != CM_JSON_OBJECT)
		return 0;
	return each_in(&w, 0, 0);
}

/* ---- profile counts ---- */

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
