/* labels: numeric label units, tag filters and label pseudo frames, after
 * pprof's NumLabelUnits, compileTagFilter, FilterSamplesByTag,
 * FilterTagsByName and addLabelNodes. */
#include "cmon/profile/labels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/base/strbuf.h"

/* ---- numeric label units ---- */

struct cm_key_unit { /* cm_num_units_builder's pairs */
	const char *key, *unit;
	size_t seq;
};

static int key_unit_cmp(const void *a, const void *b)
{
	const struct cm_key_unit *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Room for one more pair; -1 when memory runs out. The pairs are at
 * most the profile's numeric labels: bounded by the input. */
static int key_units_grow(struct cm_num_units_builder *b)
{
	if (b->n < b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap * 2 : 64;
	struct cm_key_unit *ku = realloc(b->ku, ncap * sizeof(*ku));
	if (!ku)
		return -1;
	b->ku = ku;
	b->cap = ncap;
	return 0;
}

int cm_num_units_begin(struct cm_num_units_builder *b, const struct cm_profile *p)
{
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < p->ndropped_units; i++) {
		if (key_units_grow(b) < 0)
			return -1;
		b->ku[b->n] = (struct cm_key_unit){p->dropped_units[i].key, p->dropped_units[i].unit, b->n};
		b->n++;
	}
	return 0;
}

/* Every (key, unit) of the samples' numeric labels in order of
 * appearance; runs of the same pair (one key on every sample of a heap
 * profile) count once. A profile decoded without its labels has the
 * pairs with a unit (begin took them). */
int cm_num_units_add(struct cm_num_units_builder *b, const struct cm_profile *p, size_t from,
		     size_t to)
{
	for (size_t i = from; i < to; i++)
		for (uint32_t k = 0; k < p->samples[i].nlabels; k++) {
			const struct cm_label *l = &p->samples[i].labels[k];
			if (l->str)
				continue;
			bool seen = false; /* a short look back catches the runs */
			for (size_t j = b->n; j > 0 && j + 4 > b->n && !seen; j--)
				seen = b->ku[j - 1].key == l->key && b->ku[j - 1].unit == l->num_unit;
			if (seen)
				continue;
			if (key_units_grow(b) < 0)
				return -1;
			b->ku[b->n] = (struct cm_key_unit){l->key, l->num_unit, b->n};
			b->n++;
		}
	return 0;
}

void cm_num_units_abort(struct cm_num_units_builder *b)
{
	free(b->ku);
	memset(b, 0, sizeof(*b));
}

/* One key's group ku[0..n): its unit, and a conflict line into b when it
 * was seen with other units too. */
static const char *group_unit(const struct cm_key_unit *ku, size_t n, struct cm_strbuf *b)
{
	const char *unit = NULL;
	const char **others = malloc((n + 1) * sizeof(*others));
	size_t nothers = 0;
	if (!others) {
		b->oom = true;
		return "";
	}
	for (size_t i = 0; i < n; i++) {
		if (!*ku[i].unit)
			continue;
		if (!unit)
			unit = ku[i].unit;
		else if (strcmp(unit, ku[i].unit))
			others[nothers++] = ku[i].unit;
	}
	qsort(others, nothers, sizeof(*others), str_cmp);
	for (size_t i = 0; i < nothers; i++) {
		if (i > 0 && !strcmp(others[i], others[i - 1]))
			continue;
		if (i == 0) {
			if (b->len)
				cm_strbuf_str(b, "\n");
			cm_strbuf_str(b, "For tag ");
			cm_strbuf_str(b, ku[0].key);
			cm_strbuf_str(b, " used unit ");
			cm_strbuf_str(b, unit);
			cm_strbuf_str(b, ", also encountered unit(s) ");
		} else {
			cm_strbuf_str(b, ", ");
		}
		cm_strbuf_str(b, others[i]);
	}
	free(others);
	if (unit)
		return unit;
	const char *key = ku[0].key;
	return !strcmp(key, "alignment") || !strcmp(key, "request") ? "bytes" : key;
}

int cm_num_units_end(struct cm_num_units_builder *b, struct cm_profile *p,
		     struct cm_num_units *u)
{
	memset(u, 0, sizeof(*u));
	struct cm_key_unit *ku = b->ku;
	size_t n = b->n;
	if (n)
		qsort(ku, n, sizeof(*ku), key_unit_cmp);
	u->keys = cm_arena_array(&p->arena, n + 1, sizeof(*u->keys));
	u->units = cm_arena_array(&p->arena, n + 1, sizeof(*u->units));
	struct cm_strbuf conflicts = {0};
	for (size_t i = 0; u->keys && u->units && i < n;) {
		size_t j = i;
		while (j < n && !strcmp(ku[j].key, ku[i].key))
			j++;
		u->keys[u->n] = ku[i].key;
		u->units[u->n++] = group_unit(ku + i, j - i, &conflicts);
		i = j;
	}
	cm_num_units_abort(b);
	int rc = u->keys && u->units && !conflicts.oom ? 0 : -1;
	if (!rc && conflicts.len && !(u->conflicts = cm_arena_strndup(&p->arena, conflicts.s, conflicts.len)))
		rc = -1;
	cm_strbuf_free(&conflicts);
	return rc;
}

int cm_num_units_identify(struct cm_profile *p, struct cm_num_units *u)
{
	struct cm_num_units_builder b;
	if (cm_num_units_begin(&b, p) < 0 || cm_num_units_add(&b, p, 0, p->nsamples) < 0) {
		cm_num_units_abort(&b);
		return -1;
	}
	return cm_num_units_end(&b, p, u);
}

const char *cm_num_units_get(const struct cm_num_units *u, const char *key)
{
	size_t lo = 0, hi = u->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(u->keys[mid], key);
		if (!c)
			return u->units[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "";
}

/* ---- tag filters ---- */

enum { TF_EQ, TF_GE, TF_LE, TF_RANGE };

/* One match of pprof's tagFilterRangeRx, ([+-]?[[:digit:]]+)([[:alpha:]]+)?:
 * offsets into the filter text. */
struct range_match {
	size_t start, num_end, end;
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* FindAllStringSubmatch(s, 2): the leftmost matches, at most two. */
static size_t find_ranges(const char *s, struct range_match *m)
{
	size_t n = 0, pos = 0, len = strlen(s);
	while (n < 2 && pos < len) {
		size_t i = pos;
		for (; i < len; i++) {
			size_t j = i + ((s[i] == '+' || s[i] == '-') && is_digit(s[i + 1]));
			if (is_digit(s[j]))
				break;
		}
		if (i >= len)
			break;
		size_t j = i + !is_digit(s[i]);
		while (is_digit(s[j]))
			j++;
		m[n].start = i;
		m[n].num_end = j;
		while (is_alpha(s[j]))
			j++;
		m[n++].end = j;
		pos = j;
	}
	return n;
}

/* strconv.ParseInt of s[m.start, m.num_end), then measurement.Scale from the
 * match's unit to to_unit (NULL: the same unit). -1 when out of range. */
static int scale_match(const char *s, const struct range_match *m, const char *to_unit,
		       double *v, char *unit, size_t unitlen)
{
	char num[32], u[64];
	size_t nl = m->num_end - m->start, ul = m->end - m->num_end;
	if (nl >= sizeof(num) || ul >= sizeof(u))
		return -1;
	memcpy(num, s + m->start, nl);
	num[nl] = '\0';
	memcpy(u, s + m->num_end, ul);
	u[ul] = '\0';
	errno = 0;
	long long x = strtoll(num, NULL, 10);
	if (errno)
		return -1;
	*v = cm_scale(x, u, to_unit ? to_unit : u, unit, unitlen);
	return 0;
}

/* pprof's parseTagFilterRange: true when value is a range (f set up). */
static bool parse_range(struct cm_tag_filter *f, const char *value, char *err, size_t errlen,
			int *rc)
{
	struct range_match m[2];
	size_t n = find_ranges(value, m);
	*rc = 0;
	if (n == 0)
		return false;
	if (scale_match(value, &m[0], NULL, &f->lo, f->unit, sizeof(f->unit)) < 0) {
		snprintf(err, errlen, "failed to parse int %.*s", (int)(m[0].num_end - m[0].start),
			 value + m[0].start);
		*rc = -1;
		return false;
	}
	size_t l0 = m[0].end - m[0].start, len = strlen(value);
	if (n == 1) {
		if (m[0].start == 0 && len == l0)
			f->op = TF_EQ;
		else if (m[0].start == 0 && len == l0 + 1 && value[l0] == ':')
			f->op = TF_GE;
		else if (m[0].start == 1 && len == l0 + 1 && value[0] == ':')
			f->op = TF_LE;
		else
			return false;
		return true;
	}
	if (m[0].start != 0 || value[m[0].end] != ':' || m[1].start != m[0].end + 1 || m[1].end != len)
		return false;
	char unit2[64];
	if (scale_match(value, &m[1], f->unit, &f->hi, unit2, sizeof(unit2)) < 0) {
		snprintf(err, errlen, "failed to parse int %.*s", (int)(m[1].num_end - m[1].start),
			 value + m[1].start);
		*rc = -1;
		return false;
	}
	if (strcmp(unit2, f->unit))
		return false;
	f->op = TF_RANGE;
	return true;
}

/* The comma-separated regexes of value (an empty one matches everything). */
static int compile_regexes(struct cm_tag_filter *f, const char *name, char *value,
			   char *err, size_t errlen)
{
	size_t n = 1;
	for (const char *c = value; *c; c++)
		n += *c == ',';
	if (!(f->rx = calloc(n, sizeof(*f->rx)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *piece = value;; piece++) {
		char *comma = strchr(piece, ',');
		if (comma)
			*comma = '\0';
		if (cm_filter_compile(&f->rx[f->nrx], name, piece, err, errlen) < 0)
			return -1;
		f->nrx++;
		if (!comma)
			return 0;
		piece = comma;
	}
}

int cm_tag_filter_compile(struct cm_tag_filter *f, const char *name, const char *value,
			  const struct cm_num_units *units, char *note, size_t notelen,
			  char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	*note = '\0';
	if (!value || !*value)
		return 0;
	f->units = units;
	char *text = strdup(value);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->text = text;
	char *eq = strchr(text, '=');
	char *v = text;
	if (eq) {
		*eq = '\0';
		f->key = text;
		v = eq + 1;
	}
	f->set = true;
	int rc;
	if (parse_range(f, v, err, errlen, &rc)) {
		f->numeric = true;
		snprintf(note, notelen, "%s:Interpreted '%s' as range, not regexp", name, v);
	} else if (rc == 0) {
		rc = compile_regexes(f, name, v, err, errlen);
	}
	if (rc < 0)
		cm_tag_filter_free(f);
	return rc;
}

void cm_tag_filter_free(struct cm_tag_filter *f)
{
	for (size_t i = 0; i < f->nrx; i++)
		cm_filter_free(&f->rx[i]);
	free(f->rx);
	free(f->text);
	memset(f, 0, sizeof(*f));
}

static bool rx_match(const struct cm_filter *rx, const char *s)
{
	return !rx->set || cm_filter_match(rx, s);
}

static bool num_match(const struct cm_tag_filter *f, const struct cm_label *l)
{
	char su[256];
	double v = cm_scale(l->num, cm_num_units_get(f->units, l->key), f->unit, su, sizeof(su));
	if (strcmp(su, f->unit))
		return false;
	switch (f->op) {
	case TF_EQ:
		return v == f->lo;
	case TF_GE:
		return v >= f->lo;
	case TF_LE:
		return v <= f->lo;
	default:
		return v >= f->lo && v <= f->hi;
	}
}

/* Without a key, every regex must match some "key:value" of s. */
static bool match_any_key(const struct cm_tag_filter *f, const struct cm_sample *s)
{
	struct cm_strbuf b = {0};
	bool all = true;
	for (size_t r = 0; r < f->nrx && all; r++) {
		bool any = false;
		for (uint32_t k = 0; k < s->nlabels && !any; k++) {
			const struct cm_label *l = &s->labels[k];
			if (!l->str)
				continue;
			b.len = 0;
			cm_strbuf_str(&b, l->key);
			cm_strbuf_str(&b, ":");
			cm_strbuf_str(&b, l->str);
			any = !b.oom && rx_match(&f->rx[r], b.s);
		}
		all = any;
	}
	cm_strbuf_free(&b);
	return all;
}

bool cm_tag_filter_match(const struct cm_tag_filter *f, const struct cm_sample *s)
{
	if (!f->numeric && !f->key)
		return match_any_key(f, s);
	for (uint32_t k = 0; k < s->nlabels; k++) {
		const struct cm_label *l = &s->labels[k];
		if (f->key && strcmp(l->key, f->key))
			continue;
		if (f->numeric) {
			if (!l->str && num_match(f, l))
				return true;
			continue;
		}
		for (size_t r = 0; l->str && r < f->nrx; r++)
			if (rx_match(&f->rx[r], l->str))
				return true;
	}
	return false;
}

void cm_profile_filter_by_tag(struct cm_profile *p, const struct cm_tag_filter *focus,
			      const struct cm_tag_filter *ignore, bool *fm, bool *im)
{
	*fm = !focus->set;
	*im = !ignore->set;
	if (!focus->set && !ignore->set)
		return;
	size_t kept = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct cm_sample *s = &p->samples[i];
		bool focused = !focus->set || cm_tag_filter_match(focus, s);
		bool ignored = ignore->set && cm_tag_filter_match(ignore, s);
		*fm = *fm || (focus->set && focused);
		*im = *im || ignored;
		if (focused && !ignored)
			p->samples[kept++] = *s;
	}
	p->nsamples = kept;
}

void cm_profile_filter_tags_by_name(struct cm_profile *p, const struct cm_filter *show,
				    const struct cm_filter *hide, bool *sm, bool *hm)
{
	*sm = !show->set;
	*hm = !hide->set;
	if (!show->set && !hide->set)
		return;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		uint32_t n = 0;
		for (uint32_t k = 0; k < s->nlabels; k++) {
			bool shown = !show->set || cm_filter_match(show, s->labels[k].key);
			bool hidden = hide->set && cm_filter_match(hide, s->labels[k].key);
			*sm = *sm || shown;
			*hm = *hm || hidden;
			if (shown && !hidden)
				s->labels[n++] = s->labels[k];
		}
		s->nlabels = n;
	}
}

/* ---- -tagroot, -tagleaf ---- */

/* The pseudo frames made so far: (name, key) interned to a location. */
struct label_locs {
	struct cm_profile *p;
	const char *unit;
	const char **names, **keys; /* per new location */
	size_t n, cap;
	uint32_t *slots; /* hash table of new-location index + 1 */
	size_t nslots;
	struct cm_strbuf b;
};

static uint64_t hash_pair(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h;
}

static int grow_slots(struct label_locs *ll)
{
	size_t ns = ll->nslots ? ll->nslots * 2 : 64;
	uint32_t *slots = calloc(ns, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < ll->n; i++) {
		size_t j = hash_pair(ll->names[i], ll->keys[i]) & (ns - 1);
		while (slots[j])
			j = (j + 1) & (ns - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(ll->slots);
	ll->slots = slots;
	ll->nslots = ns;
	return 0;
}

/* The index (among the new locations) of the frame name in file key. */
static int64_t intern_loc(struct label_locs *ll, const char *name, const char *key)
{
	if (ll->n * 2 >= ll->nslots && grow_slots(ll) < 0)
		return -1;
	size_t j = hash_pair(name, key) & (ll->nslots - 1);
	for (; ll->slots[j]; j = (j + 1) & (ll->nslots - 1)) {
		uint32_t i = ll->slots[j] - 1;
		if (!strcmp(ll->names[i], name) && !strcmp(ll->keys[i], key))
			return i;
	}
	if (ll->n == ll->cap) {
		size_t cap = ll->cap ? ll->cap * 2 : 16;
		const char **names = realloc(ll->names, cap * sizeof(*names));
		if (names)
			ll->names = names;
		const char **keys = realloc(ll->keys, cap * sizeof(*keys));
		if (keys)
			ll->keys = keys;
		if (!names || !keys)
			return -1;
		ll->cap = cap;
	}
	const char *copy = cm_arena_strndup(&ll->p->arena, name, strlen(name));
	if (!copy)
		return -1;
	ll->names[ll->n] = copy;
	ll->keys[ll->n] = key;
	ll->slots[j] = (uint32_t)ll->n + 1;
	return (int64_t)ll->n++;
}

/* formatLabelValues: s's string values of key, then its numeric ones (in
 * unit when the key has units on this sample), joined by commas, into ll->b. */
static const char *label_values(struct label_locs *ll, const struct cm_sample *s, const char *key)
{
	struct cm_strbuf *b = &ll->b;
	bool has_units = false;
	b->len = 0;
	cm_strbuf_add(b, "", 0);
	for (uint32_t k = 0; k < s->nlabels; k++) {
		const struct cm_label *l = &s->labels[k];
		if (strcmp(l->key, key))
			continue;
		if (l->str) {
			if (b->len)
				cm_strbuf_str(b, ",");
			cm_strbuf_str(b, l->str);
		} else {
			has_units = has_units || *l->num_unit;
		}
	}
	for (uint32_t k = 0; k < s->nlabels; k++) {
		const struct cm_label *l = &s->labels[k];
		if (l->str || strcmp(l->key, key))
			continue;
		char v[128];
		if (b->len)
			cm_strbuf_str(b, ",");
		cm_strbuf_str(b, has_units ? cm_scaled_label(l->num, l->num_unit, ll->unit, v, sizeof(v))
					   : cm_scaled_label(l->num, "", "", v, sizeof(v)));
	}
	return b->oom ? NULL : b->s;
}

static bool has_key(const struct cm_sample *s, const char *key)
{
	for (uint32_t k = 0; k < s->nlabels; k++)
		if (!strcmp(s->labels[k].key, key))
			return true;
	return false;
}

/* Splits a comma list into its non-empty keys (in the profile's arena). */
static const char **split_keys(struct cm_profile *p, const char *list, size_t *n)
{
	*n = 0;
	if (!list)
		return NULL;
	size_t cap = 1;
	for (const char *c = list; *c; c++)
		cap += *c == ',';
	const char **keys = cm_arena_array(&p->arena, cap, sizeof(*keys));
	for (const char *c = list; keys && *c;) {
		size_t len = strcspn(c, ",");
		if (len && !(keys[(*n)++] = cm_arena_strndup(&p->arena, c, len)))
			return NULL;
		c += len + (c[len] == ',');
	}
	return keys;
}

/* Appends the new functions and locations to p's tables. */
static int add_label_tables(struct cm_profile *p, const struct label_locs *ll)
{
	uint64_t max_loc = 0, max_fn = 0;
	for (size_t i = 0; i < p->nlocations; i++)
		max_loc = p->locations[i].id > max_loc ? p->locations[i].id : max_loc;
	for (size_t i = 0; i < p->nfunctions; i++)
		max_fn = p->functions[i].id > max_fn ? p->functions[i].id : max_fn;
	struct cm_function *fns = cm_arena_array(&p->arena, p->nfunctions + ll->n, sizeof(*fns));
	struct cm_location *locs = cm_arena_array(&p->arena, p->nlocations + ll->n, sizeof(*locs));
	struct cm_line *lines = cm_arena_array(&p->arena, ll->n + 1, sizeof(*lines));
	if (!fns || !locs || !lines)
		return -1;
	memcpy(fns, p->functions, p->nfunctions * sizeof(*fns));
	memcpy(locs, p->locations, p->nlocations * sizeof(*locs));
	for (size_t i = 0; i < ll->n; i++) {
		uint32_t fi = (uint32_t)(p->nfunctions + i);
		fns[fi] = (struct cm_function){.id = max_fn + 1 + i, .name = ll->names[i],
					       .system_name = "", .filename = ll->keys[i]};
		lines[i] = (struct cm_line){.function = fi, .line = 0};
		locs[p->nlocations + i] = (struct cm_location){.id = max_loc + 1 + i, .mapping = CM_NONE,
							       .nlines = 1, .lines = &lines[i]};
	}
	p->functions = fns;
	p->nfunctions += ll->n;
	p->locations = locs;
	p->nlocations += ll->n;
	return 0;
}

/* Puts the frames of keys (nk of them) into out, from the leaf side:
 * the last key nearest the leaf. */
static int label_frames(struct label_locs *ll, const struct cm_sample *s, const char **keys,
			size_t nk, uint32_t *out, bool *matched)
{
	for (size_t i = 0; i < nk; i++) {
		const char *k = keys[nk - 1 - i];
		const char *name = label_values(ll, s, k);
		int64_t li = name ? intern_loc(ll, name, k) : -1;
		if (li < 0 || ll->p->nlocations + (uint64_t)li > UINT32_MAX)
			return -1;
		*matched = *matched || has_key(s, k);
		out[i] = (uint32_t)(ll->p->nlocations + (size_t)li);
	}
	return 0;
}

static int add_frames(struct label_locs *ll, const char **roots, size_t nr, const char **leaves,
		      size_t nl, bool *rootm, bool *leafm)
{
	struct cm_profile *p = ll->p;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		size_t n = (size_t)s->nlocs + nr + nl;
		uint32_t *locs = n > UINT32_MAX ? NULL : cm_arena_array(&p->arena, n, sizeof(*locs));
		if (!locs || label_frames(ll, s, leaves, nl, locs, leafm) < 0)
			return -1;
		struct cm_locs_cursor c = cm_locs_from_leaf(s);
		for (uint32_t k = 0; k < s->nlocs; k++)
			locs[nl + k] = cm_locs_next(&c);
		if (label_frames(ll, s, roots, nr, locs + nl + s->nlocs, rootm) < 0)
			return -1;
		s->locs = locs;
		s->locs_wide = 1;
		s->locs_varint = 0;
		s->nlocs = (uint32_t)n;
	}
	return 0;
}

int cm_profile_add_label_nodes(struct cm_profile *p, const char *root_keys,
			       const char *leaf_keys, const char *unit, bool *rootm, bool *leafm)
{
	*rootm = *leafm = false;
	size_t nr, nl;
	const char **roots = split_keys(p, root_keys, &nr);
	const char **leaves = split_keys(p, leaf_keys, &nl);
	if ((root_keys && !roots) || (leaf_keys && !leaves))
		return -1;
	if (nr == 0 && nl == 0)
		return 0;
	struct label_locs ll = {.p = p, .unit = unit};
	int rc = add_frames(&ll, roots, nr, leaves, nl, rootm, leafm);
	if (!rc)
		rc = add_label_tables(p, &ll);
	free(ll.names);
	free(ll.keys);
	free(ll.slots);
	cm_strbuf_free(&ll.b);
	return rc;
}
