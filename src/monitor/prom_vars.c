/* prom_vars: a /metrics body into the cells (see prom_vars.h).
 *
 * One pass over the body, every var looking at every sample: a body is a
 * few hundred to a few thousand samples and a list a handful of vars, and
 * the names are compared before anything else. What the pass finds is
 * kept aside and put into the cells only when the whole body read: a body
 * that fails at line 900 changes no cell but says why it is down.
 *
 * Choices the issue left open, made here:
 * - Several series matching a var are summed (sum()); [N] picks one in
 *   the body's order. A counter's rate is the rate of that sum (resets of
 *   the sum handled as cm_rate handles them), not a sum of rates.
 * - A histogram quantile sums the matching series' buckets by le, then
 *   takes each bucket's increase since the last poll (a bucket that went
 *   down counts from zero, as a reset) and runs promql's bucketQuantile
 *   over them: histogram_quantile(q, sum by (le) (rate(x_bucket[i]))) for
 *   i the interval. No observations in the interval: NaN, as Prometheus.
 * - A restart is process_start_time_seconds changing. */
#include "cmon/monitor/prom_vars.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/goregex.h"
#include "monitor_int.h"

#define UNESCAPE_SMALL 256 /* label values unescaped on the stack up to this */

struct acc {
	double sum;     /* of the matching samples' values */
	size_t matched;
	double picked;  /* [N]: the value of the index-th match */
	bool have_pick;
	bool counter;   /* a matching sample is a counter's */
	struct cm_prom_bucket *b; /* pNN of a histogram: buckets by le */
	size_t nb, cap;
	bool too_many;  /* more than CM_PROM_BUCKETS_MAX buckets */
};

bool cm_target_names_metrics(const struct cm_target *t, const char *endpoint)
{
	const char *p = t->path ? t->path : endpoint;
	size_t n = p ? strlen(p) : 0;
	while (n && p[n - 1] == '/')
		n--;
	return n >= 8 && !memcmp(p + n - 8, "/metrics", 8);
}

void cm_prom_hist_free(struct cm_prom_hist *h)
{
	free(h->prev);
	*h = (struct cm_prom_hist){0};
}

/* ---- matching ---- */

static bool str_is(const struct cm_prom_str *s, const char *w, size_t wn)
{
	return s->n == wn && !memcmp(s->p, w, wn);
}

/* Whether s->name is name followed by suffix. */
static bool name_is(const struct cm_prom_sample *s, const char *name, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);
	return s->name.n == n + sn && !memcmp(s->name.p, name, n) && !memcmp(s->name.p + n, suffix, sn);
}

static bool regex_matches(struct cm_goregex *re, const struct cm_prom_str *v)
{
	if (!v->escaped)
		return cm_goregex_match_n(re, v->p, v->n);
	char small[UNESCAPE_SMALL];
	size_t n = cm_prom_unescape(v, small, sizeof small);
	if (n < sizeof small)
		return cm_goregex_match_n(re, small, n);
	char *big = malloc(n + 1);
	bool hit = false; /* out of memory: no match, the var shows N/A */
	if (big) {
		cm_prom_unescape(v, big, n + 1);
		hit = cm_goregex_match_n(re, big, n);
		free(big);
	}
	return hit;
}

/* A label the sample does not carry matches as "" (Prometheus's rule). */
static bool matcher_holds(const struct cm_prom_matcher *m, const struct cm_prom_sample *s)
{
	static const struct cm_prom_str empty = {.p = "", .n = 0};
	const struct cm_prom_label *l = cm_prom_label(s, m->label);
	const struct cm_prom_str *v = l ? &l->value : &empty;
	switch (m->op) {
	case CM_PROM_EQ:
		return cm_prom_str_eq(v, m->value, m->value_len);
	case CM_PROM_NE:
		return !cm_prom_str_eq(v, m->value, m->value_len);
	case CM_PROM_RE:
		return regex_matches(m->re, v);
	case CM_PROM_NRE:
	default:
		return !regex_matches(m->re, v);
	}
}

