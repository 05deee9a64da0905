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
#include <stdint.h>

/* Enough for a braille sparkline (2 samples a cell) on a 300-column screen. */
#define CM_SERIES_CAP 600

struct cm_series {
	float *v;      /* owned, cap entries, allocated on the first push;
			* NULL once wide holds the samples */
	double *wide;  /* owned, cap entries: the samples since one was no float */
	uint32_t cap;  /* CM_SERIES_CAP unless set before the first push */
	uint32_t len;  /* samples held, <= cap */
	uint32_t head; /* index of the next write */
};

/* Appends x (NaN for "no value this tick"; infinities are gaps too: a
 * graph cannot place them). -1 when out of memory (the sample is dropped,
 * the series stays usable). */
int cm_series_push(struct cm_series *s, double x);

/* The i-th newest sample (0 = newest); NaN when i >= len. */
double cm_series_back(const struct cm_series *s, uint32_t i);

/* Min and max of the newest n samples, gaps skipped. false when none. */
bool cm_series_minmax(const struct cm_series *s, uint32_t n, double *min, double *max);

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
