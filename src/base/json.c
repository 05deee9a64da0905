/* json: RFC 8259 checked in one pass into a flat tape (see json.h).
 *
 * The parser is a loop over a few states, not a recursion: nesting costs
 * no stack, so hostile depth is only a number to compare. While a
 * container is open its entry's `next` holds its parent's index (the tape
 * is the stack); closing it stores the real `next`. Checking is complete
 * during the pass (grammar, escapes, surrogate pairs, UTF-8), so readers
 * may decode without checking again. */
#include "cmon/base/json.h"

#include "cmon/base/numtext.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/strbuf.h"

struct cm_json_tok {
	uint32_t start; /* offset in the text: a string's first byte after the quote */
	uint32_t len;   /* scalars: bytes in the text; containers: children */
	uint32_t next;  /* the entry past this value's contents; while open, the parent */
	uint8_t type;   /* enum cm_json_type */
	uint8_t flags;  /* F_* */
};
_Static_assert(sizeof(struct cm_json_tok) == 16, "json.h promises 16 bytes an entry");

enum {
	F_ESCAPES = 1, /* string: has a backslash, so reads must decode */
	F_INTEGER = 2, /* number: no fraction, no exponent */
	F_NAN = 4,     /* number: one of Go's words */
	F_POS_INF = 8,
	F_NEG_INF = 16,
};

#define NO_PARENT UINT32_MAX

/* A tape this many entries long is given back when a text needs under a
 * quarter of it: one huge body does not pin its memory for good. */
#define SHRINK_ABOVE ((size_t)1 << 16)

/* ---- the parser ---- */

enum want {
	W_VALUE,
	W_FIRST_VALUE, /* just after '[': ']' may close it */
	W_KEY,
	W_FIRST_KEY,   /* just after '{': '}' may close it */
	W_COLON,
	W_AFTER,       /* after a value: ',', a closer, or the end */
	W_SKIP,        /* a member's value the keep tree leaves out */
	W_DONE,
	W_ERROR,
};

struct parser {
	struct cm_json *j;
	const char *s;
	size_t len, pos;
	uint32_t open;  /* the innermost open container, NO_PARENT at the root */
	unsigned depth;
	const struct cm_json_opts *o;
	char *err;
	size_t errlen;
	/* o->keep: the objects open that filter their members, outermost
	 * first (their nodes and tape indexes); the node of the value about
	 * to be read; whether the value after the next ':' is left out. */
	const struct cm_json_keep *fnode[CM_JSON_KEEP_DEPTH];
	uint32_t fat[CM_JSON_KEEP_DEPTH];
	unsigned nf;
	const struct cm_json_keep *pending;
	bool skip;
};