static bool matchers_hold(const struct cm_prom_sel *p, const struct cm_prom_sample *s)
{
	for (size_t k = 0; k < p->nm; k++)
		if (!matcher_holds(&p->m[k], s))
			return false;
	return true;
}

/* A label's value as a float (le, quantile). */
static bool label_float(const struct cm_prom_sample *s, const char *name, double *out)
{
	const struct cm_prom_label *l = cm_prom_label(s, name);
	if (!l)
		return false;
	char buf[72];
	size_t n = cm_prom_unescape(&l->value, buf, sizeof buf);
	return n < sizeof buf && cm_prom_float(buf, n, out);
}

/* ---- accumulating ---- */

static void add_bucket(struct acc *a, double le, double count)
{
	for (size_t k = 0; k < a->nb; k++)
		if (a->b[k].le == le) {
			a->b[k].count += count;
			return;
		}
	if (a->nb >= CM_PROM_BUCKETS_MAX) {
		a->too_many = true;
		return;
	}
	if (a->nb == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct cm_prom_bucket *b = realloc(a->b, cap * sizeof *b);
		if (!b) {
			a->too_many = true; /* shown as N/A, as too many */
			return;
		}
		a->b = b;
		a->cap = cap;
	}
	a->b[a->nb++] = (struct cm_prom_bucket){.le = le, .count = count};
}

static void add_value(struct acc *a, const struct cm_prom_sel *p, const struct cm_prom_sample *s)
{
	if (p->pick && p->index >= 0 && (long long)a->matched == p->index) {
		a->picked = s->value;
		a->have_pick = true;
	}
	a->sum += s->value;
	a->matched++;
	a->counter |= s->type == CM_PROM_COUNTER;
}

/* Sample s into var v's accumulator, when it matches. */
static void take_sample(struct acc *a, const struct cm_var *v, const struct cm_prom_sample *s)
{
	const struct cm_prom_sel *p = &v->prom;
	if (s->name.p[0] != p->name[0]) /* most samples: not this var's */
		return;
	size_t n = p->name_len;
	double x;
	if (!isnan(p->quantile)) {
		if (name_is(s, p->name, n, "_bucket") && label_float(s, "le", &x) && matchers_hold(p, s))
			add_bucket(a, x, s->value);
		else if (name_is(s, p->name, n, "") && label_float(s, "quantile", &x) &&
			 fabs(x - p->quantile) < 1e-9 && matchers_hold(p, s))
			add_value(a, p, s);
		return;
	}
	bool named = name_is(s, p->name, n, "") ||
		     (s->type == CM_PROM_COUNTER && name_is(s, p->name, n, "_total") &&
		      str_is(&s->family, p->name, n)); /* OpenMetrics: foo is foo_total */
	if (named && matchers_hold(p, s))
		add_value(a, p, s);
}

/* The [-N] vars: the match count known, a second pass picks them. */
static bool needs_second_pass(const struct cm_var_list *vars, const struct acc *acc)
{
	for (size_t k = 0; k < vars->n; k++) {
		const struct cm_prom_sel *p = &vars->v[k].prom;
		if (p->name && p->pick && p->index < 0 && (long long)acc[k].matched + p->index >= 0)
			return true;
	}
	return false;
}

