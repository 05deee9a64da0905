/* profile_pane_app: see profile_pane_app.h.
 *
 * One transfer at most: a new request cancels the one in flight, so a
 * callback always belongs to the pane's current kind and service. A
 * cancelled CPU capture also ends on the service's side: Go's handler
 * stops profiling when its client goes away.
 *
 * The bytes of what the pane shows are the app's (the viewer gets them
 * decoded): a capture's in the store (capstore.h), a snapshot's in `last`. w
 * writes them (through the saver the screen's pane calls). */
#include "profile_pane_app.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmon/profile/profile_encode.h"
#include "cmon/profile/profile_ops.h"
#include "cmon/viewer/viewer.h"
#include "pprof_save.h"
#include "record.h"
#include "ui/pview.h"
#include "ui/ui.h"

static double clock_s(clockid_t which)
{
	struct timespec ts;
	clock_gettime(which, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the bytes shown, the captures, w ---- */

/* The bytes of the profile shown: a capture's or the last snapshot's.
 * False when there are none. */
static bool shown_bytes(struct cm_pane_app *a, const unsigned char **data, size_t *len,
			bool **saved)
{
	struct cm_capture *c = a->shown ? cm_capstore_get(&a->store, a->shown) : NULL;
	if (c) {
		*data = c->data;
		*len = c->len;
		*saved = &c->saved;
		return true;
	}
	*data = a->last.data;
	*len = a->last.len;
	*saved = &a->last.saved;
	return a->last.data != NULL;
}

/* The title's "capture 2/3": the shown capture's place among this
 * service's of the kind shown, and whether it still needs saving. */
static void count_captures(struct cm_pane_app *a)
{
	struct cm_prof_pane *p = &a->pane;
	p->capture = p->captures = 0;
	for (size_t i = 0; i < a->store.n; i++) {
		const struct cm_capture *c = &a->store.v[i];
		if (c->svc != p->svc || c->kind != p->kind)
			continue;
		p->captures++;
		if (c->id == a->shown)
			p->capture = p->captures;
	}
	const struct cm_capture *c = a->shown ? cm_capstore_get(&a->store, a->shown) : NULL;
	p->unsaved = c && !c->saved;
}

uint32_t cm_pane_app_keep_capture(struct cm_pane_app *a, const struct cm_capture *c,
				  const unsigned char *data, size_t len)
{
	uint32_t id = cm_capstore_add(&a->store, c, data, len);
	if (!id || c->svc >= a->mon->nsvc)
		return id;
	struct cm_mark mk = {.t = c->t, .t_start = c->t_start, .kind = CM_MARK_CAPTURE, .id = id};
	snprintf(mk.what, sizeof mk.what, "%s", c->what);
	cm_marks_add(&a->mon->svc[c->svc].marks, &mk); /* out of memory: no mark, kept still */
	count_captures(a);
	return id;
}

/* Keeps a copy of data as `last`, the one shown that is no capture of
 * the store. Out of memory, or over the budget alone: not kept, and w
 * says there is nothing to write. */
static void keep_last(struct cm_pane_app *a, const char *data, size_t len, double wall)
{
	unsigned char *copy = len <= CM_CAPSTORE_BYTES ? malloc(len ? len : 1) : NULL;
	if (copy)
		memcpy(copy, data, len);
	free(a->last.data);
	a->last = (struct cm_pane_body){copy, len, a->pane.svc, wall, false};
}

/* Keeps a copy of the body that came (a CPU capture in the store, a
 * snapshot as `last`) as the one shown, and records it. */
static void keep_body(struct cm_pane_app *a, const struct cm_fetch_result *r, double wall)
{
	struct cm_prof_pane *p = &a->pane;
	double t_start = p->kind == CM_PROF_CPU ? wall - p->seconds : wall;
	cm_pane_app_captured(a, p->svc, p->kind, t_start, wall, "key", r->body, r->len);
	a->shown = 0;
	if (p->kind == CM_PROF_CPU) {
		struct cm_capture c = {.svc = p->svc, .kind = p->kind, .t_start = wall - p->seconds,
				       .t = wall};
		snprintf(c.what, sizeof c.what, "cpu %ds", p->seconds);
		a->shown = cm_pane_app_keep_capture(a, &c, (const unsigned char *)r->body, r->len);
	}
	if (!a->shown)
		keep_last(a, r->body, r->len, wall);
	count_captures(a);
}

static int propose_path(void *ctx, char *out, size_t len)
{
	const unsigned char *data;
	size_t n;
	bool *saved;
	if (!shown_bytes(ctx, &data, &n, &saved)) {
		snprintf(out, len, "no bytes of this profile to write (out of memory)");
		return -1;
	}
	return cm_pprof_save_path_of(data, n, CM_DEFAULT_MAX_INFLATED, NULL, out, len);
}

static int save_shown(void *ctx, const char *path, char *msg, size_t len)
{
	struct cm_pane_app *a = ctx;
	const unsigned char *data;
	size_t n;
	bool *saved;
	if (!shown_bytes(a, &data, &n, &saved)) {
		snprintf(msg, len, "no bytes of this profile to write (out of memory)");
		return -1;
	}
	if (cm_pprof_write_new(path, data, n, msg, len) < 0)
		return -1;
	*saved = true;
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
	cm_capstore_init(&a->store, CM_CAPSTORE_MAX, CM_CAPSTORE_BYTES);
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
	a->shown = 0;
	count_captures(a);
}

void cm_pane_app_free(struct cm_pane_app *a)
{
	stop_fetch(a);
	forget_viewer(a);
	cm_capstore_free(&a->store);
	free(a->carry);
	a->carry = NULL;
}

/* ---- the base across services ---- */

/* The pane leaves its viewer for another service's profile of the same
 * kind: a base marked there (b) is copied to go with it. */
static void keep_base(struct cm_pane_app *a, enum cm_prof_kind kind, size_t svc)
{
	struct cm_prof_pane *p = &a->pane;
	const struct cm_profile *b = p->viewer ? cm_viewer_base(p->viewer) : NULL;
	free(a->carry);
	a->carry = NULL;
	if (!b || !p->open || kind != p->kind || svc == p->svc)
		return;
	/* as bytes: a copy shares the strings of the viewer about to go */
	struct cm_profile *copy = cm_profile_clone(b);
	char err[160];
	if (!copy || cm_profile_number_as_merged(copy) < 0 ||
	    cm_profile_encode(copy, CM_DEFAULT_MAX_INFLATED, &a->carry, &a->carry_len, err,
			      sizeof err) < 0)
		a->carry = NULL; /* out of memory: the base is left behind */
	cm_profile_free(copy);
	if (b != a->carried && p->svc < a->mon->nsvc) { /* marked here, not carried in */
		char name[64];
		cm_svc_label(name, sizeof name, a->mon, p->svc);
		snprintf(a->base_from, sizeof a->base_from, "%s %s", name, cm_prof_kind_name(kind));
		cm_text_clean_str(a->base_from, 0);
	}
}

/* A new viewer takes the base carried, and says whose it is. */
static void give_base(struct cm_pane_app *a)
{
	char err[160];
	struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED};
	struct cm_profile *b = a->carry ? cm_profile_decode(a->carry, a->carry_len, &lim, err,
							    sizeof err) : NULL;
	free(a->carry);
	a->carry = NULL;
	a->carried = NULL;
	if (!b)
		return;
	a->carried = b;
	if (cm_viewer_set_base(a->pane.viewer, b, true, err, sizeof err) < 0) {
		a->carried = NULL;
		return;
	}
	a->base_news = true;
}

/* Once the new viewer shows its first profile: whose base it is diffed
 * against ("base: demo:6061 heap"). */
static void note_base(struct cm_pane_app *a)
{
	if (!a->base_news)
		return;
	a->base_news = false;
	snprintf(a->pane.note, sizeof a->pane.note, "base: %s", a->base_from);
}

/* The pane turns to kind of service svc (a new viewer, the base kept
 * when the kind is the same), or stays when it shows them already. */
static void switch_to(struct cm_pane_app *a, enum cm_prof_kind kind, size_t svc)
{
	struct cm_prof_pane *p = &a->pane;
	if (p->open && p->kind == kind && p->svc == svc)
		return;
	keep_base(a, kind, svc);
	stop_fetch(a);
	forget_viewer(a);
	p->kind = kind;
	p->svc = svc;
	p->live = false;
	p->phase = CM_PANE_IDLE;
	p->note[0] = '\0';
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
		give_base(a);
	}
	if (cm_viewer_load(a->pane.viewer, data, len, now, err, errlen) == 0)
		return 0;
	if (!cm_viewer_has_profile(a->pane.viewer))
		forget_viewer(a);
	return -1;
}

