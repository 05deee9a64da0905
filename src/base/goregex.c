/* goregex: Go regular expressions (RE2 syntax) run by PCRE2.
 *
 * pprof compiles its regexes with Go's regexp; we ask only whether a name
 * matches. The pattern is parsed as Go's regexp/syntax parses it (the same
 * rules, refusals and error texts: parse.go is the model, function by
 * function), and written out as a PCRE2 pattern that leaves PCRE2 nothing
 * to interpret: every character class is spelled as explicit ranges (Go's
 * ASCII \d \s \w and [[:alpha:]], with case folding done here from Go's own
 * fold tables, see gounicode.h), ^ $ \b are spelled as lookarounds with Go's
 * meaning. Only \p{Name} is left to PCRE2's Unicode
 * tables (\p{sc:Name} for scripts: Go's scripts are not PCRE2's script
 * extensions). So PCRE2's own options (caseless, multiline, UCP) never
 * change a match. */

#include "cmon/base/goregex.h"
#include "cmon/base/gounicode.h"
#include "cmon/base/strbuf.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer patterns are refused: no one lists functions with a longer one,
 * and it bounds the work of folding and compiling. */
#define PATTERN_MAX 32768
/* The PCRE2 pattern we write stays below this (PCRE2 would refuse to
 * compile it anyway: its compiled form is limited to 64 KiB here). */
#define OUTPUT_MAX (4u << 20)
/* Go's maxHeight, and our own bound on open groups. */
#define MAX_HEIGHT 1000
#define MAX_GROUPS 1000
/* Go's bound on counted repetition. */
#define MAX_REPEAT 1000
/* PCRE2 work per match: names are short, so this is generous for any
 * pattern that does not backtrack exponentially, and ends one that does
 * in milliseconds. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 100000
#define HEAP_LIMIT_KIB 65536

struct cm_goregex {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	char *pcre_pattern;
};

/* Go's parser flags that matter for matching. */
enum { F_FOLD = 1, F_MULTI = 2, F_DOTNL = 4, F_UNGREEDY = 8 };

/* One open group, the top level being the first. Heights and "need"
 * (the product of counted repeats along a path, Go's repeatIsValid)
 * follow Go's parse tree closely enough for its limits. */
struct level {
	size_t open;    /* output offset of the group's "(" */
	unsigned flags; /* restored at ')' */
	bool capture;
	size_t atom;    /* output offset of the last item; SIZE_MAX: none */
	bool atom_group; /* that item is one group already */
	unsigned atom_h;
	uint64_t atom_need;
	unsigned br_h, br_n, alt_h, nalt; /* current branch, finished ones */
	uint64_t need;
};

/* A character class: explicit ranges plus \p{...} items left to PCRE2. */
struct prop {
	const char *name; /* Go's name */
	bool script;
	bool neg;
	const struct cm_go_fold_table *fold; /* added under (?i), or NULL */
};

struct cclass {
	uint32_t *r; /* pairs lo, hi */
	size_t n, cap;
	struct prop *p;
	size_t np, pcap;
	bool oom;
};

struct gp {
	const char *whole;
	unsigned flags;
	struct cm_strbuf out;
	struct level *lv;
	size_t depth;
	const char *last_repeat; /* the repetition just before, for a** */
	struct cclass cls;
	char *err;
	size_t errlen;
};

/* ---- errors, in Go's words ---- */

static int gp_fail(struct gp *p, const char *code, const char *expr, size_t n)
{
	snprintf(p->err, p->errlen, "error parsing regexp: %s: `%.*s`", code, (int)n, expr);
	return -1;
}

static int fail_whole(struct gp *p, const char *code)
{
	return gp_fail(p, code, p->whole, strlen(p->whole));
}

#define E_CHARRANGE "invalid character class range"
#define E_ESCAPE "invalid escape sequence"
#define E_NAMED "invalid named capture"
#define E_PERLOP "invalid or unsupported Perl syntax"
#define E_REPEATOP "invalid nested repetition operator"
#define E_REPEATSIZE "invalid repeat count"
#define E_UTF8 "invalid UTF-8"
#define E_BRACKET "missing closing ]"
#define E_PAREN "missing closing )"
#define E_MISSINGARG "missing argument to repetition operator"
#define E_BACKSLASH "trailing backslash at end of expression"
#define E_UNEXPECTED "unexpected )"
#define E_DEPTH "expression nests too deeply"

/* ---- runes ---- */

/* Go's utf8.DecodeRuneInString: the rune at s and its length; an invalid
 * byte is U+FFFD of length 1, the end is U+FFFD of length 0. */
static uint32_t decode_rune(const char *s, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	if (!*u) {
		*len = 0;
		return 0xfffd;
	}
	if (*u < 0x80) {
		*len = 1;
		return *u;
	}
	size_t n = cm_utf8_seq(u, strnlen(s, 4));
	if (!n) {
		*len = 1;
		return 0xfffd;
	}
	*len = n;
	uint32_t r = u[0] & (0x7f >> n);
	for (size_t k = 1; k < n; k++)
		r = r << 6 | (u[k] & 0x3f);
	return r;
}

