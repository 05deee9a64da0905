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
	cm_goregex_free(o->search);
	free(o->rows);
	free(o->grp);
	free(o->grp_count);
	free(o->scratch);
	free(o->in);
	free(o->keys);
	free(o->lines);
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

/* re matches "name address" of service i. */
static bool re_matches(struct cm_goregex *re, const struct cm_monitor *m, size_t i)
{
	char text[NAME_MAX_TEXT + 160];
	size_t n;
	cm_svc_label(text, NAME_MAX_TEXT, m, i);
	n = strlen(text);
	snprintf(text + n, sizeof(text) - n, " %s", m->svc[i].target->display);
	return cm_goregex_match(re, text);
}

bool cm_svc_order_matches(const struct cm_svc_order *o, const struct cm_monitor *m, size_t i)
{
	return !o->filter || re_matches(o->filter, m, i);
}

bool cm_svc_order_hit(const struct cm_svc_order *o, const struct cm_monitor *m, size_t i)
{
	return o->search && i < m->nsvc && re_matches(o->search, m, i);
}

size_t cm_svc_order_next_hit(const struct cm_svc_order *o, const struct cm_monitor *m,
			     size_t row, int dir)
{
	if (!o->search || !o->n)
		return SIZE_MAX;
	/* from no selection: the first row (dir 1) or the last one is next */
	size_t r = row < o->n ? row : dir > 0 ? o->n - 1 : 0;
	for (size_t step = 0; step < o->n; step++) {
		r = dir > 0 ? (r + 1) % o->n : (r + o->n - 1) % o->n;
		if (cm_svc_order_hit(o, m, o->rows[r]))
			return r;
	}
	return SIZE_MAX;
}

/* Grows *p to n entries of size bytes (n at least 1); false when out of
 * memory (*p is then unchanged). */
static bool grow(void **p, size_t n, size_t size)
{
	void *q = realloc(*p, (n ? n : 1) * size);
	if (q)
		*p = q;
	return q != NULL;
}

/* Grows the per-service buffers (rows, the partition's scratch, the
 * filter's marks, the sort's keys) to n entries, once: an update of the
 * same services allocates nothing. */
static int ensure_cap(struct cm_svc_order *o, size_t n)
{
	if (o->cap >= n)
		return 0;
	/* those that grew stay grown; cap says what all of them have */
	if (!grow((void **)&o->rows, n, sizeof(*o->rows)) ||
	    !grow((void **)&o->scratch, n, sizeof(*o->scratch)) ||
	    !grow((void **)&o->in, n, sizeof(*o->in)) ||
	    !grow(&o->keys, n, sizeof(struct sort_key)))
		return -1;
	o->cap = n;
	return 0;
}

/* ---- groups by host ---- */

const char *cm_svc_host(const struct cm_monitor *m, size_t i)
{
	const struct cm_target *t = m->svc[i].target;
	return t->ssh ? t->ssh : t->host ? t->host : "";
}

struct host_key {
	const char *host;
	size_t i;
};

static int host_cmp(const void *pa, const void *pb)
{
	const struct host_key *a = pa, *b = pb;
	int c = strcmp(a->host, b->host);
	return c ? c : a->i < b->i ? -1 : a->i > b->i;
}

/* Each service's group: the rank of its host among the distinct hosts
 * (one sort, so a thousand hosts cost no more than one). Computed again
 * only when the monitor's targets change. */
