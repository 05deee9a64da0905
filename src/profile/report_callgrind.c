/* report_callgrind: `go tool pprof -callgrind`, after report.go's
 * printCallgrind: the untrimmed graph at address granularity in
 * callgrind's format (kcachegrind reads it), names and positions in its
 * compressed forms. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/profile/report.h"

/* callgrindName's table: names get "(N) name" once, then "(N)". */
struct name_ids {
	const char **names;
	size_t n, cap;
};

static void callgrind_name(struct name_ids *t, const char *name, FILE *out)
{
	if (!*name)
		return;
	for (size_t i = t->n; i-- > 0;) /* recent names repeat most */
		if (!strcmp(t->names[i], name)) {
			fprintf(out, "(%zu)", i + 1);
			return;
		}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		const char **nn = realloc(t->names, ncap * sizeof(*nn));
		if (!nn) { /* keep going: the name is then printed whole each time */
			fprintf(out, "(%zu) %s", t->n + 1, name);
			return;
		}
		t->names = nn;
		t->cap = ncap;
	}
	t->names[t->n++] = name;
	fprintf(out, "(%zu) %s", t->n, name);
}

/* callgrindAddress: "*" for the previous address, a signed offset when
 * shorter than the absolute "0x..." form. */
static const char *callgrind_address(const struct cm_node_info *prev, uint64_t cur, char *buf,
				     size_t len)
{
	char abs_form[32], rel[32];
	snprintf(abs_form, sizeof(abs_form), "0x%" PRIx64, cur);
	if (!prev) {
		snprintf(buf, len, "%s", abs_form);
		return buf;
	}
	if (prev->address == cur)
		return "*";
	snprintf(rel, sizeof(rel), "%+" PRId64, (int64_t)(cur - prev->address));
	snprintf(buf, len, "%s", strlen(rel) < strlen(abs_form) ? rel : abs_form);
	return buf;
}

/* Two nodes of one function (pprof's Node.Function): same name, file,
 * object and start line; in a call tree, also the same parent (the
 * function node lives in its parent's node map). */
static bool same_function(const struct cm_node_info *a, const struct cm_node_info *b)
{
	return a->start_line == b->start_line && !strcmp(a->name, b->name) &&
	       !strcmp(a->file, b->file) && !strcmp(a->objfile, b->objfile);
}

/* getDisambiguatedNames: "name [i/n]" when one (file, name) covers n
 * functions, numbered in report order. names[id] gets a string the
 * caller frees, or NULL for the plain name. */
static int disambiguate(const struct cm_report_graph *d, char **names)
{
	const struct cm_node_info *info = d->nodes->info;
	const uint32_t *m = d->g->members;
	size_t n = d->g->nmembers;
	uint32_t *fn = malloc((n + 1) * sizeof(uint32_t)); /* function index within the name */
	uint32_t *count = calloc(n + 1, sizeof(uint32_t));  /* functions per name, at its first */
	uint32_t *first = malloc((n + 1) * sizeof(uint32_t)); /* the name's first member */
	int rc = -1;
	if (!fn || !count || !first)
		goto done;
	for (size_t i = 0; i < n; i++) {
		const struct cm_node_info *a = &info[m[i]];
		first[i] = (uint32_t)i;
		fn[i] = UINT32_MAX;
		for (size_t k = 0; k < i; k++) {
			const struct cm_node_info *b = &info[m[k]];
			if (strcmp(a->name, b->name) || strcmp(a->file, b->file))
				continue;
			first[i] = first[k];
			if (same_function(a, b) &&
			    (!d->call_tree || d->tree.parent[m[i]] == d->tree.parent[m[k]])) {
				fn[i] = fn[k];
				break;
			}
		}
		if (fn[i] == UINT32_MAX)
			fn[i] = count[first[i]]++;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t total = count[first[i]];
		names[m[i]] = NULL;
		if (total > 1) {
			size_t len = strlen(info[m[i]].name) + 32;
			if (!(names[m[i]] = malloc(len)))
				goto done;
			snprintf(names[m[i]], len, "%s [%u/%u]", info[m[i]].name, fn[i] + 1, total);
		}
	}
	rc = 0;
done:
	free(fn);
	free(count);
	free(first);
	return rc;
}