/* Go's nextRune: *t advances past the rune; -1 with Go's error on a byte
 * that is no UTF-8. */
static int next_rune(struct gp *p, const char **t, uint32_t *r)
{
	size_t n;
	*r = decode_rune(*t, &n);
	if (*r == 0xfffd && n == 1)
		return gp_fail(p, E_UTF8, *t, strlen(*t));
	*t += n;
	return 0;
}

/* Go's checkUTF8 over n bytes at s. */
static int check_utf8(struct gp *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k;
		if (decode_rune(s + i, &k) == 0xfffd && k == 1)
			return gp_fail(p, E_UTF8, s + i, n - i);
		i += k ? k : 1;
	}
	return 0;
}

static bool is_alnum(uint32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The index of the first pair of Go's fold table whose rune is >= r. */
static size_t fold_index(uint32_t r)
{
	size_t lo = 0, hi = cm_go_fold_npairs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cm_go_fold_pairs[mid][0] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* unicode.SimpleFold from Go's table. */
static uint32_t simple_fold(uint32_t r)
{
	size_t i = fold_index(r);
	return i < cm_go_fold_npairs && cm_go_fold_pairs[i][0] == r ? cm_go_fold_pairs[i][1] : r;
}

/* ---- output ---- */

static void put(struct gp *p, const char *s)
{
	cm_strbuf_str(&p->out, s);
}

/* A rune, outside or inside brackets: letters and digits as they are,
 * everything else as \x{...}, which PCRE2 never reads as syntax. */
static void put_rune(struct cm_strbuf *b, uint32_t r)
{
	char buf[16];
	if (is_alnum(r)) {
		buf[0] = (char)r;
		buf[1] = '\0';
	} else {
		snprintf(buf, sizeof(buf), "\\x{%x}", (unsigned)r);
	}
	cm_strbuf_str(b, buf);
}

/* Inserts s at offset at (the wrapper of a repeated item). */
static void insert(struct gp *p, size_t at, const char *s)
{
	size_t n = strlen(s), tail = p->out.len - at;
	cm_strbuf_add(&p->out, s, n); /* grow by n */
	if (p->out.oom)
		return;
	memmove(p->out.s + at + n, p->out.s + at, tail);
	memcpy(p->out.s + at, s, n);
}

/* ---- the tree shape: items, groups, repeats ---- */

static struct level *top(struct gp *p)
{
	return &p->lv[p->depth];
}

static void level_init(struct level *l, size_t open, unsigned flags, bool capture)
{
	memset(l, 0, sizeof(*l));
	l->open = open;
	l->flags = flags;
	l->capture = capture;
	l->atom = SIZE_MAX;
}

/* An item was written at offset start: it is what a repetition applies to. */
static int item(struct gp *p, size_t start, bool group, unsigned h, uint64_t need)
{
	struct level *l = top(p);
	l->atom = start;
	l->atom_group = group;
	l->atom_h = h;
	l->atom_need = need;
	l->br_n++;
	if (h > l->br_h)
		l->br_h = h;
	if (need > l->need)
		l->need = need;
	if (h > MAX_HEIGHT)
		return fail_whole(p, E_DEPTH);
	return 0;
}

static unsigned branch_height(const struct level *l)
{
	return l->br_h + (l->br_n > 1);
}

static void vertical_bar(struct gp *p)
{
	struct level *l = top(p);
	unsigned h = branch_height(l);
	if (h > l->alt_h)
		l->alt_h = h;
	l->nalt++;
	l->br_h = l->br_n = 0;
	l->atom = SIZE_MAX;
	put(p, "|");
}

static int open_group(struct gp *p, bool capture)
{
	if (p->depth == MAX_GROUPS)
		return fail_whole(p, E_DEPTH);
	/* a capturing group even for Go's (?:...): PCRE2 limits how deeply
	 * its (?: groups nest far more than its plain ones */
	size_t at = p->out.len;
	put(p, "(");
	p->depth++;
	level_init(top(p), at, p->flags, capture);
	return 0;
}

static int close_group(struct gp *p)
{
	if (p->depth == 0)
		return fail_whole(p, E_UNEXPECTED);
	struct level l = *top(p);
	unsigned h = branch_height(&l);
	if (l.nalt)
		h = (h > l.alt_h ? h : l.alt_h) + 1;
	if (h == 0)
		h = 1; /* OpEmptyMatch */
	h += l.capture;
	put(p, ")");
	p->depth--;
	p->flags = l.flags;
	return item(p, l.open, true, h, l.need ? l.need : 1);
}

/* The counted-repeat bound of a repetition of n (m: its max, or min when
 * unbounded): Go's repeatIsValid. */
static uint64_t repeat_need(uint64_t sub, long min, long max)
{
	long m = max == -1 ? min : max;
	if (m == 0)
		return 1;
	uint64_t need = (uint64_t)m * (sub ? sub : 1);
	return need > 1u << 30 ? 1u << 30 : need;
}

/* Go's parser.repeat: op is "*", "+", "?" or "{n,m}" (n bytes at before);
 * returns what follows, or NULL with the error. */
static const char *repeat(struct gp *p, const char *before, size_t n, long min, long max,
			  bool counted)
{
	const char *after = before + n;
	if (*after == '?') /* non-greedy: the same strings match */
		after++;
	if (p->last_repeat)
		return gp_fail(p, E_REPEATOP, p->last_repeat, (size_t)(after - p->last_repeat)),
		       NULL;
	struct level *l = top(p);
	if (l->atom == SIZE_MAX)
		return gp_fail(p, E_MISSINGARG, before, (size_t)(after - before)), NULL;
	uint64_t need = l->atom_need;
	if (counted) {
		need = repeat_need(need, min, max);
		if ((min >= 2 || max >= 2) && need > MAX_REPEAT)
			return gp_fail(p, E_REPEATSIZE, before, (size_t)(after - before)), NULL;
	}
	if (!l->atom_group) {
		insert(p, l->atom, "(?:");
		put(p, ")");
	}
	char q[32];
	if (!counted)
		snprintf(q, sizeof(q), "%c", *before);
	else if (max == -1)
		snprintf(q, sizeof(q), "{%ld,}", min);
	else
		snprintf(q, sizeof(q), "{%ld,%ld}", min, max);
	put(p, q);
	/* the repeat replaces its operand: one more level of height */
	size_t start = l->atom;
	l->br_n--;
	if (item(p, start, false, l->atom_h + 1, need) < 0)
		return NULL;
	l->atom_group = false; /* "(?:x)*" is not one group: wrap it again */
	return after;
}

/* Go's parseInt: a decimal without leading zeros; -1 when too big. */
static const char *parse_int(const char *s, long *n)
{
	if (!(*s >= '0' && *s <= '9'))
		return NULL;
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return NULL;
	*n = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		if (*n >= 0)
			*n = *n >= 100000000 ? -1 : *n * 10 + (*s - '0');
	return s;
}

/* Go's parseRepeat: {n}, {n,} or {n,m} at s; returns its end or NULL. */
static const char *parse_repeat(const char *s, long *min, long *max)
{
	const char *t = parse_int(s + 1, min);
	if (!t || !*t)
		return NULL;
	if (*t != ',') {
		*max = *min;
	} else if (*++t == '}') {
		*max = -1;
	} else {
		if (!(t = parse_int(t, max)))
			return NULL;
		if (*max < 0)
			*min = -1;
	}
	return *t == '}' ? t + 1 : NULL;
}

/* ---- character classes ---- */

static void cls_range(struct cclass *c, uint32_t lo, uint32_t hi)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		uint32_t *r = realloc(c->r, cap * 2 * sizeof(*r));
		if (!r) {
			c->oom = true;
			return;
		}
		c->r = r;
		c->cap = cap;
	}
	c->r[2 * c->n] = lo;
	c->r[2 * c->n + 1] = hi;
	c->n++;
}

