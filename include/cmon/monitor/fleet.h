/* fleet: the several-services table's arithmetic over the services shown:
 * each column's range and a cell's heat step in it (the heat map), the
 * totals row (sum for counters and rates; sum, mean or max for gauges, as
 * the person picks). Headless; the screen draws with it. Costs one pass
 * over the rows a column, allocates nothing. */
#ifndef CMON_FLEET_H
#define CMON_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/monitor/monitor.h"

/* Shades of the heat map (theme elements heat1..heat4). */
#define CM_HEAT_STEPS 4

/* The value of var j on service i that the table's arithmetic uses: the
 * latest number of an UP service (a down one's values are stale). False
 * for N/A, text, NaN and infinities. */
bool cm_fleet_value(const struct cm_monitor *m, size_t i, size_t j, double *x);

/* The lowest and highest value of var j over services rows[0..n). False
 * when none has one. */
bool cm_fleet_range(const struct cm_monitor *m, const size_t *rows, size_t n, size_t j,
		    double *lo, double *hi);

/* The lowest and highest sample var j's series has among its newest
 * nsamples, over services rows[0..n): one scale for their graphs. False
 * when none has a sample (or nsamples is 0). */
bool cm_fleet_window_range(const struct cm_monitor *m, const size_t *rows, size_t n, size_t j,
			   uint32_t nsamples, double *lo, double *hi);

/* The heat step of x in [lo, hi]: 1 (lowest quarter) to CM_HEAT_STEPS
 * (highest); 0, no shade, when the column is flat (lo == hi: nothing
 * stands out) or x is not a finite number. */
int cm_heat_step(double x, double lo, double hi);

/* How the totals row combines gauges; counters and rates always sum. */
enum cm_agg { CM_AGG_SUM, CM_AGG_MEAN, CM_AGG_MAX, CM_AGG_COUNT };

/* "sum", "mean", "max". */
const char *cm_agg_name(enum cm_agg a);

/* True when var v only grows (a rate's sum is the fleet's rate; a
 * counter's sum its total): rate: vars, and the memstats counters
 * (TotalAlloc, Mallocs, Frees, Lookups, NumGC, NumForcedGC,
 * PauseTotalNs). Any other var is a gauge: expvar does not say. */
bool cm_var_is_counter(const struct cm_var *v);

struct cm_total {
	enum cm_agg agg; /* how value was made (SUM for counters) */
	double value;
	size_t count;    /* services that had a value; 0: value means nothing */
};

/* Var j's total over services rows[0..n), gauges combined as gauges. */
struct cm_total cm_fleet_total(const struct cm_monitor *m, const size_t *rows, size_t n,
			       size_t j, enum cm_agg gauges);

#endif
