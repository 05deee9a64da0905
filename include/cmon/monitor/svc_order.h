/* svc_order: which services the several-services screen shows, and in
 * what order: sorted by a var's column (highest first, then lowest first),
 * by name, by state (down first), or in the command line's order; filtered
 * by a Go regex over each service's name and address. Headless: the screen
 * keeps one and draws its rows.
 *
 * While the person is moving (within hold seconds of the last movement),
 * a change of values does not re-sort: rows stay where they were under the
 * cursor, as the profile viewer holds its rows. Changes the person asks
 * for (a sort, a filter) apply at once.
 *
 * Ownership: the order owns rows and the compiled filter; the monitor is
 * only read, during each call. */
#ifndef CMON_SVC_ORDER_H
#define CMON_SVC_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/base/goregex.h"
#include "cmon/monitor/monitor.h"

enum cm_sort {
	CM_SORT_LISTED,    /* the command line's order */
	CM_SORT_VAR_DESC,  /* by the var column's value, highest first */
	CM_SORT_VAR_ASC,   /* lowest first */
	CM_SORT_NAME,      /* by the name the screen shows */
	CM_SORT_STATE,     /* down first, then restarted, waiting, up */
};

struct cm_svc_order {
	enum cm_sort sort;
	size_t var;                /* the column of the VAR sorts */
	struct cm_goregex *filter; /* NULL: every service */
	char filter_text[256];
	size_t *rows;              /* service indices shown, in order */
	size_t n;                  /* rows shown */
	size_t cap;
	double hold, last_move;
};

void cm_svc_order_init(struct cm_svc_order *o, double hold);
void cm_svc_order_free(struct cm_svc_order *o);

/* Recomputes rows for m at time now (monotonic seconds): the services
 * the filter keeps, sorted; while held (a move within hold seconds), the
 * rows keep the order they had and only services new to the list go last.
 * force: a change the person asked for, applied even while held. -1 when
 * memory runs out (rows unchanged). */
int cm_svc_order_update(struct cm_svc_order *o, const struct cm_monitor *m, double now,
			bool force);

/* s on a var column: highest first, then lowest first, then the command
 * line's order; s on another column starts again at highest first. */
void cm_svc_order_cycle_var(struct cm_svc_order *o, size_t var);
/* o: by name, then by state, then the command line's order. */
void cm_svc_order_cycle_other(struct cm_svc_order *o);
/* What the sort is, for the title ("requests ↓", "name", "state", ""). */
void cm_svc_order_describe(const struct cm_svc_order *o, const struct cm_monitor *m, char *buf,
			   size_t len);

/* The filter (Go regex over "name address"); NULL or "" clears it. 0, or
 * -1 with Go's error in err and the filter unchanged. */
int cm_svc_order_set_filter(struct cm_svc_order *o, const char *re, char *err, size_t errlen);

/* Service i matches the filter (true when there is none). */
bool cm_svc_order_matches(const struct cm_svc_order *o, const struct cm_monitor *m, size_t i);

/* The row service i is on, or SIZE_MAX when it is not shown. */
size_t cm_svc_order_row_of(const struct cm_svc_order *o, size_t i);

/* The monitor's services changed (cm_monitor_set_targets): each row's
 * service index i becomes to[i] (i < nold), rows of services that left
 * are dropped; the next update places the new ones. */
void cm_svc_order_remap(struct cm_svc_order *o, const size_t *to, size_t nold);

/* A movement key: holds the order for hold seconds. */
void cm_svc_order_moved(struct cm_svc_order *o, double now);

#endif
