/* profile_legacy: pprof's legacy profile parsers (profile/legacy_profile.go
 * of pprof 1.19) and the builder they share with profile_legacy_java.c.
 *
 * Each parser follows its Go original step by step, down to the quirks
 * that decide what a hostile input turns into (which lines are skipped,
 * which error wins), so that cmon reads what go tool pprof reads. The
 * regular expressions are pprof's, run by PCRE2, whose leftmost-first
 * matching gives the groups Go's regexp gives; Go's \s (no \v) is spelt
 * out. Everything is bounded by the input: a frame costs at least 3 bytes
 * of text or 4 of binary, lines are at most 64 KiB as in bufio.Scanner. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "cmon/profile/legacy.h"

#include <inttypes.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/arena.h"

enum { MAX_LINE = 64 * 1024 - 1 }; /* bufio.MaxScanTokenSize, less the newline */

#define S "[\\t\\n\\f\\r ]"   /* Go's \s */
#define NS "[^\\t\\n\\f\\r ]" /* Go's \S */
#define HEX_RANGE S "*(?:0x)?([[:xdigit:]]+)(?:" S "|-)?" S "*(?:0x)?([[:xdigit:]]+):?"

static const char *const rx_source[RX_N] = {
	[RX_COUNT_START] = "\\A(" NS "+) profile: total \\d+\\z",
	[RX_COUNT] = "\\A(\\d+) @(( 0x[0-9a-f]+)+)\\z",
	[RX_HEAP_HEADER] = "heap profile: *(\\d+): *(\\d+) *\\[ *(\\d+): *(\\d+) *\\] *@ *(heap[_a-z0-9]*)/?(\\d*)",
	[RX_HEAP_SAMPLE] = "(-?\\d+): *(-?\\d+) *\\[ *(\\d+): *(\\d+) *] @([ x0-9a-f]*)",
	[RX_CONT_SAMPLE] = "(\\d+) *(\\d+) @([ x0-9a-f]*)",
	[RX_GROWTH] = "heap profile: *(\\d+): *(\\d+) *\\[ *(\\d+): *(\\d+) *\\] @ growthz?",
	[RX_FRAG] = "heap profile: *(\\d+): *(\\d+) *\\[ *(\\d+): *(\\d+) *\\] @ fragmentationz?",
	[RX_THREADZ] = "--- threadz \\d+ ---",
	[RX_THREAD] = "--- Thread ([[:xdigit:]]+) \\(name: (.*)/(\\d+)\\) stack: ---",
	[RX_PROCMAPS] = "^" HEX_RANGE "(?:" S "+([-rwxp]+))?(?:" S "+([[:xdigit:]]+))?" S
			"+[[:xdigit:]]+:[[:xdigit:]]+" S "+[[:digit:]]+(?:" S "+(" NS "+))?",
	[RX_BRIEFMAPS] = "^" HEX_RANGE "(?:" S "+([-rwxp]+))?(?:" S "+(" NS "+))?(?:" S
			 "+\\(@([[:xdigit:]]+)\\))?(?:" S "+([[:xdigit:]]+))?",
	[RX_LOGINFO] = "^[^\\[\\]]+:[0-9]+]" S,
	[RX_JAVA_ATTR] = "([\\w ]+)=([\\w ]+)",
	[RX_JAVA_SAMPLE] = " *(\\d+) +(\\d+) +@ +([ x0-9a-f]*)",
	[RX_JAVA_LOC] = "^" S "*0x([[:xdigit:]]+)" S "+(.*)" S "*\\z",
	[RX_JAVA_FILELINE] = "^(.*)" S "+\\((.+):(-?[[:digit:]]+)\\)\\z",
	[RX_JAVA_PATH] = "^(.*)" S "+\\((.*)\\)\\z",
};

/* ---- errors, lines, numbers ---- */

int lg_fail(struct lg *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->err, g->errlen, fmt, ap);
	va_end(ap);
	return CM_LEGACY_ERROR;
}

int lg_oom(struct lg *g)
{
	return lg_fail(g, "out of memory");
}

void lg_lines_init(struct lg_lines *s, const char *p, size_t n)
{
	s->p = p;
	s->end = p + n;
	s->line = "";
	s->len = 0;
	s->too_long = false;
}

bool lg_lines_next(struct lg_lines *s)
{
	s->line = "";
	s->len = 0;
	if (s->too_long || s->p >= s->end)
		return false;
	const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
	const char *stop = nl ? nl : s->end;
	size_t n = (size_t)(stop - s->p);
	if (n > MAX_LINE) {
		s->too_long = true;
		return false;
	}
	s->line = s->p;
	s->len = n > 0 && s->p[n - 1] == '\r' ? n - 1 : n;
	s->p = nl ? nl + 1 : s->end;
	return true;
}

/* Length of the Unicode space (as Go's unicode.IsSpace) at s[0..n), or 0. */
static size_t space_at(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	unsigned cp = (unsigned)(s[0] & 0x0f) << 12 | (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	if ((s[0] & 0xf0) != 0xe0 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
		return 0;
	if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000)
		return 3;
	return 0;
}

void lg_trim(const char **sp, size_t *np)
{
	const unsigned char *s = (const unsigned char *)*sp;
	size_t n = *np, k;
	while ((k = space_at(s, n)) > 0) {
		s += k;
		n -= k;
	}
	for (;;) {
		size_t cut = 0;
		for (size_t w = 1; w <= 3 && w <= n && !cut; w++)
			if (space_at(s + n - w, w) == w)
				cut = w;
		if (!cut)
			break;
		n -= cut;
	}
	*sp = (const char *)s;
	*np = n;
}

static bool space_or_comment(const char *s, size_t n)
{
	lg_trim(&s, &n);
	return n == 0 || s[0] == '#';
}

/* The next line, trimmed, that is not blank or a comment. */
static bool next_data_line(struct lg_lines *s, const char **l, size_t *ln)
{
	while (lg_lines_next(s)) {
		*l = s->line;
		*ln = s->len;
		lg_trim(l, ln);
		if (*ln && (*l)[0] != '#')
			return true;
	}
	return false;
}

static bool has_prefix(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && !memcmp(s, pre, k);
}

static bool contains(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

static bool memory_map_sentinel(const char *s, size_t n)
{
	return contains(s, n, "--- Memory map: ---") || contains(s, n, "MAPPED_LIBRARIES:");
}

static int lower(int c)
{
	return c | 0x20;
}

/* Go's underscoreOK: underscores only between digits (base 0 numbers). */
static bool underscore_ok(const char *s, size_t n)
{
	char saw = '^';
	size_t i = 0;
	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	bool hex = false;
	if (n >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
		i = 2;
		saw = '0';
		hex = lower(s[1]) == 'x';
	}
	for (; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') || (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')) {
			saw = '0';
			continue;
		}
		if (s[i] == '_') {
			if (saw != '0')
				return false;
			saw = '_';
			continue;
		}
		if (saw == '_')
			return false;
		saw = '!';
	}
	return saw != '_';
}

static int num_error(const char *fn, const char *s, size_t n, const char *why, char *msg, size_t msglen)
{
	if (msg)
		snprintf(msg, msglen, "strconv.%s: parsing \"%.*s\": %s", fn, (int)(n > 200 ? 200 : n), s, why);
	return -1;
}

static int parse_uint(const char *fn, const char *s0, size_t n0, int base, uint64_t *out,
		      char *msg, size_t msglen)
{
	const char *s = s0;
	size_t n = n0;
	bool base0 = base == 0, underscores = false;
	*out = 0;
	if (n == 0)
		return num_error(fn, s0, n0, "invalid syntax", msg, msglen);
	if (base0) {
		base = 10;
		if (s[0] == '0') {
			int c = n >= 3 ? lower(s[1]) : 0;
			base = c == 'b' ? 2 : c == 'o' ? 8 : c == 'x' ? 16 : 8;
			size_t skip = c == 'b' || c == 'o' || c == 'x' ? 2 : 1;
			s += skip;
			n -= skip;
		}
	}
	uint64_t v = 0, cutoff = UINT64_MAX / (uint64_t)base + 1;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i], d;
		if (c == '_' && base0) {
			underscores = true;
			continue;
		} else if (c >= '0' && c <= '9') {
			d = c - '0';
		} else if (lower(c) >= 'a' && lower(c) <= 'z') {
			d = lower(c) - 'a' + 10;
		} else {
			return num_error(fn, s0, n0, "invalid syntax", msg, msglen);
		}
		if (d >= base)
			return num_error(fn, s0, n0, "invalid syntax", msg, msglen);
		if (v >= cutoff || v * (uint64_t)base + (uint64_t)d < v * (uint64_t)base)
			return *out = UINT64_MAX, num_error(fn, s0, n0, "value out of range", msg, msglen);
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (underscores && !underscore_ok(s0, n0))
		return num_error(fn, s0, n0, "invalid syntax", msg, msglen);
	*out = v;
	return 0;
}

