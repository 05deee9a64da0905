/* profile_ops: merge, diff, prune, filter and aggregate, after pprof's
 * profile package (merge.go, prune.go, filter.go, Aggregate). */
#include "cmon/profile/profile_ops.h"

#include "cmon/base/goregex.h"
#include "cmon/base/hashset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- merge: concatenation, then compaction ---- */

static bool same_value_type(const struct cm_value_type *a, const struct cm_value_type *b)
{
	return !strcmp(a->type, b->type) && !strcmp(a->unit, b->unit);
}

static int check_compatible(struct cm_profile *a, struct cm_profile *b, char *err, size_t errlen)
{
	if (!same_value_type(&a->period_type, &b->period_type)) {
		snprintf(err, errlen, "incompatible period types %s/%s and %s/%s",
			 a->period_type.type, a->period_type.unit,
			 b->period_type.type, b->period_type.unit);
		return -1;
	}
	bool ok = a->nsample_types == b->nsample_types;
	for (size_t i = 0; ok && i < a->nsample_types; i++)
		ok = same_value_type(&a->sample_types[i], &b->sample_types[i]);
	if (!ok) {
		snprintf(err, errlen, "incompatible sample types: %zu types (first %s/%s) and %zu types (first %s/%s)",
			 a->nsample_types, a->nsample_types ? a->sample_types[0].type : "",
			 a->nsample_types ? a->sample_types[0].unit : "",
			 b->nsample_types, b->nsample_types ? b->sample_types[0].type : "",
			 b->nsample_types ? b->sample_types[0].unit : "");
		return -1;
	}
	return 0;
}

static int combine_headers(struct cm_profile *out, struct cm_profile **ps, size_t n)
{
	out->sample_types = ps[0]->sample_types;
	out->nsample_types = ps[0]->nsample_types;
	out->drop_frames = ps[0]->drop_frames;
	out->keep_frames = ps[0]->keep_frames;
	out->period_type = ps[0]->period_type;
	out->has_period_type = ps[0]->has_period_type;
	out->doc_url = ps[0]->doc_url;
	size_t ncomments = 0;
	for (size_t i = 0; i < n; i++)
		ncomments += ps[i]->ncomments;
	out->comments = cm_arena_array(&out->arena, ncomments, sizeof(char *));
	if (!out->comments)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct cm_profile *s = ps[i];
		if (out->time_nanos == 0 || s->time_nanos < out->time_nanos)
			out->time_nanos = s->time_nanos;
		out->duration_nanos = cm_add64(out->duration_nanos, s->duration_nanos);
		if (out->period == 0 || out->period < s->period)
			out->period = s->period;
		for (size_t c = 0; c < s->ncomments; c++) {
			bool seen = false;
			for (size_t k = 0; k < out->ncomments && !seen; k++)
				seen = !strcmp(out->comments[k], s->comments[c]);
			if (!seen)
				out->comments[out->ncomments++] = s->comments[c];
		}
		if (!*out->default_sample_type)
			out->default_sample_type = s->default_sample_type;
	}
	return 0;
}

/* Appends every table of src to out, shifting the indices that link them. */
static int concat_tables(struct cm_profile *out, struct cm_profile **ps, size_t n)
{
	size_t nm = 0, nl = 0, nf = 0, ns = 0;
	for (size_t i = 0; i < n; i++) {
		nm += ps[i]->nmappings;
		nl += ps[i]->nlocations;
		nf += ps[i]->nfunctions;
		ns += ps[i]->nsamples;
		out->values_shared = out->values_shared || ps[i]->values_shared;
	}
	struct cm_arena *a = &out->arena;
	out->mappings = cm_arena_array(a, nm, sizeof(*out->mappings));
	out->locations = cm_arena_array(a, nl, sizeof(*out->locations));
	out->functions = cm_arena_array(a, nf, sizeof(*out->functions));
	out->samples = cm_arena_array(a, ns, sizeof(*out->samples));
	if (!out->mappings || !out->locations || !out->functions || !out->samples)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct cm_profile *s = ps[i];
		uint32_t mo = (uint32_t)out->nmappings, lo = (uint32_t)out->nlocations,
			 fo = (uint32_t)out->nfunctions;
		memcpy(out->mappings + mo, s->mappings, s->nmappings * sizeof(*s->mappings));
		memcpy(out->functions + fo, s->functions, s->nfunctions * sizeof(*s->functions));
		for (size_t l = 0; l < s->nlocations; l++) {
			struct cm_location *d = &out->locations[lo + l];
			*d = s->locations[l];
			if (d->mapping != CM_NONE)
				d->mapping += mo;
			d->lines = cm_arena_array(a, d->nlines, sizeof(*d->lines));
			if (!d->lines)
				return -1;
			for (uint32_t k = 0; k < d->nlines; k++) {
				d->lines[k] = s->locations[l].lines[k];
				if (d->lines[k].function != CM_NONE)
					d->lines[k].function += fo;
			}
		}
		for (size_t k = 0; k < s->nsamples; k++) {
			struct cm_sample *d = &out->samples[out->nsamples + k];
			*d = s->samples[k];
			/* Shifted indices may pass 65535: always 4 bytes here. */
			d->locs_wide = 1;
			d->locs = cm_arena_array(a, d->nlocs, sizeof(uint32_t));
			if (!d->locs)
				return -1;
			for (uint32_t j = 0; j < d->nlocs; j++)
				cm_sample_set_loc(d, j, cm_sample_loc(&s->samples[k], j) + lo);
		}
		out->nmappings += s->nmappings;
		out->nlocations += s->nlocations;
		out->nfunctions += s->nfunctions;
		out->nsamples += s->nsamples;
	}
	return 0;
}

