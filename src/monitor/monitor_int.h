/* monitor_int: what monitor.c shares with prom_vars.c, its sibling for
 * Prometheus bodies. Not for other layers. */
#ifndef CMON_MONITOR_INT_H
#define CMON_MONITOR_INT_H

#include "cmon/monitor/monitor.h"

/* Gives service s a cell for every var. 0, or -1 when out of memory. */
int cm_monitor_ensure_cells(const struct cm_monitor *m, struct cm_service *s, size_t n);

/* A seen entry for every var. 0, or -1 when out of memory. */
int cm_monitor_ensure_seen(struct cm_monitor *m);

/* One sample v of var into its cell at now (rates applied, graphed). */
void cm_monitor_set_cell(struct cm_cell *c, const struct cm_var *var, struct cm_value v,
			 double now);

/* Service s is down for why: its cells N/A. */
/* Service s was seen restarting at wall time now: shown for a while, and a
 * mark on its timeline. */
void cm_monitor_restarted(struct cm_service *s, double now);

void cm_monitor_mark_down(struct cm_monitor *m, struct cm_service *s, const char *why,
			  double now);

#endif
