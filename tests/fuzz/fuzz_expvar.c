/* libFuzzer target: json.c and expvar.c on arbitrary bytes, as the
 * monitor meets them in /debug/vars bodies.
 *
 * Each input is:
 *  1. Parsed strictly and with Go's words into one reused struct cm_json
 *     (the monitor reuses its tape the same way). Strict acceptance must
 *     imply the other; a failure must leave one line of printable ASCII.
 *  2. When accepted, walked whole: every container's children end exactly
 *     where its entry says, every string unescapes to valid UTF-8 no longer
 *     than its text and compares equal to itself, every number converts.
 *  3. Written back out as JSON from the tape and parsed again: the same
 *     shape, entry for entry, and the same strings.
 *  4. Read as a /debug/vars body by a monitor watching "*" and a few
 *     fixed vars (GC rings, cmdline, arrays): every value's text is
 *     terminated and free of control bytes.
 *  5. Parsed again with keep trees (members left out): refused exactly
 *     when, and with exactly the message, the whole parse is; accepted,
 *     the tape written back equals the whole tape written back with the
 *     same members left out. A monitor without "*", whose later polls
 *     leave members out, reads every var as the whole body has it.
 * A crash, a sanitizer report or a failed check aborts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/json.h"
#include "cmon/monitor/expvar.h"
#include "cmon/monitor/monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_expvar"
#include "fuzz_check.h"

#define ERRLEN 160

/* Both bounded as the monitor bounds bodies, which also bounds
 * value_out's recursion (the parser itself does not recurse). */
static const struct cm_json_opts strict = {.max_depth = CM_EXPVAR_MAX_DEPTH};
static const struct cm_json_opts go_words = {.max_depth = CM_EXPVAR_MAX_DEPTH,
					     .nonfinite_words = true};

static void check_err(const char *err)
{
	size_t n = strlen(err);
	CHECK(n > 0 && n < ERRLEN, "error of %zu bytes", n);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)err[i] >= 0x20 && (unsigned char)err[i] < 0x7f,
		      "byte 0x%02x in error \"%s\"", (unsigned char)err[i], err);
}

