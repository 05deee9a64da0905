/* report_top: `go tool pprof -top`, after report.go's newTrimmedGraph,
 * selectOutputUnit, reportLabels and printText. */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

/* Rebuilds t's graph keeping only the first n members (or those marked),
 * with the edges the labels need. */
static int rebuild(struct cm_report *r, struct cm_top *t, const uint32_t *ids, size_t n)
{
	const struct cm_nodes *nodes = &t->nodes;
	struct cm_graph *g = &t->g;
	bool *kept = calloc(nodes->count + 1, sizeof(bool));
	if (!kept)
		return -1;
	for (size_t i = 0; i < n; i++)
		kept[ids[i]] = true;
	cm_graph_free(g);
	int rc = cm_graph_begin(g, nodes, r->opts.mean);
	if (rc == 0) {
		g->edges_into = t->inner;
		rc = cm_graph_add_batch(g, r->p, 0, r->p->nsamples, r->vi, kept, true, r->opts.mean, 0);
	}
	if (rc == 0)
		cm_graph_end(g);
	free(kept);
	if (rc == 0 && r->opts.drop_negative)
		cm_graph_drop_negative(g);
	return rc;
}

/* newTrimmedGraph in steps: the node table (cm_nodes_step); the first
 * pass sums every sample, without edges; a second pass adds the edges
 * over the nodes the node fraction keeps (all of them when it cuts none);
 * then the order, -nodecount's cut and the edges' trim. The first pass's
 * edges would be thrown away whenever the fraction cuts a node, as it
 * does on nearly every real profile: building them was 40% of a pass
 * (graph_split on bench/speed.sh's mid profile: 44.3M to 25.6M
 * instructions without them). For the inline labels alone (-top, the
 * viewer's table) the second pass keeps the first's sums and adds only
 * the edges into inlined frames (cm_graph_edges_only); with every edge
 * (-tree, -proto) it sums the samples again. */
enum { TOP_NODES, TOP_PASS1, TOP_PASS2, TOP_DONE };

/* After the first pass: the second one leaves out the nodes under the
 * node fraction. */
static int after_first_pass(struct cm_top_builder *b)
{
	struct cm_report *r = b->r;
	struct cm_top *t = b->t;
	cm_graph_end(&t->g);
	if (r->opts.drop_negative)
		cm_graph_drop_negative(&t->g);
	int64_t total = cm_graph_flat_sum(&t->g);
	b->edge_cutoff = cm_abs64(cm_f64_to_i64((double)total * r->opts.edge_fraction));
	int64_t node_cutoff = cm_abs64(cm_f64_to_i64((double)total * r->opts.node_fraction));
	size_t nkeep = 0;
	for (size_t i = 0; node_cutoff > 0 && i < t->g.nmembers; i++)
		if (cm_abs64(t->g.cum[t->g.members[i]]) >= node_cutoff)
			nkeep++;
	if (node_cutoff > 0 && nkeep < t->g.nmembers) {
		if (!(b->kept = calloc(t->nodes.count + 1, sizeof(bool))))
			return -1;
		for (size_t i = 0; i < t->g.nmembers; i++)
			if (cm_abs64(t->g.cum[t->g.members[i]]) >= node_cutoff)
				b->kept[t->g.members[i]] = true;
		t->dropped_nodes = t->g.nmembers - nkeep;
	}
	b->phase = TOP_PASS2;
	b->next = 0;
	if (t->inner) { /* edges for the labels only: the sums stay the first pass's */
		if (!(b->loc_pass = cm_loc_pass_make(&t->nodes, r->p->nlocations, b->kept, t->inner)))
			return -1;
		t->g.edges_into = t->inner;
		cm_graph_edges_only(&t->g, b->kept, b->loc_pass);
		return 0;
	}
	cm_graph_free(&t->g);
	if (cm_graph_begin(&t->g, &t->nodes, r->opts.mean) < 0)
		return -1;
	t->g.edges_into = t->inner; /* NULL: all */
	return 0;
}

/* The order, -nodecount's cut, the edges' trim, the inline labels and
 * the output unit. */
