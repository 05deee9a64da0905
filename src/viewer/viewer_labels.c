/* viewer_labels: the LABELS rows, the numbers of `cmon pprof -tags` under
 * the viewer's options (report_tags.c's table, not computed again): for
 * each label key (by name) a key row with its total, then its values
 * biggest first with their share of the key's total. Numeric values
 * (heap profiles' bytes) are formatted as -tags formats them. */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "viewer_int.h"

/* The table of v->st, built on first use. -tags picks units per value
 * ("minimum", or -unit), where the TOP table fixed one for all its rows:
 * the table is built on a report that has -tags' unit. */
static int labels_table(struct vstate *st, const struct cm_report_opts *ro)
{
	if (st->tags_built)
		return 0;
	struct cm_report *u = &st->tags_rep;
	memset(u, 0, sizeof(*u));
	u->p = st->rep.p;
	u->vi = st->rep.vi;
	u->sample_unit = st->rep.sample_unit;
	u->num_units = st->rep.num_units;
	u->ratio = st->rep.ratio;
	snprintf(u->output_unit, sizeof(u->output_unit), "%s", ro->unit ? ro->unit : "minimum");
	if (cm_tag_table_build(u, &st->tags) < 0)
		return -1;
	st->tags_built = true;
	return 0;
}

void vlabels_free_rows(struct cm_viewer *v)
{
	for (size_t i = 0; i < v->nlabel; i++)
		free(v->label[i].name);
	free(v->label);
	v->label = NULL;
	v->nlabel = 0;
}

/* A key row, then a row per value. */
static int add_rows(struct cm_viewer *v, const struct cm_tag_row *t, size_t n)
{
	const struct cm_report *u = &v->st->tags_rep;
	struct vlabel_row *k = &v->label[v->nlabel++];
	char amount[256];
	cm_tags_value(u, t[0].key_total, amount, sizeof(amount));
	snprintf(k->amount, sizeof(k->amount), "Total %s", amount);
	if (!(k->name = strdup(t[0].key)))
		return -1;
	k->pub = (struct cm_viewer_label_row){.key = t[0].key, .amount = k->amount, .pct = "",
					      .weight = t[0].key_total};
	for (size_t i = 0; i < n; i++) {
		struct vlabel_row *r = &v->label[v->nlabel++];
		r->tag = &t[i];
		cm_tags_value(u, t[i].sum, r->amount, sizeof(r->amount));
		if (t[i].key_total > 0)
			cm_percentage(t[i].sum, t[i].key_total, r->pct, sizeof(r->pct));
		size_t len = strlen(t[i].key) + strlen(t[i].value) + 2;
		if (!(r->name = malloc(len)))
			return -1;
		snprintf(r->name, len, "%s=%s", t[i].key, t[i].value);
		r->pub = (struct cm_viewer_label_row){
			.key = t[i].key, .value = t[i].value, .amount = r->amount, .pct = r->pct,
			.weight = t[i].sum, .numeric = t[i].numeric,
		};
	}
	return 0;
}

int vlabels_rows(struct cm_viewer *v)
{
	vlabels_free_rows(v);
	if (labels_table(v->st, &v->ro) < 0)
		return -1;
	const struct cm_tag_table *t = &v->st->tags;
	size_t keys = 0;
	for (size_t i = 0; i < t->nrows; i++)
		keys += i == 0 || strcmp(t->rows[i].key, t->rows[i - 1].key);
	if (!(v->label = calloc(t->nrows + keys + 1, sizeof(*v->label))))
		return -1;
	for (size_t i = 0; i < t->nrows;) {
		size_t j = i;
		while (j < t->nrows && !strcmp(t->rows[j].key, t->rows[i].key))
			j++;
		if (add_rows(v, t->rows + i, j - i) < 0) {
			vlabels_free_rows(v);
			return -1;
		}
		i = j;
	}
	return 0;
}

const struct cm_viewer_label_row *cm_viewer_label_row(const struct cm_viewer *v, size_t i)
{
	if (viewer_cur(v)->kind != CM_VIEWER_LABELS || i >= v->nlabel)
		return NULL;
	return &v->label[i].pub;
}