static const struct {
	const char *word;
	uint8_t type, flags;
	bool go; /* only with nonfinite_words */
} words[] = {
	{"true", CM_JSON_TRUE, 0, false},
	{"false", CM_JSON_FALSE, 0, false},
	{"null", CM_JSON_NULL, 0, false},
	{"NaN", CM_JSON_NUMBER, F_NAN, true},
	{"Inf", CM_JSON_NUMBER, F_POS_INF, true},
	{"+Inf", CM_JSON_NUMBER, F_POS_INF, true},
	{"-Inf", CM_JSON_NUMBER, F_NEG_INF, true},
	{"Infinity", CM_JSON_NUMBER, F_POS_INF, true},
	{"+Infinity", CM_JSON_NUMBER, F_POS_INF, true},
	{"-Infinity", CM_JSON_NUMBER, F_NEG_INF, true},
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* What ends a bare token (number or word): whitespace, punctuation, a
 * quote, NUL. A table: it is asked after every number. */
static const bool delim[256] = {
	[' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true, ['\0'] = true,
	['{'] = true, ['}'] = true,  ['['] = true,  [']'] = true,  [','] = true,
	[':'] = true, ['"'] = true,
};

static bool is_delim(char c)
{
	return delim[(unsigned char)c];
}

static bool at(const struct parser *p, char c)
{
	return p->pos < p->len && p->s[p->pos] == c;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && is_ws(p->s[p->pos]))
		p->pos++;
}

static size_t token_end(const struct parser *p, size_t i)
{
	while (i < p->len && !is_delim(p->s[i]))
		i++;
	return i;
}

/* Line and column (1-based, in bytes) of offset pos: counted only when
 * there is an error to place. */
static void locate(const char *s, size_t pos, size_t *line, size_t *col)
{
	size_t l = 1, bol = 0;
	for (size_t i = 0; i < pos; i++) {
		if (s[i] == '\n') {
			l++;
			bol = i + 1;
		}
	}
	*line = l;
	*col = pos - bol + 1;
}

/* "invalid JSON at line L, column C: " and the message; W_ERROR. */
__attribute__((format(printf, 3, 4))) static enum want fail(struct parser *p, size_t at,
							    const char *fmt, ...)
{
	char msg[128];
	size_t line, col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	locate(p->s, at, &line, &col);
	snprintf(p->err, p->errlen, "invalid JSON at line %zu, column %zu: %s", line, col, msg);
	return W_ERROR;
}

/* Up to 16 bytes of the text from at, quoted, as printable ASCII: the
 * text is anything a server sent, and the message goes to a terminal. */
static void quote_text(const struct parser *p, size_t at, size_t end, char *out, size_t cap)
{
	size_t n = end - at > 16 ? 16 : end - at;
	char t[20];
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p->s[at + i];
		t[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	t[n] = '\0';
	snprintf(out, cap, "'%s%s'", t, end - at > n ? "..." : "");
}

/* What stands at pos, for "found ...": a bare token whole, else one byte. */
static void describe_found(const struct parser *p, char *out, size_t cap)
{
	if (p->pos >= p->len) {
		snprintf(out, cap, "the end of the input");
		return;
	}
	unsigned char c = (unsigned char)p->s[p->pos];
	if (c < 0x20 || c >= 0x7f)
		snprintf(out, cap, "byte 0x%02x", c);
	else if (!is_delim((char)c))
		quote_text(p, p->pos, token_end(p, p->pos), out, cap);
	else
		quote_text(p, p->pos, p->pos + 1, out, cap);
}

/* Something other than wanted at pos. A NUL keeps the message it had
 * before this parser (a NUL is where C code would stop reading). */
static enum want unexpected(struct parser *p, const char *wanted)
{
	char found[32];
	if (p->pos < p->len && p->s[p->pos] == '\0') {
		snprintf(p->err, p->errlen, "invalid JSON: NUL byte at offset %zu", p->pos);
		return W_ERROR;
	}
	describe_found(p, found, sizeof found);
	return fail(p, p->pos, "expected %s, found %s", wanted, found);
}

/* Room for one more entry. The first size is a guess from the text's
 * length, then doubling; never past what the text can hold (a value takes
 * two bytes with its separator, so len / 2 + 1) or CM_JSON_MAX_VALUES. */
/* Out of line: inlined into push, it made every push save and restore six
 * registers for a branch taken a dozen times a text. */
__attribute__((noinline, cold)) static int grow(struct parser *p)
{
	struct cm_json *j = p->j;
	size_t most = p->len / 2 + 1;
	if (most > CM_JSON_MAX_VALUES)
		most = CM_JSON_MAX_VALUES;
	if (j->cap >= most) {
		snprintf(p->err, p->errlen, "more than %zu values", most);
		return -1;
	}
	size_t want = j->cap ? j->cap * 2 : p->len / 8 + 64;
	if (want > most)
		want = most;
	struct cm_json_tok *t = realloc(j->tok, want * sizeof *t);
	if (!t) {
		snprintf(p->err, p->errlen, "out of memory");
		return -1;
	}
	j->tok = t;
	j->cap = want;
	return 0;
}

/* Appends an entry for the value (or key) starting at start; counts it in
 * its container. NULL when the tape cannot grow. The pointer is good
 * until the next push. */
static struct cm_json_tok *push(struct parser *p, enum cm_json_type type, size_t start,
				bool key)
{
	struct cm_json *j = p->j;
	if (j->n == j->cap && grow(p))
		return NULL;
	if (p->open != NO_PARENT && (key || j->tok[p->open].type == CM_JSON_ARRAY))
		j->tok[p->open].len++;
	struct cm_json_tok *t = &j->tok[j->n++];
	*t = (struct cm_json_tok){.start = (uint32_t)start, .next = (uint32_t)j->n,
				  .type = (uint8_t)type};
	return t;
}

__attribute__((noinline, cold)) static enum want too_deep(struct parser *p)
{
	size_t line, col;
	locate(p->s, p->pos, &line, &col);
	snprintf(p->err, p->errlen, "nested deeper than %u at line %zu, column %zu",
		 p->o->max_depth, line, col);
	return W_ERROR;
}

/* keep, when not NULL, filters the members of an object opened here. */
static enum want open_container(struct parser *p, enum cm_json_type type,
				const struct cm_json_keep *keep)
{
	if (p->o->max_depth && ++p->depth > p->o->max_depth)
		return too_deep(p);
	struct cm_json_tok *t = push(p, type, p->pos, false);
	if (!t)
		return W_ERROR;
	t->next = p->open;
	p->open = (uint32_t)(p->j->n - 1);
	if (keep && type == CM_JSON_OBJECT && p->nf < CM_JSON_KEEP_DEPTH) {
		p->fnode[p->nf] = keep;
		p->fat[p->nf++] = p->open;
	}
	p->pos++;
	return type == CM_JSON_OBJECT ? W_FIRST_KEY : W_FIRST_VALUE;
}

static enum want close_container(struct parser *p)
{
	struct cm_json_tok *t = &p->j->tok[p->open];
	if (p->nf && p->fat[p->nf - 1] == p->open)
		p->nf--;
	p->open = t->next;
	t->next = (uint32_t)p->j->n;
	if (p->o->max_depth)
		p->depth--;
	p->pos++;
	return W_AFTER;
}

/* ---- strings ---- */

static int hex_digit(char c)
{
	if (is_digit(c))
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The four hex digits at s (already checked, or checked here: -1). */
static long hex4(const char *s)
{
	long u = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);
		if (d < 0)
			return -1;
		u = u << 4 | d;
	}
	return u;
}

/* The "\uXXXX" at i, and its low half when it is a high surrogate; the
 * offset past it, or 0 after a failure. */
static size_t check_unicode(struct parser *p, size_t i)
{
	long u = i + 6 <= p->len ? hex4(p->s + i + 2) : -1;
	const char *why = NULL;
	if (u < 0)
		why = "bad \\u escape, want four hex digits";
	else if (u >= 0xDC00 && u <= 0xDFFF)
		why = "lone low surrogate";
	else if (u < 0xD800 || u > 0xDBFF)
		return i + 6;
	long lo = !why && i + 12 <= p->len && p->s[i + 6] == '\\' && p->s[i + 7] == 'u'
			  ? hex4(p->s + i + 8)
			  : -1;
	if (!why && lo >= 0xDC00 && lo <= 0xDFFF)
		return i + 12;
	fail(p, i, "%s", why ? why : "high surrogate without its low half");
	return 0;
}

/* The escape at i (a backslash); the offset past it, or 0 after a
 * failure. */
static size_t check_escape(struct parser *p, size_t i)
{
	if (i + 1 >= p->len) {
		fail(p, p->len, "unterminated string");
		return 0;
	}
	char e = p->s[i + 1];
	if (e == 'u')
		return check_unicode(p, i);
	if (e && strchr("\"\\/bfnrt", e))
		return i + 2;
	char q[24];
	quote_text(p, i, i + 2, q, sizeof q);
	fail(p, i, "invalid escape %s", q);
	return 0;
}

/* Printable ASCII other than the quote and the backslash: the bytes a
 * string is mostly made of, passed over without further thought. */
static bool plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* The first offset from i on (len at most) whose byte is not plain: eight
 * bytes a step where the first byte in memory is the low one. Each test
 * below marks the lowest byte it matches exactly (a borrow can only mark
 * bytes above a match), so the lowest mark of all is the first byte that
 * is not plain. Keys and strings are most of a body's bytes. */
static size_t plain_end(const char *s, size_t i, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
		uint64_t marks = ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) | w;
		marks &= highs;
		if (marks)
			return i + (size_t)__builtin_ctzll(marks) / 8;
	}
