/* goregex: Go regular expressions (RE2 syntax) run by POSIX regcomp.
 *
 * pprof compiles its regexes with Go's regexp (RE2 syntax); we use POSIX
 * extended expressions, and only ever ask whether a name matches. So the Go
 * pattern is rewritten into an equivalent POSIX one: Perl classes (\d \s \w
 * and negations), escapes (\t, \x{..}, \Q..\E, escaped punctuation),
 * non-capturing and named groups, flag groups ((?i) makes the whole match
 * case-insensitive), lazy quantifiers (which match the same strings), and
 * bracket expressions with escapes. Checked on the way as Go checks them:
 * repeat counts over 1000 (also when nested repeats multiply past it: glibc
 * would build the whole automaton), backreferences (RE2 has none; glibc's
 * can take exponential time), unterminated brackets and groups. Non-ASCII
 * runes inside brackets are approximated by "any non-ASCII byte". */

#include "cmon/base/goregex.h"
#include "cmon/base/strbuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rx {
	struct cm_strbuf out; /* the POSIX pattern */
	bool icase;
	const char *pattern;
	char *err;
	size_t errlen;
};

static void rx_put(struct rx *o, const char *s, size_t n)
{
	cm_strbuf_add(&o->out, s, n);
}

static void rx_putc(struct rx *o, char c)
{
	rx_put(o, &c, 1);
}

static int rx_fail(struct rx *o, const char *what, const char *at, size_t n)
{
	snprintf(o->err, o->errlen, "error parsing regexp: %s: `%.*s`", what, (int)n, at);
	return -1;
}

/* A byte outside brackets, escaped when POSIX gives it a meaning. */
static void rx_literal(struct rx *o, unsigned char c)
{
	if (c && strchr(".[]()*+?{}|^$\\", c))
		rx_putc(o, '\\');
	rx_putc(o, (char)c);
}

static void rx_rune_literal(struct rx *o, uint32_t r)
{
	unsigned char b[4];
	size_t n;
	if (r < 0x80) {
		rx_literal(o, (unsigned char)r);
		return;
	} else if (r < 0x800) {
		b[0] = (unsigned char)(0xc0 | r >> 6);
		n = 1;
	} else if (r < 0x10000) {
		b[0] = (unsigned char)(0xe0 | r >> 12);
		b[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		n = 2;
	} else {
		b[0] = (unsigned char)(0xf0 | r >> 18);
		b[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		n = 3;
	}
	b[n++] = (unsigned char)(0x80 | (r & 0x3f));
	rx_put(o, (const char *)b, n);
}

typedef bool byteset[256];

static void set_range(bool *set, uint32_t lo, uint32_t hi)
{
	for (uint32_t c = lo; c <= hi && c < 0x80; c++)
		set[c] = true;
	if (hi >= 0x80)
		for (int c = 0x80; c < 256; c++)
			set[c] = true;
}

/* \d \s \w and the POSIX names, over ASCII. */
static bool set_named(bool *set, const char *name, size_t n, bool negate)
{
	static const struct {
		const char *name;
		const char *ranges; /* pairs */
	} classes[] = {
		{"alnum", "09AZaz"}, {"alpha", "AZaz"}, {"ascii", "\x01\x7f"}, {"blank", "\t\t  "},
		{"cntrl", "\x01\x1f\x7f\x7f"}, {"digit", "09"}, {"graph", "!~"}, {"lower", "az"},
		{"print", " ~"}, {"punct", "!/:@[`{~"}, {"space", "\t\r  "}, {"upper", "AZ"},
		{"word", "09AZaz__"}, {"xdigit", "09AFaf"},
		{"d", "09"}, {"s", "\t\n\f\r  "}, {"w", "09AZaz__"},
	};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strlen(classes[i].name) != n || strncmp(classes[i].name, name, n))
			continue;
		byteset m = {false};
		for (const char *r = classes[i].ranges; *r; r += 2)
			set_range(m, (unsigned char)r[0], (unsigned char)r[1]);
		for (int c = 1; c < 256; c++)
			if (negate ? !m[c] : m[c])
				set[c] = true;
		return true;
	}
	return false;
}

enum esc { ESC_RUNE, ESC_CLASS, ESC_OTHER };

/* The escape at s (s[0] == '\\'): a rune, a Perl class (added to set), or
 * something else left to the caller (anchors, \Q). Returns its length, or
 * -1 with the error set. */
