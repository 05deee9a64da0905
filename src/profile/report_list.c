/* report_list: `go tool pprof -list=REGEX`, after source.go's printSource
 * and getSourceFromFile; the files themselves come through source.h.
 *
 * The graph is built on lines (cm_report_prepare forces the granularity)
 * with object names kept. Nodes whose function name matches the regex are
 * grouped by function name, then by file; each (function, file) prints a
 * ROUTINE header and the annotated source from the function's start line
 * (else the first hot line - 5) to the last hot line + 5, as far as the file
 * goes. Values are scaled one by one (the output unit stays "minimum"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/base/pathutil.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"
#include "cmon/profile/source.h"

/* ---- the report ---- */

const char *cm_list_value(const struct cm_report *r, int64_t v, char *buf, size_t len)
{
	if (v == 0)
		return ".";
	return cm_report_value(r, v, buf, len);
}

/* One function in one file (file NULL: the function has no source file). */
struct routine {
	const char *name, *file;
	const uint32_t *fns; /* its nodes */
	size_t n;
	int64_t start, end; /* lines to print, from getSourceFromFile */
	struct cm_source_file *src;
};

/* getSourceFromFile's range, including its else-if: a node that moves the
 * start never moves the end. */
void cm_list_range(const struct cm_nodes *nodes, const uint32_t *ids, size_t n, int64_t *start,
		   int64_t *end)
{
	enum { MARGIN = 5 };
	const struct cm_node_info *first = &nodes->info[ids[0]];
	int64_t s = first->start_line ? first->start_line : cm_add64(first->lineno, -MARGIN);
	int64_t e = cm_add64(first->lineno, MARGIN);
	for (size_t i = 0; i < n; i++) {
		const struct cm_node_info *ni = &nodes->info[ids[i]];
		int64_t ns = ni->start_line ? ni->start_line : cm_add64(ni->lineno, -MARGIN);
		int64_t ne = cm_add64(ni->lineno, MARGIN);
		if (ns < s)
			s = ns;
		else if (ne > e)
			e = ne;
	}
	*start = s < 1 ? 1 : s;
	*end = e;
}

static void routine_range(const struct cm_nodes *nodes, struct routine *rt)
{
	cm_list_range(nodes, rt->fns, rt->n, &rt->start, &rt->end);
}

static int line_weight_cmp(const void *a, const void *b)
{
	const struct cm_list_line *x = a, *y = b;
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

size_t cm_list_weights(const struct cm_graph *g, const uint32_t *ids, size_t n,
		       struct cm_list_line *out, int64_t *flat_sum, int64_t *cum_sum)
{
	*flat_sum = *cum_sum = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t id = ids[i];
		*flat_sum = cm_add64(*flat_sum, g->flat[id]);
		*cum_sum = cm_add64(*cum_sum, g->cum[id]);
		out[i] = (struct cm_list_line){g->nodes->info[id].lineno, g->flat[id], g->cum[id]};
	}
	qsort(out, n, sizeof(*out), line_weight_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && out[m - 1].lineno == out[i].lineno) {
			out[m - 1].flat = cm_add64(out[m - 1].flat, out[i].flat);
			out[m - 1].cum = cm_add64(out[m - 1].cum, out[i].cum);
		} else {
			out[m++] = out[i];
		}
	}
	return m;
}

static int print_routine(struct cm_report *r, struct cm_source_reader *rd, const struct cm_graph *g,
			 const struct routine *rt, FILE *out)
{
	int64_t flat_sum, cum_sum;
	struct cm_list_line *lw = malloc((rt->n + 1) * sizeof(*lw));
	if (!lw)
		return -1;
	size_t nlw = cm_list_weights(g, rt->fns, rt->n, lw, &flat_sum, &cum_sum);
	/* pprof opens the file on reading the first line of the range: with an
	 * empty range, only an earlier failure to open it shows. */
	struct cm_source_file *f = rt->start <= rt->end ? cm_source_get(rd, rt->file) : rt->src;
	if (!f) {
		free(lw);
		return -1;
	}
	char a[64], b[64], pct[32];
	fprintf(out, "ROUTINE ======================== %s in %s\n", rt->name, rt->file);
	fprintf(out, "%10s %10s (flat, cum) %s of Total\n", cm_report_value(r, flat_sum, a, sizeof(a)),
		cm_report_value(r, cum_sum, b, sizeof(b)),
		cm_percentage(cum_sum, r->total, pct, sizeof(pct)));
	if (f->error) {
		fprintf(out, " Error: %s\n", f->error);
		free(lw);
		return 0;
	}
	if (!f->loaded) {
		free(lw);
		return 0;
	}
	size_t k = 0;
	for (int64_t ln = rt->start; ln <= rt->end && (uint64_t)ln <= f->nlines; ln++) {
		int64_t flat = 0, cum = 0;
		while (k < nlw && lw[k].lineno < ln)
			k++;
		if (k < nlw && lw[k].lineno == ln) {
			flat = lw[k].flat;
			cum = lw[k].cum;
		}
		fprintf(out, "%10s %10s %6" PRId64 ":", cm_list_value(r, flat, a, sizeof(a)),
			cm_list_value(r, cum, b, sizeof(b)), ln);
		fwrite(f->data + f->start[ln - 1], 1, f->len[ln - 1], out);
		fputc('\n', out);
	}
	free(lw);
	return 0;
}