#endif
	while (i < len && plain_byte((unsigned char)s[i]))
		i++;
	return i;
}

/* The byte at i inside a string that is not plain: an escape, UTF-8, or
 * an error. The offset past it, or 0 after a failure. */
static size_t string_special(struct parser *p, size_t i, uint8_t *flags)
{
	unsigned char c = (unsigned char)p->s[i];
	if (c == '\\') {
		*flags |= F_ESCAPES;
		return check_escape(p, i);
	}
	size_t n = c < 0x20 ? 0 : cm_utf8_seq((const unsigned char *)p->s + i, p->len - i);
	if (n)
		return i + n;
	if (c < 0x20)
		fail(p, i, "control character 0x%02x in a string", c);
	else
		fail(p, i, "invalid UTF-8 (byte 0x%02x) in a string", c);
	return 0;
}

/* The offset of the closing quote of the string whose opening quote is
 * at pos, or 0 after a failure; F_ESCAPES in *flags when it has one. */
static inline size_t string_end(struct parser *p, uint8_t *flags)
{
	size_t i = p->pos + 1;
	for (;;) {
		i = plain_end(p->s, i, p->len);
		if (i >= p->len) {
			fail(p, p->len, "unterminated string");
			return 0;
		}
		if (p->s[i] == '"')
			return i;
		if (!(i = string_special(p, i, flags)))
			return 0;
	}
}

/* The string whose opening quote is at pos. */
static enum want string_token(struct parser *p, bool key)
{
	uint8_t flags = 0;
	size_t i = string_end(p, &flags);
	if (!i)
		return W_ERROR;
	struct cm_json_tok *t = push(p, CM_JSON_STRING, p->pos + 1, key);
	if (!t)
		return W_ERROR;
	t->len = (uint32_t)(i - p->pos - 1);
	t->flags = flags;
	p->pos = i + 1;
	return key ? W_COLON : W_AFTER;
}

/* ---- numbers and words ---- */

