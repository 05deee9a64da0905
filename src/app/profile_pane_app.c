/* profile_pane_app: see profile_pane_app.h.
 *
 * One transfer at most: a new request cancels the one in flight, so a
 * callback always belongs to the pane's current kind and service. A
 * cancelled CPU capture also ends on the service's side: Go's handler
 * stops profiling when its client goes away.
 *
 * The bytes of what the pane shows are the app's (the viewer gets them
 * decoded): a CPU capture's in the history, a snapshot's in `last`. w
 * writes them (through the saver the screen's pane calls). */
#include "profile_pane_app.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmon/viewer/viewer.h"
#include "pprof_save.h"
#include "ui/pview.h"
#include "ui/ui.h"

static double clock_s(clockid_t which)
{
	struct timespec ts;
	clock_gettime(which, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the bytes shown, the history, w ---- */

/* The bytes of the profile shown, or NULL. */
static struct cm_pane_body *shown_body(struct cm_pane_app *a)
{
	if (a->shown < a->nhistory)
		return &a->history[a->shown];
	return a->last.data ? &a->last : NULL;
}

/* The title's "capture 2/3": the shown capture's place among this
 * service's, and whether it still needs saving. */
static void count_captures(struct cm_pane_app *a)
{
	struct cm_prof_pane *p = &a->pane;
	p->capture = p->captures = 0;
	for (size_t i = 0; i < a->nhistory; i++) {
		if (a->history[i].svc != p->svc)
			continue;
		p->captures++;
		if (i == a->shown)
			p->capture = p->captures;
	}
	p->unsaved = a->shown < a->nhistory && !a->history[a->shown].saved;
}

static void drop_oldest(struct cm_pane_app *a)
{
	free(a->history[0].data);
	memmove(a->history, a->history + 1, (a->nhistory - 1) * sizeof(a->history[0]));
	a->nhistory--;
	a->shown = a->shown > 0 ? a->shown - 1 : a->nhistory; /* dropped: none shown */
	if (a->shown > a->nhistory)
		a->shown = a->nhistory;
}

static size_t history_bytes(const struct cm_pane_app *a)
{
	size_t n = 0;
	for (size_t i = 0; i < a->nhistory; i++)
		n += a->history[i].len;
	return n;
}

/* A CPU capture kept is a mark on its service's timeline: the zoom shows
 * it, and v there opens it again (cm_pane_app_open_capture). */
static void mark_capture(struct cm_pane_app *a, const struct cm_pane_body *b)
{
	if (b->svc >= a->mon->nsvc)
		return;
	struct cm_mark mk = {.t = b->wall, .t_start = b->wall - a->pane.seconds,
			     .kind = CM_MARK_CAPTURE, .id = b->id};
	snprintf(mk.what, sizeof mk.what, "cpu %ds", a->pane.seconds);
	cm_marks_add(&a->mon->svc[b->svc].marks, &mk); /* out of memory: no mark */
}

/* Keeps a copy of the body that came (a CPU capture in the history, a
 * snapshot as `last`) as the one shown. Out of memory, or over the
 * budget alone: not kept, and w says there is nothing to write. */
static void keep_body(struct cm_pane_app *a, const struct cm_fetch_result *r, double wall)
{
	struct cm_prof_pane *p = &a->pane;
	unsigned char *copy = r->len <= CM_PANE_HISTORY_BYTES ? malloc(r->len ? r->len : 1) : NULL;
	if (copy)
		memcpy(copy, r->body, r->len);
	struct cm_pane_body b = {copy, r->len, p->svc, wall, false, 0};
	a->shown = a->nhistory;
	if (p->kind != CM_PROF_CPU || !copy) {
		free(a->last.data);
		a->last = b;
		count_captures(a);
		return;
	}
	while (a->nhistory > 0 && (a->nhistory == CM_PANE_HISTORY_MAX ||
				   history_bytes(a) + r->len > CM_PANE_HISTORY_BYTES))
		drop_oldest(a);
	b.id = ++a->next_id;
	mark_capture(a, &b);
	a->history[a->nhistory++] = b;
	a->shown = a->nhistory - 1;
	count_captures(a);
}

static int propose_path(void *ctx, char *out, size_t len)
{
	struct cm_pane_body *b = shown_body(ctx);
	if (!b) {
		snprintf(out, len, "no bytes of this profile to write (out of memory)");
		return -1;
	}
	return cm_pprof_save_path_of(b->data, b->len, CM_DEFAULT_MAX_INFLATED, NULL, out, len);
}

static int save_shown(void *ctx, const char *path, char *msg, size_t len)
{
	struct cm_pane_app *a = ctx;
	struct cm_pane_body *b = shown_body(a);
	if (!b) {
		snprintf(msg, len, "no bytes of this profile to write (out of memory)");
		return -1;
	}
	if (cm_pprof_write_new(path, b->data, b->len, msg, len) < 0)
		return -1;
	b->saved = true;
	count_captures(a);
	a->dirty = true;
	return 0;
}

void cm_pane_app_init(struct cm_pane_app *a, struct cm_fetch *f, struct cm_monitor *m,
		      struct cm_ui *ui, int seconds, double interval)
{
	memset(a, 0, sizeof *a);
	a->fetch = f;
	a->mon = m;
	a->ui = ui;
	a->pane.seconds = seconds;
	a->pane.live_every = interval > CM_PROF_LIVE_MIN ? interval : CM_PROF_LIVE_MIN;
	if (ui)
		cm_ui_set_pane_saver(ui, &(struct cm_pview_saver){propose_path, save_shown, a});
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
	free(a->last.data);
	a->last = (struct cm_pane_body){0};
	a->shown = a->nhistory;
	count_captures(a);
}

void cm_pane_app_free(struct cm_pane_app *a)
{
	stop_fetch(a);
	forget_viewer(a);
	while (a->nhistory)
		drop_oldest(a);
}

/* Puts the body into the pane's viewer (a new one for a first profile,
 * with the core's decoding limit); a viewer that never got a profile is
 * not kept. 0, or -1 with the reason in err. */
static int load(struct cm_pane_app *a, const unsigned char *data, size_t len, double now,
		char *err, size_t errlen)
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
	if (cm_viewer_load(a->pane.viewer, data, len, now, err, errlen) == 0)
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
	} else if (load(a, (const unsigned char *)r->body, r->len, now, err, sizeof err) < 0) {
		snprintf(note, sizeof note, "the profile could not be read: %s", err);
		cm_pane_fail(p, note, now);
	} else {
		double wall = clock_s(CLOCK_REALTIME);
		keep_body(a, r, wall);
		cm_pane_done(p, wall, now);
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

/* < and >: the capture before or after the one shown, of the same
 * service; from a running capture or none shown, the newest. dir 0: the
 * capture at index at. */
static void step_capture(struct cm_pane_app *a, int dir, double now, size_t at)
{
	struct cm_prof_pane *p = &a->pane;
	char err[256];
	if (p->kind != CM_PROF_CPU) {
		snprintf(p->note, sizeof p->note, "< and > go through CPU captures; this is a %s "
			 "profile", cm_prof_kind_name(p->kind));
		return;
	}
	size_t i = dir == 0 ? at : a->shown < a->nhistory ? a->shown : a->nhistory;
	bool found = dir == 0 && at < a->nhistory;
	while (!found && (dir < 0 ? i > 0 : i + 1 < a->nhistory)) {
		i = dir < 0 ? i - 1 : i + 1;
		found = a->history[i].svc == p->svc;
	}
	if (!found) {
		snprintf(p->note, sizeof p->note, "no %s capture of this service",
			 dir < 0 ? "earlier" : "later");
		return;
	}
	struct cm_pane_body *b = &a->history[i];
	if (load(a, b->data, b->len, now, err, sizeof err) < 0) {
		snprintf(p->note, sizeof p->note, "the capture could not be read: %.200s", err);
		return;
	}
	a->shown = i;
	p->fetched_at = b->wall;
	if (p->phase == CM_PANE_IDLE)
		p->note[0] = '\0';
	count_captures(a);
}

/* Shows history[i] in the pane, opened on its service's CPU profile. */
static void show_capture(struct cm_pane_app *a, size_t i, double now)
{
	struct cm_prof_pane *p = &a->pane;
	if (!p->open || p->kind != CM_PROF_CPU || p->svc != a->history[i].svc) {
		stop_fetch(a);
		forget_viewer(a);
		p->kind = CM_PROF_CPU;
		p->svc = a->history[i].svc;
		p->live = false;
		p->phase = CM_PANE_IDLE;
	}
	p->open = true;
	p->note[0] = '\0';
	a->shown = a->nhistory; /* none while it loads */
	step_capture(a, 0, now, i);
}

int cm_pane_app_open_capture(struct cm_pane_app *a, uint32_t id, double now)
{
	a->dirty = true;
	for (size_t i = 0; id && i < a->nhistory; i++) {
		if (a->history[i].id == id) {
			show_capture(a, i, now);
			return 0;
		}
	}
	struct cm_prof_pane *p = &a->pane;
	snprintf(p->note, sizeof p->note, "capture %u is no longer kept (at most %d, %zu MB)",
		 (unsigned)id, CM_PANE_HISTORY_MAX, CM_PANE_HISTORY_BYTES >> 20);
	return -1;
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
	case CM_PANE_REQ_OLDER:
	case CM_PANE_REQ_NEWER:
		if (p->open)
			step_capture(a, r->what == CM_PANE_REQ_OLDER ? -1 : 1, now, 0);
		break;
	case CM_PANE_REQ_CAPTURE:
		cm_pane_app_open_capture(a, r->id, now);
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

static size_t svc_after(const size_t *to, size_t nold, size_t i)
{
	return i < nold ? to[i] : SIZE_MAX;
}

void cm_pane_app_services_changed(struct cm_pane_app *a, const size_t *to, size_t nold)
{
	for (size_t i = 0; i < a->nhistory; i++)
		a->history[i].svc = svc_after(to, nold, a->history[i].svc);
	a->last.svc = svc_after(to, nold, a->last.svc);
	struct cm_prof_pane *p = &a->pane;
	if (!p->open)
		return;
	p->svc = svc_after(to, nold, p->svc);
	if (p->svc != SIZE_MAX)
		return;
	stop_fetch(a);
	p->phase = CM_PANE_IDLE;
	p->live = false;
	snprintf(p->note, sizeof p->note, "the service left the list");
	a->dirty = true;
}
