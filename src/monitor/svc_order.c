/* svc_order: the several-services screen's rows, sorted and filtered; see
 * svc_order.h. */
#include "cmon/monitor/svc_order.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_TEXT 96

void cm_svc_order_init(struct cm_svc_order *o, double hold)
{
	memset(o, 0, sizeof(*o));
	o->hold = hold;
	o->last_move = -INFINITY;
}

void cm_svc_order_free(struct cm_svc_order *o)
{
	cm_goregex_free(o->filter);
	free(o->rows);
	memset(o, 0, sizeof(*o));
}

/* One service as the sort sees it. */
struct sort_key {
	size_t i;
	int cls;      /* first compared: values before N/A, down before up */
	double value; /* VAR sorts */
	char name[NAME_MAX_TEXT];
};

static int state_rank(const struct cm_service *s)
{
	if (s->state == CM_SVC_DOWN)
		return 0;
	if (s->restarted_at > 0)
		return 1;
	return s->state == CM_SVC_WAITING ? 2 : 3;
}

static void key_of(struct sort_key *k, const struct cm_svc_order *o, const struct cm_monitor *m,
		   size_t i)
{
	const struct cm_service *s = &m->svc[i];
	k->i = i;
	k->cls = 0;
	k->value = 0;
	k->name[0] = '\0';
	switch (o->sort) {
	case CM_SORT_VAR_DESC:
	case CM_SORT_VAR_ASC: {
		const struct cm_cell *c = o->var < s->ncells ? &s->cells[o->var] : NULL;
		bool number = c && s->state == CM_SVC_UP && c->value.state == CM_VALUE_NUMBER &&
			      !isnan(c->value.num);
		k->cls = number ? 0 : 1; /* N/A, text and down services last either way */
		k->value = number ? (o->sort == CM_SORT_VAR_DESC ? -c->value.num : c->value.num) : 0;
		break;
	}
	case CM_SORT_NAME:
		cm_svc_label(k->name, sizeof(k->name), m, i);
		break;
	case CM_SORT_STATE:
		k->cls = state_rank(s);
		break;
	case CM_SORT_LISTED:
	default:
		break;
	}
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct sort_key *a = pa, *b = pb;
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->i < b->i ? -1 : a->i > b->i; /* ties: the command line's order */
}

bool cm_svc_order_matches(const struct cm_svc_order *o, const struct cm_monitor *m, size_t i)
{
	if (!o->filter)
		return true;
	char text[NAME_MAX_TEXT + 160];
	size_t n;
	cm_svc_label(text, NAME_MAX_TEXT, m, i);
	n = strlen(text);
	snprintf(text + n, sizeof(text) - n, " %s", m->svc[i].target->display);
	return cm_goregex_match(o->filter, text);
}

static int ensure_cap(struct cm_svc_order *o, size_t n)
{
	if (o->cap >= n)
		return 0;
	size_t *r = realloc(o->rows, (n ? n : 1) * sizeof(*r));
	if (!r)
		return -1;
	o->rows = r;
	o->cap = n;
	return 0;
}

/* Held: the rows keep their order; services that no longer match leave,
 * ones that newly match go last. */
static void update_held(struct cm_svc_order *o, const struct cm_monitor *m, bool *in)
{
	size_t out = 0;
	for (size_t r = 0; r < o->n; r++) {
		size_t i = o->rows[r];
		if (i < m->nsvc && in[i]) {
			o->rows[out++] = i;
			in[i] = false;
		}
	}
	for (size_t i = 0; i < m->nsvc; i++)
		if (in[i])
			o->rows[out++] = i;
	o->n = out;
}

int cm_svc_order_update(struct cm_svc_order *o, const struct cm_monitor *m, double now,
			bool force)
{
	bool *in = calloc(m->nsvc ? m->nsvc : 1, sizeof(*in));
	if (!in || ensure_cap(o, m->nsvc) < 0) {
		free(in);
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		n += in[i] = cm_svc_order_matches(o, m, i);
	if (!force && now - o->last_move < o->hold) {
		update_held(o, m, in);
		free(in);
		return 0;
	}
	struct sort_key *keys = malloc((n ? n : 1) * sizeof(*keys));
	if (!keys) {
		free(in);
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		if (in[i])
			key_of(&keys[k++], o, m, i);
	qsort(keys, k, sizeof(*keys), key_cmp);
	for (size_t r = 0; r < k; r++)
		o->rows[r] = keys[r].i;
	o->n = k;
	free(keys);
	free(in);
	return 0;
}

void cm_svc_order_cycle_var(struct cm_svc_order *o, size_t var)
{
	bool same = o->var == var && (o->sort == CM_SORT_VAR_DESC || o->sort == CM_SORT_VAR_ASC);
	o->var = var;
	if (!same)
		o->sort = CM_SORT_VAR_DESC;
	else
		o->sort = o->sort == CM_SORT_VAR_DESC ? CM_SORT_VAR_ASC : CM_SORT_LISTED;
}

void cm_svc_order_cycle_other(struct cm_svc_order *o)
{
	o->sort = o->sort == CM_SORT_NAME ? CM_SORT_STATE : o->sort == CM_SORT_STATE ? CM_SORT_LISTED
										     : CM_SORT_NAME;
}

void cm_svc_order_describe(const struct cm_svc_order *o, const struct cm_monitor *m, char *buf,
			   size_t len)
{
	switch (o->sort) {
	case CM_SORT_VAR_DESC:
	case CM_SORT_VAR_ASC:
		snprintf(buf, len, "by %s %s", o->var < m->vars.n ? m->vars.v[o->var].label : "?",
			 o->sort == CM_SORT_VAR_DESC ? "(highest first)" : "(lowest first)");
		break;
	case CM_SORT_NAME:
		snprintf(buf, len, "by name");
		break;
	case CM_SORT_STATE:
		snprintf(buf, len, "by state (down first)");
		break;
	case CM_SORT_LISTED:
	default:
		buf[0] = '\0';
		break;
	}
}

int cm_svc_order_set_filter(struct cm_svc_order *o, const char *re, char *err, size_t errlen)
{
	struct cm_goregex *g = NULL;
	if (re && *re) {
		if (strlen(re) >= sizeof(o->filter_text)) {
			snprintf(err, errlen, "filter longer than %zu bytes", sizeof(o->filter_text) - 1);
			return -1;
		}
		if (!(g = cm_goregex_compile(re, err, errlen)))
			return -1;
	}
	cm_goregex_free(o->filter);
	o->filter = g;
	snprintf(o->filter_text, sizeof(o->filter_text), "%s", g ? re : "");
	return 0;
}

size_t cm_svc_order_row_of(const struct cm_svc_order *o, size_t i)
{
	for (size_t r = 0; r < o->n; r++)
		if (o->rows[r] == i)
			return r;
	return SIZE_MAX;
}

void cm_svc_order_remap(struct cm_svc_order *o, const size_t *to, size_t nold)
{
	size_t out = 0;
	for (size_t r = 0; r < o->n; r++)
		if (o->rows[r] < nold && to[o->rows[r]] != SIZE_MAX)
			o->rows[out++] = to[o->rows[r]];
	o->n = out;
}

void cm_svc_order_moved(struct cm_svc_order *o, double now)
{
	o->last_move = now;
}