void cm_pane_app_record(struct cm_pane_app *a, struct cm_rec *rec)
{
	a->rec = rec;
}

void cm_pane_app_captured(struct cm_pane_app *a, size_t svc, enum cm_prof_kind kind,
			  double t_start, double t_end, const char *why, const void *data,
			  size_t len)
{
	if (a->rec)
		cm_rec_profile(a->rec, svc, kind, t_start, t_end, why, data, len);
}

int cm_pane_app_show(struct cm_pane_app *a, size_t svc, enum cm_prof_kind kind,
		     const unsigned char *data, size_t len, double wall, double now, char *err,
		     size_t errlen)
{
	struct cm_prof_pane *p = &a->pane;
	cm_pane_app_request(a, &(struct cm_pane_request){.what = CM_PANE_REQ_CLOSE}, now);
	p->kind = kind;
	p->svc = svc;
	p->open = true;
	a->dirty = true;
	if (load(a, data, len, now, err, errlen) < 0) {
		char note[320];
		snprintf(note, sizeof note, "the recorded profile could not be read: %s", err);
		cm_pane_fail(p, note, now);
		return -1;
	}
	/* shown again, not captured again: no second record, store entry or
	 * mark (the replay marked it with its recording's id) */
	a->shown = 0;
	keep_last(a, (const char *)data, len, wall);
	count_captures(a);
	cm_pane_done(p, wall, now);
	p->next_live = now + CM_PROF_NEVER;
	return 0;
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
		p->span[0] = '\0';
		cm_pane_done(p, wall, now);
		note_base(a);
	}
}