/* True when all eight bytes of w are ASCII digits: each byte's high
 * nibble is 3, and adding 6 keeps it 3 (0x3A..0x3F overflow into 4). */
static bool eight_digits(uint64_t w)
{
	const uint64_t hi = 0xF0F0F0F0F0F0F0F0u, threes = 0x3030303030303030u;
	return (w & hi) == threes && ((w + 0x0606060606060606u) & hi) == threes;
}

/* Go's rings hold 19-digit nanosecond times: eight digits a step. */
static size_t skip_digits(const struct parser *p, size_t i)
{
	uint64_t w;
	while (i + 8 <= p->len && (memcpy(&w, p->s + i, 8), eight_digits(w)))
		i += 8;
	while (i < p->len && is_digit(p->s[i]))
		i++;
	return i;
}

/* The end of a number's fraction and exponent from i, or 0 when one is
 * started and not finished ("1.", "1e+"). Clears F_INTEGER when present. */
static size_t number_tail(const struct parser *p, size_t i, uint8_t *flags)
{
	if (i < p->len && p->s[i] == '.') {
		size_t d = skip_digits(p, i + 1);
		if (d == i + 1)
			return 0;
		i = d;
		*flags = 0;
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		i++;
		if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
			i++;
		size_t d = skip_digits(p, i);
		if (d == i)
			return 0;
		i = d;
		*flags = 0;
	}
	return i;
}

__attribute__((noinline, cold)) static enum want bad_number(struct parser *p)
{
	char q[24];
	quote_text(p, p->pos, token_end(p, p->pos), q, sizeof q);
	return fail(p, p->pos, "invalid number %s", q);
}

/* The end of -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at pos, which
 * must end at a delimiter ("01" and "1x" are refused whole), or 0 when
 * there is none; *flags F_INTEGER when it is one. */
static inline size_t number_end(const struct parser *p, uint8_t *flags)
{
	size_t i = p->pos + (p->s[p->pos] == '-');
	*flags = F_INTEGER;
	if (i < p->len && p->s[i] == '0')
		i++;
	else if (i < p->len && is_digit(p->s[i]))
		i = skip_digits(p, i + 1);
	else
		i = 0;
	if (i)
		i = number_tail(p, i, flags);
	if (!i || (i < p->len && !is_delim(p->s[i])))
		return 0;
	return i;
}

static enum want number_token(struct parser *p)
{
	uint8_t flags;
	size_t i = number_end(p, &flags);
	if (!i)
		return bad_number(p);
	struct cm_json_tok *t = push(p, CM_JSON_NUMBER, p->pos, false);
	if (!t)
		return W_ERROR;
	t->len = (uint32_t)(i - p->pos);
	t->flags = flags;
	p->pos = i;
	return W_AFTER;
}

/* The entry of words the bare token at pos is (ending at *end), or -1:
 * true, false, null, and Go's words when allowed. */
static int word_at(const struct parser *p, size_t *end)
{
	*end = token_end(p, p->pos);
	size_t n = *end - p->pos;
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
		if ((!words[w].go || p->o->nonfinite_words) && strlen(words[w].word) == n &&
		    !memcmp(p->s + p->pos, words[w].word, n))
			return (int)w;
	return -1;
}

/* The whole bare token must be a word. */
static enum want word_token(struct parser *p)
{
	size_t end;
	int w = word_at(p, &end);
	if (w < 0)
		return unexpected(p, "a value");
	struct cm_json_tok *t = push(p, (enum cm_json_type)words[w].type, p->pos, false);
	if (!t)
		return W_ERROR;
	t->len = (uint32_t)(end - p->pos);
	t->flags = words[w].flags;
	p->pos = end;
	return W_AFTER;
}

/* ---- the states ---- */

/* What kind of value starts at pos (a number: '-' or a digit, unless
 * '-' starts Go's -Inf); '\0' when none can. */
static char value_kind(const struct parser *p, char c)
{
	if (c == '{' || c == '[' || c == '"')
		return c;
	bool go_minus = c == '-' && p->o->nonfinite_words && p->pos + 1 < p->len &&
			p->s[p->pos + 1] == 'I';
	if ((c == '-' && !go_minus) || is_digit(c))
		return '0';
	return is_delim(c) ? '\0' : 'w';
}

static enum want value(struct parser *p)
{
	const struct cm_json_keep *keep = p->pending;
	p->pending = NULL;
	if (p->pos >= p->len)
		return unexpected(p, "a value");
	switch (value_kind(p, p->s[p->pos])) {
	case '{':
		return open_container(p, CM_JSON_OBJECT, keep);
	case '[':
		return open_container(p, CM_JSON_ARRAY, NULL);
	case '"':
		return string_token(p, false);
	case '0':
		return number_token(p);
	case 'w':
		return word_token(p);
	default:
		return unexpected(p, "a value");
	}
}