static bool function_eq(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_function *f = ctx;
	return f[a].start_line == f[b].start_line && !strcmp(f[a].name, f[b].name) &&
	       !strcmp(f[a].system_name, f[b].system_name) &&
	       !strcmp(f[a].filename, f[b].filename);
}

static uint64_t mapping_size_key(const struct cm_mapping *m)
{
	uint64_t size = m->limit - m->start;
	size += 0xfff;
	return size - size % 0x1000;
}

static const char *mapping_name_key(const struct cm_mapping *m)
{
	return *m->build_id ? m->build_id : m->file;
}

static bool mapping_eq(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_mapping *m = ctx;
	return mapping_size_key(&m[a]) == mapping_size_key(&m[b]) &&
	       m[a].offset == m[b].offset && !strcmp(mapping_name_key(&m[a]), mapping_name_key(&m[b]));
}

struct loc_ctx {
	const struct cm_profile *p;
};

static uint64_t location_key_addr(const struct cm_profile *p, const struct cm_location *l)
{
	return l->mapping == CM_NONE ? l->address : l->address - p->mappings[l->mapping].start;
}

static bool location_eq(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_profile *p = ctx;
	const struct cm_location *la = &p->locations[a], *lb = &p->locations[b];
	if (la->mapping != lb->mapping || la->is_folded != lb->is_folded ||
	    la->nlines != lb->nlines || location_key_addr(p, la) != location_key_addr(p, lb))
		return false;
	for (uint32_t i = 0; i < la->nlines; i++)
		if (la->lines[i].function != lb->lines[i].function || la->lines[i].line != lb->lines[i].line)
			return false;
	return true;
}

/* Labels sort by key and kind only: pprof keeps the values of one key in
 * their order, and the insertion sort below is stable. */
static bool label_less(const struct cm_label *a, const struct cm_label *b)
{
	int c = strcmp(a->key, b->key);
	if (c)
		return c < 0;
	return !a->str && b->str;
}

static bool label_eq(const struct cm_label *a, const struct cm_label *b)
{
	if (strcmp(a->key, b->key) || !a->str != !b->str)
		return false;
	if (a->str)
		return !strcmp(a->str, b->str);
	return a->num == b->num && !strcmp(a->num_unit, b->num_unit);
}

static void sort_labels(struct cm_label *l, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) /* few labels per sample: insertion sort */
		for (uint32_t j = i; j > 0 && label_less(&l[j], &l[j - 1]); j--) {
			struct cm_label t = l[j];
			l[j] = l[j - 1];
			l[j - 1] = t;
		}
}

static bool sample_eq(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_sample *s = ctx;
	if (s[a].nlocs != s[b].nlocs || s[a].nlabels != s[b].nlabels)
		return false;
	for (uint32_t i = 0; i < s[a].nlocs; i++)
		if (cm_sample_loc(&s[a], i) != cm_sample_loc(&s[b], i))
			return false;
	for (uint32_t i = 0; i < s[a].nlabels; i++)
		if (!label_eq(&s[a].labels[i], &s[b].labels[i]))
			return false;
	return true;
}

static uint64_t sample_hash(const struct cm_sample *s)
{
	uint64_t h = s->nlocs;
	for (uint32_t i = 0; i < s->nlocs; i++)
		h = cm_hash_mix(h, cm_sample_loc(s, i));
	for (uint32_t i = 0; i < s->nlabels; i++) {
		h = cm_hash_mix(h, cm_hash_str(s->labels[i].key));
		h = cm_hash_mix(h, s->labels[i].str ? cm_hash_str(s->labels[i].str) : (uint64_t)s->labels[i].num);
	}
	return h;
}

static bool sample_is_zero(const struct cm_sample *s, size_t nvalues)
{
	for (size_t i = 0; i < nvalues; i++)
		if (s->values[i])
			return false;
	return true;
}

static void *dup_array(struct cm_arena *a, const void *src, size_t n, size_t size);

int cm_profile_own_samples(struct cm_profile *p)
{
	if (!p->samples_borrowed)
		return 0;
	struct cm_sample *own = dup_array(&p->arena, p->samples, p->nsamples, sizeof(*p->samples));
	if (!own)
		return -1;
	p->samples = own;
	p->samples_borrowed = false;
	return 0;
}

int cm_profile_own_values(struct cm_profile *p)
{
	if (!p->values_shared)
		return 0;
	if (cm_profile_own_samples(p) < 0)
		return -1;
	size_t nv = p->nsample_types;
	int64_t *values = cm_arena_array(&p->arena, p->nsamples * nv + 1, sizeof(int64_t));
	if (!values)
		return -1;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		memcpy(values, s->values, nv * sizeof(int64_t));
		s->values = values;
		values += nv;
	}
	p->values_shared = false;
	return 0;
}

