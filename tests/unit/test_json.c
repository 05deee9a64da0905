/* json.c: what RFC 8259 accepts and refuses (with the place and the
 * reason), the tape's shape (counts, siblings, lookups, duplicates),
 * numbers at and past int64, strings and their escapes, depth, the value
 * cap, and a tape reused across texts. Every text is parsed from a copy
 * of exactly its bytes, so ASan sees any read past the end. */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "cmon/base/json.h"

/* A literal and its length, NULs included. */
#define S(lit) lit, sizeof(lit) - 1

static const struct cm_json_opts go = {.max_depth = 64, .nonfinite_words = true};

/* Parses a copy of text[0..len) into j; *copy is to be freed after use. */
static int parse_copy(struct cm_json *j, const char *text, size_t len,
		      const struct cm_json_opts *o, char **copy, char *err, size_t errlen)
{
	*copy = malloc(len ? len : 1);
	if (!*copy)
		return -1;
	memcpy(*copy, text, len);
	return cm_json_parse(j, *copy, len, o, err, errlen);
}

static void accepts(const char *text, size_t len, const struct cm_json_opts *o)
{
	struct cm_json j = {0};
	char err[160] = "", *copy;
	CHECK_MSG(parse_copy(&j, text, len, o, &copy, err, sizeof err) == 0, "%.*s: %s", (int)len,
		  text, err);
	free(copy);
	cm_json_free(&j);
}

