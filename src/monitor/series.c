#include "cmon/monitor/series.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* A ring larger than this is a caller's mistake, not a wish: it would only
 * cost memory per var per service. */
#define SERIES_CAP_MAX CM_HISTORY_CAP_MAX

/* The first allocation: a run that stops early costs little. */
#define FIRST_ALLOC 64u

/* Each tier's buckets are this many times as wide as the one before. */
#define TIER_FACTOR 10

/* One tier of older history: rings of buckets (min, max, mean; the last
 * tier also each bucket's count of values, which its merges weigh by) and
 * the bucket being filled. Bucket j holds slots [j * width, (j + 1) * width);
 * the ring's i-th newest is bucket cur - 1 - i. */
struct cm_series_tier {
	struct cm_series min, max, mean, count;
	uint64_t width;
	uint64_t cur;
	double amin, amax, asum;
	uint64_t an; /* values (not gaps) in the bucket being filled */
	bool last;
};

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
	s->alloc = s->cap < FIRST_ALLOC ? s->cap : FIRST_ALLOC;
	s->v = malloc(s->alloc * sizeof *s->v);
	if (!s->v)
		return -1;
	s->len = 0;
	s->head = 0;
	return 0;
}

/* The ring is full up to what is allocated and has not wrapped yet (it
 * never wraps before alloc reaches cap): twice as much, at most cap. */
static int grow(struct cm_series *s)
{
	uint32_t n = s->alloc > s->cap / 2 ? s->cap : s->alloc * 2;
	if (s->wide) {
		double *w = realloc(s->wide, n * sizeof *w);
		if (!w)
			return -1;
		s->wide = w;
	} else {
		float *v = realloc(s->v, n * sizeof *v);
		if (!v)
			return -1;
		s->v = v;
	}
	s->alloc = n;
	return 0;
}

/* The ring of floats becomes one of doubles, the samples held kept. */
static int widen(struct cm_series *s)
{
	double *w = malloc(s->alloc * sizeof *w);
	if (!w)
		return -1;
	for (uint32_t i = 0; i < s->len; i++) {
		uint32_t k = (s->head + s->alloc - 1 - i) % s->alloc;
		w[k] = s->v[k];
	}
	free(s->v);
	s->v = NULL;
	s->wide = w;
	return 0;
}

/* Room for x in the next slot: the ring allocated, grown, widened as x
 * needs, so that writing it allocates nothing. */
static int reserve(struct cm_series *s, double x)
{
	if (!isfinite(x))
		x = NAN;
	if (!s->v && !s->wide && alloc_ring(s) < 0)
		return -1;
	if (s->head == s->alloc && grow(s) < 0)
		return -1;
	if (!s->wide && !fits_float(x) && widen(s) < 0)
		return -1;
	return 0;
}

static int push_slot(struct cm_series *s, double x);

/* Buckets a tier of a series of cap samples keeps: a fifth of cap, so
 * that the x10 tier reaches twice as far back as the samples do. */
static uint32_t tier_buckets(uint32_t cap)
{
	return cap / 5 < 16 ? 16 : cap / 5;
}

static void tier_free(struct cm_series_tier *t)
{
	cm_series_free(&t->min);
	cm_series_free(&t->max);
	cm_series_free(&t->mean);
	cm_series_free(&t->count);
}

/* The bucket being filled goes into the rings (a bucket of gaps only
 * is a gap); the next one starts empty. The rings move together or not
 * at all (their i-th newest is one bucket): out of memory, the tier
 * starts again empty from the next bucket, and says so with -1. */
static int tier_close(struct cm_series_tier *t)
{
	bool any = t->an > 0;
	double v[4] = {any ? t->amin : NAN, any ? t->amax : NAN,
		       any ? t->asum / (double)t->an : NAN, (double)t->an};
	struct cm_series *ring[4] = {&t->min, &t->max, &t->mean, &t->count};
	int n = t->last ? 4 : 3, rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = reserve(ring[i], v[i]);
	t->an = 0;
	t->asum = 0;
	t->cur++;
	if (rc < 0) {
		for (int i = 0; i < n; i++) {
			uint32_t cap = ring[i]->cap;
			cm_series_free(ring[i]);
			ring[i]->cap = cap;
		}
		return -1;
	}
	for (int i = 0; i < n; i++)
		push_slot(ring[i], v[i]); /* cannot fail now: no tiers, room reserved */
	return 0;
}

static void acc_add(struct cm_series_tier *t, double mn, double mx, double sum, uint64_t n)
{
	if (!n)
		return;
	if (!t->an || mn < t->amin)
		t->amin = mn;
	if (!t->an || mx > t->amax)
		t->amax = mx;
	t->asum += sum;
	t->an += n;
}

/* The ring's bucket number j (cur - len <= j < cur) as min, max, sum and
 * count. */
static uint64_t tier_bucket(const struct cm_series_tier *t, uint64_t j, double *mn, double *mx,
			    double *mean)
{
	uint32_t i = (uint32_t)(t->cur - 1 - j);
	*mn = cm_series_back(&t->min, i);
	*mx = cm_series_back(&t->max, i);
	*mean = cm_series_back(&t->mean, i);
	if (isnan(*mean))
		return 0;
	return t->last ? (uint64_t)cm_series_back(&t->count, i) : 1;
}

