/* graph_tree: pprof's call tree (-call_tree): graph.go's newTree, where a
 * node is a function (or line, or address) reached by one call path, and
 * TrimTree, which removes nodes by linking their children to their parent
 * with residual edges. See graph_tree.h. */
#include "cmon/profile/graph_tree.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct tree_builder {
	struct cm_tree *t;
	const struct cm_nodes *base;
	uint64_t *keys;  /* (parent + 1) << 32 | base node: a slot's key */
	uint32_t *vals;  /* tree node + 1; 0 when empty */
	size_t cap;
	size_t nodes_cap, edges_cap;
};

static uint64_t key_hash(uint64_t k)
{
	return cm_pair_hash((uint32_t)(k >> 32), (uint32_t)k);
}

static int grow_map(struct tree_builder *b)
{
	size_t ncap = b->cap ? b->cap * 2 : 4096;
	uint64_t *nk = malloc(ncap * sizeof(*nk));
	uint32_t *nv = calloc(ncap, sizeof(*nv));
	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -1;
	}
	for (size_t i = 0; i < b->cap; i++) {
		if (!b->vals[i])
			continue;
		size_t j = key_hash(b->keys[i]) & (ncap - 1);
		while (nv[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = b->keys[i];
		nv[j] = b->vals[i];
	}
	free(b->keys);
	free(b->vals);
	b->keys = nk;
	b->vals = nv;
	b->cap = ncap;
	return 0;
}

/* Grows the per-node arrays of the tree to hold one more node. */
static int grow_nodes(struct tree_builder *b)
{
	struct cm_tree *t = b->t;
	if (t->nodes.count < b->nodes_cap)
		return 0;
	size_t ncap = b->nodes_cap ? b->nodes_cap * 2 : 1024;
	struct cm_node_info *info = realloc(t->nodes.info, ncap * sizeof(*info));
	if (info)
		t->nodes.info = info;
	uint32_t *base = realloc(t->base, ncap * sizeof(*base));
	if (base)
		t->base = base;
	uint32_t *parent = realloc(t->parent, ncap * sizeof(*parent));
	if (parent)
		t->parent = parent;
	uint32_t *in = realloc(t->in_edge, ncap * sizeof(*in));
	if (in)
		t->in_edge = in;
	if (!info || !base || !parent || !in)
		return -1;
	b->nodes_cap = ncap;
	return 0;
}

/* findOrInsertLine in the parent's own node map. */
static int child_of(struct tree_builder *b, uint32_t parent, uint32_t base, uint32_t *out)
{
	struct cm_tree *t = b->t;
	if ((t->nodes.count + 1) * 2 > b->cap && grow_map(b) < 0)
		return -1;
	uint64_t key = (uint64_t)(parent == NONE ? 0 : parent + 1) << 32 | base;
	size_t j = key_hash(key) & (b->cap - 1);
	for (; b->vals[j]; j = (j + 1) & (b->cap - 1))
		if (b->keys[j] == key) {
			*out = b->vals[j] - 1;
			return 0;
		}
	if (grow_nodes(b) < 0)
		return -1;
	uint32_t id = t->nodes.count++;
	t->nodes.info[id] = b->base->info[base];
	t->base[id] = base;
	t->parent[id] = parent;
	t->in_edge[id] = NONE;
	b->keys[j] = key;
	b->vals[j] = id + 1;
	*out = id;
	return 0;
}

/* AddToEdgeDiv from parent to its child id (a tree node has one parent,
 * so the edge is the child's). */
static int add_edge(struct tree_builder *b, uint32_t parent, uint32_t id, int64_t w, int64_t dw,
		    bool inl)
{
	struct cm_graph *g = &b->t->g;
	if (b->t->in_edge[id] != NONE) {
		struct cm_edge *e = &g->edges[b->t->in_edge[id]];
		e->weight = cm_add64(e->weight, w);
		e->weight_div = cm_add64(e->weight_div, dw);
		if (!inl)
			e->inline_call = false;
		return 0;
	}
	if (g->nedges == b->edges_cap) {
		size_t ncap = b->edges_cap ? b->edges_cap * 2 : 1024;
		struct cm_edge *ne = realloc(g->edges, ncap * sizeof(*ne));
		if (!ne)
			return -1;
		g->edges = ne;
		b->edges_cap = ncap;
	}
	g->edges[g->nedges] = (struct cm_edge){.src = parent, .dst = id, .weight = w,
					       .weight_div = dw, .inline_call = inl};
	b->t->in_edge[id] = (uint32_t)g->nedges++;
	return 0;
}

struct weights {
	int64_t *flat, *cum, *flat_div, *cum_div;
	size_t cap;
};

static int grow_weights(struct weights *w, size_t n, bool mean)
{
	if (n <= w->cap)
		return 0;
	size_t ncap = w->cap ? w->cap : 1024;
	while (ncap < n)
		ncap *= 2;
	int64_t **arrays[4] = {&w->flat, &w->cum, &w->flat_div, &w->cum_div};
	for (int i = 0; i < (mean ? 4 : 2); i++) {
		int64_t *a = realloc(*arrays[i], ncap * sizeof(int64_t));
		if (!a)
			return -1;
		memset(a + w->cap, 0, (ncap - w->cap) * sizeof(int64_t));
		*arrays[i] = a;
	}
	w->cap = ncap;
	return 0;
}

static int add_sample(struct tree_builder *b, struct weights *wt, const struct cm_profile *p,
		      size_t si, size_t vi, bool mean, const struct cm_graph_visit *visit)
{
	const struct cm_sample *s = &p->samples[si];
	int64_t w = s->values[vi], dw = mean ? s->values[0] : 0;
	if (w == 0 && dw == 0)
		return 0;
	uint32_t parent = NONE;
	struct cm_locs_cursor c = cm_locs_from_root(s);
	for (uint32_t i = s->nlocs; i-- > 0;) {
		uint32_t loc = cm_locs_next(&c);
		const uint32_t *ln = b->base->loc_nodes + b->base->loc_first[loc];
		uint32_t cnt = b->base->loc_count[loc];
		for (uint32_t k = cnt; k-- > 0;) {
			uint32_t id;
			if (child_of(b, parent, ln[k], &id) < 0 ||
			    grow_weights(wt, b->t->nodes.count, mean) < 0)
				return -1;
			wt->cum[id] = cm_add64(wt->cum[id], w);
			if (mean)
				wt->cum_div[id] = cm_add64(wt->cum_div[id], dw);
			if (visit && visit->node(visit->ctx, si, id, false) < 0)
				return -1;
			if (parent != NONE && add_edge(b, parent, id, w, dw, k != cnt - 1) < 0)
				return -1;
			parent = id;
		}
	}
	if (parent != NONE) {
		wt->flat[parent] = cm_add64(wt->flat[parent], w);
		if (mean)
			wt->flat_div[parent] = cm_add64(wt->flat_div[parent], dw);
		if (visit && visit->node(visit->ctx, si, parent, true) < 0)
			return -1;
	}
	return 0;
}

/* The tree's node table: each node shows as its base node does. */
static int finish_nodes(struct cm_tree *t, const struct cm_nodes *base)
{
	cm_arena_init(&t->nodes.arena);
	t->nodes.printable = cm_arena_array(&t->nodes.arena, t->nodes.count + 1, sizeof(char *));
	if (!t->nodes.printable)
		return -1;
	for (uint32_t i = 0; i < t->nodes.count; i++)
		t->nodes.printable[i] = base->printable[t->base[i]];
	return 0;
}

int cm_tree_build(struct cm_tree *t, const struct cm_profile *p, const struct cm_nodes *base,
		  size_t vi, bool mean, bool drop_negative, const struct cm_graph_visit *visit)
{
	memset(t, 0, sizeof(*t));
	struct tree_builder b = {.t = t, .base = base};
	struct weights wt = {0};
	int rc = -1;
	for (size_t si = 0; si < p->nsamples; si++)
		if (add_sample(&b, &wt, p, si, vi, mean, visit) < 0)
			goto done;
	if (grow_weights(&wt, (size_t)t->nodes.count + 1, mean) < 0 || finish_nodes(t, base) < 0)
		goto done;
	struct cm_graph *g = &t->g;
	g->nodes = &t->nodes;
	g->flat = wt.flat;
	g->cum = wt.cum;
	g->flat_div = wt.flat_div;
	g->cum_div = wt.cum_div;
	wt = (struct weights){0};
	g->members = malloc(((size_t)t->nodes.count + 1) * sizeof(uint32_t));
	if (!g->members)
		goto done;
	for (uint32_t id = 0; id < t->nodes.count; id++)
		if (g->flat[id] || g->cum[id])
			g->members[g->nmembers++] = id;
	if (drop_negative)
		cm_graph_drop_negative(g);
	rc = 0;
done:
	free(wt.flat);
	free(wt.cum);
	free(wt.flat_div);
	free(wt.cum_div);
	free(b.keys);
	free(b.vals);
	if (rc < 0)
		cm_tree_free(t);
	return rc;
}

void cm_tree_free(struct cm_tree *t)
{
	cm_graph_free(&t->g);
	cm_nodes_free(&t->nodes);
	free(t->base);
	free(t->parent);
	free(t->in_edge);
	memset(t, 0, sizeof(*t));
}

/* The live edges out of each node, as lists that TrimTree can splice. */
struct out_lists {
	uint32_t *head, *tail, *next;
};

static int out_lists_build(const struct cm_tree *t, struct out_lists *o)
{
	size_t n = (size_t)t->nodes.count + 1;
	o->head = malloc(n * sizeof(uint32_t));
	o->tail = malloc(n * sizeof(uint32_t));
	o->next = malloc((t->g.nedges + 1) * sizeof(uint32_t));
	if (!o->head || !o->tail || !o->next)
		return -1;
	memset(o->head, 0xff, n * sizeof(uint32_t));
	for (size_t e = 0; e < t->g.nedges; e++) {
		const struct cm_edge *ed = &t->g.edges[e];
		o->next[e] = NONE;
		if (ed->removed)
			continue;
		if (o->head[ed->src] == NONE)
			o->head[ed->src] = (uint32_t)e;
		else
			o->next[o->tail[ed->src]] = (uint32_t)e;
		o->tail[ed->src] = (uint32_t)e;
	}
	return 0;
}

/* The live in-edge of each node (a tree has at most one). */
static void in_edges(struct cm_tree *t)
{
	memset(t->in_edge, 0xff, (size_t)t->nodes.count * sizeof(uint32_t));
	for (size_t e = 0; e < t->g.nedges; e++)
		if (!t->g.edges[e].removed)
			t->in_edge[t->g.edges[e].dst] = (uint32_t)e;
}

/* Removes cur: its children hang from its parent by residual edges, or
 * become roots when it had none. */
static void unlink_node(struct cm_tree *t, struct out_lists *o, uint32_t cur)
{
	struct cm_edge *edges = t->g.edges;
	uint32_t pe = t->in_edge[cur];
	if (pe == NONE) {
		for (uint32_t e = o->head[cur]; e != NONE; e = o->next[e])
			if (!edges[e].removed) {
				edges[e].removed = true;
				t->in_edge[edges[e].dst] = NONE;
			}
		return;
	}
	uint32_t parent = edges[pe].src;
	bool inl = edges[pe].inline_call;
	edges[pe].removed = true;
	for (uint32_t e = o->head[cur]; e != NONE; e = o->next[e]) {
		if (edges[e].removed)
			continue;
		edges[e].src = parent;
		edges[e].residual = true;
		edges[e].inline_call = inl && edges[e].inline_call;
	}
	if (o->head[cur] == NONE)
		return;
	if (o->head[parent] == NONE)
		o->head[parent] = o->head[cur];
	else
		o->next[o->tail[parent]] = o->head[cur];
	o->tail[parent] = o->tail[cur];
	o->head[cur] = NONE;
}

int cm_tree_trim(struct cm_tree *t, const bool *kept)
{
	struct out_lists o = {0};
	int rc = -1;
	if (out_lists_build(t, &o) < 0)
		goto done;
	in_edges(t);
	size_t n = 0;
	for (size_t i = 0; i < t->g.nmembers; i++) {
		uint32_t id = t->g.members[i];
		if (kept[id])
			t->g.members[n++] = id;
		else
			unlink_node(t, &o, id);
	}
	t->g.nmembers = n;
	rc = 0;
done:
	free(o.head);
	free(o.tail);
	free(o.next);
	return rc;
}
