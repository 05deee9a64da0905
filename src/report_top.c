/* report_top: `go tool pprof -top`, after report.go's newTrimmedGraph,
 * selectOutputUnit, reportLabels and printText. */
#include <stdlib.h>
#include <string.h>

#include "cmon/graph.h"
#include "cmon/measure.h"
#include "cmon/report.h"

struct trimmed {
	struct cm_graph g;
	size_t orig_count, dropped_nodes;
};

/* Rebuilds g keeping only the first n members (or those marked). */
static int rebuild(struct cm_report *r, const struct cm_nodes *nodes, struct cm_graph *g,
		   const uint32_t *ids, size_t n)
{
	bool *kept = calloc(nodes->count + 1, sizeof(bool));
	if (!kept)
		return -1;
	for (size_t i = 0; i < n; i++)
		kept[ids[i]] = true;
	cm_graph_free(g);
	int rc = cm_graph_build(g, r->p, nodes, r->vi, kept, true);
	free(kept);
	return rc;
}

static int new_trimmed_graph(struct cm_report *r, const struct cm_nodes *nodes, struct trimmed *t)
{
	const struct cm_report_opts *o = &r->opts;
	memset(t, 0, sizeof(*t));
	if (cm_graph_build(&t->g, r->p, nodes, r->vi, NULL, true) < 0)
		return -1;
	int64_t total = cm_graph_flat_sum(&t->g);
	int64_t node_cutoff = cm_abs64((int64_t)((double)total * o->node_fraction));
	int64_t edge_cutoff = cm_abs64((int64_t)((double)total * o->edge_fraction));
	if (node_cutoff > 0) {
		uint32_t *keep = malloc((t->g.nmembers + 1) * sizeof(*keep));
		if (!keep)
			return -1;
		size_t nkeep = 0;
		for (size_t i = 0; i < t->g.nmembers; i++)
			if (cm_abs64(t->g.cum[t->g.members[i]]) >= node_cutoff)
				keep[nkeep++] = t->g.members[i];
		if (nkeep != t->g.nmembers) {
			t->dropped_nodes = t->g.nmembers - nkeep;
			if (rebuild(r, nodes, &t->g, keep, nkeep) < 0) {
				free(keep);
				return -1;
			}
		}
		free(keep);
	}
	t->orig_count = t->g.nmembers;
	enum cm_node_order order = o->cum_sort ? CM_ORDER_CUM : CM_ORDER_FLAT;
	cm_graph_sort(&t->g, order);
	if (o->node_count > 0) {
		cm_graph_trim_edges(&t->g, edge_cutoff);
		size_t n = (size_t)o->node_count;
		if (n < t->g.nmembers) {
			uint32_t *top = malloc(n * sizeof(*top));
			if (!top)
				return -1;
			memcpy(top, t->g.members, n * sizeof(*top));
			int rc = rebuild(r, nodes, &t->g, top, n);
			free(top);
			if (rc < 0)
				return -1;
			cm_graph_sort(&t->g, order);
		}
	}
	cm_graph_trim_edges(&t->g, edge_cutoff);
	return 0;
}

/* selectOutputUnit: one unit for every row, from the smallest value shown. */
static void select_output_unit(struct cm_report *r, const struct cm_graph *g)
{
	if (strcmp(r->output_unit, "minimum") || g->nmembers == 0)
		return;
	int64_t min_value = 0;
	for (size_t i = 0; i < g->nmembers; i++) {
		uint32_t id = g->members[i];
		int64_t v = cm_abs64(g->flat[id]);
		if (v == 0)
			v = cm_abs64(g->cum[id]);
		if (v > 0 && (min_value == 0 || v < min_value))
			min_value = v;
	}
	int64_t max_value = r->total;
	if (min_value == 0)
		min_value = max_value;
	char min_unit[32], max_unit[32], unit[32];
	cm_scale(min_value, r->sample_unit, "minimum", min_unit, sizeof(min_unit));
	cm_scale(max_value, r->sample_unit, "minimum", max_unit, sizeof(max_unit));
	snprintf(unit, sizeof(unit), "%s", min_unit);
	if (strcmp(min_unit, max_unit) && min_value * 100 < max_value)
		cm_scale(100 * min_value, r->sample_unit, "minimum", unit, sizeof(unit));
	snprintf(r->output_unit, sizeof(r->output_unit), "%s", *unit ? unit : r->sample_unit);
}

static void print_report_labels(struct cm_report *r, const struct trimmed *t, FILE *out)
{
	const struct cm_graph *g = &t->g;
	char a[64], b[64], pct[32];
	cm_report_profile_labels(r, out);
	if (r->filters[0]) {
		fprintf(out, "Active filters:\n");
		for (int i = 0; i < 4 && r->filters[i]; i++) {
			const char *f = r->filters[i];
			if (strlen(f) > 80)
				fprintf(out, "   %.80s\xe2\x80\xa6\n", f);
			else
				fprintf(out, "   %s\n", f);
		}
	}
	int64_t flat_sum = cm_graph_flat_sum(g);
	cm_percentage(flat_sum, r->total, pct, sizeof(pct));
	const char *p = pct;
	while (*p == ' ')
		p++;
	fprintf(out, "Showing nodes accounting for %s, %s of %s total\n",
		cm_report_value(r, flat_sum, a, sizeof(a)), p,
		cm_report_value(r, r->total, b, sizeof(b)));
	if (r->total == 0)
		return;
	if (t->dropped_nodes > 0) {
		int64_t cut = cm_abs64((int64_t)((double)r->total * r->opts.node_fraction));
		fprintf(out, "Dropped %zu node%s (cum <= %s)\n", t->dropped_nodes,
			t->dropped_nodes > 1 ? "s" : "", cm_report_value(r, cut, a, sizeof(a)));
	}
	if (g->nmembers > 0 && g->nmembers < t->orig_count)
		fprintf(out, "Showing top %zu nodes out of %zu\n", g->nmembers, t->orig_count);
}

int cm_report_top(struct cm_report *r, FILE *out)
{
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {false, r->opts.trim_path, r->opts.source_path};
	if (cm_nodes_build(&nodes, r->p, &no) < 0)
		return -1;
	struct trimmed t;
	const char **labels = malloc((nodes.count + 1) * sizeof(*labels));
	if (!labels || new_trimmed_graph(r, &nodes, &t) < 0) {
		free(labels);
		cm_graph_free(&t.g);
		cm_nodes_free(&nodes);
		return -1;
	}
	select_output_unit(r, &t.g);
	print_report_labels(r, &t, out);
	cm_graph_inline_labels(&t.g, labels);
	fprintf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	int64_t flat_sum = 0;
	for (size_t i = 0; i < t.g.nmembers; i++) {
		uint32_t id = t.g.members[i];
		char f[64], c[64], fp[32], sp[32], cp[32];
		flat_sum += t.g.flat[id];
		fprintf(out, "%10s %s %s %10s %s  %s%s%s\n",
			cm_report_value(r, t.g.flat[id], f, sizeof(f)),
			cm_percentage(t.g.flat[id], r->total, fp, sizeof(fp)),
			cm_percentage(flat_sum, r->total, sp, sizeof(sp)),
			cm_report_value(r, t.g.cum[id], c, sizeof(c)),
			cm_percentage(t.g.cum[id], r->total, cp, sizeof(cp)),
			nodes.printable[id], *labels[id] ? " " : "", labels[id]);
	}
	free(labels);
	cm_graph_free(&t.g);
	cm_nodes_free(&nodes);
	return 0;
}