/* Dedupes functions, mappings and locations by content, then sums samples
 * with the same stack and labels and drops the all-zero ones, keeping the
 * order of first appearance (which -traces prints). */
static int compact(struct cm_profile *p)
{
	int rc = -1;
	struct cm_index_set fs = {0}, ms = {0}, ls = {0}, ss = {0};
	uint32_t *fmap = malloc((p->nfunctions + 1) * sizeof(*fmap));
	uint32_t *mmap_ = malloc((p->nmappings + 1) * sizeof(*mmap_));
	uint32_t *lmap = malloc((p->nlocations + 1) * sizeof(*lmap));
	if (!fmap || !mmap_ || !lmap || cm_profile_own_values(p) < 0 ||
	    cm_profile_plain_stacks(p) < 0 ||
	    cm_index_set_init(&fs, p->nfunctions) ||
	    cm_index_set_init(&ms, p->nmappings) || cm_index_set_init(&ls, p->nlocations) ||
	    cm_index_set_init(&ss, p->nsamples))
		goto out;
	for (uint32_t i = 0; i < p->nfunctions; i++) {
		const struct cm_function *f = &p->functions[i];
		uint64_t h = cm_hash_mix(cm_hash_mix(cm_hash_mix(cm_hash_str(f->name), cm_hash_str(f->filename)),
				     cm_hash_str(f->system_name)), (uint64_t)f->start_line);
		fmap[i] = cm_index_set_intern(&fs, h, i, function_eq, p->functions);
	}
	for (uint32_t i = 0; i < p->nmappings; i++) {
		const struct cm_mapping *m = &p->mappings[i];
		uint64_t h = cm_hash_mix(cm_hash_mix(mapping_size_key(m), m->offset), cm_hash_str(mapping_name_key(m)));
		mmap_[i] = cm_index_set_intern(&ms, h, i, mapping_eq, p->mappings);
	}
	for (uint32_t i = 0; i < p->nlocations; i++) {
		struct cm_location *l = &p->locations[i];
		if (l->mapping != CM_NONE) {
			/* pprof's mapLocation: the address moves with its mapping
			 * (the same binary loaded elsewhere by another run) */
			uint32_t m = mmap_[l->mapping];
			l->address += p->mappings[m].start - p->mappings[l->mapping].start;
			l->mapping = m;
		}
		uint64_t h = cm_hash_mix(cm_hash_mix(location_key_addr(p, l), l->mapping), l->nlines);
		for (uint32_t k = 0; k < l->nlines; k++) {
			if (l->lines[k].function != CM_NONE)
				l->lines[k].function = fmap[l->lines[k].function];
			h = cm_hash_mix(cm_hash_mix(h, l->lines[k].function), (uint64_t)l->lines[k].line);
		}
		lmap[i] = cm_index_set_intern(&ls, h, i, location_eq, p);
	}
	size_t kept = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		if (sample_is_zero(s, p->nsample_types))
			continue;
		for (uint32_t k = 0; k < s->nlocs; k++)
			cm_sample_set_loc(s, k, lmap[cm_sample_loc(s, k)]); /* lmap[i] <= i */
		sort_labels(s->labels, s->nlabels);
		p->samples[kept] = *s;
		uint32_t into = cm_index_set_intern(&ss, sample_hash(s), (uint32_t)kept, sample_eq, p->samples);
		if (into == kept) {
			kept++;
			continue;
		}
		for (size_t v = 0; v < p->nsample_types; v++)
			p->samples[into].values[v] =
				cm_add64(p->samples[into].values[v], s->values[v]);
	}
	/* Sums that cancelled out (a base minus itself) leave zero samples. */
	size_t live = 0;
	for (size_t i = 0; i < kept; i++)
		if (!sample_is_zero(&p->samples[i], p->nsample_types))
			p->samples[live++] = p->samples[i];
	p->nsamples = live;
	rc = 0;
out:
	free(fmap);
	free(mmap_);
	free(lmap);
	cm_index_set_free(&fs);
	cm_index_set_free(&ms);
	cm_index_set_free(&ls);
	cm_index_set_free(&ss);
	return rc;
}

/* combineHeaders keeps each comment once, even from a single profile. */
static void dedupe_comments(struct cm_profile *p)
{
	size_t n = 0;
	for (size_t c = 0; c < p->ncomments; c++) {
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = !strcmp(p->comments[k], p->comments[c]);
		if (!seen)
			p->comments[n++] = p->comments[c];
	}
	p->ncomments = n;
}

static void free_all(struct cm_profile **ps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cm_profile_free(ps[i]);
}