/* Refused with a message holding want, one line of printable ASCII. */
static void refuses(const char *text, size_t len, const struct cm_json_opts *o, const char *want)
{
	struct cm_json j = {0};
	char err[160] = "", *copy;
	CHECK_MSG(parse_copy(&j, text, len, o, &copy, err, sizeof err) == -1, "%.*s: parsed",
		  (int)len, text);
	CHECK_ERR(err, want, text);
	for (const char *p = err; *p; p++)
		CHECK_MSG((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f, "%s: byte %02x", text,
			  (unsigned char)*p);
	CHECK(cm_json_type(&j, 0) == CM_JSON_ABSENT && j.n == 0);
	free(copy);
	cm_json_free(&j);
}

static void test_grammar(void)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5e10", "1E-2", "-1e+2", "0.000", "\"\"", "true", "false",
		"null", " \t\r\n{ \"a\" : [ 1 , { } , [ ] , \"x\" ] } \n",
		"{\"\":0}", "[[[[]]]]", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\uD83D\\uDE00\"",
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf\"",
		"[-1.0e-0,123456789012345678901234567890]",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		accepts(good[i], strlen(good[i]), NULL);
	accepts(S("{\"a\": NaN, \"b\": [Inf, -Inf, +Inf, Infinity, -Infinity, +Infinity]}"), &go);
	accepts(S("NaN"), &go);

	static const struct {
		const char *text, *want;
	} bad[] = {
		{"", "line 1, column 1: expected a value, found the end of the input"},
		{" \n ", "line 2, column 2: expected a value"},
		{"{\"a\": }", "line 1, column 7: expected a value, found '}'"},
		{"{\"a\": 1}\n{\"b\": 2}", "line 2, column 1: expected the end of the input, found '{'"},
		{"{\"a\": 1,}", "column 9: expected a string key, found '}'"},
		{"[1,]", "column 4: expected a value, found ']'"},
		{"[1 2]", "column 4: expected ',' or ']', found '2'"},
		{"{\"a\" 1}", "column 6: expected ':', found '1'"},
		{"{a: 1}", "column 2: expected a string key, found 'a'"},
		{"{'a': 1}", "expected a string key, found ''a''"},
		{"[01]", "column 2: invalid number '01'"},
		{"[1.]", "invalid number '1.'"},
		{"[.5]", "expected a value, found '.5'"},
		{"[1e]", "invalid number '1e'"},
		{"[1e+]", "invalid number '1e+'"},
		{"[-]", "invalid number '-'"},
		{"[--1]", "invalid number '--1'"},
		{"[+1]", "expected a value, found '+1'"},
		{"[0x10]", "invalid number '0x10'"},
		{"[1.5.3]", "invalid number '1.5.3'"},
		{"[tru]", "expected a value, found 'tru'"},
		{"[truex]", "expected a value, found 'truex'"},
		{"[NaN]", "expected a value, found 'NaN'"},
		{"[Infinity]", "expected a value, found 'Infinity'"},
		{"[-Inf]", "invalid number '-Inf'"},
		{"[1] // c", "expected the end of the input, found '//'"},
		{"[\"abc", "column 6: unterminated string"},
		{"[\"abc\\", "unterminated string"},
		{"[\"\\q\"]", "column 3: invalid escape '\\q'"},
		{"[\"\\u12\"]", "bad \\u escape, want four hex digits"},
		{"[\"\\u12", "bad \\u escape"},
		{"[\"\\uD800\"]", "column 3: high surrogate without its low half"},
		{"[\"\\uD800\\u0041\"]", "high surrogate without its low half"},
		{"[\"\\uD800\\uD800\"]", "high surrogate without its low half"},
		{"[\"\\uDC00\"]", "lone low surrogate"},
		{"[\"\t\"]", "column 3: control character 0x09 in a string"},
		{"[\"\x1b[2J\"]", "control character 0x1b in a string"},
		{"[\"\xc0\x80\"]", "invalid UTF-8 (byte 0xc0)"},         /* overlong NUL */
		{"[\"\xe0\x80\xaf\"]", "invalid UTF-8 (byte 0xe0)"},     /* overlong '/' */
		{"[\"\xed\xa0\x80\"]", "invalid UTF-8 (byte 0xed)"},     /* a surrogate */
		{"[\"\xf4\x90\x80\x80\"]", "invalid UTF-8 (byte 0xf4)"}, /* past U+10FFFF */
		{"[\"\xf5\x80\x80\x80\"]", "invalid UTF-8 (byte 0xf5)"},
		{"[\"\x80\"]", "invalid UTF-8 (byte 0x80)"},
		{"[\"\xc3\"]", "invalid UTF-8 (byte 0xc3)"},
		{"[\"\xe2\x82\"", "invalid UTF-8 (byte 0xe2)"},
		{"\xef\xbb\xbf{}", "expected a value, found byte 0xef"}, /* a BOM: RFC 8259 says MUST NOT */
		{"<html>\x1b[2J", "found '<html>?'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		refuses(bad[i].text, strlen(bad[i].text), NULL, bad[i].want);
	refuses(S("[1\0]"), NULL, "invalid JSON: NUL byte at offset 2");
	refuses(S("[\"a\0\"]"), NULL, "control character 0x00 in a string");
	refuses(S("[-NaN]"), &go, "invalid number '-NaN'");
	refuses(S("{NaN: 1}"), &go, "expected a string key, found 'NaN'");
	refuses(S("[nan]"), &go, "expected a value, found 'nan'");
	refuses(S("[NaNx]"), &go, "expected a value, found 'NaNx'");
	/* every message says where */
	refuses(S("{\n  \"a\": [\n    1,\n    x\n  ]\n}"), NULL, "invalid JSON at line 4, column 5:");
}

static void test_shape(void)
{
	static const char text[] = "{\"a\": [1, {\"b\": [2, 3]}, \"s\", [], {}], \"c\": {\"d\": null},"
				   " \"a\": true, \"e\": [4, 5, 6]}";
	struct cm_json j = {0};
	char err[160], *copy;
	if (parse_copy(&j, S(text), NULL, &copy, err, sizeof err)) {
		CHECK_MSG(0, "%s", err);
		free(copy);
		return;
	}
	CHECK(cm_json_type(&j, 0) == CM_JSON_OBJECT && cm_json_count(&j, 0) == 4);
	/* the first key, its value, and the members after it */
	size_t k = cm_json_first(&j, 0);
	CHECK(k == 1 && cm_json_string_is(&j, k, "a", 1));
	size_t a = k + 1;
	CHECK(cm_json_type(&j, a) == CM_JSON_ARRAY && cm_json_count(&j, a) == 5);
	k = cm_json_next(&j, a);
	CHECK(cm_json_string_is(&j, k, "c", 1) && cm_json_type(&j, k + 1) == CM_JSON_OBJECT);
	/* siblings in an array that holds containers */
	size_t e = cm_json_at(&j, a, 1);
	CHECK(cm_json_type(&j, e) == CM_JSON_OBJECT);
	CHECK(cm_json_type(&j, cm_json_at(&j, a, 2)) == CM_JSON_STRING);
	CHECK(cm_json_type(&j, cm_json_at(&j, a, 3)) == CM_JSON_ARRAY &&
	      cm_json_count(&j, cm_json_at(&j, a, 3)) == 0 &&
	      cm_json_first(&j, cm_json_at(&j, a, 3)) == CM_JSON_NONE);
	CHECK(cm_json_type(&j, cm_json_at(&j, a, 4)) == CM_JSON_OBJECT);
	CHECK(cm_json_at(&j, a, 5) == CM_JSON_NONE);
	struct cm_json_num n;
	size_t inner = cm_json_get(&j, e, "b", 1);
	CHECK(cm_json_number(&j, cm_json_at(&j, inner, 1), &n) && n.integer && n.i == 3);
	/* duplicates: the last "a" wins */
	CHECK(cm_json_type(&j, cm_json_get(&j, 0, "a", 1)) == CM_JSON_TRUE);
	/* an array of scalars: each element one entry */
	size_t r = cm_json_get(&j, 0, "e", 1);
	CHECK(cm_json_number(&j, cm_json_at(&j, r, 2), &n) && n.i == 6);
	CHECK(cm_json_next(&j, cm_json_at(&j, r, 2)) == CM_JSON_NONE); /* the last entry */
	/* absent things chain to absent */
	CHECK(cm_json_get(&j, 0, "nope", 4) == CM_JSON_NONE);
	CHECK(cm_json_get(&j, cm_json_get(&j, 0, "nope", 4), "x", 1) == CM_JSON_NONE);
	CHECK(cm_json_get(&j, a, "x", 1) == CM_JSON_NONE); /* an array has no members */
	CHECK(cm_json_at(&j, 0, 0) == CM_JSON_NONE);       /* an object has no elements */
	CHECK(cm_json_type(&j, CM_JSON_NONE) == CM_JSON_ABSENT);
	CHECK(cm_json_count(&j, CM_JSON_NONE) == 0 && cm_json_next(&j, CM_JSON_NONE) == CM_JSON_NONE);
	CHECK(!cm_json_number(&j, CM_JSON_NONE, &n) && !cm_json_number(&j, a, &n));
	CHECK(cm_json_type(&j, cm_json_get(&j, cm_json_get(&j, 0, "c", 1), "d", 1)) == CM_JSON_NULL);
	size_t rn;
	CHECK(cm_json_raw(&j, a, &rn) == NULL && rn == 0);
	CHECK(cm_json_string(&j, a, err, sizeof err) == 0);
	cm_json_reset(&j);
	CHECK(cm_json_type(&j, 0) == CM_JSON_ABSENT && cm_json_get(&j, 0, "a", 1) == CM_JSON_NONE);
	cm_json_free(&j);
	free(copy);
}

/* Arrays of numbers (read by a loop of their own, number_run): each
 * element's type and text, whatever mix of numbers, spaces and other
 * values the array holds. want: the elements' texts joined by '|', a
 * string's with its quotes. */
static void check_elements(const char *text, size_t count, const char *want)
{
	struct cm_json j = {0};
	char err[160] = "", *copy, got[256] = "";
	if (parse_copy(&j, text, strlen(text), &go, &copy, err, sizeof err)) {
		CHECK_MSG(0, "%s: %s", text, err);
		free(copy);
		return;
	}
	size_t arr = cm_json_type(&j, 0) == CM_JSON_ARRAY ? 0 : cm_json_get(&j, 0, "a", 1);
	CHECK_MSG(cm_json_count(&j, arr) == count, "%s: %zu elements", text, cm_json_count(&j, arr));
	size_t used = 0;
	for (size_t k = 0; k < cm_json_count(&j, arr); k++) {
		size_t e = cm_json_at(&j, arr, k), n = 0;
		const char *raw = cm_json_raw(&j, e, &n);
		enum cm_json_type t = cm_json_type(&j, e);
		if (t == CM_JSON_STRING)
			used += (size_t)snprintf(got + used, sizeof got - used, "%s\"%.*s\"",
						 k ? "|" : "", (int)n, raw);
		else if (t == CM_JSON_ARRAY || t == CM_JSON_OBJECT)
			used += (size_t)snprintf(got + used, sizeof got - used, "%s%c%zu", k ? "|" : "",
						 t == CM_JSON_ARRAY ? 'A' : 'O', cm_json_count(&j, e));
		else
			used += (size_t)snprintf(got + used, sizeof got - used, "%s%.*s", k ? "|" : "",
						 (int)n, raw);
		if (used >= sizeof got)
			break;
	}
	CHECK_MSG(strcmp(got, want) == 0, "%s: got %s, want %s", text, got, want);
	/* the value after the array is its sibling, as for any container */
	if (arr != 0)
		CHECK(cm_json_string_is(&j, cm_json_next(&j, arr), "b", 1));
	free(copy);
	cm_json_free(&j);
}

static void test_number_runs(void)
{
	check_elements("[1,2,3]", 3, "1|2|3");
	check_elements("[ 1 , 2 ,3 ]", 3, "1|2|3");
	check_elements("[0,0,0,10,1234567890123456789]", 5, "0|0|0|10|1234567890123456789");
	check_elements("[1,2.5,3,-4,5e2,6]", 6, "1|2.5|3|-4|5e2|6");
	check_elements("[1,\"x\",2,[3,4],{},5]", 6, "1|\"x\"|2|A2|O0|5");
	check_elements("[\"x\",1,2]", 3, "\"x\"|1|2");
	check_elements("[1,NaN,2,-Inf,3]", 5, "1|NaN|2|-Inf|3");
	check_elements("[1,\n2,\t3\r\n]", 3, "1|2|3");
	check_elements("{\"a\": [7, 8, 9], \"b\": 0}", 3, "7|8|9");
	check_elements("{\"a\": [12345678, 123456789, 1234567, 12345678901234567], \"b\": 0}", 4,
		       "12345678|123456789|1234567|12345678901234567");
	refuses(S("[1,01]"), NULL, "invalid number '01'");
	refuses(S("[1,2x]"), NULL, "invalid number '2x'");
	refuses(S("[1,123456789x,3]"), NULL, "invalid number '123456789x'");
	refuses(S("[1,2,]"), NULL, "expected a value");
	refuses(S("[1,2"), NULL, "expected ',' or ']'");
	refuses(S("[1,2 3]"), NULL, "expected ',' or ']'");
	refuses(S("[1,2}"), NULL, "expected ',' or ']'");
	refuses(S("[1,2,"), NULL, "expected a value");
	refuses(S("[1,\x00]"), NULL, "NUL");
}

/* The number text is read as: integer and i, or a double d. */
static void check_num(const char *text, bool integer, long long i, double d)
{
	struct cm_json j = {0};
	char err[160] = "", *copy;
	struct cm_json_num n = {0};
	bool ok = parse_copy(&j, text, strlen(text), &go, &copy, err, sizeof err) == 0 &&
		  cm_json_number(&j, 0, &n);
	CHECK_MSG(ok && n.integer == integer && (!integer || n.i == i) &&
			  (n.d == d || (isnan(d) && isnan(n.d))) && (!n.integer || n.d == (double)n.i),
		  "%s: %s integer %d i %lld d %.17g", text, err, n.integer, n.i, n.d);
	free(copy);
	cm_json_free(&j);
}

static void test_numbers(void)
{
	check_num("0", true, 0, 0);
	check_num("-0", true, 0, 0);
	check_num("42", true, 42, 42);
	check_num("9223372036854775807", true, LLONG_MAX, 9223372036854775807.0);
	check_num("-9223372036854775808", true, LLONG_MIN, -9223372036854775808.0);
	check_num("9223372036854775808", false, 0, 9223372036854775808.0);
	check_num("-9223372036854775809", false, 0, -9223372036854775809.0);
	check_num("18446744073709551615", false, 0, 18446744073709551615.0);
	check_num("100000000000000000000000000000000000000000", false, 0, 1e41);
	check_num("1.5", false, 0, 1.5);
	check_num("-2.5e-3", false, 0, -2.5e-3);
	check_num("1E2", false, 0, 100);
	check_num("3.0", false, 0, 3); /* written as a double: stays one */
	check_num("1e400", false, 0, INFINITY);
	check_num("-1e400", false, 0, -INFINITY);
	check_num("NaN", false, 0, NAN);
	check_num("+Inf", false, 0, INFINITY);
	check_num("Infinity", false, 0, INFINITY);
	check_num("-Infinity", false, 0, -INFINITY);
	/* longer than the stack copy: read the same */
	char big[400];
	memset(big, '0', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "0.5", 3);
	check_num(big, false, 0, 0.5);
	big[0] = '1';
	big[1] = '0';
	big[300] = '\0';
	big[2] = '0'; /* "1" and 299 zeros */
	check_num(big, false, 0, 1e299);
	/* the locale's decimal point does not change what "1.5" is */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		check_num("1.5", false, 0, 1.5);
		check_num("-2.5e-3", false, 0, -2.5e-3);
		setlocale(LC_NUMERIC, "C");
	}
}

static void check_str(const char *text, const char *want, size_t wlen)
{
	struct cm_json j = {0};
	char err[160] = "", *copy, buf[64];
	if (parse_copy(&j, text, strlen(text), NULL, &copy, err, sizeof err)) {
		CHECK_MSG(0, "%s: %s", text, err);
		free(copy);
		return;
	}
	size_t n = cm_json_string(&j, 0, buf, sizeof buf);
	CHECK_MSG(n == wlen && !memcmp(buf, want, wlen), "%s: %zu bytes", text, n);
	CHECK_MSG(cm_json_string_is(&j, 0, want, wlen), "%s: string_is", text);
	CHECK_MSG(!cm_json_string_is(&j, 0, want, wlen ? wlen - 1 : 1), "%s: prefix", text);
	/* cut: the length is the whole string's, the bytes its start */
	char small[3] = {'#', '#', '#'};
	CHECK(cm_json_string(&j, 0, small, 2) == wlen && small[2] == '#' &&
	      !memcmp(small, want, wlen < 2 ? wlen : 2));
	free(copy);
	cm_json_free(&j);
}

static void test_strings(void)
{
	check_str("\"plain\"", "plain", 5);
	check_str("\"\"", "", 0);
	check_str("\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d", 7);
	check_str("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5);
	check_str("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6);
	check_str("\"\\uD83D\\uDE00!\"", "\xf0\x9f\x98\x80!", 5); /* a surrogate pair */
	check_str("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4);   /* U+10FFFF */
	check_str("\"a\\u0000b\"", "a\0b", 3);
	check_str("\"\xc3\xa9t\xc3\xa9\"", "\xc3\xa9t\xc3\xa9", 5);
	/* keys are compared unescaped */
	struct cm_json j = {0};
	char err[160], *copy;
	if (parse_copy(&j, S("{\"a\\u002eb\": 1, \"c\": 2, \"a.b\": 3, \"\\u0000\": 4}"), NULL, &copy,
		       err, sizeof err) == 0) {
		struct cm_json_num n;
		CHECK(cm_json_number(&j, cm_json_get(&j, 0, "a.b", 3), &n) && n.i == 3);
		CHECK(cm_json_number(&j, cm_json_get(&j, 0, "\0", 1), &n) && n.i == 4);
		CHECK(cm_json_get(&j, 0, "a", 1) == CM_JSON_NONE);
		size_t rn;
		const char *raw = cm_json_raw(&j, 1, &rn);
		CHECK(rn == 8 && !memcmp(raw, "a\\u002eb", 8));
	} else {
		CHECK_MSG(0, "%s", err);
	}
	free(copy);
	cm_json_free(&j);
}

/* A string is scanned eight bytes a step: a quote, a backslash, a
 * control byte or UTF-8 at each offset of the first steps, and the end of
 * the text at each, is found where it is. */
static void test_string_offsets(void)
{
	static const struct {
		const char *at; /* put at the offset */
		size_t n;
		const char *want; /* NULL: accepted, else the refusal */
	} cases[] = {
		{"\\n", 2, NULL},
		{"\xc3\xa9", 2, NULL},
		{"\x01", 1, "control character 0x01 in a string"},
		{"\x1f", 1, "control character 0x1f in a string"},
		{"\xff", 1, "invalid UTF-8 (byte 0xff) in a string"},
		{"\\x", 2, "invalid escape"},
	};
	char text[64], err[160], *copy;
	for (size_t k = 0; k < 20; k++) {
		for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
			size_t len = 0;
			text[len++] = '"';
			memset(text + len, 'a', k);
			len += k;
			memcpy(text + len, cases[c].at, cases[c].n);
			len += cases[c].n;
			memcpy(text + len, "bcdefghij\"", 10);
			len += 10;
			struct cm_json j = {0};
			int rc = parse_copy(&j, text, len, NULL, &copy, err, sizeof err);
			if (cases[c].want) {
				CHECK_MSG(rc == -1, "case %zu at %zu: parsed", c, k);
				if (rc == -1)
					CHECK_ERR(err, cases[c].want, "offset");
				char where[32];
				snprintf(where, sizeof where, "column %zu:", k + 2);
				if (rc == -1)
					CHECK_ERR(err, where, "offset");
			} else {
				CHECK_MSG(rc == 0 && cm_json_type(&j, 0) == CM_JSON_STRING, "case %zu at %zu: %s", c,
					  k, err);
			}
			free(copy);
			/* the text ends at the offset: unterminated */
			text[0] = '"';
			memset(text + 1, 'a', k);
			CHECK(parse_copy(&j, text, k + 1, NULL, &copy, err, sizeof err) == -1);
			CHECK_ERR(err, "unterminated string", "offset");
			free(copy);
			/* a quote at the offset ends it there */
			text[k + 1] = '"';
			CHECK(parse_copy(&j, text, k + 2, NULL, &copy, err, sizeof err) == 0 &&
			      cm_json_string(&j, 0, NULL, 0) == k);
			free(copy);
			cm_json_free(&j);
		}
	}
}

/* Writes what the tape holds at v, compactly, into b. */
static void tape_text(const struct cm_json *j, size_t v, char *b, size_t cap, size_t *w)
{
	enum cm_json_type t = cm_json_type(j, v);
	size_t n;
	const char *raw = cm_json_raw(j, v, &n);
	if (t == CM_JSON_STRING) {
		*w += (size_t)snprintf(b + *w, cap - *w, "\"%.*s\"", (int)n, raw);
	} else if (raw) {
		*w += (size_t)snprintf(b + *w, cap - *w, "%.*s", (int)n, raw);
	} else {
		bool obj = t == CM_JSON_OBJECT;
		*w += (size_t)snprintf(b + *w, cap - *w, obj ? "{" : "[");
		size_t e = cm_json_first(j, v);
		for (size_t i = 0; i < cm_json_count(j, v); i++) {
			if (i)
				*w += (size_t)snprintf(b + *w, cap - *w, ",");
			if (obj) {
				tape_text(j, e, b, cap, w);
				*w += (size_t)snprintf(b + *w, cap - *w, ":");
				e++;
			}
			tape_text(j, e, b, cap, w);
			e = cm_json_next(j, e);
		}
		*w += (size_t)snprintf(b + *w, cap - *w, obj ? "}" : "]");
	}
}

/* Members a keep tree does not name leave the tape, checked all the same. */
static void test_keep(void)
{
	static const struct cm_json_keep ms[] = {{"Alloc", 5, NULL, 0}, {"NumGC", 5, NULL, 0}};
	static const struct cm_json_keep top[] = {
		{"memstats", 8, ms, 2}, {"cmdline", 7, NULL, 0}, {"a.b", 3, NULL, 0}};
	static const struct cm_json_keep root = {NULL, 0, top, 3};
	struct cm_json_opts o = go;
	o.keep = &root;
	static const struct {
		const char *in, *want;
	} kept[] = {
		{"{\"memstats\": {\"Alloc\": 1, \"BySize\": [{\"Size\": 0, \"Mallocs\": 1}],"
		 " \"NumGC\": 2, \"F\": 0.5, \"E\": true}, \"x\": \"y\", \"cmdline\": [\"a\"]}",
		 "{\"memstats\":{\"Alloc\":1,\"NumGC\":2},\"cmdline\":[\"a\"]}"},
		/* names compared unescaped; a kept name's value whole, of any kind */
		{"{\"a\\u002eb\": {\"c\": [1, {\"d\": NaN}]}, \"memstats\": 3}",
		 "{\"a\\u002eb\":{\"c\":[1,{\"d\":NaN}]},\"memstats\":3}"},
		/* repeated names are all kept: the last one wins for readers */
		{"{\"cmdline\": 1, \"z\": {}, \"cmdline\": 2}", "{\"cmdline\":1,\"cmdline\":2}"},
		{"{}", "{}"},
		{"[{\"x\": 1}]", "[{\"x\":1}]"}, /* only objects are filtered */
		{"{\"x\": [[[[1, -2, \"\\u00e9\\n\", 1e5, null, {\"k\\\"\": false}]]]]}", "{}"},
	};
	char err[160], *copy, out[512];
	for (size_t c = 0; c < sizeof kept / sizeof kept[0]; c++) {
		struct cm_json j = {0};
		if (parse_copy(&j, kept[c].in, strlen(kept[c].in), &o, &copy, err, sizeof err) == 0) {
			size_t w = 0;
			tape_text(&j, 0, out, sizeof out, &w);
			CHECK_MSG(!strcmp(out, kept[c].want), "%s: %s", kept[c].in, out);
		} else {
			CHECK_MSG(0, "%s: %s", kept[c].in, err);
		}
		free(copy);
		cm_json_free(&j);
	}
	/* a skipped value is refused as it would be kept, at the same place */
	static const struct {
		const char *in, *want;
	} bad[] = {
		{"{\"x\": [1, 2,]}", "line 1, column 13: expected a value, found ']'"},
		{"{\"x\": {\"a\" 1}}", "column 12: expected ':', found '1'"},
		{"{\"x\": {1: 2}}", "column 8: expected a string key, found '1'"},
		{"{\"x\": 01}", "invalid number '01'"},
		{"{\"x\": 1.}", "invalid number '1.'"},
		{"{\"x\": [1 2]}", "expected ',' or ']', found '2'"},
		{"{\"x\": {\"a\": 1]}", "expected ',' or '}', found ']'"},
		{"{\"x\": \"a\\q\"}", "invalid escape"},
		{"{\"x\": \"\x01\"}", "control character 0x01"},
		{"{\"x\": tru}", "expected a value, found 'tru'"},
		{"{\"x\": [", "expected a value, found the end of the input"},
		{"{\"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		 "nested deeper than 64 at line 1, column 70"},
		{"{\"memstats\": {\"x\": [}}", "column 21: expected a value, found '}'"},
	};
	for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
		refuses(bad[c].in, strlen(bad[c].in), &o, bad[c].want);
		refuses(bad[c].in, strlen(bad[c].in), &go, bad[c].want);
	}
}

/* n arrays inside each other around a 1. */
static char *nested(size_t n, size_t *len)
{
	char *b = malloc(2 * n + 1);
	if (!b)
		return NULL;
	memset(b, '[', n);
	b[n] = '1';
	memset(b + n + 1, ']', n);
	*len = 2 * n + 1;
	return b;
}

static void test_depth(void)
{
	struct cm_json_opts o = {.max_depth = 3};
	accepts(S("[[[1]]]"), &o);
	accepts(S("{\"a\":[{}]}"), &o);
	refuses(S("[[[[1]]]]"), &o, "nested deeper than 3 at line 1, column 4");
	refuses(S("{\"a\":[{\"b\":[]}]}"), &o, "nested deeper than 3");
	/* no bound: the parser does not recurse, so depth costs no stack */
	size_t len;
	char *b = nested(1000000, &len);
	if (!b)
		return;
	struct cm_json j = {0};
	char err[160] = "";
	CHECK_MSG(cm_json_parse(&j, b, len, NULL, err, sizeof err) == 0, "%s", err);
	CHECK(j.n == 1000001 && cm_json_count(&j, 0) == 1 && cm_json_next(&j, 0) == CM_JSON_NONE);
	CHECK(cm_json_type(&j, 1000000) == CM_JSON_NUMBER);
	b[len - 1] = ' '; /* one closer short */
	CHECK(cm_json_parse(&j, b, len, NULL, err, sizeof err) == -1);
	CHECK_ERR(err, "expected ',' or ']', found the end of the input", "unclosed");
	cm_json_free(&j);
	free(b);
}

/* The tape is kept between texts, grows once, shrinks after a big one. */
static void test_reuse(void)
{
	struct cm_json j = {0};
	char err[160] = "", text[64];
	snprintf(text, sizeof text, "{\"a\": [1, 2, 3], \"b\": \"x\"}");
	CHECK(cm_json_parse(&j, text, strlen(text), NULL, err, sizeof err) == 0);
	const void *tape = j.tok;
	size_t cap = j.cap;
	for (int i = 0; i < 10; i++)
		CHECK(cm_json_parse(&j, text, strlen(text), NULL, err, sizeof err) == 0);
	CHECK(j.tok == tape && j.cap == cap);
	/* a failure leaves nothing to read, and the next text parses */
	CHECK(cm_json_parse(&j, text, 5, NULL, err, sizeof err) == -1 && j.n == 0);
	CHECK(cm_json_parse(&j, text, strlen(text), NULL, err, sizeof err) == 0 && j.n == 8);

	size_t n = 1 << 20, len;
	char *big = malloc(2 * n + 2);
	if (!big) {
		cm_json_free(&j);
		return;
	}
	big[0] = '[';
	for (size_t i = 0; i < n; i++)
		memcpy(big + 1 + 2 * i, i + 1 < n ? "0," : "0]", 2);
	len = 2 * n + 1;
	CHECK(cm_json_parse(&j, big, len, NULL, err, sizeof err) == 0 && j.n == n + 1);
	CHECK(cm_json_count(&j, 0) == n && j.cap >= n + 1);
	CHECK(cm_json_parse(&j, text, strlen(text), NULL, err, sizeof err) == 0);
	CHECK_MSG(j.cap < 1000, "a small text keeps %zu entries", j.cap);
	free(big);
	cm_json_free(&j);
	CHECK(j.tok == NULL && j.cap == 0 && j.n == 0);
}

/* A text with more values than CM_JSON_MAX_VALUES is refused whole. */
static void test_value_cap(void)
{
	size_t n = CM_JSON_MAX_VALUES, len = 2 * n + 1;
	char *b = malloc(len);
	if (!b)
		return;
	b[0] = '[';
	for (size_t i = 0; i < n; i++)
		memcpy(b + 1 + 2 * i, i + 1 < n ? "0," : "0]", 2);
	struct cm_json j = {0};
	char err[160] = "";
	CHECK(cm_json_parse(&j, b, len, NULL, err, sizeof err) == -1);
	CHECK_ERR(err, "more than 4194304 values", "value cap");
	CHECK(j.cap <= CM_JSON_MAX_VALUES);
	/* one value fewer fits */
	memcpy(b + 1 + 2 * (n - 2), "0]", 2);
	CHECK_MSG(cm_json_parse(&j, b, len - 2, NULL, err, sizeof err) == 0, "%s", err);
	cm_json_free(&j);
	free(b);
}

int main(void)
{
	test_number_runs();
	test_grammar();
	test_shape();
	test_numbers();
	test_strings();
	test_string_offsets();
	test_keep();
	test_depth();
	test_reuse();
	test_value_cap();
	return check_status("json");
}
