/* report_tree: `go tool pprof -tree`, after report.go's printTree: the
 * trimmed graph (-top's, nodecount 80 by default) with each node's callers
 * above its row and its callees below. -peek is the same report with a
 * regex choosing the nodes and no trimming (report_peek.c). */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

#define SEPARATOR "----------------------------------------------------------+-------------"
#define LEGEND "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t "

/* One side of a node: its edges sorted as pprof's edgeList, percentages of
 * the node's cum. tmp has room for 2 * (g->nedges + 1) ids. */
static void print_edges(struct cm_report *r, const struct cm_graph *g, const uint32_t *ids,
			size_t n, uint32_t *tmp, int64_t cum, bool incoming, FILE *out)
{
	uint32_t *sorted = tmp + g->nedges + 1; /* second half of the scratch */
	memcpy(sorted, ids, n * sizeof(*sorted));
	cm_edges_sort(g, sorted, tmp, n);
	for (size_t i = 0; i < n; i++) {
		const struct cm_edge *e = &g->edges[sorted[i]];
		char w[64], pct[32];
		fprintf(out, "%50s %s |   %s%s\n", cm_report_value(r, e->weight, w, sizeof(w)),
			cm_percentage(e->weight, cum, pct, sizeof(pct)),
			g->nodes->printable[incoming ? e->src : e->dst],
			e->inline_call ? " (inline)" : "");
	}
}

int cm_tree_print(struct cm_report *r, const struct cm_graph *g, const bool *match, FILE *out)
{
	struct cm_adjacency adj = {0};
	uint32_t *scratch = malloc((2 * g->nedges + 2) * sizeof(uint32_t));
	if (!scratch || cm_adjacency_build(g, &adj) < 0) {
		free(scratch);
		cm_adjacency_free(&adj);
		return -1;
	}
	const char *const *printable = g->nodes->printable;
	fputs(SEPARATOR "\n" LEGEND "\n", out);
	int64_t flat_sum = 0;
	for (size_t i = 0; i < g->nmembers; i++) {
		uint32_t id = g->members[i];
		if (match && !match[id])
			continue;
		int64_t flat = cm_graph_flat_value(g, id), cum = cm_graph_cum_value(g, id);
		fputs(SEPARATOR "\n", out);
		print_edges(r, g, adj.in + adj.first_in[id], adj.first_in[id + 1] - adj.first_in[id],
			    scratch, cum, true, out);
		flat_sum = cm_add64(flat_sum, flat);
		char f[64], c[64], fp[32], sp[32], cp[32];
		fprintf(out, "%10s %s %s %10s %s                | %s\n",
			cm_report_value(r, flat, f, sizeof(f)),
			cm_percentage(flat, r->total, fp, sizeof(fp)),
			cm_percentage(flat_sum, r->total, sp, sizeof(sp)),
			cm_report_value(r, cum, c, sizeof(c)),
			cm_percentage(cum, r->total, cp, sizeof(cp)), printable[id]);
		print_edges(r, g, adj.out + adj.first_out[id],
			    adj.first_out[id + 1] - adj.first_out[id], scratch, cum, false, out);
	}
	if (g->nmembers > 0)
		fputs(SEPARATOR "\n", out);
	free(scratch);
	cm_adjacency_free(&adj);
	return 0;
}

int cm_report_tree(struct cm_report *r, FILE *out)
{
	struct cm_top t;
	if (cm_top_build(r, &t, true) < 0)
		return -1;
	cm_top_labels(r, &t, out);
	int rc = cm_tree_print(r, &t.g, NULL, out);
	cm_top_free(&t);
	return rc;
}