struct cm_profile *cm_profile_merge(struct cm_profile **ps, size_t n, char *err, size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "no profiles to merge");
		return NULL;
	}
	if (n == 1) {
		dedupe_comments(ps[0]);
		if (compact(ps[0]) < 0) {
			snprintf(err, errlen, "out of memory");
			cm_profile_free(ps[0]);
			return NULL;
		}
		return ps[0];
	}
	for (size_t i = 0; i < n; i++)
		if (cm_profile_plain_stacks(ps[i]) < 0) {
			snprintf(err, errlen, "out of memory");
			free_all(ps, n);
			return NULL;
		}
	for (size_t i = 1; i < n; i++)
		if (check_compatible(ps[0], ps[i], err, errlen) < 0) {
			free_all(ps, n);
			return NULL;
		}
	struct cm_profile *out = cm_profile_new();
	struct cm_profile **owned = malloc(n * sizeof(*owned));
	if (!out || !owned) {
		free(owned);
		cm_profile_free(out);
		free_all(ps, n);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(owned, ps, n * sizeof(*owned));
	out->owned = owned;
	out->nowned = n;
	if (combine_headers(out, ps, n) < 0 || concat_tables(out, ps, n) < 0 || compact(out) < 0) {
		cm_profile_free(out);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return out;
}

bool cm_profile_has_negative(const struct cm_profile *p)
{
	for (size_t i = 0; i < p->nsamples; i++)
		for (size_t v = 0; v < p->nsample_types; v++)
			if (p->samples[i].values[v] < 0)
				return true;
	return false;
}

/* pprof's ScaleN: values times ratios[v], or times every when ratios is
 * NULL, through float64 and rounded half away from zero (math.Round): past
 * 2^53 a value is rounded first, and INT64_MAX * -1 turns into INT64_MIN.
 * Keeps only the samples with a non-zero scaled value. */
static int scale_samples(struct cm_profile *p, const double *ratios, double every)
{
	bool all_ones = true;
	for (size_t v = 0; v < p->nsample_types; v++)
		all_ones = all_ones && (ratios ? ratios[v] : every) == 1;
	if (all_ones) /* pprof returns before dropping the all-zero samples */
		return 0;
	if (cm_profile_own_values(p) < 0)
		return -1;
	size_t kept = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		bool nonzero = false;
		for (size_t v = 0; v < p->nsample_types; v++) {
			double r = ratios ? ratios[v] : every;
			if (r == 1)
				continue;
			s->values[v] = cm_f64_to_i64(round((double)s->values[v] * r));
			nonzero = nonzero || s->values[v] != 0;
		}
		if (nonzero)
			p->samples[kept++] = *s;
	}
	p->nsamples = kept;
	return 0;
}

int cm_profile_negate(struct cm_profile *p)
{
	return scale_samples(p, NULL, -1);
}

/* Sum of each value over the samples, wrapping as Go's int64 does. */
static void sum_values(const struct cm_profile *p, uint64_t *sums)
{
	for (size_t v = 0; v < p->nsample_types; v++)
		sums[v] = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		for (size_t v = 0; v < p->nsample_types; v++)
			sums[v] += (uint64_t)p->samples[i].values[v];
}

