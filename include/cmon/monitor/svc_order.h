/* svc_order: which services the several-services screen shows, and in
 * what order: sorted by a var's column (highest first, then lowest first),
 * by name, by state (down first), or in the command line's order; filtered
 * by a Go regex over each service's name and address, or searched by one
 * (nothing hidden: the matches are marked and n/N jump between them);
 * grouped by host (a heading line a host, the sort inside each group).
 * Headless: the screen keeps one and draws its lines.
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
	struct cm_goregex *search; /* NULL: no search; marks, hides nothing */
	char search_text[256];
	size_t *rows;              /* service indices shown, in order */
	size_t n;                  /* rows shown */
	size_t cap;                /* entries of rows, scratch, in and keys */
	bool *in;                  /* the filter keeps service i (this update's) */
	void *keys;                /* the sort's keys (svc_order.c's own type) */
	double hold, last_move;

	/* by host: a service's group is its ssh host, else its address's
	 * host; groups in the hosts' byte order */
	bool group;                /* asked for: grouped when there are 2+ hosts */
	size_t *grp;               /* group of each service (grp_n of them) */
	size_t *grp_count;         /* 2 * (grp_n + 1) entries: the partition's counts,
				    * then each group's place */
	size_t grp_n, ngroups;
	const void *grp_of;        /* the targets grp was computed for */
	size_t *scratch;           /* cap entries: the stable partition's */
	struct cm_svc_line *lines; /* the table's lines: headings and rows */
	size_t nlines, lines_cap;
};

/* One line of the table: a service's row, or (grouped) a host's heading
 * over rows [row, row + n). */
struct cm_svc_line {
	bool heading;
	size_t row; /* index into rows */
	size_t n;   /* heading: rows in the group; row: 1 */
};

void cm_svc_order_init(struct cm_svc_order *o, double hold);
void cm_svc_order_free(struct cm_svc_order *o);

/* Recomputes rows for m at time now (monotonic seconds): the services
 * the filter keeps, sorted; while held (a move within hold seconds), the
 * rows keep the order they had and only services new to the list go last.
 * force: a change the person asked for, applied even while held. Then
 * the lines: grouped by host (stable, so the sort holds inside each group)
 * with a heading before each group, or one line a row. -1 when memory runs
 * out: the rows unchanged, or sorted but without lines (none until an
 * update succeeds). */
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

/* The search: marks the services it matches, hides none. NULL or "" clears
 * it. 0, or -1 with Go's error in err and the search unchanged. */
int cm_svc_order_set_search(struct cm_svc_order *o, const char *re, char *err, size_t errlen);

/* Service i matches the search (false when there is none). */
bool cm_svc_order_hit(const struct cm_svc_order *o, const struct cm_monitor *m, size_t i);

/* The next row after row (dir 1) or before it (dir -1) whose service
 * the search matches, going round the end; row itself when it is the only
 * one; SIZE_MAX when none does (or there is no search). row may be
 * SIZE_MAX (no selection): the search starts from the top or bottom. */
size_t cm_svc_order_next_hit(const struct cm_svc_order *o, const struct cm_monitor *m,
			     size_t row, int dir);

/* True when this update's lines have host headings (group asked for and
 * the shown services span two hosts or more). */
bool cm_svc_order_grouped(const struct cm_svc_order *o);

/* The host service i is grouped under: its ssh host, else its address's. */
const char *cm_svc_host(const struct cm_monitor *m, size_t i);

/* The line row is on (SIZE_MAX when row >= n). */
size_t cm_svc_order_line_of(const struct cm_svc_order *o, size_t row);

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