static int finish(struct cm_report *r, struct cm_top *t, int64_t edge_cutoff)
{
	const struct cm_report_opts *o = &r->opts;
	t->orig_count = t->g.nmembers;
	enum cm_node_order order = o->cum_sort ? CM_ORDER_CUM : CM_ORDER_FLAT;
	if (cm_graph_sort(&t->g, order) < 0)
		return -1;
	if (o->node_count > 0) {
		cm_graph_trim_edges(&t->g, edge_cutoff);
		size_t n = (size_t)o->node_count;
		if (n < t->g.nmembers) {
			uint32_t *top = malloc(n * sizeof(*top));
			if (!top)
				return -1;
			memcpy(top, t->g.members, n * sizeof(*top));
			int rc = rebuild(r, t, top, n);
			free(top);
			if (rc < 0)
				return -1;
			if (cm_graph_sort(&t->g, order) < 0)
				return -1;
		}
	}
	cm_graph_trim_edges(&t->g, edge_cutoff);
	if (cm_graph_inline_labels(&t->g, t->labels) < 0)
		return -1;
	cm_report_select_output_unit(r, &t->g);
	return 0;
}

/* reportLabels: the shared lines, then what trimming dropped. */
void cm_top_labels(struct cm_report *r, const struct cm_top *t, FILE *out)
{
	const struct cm_graph *g = &t->g;
	char a[64];
	cm_report_graph_labels(r, g, out);
	if (r->total == 0)
		return;
	if (t->dropped_nodes > 0) {
		int64_t cut = cm_abs64(cm_f64_to_i64((double)r->total * r->opts.node_fraction));
		fprintf(out, "Dropped %zu node%s (cum <= %s)\n", t->dropped_nodes,
			t->dropped_nodes > 1 ? "s" : "", cm_report_value(r, cut, a, sizeof(a)));
	}
	if (g->nmembers > 0 && g->nmembers < t->orig_count)
		fprintf(out, "Showing top %zu nodes out of %zu\n", g->nmembers, t->orig_count);
}

int cm_top_begin(struct cm_top_builder *b, struct cm_report *r, struct cm_top *t)
{
	memset(b, 0, sizeof(*b));
	memset(t, 0, sizeof(*t));
	b->r = r;
	b->t = t;
	b->phase = TOP_DONE;
	b->threads = 1;
	struct cm_nodes_opts no = {.trim_path = r->opts.trim_path, .source_path = r->opts.source_path};
	if (cm_nodes_begin(&b->nb, &t->nodes, r->p, &no) < 0)
		return -1;
	b->phase = TOP_NODES;
	return 0;
}

/* Up to n entries of the node table; once it is complete, the graph
 * begins over it. */
static int nodes_step(struct cm_top_builder *b, size_t n)
{
	struct cm_top *t = b->t;
	int rc = cm_nodes_step(&b->nb, n);
	if (rc <= 0)
		return rc;
	t->labels = malloc((t->nodes.count + 1) * sizeof(*t->labels));
	if (!b->all_edges)
		t->inner = cm_nodes_inner(&t->nodes, b->r->p->nlocations);
	if (!t->labels || (!b->all_edges && !t->inner) ||
	    cm_graph_begin(&t->g, &t->nodes, b->r->opts.mean) < 0) {
		cm_top_free(t);
		return -1;
	}
	b->phase = TOP_PASS1;
	return 0;
}

size_t cm_top_work(const struct cm_top_builder *b)
{
	return b->nb.work + b->samples_done;
}