/* The key just put on the tape, in an object that filters its members:
 * kept (its node pending for the value), or taken off the tape again,
 * its value to be skipped. */
static void filter_key(struct parser *p)
{
	struct cm_json *j = p->j;
	const struct cm_json_keep *node = p->fnode[p->nf - 1];
	const struct cm_json_tok *t = &j->tok[j->n - 1];
	for (size_t i = 0; i < node->nsub; i++) {
		const struct cm_json_keep *k = &node->sub[i];
		/* The length rules out most names without a call. */
		bool maybe = t->flags & F_ESCAPES ? t->len >= k->len : t->len == k->len;
		if (maybe && cm_json_string_is(j, j->n - 1, k->key, k->len)) {
			p->pending = k->nsub ? k : NULL;
			return;
		}
	}
	j->n--;
	j->tok[p->open].len--;
	p->skip = true;
}

static enum want key(struct parser *p)
{
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return unexpected(p, "a string key");
	enum want w = string_token(p, true);
	if (w == W_COLON && p->nf && p->fat[p->nf - 1] == p->open)
		filter_key(p);
	return w;
}

static enum want colon(struct parser *p)
{
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return unexpected(p, "':'");
	p->pos++;
	if (p->skip) {
		p->skip = false;
		return W_SKIP;
	}
	return W_VALUE;
}

/* ---- values left out (cm_json_opts.keep) ----
 *
 * A skipped value is checked by the states' own rules in the same order,
 * with the same messages at the same places and the same depth count, so
 * a text is refused for the same error whatever the keep tree; only
 * nothing goes on the tape. The kinds of the containers open inside it
 * are a bit stack (1: object), which max_depth bounds. */

struct skip_stack {
	uint64_t object[CM_JSON_SKIP_DEPTH / 64];
	unsigned n;
};

/* The object bit of container k of a skip stack. */
static bool skip_bit(const uint64_t *object, unsigned k)
{
	return object[k / 64] >> (k % 64) & 1;
}

static void skip_set(uint64_t *object, unsigned k, bool is_object)
{
	uint64_t bit = (uint64_t)1 << (k % 64);
	if (is_object)
		object[k / 64] |= bit;
	else
		object[k / 64] &= ~bit;
}

static enum want skip_open(struct parser *p, struct skip_stack *st, bool object)
{
	if (++p->depth > p->o->max_depth)
		return too_deep(p);
	skip_set(st->object, st->n++, object);
	p->pos++;
	return object ? W_FIRST_KEY : W_FIRST_VALUE;
}

static enum want skip_close(struct parser *p, struct skip_stack *st)
{
	p->depth--;
	st->n--;
	p->pos++;
	return W_AFTER;
}

/* A value: opened, or read past. */
static enum want skip_one(struct parser *p, struct skip_stack *st)
{
	if (p->pos >= p->len)
		return unexpected(p, "a value");
	uint8_t flags = 0;
	size_t end;
	switch (value_kind(p, p->s[p->pos])) {
	case '{':
		return skip_open(p, st, true);
	case '[':
		return skip_open(p, st, false);
	case '"':
		if (!(end = string_end(p, &flags)))
			return W_ERROR;
		p->pos = end + 1;
		return W_AFTER;
	case '0':
		if (!(end = number_end(p, &flags)))
			return bad_number(p);
		p->pos = end;
		return W_AFTER;
	case 'w':
		if (word_at(p, &end) < 0)
			return unexpected(p, "a value");
		p->pos = end;
		return W_AFTER;
	default:
		return unexpected(p, "a value");
	}
}

static enum want skip_after(struct parser *p, struct skip_stack *st)
{
	bool object = skip_bit(st->object, st->n - 1);
	if (at(p, ',')) {
		p->pos++;
		return object ? W_KEY : W_VALUE;
	}
	if (at(p, object ? '}' : ']'))
		return skip_close(p, st);
	return unexpected(p, object ? "',' or '}'" : "',' or ']'");
}

/* The offset past the plain string whose quote is at i, or 0 when it is
 * not plain (an escape, UTF-8, a control byte, no end). */
static size_t fast_string(const char *s, size_t len, size_t i)
{
	i = plain_end(s, i + 1, len);
	return i < len && s[i] == '"' ? i + 1 : 0;
}

/* What skipped values mostly are (memstats.BySize, PauseEnd), passed over
 * fast: containers, plain strings and integers. The offset past the value
 * at pos, or 0 at the first thing of any other kind (an escape, a
 * fraction, a word, an error, a container past max_depth): skip_value
 * then reads the value again from its start by the rules, so what is
 * accepted and what is refused, and why, is skip_value's alone. Nothing
 * is written; p->depth is where it was. */
