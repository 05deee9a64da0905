/* report_graph: pprof's newTrimmedGraph for the graph reports (-dot,
 * -callgrind): the graph with its edges and tags, trimmed by node and edge
 * fraction and node count; in visual mode (-dot) sorted by pprof's entropy
 * score, with tags counted as nodes and redundant residual edges removed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

/* Builds d->g over d->nodes with only the kept nodes (all when NULL), its
 * tags and live edges per node. */
static int build(struct cm_report *r, struct cm_report_graph *d, const bool *kept)
{
	cm_graph_free(d->g);
	cm_adjacency_free(&d->adj);
	memset(&d->adj, 0, sizeof(d->adj));
	cm_tags_reset(&d->tags);
	struct cm_graph_visit v = {cm_tags_visit, &d->tags};
	if (d->call_tree) {
		if (cm_tree_build(&d->tree, r->p, &d->base, r->vi, r->opts.mean, r->opts.drop_negative,
				  &v) < 0)
			return -1;
		d->nodes = &d->tree.nodes;
		d->g = &d->tree.g;
		return cm_adjacency_build(d->g, &d->adj);
	}
	if (cm_graph_build_visit(d->g, r->p, d->nodes, r->vi, kept, true, r->opts.mean, &v) < 0)
		return -1;
	if (r->opts.drop_negative)
		cm_graph_drop_negative(d->g);
	return cm_adjacency_build(d->g, &d->adj);
}

static int refresh_adjacency(struct cm_report_graph *d)
{
	cm_adjacency_free(&d->adj);
	memset(&d->adj, 0, sizeof(d->adj));
	return cm_adjacency_build(d->g, &d->adj);
}

static int remove_redundant_edges(struct cm_report_graph *d);

/* Only the nodes ids[0..n): the graph is built again from the samples, the
 * tree is trimmed (TrimTree) instead. */
static int rebuild_with(struct cm_report *r, struct cm_report_graph *d, const uint32_t *ids,
			size_t n)
{
	bool *kept = calloc((size_t)d->nodes->count + 1, sizeof(bool));
	if (!kept)
		return -1;
	for (size_t i = 0; i < n; i++)
		kept[ids[i]] = true;
	int rc;
	if (d->call_tree)
		rc = cm_tree_trim(&d->tree, kept) < 0 || refresh_adjacency(d) < 0
			     ? -1 : remove_redundant_edges(d);
	else
		rc = build(r, d, kept);
	free(kept);
	return rc;
}

/* Go's math.Log2: Frexp, then Log of the fraction. */
static double go_log2(double x)
{
	int exp;
	double frac = frexp(x, &exp);
	if (frac == 0.5)
		return (double)(exp - 1);
	return log(frac) * (1 / M_LN2) + (double)exp;
}

/* edgeEntropyScore over the edges ids[0..n) of node id. */
static double edge_entropy(const struct cm_graph *g, const uint32_t *ids, size_t n, int64_t self)
{
	double score = 0;
	int64_t total = self;
	for (size_t i = 0; i < n; i++)
		if (g->edges[ids[i]].weight > 0)
			total = cm_add64(total, cm_abs64(g->edges[ids[i]].weight));
	if (total == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		double frac = (double)cm_abs64(g->edges[ids[i]].weight) / (double)total;
		score += -frac * go_log2(frac);
	}
	if (self > 0) {
		double frac = (double)cm_abs64(self) / (double)total;
		score += -frac * go_log2(frac);
	}
	return score;
}

/* entropyScore: favours entry and leaf nodes and nodes whose edges spread. */
static int64_t entropy_score(const struct cm_report_graph *d, uint32_t id)
{
	const struct cm_adjacency *a = &d->adj;
	size_t nin = a->first_in[id + 1] - a->first_in[id];
	size_t nout = a->first_out[id + 1] - a->first_out[id];
	double score = 0;
	score += nin == 0 ? 1 : edge_entropy(d->g, a->in + a->first_in[id], nin, 0);
	score += nout == 0 ? 1
			   : edge_entropy(d->g, a->out + a->first_out[id], nout, d->g->flat[id]);
	return cm_add64(cm_f64_to_i64(score * (double)d->g->cum[id]), d->g->flat[id]);
}

struct score_ctx {
	const struct cm_graph *g;
	const int64_t *score;
};