long cm_pane_app_fetch(struct cm_fetch *f, const struct cm_target *t, enum cm_prof_kind k,
		       int seconds, cm_fetch_cb cb, void *ctx)
{
	char *url = cm_prof_url(t, k, seconds);
	struct cm_request req = {
		.url = url,
		.user = t->user,
		.password = t->password,
		.unix_socket = t->unix_socket, /* through its ssh tunnel, as its polls */
		.timeout_ms = cm_prof_timeout_ms(k, seconds),
		.max_body = CM_PROF_MAX_BODY,
		.cb = cb,
		.ctx = ctx,
	};
	long id = url ? cm_fetch_start(f, &req) : -1;
	free(url);
	return id;
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
	a->id = cm_pane_app_fetch(a->fetch, &a->mon->targets.v[p->svc], p->kind, p->seconds,
				  on_profile, a);
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
	switch_to(a, r->kind, r->svc);
	a->pane.open = true;
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

/* Shows capture c in the pane's viewer (the pane already on its service
 * and kind). 0, or -1 with the note saying why. */
static int show_capture(struct cm_pane_app *a, const struct cm_capture *c, double now)
{
	struct cm_prof_pane *p = &a->pane;
	char err[256];
	if (load(a, c->data, c->len, now, err, sizeof err) < 0) {
		snprintf(p->note, sizeof p->note, "the capture could not be read: %.200s", err);
		return -1;
	}
	a->shown = c->id;
	p->fetched_at = c->t;
	p->span[0] = '\0';
	if (p->phase == CM_PANE_IDLE)
		p->note[0] = '\0';
	note_base(a);
	count_captures(a);
	return 0;
}

/* < and >: the capture before or after the one shown, of the same
 * service and kind; from a running capture or none shown, the newest. */
static void step_capture(struct cm_pane_app *a, int dir, double now)
{
	struct cm_prof_pane *p = &a->pane;
	const struct cm_capture *c = cm_capstore_step(&a->store, a->shown, dir, p->svc, p->kind);
	if (!c) {
		snprintf(p->note, sizeof p->note, "no %s capture of this service",
			 dir < 0 ? "earlier" : "later");
		return;
	}
	show_capture(a, c, now);
}

int cm_pane_app_open_capture(struct cm_pane_app *a, uint32_t id, double now)
{
	struct cm_prof_pane *p = &a->pane;
	const struct cm_capture *c = cm_capstore_get(&a->store, id);
	a->dirty = true;
	if (!c || c->svc >= a->mon->nsvc) {
		snprintf(p->note, sizeof p->note, "capture %u is no longer kept (the oldest go "
			 "past %d captures or %zu MB)", id, CM_CAPSTORE_MAX, CM_CAPSTORE_BYTES >> 20);
		return -1;
	}
	switch_to(a, c->kind, c->svc);
	if (a->id) {
		stop_fetch(a); /* what was on its way is not what was asked for */
		cm_pane_cancelled(p);
	}
	p->open = true;
	p->phase = CM_PANE_IDLE;
	return show_capture(a, c, now);
}

/* The CPU captures of svc overlapping [t0, t1], decoded, into ps (at most
 * cap); how many. Ones that do not decode are passed over. */
static size_t span_profiles(struct cm_pane_app *a, size_t svc, double t0, double t1,
			    struct cm_profile **ps, size_t cap)
{
	struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED};
	size_t n = 0;
	char err[160];
	for (size_t i = 0; i < a->store.n && n < cap; i++) {
		const struct cm_capture *c = &a->store.v[i];
		if (c->svc != svc || c->kind != CM_PROF_CPU || c->t < t0 || c->t_start > t1)
			continue;
		ps[n] = cm_profile_decode(c->data, c->len, &lim, err, sizeof err);
		n += ps[n] != NULL;
	}
	return n;
}

