/* series: a var's recent history (a ring; NaN marks a gap) and the
 * per-second rate of a counter.
 *
 * The ring holds floats while every sample is exactly a float (counts,
 * small integers: 4 bytes a sample), and doubles from the first sample
 * that is not (8 bytes): the values read back, and the min and max shown,
 * are the values pushed, never float's nearest (123456789 is not shown as
 * 123456792, nor 1e39 as 3.4e38), and a screen of small counts costs half. */
#ifndef CMON_SERIES_H
#define CMON_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Enough for a braille sparkline (2 samples a cell) on a 300-column screen:
 * the least a series keeps at full resolution. */
#define CM_SERIES_CAP 600

/* Older history (a series with a time step, dt > 0): buckets of 10, 100
 * and 1000 samples, as a round-robin database keeps them: per bucket the
 * min, the max and the mean of its samples (gaps skipped). The last tier
 * never forgets: when full, its buckets merge by pairs (twice as wide),
 * so the whole run stays in a fixed budget. */
#define CM_SERIES_TIERS 3

/* The most samples a series keeps at full resolution. */
#define CM_HISTORY_CAP_MAX (1u << 20)

struct cm_series_tier;

struct cm_series {
	float *v;      /* owned, alloc entries, grown as the run grows;
			* NULL once wide holds the samples */
	double *wide;  /* owned, alloc entries: the samples since one was no float */
	uint32_t cap;  /* full-resolution samples kept (CM_SERIES_CAP unless set
			* before the first push) */
	uint32_t len;  /* samples held, <= cap */
	uint32_t head; /* index of the next write */
	uint32_t alloc; /* entries allocated, <= cap */
	/* time: set dt before the first push, else each push is one slot */
	float dt;      /* seconds between polls; 0: no time, no older tiers */
	double t_last; /* wall seconds of the newest sample pushed with a time */
	uint64_t pushed; /* slots pushed: the newest sample is slot pushed - 1
			  * (a slot is dt; a skipped poll leaves a gap slot) */
	struct cm_series_tier *tiers; /* owned, CM_SERIES_TIERS of them, made
				       * once the full resolution ring is full */
};

/* Appends x (NaN for "no value this tick"; infinities are gaps too: a
 * graph cannot place them) as the next slot. -1 when out of memory (the
 * sample is dropped, or missing from the older tiers; the series stays
 * usable). */
int cm_series_push(struct cm_series *s, double x);

/* Appends x taken at wall time t (seconds): with dt set, the polls
 * skipped since the last (paused, a slow round) become gap slots, at most
 * CM_SERIES_GAP_MAX of them, so that a slot's time stays its poll's. A
 * t that does not advance is the next slot. */
#define CM_SERIES_GAP_MAX (1u << 22)
int cm_series_push_at(struct cm_series *s, double x, double t);

/* The i-th newest sample (0 = newest); NaN when i >= len. */
double cm_series_back(const struct cm_series *s, uint32_t i);

/* Min and max of the newest n samples, gaps skipped. false when none. */
bool cm_series_minmax(const struct cm_series *s, uint32_t n, double *min, double *max);

/* ---- the whole run by time (dt > 0) ---- */

/* The slot that wall time t falls in (may be before the first, negative,
 * or after the newest); 0 without a time. */
int64_t cm_series_slot_at(const struct cm_series *s, double t);

/* The wall time of slot k. */
double cm_series_time_of(const struct cm_series *s, int64_t k);

/* The oldest slot anything is kept for (0 until the last tier coarsened
 * past the first samples). */
int64_t cm_series_oldest(const struct cm_series *s);

/* What slots [a, b) held, from the store whose buckets are the widest
 * that still fit in b - a (one sample at full resolution, 10, 100, ...),
 * or when the range is older than those keep, the finest that has it.
 * Within a bucket min and max are exact; the mean is exact within one
 * bucket and the mean of the buckets' means across several. */
struct cm_series_agg {
	double min, max, mean;
	uint64_t width; /* slots a bucket of the store used: 1 = samples */
};
bool cm_series_range(const struct cm_series *s, int64_t a, int64_t b, struct cm_series_agg *out);

/* Bytes the series holds now, and the most a series of cap samples ever
 * holds (every value a double: the worst case), tiers included. */
size_t cm_series_bytes(const struct cm_series *s);
size_t cm_series_budget(uint32_t cap);

void cm_series_free(struct cm_series *s);

/* A counter's rate. Across a reset (the value went down: the process
 * restarted or the counter wrapped) the new value is the increase since the
 * reset, as Prometheus counts it. */
struct cm_rate {
	bool have;
	double last;
	double last_t; /* seconds */
};

/* Feeds (value, t seconds, increasing); returns the per-second rate since
 * the previous sample, or NaN for the first sample or a non-advancing t. */
double cm_rate_update(struct cm_rate *r, double value, double t);

#endif