/* The last tier is full: its buckets merge by pairs into buckets twice as
 * wide (bucket j's pair is j / 2), the one being filled included, so that
 * it keeps the whole run in the same memory. */
static int tier_coarsen(struct cm_series_tier *t)
{
	uint64_t first = t->cur - t->min.len;
	struct cm_series_tier n = {.width = t->width * 2, .cur = first / 2, .last = true};
	n.min.cap = n.max.cap = n.mean.cap = n.count.cap = t->min.cap;
	int rc = 0;
	for (uint64_t j = first; j < t->cur; j++) {
		double mn, mx, mean;
		uint64_t c = tier_bucket(t, j, &mn, &mx, &mean);
		while (n.cur < j / 2)
			rc |= tier_close(&n);
		acc_add(&n, mn, mx, mean * (double)c, c);
	}
	while (n.cur < t->cur / 2)
		rc |= tier_close(&n);
	acc_add(&n, t->amin, t->amax, t->asum, t->an);
	if (rc) {
		tier_free(&n);
		return -1;
	}
	tier_free(t);
	*t = n;
	return 0;
}

/* Slot k's value x into tier t. */
static int tier_feed(struct cm_series_tier *t, uint64_t k, double x)
{
	int rc = 0;
	while (k / t->width > t->cur) {
		if (t->last && t->min.len >= t->min.cap) {
			if (tier_coarsen(t) < 0)
				return -1;
			continue;
		}
		rc |= tier_close(t);
	}
	if (!isnan(x))
		acc_add(t, x, x, x, 1);
	return rc;
}

static int feed_tiers(struct cm_series *s, uint64_t k, double x)
{
	int rc = 0;
	for (int i = 0; s->tiers && i < CM_SERIES_TIERS; i++)
		rc |= tier_feed(&s->tiers[i], k, x);
	return rc;
}

/* The full-resolution ring is full: the tiers start, fed with what it
 * holds, so that they reach back as far as it does. */
static int make_tiers(struct cm_series *s)
{
	s->tiers = calloc(CM_SERIES_TIERS, sizeof *s->tiers);
	if (!s->tiers)
		return -1;
	uint64_t width = 1, first = s->pushed - s->len;
	for (int i = 0; i < CM_SERIES_TIERS; i++) {
		struct cm_series_tier *t = &s->tiers[i];
		width *= TIER_FACTOR;
		t->width = width;
		t->cur = first / width;
		t->last = i == CM_SERIES_TIERS - 1;
		t->min.cap = t->max.cap = t->mean.cap = t->count.cap = tier_buckets(s->cap);
	}
	int rc = 0;
	for (uint32_t i = s->len; i-- > 0;)
		rc |= feed_tiers(s, s->pushed - 1 - i, cm_series_back(s, i));
	return rc;
}

/* x into the next slot. */
static int push_slot(struct cm_series *s, double x)
{
	if (!isfinite(x))
		x = NAN;
	int rc = 0;
	if (s->len == s->cap && s->dt > 0 && !s->tiers && make_tiers(s) < 0)
		rc = -1; /* the older history is missing; the recent stays */
	if (reserve(s, x) < 0)
		return -1;
	if (s->wide)
		s->wide[s->head] = x;
	else
		s->v[s->head] = (float)x;
	s->head++;
	if (s->head == s->cap)
		s->head = 0; /* never before alloc reached cap */
	if (s->len < s->cap)
		s->len++;
	s->pushed++;
	return feed_tiers(s, s->pushed - 1, x) | rc;
}

int cm_series_push(struct cm_series *s, double x)
{
	if (s->dt > 0 && s->t_last > 0)
		s->t_last += s->dt; /* no time: the next poll's */
	return push_slot(s, x);
}

int cm_series_push_at(struct cm_series *s, double x, double t)
{
	if (!isfinite(t))
		return cm_series_push(s, x);
	int rc = 0;
	if (s->dt > 0 && s->pushed > 0) {
		double steps = floor((t - s->t_last) / s->dt + 0.5);
		uint32_t gaps = steps <= 1 ? 0 : steps - 1 > CM_SERIES_GAP_MAX ? CM_SERIES_GAP_MAX
								   : (uint32_t)(steps - 1);
		for (uint32_t i = 0; i < gaps && rc == 0; i++)
			rc = push_slot(s, NAN);
	}
	s->t_last = t;
	return push_slot(s, x) | rc;
}