static size_t skip_fast(const struct parser *p)
{
	const char *s = p->s;
	size_t len = p->len, i = p->pos;
	uint64_t object[CM_JSON_SKIP_DEPTH / 64];
	unsigned n = 0, room = p->o->max_depth - p->depth;
	bool in_key = false;
	for (;;) {
		/* at a value (or, in_key, a member's key) */
		while (i < len && is_ws(s[i]))
			i++;
		if (i >= len)
			return 0;
		char c = s[i];
		if (in_key) {
			if (c != '"' || !(i = fast_string(s, len, i)))
				return 0;
			while (i < len && is_ws(s[i]))
				i++;
			if (i >= len || s[i] != ':')
				return 0;
			i++;
			in_key = false;
			continue;
		}
		if (c == '{' || c == '[') {
			if (n >= room)
				return 0;
			skip_set(object, n++, c == '{');
			for (i++; i < len && is_ws(s[i]); i++)
				;
			if (i < len && s[i] == (c == '{' ? '}' : ']')) {
				n--;
				i++;
			} else {
				in_key = c == '{';
				continue;
			}
		} else if (c == '"') {
			if (!(i = fast_string(s, len, i)))
				return 0;
		} else if (is_digit(c) || c == '-') {
			i += c == '-';
			if (i < len && s[i] == '0')
				i++;
			else if (i < len && is_digit(s[i]))
				i = skip_digits(p, i + 1);
			else
				return 0;
			/* a fraction, an exponent, "01", "1x": the rules say */
			if (i < len && s[i] != ',' && s[i] != ']' && s[i] != '}' && !is_ws(s[i]))
				return 0;
		} else {
			return 0;
		}
		/* after a value: the end, a ',' or closers */
		for (;;) {
			if (!n)
				return i;
			while (i < len && is_ws(s[i]))
				i++;
			if (i >= len)
				return 0;
			bool obj = skip_bit(object, n - 1);
			if (s[i] == ',') {
				i++;
				in_key = obj;
				break;
			}
			if (s[i] != (obj ? '}' : ']'))
				return 0;
			n--;
			i++;
		}
	}
}

/* The value at pos, whole; W_AFTER past it. */
static enum want skip_value(struct parser *p)
{
	size_t fast = skip_fast(p);
	if (fast) {
		p->pos = fast;
		return W_AFTER;
	}
	struct skip_stack st = {.n = 0};
	uint8_t flags;
	size_t end;
	enum want w = W_VALUE;
	for (;;) {
		skip_ws(p);
		switch (w) {
		case W_FIRST_VALUE:
			w = at(p, ']') ? skip_close(p, &st) : skip_one(p, &st);
			break;
		case W_VALUE:
			w = skip_one(p, &st);
			break;
		case W_FIRST_KEY:
		case W_KEY:
			if (w == W_FIRST_KEY && at(p, '}')) {
				w = skip_close(p, &st);
				break;
			}
			if (!at(p, '"'))
				return unexpected(p, "a string key");
			if (!(end = string_end(p, &flags)))
				return W_ERROR;
			p->pos = end + 1;
			w = W_COLON;
			break;
		case W_COLON:
			if (!at(p, ':'))
				return unexpected(p, "':'");
			p->pos++;
			w = W_VALUE;
			break;
		case W_AFTER:
			if (!st.n)
				return W_AFTER;
			w = skip_after(p, &st);
			break;
		default:
			return W_ERROR;
		}
	}
}

/* After a ',' in an array: the elements that are plain integers (Go's
 * rings: memstats.PauseNs and PauseEnd, 512 numbers, are most of a
 * /debug/vars body and most of what polling a fleet costs the monitor)
 * read in one loop, the tape made room for once, rather than a trip
 * through the states and push for each. Every check is number_token's:
 * the first element that is anything else (a fraction, a sign, a string,
 * an error) goes back to the states at its first byte. */
static enum want number_run(struct parser *p)
{
	struct cm_json *j = p->j;
	const char *s = p->s;
	size_t len = p->len, i = p->pos, n = 0;
	enum want next = W_VALUE; /* at an element the states must read */
	for (;;) {
		while (i < len && is_ws(s[i]))
			i++;
		if (i >= len || !is_digit(s[i]))
			break;
		size_t start = i;
		i = s[i] == '0' ? i + 1 : skip_digits(p, i + 1);
		if (i >= len || (s[i] != ',' && s[i] != ']' && !is_ws(s[i]))) {
			i = start; /* a fraction, an exponent, "01", "1x": the states say */
			break;
		}
		if (j->n == j->cap && grow(p))
			return W_ERROR;
		j->tok[j->n] = (struct cm_json_tok){.start = (uint32_t)start,
						    .len = (uint32_t)(i - start),
						    .next = (uint32_t)(j->n + 1),
						    .type = CM_JSON_NUMBER, .flags = F_INTEGER};
		j->n++;
		n++;
		while (i < len && is_ws(s[i]))
			i++;
		if (i >= len || s[i] != ',') {
			next = W_AFTER; /* at the ']', or whatever stands there */
			break;
		}
		i++;
	}
	j->tok[p->open].len += (uint32_t)n;
	p->pos = i;
	return next;
}