/* Go's appendFoldedRange: [lo, hi] and every rune that folds to one in it
 * (walking only the runes that fold, not the whole range). */
static void cls_folded_range(struct cclass *c, uint32_t lo, uint32_t hi)
{
	cls_range(c, lo, hi);
	for (size_t i = fold_index(lo); i < cm_go_fold_npairs && cm_go_fold_pairs[i][0] <= hi; i++) {
		uint32_t r0 = cm_go_fold_pairs[i][0];
		for (uint32_t f = cm_go_fold_pairs[i][1]; f != r0; f = simple_fold(f))
			cls_range(c, f, f);
	}
}

static void cls_add(struct gp *p, uint32_t lo, uint32_t hi)
{
	if (p->flags & F_FOLD)
		cls_folded_range(&p->cls, lo, hi);
	else
		cls_range(&p->cls, lo, hi);
}

static int cmp_range(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] > y[1] ? -1 : x[1] < y[1];
}

/* Go's cleanClass on ranges [from, n): sorted, merged. */
static void cls_clean(struct cclass *c, size_t from)
{
	uint32_t *r = c->r + 2 * from;
	size_t n = c->n - from, w = 0;
	if (n == 0)
		return;
	qsort(r, n, 2 * sizeof(*r), cmp_range);
	for (size_t i = 1; i < n; i++) {
		if (r[2 * i] <= r[2 * w + 1] + 1) {
			if (r[2 * i + 1] > r[2 * w + 1])
				r[2 * w + 1] = r[2 * i + 1];
		} else {
			w++;
			r[2 * w] = r[2 * i];
			r[2 * w + 1] = r[2 * i + 1];
		}
	}
	c->n = from + w + 1;
}

/* Replaces the clean ranges [from, n) by their complement in Unicode. */
static void cls_negate_tail(struct cclass *c, size_t from)
{
	size_t n = c->n - from;
	uint32_t *old = NULL;
	if (n) {
		old = malloc(n * 2 * sizeof(*old));
		if (!old) {
			c->oom = true;
			return;
		}
		memcpy(old, c->r + 2 * from, n * 2 * sizeof(*old));
	}
	c->n = from;
	uint32_t next = 0;
	for (size_t i = 0; i < n; i++) {
		if (old[2 * i] > next)
			cls_range(c, next, old[2 * i] - 1);
		next = old[2 * i + 1] + 1;
	}
	if (next <= 0x10ffff)
		cls_range(c, next, 0x10ffff);
	free(old);
}

