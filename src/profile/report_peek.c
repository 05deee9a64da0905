/* report_peek: `go tool pprof -peek=REGEX`, after report.go's printTree (the
 * "peek" command is the Tree format with the regex as its symbol).
 *
 * The graph is not trimmed (applyCommandOverrides) and sorted as -top sorts
 * it. Each node whose printable name matches prints between separators: its
 * callers (incoming edges) above, the node's own row, its callees below;
 * edge percentages are of the node's cum. pprof writes the report into a
 * buffer and drops it when nothing matched, so the match is checked first. */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

#define SEPARATOR "----------------------------------------------------------+-------------"
#define LEGEND "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t "


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

int cm_report_peek(struct cm_report *r, FILE *out, char *err, size_t errlen)
{
	const char *pattern = r->opts.symbol ? r->opts.symbol : "";
	struct cm_goregex *re = cm_report_symbol_regex(pattern, err, errlen);
	if (!re)
		return -1;
	int rc = -1;
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {.trim_path = r->opts.trim_path, .source_path = r->opts.source_path};
	struct cm_graph g;
	struct cm_adjacency adj = {0};
	bool *match = NULL;
	uint32_t *scratch = NULL;
	memset(&g, 0, sizeof(g));
	if (cm_nodes_build(&nodes, r->p, &no) < 0) {
		cm_goregex_free(re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cm_graph_build(&g, r->p, &nodes, r->vi, NULL, true, r->opts.mean) < 0 ||
	    cm_graph_trim_untrimmed(&g) ||
	    cm_adjacency_build(&g, &adj) < 0 ||
	    !(match = calloc((size_t)nodes.count + 1, sizeof(bool))) ||
	    !(scratch = malloc((2 * g.nedges + 2) * sizeof(uint32_t)))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (r->opts.drop_negative)
		cm_graph_drop_negative(&g);
	if (cm_graph_sort(&g, r->opts.cum_sort ? CM_ORDER_CUM : CM_ORDER_FLAT) < 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	size_t matched = 0;
	for (size_t i = 0; i < g.nmembers; i++) {
		uint32_t id = g.members[i];
		if (cm_goregex_match(re, nodes.printable[id])) {
			match[id] = true;
			matched++;
		}
	}
	if (matched == 0) {
		snprintf(err, errlen, "no matches found for regexp: %s", pattern);
		goto done;
	}
	cm_report_select_output_unit(r, &g);
	cm_report_graph_labels(r, &g, out);
	fputs(SEPARATOR "\n" LEGEND "\n", out);
	int64_t flat_sum = 0;
	for (size_t i = 0; i < g.nmembers; i++) {
		uint32_t id = g.members[i];
		if (!match[id])
			continue;
		int64_t flat = cm_graph_flat_value(&g, id), cum = cm_graph_cum_value(&g, id);
		fputs(SEPARATOR "\n", out);
		print_edges(r, &g, adj.in + adj.first_in[id], adj.first_in[id + 1] - adj.first_in[id],
			    scratch, cum, true, out);
		flat_sum = cm_add64(flat_sum, flat);
		char f[64], c[64], fp[32], sp[32], cp[32];
		fprintf(out, "%10s %s %s %10s %s                | %s\n",
			cm_report_value(r, flat, f, sizeof(f)),
			cm_percentage(flat, r->total, fp, sizeof(fp)),
			cm_percentage(flat_sum, r->total, sp, sizeof(sp)),
			cm_report_value(r, cum, c, sizeof(c)),
			cm_percentage(cum, r->total, cp, sizeof(cp)), nodes.printable[id]);
		print_edges(r, &g, adj.out + adj.first_out[id],
			    adj.first_out[id + 1] - adj.first_out[id], scratch, cum, false, out);
	}
	if (g.nmembers > 0)
		fputs(SEPARATOR "\n", out);
	rc = 0;
done:
	free(scratch);
	free(match);
	cm_adjacency_free(&adj);
	cm_graph_free(&g);
	cm_nodes_free(&nodes);
	cm_goregex_free(re);
	return rc;
}
