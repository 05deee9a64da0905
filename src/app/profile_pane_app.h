/* profile_pane_app: the monitor's profile pane, app side. It carries out
 * what the screen asks (cm_pane_request): fetches a service's profile on
 * the monitor's own fetch handle (its -insecure, HTTP_USER, the target's
 * credentials), counts a CPU capture down, cancels, feeds what comes to
 * the viewer, and refetches while live refresh is on. Never blocks: the
 * fetch's callback runs from the monitor's poll. */
#ifndef CMON_PROFILE_PANE_APP_H
#define CMON_PROFILE_PANE_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "cmon/monitor/capstore.h"
#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prof_pane.h"
#include "cmon/net/fetch.h"

struct cm_ui;
struct cm_rec;

/* One profile's bytes as fetched: a snapshot's (not kept in the store). */
struct cm_pane_body {
	unsigned char *data; /* owned; NULL: none */
	size_t len;
	size_t svc;          /* whose */
	double wall;         /* when it came (wall clock) */
	bool saved;          /* written with w */
};

struct cm_pane_app {
	struct cm_prof_pane pane;      /* what the screen draws */
	struct cm_capstore store;      /* every capture of this run (the pane's CPU
					* captures, the triggers', the rolling mode's) */
	uint32_t shown;                /* id in store of the capture shown, or 0: the
					* profile shown is `last` */
	struct cm_pane_body last;      /* a snapshot's (not CPU) latest bytes, for w */
	struct cm_fetch *fetch;        /* borrowed: the monitor's handle */
	struct cm_monitor *mon;        /* borrowed: the services' targets, their marks */
	struct cm_ui *ui;              /* borrowed, NULL without a screen */
	const char *module;            /* borrowed: -module, or NULL */
	struct cm_rec *rec;            /* borrowed: -record's, NULL when off */
	long id;                       /* the transfer in flight, 0 = none */
	unsigned char *carry;          /* owned: the base the next viewer gets (b kept
					* across services), encoded; NULL: none */
	size_t carry_len;
	const struct cm_profile *carried; /* the base the viewer got so (identity) */
	char base_from[96];            /* whose it is: "demo:6061 heap" */
	bool base_news;                /* say so once the new viewer shows a profile */
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

/* Captures go to rec from now on (NULL: no more). */
void cm_pane_app_record(struct cm_pane_app *a, struct cm_rec *rec);

/* A profile was captured (the pane's key, or a trigger): service svc's,
 * of kind, covering wall seconds [t_start, t_end], why "key" or the
 * trigger's text, data/len as fetched. The one way captures reach the
 * recording. */
void cm_pane_app_captured(struct cm_pane_app *a, size_t svc, enum cm_prof_kind kind,
			  double t_start, double t_end, const char *why, const void *data,
			  size_t len);

/* Shows data/len (a recorded capture of service svc, of kind, taken at
 * wall) in the pane as if just fetched: the pane opens on it and keeps
 * its bytes (w writes them). Not recorded, stored or marked again: the
 * replay marked it on the timeline with its recording's id. 0, or -1 with
 * the reason in err (the pane's note says it too). */
int cm_pane_app_show(struct cm_pane_app *a, size_t svc, enum cm_prof_kind kind,
		     const unsigned char *data, size_t len, double wall, double now, char *err,
		     size_t errlen);

/* Carries out one request of the screen at monotonic now. */
void cm_pane_app_request(struct cm_pane_app *a, const struct cm_pane_request *r, double now);

/* Runs what is due at monotonic now (a live refetch, a countdown tick
 * to draw: a->dirty) and returns when it next needs to run. */
double cm_pane_app_run_due(struct cm_pane_app *a, double now);

/* The monitor's services changed (cm_monitor_set_targets' to, of nold
 * entries): the pane and the captures follow their service; when the
 * pane's service left, its fetch stops and the profile shown stays, with
 * a note. */
void cm_pane_app_services_changed(struct cm_pane_app *a, const size_t *to, size_t nold);

/* Starts fetching service t's profile of kind k (a CPU capture of seconds)
 * on f, with t's credentials and tunnel, the profile's timeout and size
 * bound; cb(ctx, ...) gets it. The transfer's id, or -1 when out of
 * memory. The pane's fetches and the background captures alike. */
long cm_pane_app_fetch(struct cm_fetch *f, const struct cm_target *t, enum cm_prof_kind k,
		       int seconds, cm_fetch_cb cb, void *ctx);

/* Every capture of this run comes through here (the pane's own CPU
 * captures, the triggers', the rolling mode's): kept in the store (c's
 * id and data are set there) and marked on its service's timeline
 * (CM_MARK_CAPTURE, c->t_start..c->t, c->what). One place, so that a
 * recording sees them all. Returns the capture's id, or 0 when it could
 * not be kept (out of memory, over the budget alone). */
uint32_t cm_pane_app_keep_capture(struct cm_pane_app *a, const struct cm_capture *c,
				  const unsigned char *data, size_t len);

/* Opens the merged CPU captures of service svc that overlap [t0, t1]
 * (wall seconds) in the pane: the zoom's span (V V). 0, or -1 with the
 * pane's note saying why (no capture there, they could not be merged). */
int cm_pane_app_open_span(struct cm_pane_app *a, size_t svc, double t0, double t1, double now);

/* Opens capture id in the pane as if just captured (its service and kind,
 * the profile shown replaced). 0, or -1 (with the pane's note saying why)
 * when the store no longer holds it or it could not be read. The zoom's
 * v on a mark. */
int cm_pane_app_open_capture(struct cm_pane_app *a, uint32_t id, double now);

#endif
