/* fleet: the table's heat map and totals; see fleet.h. */
#include "cmon/monitor/fleet.h"

#include <math.h>
#include <string.h>

bool cm_fleet_value(const struct cm_monitor *m, size_t i, size_t j, double *x)
{
	if (i >= m->nsvc || j >= m->vars.n || m->vars.v[j].kind == CM_KIND_STRING)
		return false;
	const struct cm_service *s = &m->svc[i];
	if (s->state != CM_SVC_UP || j >= s->ncells)
		return false;
	const struct cm_value *v = &s->cells[j].value;
	if (v->state != CM_VALUE_NUMBER || !isfinite(v->num))
		return false;
	*x = v->num;
	return true;
}

bool cm_fleet_range(const struct cm_monitor *m, const size_t *rows, size_t n, size_t j,
		    double *lo, double *hi)
{
	bool any = false;
	for (size_t r = 0; r < n; r++) {
		double x;
		if (!cm_fleet_value(m, rows[r], j, &x))
			continue;
		*lo = any && *lo < x ? *lo : x;
		*hi = any && *hi > x ? *hi : x;
		any = true;
	}
	return any;
}

bool cm_fleet_window_range(const struct cm_monitor *m, const size_t *rows, size_t n, size_t j,
			   uint32_t nsamples, double *lo, double *hi)
{
	bool any = false;
	for (size_t r = 0; r < n && nsamples; r++) {
		const struct cm_service *s = rows[r] < m->nsvc ? &m->svc[rows[r]] : NULL;
		double a, b;
		if (!s || j >= s->ncells || !cm_series_minmax(&s->cells[j].series, nsamples, &a, &b))
			continue;
		*lo = any && *lo < a ? *lo : a;
		*hi = any && *hi > b ? *hi : b;
		any = true;
	}
	return any;
}

int cm_heat_step(double x, double lo, double hi)
{
	if (!isfinite(x) || !isfinite(lo) || !isfinite(hi) || !(hi > lo))
		return 0;
	double f = (x - lo) / (hi - lo); /* hi - lo may overflow to inf: f is then 0 */
	if (!(f > 0))
		return 1;
	int step = 1 + (int)(f * CM_HEAT_STEPS);
	return step > CM_HEAT_STEPS ? CM_HEAT_STEPS : step;
}

const char *cm_agg_name(enum cm_agg a)
{
	static const char *const names[] = {"sum", "mean", "max"};
	return a < CM_AGG_COUNT ? names[a] : "?";
}

bool cm_var_is_counter(const struct cm_var *v)
{
	static const char *const counters[] = {"memstats.TotalAlloc", "memstats.Mallocs",
					       "memstats.Frees", "memstats.Lookups",
					       "memstats.NumGC", "memstats.NumForcedGC",
					       "memstats.PauseTotalNs"};
	if (v->rate)
		return true;
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++)
		if (v->title && !strcmp(v->title, counters[k]))
			return true;
	return false;
}

struct cm_total cm_fleet_total(const struct cm_monitor *m, const size_t *rows, size_t n,
			       size_t j, enum cm_agg gauges)
{
	struct cm_total t = {CM_AGG_SUM, 0, 0};
	if (j >= m->vars.n)
		return t;
	if (!cm_var_is_counter(&m->vars.v[j]) && gauges < CM_AGG_COUNT)
		t.agg = gauges;
	double sum = 0, max = -INFINITY;
	for (size_t r = 0; r < n; r++) {
		double x;
		if (!cm_fleet_value(m, rows[r], j, &x))
			continue;
		sum += x;
		max = x > max ? x : max;
		t.count++;
	}
	if (!t.count)
		return t;
	t.value = t.agg == CM_AGG_MAX ? max : t.agg == CM_AGG_MEAN ? sum / (double)t.count : sum;
	return t;
}
