#include "cmon/monitor/series.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* A ring larger than this is a caller's mistake, not a wish: it would only
 * cost memory per var per service. */
#define SERIES_CAP_MAX (1u << 20)

/* The float a sample is kept as. Non-finite values become gaps (a graph
 * cannot place infinity), and finite ones past float's range are held at
 * its edge: converting them would be undefined behaviour. */
static float to_sample(double x)
{
	if (!isfinite(x))
		return NAN;
	if (x > FLT_MAX)
		return FLT_MAX;
	if (x < -FLT_MAX)
		return -FLT_MAX;
	return (float)x;
}

int cm_series_push(struct cm_series *s, double x)
{
	if (!s->v) {
		if (s->cap == 0)
			s->cap = CM_SERIES_CAP;
		if (s->cap > SERIES_CAP_MAX)
			s->cap = SERIES_CAP_MAX;
		s->v = malloc(s->cap * sizeof *s->v);
		if (!s->v)
			return -1;
		s->len = 0;
		s->head = 0;
	}
	s->v[s->head] = to_sample(x);
	s->head = (s->head + 1) % s->cap;
	if (s->len < s->cap)
		s->len++;
	return 0;
}

double cm_series_back(const struct cm_series *s, uint32_t i)
{
	if (!s->v || i >= s->len)
		return NAN;
	return s->v[(s->head + s->cap - 1 - i) % s->cap];
}

bool cm_series_minmax(const struct cm_series *s, uint32_t n, double *min, double *max)
{
	bool any = false;
	if (n > s->len)
		n = s->len;
	for (uint32_t i = 0; i < n; i++) {
		double x = cm_series_back(s, i);
		if (isnan(x))
			continue;
		if (!any || x < *min)
			*min = x;
		if (!any || x > *max)
			*max = x;
		any = true;
	}
	return any;
}

void cm_series_free(struct cm_series *s)
{
	free(s->v);
	*s = (struct cm_series){0};
}

double cm_rate_update(struct cm_rate *r, double value, double t)
{
	/* A NaN or infinite reading would poison every later rate: skip it
	 * and keep the last good one as the base. */
	if (!isfinite(value) || !isfinite(t))
		return NAN;
	if (!r->have || t <= r->last_t) {
		/* First sample, or the clock did not advance (or went back):
		 * no interval to divide by; start again from here. */
		r->have = true;
		r->last = value;
		r->last_t = t;
		return NAN;
	}
	double increase = value >= r->last ? value - r->last : value;
	double rate = increase / (t - r->last_t);
	r->last = value;
	r->last_t = t;
	return rate;
}
