/* report_traces: `go tool pprof -traces`, after report.go's printTraces.
 *
 * Every sample with a stack prints between separators: its string labels,
 * then its numeric labels (each group sorted as formatted text), then the
 * frames leaf first, the sample's value on the first. Frames are the nodes
 * graph.CreateNodes makes with no options: file names cleaned but never
 * trimmed (printTraces does not go through newGraph). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/graph.h"
#include "cmon/measure.h"
#include "cmon/pathutil.h"
#include "cmon/report.h"
#include "cmon/strbuf.h"

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

/* filepath.Base. */
static void sb_base(struct cm_strbuf *b, const char *path)
{
	size_t n = strlen(path);
	if (n == 0) {
		cm_strbuf_add(b, ".", 1);
		return;
	}
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n == 0) {
		cm_strbuf_add(b, "/", 1);
		return;
	}
	size_t start = n;
	while (start > 0 && path[start - 1] != '/')
		start--;
	cm_strbuf_add(b, path + start, n - start);
}

/* ---- frame names ---- */

/* NodeInfo.PrintableName of the node CreateNodes makes for line ln (NULL for
 * a location without lines) of location l, with default options. */
static void frame_name(struct cm_strbuf *b, const struct cm_profile *p, const struct cm_location *l,
		       const struct cm_line *ln)
{
	size_t at = b->len;
	char tmp[64];
	if (l->address) {
		snprintf(tmp, sizeof(tmp), "%016" PRIx64, l->address);
		cm_strbuf_str(b, tmp);
	}
	const char *objfile = l->mapping != CM_NONE ? p->mappings[l->mapping].file : "";
	const struct cm_function *f =
		ln && ln->function != CM_NONE ? &p->functions[ln->function] : NULL;
	const char *name = f ? f->name : "";
	int64_t lineno = f ? ln->line : 0;
	if (*name) {
		if (b->len > at)
			cm_strbuf_add(b, " ", 1);
		cm_strbuf_str(b, name);
	}
	if (lineno != 0 || (f && *f->filename)) {
		if (b->len > at)
			cm_strbuf_add(b, " ", 1);
		if (f && *f->filename) {
			size_t len = strlen(f->filename) + 2;
			char *clean = malloc(len);
			if (!clean) {
				b->oom = true;
				return;
			}
			cm_strbuf_str(b, cm_path_clean(f->filename, clean, len));
			free(clean);
		}
		if (lineno != 0) {
			snprintf(tmp, sizeof(tmp), ":%" PRId64, lineno);
			cm_strbuf_str(b, tmp);
		}
	} else if (*name) {
		/* the name is all there is */
	} else if (*objfile) {
		if (b->len > at)
			cm_strbuf_add(b, " ", 1);
		cm_strbuf_add(b, "[", 1);
		sb_base(b, objfile);
		cm_strbuf_add(b, "]", 1);
	} else {
		if (b->len > at)
			cm_strbuf_add(b, " ", 1);
		cm_strbuf_str(b, "<unknown>");
	}
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

/* Every frame's name, once: frame k of location i is
 * names->s + off[first[i] + k]. */
struct frame_names {
	struct cm_strbuf names;
	size_t *first, *off;
};

static int frame_names_build(const struct cm_profile *p, struct frame_names *fn)
{
	memset(fn, 0, sizeof(*fn));
	size_t total = 0;
	for (size_t i = 0; i < p->nlocations; i++)
		total += p->locations[i].nlines ? p->locations[i].nlines : 1;
	fn->first = malloc((p->nlocations + 1) * sizeof(size_t));
	fn->off = malloc((total + 1) * sizeof(size_t));
	if (!fn->first || !fn->off)
		return -1;
	size_t at = 0;
	for (size_t i = 0; i < p->nlocations; i++) {
		const struct cm_location *l = &p->locations[i];
		uint32_t cnt = l->nlines ? l->nlines : 1;
		fn->first[i] = at;
		for (uint32_t k = 0; k < cnt; k++) {
			fn->off[at++] = fn->names.len;
			frame_name(&fn->names, p, l, l->nlines ? &l->lines[k] : NULL);
			cm_strbuf_add(&fn->names, "", 1); /* the terminating NUL */
		}
	}
	return fn->names.oom ? -1 : 0;
}

static void frame_names_free(struct frame_names *fn)
{
	cm_strbuf_free(&fn->names);
	free(fn->first);
	free(fn->off);
}

int cm_report_traces(struct cm_report *r, FILE *out)
{
	const struct cm_profile *p = r->p;
	size_t nku = 0;
	struct key_unit *ku = num_label_units(p, &nku);
	struct frame_names fn;
	int rc = frame_names_build(p, &fn);
	if (!ku || rc < 0) {
		free(ku);
		frame_names_free(&fn);
		return -1;
	}
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
			const struct cm_location *l = &p->locations[cm_sample_loc(s, i)];
			uint32_t cnt = l->nlines ? l->nlines : 1;
			const size_t *off = fn.off + fn.first[cm_sample_loc(s, i)];
			for (uint32_t k = 0; k < cnt; k++) {
				if (!first)
					fputs("             ", out); /* "%10s   " of "" */
				first = false;
				fputs(fn.names.s + off[k], out);
				if (k != cnt - 1)
					fputs(" (inline)", out);
				putc('\n', out);
			}
		}
	}
	if (!rc)
		fputs(SEPARATOR "\n", out);
	frame_names_free(&fn);
	free(ku);
	return rc;
}
