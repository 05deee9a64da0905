/* report_traces: `go tool pprof -traces`, after report.go's printTraces.
 *
 * Every sample with a stack prints between separators: its string labels,
 * then its numeric labels (each group sorted as formatted text), then the
 * frames leaf first, the sample's value on the first. Frames are the nodes
 * graph.CreateNodes makes with no options: file names cleaned but never
 * trimmed (printTraces does not go through newGraph). */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/base/strbuf.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

#define SEPARATOR "-----------+-------------------------------------------------------"

/* ---- small text helpers ---- */

static void sb_pad10(struct cm_strbuf *b, const char *s)
{
	for (size_t runes = cm_utf8_runes(s); runes < 10; runes++)
		cm_strbuf_add(b, " ", 1);
	cm_strbuf_str(b, s);
}

/* ---- one sample's labels ---- */

struct label_ref {
	const struct cm_label *l;
	uint32_t idx;
};

static int label_ref_cmp(const void *a, const void *b)
{
	const struct label_ref *x = a, *y = b;
	int c = strcmp(x->l->key, y->l->key);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints the labels of kind numeric (or string) of s: one line per key,
 * "%10s:  v1 v2...", the lines sorted as strings. */
static int print_labels(FILE *out, const struct cm_sample *s, bool numeric,
			const struct cm_num_units *units)
{
	struct label_ref *refs = malloc((s->nlabels + 1) * sizeof(*refs));
	char **lines = malloc((s->nlabels + 1) * sizeof(*lines));
	size_t nrefs = 0, nlines = 0;
	int rc = 0;
	if (!refs || !lines) {
		rc = -1;
		goto done;
	}
	for (uint32_t k = 0; k < s->nlabels; k++)
		if ((s->labels[k].str == NULL) == numeric)
			refs[nrefs++] = (struct label_ref){&s->labels[k], k};
	qsort(refs, nrefs, sizeof(*refs), label_ref_cmp);
	for (size_t i = 0; i < nrefs;) {
		const char *key = refs[i].l->key;
		const char *unit = numeric ? cm_num_units_get(units, key) : NULL;
		struct cm_strbuf b = {0};
		sb_pad10(&b, key);
		cm_strbuf_str(&b, ":  ");
		for (size_t start = i; i < nrefs && !strcmp(refs[i].l->key, key); i++) {
			size_t j = i;
			if (j > start)
				cm_strbuf_add(&b, " ", 1);
			if (numeric) {
				char v[64];
				cm_strbuf_str(&b, cm_label(refs[j].l->num, unit, v, sizeof(v)));
			} else {
				cm_strbuf_str(&b, refs[j].l->str);
			}
		}
		cm_strbuf_add(&b, "\n", 1);
		if (b.oom) {
			cm_strbuf_free(&b);
			rc = -1;
			goto done;
		}
		lines[nlines++] = b.s;
	}
	qsort(lines, nlines, sizeof(*lines), str_ptr_cmp);
	for (size_t i = 0; i < nlines; i++)
		fputs(lines[i], out);
done:
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	free(refs);
	return rc;
}

int cm_report_traces(struct cm_report *r, FILE *out)
{
	const struct cm_profile *p = r->p;
	/* pprof names frames with CreateNodes and no options: the node table
	 * of -top, but with files cleaned and never trimmed. */
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {.raw_files = true};
	if (cm_nodes_build(&nodes, p, &no) < 0)
		return -1;
	int rc = 0;
	cm_report_profile_labels(r, out);
	for (size_t si = 0; si < p->nsamples; si++) {
		const struct cm_sample *s = &p->samples[si];
		if (s->nlocs == 0)
			continue;
		fputs(SEPARATOR "\n", out);
		if (print_labels(out, s, false, &r->num_units) < 0 ||
		    print_labels(out, s, true, &r->num_units) < 0) {
			rc = -1;
			break;
		}
		char value[64];
		int64_t v = s->values[r->vi];
		if (r->opts.mean && s->values[0] != 0) /* -mean: per event (values[0]) */
			v = cm_div64(v, s->values[0]);
		fprintf(out, "%10s   ", cm_report_value(r, v, value, sizeof(value)));
		bool first = true;
		struct cm_locs_cursor c = cm_locs_from_leaf(s);
		for (uint32_t i = 0; i < s->nlocs; i++) {
			uint32_t loc = cm_locs_next(&c);
			const uint32_t *ids = nodes.loc_nodes + nodes.loc_first[loc];
			uint32_t cnt = nodes.loc_count[loc];
			for (uint32_t k = 0; k < cnt; k++) {
				if (!first)
					fputs("             ", out); /* "%10s   " of "" */
				first = false;
				fputs(nodes.printable[ids[k]], out);
				if (k != cnt - 1)
					fputs(" (inline)", out);
				putc('\n', out);
			}
		}
	}
	if (!rc)
		fputs(SEPARATOR "\n", out);
	cm_nodes_free(&nodes);
	return rc;
}
