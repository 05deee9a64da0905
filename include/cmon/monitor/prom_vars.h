/* prom_vars: a Prometheus service's /metrics body into the monitor's cells
 * (the text format or OpenMetrics, read by prom.h), beside the expvar
 * path of monitor.c. Which services speak it: see cm_monitor_note_answer. */
#ifndef CMON_PROM_VARS_H
#define CMON_PROM_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prom.h"

#define CM_PROM_BUCKETS_MAX 512 /* buckets of one histogram a quantile reads */

/* Whether entry t names a metrics endpoint: its path (or, with none, the
 * -endpoint) ends in "/metrics". */
bool cm_target_names_metrics(const struct cm_target *t, const char *endpoint);

/* Body of service i, which speaks Prometheus, read at wall time now: every
 * cell with a Prometheus side gets its value (N/A when nothing matches),
 * @goroutines and @threads included; a body that does not read marks the
 * service down with the line ("bad /metrics: line 12: label value not
 * closed"). 0, or -1 when out of memory. Called by cm_monitor_vars_result. */
int cm_prom_vars_result(struct cm_monitor *m, size_t i, const char *body, size_t len, double now);

/* Frees what a cell's quantile kept. */
void cm_prom_hist_free(struct cm_prom_hist *h);

#endif