static int score_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct score_ctx *c = ctx;
	int64_t sa = cm_abs64(c->score[a]), sb = cm_abs64(c->score[b]);
	if (sa != sb)
		return sa > sb ? -1 : 1;
	int r = strcmp(c->g->nodes->printable[a], c->g->nodes->printable[b]);
	if (r)
		return r;
	int64_t fa = cm_abs64(c->g->flat[a]), fb = cm_abs64(c->g->flat[b]);
	if (fa != fb)
		return fa > fb ? -1 : 1;
	return cm_node_info_cmp(&c->g->nodes->info[a], &c->g->nodes->info[b]);
}

/* SortNodes: EntropyOrder in visual mode, else -top's orders. */
static int sort_nodes(struct cm_report *r, struct cm_report_graph *d, bool visual)
{
	if (!visual)
		return cm_graph_sort(d->g, r->opts.cum_sort ? CM_ORDER_CUM : CM_ORDER_FLAT);
	int64_t *score = calloc((size_t)d->nodes->count + 1, sizeof(int64_t));
	uint32_t *tmp = malloc((d->g->nmembers + 1) * sizeof(uint32_t));
	int rc = -1;
	if (score && tmp) {
		for (size_t i = 0; i < d->g->nmembers; i++)
			score[d->g->members[i]] = entropy_score(d, d->g->members[i]);
		struct score_ctx c = {d->g, score};
		cm_sort_ids(d->g->members, tmp, d->g->nmembers, score_cmp, &c);
		rc = 0;
	}
	free(score);
	free(tmp);
	return rc;
}

/* TrimLowFrequencyEdges: the edges into the graph's nodes under cutoff. */
static size_t trim_edges(struct cm_report_graph *d, int64_t cutoff)
{
	size_t dropped = 0;
	for (size_t i = 0; i < d->g->nmembers; i++) {
		uint32_t id = d->g->members[i];
		for (uint32_t k = d->adj.first_in[id]; k < d->adj.first_in[id + 1]; k++) {
			struct cm_edge *e = &d->g->edges[d->adj.in[k]];
			if (!e->removed && cm_abs64(e->weight) < cutoff) {
				e->removed = true;
				dropped++;
			}
		}
	}
	return dropped;
}

/* countTags: the node's tags with a flat weight. */
static size_t count_tags(const struct cm_tags *t, uint32_t id)
{
	size_t n = 0;
	for (uint32_t k = t->first[id]; k < t->first[id + 1]; k++)
		n += t->tags[t->order[k]].flat != 0;
	return n;
}

/* selectTopNodes: the first n; in visual mode tags count as nodes too. */
static size_t select_top(struct cm_report_graph *d, size_t max, bool visual)
{
	if (visual && cm_tags_index(&d->tags, d->nodes->count) == 0) {
		size_t count = 0;
		for (size_t i = 0; i < d->g->nmembers; i++) {
			size_t tags = count_tags(&d->tags, d->g->members[i]);
			if (tags > CM_MAX_NODELETS)
				tags = CM_MAX_NODELETS;
			if ((count += tags + 1) >= max) {
				max = i + 1;
				break;
			}
		}
	}
	return max < d->g->nmembers ? max : d->g->nmembers;
}

/* isRedundantEdge: can e's source reach its destination another way? */
static bool redundant(const struct cm_report_graph *d, uint32_t eid, bool *seen, uint32_t *queue)
{
	const struct cm_edge *e = &d->g->edges[eid];
	size_t head = 0, tail = 0;
	memset(seen, 0, d->nodes->count + 1);
	seen[e->dst] = true;
	queue[tail++] = e->dst;
	bool found = false;
	while (head < tail && !found) {
		uint32_t n = queue[head++];
		for (uint32_t k = d->adj.first_in[n]; k < d->adj.first_in[n + 1] && !found; k++) {
			const struct cm_edge *ie = &d->g->edges[d->adj.in[k]];
			if (ie->removed || d->adj.in[k] == eid || seen[ie->src])
				continue;
			found = ie->src == e->src;
			seen[ie->src] = true;
			queue[tail++] = ie->src;
		}
	}
	return found;
}

/* RemoveRedundantEdges: from the last node back, its lightest incoming
 * residual edges, while they are residual. */