/* Go's perlGroup and posixGroup. */
struct group {
	const char *name;
	const char *ranges; /* byte pairs */
};

static const struct group perl_groups[] = {
	{"d", "09"}, {"s", "\t\n\f\r  "}, {"w", "09AZ__az"},
};

static const struct group posix_groups[] = {
	{"alnum", "09AZaz"}, {"alpha", "AZaz"}, {"ascii", "\x01\x7f"}, {"blank", "\t\t  "},
	{"cntrl", "\x01\x1f\x7f\x7f"}, {"digit", "09"}, {"graph", "!~"}, {"lower", "az"},
	{"print", " ~"}, {"punct", "!/:@[`{~"}, {"space", "\t\r  "}, {"upper", "AZ"},
	{"word", "09AZ__az"}, {"xdigit", "09AFaf"},
};

/* Go's appendGroup: the group's ranges (folded under (?i)), negated when
 * neg. (The ASCII and cntrl groups start at NUL, which a C table cannot
 * hold: "\x01" stands for it.) */
static void cls_group(struct gp *p, const struct group *g, bool neg)
{
	struct cclass *c = &p->cls;
	size_t from = c->n;
	for (const char *r = g->ranges; *r; r += 2) {
		uint32_t lo = (unsigned char)r[0] == 1 ? 0 : (unsigned char)r[0];
		cls_add(p, lo, (unsigned char)r[1]);
	}
	if (neg) {
		cls_clean(c, from);
		cls_negate_tail(c, from);
	}
}

static void cls_prop(struct cclass *c, struct prop pr)
{
	if (c->np == c->pcap) {
		size_t cap = c->pcap ? c->pcap * 2 : 8;
		struct prop *n = realloc(c->p, cap * sizeof(*n));
		if (!n) {
			c->oom = true;
			return;
		}
		c->p = n;
		c->pcap = cap;
	}
	c->p[c->np++] = pr;
}

static const char *find_name(const char *const *list, const char *name, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncmp(*list, name, n))
			return *list;
	return NULL;
}