static enum want after(struct parser *p)
{
	if (p->open == NO_PARENT)
		return p->pos == p->len ? W_DONE : unexpected(p, "the end of the input");
	bool object = p->j->tok[p->open].type == CM_JSON_OBJECT;
	char c = p->pos < p->len ? p->s[p->pos] : '\0';
	if (p->pos < p->len && c == ',') {
		p->pos++;
		return object ? W_KEY : number_run(p);
	}
	if (p->pos < p->len && c == (object ? '}' : ']'))
		return close_container(p);
	return unexpected(p, object ? "',' or '}'" : "',' or ']'");
}

static enum want step(struct parser *p, enum want w)
{
	skip_ws(p);
	switch (w) {
	case W_VALUE:
		return value(p);
	case W_FIRST_VALUE:
		return at(p, ']') ? close_container(p) : value(p);
	case W_KEY:
		return key(p);
	case W_FIRST_KEY:
		return at(p, '}') ? close_container(p) : key(p);
	case W_COLON:
		return colon(p);
	case W_SKIP:
		return skip_value(p);
	default:
		return after(p);
	}
}

/* Gives back a tape far bigger than this text can need (see SHRINK_ABOVE). */
static void maybe_shrink(struct cm_json *j, size_t len)
{
	if (j->cap > SHRINK_ABOVE && j->cap / 4 > len / 2 + 1) {
		free(j->tok);
		j->tok = NULL;
		j->cap = 0;
	}
}

void cm_json_reset(struct cm_json *j)
{
	j->n = 0;
	j->text = NULL;
	j->len = 0;
}

int cm_json_parse(struct cm_json *j, const char *text, size_t len, const struct cm_json_opts *o,
		  char *err, size_t errlen)
{
	static const struct cm_json_opts strict = {0};
	cm_json_reset(j);
	if (len > (size_t)UINT32_MAX - 1) {
		snprintf(err, errlen, "text too large (%zu bytes)", len);
		return -1;
	}
	maybe_shrink(j, len);
	struct parser p = {.j = j, .s = text ? text : "", .len = text ? len : 0,
			   .open = NO_PARENT, .o = o ? o : &strict, .err = err, .errlen = errlen};
	/* A skipped value's containers are counted against max_depth. */
	if (p.o->max_depth && p.o->max_depth <= CM_JSON_SKIP_DEPTH)
		p.pending = p.o->keep;
	j->text = p.s; /* keys are compared with the keep tree's as they come */
	j->len = p.len;
	enum want w = W_VALUE;
	while (w != W_DONE && w != W_ERROR)
		w = step(&p, w);
	if (w == W_ERROR) {
		cm_json_reset(j);
		return -1;
	}
	return 0;
}

void cm_json_free(struct cm_json *j)
{
	free(j->tok);
	*j = (struct cm_json){0};
}

/* ---- readers ---- */

static const struct cm_json_tok *tok_at(const struct cm_json *j, size_t v)
{
	return v < j->n ? &j->tok[v] : NULL;
}

enum cm_json_type cm_json_type(const struct cm_json *j, size_t v)
{
	const struct cm_json_tok *t = tok_at(j, v);
	return t ? (enum cm_json_type)t->type : CM_JSON_ABSENT;
}

static bool is_container(const struct cm_json_tok *t)
{
	return t && (t->type == CM_JSON_ARRAY || t->type == CM_JSON_OBJECT);
}

size_t cm_json_count(const struct cm_json *j, size_t v)
{
	const struct cm_json_tok *t = tok_at(j, v);
	return is_container(t) ? t->len : 0;
}

size_t cm_json_first(const struct cm_json *j, size_t v)
{
	return cm_json_count(j, v) ? v + 1 : CM_JSON_NONE;
}

size_t cm_json_next(const struct cm_json *j, size_t v)
{
	const struct cm_json_tok *t = tok_at(j, v);
	return t && t->next < j->n ? t->next : CM_JSON_NONE;
}

size_t cm_json_get(const struct cm_json *j, size_t v, const char *key, size_t n)
{
	const struct cm_json_tok *t = tok_at(j, v);
	if (!t || t->type != CM_JSON_OBJECT)
		return CM_JSON_NONE;
	size_t found = CM_JSON_NONE, k = v + 1;
	for (uint32_t m = 0; m < t->len; m++) {
		const struct cm_json_tok *kt = &j->tok[k];
		/* The length rules out most keys without a call. */
		bool maybe = kt->flags & F_ESCAPES ? kt->len >= n : kt->len == n;
		if (maybe && cm_json_string_is(j, k, key, n))
			found = k + 1; /* and on: a later duplicate wins */
		k = j->tok[k + 1].next;
	}
	return found;
}

