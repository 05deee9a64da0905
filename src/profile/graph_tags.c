/* graph_tags: the tags of a graph's nodes (pprof's Node.LabelTags and
 * NumericTags), for the nodelets of -dot. See graph_tags.h. */
#include "cmon/profile/graph_tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h ^ (h >> 31);
}

/* The one copy of s[0..n) (interned), or NULL when memory runs out. */
static const char *intern(struct cm_tags *t, const char *s, size_t n)
{
	if ((t->strs_n + 1) * 2 > t->strs_cap) {
		size_t ncap = t->strs_cap ? t->strs_cap * 2 : 256;
		const char **ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return NULL;
		for (size_t i = 0; i < t->strs_cap; i++) {
			if (!t->strs[i])
				continue;
			size_t j = hash_bytes(t->strs[i], strlen(t->strs[i])) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = t->strs[i];
		}
		free(t->strs);
		t->strs = ns;
		t->strs_cap = ncap;
	}
	size_t j = hash_bytes(s, n) & (t->strs_cap - 1);
	for (; t->strs[j]; j = (j + 1) & (t->strs_cap - 1))
		if (!strncmp(t->strs[j], s, n) && t->strs[j][n] == '\0')
			return t->strs[j];
	char *c = cm_arena_strndup(&t->arena, s, n);
	if (c) {
		t->strs[j] = c;
		t->strs_n++;
	}
	return c;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* joinLabels: "key:value" of every string label, sorted, joined with a
 * literal backslash-n. pprof drops the diff base's marker first. */
static const char *join_labels(struct cm_tags *t, const struct cm_sample *s)
{
	if (s->nlabels == 0)
		return intern(t, "", 0);
	const char **parts = malloc(s->nlabels * sizeof(*parts));
	struct { char *s; size_t len; } b = {0};
	size_t n = 0;
	const char *res = NULL;
	if (!parts)
		return NULL;
	for (uint32_t i = 0; i < s->nlabels; i++) {
		const struct cm_label *l = &s->labels[i];
		if (!l->str || !strcmp(l->key, "pprof::base"))
			continue;
		size_t len = strlen(l->key) + strlen(l->str) + 2;
		char *kv = cm_arena_alloc(&t->arena, len);
		if (!kv)
			goto done;
		snprintf(kv, len, "%s:%s", l->key, l->str);
		parts[n++] = kv;
	}
	qsort(parts, n, sizeof(*parts), str_cmp);
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += strlen(parts[i]) + 2;
	if (!(b.s = malloc(total)))
		goto done;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);
		if (i) {
			memcpy(b.s + b.len, "\\n", 2);
			b.len += 2;
		}
		memcpy(b.s + b.len, parts[i], l);
		b.len += l;
	}
	res = intern(t, b.s, b.len);
done:
	free(b.s);
	free(parts);
	return res;
}

/* NumLabelUnits for "bytes": the first unit a value carries, else "bytes". */
static const char *bytes_unit(const struct cm_profile *p)
{
	for (size_t i = 0; i < p->nsamples; i++)
		for (uint32_t k = 0; k < p->samples[i].nlabels; k++) {
			const struct cm_label *l = &p->samples[i].labels[k];
			if (!l->str && !strcmp(l->key, "bytes") && *l->num_unit)
				return l->num_unit;
		}
	return "bytes";
}

static int sample_tags(struct cm_tags *t, const struct cm_sample *s, const char *unit,
		       const char *out_unit, struct cm_sample_tags *st)
{
	if (!(st->lset = join_labels(t, s)))
		return -1;
	uint32_t n = 0;
	for (uint32_t k = 0; k < s->nlabels; k++)
		n += !s->labels[k].str && !strcmp(s->labels[k].key, "bytes");
	if (n == 0)
		return 0;
	const char **names = cm_arena_array(&t->arena, n, sizeof(*names));
	int64_t *values = cm_arena_array(&t->arena, n, sizeof(*values));
	if (!names || !values)
		return -1;
	for (uint32_t k = 0; k < s->nlabels; k++) {
		const struct cm_label *l = &s->labels[k];
		if (l->str || strcmp(l->key, "bytes"))
			continue;
		char buf[64];
		cm_scaled_label(l->num, unit, out_unit, buf, sizeof(buf));
		values[st->n] = l->num;
		if (!(names[st->n++] = intern(t, buf, strlen(buf))))
			return -1;
	}
	st->names = names;
	st->values = values;
	return 0;
}

int cm_tags_init(struct cm_tags *t, const struct cm_profile *p, size_t vi, bool mean,
		 const char *out_unit)
{
	memset(t, 0, sizeof(*t));
	cm_arena_init(&t->arena);
	t->p = p;
	t->vi = vi;
	t->mean = mean;
	t->samples = calloc(p->nsamples + 1, sizeof(*t->samples));
	if (!t->samples)
		return -1;
	const char *unit = t->num_unit = bytes_unit(p);
	for (size_t i = 0; i < p->nsamples; i++)
		if (sample_tags(t, &p->samples[i], unit, out_unit, &t->samples[i]) < 0)
			return -1;
	return 0;
}