static int remove_redundant_edges(struct cm_report_graph *d)
{
	size_t nn = (size_t)d->nodes->count + 1;
	bool *seen = malloc(nn);
	uint32_t *queue = malloc(nn * sizeof(uint32_t));
	uint32_t *in = malloc((d->g->nedges + 1) * 2 * sizeof(uint32_t));
	int rc = -1;
	if (!seen || !queue || !in)
		goto done;
	for (size_t i = d->g->nmembers; i-- > 0;) {
		uint32_t id = d->g->members[i];
		size_t n = 0;
		for (uint32_t k = d->adj.first_in[id]; k < d->adj.first_in[id + 1]; k++)
			if (!d->g->edges[d->adj.in[k]].removed)
				in[n++] = d->adj.in[k];
		cm_edges_sort(d->g, in, in + d->g->nedges + 1, n);
		for (size_t j = n; j-- > 0;) {
			if (!d->g->edges[in[j]].residual)
				break;
			if (redundant(d, in[j], seen, queue))
				d->g->edges[in[j]].removed = true;
		}
	}
	rc = refresh_adjacency(d);
done:
	free(seen);
	free(queue);
	free(in);
	return rc;
}

static int cut_nodes(struct cm_report *r, struct cm_report_graph *d, int64_t cutoff)
{
	uint32_t *keep = malloc((d->g->nmembers + 1) * sizeof(*keep));
	if (!keep)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < d->g->nmembers; i++)
		if (cm_abs64(d->g->cum[d->g->members[i]]) >= cutoff)
			keep[n++] = d->g->members[i];
	int rc = 0;
	if (n != d->g->nmembers) {
		d->dropped_nodes = d->g->nmembers - n;
		rc = rebuild_with(r, d, keep, n);
	}
	free(keep);
	return rc;
}

static int limit_nodes(struct cm_report *r, struct cm_report_graph *d, bool visual,
		       int64_t node_cutoff, int64_t edge_cutoff)
{
	cm_tags_trim(&d->tags, node_cutoff);
	trim_edges(d, edge_cutoff);
	if (refresh_adjacency(d) < 0)
		return -1;
	size_t n = select_top(d, (size_t)r->opts.node_count, visual);
	if (n == d->g->nmembers)
		return 0;
	uint32_t *top = malloc((n + 1) * sizeof(*top));
	if (!top)
		return -1;
	memcpy(top, d->g->members, n * sizeof(*top));
	int rc = rebuild_with(r, d, top, n);
	free(top);
	return rc < 0 ? -1 : sort_nodes(r, d, visual);
}

static int trimmed_graph(struct cm_report *r, struct cm_report_graph *d, bool visual)
{
	const struct cm_report_opts *o = &r->opts;
	if (build(r, d, NULL) < 0)
		return -1;
	int64_t total = 0; /* Nodes.Sum: the raw flat values */
	for (size_t i = 0; i < d->g->nmembers; i++)
		total = cm_add64(total, d->g->flat[d->g->members[i]]);
	int64_t node_cutoff = cm_abs64(cm_f64_to_i64((double)total * o->node_fraction));
	int64_t edge_cutoff = cm_abs64(cm_f64_to_i64((double)total * o->edge_fraction));
	if (node_cutoff > 0 && cut_nodes(r, d, node_cutoff) < 0)
		return -1;
	d->orig_count = d->g->nmembers;
	if (sort_nodes(r, d, visual) < 0)
		return -1;
	if (o->node_count > 0 && limit_nodes(r, d, visual, node_cutoff, edge_cutoff) < 0)
		return -1;
	cm_tags_trim(&d->tags, node_cutoff);
	d->dropped_edges = trim_edges(d, edge_cutoff);
	if (refresh_adjacency(d) < 0)
		return -1;
	if (visual && remove_redundant_edges(d) < 0)
		return -1;
	return cm_tags_index(&d->tags, d->nodes->count);
}

int cm_report_graph_build(struct cm_report *r, struct cm_report_graph *d, bool visual,
			  bool obj_names)
{
	memset(d, 0, sizeof(*d));
	struct cm_nodes_opts no = {.obj_names = obj_names, .trim_path = r->opts.trim_path,
				   .source_path = r->opts.source_path};
	if (cm_nodes_build(&d->base, r->p, &no) < 0)
		return -1;
	d->nodes = &d->base;
	d->g = &d->own;
	d->call_tree = r->opts.call_tree;
	if (cm_tags_init(&d->tags, r->p, r->vi, r->opts.mean, r->output_unit) < 0 ||
	    trimmed_graph(r, d, visual) < 0) {
		cm_report_graph_free(d);
		return -1;
	}
	cm_report_select_output_unit(r, d->g);
	return 0;
}

void cm_report_graph_free(struct cm_report_graph *d)
{
	cm_adjacency_free(&d->adj);
	cm_graph_free(&d->own);
	cm_tree_free(&d->tree);
	cm_tags_free(&d->tags);
	cm_nodes_free(&d->base);
	memset(d, 0, sizeof(*d));
}
