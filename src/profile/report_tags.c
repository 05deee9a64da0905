/* report_tags: `go tool pprof -tags`, after report.go's printTags.
 *
 * For every label key (sorted by name) the sum of the sample values of the
 * samples that carry it, then each of its values with its share, biggest
 * first. Numeric values are formatted in their key's unit first, so values
 * that print alike are one row. pprof aligns the columns with a right-
 * aligned text/tabwriter: each key's lines form their own block. */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/arena.h"
#include "cmon/base/measure.h"
#include "cmon/base/strbuf.h"
#include "cmon/profile/report.h"

struct tag_entry {
	const char *key, *value;
	int64_t sum;
};

static int entry_by_key_value(const void *a, const void *b)
{
	const struct tag_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

/* graph.SortTags(tags, true): |value| descending, then name. */
static int entry_by_weight(const void *a, const void *b)
{
	const struct tag_entry *x = a, *y = b;
	if (x->sum != y->sum) {
		int64_t ax = cm_abs64(x->sum), ay = cm_abs64(y->sum);
		return ax > ay ? -1 : ax < ay;
	}
	return strcmp(x->value, y->value);
}

/* One entry per label of every sample; numeric values formatted into
 * scratch. NULL when memory runs out. */
static struct tag_entry *collect(const struct cm_report *r, struct cm_arena *scratch, size_t *n)
{
	const struct cm_profile *p = r->p;
	size_t cnt = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		cnt += p->samples[i].nlabels;
	struct tag_entry *e = malloc((cnt + 1) * sizeof(*e));
	if (!e)
		return NULL;
	cnt = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct cm_sample *s = &p->samples[i];
		for (uint32_t k = 0; k < s->nlabels; k++) {
			const struct cm_label *l = &s->labels[k];
			const char *v = l->str;
			if (!v) {
				char buf[128];
				cm_scaled_label(l->num, cm_num_units_get(&r->num_units, l->key),
						r->output_unit, buf, sizeof(buf));
				if (!(v = cm_arena_strndup(scratch, buf, strlen(buf)))) {
					free(e);
					return NULL;
				}
			}
			e[cnt++] = (struct tag_entry){l->key, v, s->values[r->vi]};
		}
	}
	*n = cnt;
	return e;
}

/* Sums the entries of equal key and value; returns how many are left. */
static size_t sum_equal(struct tag_entry *e, size_t n)
{
	qsort(e, n, sizeof(*e), entry_by_key_value);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (w > 0 && !entry_by_key_value(&e[w - 1], &e[i]))
			e[w - 1].sum = cm_add64(e[w - 1].sum, e[i].sum);
		else
			e[w++] = e[i];
	}
	return w;
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		putc(' ', out);
}

/* "%.1f%s" of measurement.Scale(v, sample unit, output unit). */
static char *scaled1(const struct cm_report *r, int64_t v, char *buf, size_t len)
{
	char unit[256];
	double f = cm_scale(v, r->sample_unit, r->output_unit, unit, sizeof(unit));
	snprintf(buf, len, "%.1f%s", f, unit);
	return buf;
}

/* One key's block: e[0..n) are its values. */
static int print_key(const struct cm_report *r, struct tag_entry *e, size_t n, FILE *out)
{
	int64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total = cm_add64(total, e[i].sum);
	qsort(e, n, sizeof(*e), entry_by_weight);
	/* The cells of column 1, to size it before the first line goes out. */
	char (*cells)[320] = malloc((n + 1) * sizeof(*cells));
	if (!cells)
		return -1;
	size_t w1 = 0;
	for (size_t i = 0; i < n; i++) {
		char v[300], pct[32];
		scaled1(r, e[i].sum, v, sizeof(v));
		if (total > 0)
			snprintf(cells[i], sizeof(cells[i]), "%s (%s):", v,
				 cm_percentage(e[i].sum, total, pct, sizeof(pct)));
		else
			snprintf(cells[i], sizeof(cells[i]), "%s:", v);
		size_t w = cm_utf8_runes(cells[i]) + 1;
		w1 = w > w1 ? w : w1;
	}
	size_t wkey = cm_utf8_runes(e[0].key) + 1; /* "key:" */
	size_t w0 = (wkey > 1 ? wkey : 1) + 1;
	char t[300];
	pad(out, w0 - wkey);
	fprintf(out, "%s: Total %s\n", e[0].key, scaled1(r, total, t, sizeof(t)));
	for (size_t i = 0; i < n; i++) {
		pad(out, w0 - 1);
		putc(' ', out);
		pad(out, w1 - cm_utf8_runes(cells[i]));
		fprintf(out, "%s %s\n", cells[i], e[i].value);
	}
	putc('\n', out);
	free(cells);
	return 0;
}

int cm_report_tags(struct cm_report *r, FILE *out)
{
	struct cm_arena scratch;
	cm_arena_init(&scratch);
	size_t n = 0;
	struct tag_entry *e = collect(r, &scratch, &n);
	if (!e) {
		cm_arena_free(&scratch);
		return -1;
	}
	n = sum_equal(e, n);
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		size_t j = i;
		while (j < n && !strcmp(e[j].key, e[i].key))
			j++;
		rc = print_key(r, e + i, j - i, out);
		i = j;
	}
	free(e);
	cm_arena_free(&scratch);
	return rc;
}