static int assign_groups(struct cm_svc_order *o, const struct cm_monitor *m)
{
	if (o->grp && o->grp_n == m->nsvc && o->grp_of == (const void *)m->targets.v)
		return 0;
	size_t n = m->nsvc;
	struct host_key *k = malloc((n ? n : 1) * sizeof(*k));
	size_t *g = malloc((n ? n : 1) * sizeof(*g));
	/* at most n groups: their counts, then their places (partition) */
	size_t *count = malloc(2 * (n + 1) * sizeof(*count));
	if (!k || !g || !count) {
		free(k);
		free(g);
		free(count);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		k[i] = (struct host_key){cm_svc_host(m, i), i};
	qsort(k, n, sizeof(*k), host_cmp);
	size_t ng = 0;
	for (size_t j = 0; j < n; j++) {
		if (j && strcmp(k[j].host, k[j - 1].host))
			ng++;
		g[k[j].i] = ng;
	}
	free(k);
	free(o->grp);
	free(o->grp_count);
	o->grp = g;
	o->grp_count = count;
	o->grp_n = n;
	o->ngroups = n ? ng + 1 : 0;
	o->grp_of = m->targets.v;
	return 0;
}

bool cm_svc_order_grouped(const struct cm_svc_order *o)
{
	return o->nlines > o->n;
}

static int ensure_lines(struct cm_svc_order *o, size_t n)
{
	if (o->lines_cap >= n)
		return 0;
	struct cm_svc_line *l = realloc(o->lines, (n ? n : 1) * sizeof(*l));
	if (!l)
		return -1;
	o->lines = l;
	o->lines_cap = n;
	return 0;
}

/* Rows partitioned by group, stably (a counting sort: the sort order holds
 * inside each group), with a heading line before each group: O(rows).
 * Groups come in the order of their first row: sorted by a column, the
 * host of the busiest service is first, and that service on the first
 * row; as listed, hosts come as the command line names them. */
static void partition(struct cm_svc_order *o)
{
	size_t ng = o->ngroups, *counts = o->grp_count, *place = o->grp_count + ng + 1;
	size_t seen = 0;
	for (size_t g = 0; g < ng; g++)
		place[g] = SIZE_MAX;
	for (size_t r = 0; r < o->n; r++)
		if (place[o->grp[o->rows[r]]] == SIZE_MAX)
			place[o->grp[o->rows[r]]] = seen++;
	memset(counts, 0, (ng + 1) * sizeof(*counts));
	for (size_t r = 0; r < o->n; r++)
		counts[place[o->grp[o->rows[r]]] + 1]++;
	for (size_t g = 0; g < seen; g++)
		counts[g + 1] += counts[g]; /* counts[p]: where the p-th group starts */
	for (size_t r = 0; r < o->n; r++)
		o->scratch[counts[place[o->grp[o->rows[r]]]]++] = o->rows[r];
	memcpy(o->rows, o->scratch, o->n * sizeof(*o->rows));
	size_t l = 0;
	for (size_t r = 0; r < o->n;) {
		size_t g = o->grp[o->rows[r]], end = r;
		while (end < o->n && o->grp[o->rows[end]] == g)
			end++;
		o->lines[l++] = (struct cm_svc_line){true, r, end - r};
		for (; r < end; r++)
			o->lines[l++] = (struct cm_svc_line){false, r, 1};
	}
	o->nlines = l;
}

/* The table's lines for the rows just computed. */
static int make_lines(struct cm_svc_order *o, const struct cm_monitor *m)
{
	bool several = false;
	o->nlines = 0; /* out of memory: no lines rather than stale ones */
	if (o->group && m->nsvc > 1) {
		if (assign_groups(o, m) < 0)
			return -1;
		for (size_t r = 1; r < o->n && !several; r++)
			several = o->grp[o->rows[r]] != o->grp[o->rows[0]];
	}
	if (ensure_lines(o, o->n + (several ? o->ngroups : 0)) < 0)
		return -1;
	if (several) {
		partition(o);
		return 0;
	}
	for (size_t r = 0; r < o->n; r++)
		o->lines[r] = (struct cm_svc_line){false, r, 1};
	o->nlines = o->n;
	return 0;
}

size_t cm_svc_order_line_of(const struct cm_svc_order *o, size_t row)
{
	if (row >= o->n)
		return SIZE_MAX;
	if (!cm_svc_order_grouped(o))
		return row;
	for (size_t l = 0; l < o->nlines; l++)
		if (!o->lines[l].heading && o->lines[l].row == row)
			return l;
	return SIZE_MAX;
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
	if (ensure_cap(o, m->nsvc) < 0)
		return -1;
	bool *in = o->in;
	size_t n = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		n += in[i] = cm_svc_order_matches(o, m, i);
	if (!force && now - o->last_move < o->hold) {
		update_held(o, m, in);
		return make_lines(o, m);
	}
	struct sort_key *keys = o->keys;
	size_t k = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		if (in[i])
			key_of(&keys[k++], o, m, i);
	qsort(keys, k, sizeof(*keys), key_cmp);
	for (size_t r = 0; r < k; r++)
		o->rows[r] = keys[r].i;
	o->n = k;
	return make_lines(o, m);
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

/* Compiles re into *slot and its text (cap bytes), replacing what was
 * there; "" or NULL empties both. what names it in errors. */
static int set_regex(struct cm_goregex **slot, char *text, size_t cap, const char *what,
		     const char *re, char *err, size_t errlen)
{
	struct cm_goregex *g = NULL;
	if (re && *re) {
		if (strlen(re) >= cap) {
			snprintf(err, errlen, "%s longer than %zu bytes", what, cap - 1);
			return -1;
		}
		if (!(g = cm_goregex_compile(re, err, errlen)))
			return -1;
	}
	cm_goregex_free(*slot);
	*slot = g;
	snprintf(text, cap, "%s", g ? re : "");
	return 0;
}

int cm_svc_order_set_filter(struct cm_svc_order *o, const char *re, char *err, size_t errlen)
{
	return set_regex(&o->filter, o->filter_text, sizeof(o->filter_text), "filter", re, err,
			 errlen);
}

int cm_svc_order_set_search(struct cm_svc_order *o, const char *re, char *err, size_t errlen)
{
	return set_regex(&o->search, o->search_text, sizeof(o->search_text), "search", re, err,
			 errlen);
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