int lg_parse_uint(const char *s, size_t n, int base, uint64_t *out, char *msg, size_t msglen)
{
	return parse_uint("ParseUint", s, n, base, out, msg, msglen);
}

int lg_parse_int(const char *s0, size_t n0, int base, int64_t *out, char *msg, size_t msglen)
{
	const char *s = s0;
	size_t n = n0;
	*out = 0;
	if (n == 0)
		return num_error("ParseInt", s0, n0, "invalid syntax", msg, msglen);
	bool neg = s[0] == '-';
	if (s[0] == '+' || s[0] == '-') {
		s++;
		n--;
	}
	uint64_t u;
	if (parse_uint("ParseInt", s, n, base, &u, NULL, 0) < 0) {
		/* Go reports the whole input, sign included. */
		bool range = u == UINT64_MAX;
		return num_error("ParseInt", s0, n0, range ? "value out of range" : "invalid syntax", msg, msglen);
	}
	uint64_t cutoff = (uint64_t)1 << 63;
	if ((!neg && u >= cutoff) || (neg && u > cutoff))
		return num_error("ParseInt", s0, n0, "value out of range", msg, msglen);
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* ---- regular expressions ---- */

int lg_match(struct lg *g, int which, const char *s, size_t n, size_t *ov)
{
	if (!g->md) {
		g->md = pcre2_match_data_create(8, NULL);
		g->mctx = pcre2_match_context_create(NULL);
		if (!g->md || !g->mctx)
			return -1;
		/* Go's regexp is linear; a backtracking engine is bounded instead.
		 * pprof's patterns stay far below this on lines of 64 KiB. */
		pcre2_set_match_limit(g->mctx, 20u << 20);
		pcre2_set_heap_limit(g->mctx, 64u << 10);
	}
	if (!g->rx[which]) {
		int ec;
		PCRE2_SIZE eo;
		g->rx[which] = pcre2_compile((PCRE2_SPTR)rx_source[which], PCRE2_ZERO_TERMINATED, 0,
					     &ec, &eo, NULL);
		if (!g->rx[which])
			return -1;
	}
	int rc = pcre2_match(g->rx[which], (PCRE2_SPTR)s, n, 0, 0, g->md, g->mctx);
	if (rc < 0)
		return 0; /* no match, or past the limits: treated as no match */
	PCRE2_SIZE *o = pcre2_get_ovector_pointer(g->md);
	uint32_t pairs = pcre2_get_ovector_count(g->md);
	for (uint32_t i = 0; i < 8; i++) {
		bool set = i < pairs && i < (uint32_t)rc && o[2 * i] != PCRE2_UNSET;
		ov[2 * i] = set ? o[2 * i] : SIZE_MAX;
		ov[2 * i + 1] = set ? o[2 * i + 1] : SIZE_MAX;
	}
	return 1;
}

/* Group i of the last match: its text (an unset group is ""). */
static const char *group(const char *s, const size_t *ov, int i, size_t *len)
{
	if (ov[2 * i] == SIZE_MAX) {
		*len = 0;
		return "";
	}
	*len = ov[2 * i + 1] - ov[2 * i];
	return s + ov[2 * i];
}

static bool group_eq(const char *s, const size_t *ov, int a, int b)
{
	size_t la, lb;
	const char *x = group(s, ov, a, &la), *y = group(s, ov, b, &lb);
	return la == lb && !memcmp(x, y, la);
}

static bool group_is(const char *s, const size_t *ov, int i, const char *lit)
{
	size_t n;
	const char *x = group(s, ov, i, &n);
	return n == strlen(lit) && !memcmp(x, lit, n);
}

/* ---- the builder ---- */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -1;
		ncap *= 2;
	}
	void *n = realloc(*arr, ncap * elem);
	if (!n)
		return -1;
	*arr = n;
	*cap = ncap;
	return 0;
}

static size_t hash_slot(const struct lg *g, uint64_t addr)
{
	uint64_t h = (addr ^ (addr >> 29)) * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 7) & (g->hcap - 1);
}

uint32_t lg_find(const struct lg *g, uint64_t addr)
{
	if (!g->hcap)
		return CM_NONE;
	for (size_t i = hash_slot(g, addr);; i = (i + 1) & (g->hcap - 1)) {
		if (g->hvals[i] == CM_NONE)
			return CM_NONE;
		if (g->hkeys[i] == addr)
			return g->hvals[i];
	}
}

static void hash_put(struct lg *g, uint64_t addr, uint32_t idx)
{
	size_t i = hash_slot(g, addr);
	while (g->hvals[i] != CM_NONE)
		i = (i + 1) & (g->hcap - 1);
	g->hkeys[i] = addr;
	g->hvals[i] = idx;
}

static int hash_grow(struct lg *g)
{
	size_t ncap = g->hcap ? g->hcap * 2 : 256;
	uint64_t *k = malloc(ncap * sizeof(*k));
	uint32_t *v = malloc(ncap * sizeof(*v));
	if (!k || !v) {
		free(k);
		free(v);
		return -1;
	}
	memset(v, 0xff, ncap * sizeof(*v));
	free(g->hkeys);
	free(g->hvals);
	g->hkeys = k;
	g->hvals = v;
	g->hcap = ncap;
	for (size_t i = 0; i < g->nlocs; i++)
		hash_put(g, g->locs[i].addr, (uint32_t)i);
	return 0;
}

int lg_frame(struct lg *g, uint64_t addr)
{
	uint32_t idx = lg_find(g, addr);
	if (idx == CM_NONE) {
		if (g->nlocs >= INT32_MAX)
			return -1;
		if ((g->nlocs + 1) * 2 > g->hcap && hash_grow(g) < 0)
			return -1;
		if (grow((void **)&g->locs, &g->caplocs, g->nlocs + 1, sizeof(*g->locs)) < 0)
			return -1;
		idx = (uint32_t)g->nlocs++;
		g->locs[idx] = (struct lg_loc){addr, CM_NONE, CM_NONE, 0, CM_NONE};
		hash_put(g, addr, idx);
	}
	if (grow((void **)&g->stk, &g->capstk, g->nstk + 1, sizeof(*g->stk)) < 0)
		return -1;
	g->stk[g->nstk++] = idx;
	return 0;
}

int lg_sample(struct lg *g, const int64_t *v, size_t n)
{
	if (grow((void **)&g->samples, &g->capsamples, g->nsamples + 1, sizeof(*g->samples)) < 0)
		return -1;
	size_t off = g->nsamples ? g->samples[g->nsamples - 1].off + g->samples[g->nsamples - 1].n : 0;
	struct lg_sample *s = &g->samples[g->nsamples++];
	memset(s, 0, sizeof(*s));
	memcpy(s->v, v, n * sizeof(*v));
	s->off = off;
	s->n = (uint32_t)(g->nstk - off);
	return 0;
}

static uint64_t str_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int fn_hash_grow(struct lg *g)
{
	size_t ncap = g->fhcap ? g->fhcap * 2 : 64;
	uint32_t *t = malloc(ncap * sizeof(*t));
	if (!t)
		return -1;
	memset(t, 0xff, ncap * sizeof(*t));
	for (size_t i = 0; i < g->nfns; i++) {
		size_t k = (size_t)str_hash(g->fns[i].name, strlen(g->fns[i].name)) & (ncap - 1);
		while (t[k] != CM_NONE)
			k = (k + 1) & (ncap - 1);
		t[k] = (uint32_t)i;
	}
	free(g->fhash);
	g->fhash = t;
	g->fhcap = ncap;
	return 0;
}