size_t cm_json_at(const struct cm_json *j, size_t v, size_t k)
{
	const struct cm_json_tok *t = tok_at(j, v);
	if (!t || t->type != CM_JSON_ARRAY || k >= t->len)
		return CM_JSON_NONE;
	if (t->next - (v + 1) == t->len) /* one entry per element: all scalars */
		return v + 1 + k;
	size_t e = v + 1;
	while (k--)
		e = j->tok[e].next;
	return e;
}

/* An integer's text (checked) as int64; false past its range. */
static bool int64_of(const char *s, size_t n, long long *out)
{
	bool neg = s[0] == '-';
	unsigned long long v = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (size_t i = neg; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	/* -2^63 has no positive twin: negate in unsigned arithmetic. */
	*out = neg ? (long long)(0 - v) : (long long)v;
	return true;
}

bool cm_json_number(const struct cm_json *j, size_t v, struct cm_json_num *out)
{
	const struct cm_json_tok *t = tok_at(j, v);
	if (!t || t->type != CM_JSON_NUMBER)
		return false;
	*out = (struct cm_json_num){0};
	const char *s = j->text + t->start;
	if (t->flags & (F_NAN | F_POS_INF | F_NEG_INF))
		out->d = t->flags & F_NAN ? NAN : t->flags & F_POS_INF ? INFINITY : -INFINITY;
	else if ((t->flags & F_INTEGER) && int64_of(s, t->len, &out->i))
		out->integer = true;
	else
		out->d = cm_strtod_dot(s, t->len);
	if (out->integer)
		out->d = (double)out->i;
	return true;
}

/* Code point u as UTF-8 into out; the bytes written. */
static size_t utf8_put(unsigned long u, char *out)
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xC0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xE0 | u >> 12);
		out[1] = (char)(0x80 | (u >> 6 & 0x3F));
		out[2] = (char)(0x80 | (u & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | u >> 18);
	out[1] = (char)(0x80 | (u >> 12 & 0x3F));
	out[2] = (char)(0x80 | (u >> 6 & 0x3F));
	out[3] = (char)(0x80 | (u & 0x3F));
	return 4;
}

/* The byte a checked one-letter escape stands for: \" \\ \/ or a control. */
static char simple_escape(char e)
{
	switch (e) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:
		return e;
	}
}

/* One character of a checked string at *s, unescaped into out (up to 4
 * bytes); moves *s past it. A byte of raw UTF-8 counts as a character:
 * it is copied as it is. */
static size_t decode_char(const char **s, char *out)
{
	const char *c = *s;
	if (c[0] != '\\') {
		*out = c[0];
		*s = c + 1;
		return 1;
	}
	if (c[1] != 'u') {
		*out = simple_escape(c[1]);
		*s = c + 2;
		return 1;
	}
	unsigned long u = (unsigned long)hex4(c + 2);
	*s = c + 6;
	if (u >= 0xD800 && u <= 0xDBFF) {
		u = 0x10000 + ((u - 0xD800) << 10) + ((unsigned long)hex4(c + 8) - 0xDC00);
		*s = c + 12;
	}
	return utf8_put(u, out);
}

size_t cm_json_string(const struct cm_json *j, size_t v, char *buf, size_t cap)
{
	const struct cm_json_tok *t = tok_at(j, v);
	if (!t || t->type != CM_JSON_STRING)
		return 0;
	const char *s = j->text + t->start, *end = s + t->len;
	if (!(t->flags & F_ESCAPES)) {
		if (cap) /* buf may be NULL then: only the length is wanted */
			memcpy(buf, s, t->len < cap ? t->len : cap);
		return t->len;
	}
	size_t w = 0;
	while (s < end) {
		char c[4];
		size_t k = decode_char(&s, c);
		for (size_t i = 0; i < k; i++, w++)
			if (w < cap)
				buf[w] = c[i];
	}
	return w;
}

bool cm_json_string_is(const struct cm_json *j, size_t v, const char *str, size_t n)
{
	const struct cm_json_tok *t = tok_at(j, v);
	if (!t || t->type != CM_JSON_STRING || t->len < n) /* unescaping never lengthens */
		return false;
	const char *s = j->text + t->start, *end = s + t->len;
	if (!(t->flags & F_ESCAPES))
		return t->len == n && !memcmp(s, str, n);
	size_t w = 0;
	while (s < end) {
		char c[4];
		size_t k = decode_char(&s, c);
		if (k > n - w || memcmp(str + w, c, k))
			return false;
		w += k;
	}
	return w == n;
}

const char *cm_json_raw(const struct cm_json *j, size_t v, size_t *n)
{
	const struct cm_json_tok *t = tok_at(j, v);
	*n = 0;
	if (!t || is_container(t))
		return NULL;
	*n = t->len;
	return j->text + t->start;
}