static int rx_escape(struct rx *o, const char *s, enum esc *kind, uint32_t *rune, bool *set)
{
	char c = s[1];
	*kind = ESC_RUNE;
	if (!c)
		return rx_fail(o, "trailing backslash at end of expression", "", 0);
	if (c >= '1' && c <= '7' && !(s[2] >= '0' && s[2] <= '7'))
		return rx_fail(o, "invalid escape sequence", s, 2);
	if (c >= '0' && c <= '7') {
		uint32_t v = 0;
		int n = 1;
		while (n < 4 && s[n] >= '0' && s[n] <= '7')
			v = v * 8 + (uint32_t)(s[n++] - '0');
		*rune = v;
		return n;
	}
	if (c == 'x') {
		if (s[2] == '{') {
			uint32_t v = 0;
			int n = 3, digits = 0;
			for (; cm_hex_value(s[n]) >= 0; n++, digits++) {
				v = v * 16 + (uint32_t)cm_hex_value(s[n]);
				if (v > 0x10ffff)
					return rx_fail(o, "invalid escape sequence", s, (size_t)n + 1);
			}
			if (s[n] != '}' || digits == 0)
				return rx_fail(o, "invalid escape sequence", s, (size_t)n + (s[n] == '}'));
			*rune = v;
			return n + 1;
		}
		if (cm_hex_value(s[2]) < 0 || cm_hex_value(s[3]) < 0)
			return rx_fail(o, "invalid escape sequence", s, s[2] ? (s[3] ? 4 : 3) : 2);
		*rune = (uint32_t)(cm_hex_value(s[2]) * 16 + cm_hex_value(s[3]));
		return 4;
	}
	const char *ctl = strchr("a\af\ft\tn\nr\rv\v", c);
	if (ctl && ((ctl - "a\af\ft\tn\nr\rv\v") % 2) == 0) {
		*rune = (unsigned char)ctl[1];
		return 2;
	}
	if (c == 'd' || c == 's' || c == 'w' || c == 'D' || c == 'S' || c == 'W') {
		char lower = (char)(c | 0x20);
		set_named(set, &lower, 1, c != lower);
		*kind = ESC_CLASS;
		return 2;
	}
	if ((unsigned char)c < 0x80 && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
	    !(c >= 'A' && c <= 'Z')) {
		*rune = (unsigned char)c;
		return 2;
	}
	if (c == 'A' || c == 'z' || c == 'b' || c == 'B' || c == 'Q') {
		*kind = ESC_OTHER;
		return 2;
	}
	if (c == 'p' || c == 'P') {
		/* \pN, \p{Name}: approximated over ASCII, any non-ASCII rune in */
		const char *name = s + 2;
		size_t len = 1, n = 3;
		if (*name == '{') {
			const char *e = strchr(name, '}');
			if (!e)
				return rx_fail(o, "invalid character class range", s, strlen(s));
			name++;
			len = (size_t)(e - name);
			n = (size_t)(e - s) + 1;
		} else if (!*name) {
			return rx_fail(o, "invalid character class range", s, 2);
		}
		bool negate = c == 'P';
		if (len > 0 && *name == '^') {
			negate = !negate;
			name++;
			len--;
		}
		static const struct {
			const char *name, *ranges;
		} cats[] = {
			{"L", "AZaz"}, {"Lu", "AZ"}, {"Ll", "az"}, {"N", "09"}, {"Nd", "09"},
			{"P", "!#%*,/:;?@[]__{{}}"}, {"S", "$$++<>^^``||~~"}, {"Z", "  "}, {"Zs", "  "},
			{"Latin", "AZaz"}, {"Any", "\x01\x7f"},
		};
		byteset m = {false};
		for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
			if (strlen(cats[i].name) == len && !strncmp(cats[i].name, name, len))
				for (const char *r = cats[i].ranges; *r; r += 2)
					set_range(m, (unsigned char)r[0], (unsigned char)r[1]);
		for (int b = 1; b < 256; b++)
			if (b >= 0x80 || (negate ? !m[b] : m[b]))
				set[b] = true;
		*kind = ESC_CLASS;
		return (int)n;
	}
	return rx_fail(o, "invalid escape sequence", s, 2);
}