static const struct cm_go_fold_table *find_fold(const char *name)
{
	for (const struct cm_go_fold_table *f = cm_go_fold_tables; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/* Go's parseUnicodeClass at s ("\p" or "\P"): adds the class and returns
 * what follows, or NULL with the error. */
static const char *unicode_class(struct gp *p, const char *s)
{
	bool neg = s[1] == 'P';
	const char *t = s + 2, *name, *rest;
	size_t n;
	uint32_t c;
	if (next_rune(p, &t, &c) < 0)
		return NULL;
	if (c != '{') {
		name = s + 2;
		n = (size_t)(t - name);
		rest = t;
	} else {
		const char *end = strchr(s, '}');
		if (!end) {
			if (check_utf8(p, s, strlen(s)) < 0)
				return NULL;
			return gp_fail(p, E_CHARRANGE, s, strlen(s)), NULL;
		}
		name = s + 3;
		n = (size_t)(end - name);
		rest = end + 1;
		if (check_utf8(p, name, n) < 0)
			return NULL;
	}
	if (n > 0 && *name == '^') {
		neg = !neg;
		name++;
		n--;
	}
	struct prop pr = {.neg = neg};
	if (n == 3 && !strncmp(name, "Any", 3)) {
		if (!neg)
			cls_range(&p->cls, 0, 0x10ffff);
		return rest;
	}
	if ((pr.name = find_name(cm_go_categories, name, n)) == NULL) {
		pr.script = true;
		if ((pr.name = find_name(cm_go_scripts, name, n)) == NULL)
			return gp_fail(p, E_CHARRANGE, s, (size_t)(rest - s)), NULL;
	}
	pr.fold = p->flags & F_FOLD ? find_fold(pr.name) : NULL;
	if (pr.fold && !neg) /* the fold runes join the explicit ranges */
		for (size_t i = 0; i < pr.fold->n; i++)
			cls_range(&p->cls, pr.fold->ranges[2 * i], pr.fold->ranges[2 * i + 1]);
	cls_prop(&p->cls, pr);
	return rest;
}

/* Go's parsePerlClassEscape: \d \D \s \S \w \W at s. */
static bool perl_class(struct gp *p, const char *s)
{
	if (s[0] != '\\' || !s[1] || !strchr("dDsSwW", s[1]))
		return false;
	char lower = (char)(s[1] | 0x20);
	for (size_t i = 0; i < sizeof(perl_groups) / sizeof(perl_groups[0]); i++)
		if (perl_groups[i].name[0] == lower)
			cls_group(p, &perl_groups[i], s[1] != lower);
	return true;
}

/* Go's parseNamedClass at s ("[:"): 1 when added (*rest past it), 0 when
 * s is no named class, -1 on error. */
static int named_class(struct gp *p, const char *s, const char **rest)
{
	const char *end = strstr(s + 2, ":]");
	if (!end)
		return 0;
	const char *name = s + 2;
	size_t n = (size_t)(end - name);
	bool neg = n > 0 && *name == '^';
	if (neg) {
		name++;
		n--;
	}
	for (size_t i = 0; i < sizeof(posix_groups) / sizeof(posix_groups[0]); i++) {
		if (strlen(posix_groups[i].name) == n && !strncmp(posix_groups[i].name, name, n)) {
			cls_group(p, &posix_groups[i], neg);
			*rest = end + 2;
			return 1;
		}
	}
	return gp_fail(p, E_CHARRANGE, s, (size_t)(end + 2 - s));
}

/* Go's parseEscape at s (s[0] == '\\'): the rune, *rest past it. */
static int parse_escape(struct gp *p, const char *s, uint32_t *r, const char **rest)
{
	const char *t = s + 1;
	uint32_t c;
	if (!*t)
		return gp_fail(p, E_BACKSLASH, "", 0);
	if (next_rune(p, &t, &c) < 0)
		return -1;
	if (c < 0x80 && !is_alnum(c)) {
		*r = c;
		*rest = t;
		return 0;
	}
	if ((c >= '1' && c <= '7' && *t >= '0' && *t <= '7') || c == '0') {
		*r = c - '0';
		for (int i = 1; i < 3 && *t >= '0' && *t <= '7'; i++)
			*r = *r * 8 + (uint32_t)(*t++ - '0');
		*rest = t;
		return 0;
	}
	if (c == 'x' && *t) {
		if (next_rune(p, &t, &c) < 0)
			return -1;
		if (c == '{') {
			uint32_t v = 0;
			int nhex = 0;
			for (;;) {
				if (!*t)
					goto bad;
				if (next_rune(p, &t, &c) < 0)
					return -1;
				if (c == '}')
					break;
				int h = c < 0x80 ? cm_hex_value((char)c) : -1;
				if (h < 0)
					goto bad;
				v = v * 16 + (uint32_t)h;
				if (v > 0x10ffff)
					goto bad;
				nhex++;
			}
			if (nhex == 0)
				goto bad;
			*r = v;
			*rest = t;
			return 0;
		}
		int x = c < 0x80 ? cm_hex_value((char)c) : -1;
		size_t k;
		uint32_t c2 = decode_rune(t, &k);
		if (c2 == 0xfffd && k == 1)
			return gp_fail(p, E_UTF8, t, strlen(t));
		t += k;
		int y = c2 < 0x80 && k ? cm_hex_value((char)c2) : -1;
		if (x < 0 || y < 0)
			goto bad;
		*r = (uint32_t)(x * 16 + y);
		*rest = t;
		return 0;
	}
	static const char ctl[] = "a\af\fn\nr\rt\tv\v";
	for (const char *e = ctl; *e; e += 2) {
		if ((uint32_t)(unsigned char)*e == c) {
			*r = (unsigned char)e[1];
			*rest = t;
			return 0;
		}
	}
bad:
	return gp_fail(p, E_ESCAPE, s, (size_t)(t - s));
}

/* Go's parseClassChar: one rune of a class at s. */
static int class_char(struct gp *p, const char *s, const char *whole, uint32_t *r,
		      const char **rest)
{
	if (!*s)
		return gp_fail(p, E_BRACKET, whole, strlen(whole));
	if (*s == '\\')
		return parse_escape(p, s, r, rest);
	*rest = s;
	return next_rune(p, rest, r);
}

static void cls_reset(struct cclass *c)
{
	c->n = 0;
	c->np = 0;
}

static void put_prop(struct cm_strbuf *b, const struct prop *pr, bool neg)
{
	static const char *const c_parts[] = {"Cc", "Cf", "Co", "Cs"};
	char buf[80];
	if (!strcmp(pr->name, "C")) { /* Go's C has no Cn (unassigned): PCRE2's has */
		for (size_t i = 0; i < 4; i++) {
			snprintf(buf, sizeof(buf), "\\%c{%s}", neg ? 'P' : 'p', c_parts[i]);
			cm_strbuf_str(b, buf);
		}
		return;
	}
	snprintf(buf, sizeof(buf), "\\%c{%s%s}", neg ? 'P' : 'p', pr->script ? "sc:" : "",
		 pr->name);
	cm_strbuf_str(b, buf);
}

/* The explicit ranges, without the surrogates (PCRE2 refuses them in UTF
 * mode; no UTF-8 text holds one). */
static void put_ranges(struct cm_strbuf *b, const struct cclass *c)
{
	for (size_t i = 0; i < c->n; i++) {
		uint32_t lo = c->r[2 * i], hi = c->r[2 * i + 1];
		for (int part = 0; part < 2; part++) {
			uint32_t a = part ? (lo > 0xe000 ? lo : 0xe000) : lo;
			uint32_t z = part ? hi : (hi < 0xd7ff ? hi : 0xd7ff);
			if (a > z)
				continue;
			put_rune(b, a);
			if (z > a) {
				if (z > a + 1)
					cm_strbuf_str(b, "-");
				put_rune(b, z);
			}
		}
	}
}

/* A negated \P item that is one PCRE2 \P{...}: not C (four parts) and
 * without fold runes to take out too. */
static bool prop_simple(const struct prop *pr)
{
	return !pr->neg || (!pr->fold && strcmp(pr->name, "C"));
}

static bool cls_empty(const struct cclass *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->r[2 * i] < 0xd800 || c->r[2 * i + 1] > 0xdfff)
			return false;
	return true;
}

/* Writes the class as one PCRE2 item: [...] when PCRE2 can say it in
 * one, else an alternation of classes. */
static void cls_emit(struct gp *p, bool neg)
{
	struct cclass *c = &p->cls;
	cls_clean(c, 0);
	bool simple = true, any = !cls_empty(c);
	for (size_t i = 0; i < c->np; i++) {
		simple &= prop_simple(&c->p[i]);
		any |= prop_simple(&c->p[i]);
	}
	struct cm_strbuf *b = &p->out;
	if (simple && !any) { /* empty: Go's class matches nothing */
		put(p, neg ? "(?s:.)" : "(?!)");
		return;
	}
	if (!simple)
		put(p, neg ? "(?:(?!" : "(?:");
	bool bar = false;
	if (any) {
		put(p, neg && simple ? "[^" : "[");
		put_ranges(b, c);
		for (size_t i = 0; i < c->np; i++)
			if (prop_simple(&c->p[i]))
				put_prop(b, &c->p[i], c->p[i].neg);
		put(p, "]");
		bar = true;
	}
	for (size_t i = 0; i < c->np; i++) {
		const struct prop *pr = &c->p[i];
		if (prop_simple(pr))
			continue;
		/* not(table and its fold runes): one class of its own */
		put(p, bar ? "|[^" : "[^");
		put_prop(b, pr, false);
		if (pr->fold)
			for (size_t k = 0; k < pr->fold->n; k++) {
				put_rune(b, pr->fold->ranges[2 * k]);
				put(p, "-");
				put_rune(b, pr->fold->ranges[2 * k + 1]);
			}
		put(p, "]");
		bar = true;
	}
	if (!simple)
		put(p, neg ? ")(?s:.))" : ")");
}

/* Go's parseClass at s ('['): returns what follows, or NULL. */
static const char *parse_class(struct gp *p, const char *s)
{
	const char *t = s + 1;
	bool neg = false, first = true;
	cls_reset(&p->cls);
	if (*t == '^') {
		neg = true;
		t++;
	}
	while (!*t || *t != ']' || first) {
		first = false;
		const char *nt;
		if (t[0] == '[' && t[1] == ':' && t[2]) {
			int rc = named_class(p, t, &nt);
			if (rc < 0)
				return NULL;
			if (rc) {
				t = nt;
				continue;
			}
		}
		if (t[0] == '\\' && (t[1] == 'p' || t[1] == 'P')) {
			if (!(t = unicode_class(p, t)))
				return NULL;
			continue;
		}
		if (perl_class(p, t)) {
			t += 2;
			continue;
		}
		const char *rng = t;
		uint32_t lo, hi;
		if (class_char(p, t, s, &lo, &t) < 0)
			return NULL;
		hi = lo;
		if (t[0] == '-' && t[1] && t[1] != ']') {
			if (class_char(p, t + 1, s, &hi, &t) < 0)
				return NULL;
			if (hi < lo)
				return gp_fail(p, E_CHARRANGE, rng, (size_t)(t - rng)), NULL;
		}
		cls_add(p, lo, hi);
	}
	cls_emit(p, neg);
	return t + 1;
}

/* ---- the main loop: Go's parse ---- */

static int literal(struct gp *p, uint32_t r)
{
	size_t at = p->out.len;
	if (r >= 0xd800 && r <= 0xdfff) { /* a surrogate: no UTF-8 text holds one */
		put(p, "(?!)");
	} else if (p->flags & F_FOLD && simple_fold(r) != r) {
		cls_reset(&p->cls);
		cls_folded_range(&p->cls, r, r);
		cls_emit(p, false);
	} else {
		put_rune(&p->out, r);
	}
	return item(p, at, false, 1, 1);
}

/* An item written whole by the caller between at and the end. */
static int atom(struct gp *p, size_t at, bool group)
{
	return item(p, at, group, 1, 1);
}

static const char *const word_lb =
	"(?:(?<=[0-9A-Z_a-z])(?![0-9A-Z_a-z])|(?<![0-9A-Z_a-z])(?=[0-9A-Z_a-z]))";
static const char *const nonword_lb =
	"(?:(?<=[0-9A-Z_a-z])(?=[0-9A-Z_a-z])|(?<![0-9A-Z_a-z])(?![0-9A-Z_a-z]))";

/* Go's parsePerlFlags at s ("(?"): returns what follows, or NULL. */
static const char *perl_flags(struct gp *p, const char *s)
{
	const char *t = s;
	if (strlen(t) > 4 && t[2] == 'P' && t[3] == '<') {
		const char *end = strchr(t, '>');
		if (!end) {
			if (check_utf8(p, t, strlen(t)) < 0)
				return NULL;
			return gp_fail(p, E_NAMED, s, strlen(s)), NULL;
		}
		const char *name = t + 4;
		if (check_utf8(p, name, (size_t)(end - name)) < 0)
			return NULL;
		bool ok = end > name;
		for (const char *q = name; q < end; q++)
			ok &= *q == '_' || is_alnum((unsigned char)*q);
		if (!ok)
			return gp_fail(p, E_NAMED, t, (size_t)(end + 1 - t)), NULL;
		if (open_group(p, true) < 0)
			return NULL;
		return end + 1;
	}
	unsigned flags = p->flags;
	int sign = 1;
	bool saw = false;
	t += 2;
	while (*t) {
		uint32_t c;
		if (next_rune(p, &t, &c) < 0)
			return NULL;
		switch (c) {
		case 'i':
			flags |= F_FOLD;
			saw = true;
			continue;
		case 'm':
			flags |= F_MULTI;
			saw = true;
			continue;
		case 's':
			flags |= F_DOTNL;
			saw = true;
			continue;
		case 'U':
			flags |= F_UNGREEDY;
			saw = true;
			continue;
		case '-':
			if (sign < 0)
				break;
			sign = -1;
			flags = ~flags; /* so that |= above clears */
			saw = false;
			continue;
		case ':':
		case ')':
			if (sign < 0) {
				if (!saw)
					break;
				flags = ~flags;
			}
			if (c == ':' && open_group(p, false) < 0)
				return NULL;
			p->flags = flags;
			return t;
		default:
			break;
		}
		break;
	}
	return gp_fail(p, E_PERLOP, s, (size_t)(t - s)), NULL;
}

/* One backslash item outside a class at t: returns what follows, or NULL. */
static const char *top_escape(struct gp *p, const char *t)
{
	size_t at = p->out.len;
	switch (t[1]) {
	case 'A':
		put(p, "\\A");
		return atom(p, at, false) < 0 ? NULL : t + 2;
	case 'z':
		put(p, "\\z");
		return atom(p, at, false) < 0 ? NULL : t + 2;
	case 'b':
		put(p, word_lb);
		return atom(p, at, true) < 0 ? NULL : t + 2;
	case 'B':
		put(p, nonword_lb);
		return atom(p, at, true) < 0 ? NULL : t + 2;
	case 'C': /* any byte: Go does not support it */
		return gp_fail(p, E_ESCAPE, t, 2), NULL;
	case 'Q': {
		const char *lit = t + 2, *end = strstr(lit, "\\E");
		const char *stop = end ? end : lit + strlen(lit);
		while (lit < stop) {
			uint32_t c;
			if (next_rune(p, &lit, &c) < 0 || literal(p, c) < 0)
				return NULL;
		}
		return end ? end + 2 : stop;
	}
	default:
		break;
	}
	if (t[1] == 'p' || t[1] == 'P') {
		cls_reset(&p->cls);
		const char *rest = unicode_class(p, t);
		if (!rest)
			return NULL;
		cls_emit(p, false);
		return atom(p, at, false) < 0 ? NULL : rest;
	}
	cls_reset(&p->cls);
	if (perl_class(p, t)) {
		cls_emit(p, false);
		return atom(p, at, false) < 0 ? NULL : t + 2;
	}
	uint32_t r;
	const char *rest;
	if (parse_escape(p, t, &r, &rest) < 0 || literal(p, r) < 0)
		return NULL;
	return rest;
}

/* A repetition operator at t: returns what follows, or NULL. */
static const char *repetition(struct gp *p, const char *t)
{
	if (*t != '{')
		return repeat(p, t, 1, 0, 0, false);
	long min = 0, max = 0;
	const char *end = parse_repeat(t, &min, &max);
	if (!end) /* not a repeat: a literal brace */
		return literal(p, '{') < 0 ? NULL : t + 1;
	if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max))
		return gp_fail(p, E_REPEATSIZE, t, (size_t)(end - t)), NULL;
	return repeat(p, t, (size_t)(end - t), min, max, true);
}

