/* record: -record=FILE, the run written to an SQLite database as it goes
 * (the schema is README.md's "Recordings"; cmon replay reads it back).
 *
 * Writes go to one open transaction, committed at least once a second
 * (cm_rec_due / cm_rec_flush), in WAL mode with synchronous=NORMAL: a
 * crash or kill -9 loses at most the last second. A failed write (a full
 * disk, a path that cannot be written) stops the recording, says why in
 * cm_rec_error, and the monitor goes on. SQLite is used from this one
 * thread only (no worker threads are configured).
 *
 * Ownership: a cm_rec owns its database handle; the monitor passed to
 * each call is borrowed for the call. */
#ifndef CMON_RECORD_H
#define CMON_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prof_pane.h"

/* The schema's version, in PRAGMA user_version. */
#define CM_REC_SCHEMA 1

/* Value states in poll_values.state. */
enum { CM_REC_NA, CM_REC_NUMBER, CM_REC_TEXT, CM_REC_WRONG };

struct cm_rec;

/* How the run polled, kept in meta: the -vars list, -endpoint, the
 * interval and -history (seconds). */
struct cm_rec_run {
	const char *vars, *endpoint;
	double interval, history;
};

/* A new recording at path (an existing file is refused: a run is not
 * mixed into another's). argv/argc: the command line kept in meta. NULL
 * with the reason in err. */
struct cm_rec *cm_rec_open(const char *path, int argc, char **argv, const struct cm_rec_run *run,
			   char *err, size_t errlen);

/* Service i's poll at wall time t: its state, error, name, restart, and
 * the cells of the var sources in sources (a bit per enum cm_var_source)
 * as the monitor holds them. vars: a vars poll (state and name apply). */
void cm_rec_poll(struct cm_rec *r, const struct cm_monitor *m, size_t i, unsigned sources,
		 bool vars, double t);

/* The service list at wall time t, in the monitor's order; after a change
 * (to: old index -> new of nold, as cm_monitor_set_targets gives it, or
 * NULL for the first list) services keep their ids. */
void cm_rec_services(struct cm_rec *r, const struct cm_monitor *m, const size_t *to, size_t nold,
		     double t);

/* A moment the live monitor showed (a -dummy block was printed, an
 * interval's frame): replay -dummy prints a block at each. */
void cm_rec_tick(struct cm_rec *r, double t);

/* A profile captured: service svc's, of kind, covering [t_start, t_end]
 * (wall seconds), why "key" or a trigger's text; data/len as fetched
 * (kept gzipped). */
void cm_rec_profile(struct cm_rec *r, size_t svc, enum cm_prof_kind kind, double t_start,
		    double t_end, const char *why, const void *data, size_t len);

/* When the open transaction is next due for a commit (monotonic), or
 * INFINITY when nothing waits; cm_rec_flush commits when due (or always,
 * with force). */
double cm_rec_due(const struct cm_rec *r);
void cm_rec_flush(struct cm_rec *r, double mono, bool force);

/* Why the recording stopped, or NULL while it goes on. */
const char *cm_rec_error(const struct cm_rec *r);

/* Commits what is left and closes. NULL is fine. */
void cm_rec_close(struct cm_rec *r);

#endif