/* One rune of a bracket expression (escaped or UTF-8). */
static int rx_class_rune(struct rx *o, const char *s, enum esc *kind, uint32_t *rune, bool *set)
{
	if (*s == '\\') {
		int n = rx_escape(o, s, kind, rune, set);
		if (n > 0 && *kind == ESC_OTHER)
			return rx_fail(o, "invalid escape sequence", s, 2);
		return n;
	}
	*kind = ESC_RUNE;
	unsigned char c = (unsigned char)*s;
	int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	for (int k = 1; k < n; k++)
		if (((unsigned char)s[k] & 0xc0) != 0x80)
			n = 1;
	*rune = n == 1 ? c : 0x80; /* any non-ASCII rune: see set_range */
	return n;
}

/* Emits a byte set as a POSIX bracket expression. */
static void rx_emit_set(struct rx *o, const bool *set)
{
	int members = 0;
	for (int c = 1; c < 256; c++)
		members += set[c];
	if (members == 0) {
		rx_put(o, "[^\x01-\xff]", 6); /* matches nothing a name can hold */
		return;
	}
	if (members == 1 && set['^']) {
		rx_put(o, "\\^", 2);
		return;
	}
	rx_putc(o, '[');
	bool any = false;
	if (set[']']) {
		rx_putc(o, ']');
		any = true;
	}
	for (int c = 1; c < 256; c++) {
		if (!set[c] || c == ']' || c == '^' || c == '-' || c == '[')
			continue;
		int e = c;
		while (e + 1 < 256 && set[e + 1] && e + 1 != ']' && e + 1 != '^' && e + 1 != '-' &&
		       e + 1 != '[')
			e++;
		rx_putc(o, (char)c);
		if (e - c >= 2) {
			rx_putc(o, '-');
			rx_putc(o, (char)e);
		} else if (e > c) {
			rx_putc(o, (char)e);
		}
		c = e;
		any = true;
	}
	if (set['[']) {
		rx_putc(o, '[');
		any = true;
	}
	if (set['^'] && !any) {
		rx_put(o, "-^]", 3); /* {'^', '-'}: '-' first */
		return;
	}
	if (set['^'])
		rx_putc(o, '^');
	if (set['-'])
		rx_putc(o, '-');
	rx_putc(o, ']');
}

/* A Go bracket expression at *ps; advances past it. */
static int rx_class(struct rx *o, const char **ps)
{
	const char *start = *ps, *s = start + 1;
	byteset set = {false};
	bool negate = false;
	if (*s == '^') {
		negate = true;
		s++;
	}
	for (bool first = true; *s && (*s != ']' || first); first = false) {
		if (s[0] == '[' && s[1] == ':') {
			const char *end = strstr(s + 2, ":]");
			if (end) {
				const char *name = s + 2;
				bool neg = *name == '^';
				if (neg)
					name++;
				if (!set_named(set, name, (size_t)(end - name), neg) ||
				    (size_t)(end - name) <= 1)
					return rx_fail(o, "invalid character class range", s,
						       (size_t)(end + 2 - s));
				s = end + 2;
				continue;
			}
		}
		enum esc kind;
		uint32_t lo, hi;
		int n = rx_class_rune(o, s, &kind, &lo, set);
		if (n < 0)
			return -1;
		const char *at = s;
		s += n;
		if (kind == ESC_CLASS)
			continue;
		hi = lo;
		if (s[0] == '-' && s[1] && s[1] != ']') {
			n = rx_class_rune(o, s + 1, &kind, &hi, set);
			if (n < 0)
				return -1;
			if (kind == ESC_CLASS) /* \d cannot end a range */
				return rx_fail(o, "invalid escape sequence", s + 1, (size_t)n);
			s += 1 + n;
			if (hi < lo)
				return rx_fail(o, "invalid character class range", at, (size_t)(s - at));
		}
		set_range(set, lo, hi);
	}
	if (*s != ']')
		return rx_fail(o, "missing closing ]", start, strlen(start));
	if (negate)
		for (int c = 1; c < 256; c++)
			set[c] = !set[c];
	rx_emit_set(o, set);
	*ps = s + 1;
	return 0;
}

