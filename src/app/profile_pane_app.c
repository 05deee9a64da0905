/* profile_pane_app: see profile_pane_app.h.
 *
 * One transfer at most: a new request cancels the one in flight, so a
 * callback always belongs to the pane's current kind and service. A
 * cancelled CPU capture also ends on the service's side: Go's handler
 * stops profiling when its client goes away. */
#include "profile_pane_app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmon/viewer/viewer.h"
#include "ui/ui.h"

static double clock_s(clockid_t which)
{
	struct timespec ts;
	clock_gettime(which, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cm_pane_app_init(struct cm_pane_app *a, struct cm_fetch *f, const struct cm_monitor *m,
		      struct cm_ui *ui, int seconds, double interval)
{
	memset(a, 0, sizeof *a);
	a->fetch = f;
	a->mon = m;
	a->ui = ui;
	a->pane.seconds = seconds;
	a->pane.live_every = interval > CM_PROF_LIVE_MIN ? interval : CM_PROF_LIVE_MIN;
}

static void stop_fetch(struct cm_pane_app *a)
{
	if (a->id)
		cm_fetch_cancel(a->fetch, a->id);
	a->id = 0;
}

/* The screen lets go of the viewer before it is freed. */
static void forget_viewer(struct cm_pane_app *a)
{
	if (!a->pane.viewer)
		return;
	cm_ui_pane_forget(a->ui);
	cm_viewer_free(a->pane.viewer);
	a->pane.viewer = NULL;
	a->pane.fetched_at = 0;
}

void cm_pane_app_free(struct cm_pane_app *a)
{
	stop_fetch(a);
	forget_viewer(a);
}

/* Puts the body into the pane's viewer (a new one for a first profile,
 * with the core's decoding limit); a viewer that never got a profile is
 * not kept. 0, or -1 with the reason in err. */
static int load(struct cm_pane_app *a, const struct cm_fetch_result *r, double now, char *err,
		size_t errlen)
{
	if (!a->pane.viewer) {
		struct cm_viewer_opts o;
		cm_viewer_opts_init(&o);
		o.max_inflated = CM_DEFAULT_MAX_INFLATED;
		o.module = a->module;
		a->pane.viewer = cm_viewer_new(&o, err, errlen);
		if (!a->pane.viewer)
			return -1;
	}
	if (cm_viewer_load(a->pane.viewer, (const unsigned char *)r->body, r->len, now, err,
			   errlen) == 0)
		return 0;
	if (!cm_viewer_has_profile(a->pane.viewer))
		forget_viewer(a);
	return -1;
}

static void on_profile(void *ctx, const struct cm_fetch_result *r)
{
	struct cm_pane_app *a = ctx;
	struct cm_prof_pane *p = &a->pane;
	double now = clock_s(CLOCK_MONOTONIC);
	char err[256], note[320];
	a->id = 0;
	a->dirty = true;
	if (r->error) {
		cm_prof_error_text(note, sizeof note, p->kind, p->seconds, r->status, r->error);
		cm_pane_fail(p, note, now);
	} else if (load(a, r, now, err, sizeof err) < 0) {
		snprintf(note, sizeof note, "the profile could not be read: %s", err);
		cm_pane_fail(p, note, now);
	} else {
		cm_pane_done(p, clock_s(CLOCK_REALTIME), now);
	}
}

/* Starts fetching the pane's profile, unless a fetch already runs. */
static void start_fetch(struct cm_pane_app *a, double now)
{
	struct cm_prof_pane *p = &a->pane;
	if (a->id)
		return;
	if (p->svc >= a->mon->nsvc) {
		cm_pane_fail(p, "no such service", now);
		return;
	}
	const struct cm_target *t = &a->mon->targets.v[p->svc];
	char *url = cm_prof_url(t, p->kind, p->seconds);
	struct cm_request req = {
		.url = url,
		.user = t->user,
		.password = t->password,
		.unix_socket = t->unix_socket, /* through its ssh tunnel, as its polls */
		.timeout_ms = cm_prof_timeout_ms(p->kind, p->seconds),
		.max_body = CM_PROF_MAX_BODY,
		.cb = on_profile,
		.ctx = a,
	};
	a->id = url ? cm_fetch_start(a->fetch, &req) : -1;
	free(url);
	if (a->id < 0) {
		a->id = 0;
		cm_pane_fail(p, "out of memory", now);
		return;
	}
	cm_pane_begin(p, now);
	a->shown_left = cm_prof_seconds_left(p->ends, now);
}

/* Another kind or service gets a viewer of its own (sample types and
 * options differ); asking again for the one shown just fetches it. */
static void open_profile(struct cm_pane_app *a, const struct cm_pane_request *r, double now)
{
	struct cm_prof_pane *p = &a->pane;
	if (!p->open || p->kind != r->kind || p->svc != r->svc) {
		stop_fetch(a);
		forget_viewer(a);
		p->kind = r->kind;
		p->svc = r->svc;
		p->live = false;
		p->phase = CM_PANE_IDLE;
		p->note[0] = '\0';
	}
	p->open = true;
	start_fetch(a, now);
}

static void close_pane(struct cm_pane_app *a)
{
	struct cm_prof_pane *p = &a->pane;
	int seconds = p->seconds;
	double every = p->live_every;
	stop_fetch(a);
	forget_viewer(a);
	memset(p, 0, sizeof *p);
	p->seconds = seconds;
	p->live_every = every;
}

void cm_pane_app_request(struct cm_pane_app *a, const struct cm_pane_request *r, double now)
{
	struct cm_prof_pane *p = &a->pane;
	a->dirty = true;
	switch (r->what) {
	case CM_PANE_REQ_OPEN:
		open_profile(a, r, now);
		break;
	case CM_PANE_REQ_REFETCH:
		if (p->open)
			start_fetch(a, now);
		break;
	case CM_PANE_REQ_CANCEL:
		if (a->id) {
			stop_fetch(a);
			cm_pane_cancelled(p);
		}
		break;
	case CM_PANE_REQ_CLOSE:
		close_pane(a);
		break;
	case CM_PANE_REQ_LIVE:
		if (p->open && !cm_pane_toggle_live(p, now))
			snprintf(p->note, sizeof p->note, "live refresh is for snapshots; a CPU "
				 "profile is a capture (r captures again)");
		break;
	default:
		break;
	}
}

double cm_pane_app_run_due(struct cm_pane_app *a, double now)
{
	struct cm_prof_pane *p = &a->pane;
	if (cm_pane_live_due(p, now))
		start_fetch(a, now);
	if (p->phase == CM_PANE_CAPTURING) {
		int left = cm_prof_seconds_left(p->ends, now);
		if (left != a->shown_left) {
			a->shown_left = left;
			a->dirty = true;
		}
	}
	return cm_pane_next_wake(p, now);
}
