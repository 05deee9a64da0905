/* stack_tree: samples merged into a tree of frames; see stack_tree.h.
 *
 * Frames are found by (parent, node) in an open-addressing hash table, so
 * a build is one pass over the samples' frames; a parent is always
 * created before its children, so frames[i].parent < i. */
#include "cmon/profile/stack_tree.h"

#include <stdlib.h>
#include <string.h>

#include "cmon/profile/shorten.h"

#define MAX_FRAMES (UINT32_MAX - 1)

struct builder {
	struct cm_stack_tree *t;
	size_t cap;          /* frames allocated */
	uint32_t *slots;     /* frame index + 1, 0 = empty */
	size_t nslots;       /* a power of two */
};

static uint64_t key_hash(uint32_t parent, uint32_t node)
{
	return cm_pair_hash(parent, node);
}

static int grow_slots(struct builder *b)
{
	size_t n = b->nslots ? b->nslots * 2 : 1024;
	uint32_t *s = calloc(n, sizeof(*s));
	if (!s)
		return -1;
	const struct cm_stack_frame *f = b->t->frames;
	for (size_t i = 1; i < b->t->nframes; i++) {
		size_t h = key_hash(f[i].parent, f[i].node) & (n - 1);
		while (s[h])
			h = (h + 1) & (n - 1);
		s[h] = (uint32_t)i + 1;
	}
	free(b->slots);
	b->slots = s;
	b->nslots = n;
	return 0;
}

/* The frame for node under parent, made when new; CM_STACK_NONE on OOM. */
static uint32_t child_of(struct builder *b, uint32_t parent, uint32_t node)
{
	struct cm_stack_tree *t = b->t;
	if (2 * (t->nframes + 1) > b->nslots && grow_slots(b) < 0)
		return CM_STACK_NONE;
	size_t h = key_hash(parent, node) & (b->nslots - 1);
	for (uint32_t s; (s = b->slots[h]); h = (h + 1) & (b->nslots - 1)) {
		const struct cm_stack_frame *f = &t->frames[s - 1];
		if (f->parent == parent && f->node == node)
			return s - 1;
	}
	if (t->nframes >= MAX_FRAMES)
		return CM_STACK_NONE;
	if (t->nframes == b->cap) {
		size_t cap = b->cap * 2;
		struct cm_stack_frame *nf = realloc(t->frames, cap * sizeof(*nf));
		if (!nf)
			return CM_STACK_NONE;
		t->frames = nf;
		b->cap = cap;
	}
	uint32_t id = (uint32_t)t->nframes++;
	const struct cm_stack_frame *p = &t->frames[parent];
	t->frames[id] = (struct cm_stack_frame){
		.node = node, .parent = parent, .depth = p->depth + 1,
		.first_child = CM_STACK_NONE, .next_sibling = CM_STACK_NONE,
	};
	if (p->depth + 1 > t->max_depth)
		t->max_depth = p->depth + 1;
	b->slots[h] = id + 1;
	return id;
}

static void add_value(struct cm_stack_frame *f, int64_t v)
{
	f->cum = cm_add64(f->cum, v);
	f->weight += (uint64_t)cm_abs64(v);
}

/* One sample, root first: each location's inline lines from the caller
 * (the last line) to the innermost (the first). */
static int add_sample(struct builder *b, const struct cm_sample *s, int64_t v)
{
	const struct cm_nodes *n = b->t->nodes;
	uint32_t cur = 0;
	add_value(&b->t->frames[0], v);
	struct cm_locs_cursor c = cm_locs_from_root(s);
	for (uint32_t i = s->nlocs; i-- > 0;) {
		uint32_t loc = cm_locs_next(&c);
		for (uint32_t k = n->loc_count[loc]; k-- > 0;) {
			cur = child_of(b, cur, n->loc_nodes[n->loc_first[loc] + k]);
			if (cur == CM_STACK_NONE)
				return -1;
			add_value(&b->t->frames[cur], v);
		}
	}
	struct cm_stack_frame *leaf = &b->t->frames[cur];
	leaf->flat = cm_add64(leaf->flat, v);
	return 0;
}

static int kid_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_stack_tree *t = ctx;
	uint32_t na = t->frames[a].node, nb = t->frames[b].node;
	int c = strcmp(t->short_names[na], t->short_names[nb]);
	if (!c)
		c = strcmp(t->nodes->printable[na], t->nodes->printable[nb]);
	return c ? c : (na > nb) - (na < nb);
}