int cm_profile_normalize(struct cm_profile *p, struct cm_profile *base, char *err, size_t errlen)
{
	if (check_compatible(p, base, err, errlen) < 0)
		return -1;
	size_t n = p->nsample_types + 1;
	uint64_t *sums = malloc(2 * n * sizeof(*sums));
	double *ratios = malloc(n * sizeof(*ratios));
	if (!sums || !ratios) {
		free(sums);
		free(ratios);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sum_values(base, sums);
	sum_values(p, sums + n);
	for (size_t v = 0; v < p->nsample_types; v++) {
		int64_t b = (int64_t)sums[v], s = (int64_t)sums[n + v];
		ratios[v] = s == 0 ? 0.0 : (double)b / (double)s;
	}
	int rc = scale_samples(p, ratios, 1);
	free(sums);
	free(ratios);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int cm_profile_add_label(struct cm_profile *p, const char *key, const char *value)
{
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		struct cm_label *l = cm_arena_array(&p->arena, s->nlabels + 1, sizeof(*l));
		if (!l)
			return -1;
		uint32_t n = 0;
		for (uint32_t k = 0; k < s->nlabels; k++) /* SetLabel replaces the key */
			if (!s->labels[k].str || strcmp(s->labels[k].key, key))
				l[n++] = s->labels[k];
		l[n++] = (struct cm_label){.key = key, .str = value, .num_unit = ""};
		s->labels = l;
		s->nlabels = n;
	}
	return 0;
}

bool cm_sample_is_diff_base(const struct cm_sample *s)
{
	for (uint32_t k = 0; k < s->nlabels; k++)
		if (s->labels[k].str && !strcmp(s->labels[k].key, "pprof::base") &&
		    !strcmp(s->labels[k].str, "true"))
			return true;
	return false;
}

/* ---- filters ---- */

int cm_filter_compile(struct cm_filter *f, const char *name, const char *pattern,
		      char *err, size_t errlen)
{
	f->pattern = pattern;
	f->set = false;
	if (!pattern || !*pattern)
		return 0;
	char msg[384];
	if (!(f->re = cm_goregex_compile(pattern, msg, sizeof(msg)))) {
		snprintf(err, errlen, "parsing %s regexp: %s", name, msg);
		return -1;
	}
	f->set = true;
	return 0;
}

void cm_filter_free(struct cm_filter *f)
{
	if (f->set)
		cm_goregex_free(f->re);
	f->re = NULL;
	f->set = false;
}

bool cm_filter_match(const struct cm_filter *f, const char *s)
{
	return cm_goregex_match(f->re, s);
}

static bool line_matches(const struct cm_profile *p, const struct cm_line *ln,
			 const struct cm_filter *f)
{
	if (ln->function == CM_NONE)
		return false;
	const struct cm_function *fn = &p->functions[ln->function];
	return cm_filter_match(f, fn->name) || cm_filter_match(f, fn->filename);
}

static bool mapping_matches(const struct cm_profile *p, const struct cm_location *l,
			    const struct cm_filter *f)
{
	return l->mapping != CM_NONE && cm_filter_match(f, p->mappings[l->mapping].file);
}

static bool location_matches(const struct cm_profile *p, const struct cm_location *l,
			     const struct cm_filter *f)
{
	for (uint32_t i = 0; i < l->nlines; i++)
		if (line_matches(p, &l->lines[i], f))
			return true;
	return mapping_matches(p, l, f);
}

/* Keeps the lines that match (keep=true) or do not match (keep=false). */
static void filter_lines(struct cm_profile *p, struct cm_location *l,
			 const struct cm_filter *f, bool keep)
{
	if (mapping_matches(p, l, f)) {
		if (!keep)
			l->nlines = 0;
		return;
	}
	uint32_t n = 0;
	for (uint32_t i = 0; i < l->nlines; i++) {
		bool m = l->lines[i].function == CM_NONE ? keep : line_matches(p, &l->lines[i], f);
		if (m == keep)
			l->lines[n++] = l->lines[i];
	}
	l->nlines = n;
}

size_t cm_profile_keep_framed(struct cm_profile *p, size_t from, size_t to, size_t kept)
{
	for (size_t i = from; i < to; i++)
		if (p->samples[i].nlocs > 0) {
			if (kept != i) { /* no needless write, nor copy, when all have frames */
				if (cm_profile_own_samples(p) < 0)
					return SIZE_MAX;
				p->samples[kept] = p->samples[i];
			}
			kept++;
		}
	return kept;
}

enum { FI_NONE, FI_FOCUS, FI_IGNORE };

int cm_profile_filter_by_name(struct cm_profile *p, const struct cm_filter *focus,
			      const struct cm_filter *ignore, const struct cm_filter *hide,
			      const struct cm_filter *show, unsigned *matched)
{
	*matched = 0;
	bool any = focus->set || ignore->set || hide->set || show->set;
	if (!any) {
		/* pprof keeps a sample only when some frame is focused: with no
		 * filter, any frame. A sample with no frames goes (-raw shows it;
		 * -relative_percentages leaves it out of the total). */
		size_t kept = cm_profile_keep_framed(p, 0, p->nsamples, 0);
		if (kept == SIZE_MAX)
			return -1;
		p->nsamples = kept;
		return 0;
	}
	if (cm_profile_plain_stacks(p) < 0) /* hidden frames are taken out */
		return -1;
	unsigned char *mark = calloc(p->nlocations + 1, 1);  /* FI_* */
	unsigned char *hidden = calloc(p->nlocations + 1, 1);
	if (!mark || !hidden) {
		free(mark);
		free(hidden);
		return -1;
	}
	bool any_hidden = false;
	for (size_t i = 0; i < p->nlocations; i++) {
		struct cm_location *l = &p->locations[i];
		if (ignore->set && location_matches(p, l, ignore)) {
			mark[i] = FI_IGNORE;
			*matched |= CM_MATCHED_IGNORE;
		} else if (!focus->set || location_matches(p, l, focus)) {
			mark[i] = FI_FOCUS;
			*matched |= CM_MATCHED_FOCUS;
		}
		if (hide->set && location_matches(p, l, hide)) {
			*matched |= CM_MATCHED_HIDE;
			filter_lines(p, l, hide, false);
			if (l->nlines == 0)
				hidden[i] = any_hidden = true;
		}
		if (show->set) {
			filter_lines(p, l, show, true);
			if (l->nlines == 0)
				hidden[i] = any_hidden = true;
			else
				*matched |= CM_MATCHED_SHOW;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		bool focused = false, ignored = false;
		for (uint32_t k = 0; k < s->nlocs && !ignored; k++) {
			if (mark[cm_sample_loc(s, k)] == FI_IGNORE)
				ignored = true;
			else if (mark[cm_sample_loc(s, k)] == FI_FOCUS)
				focused = true;
		}
		if (ignored || !focused)
			continue;
		if (any_hidden) {
			uint32_t n = 0;
			for (uint32_t k = 0; k < s->nlocs; k++)
				if (!hidden[cm_sample_loc(s, k)])
					cm_sample_set_loc(s, n++, cm_sample_loc(s, k));
			s->nlocs = n;
			if (n == 0)
				continue;
		}
		p->samples[kept++] = *s;
	}
	p->nsamples = kept;
	free(mark);
	free(hidden);
	return 0;
}

/* The last (outermost) line of l whose function's name or file matches f,
 * or -1. */
static int64_t last_matched_line(const struct cm_profile *p, const struct cm_location *l,
				 const struct cm_filter *f)
{
	for (int64_t i = (int64_t)l->nlines - 1; i >= 0; i--)
		if (line_matches(p, &l->lines[i], f))
			return i;
	return -1;
}

int cm_profile_show_from(struct cm_profile *p, const struct cm_filter *f, bool *matched)
{
	*matched = false;
	if (!f->set)
		return 0;
	if (cm_profile_plain_stacks(p) < 0) /* root frames are cut */
		return -1;
	unsigned char *from = calloc(p->nlocations + 1, 1);
	if (!from)
		return -1;
	for (size_t i = 0; i < p->nlocations; i++) {
		struct cm_location *l = &p->locations[i];
		int64_t k;
		if (mapping_matches(p, l, f)) {
			from[i] = 1; /* a matching mapping keeps every line */
		} else if ((k = last_matched_line(p, l, f)) >= 0) {
			l->nlines = (uint32_t)k + 1; /* drops the lines it was inlined into */
			from[i] = 1;
		}
		*matched = *matched || from[i];
	}
	/* Each sample keeps its frames from the leaf up to its highest match;
	 * a sample without one is dropped. */
	size_t kept = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		for (int64_t k = (int64_t)s->nlocs - 1; k >= 0; k--) {
			if (from[cm_sample_loc(s, (uint32_t)k)]) {
				s->nlocs = (uint32_t)k + 1;
				p->samples[kept++] = *s;
				break;
			}
		}
	}
	p->nsamples = kept;
	free(from);
	return 0;
}

/* ---- drop_frames ---- */

/* pprof's simplifyFunc: the name up to its first "(" that does not open
 * "(anonymous namespace)" or "operator()". Writes into buf. */
static const char *simplify_func(const char *name, char *buf, size_t buflen)
{
	if (*name == '.')
		name++;
	size_t n = strlen(name);
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(name + i, "(anonymous namespace)", 21)) {
			i += 20;
			continue;
		}
		if (!strncmp(name + i, "operator()", 10)) {
			i += 9;
			continue;
		}
		if (name[i] == '(') {
			n = i;
			break;
		}
	}
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	return buf;
}