/* True when s[0..n) is UTF-8 as RFC 3629 has it (no surrogates, no
 * overlong forms, nothing past U+10FFFF). Written apart from json.c's. */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned long c = s[i];
		size_t k = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
		if (k == 9 || k >= n - i)
			return false;
		unsigned long u = k == 0 ? c : c & (0x3F >> k);
		for (size_t m = 1; m <= k; m++) {
			if ((s[i + m] & 0xC0) != 0x80)
				return false;
			u = u << 6 | (s[i + m] & 0x3F);
		}
		static const unsigned long least[] = {0, 0x80, 0x800, 0x10000};
		if (u < least[k] || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

/* A growing buffer for the text written back. */
struct out {
	char *p;
	size_t n, cap;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (o->n + n > o->cap) {
		size_t cap = (o->n + n) * 2 + 64;
		char *p = realloc(o->p, cap);
		CHECK(p != NULL, "out of memory");
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

/* String v unescaped, checked, and written back escaped. */
static void string_out(const struct cm_json *j, size_t v, struct out *o)
{
	size_t raw_n, n = cm_json_string(j, v, NULL, 0);
	cm_json_raw(j, v, &raw_n);
	CHECK(n <= raw_n, "string of %zu bytes unescaped from %zu", n, raw_n);
	char *s = malloc(n ? n : 1);
	CHECK(s != NULL, "out of memory");
	CHECK(cm_json_string(j, v, s, n) == n, "length changed");
	CHECK(valid_utf8((unsigned char *)s, n), "string %zu unescapes to bad UTF-8", v);
	CHECK(cm_json_string_is(j, v, s, n), "string %zu differs from itself", v);
	CHECK(!n || !cm_json_string_is(j, v, s, n - 1), "string %zu equals its prefix", v);
	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c < 0x20 || c == '"' || c == '\\')
			put(o, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
		else
			put(o, &s[i], 1);
	}
	put(o, "\"", 1);
	free(s);
}

static void scalar_out(const struct cm_json *j, size_t v, struct out *o)
{
	size_t n;
	const char *raw = cm_json_raw(j, v, &n);
	CHECK(raw && n, "scalar %zu without text", v);
	if (cm_json_type(j, v) == CM_JSON_NUMBER) {
		struct cm_json_num num;
		CHECK(cm_json_number(j, v, &num), "number %zu unread", v);
		CHECK(!num.integer || num.d == (double)num.i, "integer %lld as %g", num.i, num.d);
	}
	put(o, raw, n);
}

/* Writes value v back as JSON and checks its container's bookkeeping;
 * returns the entry after it. Recursion is bounded by the parse's depth
 * limit (CM_EXPVAR_MAX_DEPTH). */
static size_t value_out(const struct cm_json *j, size_t v, struct out *o)
{
	enum cm_json_type t = cm_json_type(j, v);
	CHECK(t != CM_JSON_ABSENT, "entry %zu absent", v);
	if (t == CM_JSON_STRING) {
		string_out(j, v, o);
		return v + 1;
	}
	if (t != CM_JSON_ARRAY && t != CM_JSON_OBJECT) {
		scalar_out(j, v, o);
		return v + 1;
	}
	bool obj = t == CM_JSON_OBJECT;
	size_t n = cm_json_count(j, v), e = v + 1;
	put(o, obj ? "{" : "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(o, ",", 1);
		if (obj) {
			CHECK(cm_json_type(j, e) == CM_JSON_STRING, "key %zu not a string", e);
			CHECK(cm_json_next(j, e) == e + 1, "key %zu has contents", e);
			string_out(j, e++, o);
			put(o, ":", 1);
		}
		size_t after = value_out(j, e, o);
		CHECK(cm_json_next(j, e) == after || (after == j->n && cm_json_next(j, e) == CM_JSON_NONE),
		      "entry %zu: next %zu, walked to %zu", e, cm_json_next(j, e), after);
		if (!obj)
			CHECK(cm_json_at(j, v, i) == e, "element %zu of %zu is not %zu", i, v, e);
		e = after;
	}
	put(o, obj ? "}" : "]", 1);
	return e;
}

/* Parses text both ways; walks and writes back what is accepted. */
static void json_checks(struct cm_json *j, const char *text, size_t len)
{
	char err[ERRLEN] = "";
	int refused = cm_json_parse(j, text, len, &strict, err, sizeof err);
	if (refused)
		check_err(err);
	size_t strict_n = j->n;
	int go = cm_json_parse(j, text, len, &go_words, err, sizeof err);
	CHECK(refused || !go, "strict JSON refused with Go's words: %s", err);
	CHECK(refused || j->n == strict_n, "%zu entries, strictly %zu", j->n, strict_n);
	if (go) {
		check_err(err);
		return;
	}
	struct out o = {0};
	CHECK(value_out(j, 0, &o) == j->n, "the root does not span the tape");
	/* Written back (strings re-escaped, numbers and words as they were):
	 * the same shape again. */
	struct cm_json again = {0};
	size_t n = j->n;
	CHECK(cm_json_parse(&again, o.p, o.n, &go_words, err, sizeof err) == 0,
	      "written back, refused: %s", err);
	CHECK(again.n == n, "written back: %zu entries, not %zu", again.n, n);
	for (size_t v = 0; v < n; v++)
		CHECK(cm_json_type(&again, v) == cm_json_type(j, v) &&
			      cm_json_count(&again, v) == cm_json_count(j, v) &&
			      cm_json_next(&again, v) == cm_json_next(j, v),
		      "written back: entry %zu differs", v);
	cm_json_free(&again);
	free(o.p);
}

/* Keep trees: some members (one escaped in the dictionary's way, one
 * whole, some filtered two levels down), and none at all. */
static const struct cm_json_keep memstats_keep[] = {
	{"Alloc", 5, NULL, 0}, {"PauseNs", 7, NULL, 0}, {"NumGC", 5, NULL, 0}, {"", 0, NULL, 0}};
static const struct cm_json_keep b_keep[] = {{"c", 1, NULL, 0}};
static const struct cm_json_keep a_keep[] = {{"b", 1, b_keep, 1}, {"d\"e", 3, NULL, 0}};
static const struct cm_json_keep root_keep[] = {
	{"memstats", 8, memstats_keep, 4}, {"cmdline", 7, NULL, 0}, {"a", 1, a_keep, 2},
	{"\xc3\xa9", 2, NULL, 0}};
static const struct cm_json_keep keeps[] = {{NULL, 0, root_keep, 4}, {NULL, 0, NULL, 0}};

/* Writes value v of a whole tape back as JSON with what keep leaves out
 * left out (keep NULL: all of it kept), as the parser should have. */
static size_t kept_out(const struct cm_json *j, size_t v, const struct cm_json_keep *keep,
		       struct out *o)
{
	if (!keep || cm_json_type(j, v) != CM_JSON_OBJECT)
		return value_out(j, v, o);
	size_t n = cm_json_count(j, v), e = v + 1;
	bool first = true;
	put(o, "{", 1);
	for (size_t i = 0; i < n; i++) {
		const struct cm_json_keep *sub = NULL;
		bool kept = false;
		for (size_t k = 0; k < keep->nsub && !kept; k++)
			if (cm_json_string_is(j, e, keep->sub[k].key, keep->sub[k].len)) {
				kept = true;
				sub = keep->sub[k].nsub ? &keep->sub[k] : NULL;
			}
		if (kept) {
			if (!first)
				put(o, ",", 1);
			first = false;
			string_out(j, e, o);
			put(o, ":", 1);
			kept_out(j, e + 1, sub, o);
		}
		e = cm_json_next(j, e + 1);
		if (e == CM_JSON_NONE)
			e = j->n;
	}
	put(o, "}", 1);
	return e;
}

/* The parse with each keep tree against the whole parse. */
static void keep_checks(const char *text, size_t len)
{
	struct cm_json whole = {0}, part = {0};
	char err[ERRLEN] = "", perr[ERRLEN] = "";
	int refused = cm_json_parse(&whole, text, len, &go_words, err, sizeof err);
	for (size_t t = 0; t < sizeof keeps / sizeof keeps[0]; t++) {
		struct cm_json_opts o = go_words;
		o.keep = &keeps[t];
		int prefused = cm_json_parse(&part, text, len, &o, perr, sizeof perr);
		/* The bound on values counts the tape's: one the whole text
		 * passes may leave room for more of the text, or all of it. */
		if (refused && !strncmp(err, "more than ", 10))
			continue;
		CHECK(!prefused == !refused, "keep tree %zu: refused %d, whole %d (%s)", t, prefused,
		      refused, prefused ? perr : err);
		if (refused) {
			CHECK(!strcmp(err, perr), "keep tree %zu: \"%s\", whole \"%s\"", t, perr, err);
			continue;
		}
		struct out want = {0}, got = {0};
		kept_out(&whole, 0, &keeps[t], &want);
		CHECK(value_out(&part, 0, &got) == part.n, "keep tree %zu: the root does not span", t);
		CHECK(want.n == got.n && !memcmp(want.p, got.p, want.n),
		      "keep tree %zu: %.*s, want %.*s", t, (int)got.n, got.p, (int)want.n, want.p);
		free(want.p);
		free(got.p);
	}
	cm_json_free(&whole);
	cm_json_free(&part);
}

static bool same_value(const struct cm_value *a, const struct cm_value *b)
{
	return a->state == b->state && a->integer == b->integer && a->i == b->i &&
	       (a->num == b->num || (isnan(a->num) && isnan(b->num))) && !strcmp(a->text, b->text);
}

/* A monitor without "*": its first poll reads the whole body, the later
 * ones only what its vars name (cm_monitor_vars_result's keep tree). Each
 * var must read as it does in the whole body. */
static void monitor_keep_checks(const char *text, size_t len)
{
	struct cm_target_list t = {0};
	struct cm_var_list vl = {0};
	struct cm_monitor m;
	char err[256];
	CHECK(cm_targets_parse("127.0.0.1:1", &t, err, sizeof err) == 0, "%s", err);
	CHECK(cm_vars_parse("memstats.PauseNs,dur:memstats.PauseNs[-2],memstats.PauseEnd[-300],"
			    "str:cmdline[0],cmdline,str:a.b[1].c,memstats.NumGC,a[-1],a.b,"
			    "a.b.c.d,memstats.BySize.1.Size,x",
			    &vl, err, sizeof err) == 0,
	      "%s", err);
	CHECK(cm_monitor_init(&m, &t, &vl, "/debug/vars") == 0, "out of memory");
	struct cm_json whole = {0};
	bool ok = cm_expvar_parse(&whole, text, len, err, sizeof err) == 0;
	bool over = !ok && !strncmp(err, "more than ", 10); /* see keep_checks */
	for (int poll = 0; poll < 3 && !over; poll++) {
		CHECK(cm_monitor_vars_result(&m, 0, text, len, NULL, 100 + poll) == 0, "out of memory");
		const struct cm_service *s = &m.svc[0];
		CHECK((s->state == CM_SVC_UP) == ok, "poll %d: up %d, whole body read %d", poll,
		      s->state == CM_SVC_UP, ok);
		for (size_t c = 0; ok && c < s->ncells; c++) {
			struct cm_value want = cm_expvar_get(&whole, &m.vars.v[c]);
			CHECK(same_value(&s->cells[c].value, &want), "poll %d: var %s: \"%s\", want \"%s\"",
			      poll, m.vars.v[c].title, s->cells[c].value.text, want.text);
		}
	}
	cm_json_free(&whole);
	cm_monitor_free(&m);
}

static void check_value(const struct cm_value *v)
{
	size_t n = strnlen(v->text, sizeof v->text);
	CHECK(n < sizeof v->text, "value text not terminated");
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)v->text[i] >= 0x20 && v->text[i] != 0x7f, "control byte in \"%s\"",
		      v->text);
	CHECK(v->state != CM_VALUE_NUMBER || !v->integer || v->num == (double)v->i, "integer value");
}

