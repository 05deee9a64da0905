/* replay: `cmon replay FILE [-dummy] [-json]`. See replay.h.
 *
 * The screen plays the recording on a clock of its own (pos, the
 * recording's wall seconds): every event up to pos is applied to the
 * monitor, which the screen draws as it drew the live one, at pos. A jump
 * back rebuilds the monitor from the first event (the model is a fold of
 * the events; nothing else is kept to go back with). */
#include "replay.h"

#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmon/app/monitor_app.h"
#include "cmon/base/flags.h"
#include "cmon/base/strbuf.h"
#include "json_out.h"
#include "profile_pane_app.h"
#include "replay_db.h"
#include "ui/ui.h"

#define FRAME_GAP 0.1 /* seconds between frames while playing */

static const int speeds[] = {1, 10, 100, 1000};
#define NSPEEDS ((int)(sizeof speeds / sizeof speeds[0]))

struct rargs {
	bool dummy, json, help;
	const char *glyphs, *theme;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cmon replay FILE [-dummy] [-json] [-glyphs name] [-theme name]\n"
		"\n"
		"Shows a recording made with -record=FILE on the monitor's screen, with its\n"
		"keys, plus: space play/pause, ] faster, [ slower (1x 10x 100x 1000x),\n"
		"J jump to a time (HH:MM:SS, or +1m / -30s from the time shown), { and }\n"
		"the previous/next restart, outage or captured profile. Captured profiles\n"
		"open in the profile pane as the replay reaches them.\n"
		"\n"
		"  -dummy   print the blocks the live -dummy printed, at their times\n"
		"  -json    print them as -json's lines (NDJSON)\n");
}

/* ---- -dummy and -json: every block, at its recorded moment ---- */

static int print_all(struct cm_replay *rp, bool json)
{
	unsigned clean = cm_codeset_is_utf8(nl_langinfo(CODESET)) ? CM_CLEAN_UTF8 : 0;
	struct cm_strbuf block = {0};
	struct cm_rp_event ev;
	char err[320];
	int rc;
	while ((rc = cm_replay_step(rp, &ev, err, sizeof err)) > 0) {
		if (ev.type != CM_RP_TICK)
			continue;
		block.len = 0;
		if (json)
			cm_json_lines(&rp->mon, ev.t, clean, &block);
		else
			cm_monitor_text(&rp->mon, &block, ev.t, clean);
		if (block.oom || fwrite(block.s, 1, block.len, stdout) != block.len) {
			snprintf(err, sizeof err, "%s", block.oom ? "out of memory" : strerror(errno));
			rc = -1;
			break;
		}
	}
	cm_strbuf_free(&block);
	if (rc < 0)
		fprintf(stderr, "cmon replay: %s\n", err);
	return rc < 0 ? 1 : 0;
}

/* ---- the screen ---- */