/* pprof's regexp.Compile("^(" + pat + ")$"), with its message. */
static struct cm_goregex *compile_anchored(const char *pat, char *err, size_t errlen)
{
	size_t n = strlen(pat) + 5;
	char *full = malloc(n);
	if (!full) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(full, n, "^(%s)$", pat);
	char msg[384];
	struct cm_goregex *re = cm_goregex_compile(full, msg, sizeof(msg));
	if (!re)
		snprintf(err, errlen, "failed to compile regexp %s: %s", pat, msg);
	free(full);
	return re;
}

int cm_profile_remove_uninteresting(struct cm_profile *p, char *err, size_t errlen)
{
	if (!*p->drop_frames)
		return 0;
	struct cm_goregex *drop, *keep = NULL;
	bool has_keep = *p->keep_frames != '\0';
	if (!(drop = compile_anchored(p->drop_frames, err, errlen)))
		return -1;
	if (has_keep && !(keep = compile_anchored(p->keep_frames, err, errlen))) {
		cm_goregex_free(drop);
		return -1;
	}
	unsigned char *prune = calloc(p->nlocations + 1, 2); /* [2i] prune, [2i+1] beneath */
	if (!prune) {
		cm_goregex_free(drop);
		cm_goregex_free(keep);
		return -1;
	}
	char buf[4096];
	for (size_t li = 0; li < p->nlocations; li++) {
		struct cm_location *l = &p->locations[li];
		int64_t i;
		for (i = (int64_t)l->nlines - 1; i >= 0; i--) {
			uint32_t f = l->lines[i].function;
			if (f == CM_NONE || !*p->functions[f].name)
				continue;
			const char *name = simplify_func(p->functions[f].name, buf, sizeof(buf));
			if (cm_goregex_match(drop, name) && (!has_keep || !cm_goregex_match(keep, name)))
				break;
		}
		if (i >= 0) {
			prune[2 * li + 1] = 1;
			if (i == (int64_t)l->nlines - 1) {
				prune[2 * li] = 1;
			} else {
				l->lines += i + 1;
				l->nlines -= (uint32_t)(i + 1);
			}
		}
	}
	for (size_t si = 0; si < p->nsamples; si++) {
		struct cm_sample *s = &p->samples[si];
		bool found_user = false;
		struct cm_locs_cursor c = cm_locs_from_root(s);
		for (int64_t i = (int64_t)s->nlocs - 1; i >= 0; i--) {
			uint32_t id = cm_locs_next(&c);
			if (!prune[2 * id] && !prune[2 * id + 1]) {
				found_user = true;
				continue;
			}
			if (!found_user)
				continue;
			uint32_t from = prune[2 * id] ? (uint32_t)i + 1 : (uint32_t)i;
			cm_sample_drop_leaves(s, from);
			break;
		}
	}
	free(prune);
	cm_goregex_free(drop);
	cm_goregex_free(keep);
	return 0;
}

int cm_profile_prune_from(struct cm_profile *p, const struct cm_filter *f)
{
	if (!f->set)
		return 0;
	unsigned char *beneath = calloc(p->nlocations + 1, 1);
	if (!beneath)
		return -1;
	char buf[4096];
	for (size_t li = 0; li < p->nlocations; li++) {
		struct cm_location *l = &p->locations[li];
		/* the innermost matching line stays, the lines inlined into it go */
		for (uint32_t i = 0; i < l->nlines; i++) {
			uint32_t fn = l->lines[i].function;
			if (fn == CM_NONE || !*p->functions[fn].name)
				continue;
			if (cm_filter_match(f, simplify_func(p->functions[fn].name, buf, sizeof(buf)))) {
				beneath[li] = 1;
				l->lines += i;
				l->nlines -= i;
				break;
			}
		}
	}
	/* From the leaf: the frames under the first match go. */
	for (size_t si = 0; si < p->nsamples; si++) {
		struct cm_sample *s = &p->samples[si];
		struct cm_locs_cursor c = cm_locs_from_leaf(s);
		for (uint32_t i = 0; i < s->nlocs; i++) {
			if (beneath[cm_locs_next(&c)]) {
				cm_sample_drop_leaves(s, i);
				break;
			}
		}
	}
	free(beneath);
	return 0;
}