static void second_pass(const struct cm_var_list *vars, struct acc *acc, const char *body,
			size_t len, bool om)
{
	struct cm_prom_reader r;
	struct cm_prom_sample s;
	size_t *want = calloc(vars->n, sizeof *want), *seen = calloc(vars->n, sizeof *seen);
	if (!want || !seen)
		goto out; /* out of memory: those vars stay N/A */
	for (size_t k = 0; k < vars->n; k++) {
		const struct cm_prom_sel *p = &vars->v[k].prom;
		if (p->name && p->pick && p->index < 0 && (long long)acc[k].matched + p->index >= 0)
			want[k] = (size_t)((long long)acc[k].matched + p->index) + 1;
	}
	cm_prom_begin(&r, body, len, om);
	while (cm_prom_next(&r, &s) == 1)
		for (size_t k = 0; k < vars->n; k++) {
			if (!want[k])
				continue;
			struct acc one = {0};
			take_sample(&one, &vars->v[k], &s);
			if (one.matched && ++seen[k] == want[k]) {
				acc[k].picked = s.value;
				acc[k].have_pick = true;
			}
			free(one.b);
		}
out:
	free(want);
	free(seen);
}

/* Reads the body into acc (one per var); -1 with the reason in err. */
static int read_body(struct cm_monitor *m, struct cm_service *svc, struct acc *acc,
		     const char *body, size_t len, double now, char *err, size_t errlen)
{
	struct cm_prom_reader r;
	struct cm_prom_sample s;
	int rc;
	double start = -1;
	cm_prom_begin(&r, body, len, svc->openmetrics);
	while ((rc = cm_prom_next(&r, &s)) == 1) {
		if (str_is(&s.name, "process_start_time_seconds", 26) && isfinite(s.value))
			start = s.value;
		for (size_t k = 0; k < m->vars.n; k++)
			if (m->vars.v[k].prom.name)
				take_sample(&acc[k], &m->vars.v[k], &s);
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	if (needs_second_pass(&m->vars, acc))
		second_pass(&m->vars, acc, body, len, svc->openmetrics);
	if (start >= 0) {
		if (svc->start_time >= 0 && start != svc->start_time)
			cm_monitor_restarted(svc, now);
		svc->start_time = start;
	}
	return 0;
}

/* ---- values ---- */

/* The quantile over the buckets' increase since the last poll; the
 * buckets become the last poll's. NaN before a second poll. */
static double hist_quantile(struct cm_prom_hist *h, struct acc *a, double q)
{
	a->nb = cm_prom_buckets_merge(a->b, a->nb);
	struct cm_prom_bucket *delta = a->nb ? malloc(a->nb * sizeof *delta) : NULL;
	double out = NAN;
	if (delta && h->have) {
		size_t j = 0;
		for (size_t k = 0; k < a->nb; k++) {
			while (j < h->n && h->prev[j].le < a->b[k].le)
				j++;
			double before = j < h->n && h->prev[j].le == a->b[k].le ? h->prev[j].count : 0;
			double now = a->b[k].count;
			delta[k] = (struct cm_prom_bucket){a->b[k].le, now >= before ? now - before : now};
		}
		size_t n = a->nb;
		out = cm_prom_bucket_quantile(q, delta, &n);
	}
	free(delta);
	free(h->prev); /* the current buckets are the next poll's base */
	h->prev = a->b;
	h->n = a->nb;
	h->have = true;
	a->b = NULL;
	a->nb = a->cap = 0;
	return out;
}

/* In the var's unit: a duration's metric unit into the var's. */
static struct cm_value number(const struct cm_var *v, double x)
{
	if (v->kind == CM_KIND_DURATION && v->unit_ns > 0)
		x = x * v->prom.unit_ns / v->unit_ns;
	struct cm_value out = {.state = CM_VALUE_NUMBER, .num = x};
	if (isfinite(x) && x == floor(x) && fabs(x) < 9007199254740992.0) {
		out.integer = true;
		out.i = (long long)x;
	}
	return out;
}

static struct cm_value value_of(struct cm_var *v, struct cm_cell *c, struct acc *a)
{
	struct cm_value na = {.state = CM_VALUE_NA};
	const struct cm_prom_sel *p = &v->prom;
	if (!p->name)
		return na;
	if (!isnan(p->quantile) && (a->nb || a->too_many)) {
		if (a->too_many)
			return na;
		bool first = !c->hist.have;
		double q = hist_quantile(&c->hist, a, p->quantile);
		return first ? na : number(v, q); /* no interval yet, as a rate */
	}
	if (!a->matched || (p->pick && !a->have_pick))
		return na;
	/* a counter by its type or its name is a rate, unless raw: */
	if (!v->rate && !p->raw && isnan(p->quantile) && (a->counter || cm_prom_counter_name(p->name)))
		v->rate = true;
	return number(v, p->pick ? a->picked : a->sum);
}

/* The first time var v matches nothing: the nearest metric name the body
 * has (within a third of the name's length, at least 2 edits, as for
 * expvar paths), for "did you mean". Only for a var the person wrote as
 * a metric: a pair's title is its expvar path, whose suggestion comes
 * from expvar bodies. */
static void suggest_metric(struct cm_var_seen *seen, const struct cm_var *v, const char *body,
			   size_t len, bool om)
{
	if (seen->found || seen->suggested || (cm_var_has_expvar(v) && strcmp(v->title, v->prom.name)))
		return;
	seen->suggested = true;
	seen->suggestion[0] = '\0';
	size_t want = v->prom.name_len, best = (want / 3 > 2 ? want / 3 : 2) + 1;
	struct cm_prom_reader r;
	struct cm_prom_sample *smp = malloc(sizeof *smp);
	if (!smp)
		return; /* out of memory: no suggestion */
	cm_prom_begin(&r, body, len, om);
	while (cm_prom_next(&r, smp) == 1) {
		char name[CM_VAR_SUGGEST_MAX];
		if (smp->name.n >= sizeof name)
			continue;
		memcpy(name, smp->name.p, smp->name.n);
		name[smp->name.n] = '\0';
		size_t d = cm_edit_distance(v->prom.name, name, best - 1);
		if (d < best) {
			best = d;
			memcpy(seen->suggestion, name, smp->name.n + 1);
		}
	}
	free(smp);
}

static void put_values(struct cm_monitor *m, struct cm_service *s, struct acc *acc, double now,
		       const char *body, size_t len)
{
	for (size_t k = 0; k < m->vars.n && k < s->ncells; k++) {
		struct cm_var *v = &m->vars.v[k];
		/* present even while its rate or quantile waits for a second poll */
		struct cm_value found = {.state = acc[k].matched || acc[k].nb || acc[k].too_many
							  ? CM_VALUE_NUMBER : CM_VALUE_NA};
		struct cm_value val = value_of(v, &s->cells[k], &acc[k]);
		cm_monitor_set_cell(&s->cells[k], v, val, now);
		if (k >= m->nseen)
			continue;
		if (found.state == CM_VALUE_NA && v->prom.name)
			suggest_metric(&m->seen[k], v, body, len, s->openmetrics);
		cm_var_seen_note(&m->seen[k], v, &found, &m->doc);
	}
}

int cm_prom_vars_result(struct cm_monitor *m, size_t i, const char *body, size_t len, double now)
{
	struct cm_service *s = &m->svc[i];
	struct acc *acc = calloc(m->vars.n ? m->vars.n : 1, sizeof *acc);
	if (!acc || cm_monitor_ensure_cells(m, s, m->vars.n) || cm_monitor_ensure_seen(m)) {
		free(acc);
		return -1;
	}
	char err[CM_PROM_ERR_MAX], why[192];
	if (read_body(m, s, acc, body, len, now, err, sizeof err) < 0) {
		snprintf(why, sizeof why, "bad /metrics: %s", err);
		cm_monitor_mark_down(m, s, why, now);
	} else {
		put_values(m, s, acc, now, body, len);
		s->state = CM_SVC_UP;
		s->error[0] = '\0';
		s->last_update = now;
	}
	for (size_t k = 0; k < m->vars.n; k++)
		free(acc[k].b);
	free(acc);
	return 0;
}