/* The merged profile's bytes, kept as `last` (w writes them) and shown.
 * 0, or -1 with the reason in err. */
static int show_merged(struct cm_pane_app *a, struct cm_profile *m, double now, char *err,
		       size_t errlen)
{
	unsigned char *bytes = NULL;
	size_t len = 0;
	int rc = cm_profile_number_as_merged(m); /* the ids the encoder writes */
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	else
		rc = cm_profile_encode(m, CM_DEFAULT_MAX_INFLATED, &bytes, &len, err, errlen);
	cm_profile_free(m);
	if (rc < 0)
		return -1;
	if (load(a, bytes, len, now, err, errlen) < 0) {
		free(bytes);
		return -1;
	}
	free(a->last.data);
	a->last = (struct cm_pane_body){bytes, len, a->pane.svc, 0, false};
	a->shown = 0;
	count_captures(a);
	return 0;
}

int cm_pane_app_open_span(struct cm_pane_app *a, size_t svc, double t0, double t1, double now)
{
	struct cm_prof_pane *p = &a->pane;
	struct cm_profile *ps[CM_CAPSTORE_MAX];
	char err[200];
	a->dirty = true;
	if (svc >= a->mon->nsvc)
		return -1;
	size_t n = span_profiles(a, svc, t0 < t1 ? t0 : t1, t0 < t1 ? t1 : t0, ps, CM_CAPSTORE_MAX);
	switch_to(a, CM_PROF_CPU, svc);
	if (a->id) {
		stop_fetch(a);
		cm_pane_cancelled(p);
	}
	p->open = true;
	p->phase = CM_PANE_IDLE;
	p->note[0] = '\0';
	if (!n) {
		snprintf(p->note, sizeof p->note, "no CPU capture of this service in the span "
			 "(O in the pane captures back to back)");
		return -1;
	}
	struct cm_profile *m = cm_profile_merge(ps, n, err, sizeof err);
	if (!m || show_merged(a, m, now, err, sizeof err) < 0) {
		snprintf(p->note, sizeof p->note, "the span's captures could not be merged: %.180s",
			 err);
		return -1;
	}
	char from[16], to[16];
	cm_clock_text(from, sizeof from, t0 < t1 ? t0 : t1, false);
	cm_clock_text(to, sizeof to, t0 < t1 ? t1 : t0, false);
	snprintf(p->span, sizeof p->span, "span %s-%s (%zu)", from, to, n);
	p->fetched_at = t0 < t1 ? t1 : t0;
	note_base(a);
	return 0;
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
			step_capture(a, r->what == CM_PANE_REQ_OLDER ? -1 : 1, now);
		break;
	case CM_PANE_REQ_CAPTURE:
		cm_pane_app_open_capture(a, r->id, now);
		break;
	case CM_PANE_REQ_SPAN:
		cm_pane_app_open_span(a, r->svc, r->t0, r->t1, now);
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
	cm_capstore_services_changed(&a->store, to, nold);
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