/* ---- aggregation ---- */

int cm_granularity_parse(const char *name, enum cm_granularity *out)
{
	static const char *names[] = {"functions", "filefunctions", "files", "lines", "addresses"};
	for (int i = 0; i < 5; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum cm_granularity)i;
			return 0;
		}
	return -1;
}

void cm_profile_aggregate(struct cm_profile *p, enum cm_granularity g)
{
	/* With inline frames kept, "addresses" keeps everything. */
	if (g == CM_GRAN_ADDRESSES)
		return;
	bool function = g != CM_GRAN_FILES;
	bool filename = g == CM_GRAN_FILEFUNCTIONS || g == CM_GRAN_FILES || g == CM_GRAN_LINES;
	bool linenumber = g == CM_GRAN_LINES;
	for (size_t i = 0; i < p->nmappings; i++) {
		p->mappings[i].has_functions &= function;
		p->mappings[i].has_filenames &= filename;
		p->mappings[i].has_line_numbers &= linenumber;
	}
	for (size_t i = 0; i < p->nfunctions; i++) {
		if (!function) {
			p->functions[i].name = "";
			p->functions[i].system_name = "";
		}
		if (!filename)
			p->functions[i].filename = "";
	}
	for (size_t i = 0; i < p->nlocations; i++) {
		struct cm_location *l = &p->locations[i];
		if (!linenumber)
			for (uint32_t k = 0; k < l->nlines; k++)
				l->lines[k].line = 0;
		l->address = 0;
	}
}

void cm_profile_drop_inline_frames(struct cm_profile *p)
{
	for (size_t i = 0; i < p->nmappings; i++)
		p->mappings[i].has_inline_frames = false;
	for (size_t i = 0; i < p->nlocations; i++) {
		struct cm_location *l = &p->locations[i];
		if (l->nlines > 1) {
			l->lines += l->nlines - 1;
			l->nlines = 1;
		}
	}
}

/* ---- copying ---- */

static void *dup_array(struct cm_arena *a, const void *src, size_t n, size_t size)
{
	void *d = cm_arena_array(a, n ? n : 1, size);
	if (d && n)
		memcpy(d, src, n * size);
	return d;
}

/* Copies every sample's values and location indices into c's arena, in
 * one block each, so a big profile costs two allocations. */
static int clone_samples(struct cm_profile *c, const struct cm_profile *p)
{
	size_t nv = p->nsample_types, locs_bytes = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		locs_bytes += (cm_sample_locs_size(&p->samples[i]) + 3) & ~(size_t)3;
	c->samples = dup_array(&c->arena, p->samples, p->nsamples, sizeof(*p->samples));
	c->samples_borrowed = false;
	int64_t *values = cm_arena_array(&c->arena, p->nsamples * nv + 1, sizeof(int64_t));
	char *locs = cm_arena_alloc(&c->arena, locs_bytes + 4);
	if (!c->samples || !values || !locs)
		return -1;
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &c->samples[i];
		size_t lb = cm_sample_locs_size(s);
		memcpy(values, s->values, nv * sizeof(int64_t));
		s->values = values;
		values += nv;
		memcpy(locs, s->locs, lb);
		s->locs = locs;
		locs += (lb + 3) & ~(size_t)3;
		if (s->nlabels && !(s->labels = dup_array(&c->arena, s->labels, s->nlabels, sizeof(*s->labels))))
			return -1;
	}
	return 0;
}

/* Everything but the samples; those stay p's. NULL when memory runs out. */
static struct cm_profile *clone_tables(const struct cm_profile *p)
{
	struct cm_profile *c = cm_profile_new();
	if (!c)
		return NULL;
	struct cm_arena arena = c->arena;
	*c = *p;
	c->arena = arena;
	c->samples_heap = NULL;
	c->samples_heap_size = 0;
	c->samples_borrowed = true; /* clone_samples makes them c's */
	c->owned = NULL;
	c->nowned = 0;
	c->sample_types = dup_array(&c->arena, p->sample_types, p->nsample_types, sizeof(*p->sample_types));
	c->mappings = dup_array(&c->arena, p->mappings, p->nmappings, sizeof(*p->mappings));
	c->functions = dup_array(&c->arena, p->functions, p->nfunctions, sizeof(*p->functions));
	c->locations = dup_array(&c->arena, p->locations, p->nlocations, sizeof(*p->locations));
	c->comments = dup_array(&c->arena, p->comments, p->ncomments, sizeof(*p->comments));
	bool ok = c->sample_types && c->mappings && c->functions && c->locations && c->comments;
	for (size_t i = 0; ok && i < p->nlocations; i++) {
		struct cm_location *l = &c->locations[i];
		ok = (l->lines = dup_array(&c->arena, l->lines, l->nlines, sizeof(*l->lines))) != NULL;
	}
	if (!ok) {
		cm_profile_free(c);
		return NULL;
	}
	return c;
}