/* A counted repetition at s, if it is one: {n}, {n,} or {n,m}. */
static int rx_repeat(const char *s, long *lo, long *hi)
{
	const char *t = s + 1;
	long a = 0, b = -1;
	if (!(*t >= '0' && *t <= '9'))
		return 0;
	for (; *t >= '0' && *t <= '9'; t++)
		a = a > 100000 ? a : a * 10 + (*t - '0');
	if (*t == ',') {
		t++;
		if (*t >= '0' && *t <= '9') {
			b = 0;
			for (; *t >= '0' && *t <= '9'; t++)
				b = b > 100000 ? b : b * 10 + (*t - '0');
		} else {
			b = -2; /* unbounded */
		}
	} else {
		b = a;
	}
	if (*t != '}')
		return 0;
	*lo = a;
	*hi = b;
	return (int)(t - s + 1);
}

/* Group flags (?flags) or (?flags:, after "(?". Returns the length of the
 * flags and terminator, 0 when not a flag group. */
static size_t rx_flags(struct rx *o, const char *s, bool *is_group)
{
	size_t n = 0;
	bool neg = false, icase = false;
	for (; s[n] && strchr("imsU-", s[n]); n++) {
		if (s[n] == '-')
			neg = true;
		else if (s[n] == 'i' && !neg)
			icase = true;
	}
	if ((n == 0 && s[0] != ':') || (s[n] != ')' && s[n] != ':'))
		return 0;
	*is_group = s[n] == ':';
	if (icase)
		o->icase = true;
	return n + 1;
}

static int rx_translate(struct rx *o)
{
	enum { MAXDEPTH = 1000 };
	unsigned long inner[MAXDEPTH + 1]; /* largest repeat product in each open group */
	size_t depth = 0;
	unsigned long last = 1; /* repeat product inside the last atom */
	inner[0] = 1;
	/* What came last: Go refuses a repetition of nothing or of a repetition. */
	enum { P_NONE, P_ATOM, P_REPEAT } prev = P_NONE;
	const char *last_repeat = NULL;
	const char *s = o->pattern;
	while (*s) {
		char c = *s;
		if (c != '*' && c != '+' && c != '?' && c != '{')
			prev = c == '(' || c == '|' ? P_NONE : P_ATOM;
		if (c == '\\') {
			enum esc kind;
			uint32_t rune = 0;
			byteset set = {false};
			int n = rx_escape(o, s, &kind, &rune, set);
			if (n < 0)
				return -1;
			if (kind == ESC_RUNE) {
				rx_rune_literal(o, rune);
			} else if (kind == ESC_CLASS) {
				rx_emit_set(o, set);
			} else if (s[1] == 'A') {
				rx_putc(o, '^');
			} else if (s[1] == 'z') {
				rx_putc(o, '$');
			} else if (s[1] == 'b' || s[1] == 'B') {
				rx_put(o, s, 2);
			} else { /* \Q...\E */
				const char *e = strstr(s + 2, "\\E");
				const char *stop = e ? e : s + strlen(s);
				for (const char *q = s + 2; q < stop; q++)
					rx_literal(o, (unsigned char)*q);
				n = (int)(stop - s) + (e ? 2 : 0);
			}
			s += n;
			last = 1;
		} else if (c == '[') {
			if (rx_class(o, &s) < 0)
				return -1;
			last = 1;
		} else if (c == '(') {
			if (depth == MAXDEPTH)
				return rx_fail(o, "expression nests too deeply", o->pattern,
					       strlen(o->pattern));
			inner[++depth] = 1;
			s++;
			if (*s == '?') {
				bool group = false;
				size_t n;
				if (s[1] == 'P' && s[2] == '<') {
					const char *e = strchr(s + 3, '>');
					if (!e)
						return rx_fail(o, "invalid or unsupported Perl syntax", s - 1, 3);
					if (e == s + 3)
						return rx_fail(o, "invalid named capture", s - 1, (size_t)(e - s + 2));
					s = e + 1;
					group = true;
				} else if ((n = rx_flags(o, s + 1, &group))) {
					s += 1 + n;
				} else {
					return rx_fail(o, "invalid or unsupported Perl syntax", s - 1,
						       s[1] ? 3 : 2);
				}
				if (!group) { /* (?flags): no group after all */
					depth--;
					continue;
				}
			}
			rx_putc(o, '(');
		} else if (c == ')') {
			if (depth == 0)
				return rx_fail(o, "unexpected )", o->pattern, strlen(o->pattern));
			last = inner[depth--];
			if (last > inner[depth])
				inner[depth] = last;
			rx_putc(o, ')');
			s++;
		} else if (c == '*' || c == '+' || c == '?' || c == '{') {
			long lo = 0, hi = 0;
			int n = c == '{' ? rx_repeat(s, &lo, &hi) : 1;
			if (n == 0) { /* not a repetition: a literal brace */
				prev = P_ATOM;
				rx_literal(o, '{');
				s++;
				last = 1;
				continue;
			}
			size_t lazy = s[n] == '?';
			if (prev == P_NONE)
				return rx_fail(o, "missing argument to repetition operator", s, (size_t)n + lazy);
			if (prev == P_REPEAT)
				return rx_fail(o, "invalid nested repetition operator", last_repeat,
					       (size_t)(s + n + lazy - last_repeat));
			prev = P_REPEAT;
			last_repeat = s;
			if (c == '{') {
				unsigned long top = hi == -2 ? (unsigned long)lo : (unsigned long)hi;
				if (lo > 1000 || hi > 1000 || (hi >= 0 && lo > hi) || top * last > 1000)
					return rx_fail(o, "invalid repeat count", s, (size_t)n);
				last = top ? top * last : 1;
				if (last > inner[depth])
					inner[depth] = last;
			}
			rx_put(o, s, (size_t)n);
			s += n;
			if (*s == '?') /* lazy: the same strings match */
				s++;
		} else {
			if (c == '}' || c == ']') {
				rx_literal(o, (unsigned char)c);
			} else if ((c == '^' || c == '$') && s[1] && strchr("*+?{", s[1])) {
				rx_putc(o, '('); /* Go repeats an anchor; POSIX wants a group */
				rx_putc(o, c);
				rx_putc(o, ')');
			} else {
				rx_putc(o, c);
			}
			s++;
			last = 1;
		}
	}
	if (depth > 0)
		return rx_fail(o, "missing closing )", o->pattern, strlen(o->pattern));
	return 0;
}