double cm_series_back(const struct cm_series *s, uint32_t i)
{
	if ((!s->v && !s->wide) || i >= s->len)
		return NAN;
	uint32_t k = (s->head + s->alloc - 1 - i) % s->alloc;
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

int64_t cm_series_slot_at(const struct cm_series *s, double t)
{
	if (!(s->dt > 0) || !s->pushed || !isfinite(t))
		return 0;
	double back = floor((s->t_last - t) / s->dt + 0.5);
	double k = (double)(s->pushed - 1) - back;
	return k < -1e15 ? (int64_t)-1e15 : k > 1e15 ? (int64_t)1e15 : (int64_t)k;
}

double cm_series_time_of(const struct cm_series *s, int64_t k)
{
	return s->t_last - ((double)(s->pushed - 1) - (double)k) * s->dt;
}

/* Stores: 0 the samples, 1.. the tiers. */
static int nstores(const struct cm_series *s)
{
	return s->tiers ? 1 + CM_SERIES_TIERS : 1;
}

static uint64_t store_width(const struct cm_series *s, int st)
{
	return st == 0 ? 1 : s->tiers[st - 1].width;
}

static int64_t store_oldest(const struct cm_series *s, int st)
{
	if (st == 0)
		return (int64_t)(s->pushed - s->len);
	const struct cm_series_tier *t = &s->tiers[st - 1];
	return (int64_t)((t->cur - t->min.len) * t->width);
}

int64_t cm_series_oldest(const struct cm_series *s)
{
	return store_oldest(s, nstores(s) - 1);
}

/* The store range [a, b) reads: the widest buckets that fit in it among
 * those that reach back to a; else the finest that reaches; else the
 * one that reaches furthest. */
static int pick_store(const struct cm_series *s, int64_t a, int64_t b)
{
	int n = nstores(s);
	for (int st = n - 1; st >= 0; st--)
		if (store_width(s, st) <= (uint64_t)(b - a) && store_oldest(s, st) <= a)
			return st;
	for (int st = 0; st < n; st++)
		if (store_oldest(s, st) <= a)
			return st;
	return n - 1;
}

struct agg_acc {
	double min, max, sum, n;
	bool any;
};

static void agg_add(struct agg_acc *g, double mn, double mx, double mean, double w)
{
	if (isnan(mean) || !(w > 0))
		return;
	if (!g->any || mn < g->min)
		g->min = mn;
	if (!g->any || mx > g->max)
		g->max = mx;
	g->sum += mean * w;
	g->n += w;
	g->any = true;
}

static void range_samples(const struct cm_series *s, int64_t a, int64_t b, struct agg_acc *g)
{
	int64_t lo = store_oldest(s, 0), hi = (int64_t)s->pushed;
	for (int64_t k = a > lo ? a : lo; k < b && k < hi; k++) {
		double x = cm_series_back(s, (uint32_t)(hi - 1 - k));
		agg_add(g, x, x, x, 1);
	}
}

static void range_tier(const struct cm_series_tier *t, int64_t a, int64_t b, struct agg_acc *g)
{
	uint64_t first = t->cur - t->min.len;
	uint64_t ja = a < 0 ? 0 : (uint64_t)a / t->width, jb = (uint64_t)(b - 1) / t->width;
	for (uint64_t j = ja > first ? ja : first; j <= jb && j <= t->cur; j++) {
		if (j == t->cur) {
			if (t->an)
				agg_add(g, t->amin, t->amax, t->asum / (double)t->an, (double)t->an);
			continue;
		}
		double mn, mx, mean;
		uint64_t c = tier_bucket(t, j, &mn, &mx, &mean);
		agg_add(g, mn, mx, mean, (double)c);
	}
}

bool cm_series_range(const struct cm_series *s, int64_t a, int64_t b, struct cm_series_agg *out)
{
	if (b <= a || b <= 0 || !s->pushed || a >= (int64_t)s->pushed)
		return false;
	int st = pick_store(s, a, b);
	struct agg_acc g = {0};
	if (st == 0)
		range_samples(s, a, b, &g);
	else
		range_tier(&s->tiers[st - 1], a, b, &g);
	if (!g.any)
		return false;
	*out = (struct cm_series_agg){g.min, g.max, g.sum / g.n, store_width(s, st)};
	return true;
}

static size_t ring_bytes(const struct cm_series *s)
{
	return s->wide ? s->alloc * sizeof *s->wide : s->v ? s->alloc * sizeof *s->v : 0;
}

size_t cm_series_bytes(const struct cm_series *s)
{
	size_t n = ring_bytes(s);
	for (int i = 0; s->tiers && i < CM_SERIES_TIERS; i++) {
		const struct cm_series_tier *t = &s->tiers[i];
		n += sizeof *t + ring_bytes(&t->min) + ring_bytes(&t->max) + ring_bytes(&t->mean) +
		     ring_bytes(&t->count);
	}
	return n;
}

size_t cm_series_budget(uint32_t cap)
{
	if (cap == 0)
		cap = CM_SERIES_CAP;
	if (cap > SERIES_CAP_MAX)
		cap = SERIES_CAP_MAX;
	size_t rings = 3 * CM_SERIES_TIERS + 1; /* min, max, mean a tier; the last's count */
	return (size_t)cap * sizeof(double) + CM_SERIES_TIERS * sizeof(struct cm_series_tier) +
	       rings * tier_buckets(cap) * sizeof(double);
}

void cm_series_free(struct cm_series *s)
{
	free(s->v);
	free(s->wide);
	for (int i = 0; s->tiers && i < CM_SERIES_TIERS; i++)
		tier_free(&s->tiers[i]);
	free(s->tiers);
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