static const char *step(struct gp *p, const char *t)
{
	size_t at = p->out.len;
	uint32_t c;
	switch (*t) {
	case '(':
		if (t[1] == '?')
			return perl_flags(p, t);
		return open_group(p, true) < 0 ? NULL : t + 1;
	case '|':
		vertical_bar(p);
		return t + 1;
	case ')':
		return close_group(p) < 0 ? NULL : t + 1;
	case '^':
		put(p, p->flags & F_MULTI ? "(?:\\A|(?<=\\x{a}))" : "\\A");
		return atom(p, at, p->flags & F_MULTI) < 0 ? NULL : t + 1;
	case '$':
		put(p, p->flags & F_MULTI ? "(?=\\x{a}|\\z)" : "\\z");
		return atom(p, at, false) < 0 ? NULL : t + 1;
	case '.':
		put(p, p->flags & F_DOTNL ? "(?s:.)" : "[^\\x{a}]");
		return atom(p, at, p->flags & F_DOTNL) < 0 ? NULL : t + 1;
	case '[':
		if (!(t = parse_class(p, t)))
			return NULL;
		return atom(p, at, false) < 0 ? NULL : t;
	case '*':
	case '+':
	case '?':
	case '{':
		return repetition(p, t);
	case '\\':
		if (!t[1]) {
			uint32_t r;
			const char *rest;
			return parse_escape(p, t, &r, &rest) < 0 ? NULL : rest;
		}
		return top_escape(p, t);
	default:
		if (next_rune(p, &t, &c) < 0 || literal(p, c) < 0)
			return NULL;
		return t;
	}
}

