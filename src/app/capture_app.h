/* capture_app: the profiles captured in the background, not asked for by
 * the pane: those a -trigger fired for, and the rolling CPU mode's back to
 * back windows (O in the pane). Each fetch runs on the monitor's own fetch
 * handle beside the polls (never blocking the screen); what comes goes
 * through cm_pane_app_keep_capture (the store and the timeline's mark),
 * and a trigger's is saved as go tool pprof saves what it fetches. At
 * most one CPU capture per service at a time: Go refuses a second one.
 *
 * Ownership: everything here is borrowed, except the jobs' transfers,
 * which cm_capture_app_free cancels. */
#ifndef CMON_CAPTURE_APP_H
#define CMON_CAPTURE_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/trigger.h"
#include "cmon/net/fetch.h"
#include "profile_pane_app.h"

#define CM_CAPTURE_JOBS_MAX 64 /* fetches in flight; a firing past them is skipped, said */
#define CM_ROLLING_SECONDS_DEFAULT 10

struct cm_capture_app;

/* One background fetch. */
struct cm_capture_job {
	struct cm_capture_app *owner;
	long id;                /* the transfer, 0 = the slot is free */
	size_t svc;
	enum cm_prof_kind kind;
	int seconds;            /* CPU: the capture's length */
	double t_start;         /* wall: when it began */
	bool rolling;           /* the rolling mode's window */
	char trigger[40];       /* the trigger's text, "" for rolling */
};

struct cm_capture_app {
	struct cm_capture_job jobs[CM_CAPTURE_JOBS_MAX];
	struct cm_fetch *fetch;       /* borrowed: the monitor's handle */
	struct cm_monitor *mon;       /* borrowed */
	struct cm_pane_app *pane;     /* borrowed: its store, its own CPU capture */
	struct cm_trigger_set *trig;  /* borrowed: which services have a CPU capture */
	FILE *log;                    /* stderr without a screen, else NULL */
	int seconds;                  /* -seconds: a trigger's CPU capture */
	int rolling_seconds;          /* a rolling window */
	size_t rolling_svc;           /* the service rolled, SIZE_MAX: the mode is off */
	char said[320];               /* the last line said (the screen's footer), "" none */
	unsigned long long fired;     /* captures a trigger started (for tests, -stats) */
};

void cm_capture_app_init(struct cm_capture_app *c, struct cm_fetch *f, struct cm_monitor *m,
			 struct cm_pane_app *pane, struct cm_trigger_set *trig, FILE *log,
			 int seconds);

/* Trigger k fired on service svc at wall time now: starts a fetch of
 * each of its kinds (fire's). */
void cm_capture_app_fire(struct cm_capture_app *c, const struct cm_trigger_fire *fire,
			 size_t svc, double now);

/* O in the pane: rolling CPU captures of svc on (or, when they run on
 * svc, off; on another service they move to svc, that one's window
 * ending as it will). 1: on now, 0: off now, -1: refused (a CPU capture
 * runs on svc, no room for a fetch). */
int cm_capture_app_toggle_rolling(struct cm_capture_app *c, size_t svc);

/* The services changed (to: old -> new, SIZE_MAX gone, of nold): the
 * jobs follow; one whose service left is cancelled. */
void cm_capture_app_services_changed(struct cm_capture_app *c, const size_t *to, size_t nold);

/* Cancels every fetch in flight. */
void cm_capture_app_free(struct cm_capture_app *c);

#endif
