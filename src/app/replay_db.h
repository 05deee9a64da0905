/* replay_db: a recording (record.h) read back into a monitor, event by
 * event in the order they were written. A recording is a file from
 * anywhere: every row is checked (types, ranges, indexes) and a bad one
 * is a clear error in err, never trusted.
 *
 * Ownership: a cm_replay owns its database handle and its monitor. */
#ifndef CMON_REPLAY_DB_H
#define CMON_REPLAY_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prof_pane.h"

/* A service list, a poll, a moment (-dummy's block), a profile. */
enum cm_rp_type { CM_RP_LIST, CM_RP_POLL, CM_RP_TICK, CM_RP_PROFILE };

struct cm_rp_event {
	sqlite3_int64 seq;
	enum cm_rp_type type;
	double t; /* wall seconds (a profile: its end) */
};

/* Called after a list event changed the services (to: old index -> new
 * of nold, as cm_monitor_set_targets gives it). */
typedef void (*cm_rp_list_fn)(void *ctx, const size_t *to, size_t nold);

struct cm_replay {
	sqlite3 *db;
	sqlite3_stmt *events, *poll, *values_st, *list, *service;
	char path[256];
	char endpoint[256];
	double interval;       /* meta's, 0 when absent */
	double history;        /* meta's -history (seconds), 1h when absent */
	double t_first, t_last; /* the first and last event's times */
	struct cm_monitor mon; /* the state after the events applied */
	sqlite3_int64 *index_of_id; /* service id -> monitor index + 1 (0: not listed) */
	size_t nids;           /* entries of index_of_id (max id + 1) */
	struct cm_value *values; /* one poll's, one per var */
	bool *set;
	struct cm_rp_event next; /* the event after the last applied */
	bool have_next;
	sqlite3_int64 last_profile; /* the newest profile event applied, 0 = none */
	cm_rp_list_fn on_list;
	void *on_list_ctx;
};

/* Opens path (read only) and checks it is a cmon recording of a schema
 * this cmon reads; the monitor starts empty, before the first event. 0,
 * or -1 with the reason in err. */
int cm_replay_open(struct cm_replay *rp, const char *path, char *err, size_t errlen);

void cm_replay_close(struct cm_replay *rp);

/* Back to before the first event (the monitor rebuilt empty). */
int cm_replay_reset(struct cm_replay *rp, char *err, size_t errlen);

/* Applies the next event, stored in *ev. 1 when one was applied, 0 at
 * the end, -1 with the reason in err. */
int cm_replay_step(struct cm_replay *rp, struct cm_rp_event *ev, char *err, size_t errlen);

/* The times of the previous (dir < 0, before t) or next (dir > 0, after
 * t) restart, outage or captured profile; false when none. */
bool cm_replay_find(struct cm_replay *rp, double t, int dir, double *found);

/* The recorded profile before (dir < 0) or after (dir > 0) profile id of
 * the same service and kind, among those the replay has reached (ids up
 * to last_profile): its id, 0 when there is none, -1 with the reason in
 * err. */
sqlite3_int64 cm_replay_profile_step(struct cm_replay *rp, sqlite3_int64 id, int dir, char *err,
				     size_t errlen);

/* Profile id's service index (in the current list), kind and time, and
 * its bytes (malloc'd into *data). 0, or -1 with the reason in err. */
int cm_replay_profile(struct cm_replay *rp, sqlite3_int64 id, size_t *svc,
		      enum cm_prof_kind *kind, double *t_end, unsigned char **data, size_t *len,
		      char *err, size_t errlen);

#endif
