/* viewer_peek: the PEEK rows of one node, as -peek prints its block: the
 * callers (edges in, pprof's edge order), the node's own row, the callees
 * (edges out). The graph is -peek's: not trimmed, over -top's node table,
 * with its own output unit. */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "viewer_int.h"

static int peek_graph(struct vstate *st)
{
	if (st->peek_built)
		return 0;
	const struct cm_report *r = &st->rep;
	struct cm_graph *g = &st->peek_g;
	memset(&st->peek_adj, 0, sizeof(st->peek_adj));
	if (cm_graph_build(g, r->p, &st->top.nodes, r->vi, NULL, true, r->opts.mean) < 0 ||
	    cm_graph_trim_untrimmed(g) || cm_adjacency_build(g, &st->peek_adj) < 0) {
		cm_adjacency_free(&st->peek_adj);
		cm_graph_free(g);
		return -1;
	}
	if (r->opts.drop_negative)
		cm_graph_drop_negative(g);
	/* cm_report_select_output_unit on a copy of the unit fields only */
	struct cm_report u;
	memset(&u, 0, sizeof(u));
	u.sample_unit = r->sample_unit;
	u.total = r->total;
	snprintf(u.output_unit, sizeof(u.output_unit), "minimum");
	cm_report_select_output_unit(&u, g);
	snprintf(st->peek_unit, sizeof(st->peek_unit), "%s", u.output_unit);
	st->peek_built = true;
	return 0;
}

static uint32_t find_node(const struct cm_graph *g, const char *name)
{
	for (size_t i = 0; i < g->nmembers; i++)
		if (!strcmp(g->nodes->printable[g->members[i]], name))
			return g->members[i];
	return UINT32_MAX;
}

void vpeek_free_rows(struct cm_viewer *v)
{
	free(v->peek);
	v->peek = NULL;
	v->npeek = 0;
}

static void value(const struct vstate *st, int64_t x, char *buf, size_t len)
{
	cm_scaled_label(x, st->rep.sample_unit, st->peek_unit, buf, len);
}

/* The edges into (incoming) or out of node id, sorted, as rows. */
static void edge_rows(struct cm_viewer *v, uint32_t id, bool incoming, uint32_t *tmp)
{
	const struct vstate *st = v->st;
	const struct cm_graph *g = &st->peek_g;
	const struct cm_adjacency *a = &st->peek_adj;
	const uint32_t *first = incoming ? a->first_in : a->first_out;
	size_t n = first[id + 1] - first[id];
	uint32_t *sorted = tmp + g->nedges + 1;
	memcpy(sorted, (incoming ? a->in : a->out) + first[id], n * sizeof(*sorted));
	cm_edges_sort(g, sorted, tmp, n);
	int64_t cum = cm_graph_cum_value(g, id);
	for (size_t i = 0; i < n; i++) {
		const struct cm_edge *e = &g->edges[sorted[i]];
		struct vpeek_row *r = &v->peek[v->npeek++];
		r->id = incoming ? e->src : e->dst;
		value(st, e->weight, r->w, sizeof(r->w));
		cm_percentage(e->weight, cum, r->pct, sizeof(r->pct));
		r->pub = (struct cm_viewer_peek_row){
			.role = incoming ? CM_PEEK_CALLER : CM_PEEK_CALLEE,
			.name = g->nodes->printable[r->id], .weight = e->weight, .weight_s = r->w,
			.pct = r->pct, .inline_call = e->inline_call, .change = viewer_change(v, e->weight),
		};
	}
}

static void self_row(struct cm_viewer *v, uint32_t id)
{
	const struct vstate *st = v->st;
	const struct cm_graph *g = &st->peek_g;
	struct vpeek_row *r = &v->peek[v->npeek++];
	int64_t flat = cm_graph_flat_value(g, id), cum = cm_graph_cum_value(g, id);
	struct cm_top_cols *c = &r->cols;
	value(st, flat, c->flat, sizeof(c->flat));
	value(st, cum, c->cum, sizeof(c->cum));
	cm_percentage(flat, st->rep.total, c->flat_pct, sizeof(c->flat_pct));
	cm_percentage(flat, st->rep.total, c->sum_pct, sizeof(c->sum_pct));
	cm_percentage(cum, st->rep.total, c->cum_pct, sizeof(c->cum_pct));
	r->id = id;
	r->pub = (struct cm_viewer_peek_row){
		.role = CM_PEEK_SELF, .name = g->nodes->printable[id], .weight = cum,
		.weight_s = c->cum, .pct = c->cum_pct, .flat_s = c->flat, .flat_pct = c->flat_pct,
		.cum_s = c->cum, .cum_pct = c->cum_pct, .change = viewer_change(v, flat ? flat : cum),
	};
}

int vpeek_rows(struct cm_viewer *v, const struct vlevel *l)
{
	vpeek_free_rows(v);
	struct vstate *st = v->st;
	if (peek_graph(st) < 0)
		return -1;
	const struct cm_graph *g = &st->peek_g;
	uint32_t id = find_node(g, l->name);
	if (id == UINT32_MAX) {
		viewer_msg(v, "%s: not in this profile", l->name);
		return 0;
	}
	const struct cm_adjacency *a = &st->peek_adj;
	size_t n = (a->first_in[id + 1] - a->first_in[id]) + (a->first_out[id + 1] - a->first_out[id]);
	uint32_t *tmp = malloc((2 * g->nedges + 2) * sizeof(*tmp));
	if (!tmp || !(v->peek = calloc(n + 1, sizeof(*v->peek)))) {
		free(tmp);
		return -1;
	}
	edge_rows(v, id, true, tmp);
	self_row(v, id);
	edge_rows(v, id, false, tmp);
	free(tmp);
	return 0;
}

const struct cm_viewer_peek_row *cm_viewer_peek_row(const struct cm_viewer *v, size_t i)
{
	if (viewer_cur(v)->kind != CM_VIEWER_PEEK || i >= v->npeek)
		return NULL;
	return &v->peek[i].pub;
}