/* Go's utf8.ValidString. */
static bool utf8_valid(const char *str)
{
	for (const unsigned char *s = (const unsigned char *)str; *s;) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		int n = *s >= 0xc2 && *s <= 0xdf ? 2 : *s >= 0xe0 && *s <= 0xef ? 3
		      : *s >= 0xf0 && *s <= 0xf4 ? 4 : 0;
		if (!n)
			return false;
		unsigned char lo = 0x80, hi = 0xbf;
		if (*s == 0xe0)
			lo = 0xa0;
		else if (*s == 0xed)
			hi = 0x9f; /* no surrogates */
		else if (*s == 0xf0)
			lo = 0x90;
		else if (*s == 0xf4)
			hi = 0x8f;
		if (s[1] < lo || s[1] > hi)
			return false;
		for (int k = 2; k < n; k++)
			if ((s[k] & 0xc0) != 0x80)
				return false;
		s += n;
	}
	return true;
}

/* glibc's regcomp takes time quadratic in the pattern (seconds at 64 KiB of
 * alternatives); no one lists functions with a longer pattern than this. */
#define SYMBOL_MAX_LEN 32768

int cm_goregex_compile(regex_t *re, const char *pattern, char *err, size_t errlen)
{
	struct rx o = {.pattern = pattern, .err = err, .errlen = errlen};
	if (strlen(pattern) > SYMBOL_MAX_LEN) {
		snprintf(err, errlen, "error parsing regexp: %zu bytes is longer than cmon "
			 "accepts (%d)", strlen(pattern), SYMBOL_MAX_LEN);
		return -1;
	}
	if (!utf8_valid(pattern)) {
		snprintf(err, errlen, "error parsing regexp: invalid UTF-8");
		return -1;
	}
	rx_put(&o, "", 0);
	if (rx_translate(&o) < 0) {
		cm_strbuf_free(&o.out);
		return -1;
	}
	if (o.out.oom) {
		cm_strbuf_free(&o.out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = regcomp(re, o.out.s, REG_EXTENDED | REG_NOSUB | (o.icase ? REG_ICASE : 0));
	cm_strbuf_free(&o.out);
	if (rc) {
		char msg[128];
		regerror(rc, re, msg, sizeof(msg));
		snprintf(err, errlen, "error parsing regexp: %s", msg);
		return -1;
	}
	return 0;
}

