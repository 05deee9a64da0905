/* profile_pane_app: the monitor's profile pane, app side. It carries out
 * what the screen asks (cm_pane_request): fetches a service's profile on
 * the monitor's own fetch handle (its -insecure, HTTP_USER, the target's
 * credentials), counts a CPU capture down, cancels, feeds what comes to
 * the viewer, and refetches while live refresh is on. Never blocks: the
 * fetch's callback runs from the monitor's poll. */
#ifndef CMON_PROFILE_PANE_APP_H
#define CMON_PROFILE_PANE_APP_H

#include <stdbool.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prof_pane.h"
#include "cmon/net/fetch.h"

struct cm_ui;

/* The CPU captures of this run stay in the pane (a capture cannot be
 * fetched again): at most this many, holding at most this many bytes;
 * the oldest go first. */
#define CM_PANE_HISTORY_MAX 16
#define CM_PANE_HISTORY_BYTES ((size_t)256 << 20)

/* One profile's bytes as fetched. */
struct cm_pane_body {
	unsigned char *data; /* owned; NULL: none */
	size_t len;
	size_t svc;          /* whose */
	double wall;         /* when it came (wall clock) */
	bool saved;          /* written with w */
	uint32_t id;         /* a CPU capture's, from 1, named by its timeline
			      * mark (CM_MARK_CAPTURE); 0 for a snapshot */
};

struct cm_pane_app {
	struct cm_prof_pane pane;      /* what the screen draws */
	struct cm_pane_body history[CM_PANE_HISTORY_MAX]; /* the CPU captures, oldest first */
	size_t nhistory;
	size_t shown;                  /* index in history of the capture shown, or
					* nhistory: the profile shown is `last` */
	struct cm_pane_body last;      /* a snapshot's (not CPU) latest bytes, for w */
	struct cm_fetch *fetch;        /* borrowed: the monitor's handle */
	struct cm_monitor *mon;        /* borrowed: the services' targets; a capture
					* adds a mark to its service's timeline */
	uint32_t next_id;              /* the last capture id given */
	struct cm_ui *ui;              /* borrowed, NULL without a screen */
	const char *module;            /* borrowed: -module, or NULL */
	long id;                       /* the transfer in flight, 0 = none */
	int shown_left;                /* the countdown the screen last drew */
	bool dirty;                    /* the pane changed: the app redraws */
};

/* seconds: -seconds, a CPU capture's length; interval: the poll
 * interval (seconds), which live refresh follows (CM_PROF_LIVE_MIN at
 * the least). Everything borrowed must outlive the pane. */
void cm_pane_app_init(struct cm_pane_app *a, struct cm_fetch *f, struct cm_monitor *m,
		      struct cm_ui *ui, int seconds, double interval);

/* Cancels a fetch in flight and frees the viewer: call after cm_ui_close
 * (or with the screen told by cm_ui_pane_forget). */
void cm_pane_app_free(struct cm_pane_app *a);

/* Carries out one request of the screen at monotonic now. */
void cm_pane_app_request(struct cm_pane_app *a, const struct cm_pane_request *r, double now);

/* Opens the kept capture whose id is id (a CAPTURE mark's, chosen on the
 * zoom's timeline) in the pane, at monotonic now: 0, or -1 with a note
 * in the pane when no capture kept has that id (dropped past the budget). */
int cm_pane_app_open_capture(struct cm_pane_app *a, uint32_t id, double now);

/* Runs what is due at monotonic now (a live refetch, a countdown tick
 * to draw: a->dirty) and returns when it next needs to run. */
double cm_pane_app_run_due(struct cm_pane_app *a, double now);

/* The monitor's services changed (cm_monitor_set_targets' to, of nold
 * entries): the pane and the captures follow their service; when the
 * pane's service left, its fetch stops and the profile shown stays, with
 * a note. */
void cm_pane_app_services_changed(struct cm_pane_app *a, const size_t *to, size_t nold);

#endif
