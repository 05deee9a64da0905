#include "cmon/monitor/series.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* A ring larger than this is a caller's mistake, not a wish: it would only
 * cost memory per var per service. */
#define SERIES_CAP_MAX (1u << 20)

/* True when the ring of floats can hold x exactly (NaN: a gap). Past
 * float's range the conversion would be undefined, so that is checked
 * first. */
static bool fits_float(double x)
{
	return isnan(x) || (fabs(x) <= FLT_MAX && (double)(float)x == x);
}

static int alloc_ring(struct cm_series *s)
{
	if (s->cap == 0)
		s->cap = CM_SERIES_CAP;
	if (s->cap > SERIES_CAP_MAX)
		s->cap = SERIES_CAP_MAX;
	s->v = malloc(s->cap * sizeof *s->v);
	if (!s->v)
		return -1;
	s->len = 0;
	s->head = 0;
	return 0;
}

/* The ring of floats becomes one of doubles, the samples held kept. */
static int widen(struct cm_series *s)
{
	double *w = malloc(s->cap * sizeof *w);
	if (!w)
		return -1;
	for (uint32_t i = 0; i < s->len; i++) {
		uint32_t k = (s->head + s->cap - 1 - i) % s->cap;
		w[k] = s->v[k];
	}
	free(s->v);
	s->v = NULL;
	s->wide = w;
	return 0;
}

int cm_series_push(struct cm_series *s, double x)
{
	if (!isfinite(x))
		x = NAN;
	if (!s->v && !s->wide && alloc_ring(s) < 0)
		return -1;
	if (!s->wide && !fits_float(x) && widen(s) < 0)
		return -1;
	if (s->wide)
		s->wide[s->head] = x;
	else
		s->v[s->head] = (float)x;
	s->head = (s->head + 1) % s->cap;
	if (s->len < s->cap)
		s->len++;
	return 0;
}

double cm_series_back(const struct cm_series *s, uint32_t i)
{
	if ((!s->v && !s->wide) || i >= s->len)
		return NAN;
	uint32_t k = (s->head + s->cap - 1 - i) % s->cap;
	return s->wide ? s->wide[k] : s->v[k];
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
	free(s->wide);
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