int cm_top_step(struct cm_top_builder *b, size_t n)
{
	if (b->phase == TOP_DONE)
		return 1;
	if (b->phase == TOP_NODES) {
		if (nodes_step(b, n) == 0)
			return 0;
		b->phase = TOP_DONE; /* the nodes are freed */
		return -1;
	}
	struct cm_report *r = b->r;
	struct cm_top *t = b->t;
	size_t ns = r->p->nsamples, to = n < ns - b->next ? b->next + n : ns;
	bool with_edges = b->phase == TOP_PASS2;
	if (cm_graph_add_batch(&t->g, r->p, b->next, to, r->vi, b->kept, with_edges, r->opts.mean,
			       b->threads) < 0)
		goto fail;
	b->samples_done += to - b->next;
	b->next = to;
	if (to < ns)
		return 0;
	if (b->phase == TOP_PASS1) {
		if (after_first_pass(b) < 0)
			goto fail;
		return 0;
	} else {
		cm_graph_end(&t->g);
		if (r->opts.drop_negative)
			cm_graph_drop_negative(&t->g);
	}
	free(b->kept);
	b->kept = NULL;
	free(b->loc_pass);
	b->loc_pass = NULL;
	b->phase = TOP_DONE;
	if (finish(r, t, b->edge_cutoff) < 0) {
		cm_top_free(t);
		return -1;
	}
	return 1;
fail:
	free(b->kept);
	b->kept = NULL;
	free(b->loc_pass);
	b->loc_pass = NULL;
	cm_top_free(t);
	b->phase = TOP_DONE;
	return -1;
}

double cm_top_progress(const struct cm_top_builder *b)
{
	size_t ns = b->r ? b->r->p->nsamples : 0;
	if (b->phase == TOP_DONE || ns == 0)
		return 1;
	if (b->phase == TOP_NODES)
		return 0;
	/* two passes over the samples, the second with edges: half each */
	double in_pass = (double)b->next / (double)ns;
	return b->phase == TOP_PASS1 ? in_pass / 2 : 0.5 + in_pass / 2;
}

void cm_top_abort(struct cm_top_builder *b)
{
	free(b->kept);
	b->kept = NULL;
	free(b->loc_pass);
	b->loc_pass = NULL;
	if (b->phase == TOP_NODES)
		cm_nodes_abort(&b->nb);
	if (b->t && b->phase != TOP_DONE)
		cm_top_free(b->t);
	b->phase = TOP_DONE;
}

int cm_top_build(struct cm_report *r, struct cm_top *t, bool all_edges)
{
	struct cm_top_builder b;
	if (cm_top_begin(&b, r, t) < 0)
		return -1;
	b.all_edges = all_edges;
	b.threads = 0;
	int rc;
	while ((rc = cm_top_step(&b, SIZE_MAX)) == 0)
		; /* the node table, the passes */
	return rc < 0 ? -1 : 0;
}

int cm_top_sort(struct cm_top *t, bool cum)
{
	return cm_graph_sort(&t->g, cum ? CM_ORDER_CUM : CM_ORDER_FLAT);
}

void cm_top_free(struct cm_top *t)
{
	free(t->labels);
	free(t->inner);
	cm_graph_free(&t->g);
	cm_nodes_free(&t->nodes);
	memset(t, 0, sizeof(*t));
}

void cm_top_format(const struct cm_report *r, int64_t flat, int64_t cum, int64_t flat_sum,
		   struct cm_top_cols *c)
{
	cm_report_value(r, flat, c->flat, sizeof(c->flat));
	cm_percentage(flat, r->total, c->flat_pct, sizeof(c->flat_pct));
	cm_percentage(flat_sum, r->total, c->sum_pct, sizeof(c->sum_pct));
	cm_report_value(r, cum, c->cum, sizeof(c->cum));
	cm_percentage(cum, r->total, c->cum_pct, sizeof(c->cum_pct));
}

int cm_report_top(struct cm_report *r, FILE *out)
{
	struct cm_top t;
	if (cm_top_build(r, &t, false) < 0)
		return -1;
	cm_top_labels(r, &t, out);
	fprintf(out, "%s\n", CM_TOP_HEADINGS);
	int64_t flat_sum = 0;
	for (size_t i = 0; i < t.g.nmembers; i++) {
		uint32_t id = t.g.members[i];
		int64_t flat = cm_graph_flat_value(&t.g, id), cum = cm_graph_cum_value(&t.g, id);
		struct cm_top_cols c;
		flat_sum = cm_add64(flat_sum, flat);
		cm_top_format(r, flat, cum, flat_sum, &c);
		fprintf(out, CM_TOP_ROW_FORMAT "\n", c.flat, c.flat_pct, c.sum_pct, c.cum, c.cum_pct,
			t.nodes.printable[id], *t.labels[id] ? " " : "", t.labels[id]);
	}
	cm_top_free(&t);
	return 0;
}