struct rscreen {
	struct cm_replay *rp;
	struct cm_ui *ui;
	struct cm_pane_app pane;
	double pos;        /* the recording's wall seconds shown */
	double last_mono;  /* when pos last moved */
	int speed;         /* index in speeds */
	sqlite3_int64 shown_profile;   /* in the pane */
	sqlite3_int64 reached_profile; /* the newest the replay reached, shown then */
	bool failed;       /* an event could not be read: stopped there */
	bool dirty;
	double last_draw;
	const char *file;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void services_changed(void *ctx, const size_t *to, size_t nold)
{
	struct rscreen *r = ctx;
	cm_ui_services_changed(r->ui, to, nold);
	cm_pane_app_services_changed(&r->pane, to, nold);
}

static void fail_note(struct rscreen *r, const char *err)
{
	snprintf(r->rp->mon.note, sizeof r->rp->mon.note, "%.190s", err);
	r->rp->mon.note_bad = true;
	r->failed = true;
	r->rp->mon.paused = true;
}

/* Applies every event up to pos. */
static void catch_up(struct rscreen *r)
{
	struct cm_rp_event ev;
	char err[320];
	while (!r->failed && r->rp->have_next && r->rp->next.t <= r->pos) {
		if (cm_replay_step(r->rp, &ev, err, sizeof err) < 0)
			fail_note(r, err);
		r->dirty = true;
	}
}

/* Recorded profile id in the pane, as it was when captured. */
static void show_profile_id(struct rscreen *r, sqlite3_int64 id, double now)
{
	r->shown_profile = id;
	size_t svc;
	enum cm_prof_kind kind;
	double t_end;
	unsigned char *data = NULL;
	size_t len;
	char err[256];
	if (cm_replay_profile(r->rp, id, &svc, &kind, &t_end, &data, &len, err, sizeof err) == 0)
		cm_pane_app_show(&r->pane, svc, kind, data, len, t_end, now, err, sizeof err);
	else
		snprintf(r->pane.pane.note, sizeof r->pane.pane.note, "%s", err);
	free(data);
	r->dirty = true;
}

/* < and >: the recorded profile of the shown one's service and kind
 * before or after it (up to where the replay is). */
static void step_profile(struct rscreen *r, int dir, double now)
{
	char err[160];
	sqlite3_int64 id = cm_replay_profile_step(r->rp, r->shown_profile, dir, err, sizeof err);
	r->dirty = true;
	if (id > 0)
		show_profile_id(r, id, now);
	else if (id == 0)
		snprintf(r->pane.pane.note, sizeof r->pane.pane.note, "no %s capture of this service",
			 dir < 0 ? "earlier" : "later");
	else
		snprintf(r->pane.pane.note, sizeof r->pane.pane.note, "%s", err);
}

/* The newest profile the replay reached opens in the pane, as it did
 * when it was captured, once: < and > may show another meanwhile. */
static void show_profile(struct rscreen *r, double now)
{
	sqlite3_int64 id = r->rp->last_profile;
	if (id && id != r->reached_profile) {
		r->reached_profile = id;
		show_profile_id(r, id, now);
	}
}

/* Everyone leaves (the screen and the pane are told), then the events
 * from the first again up to pos. */
static void rewind_to(struct rscreen *r, double t)
{
	char err[320];
	size_t n = r->rp->mon.nsvc;
	size_t *to = malloc((n ? n : 1) * sizeof *to);
	if (!to) {
		fail_note(r, "out of memory");
		return;
	}
	for (size_t k = 0; k < n; k++)
		to[k] = SIZE_MAX;
	services_changed(r, to, n);
	free(to);
	bool paused = r->rp->mon.paused;
	if (cm_replay_reset(r->rp, err, sizeof err) < 0) {
		fail_note(r, err);
		return;
	}
	r->rp->mon.paused = paused;
	r->failed = false;
	r->pos = t;
	catch_up(r);
}

static void jump(struct rscreen *r, double t, double now)
{
	if (t < r->rp->t_first)
		t = r->rp->t_first;
	if (t > r->rp->t_last)
		t = r->rp->t_last;
	if (t < r->pos)
		rewind_to(r, t);
	r->pos = t;
	catch_up(r);
	show_profile(r, now);
	r->dirty = true;
}

/* J's text: HH:MM:SS (or HH:MM) on the day shown, or +/-DURATION from
 * the time shown. False when it is neither. */
static bool parse_when(const char *s, double pos, double *t)
{
	long long ns;
	if ((s[0] == '+' || s[0] == '-') && cm_duration_parse(s + 1, &ns) == 0) {
		*t = pos + (s[0] == '-' ? -1 : 1) * (double)ns / 1e9;
		return true;
	}
	int h, m, sec = 0, used = 0;
	if (sscanf(s, "%d:%d%n:%d%n", &h, &m, &used, &sec, &used) < 2 || s[used] || h < 0 ||
	    h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return false;
	time_t now = (time_t)pos;
	struct tm tm;
	if (!localtime_r(&now, &tm))
		return false;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	*t = (double)mktime(&tm);
	return true;
}

static void header_note(struct rscreen *r)
{
	if (r->failed)
		return;
	char at[16] = "";
	time_t t = (time_t)r->pos;
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(at, sizeof at, "%H:%M:%S", &tm);
	bool end = !r->rp->have_next;
	snprintf(r->rp->mon.note, sizeof r->rp->mon.note, "replay %.100s %s (%dx%s)", r->file, at,
		 speeds[r->speed], end ? ", end" : r->rp->mon.paused ? ", paused" : "");
	r->rp->mon.note_bad = false;
}

static void host_key(struct rscreen *r, double now)
{
	char text[64];
	int k = cm_ui_host_key(r->ui, text, sizeof text);
	double t;
	switch (k) {
	case ']':
	case '[':
		r->speed += k == ']' ? 1 : -1;
		r->speed = r->speed < 0 ? 0 : r->speed >= NSPEEDS ? NSPEEDS - 1 : r->speed;
		break;
	case 'J':
		cm_ui_prompt(r->ui, "jump to (HH:MM:SS, +1m, -30s): ");
		break;
	case '{':
	case '}':
		/* none left that way: the start or the end */
		if (!cm_replay_find(r->rp, r->pos, k == '}' ? 1 : -1, &t))
			t = k == '}' ? r->rp->t_last : r->rp->t_first;
		jump(r, t, now);
		break;
	case CM_UI_PROMPT_DONE:
		if (parse_when(text, r->pos, &t))
			jump(r, t, now);
		break;
	default:
		break;
	}
	r->dirty = true;
}

/* The pane's requests: what shows recorded bytes goes through; fetching
 * has nothing to fetch from. */
static void pane_request(struct rscreen *r, const struct cm_pane_request *rq, double now)
{
	if (rq->what == CM_PANE_REQ_CAPTURE) { /* the zoom's v: a mark's id is a profiles.id */
		show_profile_id(r, rq->id, now);
		return;
	}
	if ((rq->what == CM_PANE_REQ_OLDER || rq->what == CM_PANE_REQ_NEWER) && r->shown_profile) {
		/* the recorded captures of the service, not the pane's store */
		step_profile(r, rq->what == CM_PANE_REQ_OLDER ? -1 : 1, now);
		return;
	}
	if (rq->what == CM_PANE_REQ_OPEN || rq->what == CM_PANE_REQ_REFETCH ||
	    rq->what == CM_PANE_REQ_LIVE) {
		snprintf(r->pane.pane.note, sizeof r->pane.pane.note,
			 "a replay fetches nothing: the profiles captured open as the replay "
			 "reaches them ({ and } jump to them)");
		if (r->pane.pane.viewer || rq->what != CM_PANE_REQ_OPEN)
			return;
		r->pane.pane.open = true; /* to say so */
		r->pane.pane.svc = rq->svc;
		r->pane.pane.kind = rq->kind;
		return;
	}
	cm_pane_app_request(&r->pane, rq, now);
}

/* Every pending key. True to quit. */
static bool read_keys(struct rscreen *r, double now)
{
	for (int i = 0; i < 64; i++) {
		struct cm_pane_request rq;
		bool was = r->rp->mon.paused;
		int fl = cm_ui_input(r->ui, &r->rp->mon, &r->pane.pane, &rq, now);
		if (fl & CM_UI_QUIT)
			return true;
		if (fl & CM_UI_DIRTY)
			r->dirty = true;
		if (was && !r->rp->mon.paused) {
			r->last_mono = now; /* the pause was no time played */
			if (!r->rp->have_next) /* play at the end: from the start */
				jump(r, r->rp->t_first, now);
		}
		if (fl & CM_UI_PANE)
			pane_request(r, &rq, now);
		if (fl & CM_UI_HOST)
			host_key(r, now);
		if (!(fl & (CM_UI_PANE | CM_UI_HOST)))
			break;
	}
	return false;
}

static void advance(struct rscreen *r, double now)
{
	if (!r->rp->mon.paused && !r->failed) {
		r->pos += (now - r->last_mono) * speeds[r->speed];
		if (r->pos >= r->rp->t_last) {
			r->pos = r->rp->t_last;
			r->rp->mon.paused = true; /* the end: stays on the last screen */
		}
		r->dirty = true;
	}
	r->last_mono = now;
	catch_up(r);
	show_profile(r, now);
}

/* SIGWINCH redraws; the others end the replay. */
static bool read_signals(struct rscreen *r, int sfd)
{
	struct signalfd_siginfo si;
	bool quit = false;
	while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGWINCH)
			cm_ui_resize(r->ui);
		else
			quit = true;
		r->dirty = true;
	}
	return quit;
}

