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
	size_t runes = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = 1;
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 2;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 3;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 4;
		size_t k = 1;
		while (k < n && (p[k] & 0xc0) == 0x80)
			k++;
		p += k == n ? n : 1; /* a broken sequence is one rune per byte */
		runes++;
	}
	for (; runes < 10; runes++)
		cm_strbuf_add(b, " ", 1);
	cm_strbuf_str(b, s);
}

/* ---- numeric label units (profile.NumLabelUnits) ---- */

struct key_unit {
	const char *key, *unit;
	size_t seq;
};

static int key_unit_cmp(const void *a, const void *b)
{
	const struct key_unit *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first unit each numeric key was seen with, sorted by key. */
static struct key_unit *num_label_units(const struct cm_profile *p, size_t *n)
{
	size_t cnt = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		for (uint32_t k = 0; k < p->samples[i].nlabels; k++)
			if (!p->samples[i].labels[k].str && *p->samples[i].labels[k].num_unit)
				cnt++;
	struct key_unit *ku = malloc((cnt + 1) * sizeof(*ku));
	if (!ku)
		return NULL;
	cnt = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		for (uint32_t k = 0; k < p->samples[i].nlabels; k++) {
			const struct cm_label *l = &p->samples[i].labels[k];
			if (!l->str && *l->num_unit) {
				ku[cnt].key = l->key;
				ku[cnt].unit = l->num_unit;
				ku[cnt].seq = cnt;
				cnt++;
			}
		}
	qsort(ku, cnt, sizeof(*ku), key_unit_cmp);
	size_t w = 0;
	for (size_t i = 0; i < cnt; i++)
		if (w == 0 || strcmp(ku[w - 1].key, ku[i].key))
			ku[w++] = ku[i];
	*n = w;
	return ku;
}

static const char *unit_of(const struct key_unit *ku, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ku[mid].key, key);
		if (!c)
			return ku[mid].unit;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!strcmp(key, "alignment") || !strcmp(key, "request"))
		return "bytes";
	return key;
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
			const struct key_unit *ku, size_t nku)
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
		const char *unit = numeric ? unit_of(ku, nku, key) : NULL;
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
	size_t nku = 0;
	struct key_unit *ku = num_label_units(p, &nku);
	/* pprof names frames with CreateNodes and no options: the node table
	 * of -top, but with files cleaned and never trimmed. */
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {.raw_files = true};
	if (!ku || cm_nodes_build(&nodes, p, &no) < 0) {
		free(ku);
		return -1;
	}
	int rc = 0;
	cm_report_profile_labels(r, out);
	for (size_t si = 0; si < p->nsamples; si++) {
		const struct cm_sample *s = &p->samples[si];
		if (s->nlocs == 0)
			continue;
		fputs(SEPARATOR "\n", out);
		if (print_labels(out, s, false, ku, nku) < 0 || print_labels(out, s, true, ku, nku) < 0) {
			rc = -1;
			break;
		}
		char value[64];
		int64_t v = s->values[r->vi];
		if (r->opts.mean && s->values[0] != 0) /* -mean: per event (values[0]) */
			v = cm_div64(v, s->values[0]);
		fprintf(out, "%10s   ", cm_report_value(r, v, value, sizeof(value)));
		bool first = true;
		for (uint32_t i = 0; i < s->nlocs; i++) {
			uint32_t loc = cm_sample_loc(s, i);
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
	free(ku);
	return rc;
}