/* As the monitor reads a body: "*" discovery, restarts, names, and vars
 * that reach into GC rings, arrays and strings. */
static void monitor_checks(const char *text, size_t len)
{
	struct cm_target_list t = {0};
	struct cm_var_list vl = {0};
	struct cm_monitor m;
	char err[256];
	CHECK(cm_targets_parse("127.0.0.1:1", &t, err, sizeof err) == 0, "%s", err);
	CHECK(cm_vars_parse("*,memstats.PauseNs,dur:memstats.PauseNs[-2],memstats.PauseEnd[-300],"
			    "str:cmdline[0],cmdline,str:a.b[1].c,rate:memstats.NumGC,a[-1]",
			    &vl, err, sizeof err) == 0,
	      "%s", err);
	CHECK(cm_monitor_init(&m, &t, &vl, "/debug/vars") == 0, "out of memory");
	for (int poll = 0; poll < 2; poll++)
		CHECK(cm_monitor_vars_result(&m, 0, text, len, NULL, 100 + poll) == 0, "out of memory");
	const struct cm_service *s = &m.svc[0];
	CHECK(strnlen(s->name, sizeof s->name) < sizeof s->name, "name not terminated");
	if (s->state == CM_SVC_DOWN)
		check_err(s->error + strlen("bad /debug/vars: "));
	for (size_t c = 0; c < s->ncells; c++)
		check_value(&s->cells[c].value);
	cm_monitor_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Reused across inputs, as the monitor reuses its tape: growth and
	 * shrinking between texts of every size get fuzzed too. */
	static struct cm_json j;
	const char *text = (const char *)data;
	json_checks(&j, text, size);
	char err[ERRLEN] = "";
	if (cm_expvar_parse(&j, text, size, err, sizeof err))
		check_err(err);
	else
		CHECK(cm_json_type(&j, 0) == CM_JSON_OBJECT, "an expvar root that is no object");
	monitor_checks(text, size);
	keep_checks(text, size);
	monitor_keep_checks(text, size);
	cm_json_reset(&j);
	return 0;
}