static void loop(struct rscreen *r, int sfd)
{
	for (;;) {
		double now = mono_now();
		advance(r, now);
		header_note(r);
		if (r->dirty && now - r->last_draw >= (r->rp->mon.paused ? 0 : FRAME_GAP)) {
			cm_ui_draw(r->ui, &r->rp->mon, &r->pane.pane, r->pos, now);
			r->last_draw = now;
			r->dirty = false;
		}
		struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
		int wait = r->rp->mon.paused && !r->dirty ? 1000 : (int)(FRAME_GAP * 1000);
		if (poll(fds, 2, wait) < 0 && errno != EINTR)
			return;
		now = mono_now();
		if (fds[0].revents && read_signals(r, sfd))
			return;
		if (cm_ui_tick(r->ui, now))
			r->dirty = true;
		if (read_keys(r, now))
			return;
		if (r->pane.dirty)
			r->dirty = true;
		r->pane.dirty = false;
	}
}

static int run_screen(struct cm_replay *rp, const struct rargs *a, const char *file)
{
	struct cm_ui_opts look;
	if (cm_monitor_choose_look(a->glyphs, a->theme, rp->interval ? rp->interval : 1, &look))
		return 2;
	int sfd = cm_monitor_signalfd();
	if (sfd < 0) {
		fprintf(stderr, "cmon replay: signalfd: %s\n", strerror(errno));
		return 1;
	}
	char err[256];
	const char *base = strrchr(file, '/'); /* the header is narrow beside the pane */
	struct rscreen r = {.rp = rp, .file = base && base[1] ? base + 1 : file, .pos = rp->t_first,
			    .dirty = true};
	r.ui = cm_ui_open(&look, err, sizeof err);
	if (!r.ui) {
		fprintf(stderr, "cmon replay: %s; use -dummy or -json for text output\n", err);
		close(sfd);
		return 1;
	}
	cm_ui_set_host_keys(r.ui, "[]J{}");
	cm_pane_app_init(&r.pane, NULL, &rp->mon, r.ui, 10, rp->interval ? rp->interval : 1);
	rp->on_list = services_changed;
	rp->on_list_ctx = &r;
	r.last_mono = mono_now();
	loop(&r, sfd);
	rp->on_list = NULL;
	cm_pane_app_free(&r.pane);
	cm_ui_close(r.ui);
	close(sfd);
	return 0;
}