/* Matched nodes in report order: function name, then file, then node id
 * (pprof's order among one function's nodes is its map order; the id order
 * only matters for the range of odd profiles, see routine_range). */
struct keyed_id {
	const char *name, *file;
	uint32_t id;
};

static int keyed_id_cmp(const void *a, const void *b)
{
	const struct keyed_id *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->file, y->file);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int sort_matched(const struct cm_nodes *nodes, uint32_t *ids, size_t n)
{
	struct keyed_id *k = malloc((n + 1) * sizeof(*k));
	if (!k)
		return -1;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyed_id){nodes->info[ids[i]].name, nodes->info[ids[i]].file, ids[i]};
	qsort(k, n, sizeof(*k), keyed_id_cmp);
	for (size_t i = 0; i < n; i++)
		ids[i] = k[i].id;
	free(k);
	return 0;
}

/* The routines to print, in order, each file's entry in the reader told how
 * many lines the report needs from it. */
static struct routine *plan_routines(const struct cm_nodes *nodes, const uint32_t *ids, size_t n,
				     struct cm_source_reader *rd, size_t *count)
{
	struct routine *rts = malloc((n + 1) * sizeof(*rts));
	size_t nr = 0;
	if (!rts)
		return NULL;
	for (size_t i = 0; i < n;) {
		const char *name = nodes->info[ids[i]].name;
		size_t from = nr;
		for (; i < n && !strcmp(nodes->info[ids[i]].name, name);) {
			const char *file = nodes->info[ids[i]].file;
			size_t k = i;
			while (k < n && !strcmp(nodes->info[ids[k]].name, name) &&
			       !strcmp(nodes->info[ids[k]].file, file))
				k++;
			if (*file) {
				struct routine *rt = &rts[nr++];
				*rt = (struct routine){.name = name, .file = file, .fns = ids + i, .n = k - i};
				routine_range(nodes, rt);
				if (!(rt->src = cm_source_entry(rd, file))) {
					free(rts);
					return NULL;
				}
				if (rt->end >= rt->start && (uint64_t)rt->end > rt->src->need)
					rt->src->need = (uint64_t)rt->end;
			}
			i = k;
		}
		if (nr == from)
			rts[nr++] = (struct routine){.name = name};
	}
	*count = nr;
	return rts;
}

int cm_report_list(struct cm_report *r, FILE *out, char *err, size_t errlen)
{
	const char *pattern = r->opts.symbol ? r->opts.symbol : "";
	struct cm_goregex *re = cm_report_symbol_regex(pattern, err, errlen);
	if (!re)
		return -1;
	int rc = -1;
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {.obj_names = true, .trim_path = r->opts.trim_path, .source_path = r->opts.source_path};
	struct cm_graph g;
	uint32_t *matched = NULL;
	struct routine *rts = NULL;
	struct cm_source_reader rd = {0};
	memset(&g, 0, sizeof(g));
	if (cm_nodes_build(&nodes, r->p, &no) < 0) {
		cm_goregex_free(re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cm_graph_build(&g, r->p, &nodes, r->vi, NULL, false, false) < 0 ||
	    !(matched = malloc((g.nmembers + 1) * sizeof(*matched)))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	size_t nmatched = 0;
	for (size_t i = 0; i < g.nmembers; i++)
		if (cm_goregex_match(re, nodes.info[g.members[i]].name))
			matched[nmatched++] = g.members[i];
	if (nmatched == 0) {
		snprintf(err, errlen, "no matches found for regexp: %s", pattern);
		goto done;
	}

	if (cm_source_reader_init(&rd, r->opts.source_path, r->opts.trim_path, err, errlen) < 0)
		goto done;

	size_t nrts = 0;
	if (sort_matched(&nodes, matched, nmatched) < 0 ||
	    !(rts = plan_routines(&nodes, matched, nmatched, &rd, &nrts))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	char total[64];
	fprintf(out, "Total: %s\n", cm_report_value(r, r->total, total, sizeof(total)));
	for (size_t i = 0; i < nrts; i++) {
		if (!rts[i].file) {
			fprintf(out, "No source information for %s\n", rts[i].name);
		} else if (print_routine(r, &rd, &g, &rts[i], out) < 0) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
	}
	rc = 0;
done:
	free(rts);
	cm_source_reader_free(&rd);
	free(matched);
	cm_graph_free(&g);
	cm_nodes_free(&nodes);
	cm_goregex_free(re);
	return rc;
}