struct cm_profile *cm_profile_clone(const struct cm_profile *p)
{
	struct cm_profile *c = clone_tables(p);
	if (c && clone_samples(c, p) < 0) {
		cm_profile_free(c);
		return NULL;
	}
	return c;
}

struct cm_profile *cm_profile_clone_tables(const struct cm_profile *p)
{
	return clone_tables(p);
}

/* ---- pprof's ids ---- */

/* Where each old index of a table goes: CM_NONE until numbered. */
struct renumbering {
	uint32_t *to, *from; /* old -> new, new -> old */
	uint32_t n;
};

static int renumbering_init(struct renumbering *r, size_t n)
{
	r->n = 0;
	r->to = malloc((n + 1) * sizeof(uint32_t));
	r->from = malloc((n + 1) * sizeof(uint32_t));
	if (r->to)
		memset(r->to, 0xff, (n + 1) * sizeof(uint32_t));
	return r->to && r->from ? 0 : -1;
}

static void renumber(struct renumbering *r, uint32_t old)
{
	if (old != CM_NONE && r->to[old] == CM_NONE) {
		r->to[old] = r->n;
		r->from[r->n++] = old;
	}
}

static void renumbering_free(struct renumbering *r)
{
	free(r->to);
	free(r->from);
}

/* The tables in their new order, with ids 1..n; locations get new line
 * arrays (two locations may share one). */
static int reorder_tables(struct cm_profile *p, const struct renumbering *m,
			  const struct renumbering *l, const struct renumbering *f)
{
	struct cm_arena *a = &p->arena;
	struct cm_mapping *ms = cm_arena_array(a, m->n + 1, sizeof(*ms));
	struct cm_location *ls = cm_arena_array(a, l->n + 1, sizeof(*ls));
	struct cm_function *fs = cm_arena_array(a, f->n + 1, sizeof(*fs));
	if (!ms || !ls || !fs)
		return -1;
	for (uint32_t i = 0; i < m->n; i++) {
		ms[i] = p->mappings[m->from[i]];
		ms[i].id = i + 1;
	}
	for (uint32_t i = 0; i < f->n; i++) {
		fs[i] = p->functions[f->from[i]];
		fs[i].id = i + 1;
	}
	for (uint32_t i = 0; i < l->n; i++) {
		struct cm_location *d = &ls[i];
		*d = p->locations[l->from[i]];
		d->id = i + 1;
		if (d->mapping != CM_NONE)
			d->mapping = m->to[d->mapping];
		struct cm_line *lines = cm_arena_array(a, d->nlines + 1, sizeof(*lines));
		if (!lines)
			return -1;
		for (uint32_t k = 0; k < d->nlines; k++) {
			lines[k] = d->lines[k];
			if (lines[k].function != CM_NONE)
				lines[k].function = f->to[lines[k].function];
		}
		d->lines = lines;
	}
	p->mappings = ms;
	p->nmappings = m->n;
	p->locations = ls;
	p->nlocations = l->n;
	p->functions = fs;
	p->nfunctions = f->n;
	return 0;
}

/* The samples' location indices in the new order; a 2-byte stack whose new
 * indices do not fit gets 4 bytes. */
static int remap_samples(struct cm_profile *p, const struct renumbering *l)
{
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		bool fits = true;
		for (uint32_t k = 0; k < s->nlocs && !s->locs_wide; k++)
			fits = fits && l->to[cm_sample_loc(s, k)] <= UINT16_MAX;
		if (!fits) {
			uint32_t *wide = cm_arena_array(&p->arena, s->nlocs, sizeof(uint32_t));
			if (!wide)
				return -1;
			for (uint32_t k = 0; k < s->nlocs; k++)
				wide[k] = cm_sample_loc(s, k);
			s->locs = wide;
			s->locs_wide = 1;
		}
		for (uint32_t k = 0; k < s->nlocs; k++)
			cm_sample_set_loc(s, k, l->to[cm_sample_loc(s, k)]);
	}
	return 0;
}

int cm_profile_number_as_merged(struct cm_profile *p)
{
	struct renumbering m = {0}, l = {0}, f = {0};
	int rc = -1;
	if (cm_profile_plain_stacks(p) == 0 && renumbering_init(&m, p->nmappings) == 0 &&
	    renumbering_init(&l, p->nlocations) == 0 && renumbering_init(&f, p->nfunctions) == 0) {
		if (p->nmappings > 0) /* Merge maps the first profile's first mapping first */
			renumber(&m, 0);
		for (size_t i = 0; i < p->nsamples; i++) {
			const struct cm_sample *s = &p->samples[i];
			for (uint32_t k = 0; k < s->nlocs; k++) {
				uint32_t li = cm_sample_loc(s, k);
				if (l.to[li] != CM_NONE)
					continue;
				const struct cm_location *loc = &p->locations[li];
				renumber(&m, loc->mapping);
				for (uint32_t j = 0; j < loc->nlines; j++)
					renumber(&f, loc->lines[j].function);
				renumber(&l, li);
			}
		}
		rc = reorder_tables(p, &m, &l, &f) == 0 && remap_samples(p, &l) == 0 ? 0 : -1;
	}
	renumbering_free(&m);
	renumbering_free(&l);
	renumbering_free(&f);
	return rc;
}