/* Children lists: counted, placed, each sorted by name, then linked. */
static int link_children(struct cm_stack_tree *t)
{
	size_t n = t->nframes;
	uint32_t *tmp = malloc((n + 1) * sizeof(*tmp));
	t->kids = malloc((n + 1) * sizeof(*t->kids));
	if (!tmp || !t->kids) {
		free(tmp);
		return -1;
	}
	struct cm_stack_frame *f = t->frames;
	for (size_t i = 1; i < n; i++)
		f[f[i].parent].nchildren++;
	uint32_t at = 0;
	for (size_t i = 0; i < n; i++) {
		f[i].first_child = at;
		at += f[i].nchildren;
		f[i].nchildren = 0;
	}
	for (size_t i = 1; i < n; i++) {
		struct cm_stack_frame *p = &f[f[i].parent];
		t->kids[p->first_child + p->nchildren++] = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t *k = t->kids + f[i].first_child;
		if (f[i].nchildren > 1)
			cm_sort_ids(k, tmp, f[i].nchildren, kid_cmp, t);
		for (uint32_t j = 0; j + 1 < f[i].nchildren; j++)
			f[k[j]].next_sibling = k[j + 1];
	}
	free(tmp);
	return 0;
}

static int short_names(struct cm_stack_tree *t)
{
	const struct cm_nodes *n = t->nodes;
	t->short_names = cm_arena_array(&t->arena, n->count + 1, sizeof(*t->short_names));
	if (!t->short_names)
		return -1;
	for (uint32_t i = 0; i < n->count; i++) {
		const char *full = n->printable[i];
		char *s = cm_arena_alloc(&t->arena, strlen(full) + 1);
		if (!s)
			return -1;
		cm_shorten_function_name(full, s);
		t->short_names[i] = s;
	}
	return 0;
}

int cm_stack_tree_build(struct cm_stack_tree *t, const struct cm_profile *p,
			const struct cm_nodes *nodes, size_t vi)
{
	memset(t, 0, sizeof(*t));
	cm_arena_init(&t->arena);
	t->nodes = nodes;
	struct builder b = {.t = t, .cap = 1024};
	if (!(t->frames = malloc(b.cap * sizeof(*t->frames))))
		goto fail;
	t->frames[0] = (struct cm_stack_frame){.node = CM_STACK_NONE, .parent = CM_STACK_NONE,
					       .next_sibling = CM_STACK_NONE};
	t->nframes = 1;
	for (size_t i = 0; vi < p->nsample_types && i < p->nsamples; i++) {
		int64_t v = p->samples[i].values[vi];
		if (v && add_sample(&b, &p->samples[i], v) < 0)
			goto fail;
	}
	free(b.slots);
	b.slots = NULL;
	if (short_names(t) < 0 || link_children(t) < 0)
		goto fail;
	return 0;
fail:
	free(b.slots);
	cm_stack_tree_free(t);
	return -1;
}

void cm_stack_tree_free(struct cm_stack_tree *t)
{
	free(t->frames);
	free(t->kids);
	cm_arena_free(&t->arena);
	memset(t, 0, sizeof(*t));
}

const char *cm_stack_tree_name(const struct cm_stack_tree *t, uint32_t f)
{
	if (f >= t->nframes || t->frames[f].node == CM_STACK_NONE)
		return "root";
	return t->nodes->printable[t->frames[f].node];
}

const char *cm_stack_tree_short(const struct cm_stack_tree *t, uint32_t f)
{
	if (f >= t->nframes || t->frames[f].node == CM_STACK_NONE)
		return "root";
	return t->short_names[t->frames[f].node];
}

uint32_t cm_stack_tree_child(const struct cm_stack_tree *t, uint32_t f, const char *name)
{
	if (f >= t->nframes)
		return CM_STACK_NONE;
	const struct cm_stack_frame *p = &t->frames[f];
	for (uint32_t j = 0; j < p->nchildren; j++) {
		uint32_t k = t->kids[p->first_child + j];
		if (!strcmp(t->nodes->printable[t->frames[k].node], name))
			return k;
	}
	return CM_STACK_NONE;
}

int64_t cm_stack_tree_match_sum(const struct cm_stack_tree *t, uint32_t f, const bool *match)
{
	if (f >= t->nframes)
		return 0;
	int64_t sum = 0;
	const struct cm_stack_frame *fr = t->frames;
	/* a walk without a stack: down to the first child, else on to the next
	 * sibling of the nearest ancestor (below f) that has one */
	uint32_t x = f;
	for (;;) {
		bool hit = fr[x].node != CM_STACK_NONE && match[fr[x].node];
		if (hit)
			sum = cm_add64(sum, fr[x].cum);
		if (!hit && fr[x].nchildren) {
			x = t->kids[fr[x].first_child];
			continue;
		}
		while (x != f && fr[x].next_sibling == CM_STACK_NONE)
			x = fr[x].parent;
		if (x == f)
			return sum;
		x = fr[x].next_sibling;
	}
}
