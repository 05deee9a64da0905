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
	bool oom; /* the report then fails */
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
		if (!nn) {
			t->oom = true;
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

struct name_ctx {
	const struct cm_node_info *info;
	const uint32_t *members;
};

/* By (file, name), then report order (the sort is stable). */
static int by_name(const void *ctx, uint32_t a, uint32_t b)
{
	const struct name_ctx *c = ctx;
	const struct cm_node_info *x = &c->info[c->members[a]], *y = &c->info[c->members[b]];
	int r = strcmp(x->file, y->file);
	return r ? r : strcmp(x->name, y->name);
}

static bool same_name(const struct cm_node_info *a, const struct cm_node_info *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->file, b->file);
}

/* Numbers the functions of one (file, name): pos[0..n) in report order. */
static int name_group(const struct cm_report_graph *d, const uint32_t *pos, size_t n,
		      char **names)
{
	const uint32_t *m = d->g->members;
	const struct cm_node_info *info = d->nodes->info;
	uint32_t *fn = malloc(n * sizeof(uint32_t)), count = 0;
	if (!fn)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint32_t a = m[pos[i]];
		fn[i] = UINT32_MAX;
		for (size_t k = 0; k < i && fn[i] == UINT32_MAX; k++) {
			uint32_t b = m[pos[k]];
			if (same_function(&info[a], &info[b]) &&
			    (!d->call_tree || d->tree.parent[a] == d->tree.parent[b]))
				fn[i] = fn[k];
		}
		if (fn[i] == UINT32_MAX)
			fn[i] = count++;
	}
	int rc = 0;
	for (size_t i = 0; i < n && count > 1 && rc == 0; i++) {
		uint32_t id = m[pos[i]];
		size_t len = strlen(info[id].name) + 32;
		if (!(names[id] = malloc(len)))
			rc = -1;
		else
			snprintf(names[id], len, "%s [%u/%u]", info[id].name, fn[i] + 1, count);
	}
	free(fn);
	return rc;
}

/* getDisambiguatedNames: "name [i/n]" when one (file, name) covers n
 * functions, numbered in report order. names[id] gets a string the
 * caller frees, or stays NULL for the plain name. */
static int disambiguate(const struct cm_report_graph *d, char **names)
{
	size_t n = d->g->nmembers;
	uint32_t *pos = malloc((2 * n + 1) * sizeof(uint32_t));
	if (!pos)
		return -1;
	for (size_t i = 0; i < n; i++)
		pos[i] = (uint32_t)i;
	struct name_ctx c = {d->nodes->info, d->g->members};
	cm_sort_ids(pos, pos + n, n, by_name, &c);
	int rc = 0;
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		const struct cm_node_info *first = &c.info[c.members[pos[i]]];
		for (j = i + 1; j < n && same_name(first, &c.info[c.members[pos[j]]]); j++)
			;
		rc = name_group(d, pos + i, j - i, names);
	}
	free(pos);
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
	return objs.oom || files.oom || fns.oom ? -1 : 0;
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