uint32_t lg_function(struct lg *g, const char *name, size_t n, const char *file, size_t flen)
{
	if ((g->nfns + 1) * 2 > g->fhcap && fn_hash_grow(g) < 0)
		return CM_NONE;
	size_t k = (size_t)str_hash(name, n) & (g->fhcap - 1);
	for (; g->fhash[k] != CM_NONE; k = (k + 1) & (g->fhcap - 1)) {
		const char *f = g->fns[g->fhash[k]].name;
		if (strlen(f) == n && !memcmp(f, name, n))
			return g->fhash[k];
	}
	if (grow((void **)&g->fns, &g->capfns, g->nfns + 1, sizeof(*g->fns)) < 0)
		return CM_NONE;
	const char *nm = cm_arena_strndup(&g->p->arena, name, n);
	const char *fl = cm_arena_strndup(&g->p->arena, file, flen);
	if (!nm || !fl)
		return CM_NONE;
	g->fns[g->nfns] = (struct lg_fn){nm, fl, CM_NONE};
	g->fhash[k] = (uint32_t)g->nfns;
	return (uint32_t)g->nfns++;
}

void lg_set_types(struct lg *g, size_t n, const char *const *types, const char *const *units)
{
	g->ntypes = n;
	for (size_t i = 0; i < n; i++) {
		g->types[i] = types[i];
		g->units[i] = units[i];
	}
}

static void set_period(struct lg *g, const char *type, const char *unit, int64_t period)
{
	g->p->period_type.type = type;
	g->p->period_type.unit = unit;
	g->p->has_period_type = true;
	g->p->period = period;
}