int cm_replay_main(int argc, char **argv)
{
	struct rargs a = {0};
	const struct cm_flag flags[] = {
		{"dummy", CM_FLAG_BOOL, &a.dummy, NULL, "text output"},
		{"json", CM_FLAG_BOOL, &a.json, NULL, "NDJSON output"},
		{"glyphs", CM_FLAG_STRING, &a.glyphs, "name", "sparkline glyphs"},
		{"theme", CM_FLAG_STRING, &a.theme, "name", "colour theme"},
		{"help", CM_FLAG_BOOL, &a.help, NULL, "this help"},
		{"h", CM_FLAG_BOOL, &a.help, NULL, NULL},
	};
	char err[320];
	int npos = cm_flags_parse(flags, sizeof flags / sizeof flags[0], argc, argv, err, sizeof err);
	if (npos < 0) {
		fprintf(stderr, "cmon replay: %s\n", err);
		return 2;
	}
	if (a.help) {
		usage(stdout);
		return 0;
	}
	if (npos != 1) {
		usage(stderr);
		return 2;
	}
	struct cm_replay rp;
	if (cm_replay_open(&rp, argv[0], err, sizeof err) < 0) {
		fprintf(stderr, "cmon replay: %s\n", err);
		cm_replay_close(&rp);
		return 1;
	}
	int rc = a.dummy || a.json ? print_all(&rp, a.json) : run_screen(&rp, &a, argv[0]);
	cm_replay_close(&rp);
	return rc;
}