static int64_t scaled(const struct cm_report *r, int64_t v)
{
	char unit[32];
	return cm_f64_to_i64(cm_scale(v, r->sample_unit, r->output_unit, unit, sizeof(unit)));
}

static void print_calls(const struct cm_report *r, const struct cm_report_graph *d, uint32_t id,
			const struct cm_node_info *prev, char **names, struct name_ids *files,
			struct name_ids *fns, uint32_t *tmp, FILE *out)
{
	size_t n = d->adj.first_out[id + 1] - d->adj.first_out[id];
	memcpy(tmp, d->adj.out + d->adj.first_out[id], n * sizeof(*tmp));
	cm_edges_sort(d->g, tmp, tmp + n, n);
	for (size_t i = 0; i < n; i++) {
		const struct cm_edge *e = &d->g->edges[tmp[i]];
		const struct cm_node_info *callee = &d->nodes->info[e->dst];
		char a[32];
		fputs("cfl=", out);
		callgrind_name(files, callee->file, out);
		fputs("\ncfn=", out);
		callgrind_name(fns, names[e->dst] ? names[e->dst] : callee->name, out);
		fprintf(out, "\ncalls=0 %s %" PRId64 "\n",
			callgrind_address(prev, callee->address, a, sizeof(a)), callee->lineno);
		fprintf(out, "* * %" PRId64 "\n", scaled(r, e->weight));
	}
}

static int print_callgrind(struct cm_report *r, const struct cm_report_graph *d, char **names,
			   FILE *out)
{
	struct name_ids objs = {0}, files = {0}, fns = {0};
	uint32_t *tmp = malloc((2 * d->g->nedges + 1) * sizeof(uint32_t));
	if (!tmp)
		return -1;
	fprintf(out, "positions: instr line\nevents: %s(%s)\n", r->sample_type, r->output_unit);
	const struct cm_node_info *prev = NULL;
	for (size_t i = 0; i < d->g->nmembers; i++) {
		uint32_t id = d->g->members[i];
		const struct cm_node_info *ni = &d->nodes->info[id];
		if (!prev || strcmp(ni->objfile, prev->objfile) || strcmp(ni->file, prev->file) ||
		    strcmp(ni->name, prev->name)) {
			fputs("\nob=", out);
			callgrind_name(&objs, ni->objfile, out);
			fputs("\nfl=", out);
			callgrind_name(&files, ni->file, out);
			fputs("\nfn=", out);
			callgrind_name(&fns, ni->name, out);
			fputs("\n", out);
		}
		char a[32];
		fprintf(out, "%s %" PRId64 " %" PRId64 "\n",
			callgrind_address(prev, ni->address, a, sizeof(a)), ni->lineno,
			scaled(r, cm_graph_flat_value(d->g, id)));
		print_calls(r, d, id, prev, names, &files, &fns, tmp, out);
		prev = ni;
	}
	free(objs.names);
	free(files.names);
	free(fns.names);
	free(tmp);
	return 0;
}

int cm_report_callgrind(struct cm_report *r, FILE *out)
{
	struct cm_report_graph d;
	if (cm_report_graph_build(r, &d, false, true) < 0)
		return -1;
	char **names = calloc((size_t)d.nodes->count + 1, sizeof(char *));
	int rc = -1;
	if (names && disambiguate(&d, names) == 0)
		rc = print_callgrind(r, &d, names, out);
	for (uint32_t i = 0; names && i < d.nodes->count; i++)
		free(names[i]);
	free(names);
	cm_report_graph_free(&d);
	return rc;
}