int lg_hex_frames(struct lg *g, const char *s, size_t n, uint64_t adjust, bool skip_first,
		  const char *line, size_t linelen)
{
	bool first = true;
	for (size_t i = 0; i + 2 < n;) {
		size_t j = i + 2;
		if (s[i] != '0' || s[i + 1] != 'x' || !((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f'))) {
			i++;
			continue;
		}
		while (j < n && ((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f')))
			j++;
		uint64_t addr;
		if (lg_parse_uint(s + i, j - i, 0, &addr, NULL, 0) < 0)
			return lg_fail(g, "malformed sample: %.*s: failed to parse as hex 64-bit number: %.*s",
				       (int)(linelen > 300 ? 300 : linelen), line, (int)(j - i > 40 ? 40 : j - i), s + i);
		if (lg_frame(g, first && skip_first ? addr : addr - adjust) < 0)
			return lg_oom(g);
		first = false;
		i = j;
	}
	return CM_LEGACY_OK;
}

void lg_scale_heap(int64_t *count, int64_t *size, int64_t rate)
{
	if (*count == 0 || *size == 0) {
		*count = *size = 0;
		return;
	}
	if (rate <= 1)
		return;
	double avg = (double)*size / (double)*count;
	double scale = 1 / (1 - exp(-avg / (double)rate));
	*count = cm_f64_to_i64((double)*count * scale);
	*size = cm_f64_to_i64((double)*size * scale);
}

/* ---- memory maps ---- */

static const char *arena_str(struct lg *g, const char *s, size_t n)
{
	return cm_arena_strndup(&g->p->arena, s, n);
}

/* pprof's parseMappingEntry: 1 a mapping, 0 skipped (not executable),
 * -1 not a mapping line. */
static int mapping_entry(struct lg *g, const char *l, size_t n, struct lg_map *m)
{
	size_t ov[16], sl, el, pl, fl, ol, bl = 0;
	const char *start, *end, *perm, *file, *off, *bid = "";
	if (lg_match(g, RX_PROCMAPS, l, n, ov) == 1) {
		start = group(l, ov, 1, &sl);
		end = group(l, ov, 2, &el);
		perm = group(l, ov, 3, &pl);
		off = group(l, ov, 4, &ol);
		file = group(l, ov, 5, &fl);
	} else if (lg_match(g, RX_BRIEFMAPS, l, n, ov) == 1) {
		start = group(l, ov, 1, &sl);
		end = group(l, ov, 2, &el);
		perm = group(l, ov, 3, &pl);
		file = group(l, ov, 4, &fl);
		off = group(l, ov, 5, &ol);
		bid = group(l, ov, 6, &bl);
	} else {
		return -1;
	}
	if (pl && !memchr(perm, 'x', pl))
		return 0;
	memset(m, 0, sizeof(*m));
	if (lg_parse_uint(start, sl, 16, &m->start, NULL, 0) < 0 ||
	    lg_parse_uint(end, el, 16, &m->limit, NULL, 0) < 0 ||
	    (ol && lg_parse_uint(off, ol, 16, &m->offset, NULL, 0) < 0))
		return -1;
	m->file = arena_str(g, file, fl);
	m->build_id = arena_str(g, bid, bl);
	return m->file && m->build_id ? 1 : -2;
}

/* "$attr" -> value pairs of a memory map (strings.NewReplacer: at each
 * position the first pair, in order, whose key is there). */
struct attrs {
	char **kv;
	size_t n, cap;
	uint64_t work; /* key comparisons so far */
};

enum { MAX_ATTRS = 4096, MAX_REPLACED = 1 << 20 };
#define MAX_ATTR_WORK ((uint64_t)1 << 28)

static const char *replace_attrs(struct attrs *a, const char *s, size_t n, char *buf,
				 size_t *outlen)
{
	if (a->n == 0) {
		*outlen = n;
		return s;
	}
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t k = s[i] == '$' ? 0 : a->n; /* every key starts with '$' */
		a->work += a->n / 2;
		if (a->work > MAX_ATTR_WORK)
			return NULL;
		for (; k < a->n; k += 2) {
			size_t kl = strlen(a->kv[k]);
			if (kl <= n - i && !memcmp(s + i, a->kv[k], kl))
				break;
		}
		const char *piece = k < a->n ? a->kv[k + 1] : s + i;
		size_t pl = k < a->n ? strlen(piece) : 1;
		if (o + pl > MAX_REPLACED)
			return NULL;
		memcpy(buf + o, piece, pl);
		o += pl;
		i += k < a->n ? strlen(a->kv[k]) : 1;
	}
	*outlen = o;
	return buf;
}

static int add_attr(struct attrs *a, const char *l, size_t n)
{
	const char *eq = memchr(l, '=', n);
	if (!eq)
		return 0;
	if (a->n >= 2 * MAX_ATTRS)
		return -1;
	const char *k = l, *v = eq + 1;
	size_t kn = (size_t)(eq - l), vn = n - kn - 1;
	lg_trim(&k, &kn);
	lg_trim(&v, &vn);
	if (grow((void **)&a->kv, &a->cap, a->n + 2, sizeof(char *)) < 0)
		return -1;
	char *key = malloc(kn + 2), *val = malloc(vn + 1);
	if (!key || !val) {
		free(key);
		free(val);
		return -1;
	}
	key[0] = '$';
	memcpy(key + 1, k, kn);
	key[kn + 1] = '\0';
	memcpy(val, v, vn);
	val[vn] = '\0';
	a->kv[a->n++] = key;
	a->kv[a->n++] = val;
	return 0;
}

static void attrs_free(struct attrs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->kv[i]);
	free(a->kv);
}

/* pprof's parseProcMapsFromScanner, appending to g->maps. */
static int parse_maps(struct lg *g, struct lg_lines *s)
{
	struct attrs a = {0};
	char *buf = malloc(MAX_REPLACED);
	int rc = buf ? CM_LEGACY_OK : lg_oom(g);
	while (rc == CM_LEGACY_OK && lg_lines_next(s)) {
		const char *l = s->line;
		size_t n = s->len, ov[16];
		if (lg_match(g, RX_LOGINFO, l, n, ov) == 1) {
			l += ov[1];
			n -= ov[1];
		}
		l = replace_attrs(&a, l, n, buf, &n);
		if (!l) {
			rc = lg_fail(g, "memory map: too much $attribute substitution");
			break;
		}
		struct lg_map m;
		int e = mapping_entry(g, l, n, &m);
		if (e == -2)
			rc = lg_oom(g);
		else if (e == -1 && add_attr(&a, l, n) < 0)
			rc = lg_fail(g, "memory map: more than %d attributes", MAX_ATTRS);
		else if (e == 1 && grow((void **)&g->maps, &g->capmaps, g->nmaps + 1, sizeof(*g->maps)) < 0)
			rc = lg_oom(g);
		else if (e == 1)
			g->maps[g->nmaps++] = m;
	}
	if (rc == CM_LEGACY_OK && s->too_long)
		rc = lg_fail(g, "bufio.Scanner: token too long");
	attrs_free(&a);
	free(buf);
	return rc;
}

static bool adjacent(const struct lg_map *a, const struct lg_map *b)
{
	if (*a->file && *b->file && strcmp(a->file, b->file))
		return false;
	if (*a->build_id && *b->build_id && strcmp(a->build_id, b->build_id))
		return false;
	if (a->limit != b->start)
		return false;
	if (a->offset != 0 && b->offset != 0 && a->offset + (a->limit - a->start) != b->offset)
		return false;
	return true;
}

/* libRx: `([.]so$|[.]so[._][0-9]+)` */
static bool is_lib(const char *f)
{
	size_t n = strlen(f);
	if (n >= 3 && !strcmp(f + n - 3, ".so"))
		return true;
	for (const char *p = f; (p = strstr(p, ".so")) != NULL; p++)
		if ((p[3] == '.' || p[3] == '_') && p[4] >= '0' && p[4] <= '9')
			return true;
	return false;
}

/* pprof's massageMappings. */
static void massage_mappings(struct lg *g)
{
	if (g->nmaps > 1) {
		size_t k = 1;
		for (size_t i = 1; i < g->nmaps; i++) {
			struct lg_map *lm = &g->maps[k - 1], *m = &g->maps[i];
			if (adjacent(lm, m)) {
				lm->limit = m->limit;
				if (*m->file)
					lm->file = m->file;
				if (*m->build_id)
					lm->build_id = m->build_id;
				continue; /* no location has a mapping yet */
			}
			g->maps[k++] = *m;
		}
		g->nmaps = k;
	}
	for (size_t i = 0; i < g->nmaps; i++) {
		/* strings.TrimSpace(strings.Replace(file, "(deleted)", "", -1)) */
		const char *f = g->maps[i].file;
		char buf[4096];
		size_t o = 0;
		for (const char *p = f; *p && o < sizeof(buf) - 1;) {
			if (!strncmp(p, "(deleted)", 9)) {
				p += 9;
				continue;
			}
			buf[o++] = *p++;
		}
		const char *t = buf;
		size_t tn = o;
		lg_trim(&t, &tn);
		if (tn == 0 || t[0] == '[')
			continue;
		char tb[4096];
		memcpy(tb, t, tn);
		tb[tn] = '\0';
		if (is_lib(tb))
			continue;
		struct lg_map tmp = g->maps[0];
		g->maps[0] = g->maps[i];
		g->maps[i] = tmp;
		break;
	}
}

/* Mapping and location tables cost nmaps * nlocs to match, as in pprof. */
#define MAX_MATCH_WORK ((uint64_t)1 << 30)

int lg_remap(struct lg *g)
{
	/* remapLocationIDs: locations in order of first use by a sample. */
	free(g->order);
	g->order = malloc((g->nlocs ? g->nlocs : 1) * sizeof(*g->order));
	if (!g->order)
		return lg_oom(g);
	g->norder = 0;
	for (size_t i = 0; i < g->nlocs; i++)
		g->locs[i].order = CM_NONE;
	for (size_t i = 0; i < g->nsamples; i++) {
		const struct lg_sample *s = &g->samples[i];
		for (uint32_t k = 0; k < s->n; k++) {
			uint32_t li = g->stk[s->off + k];
			if (g->locs[li].order == CM_NONE) {
				g->locs[li].order = (uint32_t)g->norder;
				g->order[g->norder++] = li;
			}
		}
	}
	/* remapFunctionIDs */
	uint32_t nf = 0;
	for (size_t i = 0; i < g->nfns; i++)
		g->fns[i].order = CM_NONE;
	for (size_t i = 0; i < g->norder; i++) {
		uint32_t f = g->locs[g->order[i]].fn;
		if (f != CM_NONE && g->fns[f].order == CM_NONE)
			g->fns[f].order = nf++;
	}
	/* remapMappingIDs */
	if (g->nmaps > 1 && !strncmp(g->maps[0].file, "/anon_hugepage", 14) &&
	    g->maps[0].limit == g->maps[1].start) {
		memmove(g->maps, g->maps + 1, (g->nmaps - 1) * sizeof(*g->maps));
		g->nmaps--;
	}
	if (g->nmaps > 0 && g->maps[0].start - g->maps[0].offset == 0x400000) {
		g->maps[0].start = 0x400000;
		g->maps[0].offset = 0;
	}
	if ((uint64_t)g->nmaps * g->norder > MAX_MATCH_WORK)
		return lg_fail(g, "%zu mappings for %zu locations: too many to match", g->nmaps, g->norder);
	size_t fake = SIZE_MAX;
	for (size_t i = 0; i < g->norder; i++) {
		struct lg_loc *l = &g->locs[g->order[i]];
		uint64_t a = l->addr;
		if (l->mapping != CM_NONE || a == 0)
			continue;
		for (size_t k = 0; k < g->nmaps && l->mapping == CM_NONE; k++)
			if (g->maps[k].start <= a && a < g->maps[k].limit)
				l->mapping = (uint32_t)k;
		for (size_t k = 0; k < g->nmaps && l->mapping == CM_NONE; k++) {
			struct lg_map *m = &g->maps[k];
			if (m->offset != 0 && m->start - m->offset <= a && a < m->start) {
				m->start -= m->offset;
				m->offset = 0;
				l->mapping = (uint32_t)k;
			}
		}
		if (l->mapping != CM_NONE)
			continue;
		if (fake == SIZE_MAX) {
			if (grow((void **)&g->maps, &g->capmaps, g->nmaps + 1, sizeof(*g->maps)) < 0)
				return lg_oom(g);
			fake = g->nmaps++;
			g->maps[fake] = (struct lg_map){0, UINT64_MAX, 0, "", ""};
		}
		l->mapping = (uint32_t)fake;
	}
	return CM_LEGACY_OK;
}

/* pprof's ParseMemoryMapFromScanner: the map, then the remapping. */
static int memory_map(struct lg *g, struct lg_lines *s)
{
	int rc = parse_maps(g, s);
	if (rc != CM_LEGACY_OK)
		return rc;
	massage_mappings(g);
	return lg_remap(g);
}

/* pprof's parseAdditionalSections: skip to the memory map, read it. */
static int additional_sections(struct lg *g, struct lg_lines *s)
{
	while (!memory_map_sentinel(s->line, s->len) && lg_lines_next(s)) {
	}
	if (s->too_long)
		return lg_fail(g, "bufio.Scanner: token too long");
	return memory_map(g, s);
}

/* pprof's cleanupDuplicateLocations: a leaf seen twice (once adjusted). */
static void cleanup_duplicates(struct lg *g)
{
	for (size_t i = 0; i < g->nsamples; i++) {
		struct lg_sample *s = &g->samples[i];
		if (s->n < 2)
			continue; /* and g->stk may be NULL: no frame at all yet */
		uint32_t *f = g->stk + s->off;
		if (g->locs[f[0]].addr == g->locs[f[1]].addr + 1) {
			memmove(f + 1, f + 2, (s->n - 2) * sizeof(*f));
			s->n--;
		}
	}
}

/* ---- the legacy binary CPU format ---- */

typedef uint64_t (*word_fn)(const unsigned char *b, size_t n, size_t *pos, bool *ok);

static uint64_t get_word(const unsigned char *b, size_t n, size_t *pos, bool *ok, int size, bool big)
{
	if (!*ok || n - *pos < (size_t)size) {
		*ok = false;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (uint64_t)b[*pos + (size_t)(big ? size - 1 - i : i)] << (8 * i);
	*pos += (size_t)size;
	return v;
}

struct cpu_words {
	int size;
	bool big;
};

static uint64_t word(const struct cpu_words *w, const unsigned char *b, size_t n, size_t *pos, bool *ok)
{
	return get_word(b, n, pos, ok, w->size, w->big);
}

/* pprof's parseCPUSamples; *pos ends after the end-of-data marker. */
static int cpu_samples(struct lg *g, const struct cpu_words *w, const unsigned char *b, size_t n,
		       size_t *pos, bool adjust)
{
	int64_t period = g->p->period;
	while (*pos < n) {
		bool ok = true;
		uint64_t count = word(w, b, n, pos, &ok), nstk = word(w, b, n, pos, &ok);
		if (!ok || nstk > (uint64_t)((n - *pos) / 4))
			return CM_LEGACY_UNRECOGNIZED;
		size_t at = *pos;
		bool more = true;
		if (count == 0 && nstk == 1 && word(w, b, n, &at, &more) == 0) {
			*pos = more ? at : n;
			break; /* the end-of-data marker */
		}
		for (uint64_t i = 0; i < nstk; i++) {
			/* Past the end the words read as 0 (pprof's nil slice). */
			uint64_t addr = word(w, b, n, pos, &ok);
			if (lg_frame(g, adjust && i > 0 ? addr - 1 : addr) < 0)
				return lg_oom(g);
		}
		if (!ok)
			*pos = n;
		int64_t v[2] = {(int64_t)count, cm_mul64((int64_t)count, period)};
		if (lg_sample(g, v, 2) < 0)
			return lg_oom(g);
	}
	return CM_LEGACY_OK;
}

/* pprof's cpuProfile: strip up to two frames pushed by the signal handler
 * when nearly every sample has them. */
static void strip_handler_frames(struct lg *g)
{
	size_t margin = g->nsamples / 32;
	for (int iter = 0; iter < 2; iter++) {
		/* At most one address can reach nsamples - margin (see pprof). */
		uint64_t cand = 0;
		size_t votes = 0;
		for (size_t i = 0; i < g->nsamples; i++) { /* majority vote */
			struct lg_sample *s = &g->samples[i];
			if (s->n < 2)
				continue;
			uint64_t a = g->locs[g->stk[s->off + 1]].addr;
			if (votes == 0)
				cand = a, votes = 1;
			else
				votes += cand == a ? 1 : (size_t)-1;
		}
		size_t count = 0;
		for (size_t i = 0; i < g->nsamples; i++) {
			struct lg_sample *s = &g->samples[i];
			count += s->n > 1 && g->locs[g->stk[s->off + 1]].addr == cand;
		}
		if (count == 0 || count < g->nsamples - margin)
			continue;
		for (size_t i = 0; i < g->nsamples; i++) {
			struct lg_sample *s = &g->samples[i];
			uint32_t *f = g->stk + s->off;
			if (s->n > 1 && g->locs[f[1]].addr == cand) {
				memmove(f + 1, f + 2, (s->n - 2) * sizeof(*f));
				s->n--;
			}
		}
	}
}

static int parse_cpu(struct lg *g, const unsigned char *b, size_t n)
{
	static const struct cpu_words kinds[] = {{4, false}, {4, true}, {8, false}, {8, true}};
	for (size_t k = 0; k < 4; k++) {
		const struct cpu_words *w = &kinds[k];
		size_t pos = 0;
		bool ok = true;
		uint64_t h[5];
		for (int i = 0; i < 5; i++)
			h[i] = word(w, b, n, &pos, &ok);
		if (!ok || h[0] != 0 || h[1] != 3 || (h[2] != 0 && h[2] != 1) || h[3] == 0 || h[4] != 0)
			continue;
		static const char *const types[] = {"samples", "cpu"}, *const units[] = {"count", "nanoseconds"};
		lg_set_types(g, 2, types, units);
		set_period(g, "cpu", "nanoseconds", cm_mul64((int64_t)h[3], 1000));
		bool java = h[2] == 1;
		int rc = cpu_samples(g, w, b, n, &pos, !java);
		if (rc != CM_LEGACY_OK)
			return rc;
		if (java)
			return lg_java_locations(g, (const char *)b + pos, n - pos);
		strip_handler_frames(g);
		struct lg_lines s;
		lg_lines_init(&s, (const char *)b + pos, n - pos);
		if ((rc = memory_map(g, &s)) != CM_LEGACY_OK)
			return rc;
		cleanup_duplicates(g);
		return CM_LEGACY_OK;
	}
	return CM_LEGACY_UNRECOGNIZED;
}

/* ---- heapz, growthz, fragmentationz ---- */

struct heap_kind {
	bool v2;      /* sampling "v2": values are scaled */
	bool alloc;   /* four values */
	int64_t rate; /* the period */
};

/* pprof's parseHeapHeader. */
static int heap_header(struct lg *g, const char *l, size_t n, struct heap_kind *k)
{
	size_t ov[16], len;
	if (lg_match(g, RX_HEAP_HEADER, l, n, ov) != 1)
		return CM_LEGACY_UNRECOGNIZED;
	int64_t period = 0;
	const char *ps = group(l, ov, 6, &len);
	if (len && lg_parse_int(ps, len, 10, &period, NULL, 0) < 0)
		return CM_LEGACY_UNRECOGNIZED;
	k->alloc = (!group_eq(l, ov, 3, 1) && !group_is(l, ov, 3, "0")) ||
		   (!group_eq(l, ov, 4, 2) && !group_is(l, ov, 4, "0"));
	if (group_is(l, ov, 5, "heapz_v2") || group_is(l, ov, 5, "heap_v2"))
		k->v2 = true, k->rate = period;
	else if (group_is(l, ov, 5, "heapprofile"))
		k->v2 = false, k->rate = 1;
	else if (group_is(l, ov, 5, "heap"))
		k->v2 = true, k->rate = period / 2;
	else
		return CM_LEGACY_UNRECOGNIZED;
	return CM_LEGACY_OK;
}

/* addValues of pprof's parseHeapSample. */
static int heap_values(struct lg *g, const char *line, size_t ln, const char *cs, size_t cn,
		       const char *ss, size_t sn, const char *label, const struct heap_kind *k,
		       int64_t *out, int64_t *blocksize)
{
	int64_t count, size;
	char msg[300];
	if (lg_parse_int(cs, cn, 10, &count, msg, sizeof(msg)) < 0 ||
	    lg_parse_int(ss, sn, 10, &size, msg, sizeof(msg)) < 0)
		return lg_fail(g, "malformed sample: %.*s: %s", (int)(ln > 300 ? 300 : ln), line, msg);
	if (count == 0 && size != 0)
		return lg_fail(g, "%s count was 0 but %s bytes was %" PRId64, label, label, size);
	if (count != 0) {
		*blocksize = cm_div64(size, count);
		if (k->v2)
			lg_scale_heap(&count, &size, k->rate);
	}
	out[0] = count;
	out[1] = size;
	return CM_LEGACY_OK;
}

static int heap_sample(struct lg *g, const char *l, size_t n, const struct heap_kind *k)
{
	size_t ov[16], l1, l2, l3, l4, l5;
	if (lg_match(g, RX_HEAP_SAMPLE, l, n, ov) != 1)
		return lg_fail(g, "unexpected number of sample values: got 0, want 6");
	const char *g1 = group(l, ov, 1, &l1), *g2 = group(l, ov, 2, &l2);
	const char *g3 = group(l, ov, 3, &l3), *g4 = group(l, ov, 4, &l4);
	const char *g5 = group(l, ov, 5, &l5);
	int64_t v[4], blocksize = 0;
	size_t nv = 0;
	int rc;
	if (k->alloc) {
		if ((rc = heap_values(g, l, n, g3, l3, g4, l4, "allocation", k, v, &blocksize)) != CM_LEGACY_OK)
			return rc;
		nv = 2;
	}
	if ((rc = heap_values(g, l, n, g1, l1, g2, l2, "inuse", k, v + nv, &blocksize)) != CM_LEGACY_OK)
		return rc;
	nv += 2;
	size_t mark = g->nstk;
	if ((rc = lg_hex_frames(g, g5, l5, 1, false, l, n)) != CM_LEGACY_OK) {
		g->nstk = mark;
		return rc;
	}
	if (lg_sample(g, v, nv) < 0)
		return lg_oom(g);
	g->samples[g->nsamples - 1].has_bytes = true;
	g->samples[g->nsamples - 1].bytes = blocksize;
	return CM_LEGACY_OK;
}

static int parse_heap(struct lg *g, const char *b, size_t n)
{
	struct lg_lines s;
	lg_lines_init(&s, b, n);
	if (!lg_lines_next(&s))
		return s.too_long ? lg_fail(g, "bufio.Scanner: token too long") : CM_LEGACY_UNRECOGNIZED;
	struct heap_kind k = {false, false, 0};
	size_t ov[16];
	int rc = CM_LEGACY_UNRECOGNIZED;
	int64_t period = 1;
	if (lg_match(g, RX_HEAP_HEADER, s.line, s.len, ov) == 1) {
		if ((rc = heap_header(g, s.line, s.len, &k)) != CM_LEGACY_OK)
			return rc;
		period = k.rate;
	} else if (lg_match(g, RX_GROWTH, s.line, s.len, ov) != 1 &&
		   lg_match(g, RX_FRAG, s.line, s.len, ov) != 1) {
		return CM_LEGACY_UNRECOGNIZED;
	}
	set_period(g, "space", "bytes", period);
	if (k.alloc) {
		static const char *const t[] = {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"};
		static const char *const u[] = {"count", "bytes", "count", "bytes"};
		lg_set_types(g, 4, t, u);
	} else {
		static const char *const t[] = {"objects", "space"}, *const u[] = {"count", "bytes"};
		lg_set_types(g, 2, t, u);
	}
	const char *l;
	size_t ln;
	while (next_data_line(&s, &l, &ln)) {
		if (memory_map_sentinel(l, ln))
			break;
		if ((rc = heap_sample(g, l, ln, &k)) != CM_LEGACY_OK)
			return rc;
	}
	if (s.too_long)
		return lg_fail(g, "bufio.Scanner: token too long");
	return additional_sections(g, &s);
}

/* ---- Go's goroutine and threadcreate counts ---- */

static int count_sample(struct lg *g, const char *l, size_t n)
{
	size_t ov[16], l1, l2;
	if (lg_match(g, RX_COUNT, l, n, ov) != 1)
		return lg_fail(g, "malformed profile format");
	const char *c = group(l, ov, 1, &l1), *st = group(l, ov, 2, &l2);
	int64_t v;
	if (lg_parse_int(c, l1, 0, &v, NULL, 0) < 0)
		return lg_fail(g, "malformed profile format");
	/* Fields of " 0x.. 0x..": every one is a hex number; adjust by -1. */
	for (size_t i = 0; i < l2;) {
		while (i < l2 && st[i] == ' ')
			i++;
		size_t j = i;
		while (j < l2 && st[j] != ' ')
			j++;
		if (j == i)
			break;
		uint64_t addr;
		if (lg_parse_uint(st + i, j - i, 0, &addr, NULL, 0) < 0)
			return lg_fail(g, "malformed profile format");
		if (lg_frame(g, addr - 1) < 0)
			return lg_oom(g);
		i = j;
	}
	return lg_sample(g, &v, 1) < 0 ? lg_oom(g) : CM_LEGACY_OK;
}

static int parse_go_count(struct lg *g, const char *b, size_t n)
{
	struct lg_lines s;
	lg_lines_init(&s, b, n);
	while (lg_lines_next(&s) && space_or_comment(s.line, s.len)) {
	}
	if (s.too_long)
		return lg_fail(g, "bufio.Scanner: token too long");
	size_t ov[16], tl;
	if (lg_match(g, RX_COUNT_START, s.line, s.len, ov) != 1)
		return CM_LEGACY_UNRECOGNIZED;
	const char *t = group(s.line, ov, 1, &tl);
	const char *type = arena_str(g, t, tl);
	if (!type)
		return lg_oom(g);
	set_period(g, type, "count", 1);
	const char *u = "count";
	lg_set_types(g, 1, &type, &u);
	while (lg_lines_next(&s)) {
		if (space_or_comment(s.line, s.len))
			continue;
		if (has_prefix(s.line, s.len, "---"))
			break;
		int rc = count_sample(g, s.line, s.len);
		if (rc != CM_LEGACY_OK)
			return rc;
	}
	if (s.too_long)
		return lg_fail(g, "bufio.Scanner: token too long");
	return additional_sections(g, &s);
}

/* ---- threadz ---- */

/* pprof's parseThreadSample: frames up to the next "---" line, which is
 * left in s. *same: the thread was "same as previous". */
static int thread_sample(struct lg *g, struct lg_lines *s, const char **next, size_t *nextlen, bool *same)
{
	const char *line = "";
	size_t ln = 0;
	*same = false;
	size_t mark = g->nstk;
	bool first = true;
	while (lg_lines_next(s)) {
		line = s->line;
		ln = s->len;
		lg_trim(&line, &ln);
		if (ln == 0)
			continue;
		if (has_prefix(line, ln, "---"))
			break;
		if (contains(line, ln, "same as previous thread")) {
			*same = true;
			continue;
		}
		/* The leaf is not a call: no -1 for the first address. */
		size_t before = g->nstk;
		int rc = lg_hex_frames(g, line, ln, 1, first, line, ln);
		if (rc != CM_LEGACY_OK)
			return rc;
		first = first && g->nstk == before;
	}
	if (s->too_long)
		return lg_fail(g, "bufio.Scanner: token too long");
	if (*same)
		g->nstk = mark;
	*next = line;
	*nextlen = ln;
	return CM_LEGACY_OK;
}

static int parse_thread(struct lg *g, const char *b, size_t n)
{
	struct lg_lines s;
	lg_lines_init(&s, b, n);
	while (lg_lines_next(&s) && space_or_comment(s.line, s.len)) {
	}
	const char *line = s.line;
	size_t ln = s.len, ov[16];
	if (lg_match(g, RX_THREADZ, line, ln, ov) == 1) {
		while (lg_lines_next(&s)) {
			line = s.line;
			ln = s.len;
			if (memory_map_sentinel(line, ln) || has_prefix(line, ln, "-"))
				break;
		}
	} else if (lg_match(g, RX_THREAD, line, ln, ov) != 1) {
		return CM_LEGACY_UNRECOGNIZED;
	}
	/* A line too long ends the scan here; pprof reports it from the next
	 * read (thread_sample), as bufio.Scanner does. */
	static const char *const t = "thread", *const u = "count";
	lg_set_types(g, 1, &t, &u);
	set_period(g, "thread", "count", 1);
	while (!memory_map_sentinel(line, ln)) {
		if (has_prefix(line, ln, "---- no stack trace for"))
			break;
		if (lg_match(g, RX_THREAD, line, ln, ov) != 1)
			return CM_LEGACY_UNRECOGNIZED;
		bool same;
		int rc = thread_sample(g, &s, &line, &ln, &same);
		if (rc != CM_LEGACY_OK)
			return rc;
		size_t mark = g->nsamples ? g->samples[g->nsamples - 1].off + g->samples[g->nsamples - 1].n : 0;
		if (same || g->nstk == mark) {
			g->nstk = mark;
			if (g->nsamples)
				g->samples[g->nsamples - 1].v[0] = cm_add64(g->samples[g->nsamples - 1].v[0], 1);
			continue;
		}
		int64_t one = 1;
		if (lg_sample(g, &one, 1) < 0)
			return lg_oom(g);
	}
	int rc = additional_sections(g, &s);
	if (rc != CM_LEGACY_OK)
		return rc;
	cleanup_duplicates(g);
	return CM_LEGACY_OK;
}

/* ---- contentionz, Go's mutex and block ---- */

struct contention {
	int64_t period, cpu_hz;
};

/* One "attribute = value" line: 1 taken, 0 not an attribute (the samples
 * start), or CM_LEGACY_UNRECOGNIZED as -2. */
static int contention_attr(struct lg *g, const char *l, size_t n, struct contention *c)
{
	const char *eq = memchr(l, '=', n);
	if (!eq)
		return 0;
	const char *k = l, *v = eq + 1;
	size_t kn = (size_t)(eq - l), vn = n - kn - 1;
	lg_trim(&k, &kn);
	lg_trim(&v, &vn);
	int64_t x;
#define KEY(s) (kn == strlen(s) && !memcmp(k, s, kn))
	if (KEY("discarded samples"))
		return 1;
	if (!(KEY("cycles/second") || KEY("sampling period") || KEY("ms since reset")))
		return -2;
	if (lg_parse_int(v, vn, 0, &x, NULL, 0) < 0)
		return -2;
	if (KEY("cycles/second"))
		c->cpu_hz = x;
	else if (KEY("sampling period"))
		c->period = x;
	else
		g->p->duration_nanos = cm_mul64(cm_mul64(x, 1000), 1000);
#undef KEY
	return 1;
}

static int contention_sample(struct lg *g, const char *l, size_t n, const struct contention *c)
{
	size_t ov[16], l1, l2, l3;
	if (lg_match(g, RX_CONT_SAMPLE, l, n, ov) != 1)
		return CM_LEGACY_UNRECOGNIZED;
	const char *s1 = group(l, ov, 1, &l1), *s2 = group(l, ov, 2, &l2), *s3 = group(l, ov, 3, &l3);
	int64_t v1, v2;
	char msg[300];
	if (lg_parse_int(s1, l1, 10, &v1, msg, sizeof(msg)) < 0 ||
	    lg_parse_int(s2, l2, 10, &v2, msg, sizeof(msg)) < 0)
		return lg_fail(g, "malformed sample: %.*s: %s", (int)(n > 300 ? 300 : n), l, msg);
	if (c->period > 0) {
		if (c->cpu_hz > 0) {
			double ghz = (double)c->cpu_hz / 1e9;
			v1 = cm_f64_to_i64((double)v1 * (double)c->period / ghz);
		}
		v2 = cm_mul64(v2, c->period);
	}
	size_t mark = g->nstk;
	int rc = lg_hex_frames(g, s3, l3, 1, false, l, n);
	if (rc != CM_LEGACY_OK) {
		g->nstk = mark;
		return rc;
	}
	int64_t v[2] = {v2, v1};
	return lg_sample(g, v, 2) < 0 ? lg_oom(g) : CM_LEGACY_OK;
}

static int parse_contention(struct lg *g, const char *b, size_t n)
{
	struct lg_lines s;
	lg_lines_init(&s, b, n);
	if (!lg_lines_next(&s))
		return s.too_long ? lg_fail(g, "bufio.Scanner: token too long") : CM_LEGACY_UNRECOGNIZED;
	if (!has_prefix(s.line, s.len, "--- contentionz ") && !has_prefix(s.line, s.len, "--- mutex:") &&
	    !has_prefix(s.line, s.len, "--- contention:"))
		return CM_LEGACY_UNRECOGNIZED;
	static const char *const t[] = {"contentions", "delay"}, *const u[] = {"count", "nanoseconds"};
	lg_set_types(g, 2, t, u);
	struct contention c = {1, 0};
	const char *l;
	size_t ln;
	while (next_data_line(&s, &l, &ln)) {
		if (has_prefix(l, ln, "---"))
			break;
		int a = contention_attr(g, l, ln, &c);
		if (a == -2)
			return CM_LEGACY_UNRECOGNIZED;
		if (a == 0)
			break;
	}
	if (s.too_long)
		return lg_fail(g, "bufio.Scanner: token too long");
	set_period(g, "contentions", "count", c.period);
	for (;;) {
		l = s.line;
		ln = s.len;
		lg_trim(&l, &ln);
		if (has_prefix(l, ln, "---"))
			break;
		if (!space_or_comment(l, ln)) {
			int rc = contention_sample(g, l, ln, &c);
			if (rc != CM_LEGACY_OK)
				return rc;
		}
		if (!lg_lines_next(&s))
			break;
	}
	if (s.too_long)
		return lg_fail(g, "bufio.Scanner: token too long");
	return additional_sections(g, &s);
}

/* ---- the model ---- */

static bool is_type(const struct lg *g, const char *const *t, size_t n)
{
	if (g->ntypes != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(g->types[i], t[i]))
			return false;
	return true;
}

static const char ALLOC_RX[] =
	"calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|"
	"tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|tc_pvalloc|"
	"tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray|tc_new_nothrow|"
	"tc_newarray_nothrow|malloc_zone_malloc|malloc_zone_calloc|malloc_zone_valloc|"
	"malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|runtime\\..*|BaseArena::.*|"
	"(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|DoSampledAllocation|"
	"MallocedMemBlock::MallocedMemBlock|_M_allocate|__builtin_(vec_)?delete|__builtin_(vec_)?new|"
	"__gnu_cxx::new_allocator::allocate|__libc_malloc|__malloc_alloc_template::allocate|allocate|"
	"cpp_alloc|operator new(\\[\\])?|simple_alloc::allocate";
static const char ALLOC_SKIP_RX[] = "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*";
static const char CPU_PROFILER_RX[] =
	"ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|__restore";
static const char LOCK_RX[] =
	"RecordLockProfileData|(base::)?RecordLockProfileData.*|(base::)?SubmitMutexProfileData.*|"
	"(base::)?SubmitSpinLockProfileData.*|(base::Mutex::)?AwaitCommon.*|(base::Mutex::)?Unlock.*|"
	"(base::Mutex::)?UnlockSlow.*|(base::Mutex::)?ReaderUnlock.*|(base::MutexLock::)?~MutexLock.*|"
	"(Mutex::)?AwaitCommon.*|(Mutex::)?Unlock.*|(Mutex::)?UnlockSlow.*|(Mutex::)?ReaderUnlock.*|"
	"(MutexLock::)?~MutexLock.*|(SpinLock::)?Unlock.*|(SpinLock::)?SlowUnlock.*|"
	"(SpinLockHolder::)?~SpinLockHolder.*";

/* pprof's addLegacyFrameInfo. */
static void frame_info(struct lg *g)
{
	static const char *const heapz[][4] = {
		{"allocations", "size"}, {"objects", "space"}, {"inuse_objects", "inuse_space"},
		{"alloc_objects", "alloc_space"}, {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"},
	};
	static const size_t heapz_n[] = {2, 2, 2, 2, 4};
	static const char *const contentionz[] = {"contentions", "delay"};
	bool heap = false;
	for (size_t i = 0; i < 5; i++)
		heap = heap || is_type(g, heapz[i], heapz_n[i]);
	if (heap) {
		g->p->drop_frames = ALLOC_RX;
		g->p->keep_frames = ALLOC_SKIP_RX;
	} else if (is_type(g, contentionz, 2)) {
		g->p->drop_frames = LOCK_RX;
	} else {
		g->p->drop_frames = CPU_PROFILER_RX;
	}
}

/* pprof's CheckValid, for what a legacy parser can get wrong (a Java
 * profile without a resolution); Aggregate runs it inside the parser, so
 * its error comes without the "malformed profile: " of ParseData. */
static int check_valid(struct lg *g)
{
	if (g->ntypes == 0 && g->nsamples != 0)
		return lg_fail(g, "missing sample type information");
	return CM_LEGACY_OK;
}

static int build_samples(struct lg *g, bool drop_labels)
{
	struct cm_profile *p = g->p;
	struct cm_arena *a = &p->arena;
	p->samples = cm_arena_array(a, g->nsamples ? g->nsamples : 1, sizeof(*p->samples));
	if (!p->samples)
		return lg_oom(g);
	p->nsamples = g->nsamples;
	bool wide = g->norder > 65535;
	for (size_t i = 0; i < g->nsamples; i++) {
		const struct lg_sample *s = &g->samples[i];
		struct cm_sample *d = &p->samples[i];
		memset(d, 0, sizeof(*d));
		d->nlocs = s->n;
		d->locs_wide = wide;
		d->locs = cm_arena_array(a, s->n ? s->n : 1, wide ? 4 : 2);
		d->values = cm_arena_array(a, g->ntypes ? g->ntypes : 1, sizeof(int64_t));
		if (!d->locs || !d->values)
			return lg_oom(g);
		for (uint32_t k = 0; k < s->n; k++)
			cm_sample_set_loc(d, k, g->locs[g->stk[s->off + k]].order);
		memcpy(d->values, s->v, g->ntypes * sizeof(int64_t));
		if (s->has_bytes && !drop_labels) {
			d->labels = cm_arena_array(a, 1, sizeof(*d->labels));
			if (!d->labels)
				return lg_oom(g);
			d->labels[0] = (struct cm_label){"bytes", NULL, s->bytes, ""};
			d->nlabels = 1;
		}
	}
	return CM_LEGACY_OK;
}

static int build_tables(struct lg *g)
{
	struct cm_profile *p = g->p;
	struct cm_arena *a = &p->arena;
	p->sample_types = cm_arena_array(a, g->ntypes ? g->ntypes : 1, sizeof(*p->sample_types));
	p->mappings = cm_arena_array(a, g->nmaps ? g->nmaps : 1, sizeof(*p->mappings));
	p->locations = cm_arena_array(a, g->norder ? g->norder : 1, sizeof(*p->locations));
	p->functions = cm_arena_array(a, g->nfns ? g->nfns : 1, sizeof(*p->functions));
	if (!p->sample_types || !p->mappings || !p->locations || !p->functions)
		return lg_oom(g);
	for (size_t i = 0; i < g->ntypes; i++)
		p->sample_types[i] = (struct cm_value_type){g->types[i], g->units[i]};
	p->nsample_types = g->ntypes;
	for (size_t i = 0; i < g->nmaps; i++) {
		const struct lg_map *m = &g->maps[i];
		p->mappings[i] = (struct cm_mapping){.id = i + 1, .start = m->start, .limit = m->limit,
						     .offset = m->offset, .file = m->file, .build_id = m->build_id};
	}
	p->nmappings = g->nmaps;
	size_t nf = 0;
	for (size_t i = 0; i < g->nfns; i++) {
		const struct lg_fn *f = &g->fns[i];
		if (f->order == CM_NONE)
			continue;
		p->functions[f->order] = (struct cm_function){f->order + 1, f->name, f->name, f->file, 0};
		nf++;
	}
	p->nfunctions = nf;
	for (size_t i = 0; i < g->norder; i++) {
		const struct lg_loc *l = &g->locs[g->order[i]];
		struct cm_location *d = &p->locations[i];
		*d = (struct cm_location){.id = i + 1, .mapping = l->mapping, .address = l->addr};
		if (l->fn != CM_NONE) {
			d->lines = cm_arena_array(a, 1, sizeof(*d->lines));
			if (!d->lines)
				return lg_oom(g);
			d->lines[0] = (struct cm_line){g->fns[l->fn].order, l->line};
			d->nlines = 1;
		}
	}
	p->nlocations = g->norder;
	return CM_LEGACY_OK;
}

typedef int (*text_parser)(struct lg *g, const char *b, size_t n);

static void lg_free_tables(struct lg *g)
{
	free(g->locs);
	free(g->hkeys);
	free(g->hvals);
	free(g->stk);
	free(g->samples);
	free(g->maps);
	free(g->fns);
	free(g->fhash);
	free(g->order);
}

static void lg_free(struct lg *g)
{
	for (int i = 0; i < RX_N; i++)
		pcre2_code_free(g->rx[i]);
	pcre2_match_data_free(g->md);
	pcre2_match_context_free(g->mctx);
	lg_free_tables(g);
	cm_profile_free(g->p);
}

/* Clears what a parser that did not recognise the input left behind; the
 * compiled patterns stay. */
static void lg_reset(struct lg *g)
{
	struct lg keep = *g;
	lg_free_tables(g);
	cm_profile_free(g->p);
	memset(g, 0, sizeof(*g));
	g->err = keep.err;
	g->errlen = keep.errlen;
	memcpy(g->rx, keep.rx, sizeof(g->rx));
	g->md = keep.md;
	g->mctx = keep.mctx;
	g->p = cm_profile_new();
}

/* The first line that is not blank or a comment, as parse_go_count and
 * parse_thread skip to it; false when the head ends first. */
static bool first_real_line(const char *b, size_t n, bool complete, struct lg_lines *s)
{
	lg_lines_init(s, b, n);
	while (lg_lines_next(s))
		if (!space_or_comment(s->line, s->len))
			return complete || s->p < s->end; /* a line cut by the head's end is unknown */
	return false;
}

enum cm_legacy_result cm_legacy_probe(const unsigned char *head, size_t n, bool complete,
				      char *err, size_t errlen)
{
	const char *b = (const char *)head;
	if (n >= 4 && !memcmp(head, "\0\0\0\0", 4))
		return CM_LEGACY_OK; /* the binary CPU header starts with a zero word */
	const char *nl = memchr(b, '\n', n);
	size_t first = nl ? (size_t)(nl - b) : n;
	if (first > MAX_LINE) {
		snprintf(err, errlen, "bufio.Scanner: token too long"); /* parse_heap's first line */
		return CM_LEGACY_ERROR;
	}
	if (!nl && !complete)
		return CM_LEGACY_OK;
	struct lg g = {.err = err, .errlen = errlen};
	size_t ov[16], fl = first > 0 && b[first - 1] == '\r' ? first - 1 : first;
	const char *t = b;
	size_t tn = fl;
	lg_trim(&t, &tn);
	bool maybe = lg_match(&g, RX_HEAP_HEADER, b, fl, ov) == 1 || lg_match(&g, RX_GROWTH, b, fl, ov) == 1 ||
		     lg_match(&g, RX_FRAG, b, fl, ov) == 1 || has_prefix(b, fl, "--- contentionz ") ||
		     has_prefix(b, fl, "--- mutex:") || has_prefix(b, fl, "--- contention:") ||
		     (tn == 15 && (!memcmp(t, "--- heapz 1 ---", 15))) ||
		     (tn == 21 && !memcmp(t, "--- contentionz 1 ---", 21));
	struct lg_lines s;
	if (!maybe && !first_real_line(b, n, complete, &s))
		maybe = !complete || s.too_long;
	else if (!maybe)
		maybe = lg_match(&g, RX_COUNT_START, s.line, s.len, ov) == 1 ||
			lg_match(&g, RX_THREADZ, s.line, s.len, ov) == 1 ||
			lg_match(&g, RX_THREAD, s.line, s.len, ov) == 1;
	g.p = NULL;
	lg_free(&g);
	return maybe ? CM_LEGACY_OK : CM_LEGACY_UNRECOGNIZED;
}

enum cm_legacy_result cm_legacy_parse(const unsigned char *data, size_t len, bool drop_labels,
				      struct cm_profile **out, char *err, size_t errlen)
{
	static const text_parser text[] = {parse_heap, parse_go_count, parse_thread, parse_contention,
					   lg_parse_java_profile};
	struct lg g = {.err = err, .errlen = errlen, .p = cm_profile_new()};
	*out = NULL;
	int rc = CM_LEGACY_UNRECOGNIZED;
	for (size_t i = 0; i < 6 && rc == CM_LEGACY_UNRECOGNIZED; i++) {
		if (!g.p) {
			rc = lg_oom(&g);
			break;
		}
		rc = i == 0 ? parse_cpu(&g, data, len) : text[i - 1](&g, (const char *)data, len);
		if (rc == CM_LEGACY_UNRECOGNIZED && i < 5)
			lg_reset(&g);
	}
	if (rc == CM_LEGACY_OK)
		rc = check_valid(&g);
	if (rc == CM_LEGACY_OK) {
		frame_info(&g);
		rc = build_tables(&g);
	}
	if (rc == CM_LEGACY_OK)
		rc = build_samples(&g, drop_labels);
	if (rc == CM_LEGACY_OK) {
		*out = g.p;
		g.p = NULL;
	}
	lg_free(&g);
	return (enum cm_legacy_result)rc;
}