static int translate(struct gp *p)
{
	level_init(top(p), 0, 0, false);
	for (const char *t = p->whole; *t;) {
		bool is_repeat = strchr("*+?", *t) != NULL ||
				 (*t == '{' && parse_repeat(t, &(long){0}, &(long){0}));
		const char *rest = step(p, t);
		if (!rest)
			return -1;
		p->last_repeat = is_repeat ? t : NULL;
		t = rest;
		if (p->out.len > OUTPUT_MAX || p->cls.oom || p->out.oom)
			break;
	}
	if (p->out.oom || p->cls.oom) {
		snprintf(p->err, p->errlen, "out of memory");
		return -1;
	}
	if (p->out.len > OUTPUT_MAX) {
		snprintf(p->err, p->errlen, "error parsing regexp: expression too large for cmon");
		return -1;
	}
	if (p->depth > 0)
		return fail_whole(p, E_PAREN);
	const struct level *l = top(p);
	unsigned h = branch_height(l);
	if (l->nalt)
		h = (h > l->alt_h ? h : l->alt_h) + 1;
	return h > MAX_HEIGHT ? fail_whole(p, E_DEPTH) : 0;
}

/* ---- PCRE2 ---- */

static int pcre_compile(struct cm_goregex *re, const char *pattern, char *err, size_t errlen)
{
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	if (!cctx)
		goto oom;
	pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
	/* two PCRE2 groups at most for each of Go's, and a few of our own */
	pcre2_set_parens_nest_limit(cctx, 2 * MAX_GROUPS + 16);
	int code;
	PCRE2_SIZE off;
	re->code = pcre2_compile((PCRE2_SPTR)re->pcre_pattern, PCRE2_ZERO_TERMINATED,
				 PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C,
				 &code, &off, cctx);
	pcre2_compile_context_free(cctx);
	if (!re->code) {
		PCRE2_UCHAR msg[160];
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		snprintf(err, errlen, "error parsing regexp: cmon cannot run this expression "
			 "(PCRE2: %s): `%s`", (const char *)msg, pattern);
		return -1;
	}
	re->md = pcre2_match_data_create(1, NULL);
	re->mctx = pcre2_match_context_create(NULL);
	if (!re->md || !re->mctx)
		goto oom;
	pcre2_set_match_limit(re->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, HEAP_LIMIT_KIB);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

struct cm_goregex *cm_goregex_compile(const char *pattern, char *err, size_t errlen)
{
	size_t len = strlen(pattern);
	if (len > PATTERN_MAX) {
		snprintf(err, errlen, "error parsing regexp: %zu bytes is longer than cmon "
			 "accepts (%d)", len, PATTERN_MAX);
		return NULL;
	}
	struct gp p = {.whole = pattern, .err = err, .errlen = errlen};
	struct cm_goregex *re = calloc(1, sizeof(*re));
	p.lv = calloc(MAX_GROUPS + 1, sizeof(*p.lv));
	if (!re || !p.lv) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	put(&p, "");
	if (translate(&p) < 0)
		goto fail;
	re->pcre_pattern = p.out.s;
	p.out.s = NULL;
	if (pcre_compile(re, pattern, err, errlen) < 0)
		goto fail;
	free(p.lv);
	free(p.cls.r);
	free(p.cls.p);
	return re;
fail:
	cm_strbuf_free(&p.out);
	free(p.lv);
	free(p.cls.r);
	free(p.cls.p);
	cm_goregex_free(re);
	return NULL;
}

/* s with each byte that is not UTF-8 replaced by U+FFFD, as Go's decoder
 * reads it; NULL when s is well-formed (or memory runs out). */
static char *go_text(const char *s, size_t n, size_t *outlen)
{
	size_t i = 0, k;
	while (i < n && ((unsigned char)s[i] < 0x80 || (k = cm_utf8_seq((const unsigned char *)s + i, n - i))))
		i += (unsigned char)s[i] < 0x80 ? 1 : k;
	if (i == n)
		return NULL;
	char *out = malloc(3 * n + 1), *o = out;
	if (!out)
		return NULL;
	memcpy(o, s, i);
	o += i;
	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			*o++ = s[i++];
		} else if ((k = cm_utf8_seq((const unsigned char *)s + i, n - i))) {
			memcpy(o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*outlen = (size_t)(o - out);
	return out;
}

bool cm_goregex_match(struct cm_goregex *re, const char *s)
{
	return cm_goregex_match_n(re, s, strlen(s));
}

bool cm_goregex_match_n(struct cm_goregex *re, const char *s, size_t n)
{
	size_t m = n;
	char *fixed = go_text(s, n, &m);
	const char *subject = fixed ? fixed : s;
	int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, m, 0, 0, re->md, re->mctx);
	free(fixed);
	/* PCRE2_ERROR_MATCHLIMIT and the like: no match (see the header) */
	return rc >= 0;
}

void cm_goregex_free(struct cm_goregex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	free(re->pcre_pattern);
	free(re);
}

const char *cm_goregex_pcre_pattern(const struct cm_goregex *re)
{
	return re->pcre_pattern;
}
