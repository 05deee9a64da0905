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

#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

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
	bool *match = NULL;
	memset(&g, 0, sizeof(g));
	if (cm_nodes_build(&nodes, r->p, &no) < 0) {
		cm_goregex_free(re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cm_graph_build(&g, r->p, &nodes, r->vi, NULL, true, r->opts.mean) < 0 ||
	    cm_graph_trim_untrimmed(&g) ||
	    !(match = calloc((size_t)nodes.count + 1, sizeof(bool)))) {
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
	if (cm_tree_print(r, &g, match, out) < 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rc = 0;
done:
	free(match);
	cm_graph_free(&g);
	cm_nodes_free(&nodes);
	cm_goregex_free(re);
	return rc;
}
