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

static int entry_by_key_value(const void *a, const void *b)
{
	const struct cm_tag_row *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->value, y->value);
}

/* graph.SortTags(tags, true): |value| descending, then name. */
static int entry_by_weight(const void *a, const void *b)
{
	const struct cm_tag_row *x = a, *y = b;
	if (x->sum != y->sum) {
		int64_t ax = cm_abs64(x->sum), ay = cm_abs64(y->sum);
		return ax > ay ? -1 : ax < ay;
	}
	return strcmp(x->value, y->value);
}

/* One entry per label of every sample; numeric values formatted into
 * scratch. NULL when memory runs out. */
static struct cm_tag_row *collect(const struct cm_report *r, struct cm_arena *scratch, size_t *n)
{
	const struct cm_profile *p = r->p;
	size_t cnt = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		cnt += p->samples[i].nlabels;
	struct cm_tag_row *e = malloc((cnt + 1) * sizeof(*e));
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
			e[cnt++] = (struct cm_tag_row){.key = l->key, .value = v, .sum = s->values[r->vi],
						       .numeric = !l->str, .lo = l->num, .hi = l->num};
		}
	}
	*n = cnt;
	return e;
}

/* Sums the entries of equal key and value (numbers that print alike: their
 * range); returns how many are left. */
static size_t sum_equal(struct cm_tag_row *e, size_t n)
{
	qsort(e, n, sizeof(*e), entry_by_key_value);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		struct cm_tag_row *last = w > 0 ? &e[w - 1] : NULL;
		if (last && !entry_by_key_value(last, &e[i])) {
			last->sum = cm_add64(last->sum, e[i].sum);
			last->lo = e[i].lo < last->lo ? e[i].lo : last->lo;
			last->hi = e[i].hi > last->hi ? e[i].hi : last->hi;
		} else {
			e[w++] = e[i];
		}
	}
	return w;
}

/* Each key's total, and its values biggest first. */
static void order_keys(struct cm_tag_row *e, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;
		int64_t total = 0;
		for (; j < n && !strcmp(e[j].key, e[i].key); j++)
			total = cm_add64(total, e[j].sum);
		for (size_t k = i; k < j; k++)
			e[k].key_total = total;
		qsort(e + i, j - i, sizeof(*e), entry_by_weight);
		i = j;
	}
}

int cm_tag_table_build(const struct cm_report *r, struct cm_tag_table *t)
{
	memset(t, 0, sizeof(*t));
	cm_arena_init(&t->arena);
	if (!(t->rows = collect(r, &t->arena, &t->nrows))) {
		cm_arena_free(&t->arena);
		return -1;
	}
	t->nrows = sum_equal(t->rows, t->nrows);
	order_keys(t->rows, t->nrows);
	return 0;
}

void cm_tag_table_free(struct cm_tag_table *t)
{
	free(t->rows);
	cm_arena_free(&t->arena);
	memset(t, 0, sizeof(*t));
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		putc(' ', out);
}

char *cm_tags_value(const struct cm_report *r, int64_t v, char *buf, size_t len)
{
	char unit[256];
	double f = cm_scale(v, r->sample_unit, r->output_unit, unit, sizeof(unit));
	snprintf(buf, len, "%.1f%s", f, unit);
	return buf;
}

/* One key's block: e[0..n) are its values, in order. */
static int print_key(const struct cm_report *r, const struct cm_tag_row *e, size_t n, FILE *out)
{
	int64_t total = e[0].key_total;
	/* The cells of column 1, to size it before the first line goes out. */
	char (*cells)[320] = malloc((n + 1) * sizeof(*cells));
	if (!cells)
		return -1;
	size_t w1 = 0;
	for (size_t i = 0; i < n; i++) {
		char v[300], pct[32];
		cm_tags_value(r, e[i].sum, v, sizeof(v));
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
	fprintf(out, "%s: Total %s\n", e[0].key, cm_tags_value(r, total, t, sizeof(t)));
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
	struct cm_tag_table t;
	if (cm_tag_table_build(r, &t) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < t.nrows && !rc;) {
		size_t j = i;
		while (j < t.nrows && !strcmp(t.rows[j].key, t.rows[i].key))
			j++;
		rc = print_key(r, t.rows + i, j - i, out);
		i = j;
	}
	cm_tag_table_free(&t);
	return rc;
}