void cm_tags_reset(struct cm_tags *t)
{
	free(t->tags);
	free(t->slots);
	free(t->first);
	free(t->order);
	t->tags = NULL;
	t->slots = t->first = t->order = NULL;
	t->n = t->cap = t->slots_cap = 0;
}

void cm_tags_free(struct cm_tags *t)
{
	cm_tags_reset(t);
	free(t->samples);
	free(t->strs);
	cm_arena_free(&t->arena);
	memset(t, 0, sizeof(*t));
}

static uint64_t tag_hash(uint32_t node, bool numeric, const char *lset, const char *name)
{
	uint64_t h = ((uint64_t)node << 1 | numeric) * 0x9e3779b97f4a7c15ULL;
	h ^= (uint64_t)(uintptr_t)lset * 0xff51afd7ed558ccdULL;
	h ^= (uint64_t)(uintptr_t)name * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static int grow_slots(struct cm_tags *t)
{
	size_t ncap = t->slots_cap ? t->slots_cap * 2 : 1024;
	uint32_t *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct cm_tag *g = &t->tags[i];
		size_t j = tag_hash(g->node, g->numeric, g->lset, g->name) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = ns;
	t->slots_cap = ncap;
	return 0;
}

/* findOrAddTag */
static struct cm_tag *find_or_add(struct cm_tags *t, uint32_t node, bool numeric,
				  const char *lset, const char *name, const char *unit,
				  int64_t value)
{
	if ((t->n + 1) * 2 > t->slots_cap && grow_slots(t) < 0)
		return NULL;
	size_t j = tag_hash(node, numeric, lset, name) & (t->slots_cap - 1);
	for (; t->slots[j]; j = (j + 1) & (t->slots_cap - 1)) {
		struct cm_tag *g = &t->tags[t->slots[j] - 1];
		if (g->node == node && g->numeric == numeric && g->lset == lset && g->name == name)
			return g;
	}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct cm_tag *nt = realloc(t->tags, ncap * sizeof(*nt));
		if (!nt)
			return NULL;
		t->tags = nt;
		t->cap = ncap;
	}
	t->tags[t->n] = (struct cm_tag){.name = name, .lset = lset, .unit = unit, .value = value,
					.node = node, .numeric = numeric};
	t->slots[j] = (uint32_t)++t->n;
	return &t->tags[t->n - 1];
}

static void add_weight(struct cm_tag *g, int64_t w, int64_t dw, bool flat)
{
	if (flat) {
		g->flat = cm_add64(g->flat, w);
		g->flat_div = cm_add64(g->flat_div, dw);
	} else {
		g->cum = cm_add64(g->cum, w);
		g->cum_div = cm_add64(g->cum_div, dw);
	}
}

int cm_tags_visit(void *ctx, size_t sample, uint32_t id, bool flat)
{
	struct cm_tags *t = ctx;
	const struct cm_sample *s = &t->p->samples[sample];
	const struct cm_sample_tags *st = &t->samples[sample];
	int64_t w = s->values[t->vi], dw = t->mean ? s->values[0] : 0;
	if (*st->lset) {
		struct cm_tag *g = find_or_add(t, id, false, st->lset, st->lset, "", 0);
		if (!g)
			return -1;
		add_weight(g, w, dw, flat);
	}
	for (uint32_t i = 0; i < st->n; i++) {
		struct cm_tag *g = find_or_add(t, id, true, st->lset, st->names[i], t->num_unit,
					       st->values[i]);
		if (!g)
			return -1;
		add_weight(g, w, dw, flat);
	}
	return 0;
}

void cm_tags_trim(struct cm_tags *t, int64_t cutoff)
{
	for (size_t i = 0; i < t->n; i++) {
		struct cm_tag *g = &t->tags[i];
		if (cm_abs64(g->flat) < cutoff && cm_abs64(g->cum) < cutoff)
			g->removed = true;
	}
}

int cm_tags_index(struct cm_tags *t, uint32_t nnodes)
{
	free(t->first);
	free(t->order);
	t->first = calloc((size_t)nnodes + 2, sizeof(uint32_t));
	t->order = malloc((t->n + 1) * sizeof(uint32_t));
	uint32_t *cur = calloc((size_t)nnodes + 1, sizeof(uint32_t));
	int rc = -1;
	if (!t->first || !t->order || !cur)
		goto done;
	for (size_t i = 0; i < t->n; i++)
		if (!t->tags[i].removed)
			t->first[t->tags[i].node + 1]++;
	for (uint32_t i = 0; i < nnodes; i++)
		t->first[i + 1] += t->first[i];
	for (size_t i = 0; i < t->n; i++) {
		const struct cm_tag *g = &t->tags[i];
		if (!g->removed)
			t->order[t->first[g->node] + cur[g->node]++] = (uint32_t)i;
	}
	rc = 0;
done:
	free(cur);
	return rc;
}
