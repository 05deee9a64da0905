/* pview_app: the standalone viewer's terminal and loop. One poll waits on
 * the keyboard, a signalfd (kill signals; a resize is curses' KEY_RESIZE)
 * and, while a fetch runs (the first one of URL sources, or `r`), the
 * fetch module's sockets: the screen stays live during a 30 s CPU capture
 * and counts it down; q, Esc and Ctrl-C cancel it. Files are read again
 * directly (local, quick); URLs go through cm_fetch.
 *
 * The bytes of the profile shown (one source: the body fetched or the
 * file read) are the app's, kept for `w`: the viewer only ever gets them
 * decoded. Several sources merged have no such bytes: w says so. */
#include "pview_app.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmon/base/strbuf.h"
#include "cmon/base/theme.h"
#include "cmon/base/url.h"
#include "cmon/monitor/prof_pane.h"
#include "cmon/monitor/spark.h"
#include "cmon/net/fetch.h"
#include "cmon/net/pprof_remote.h"
#include "cmon/net/pprof_source.h"
#include "cmon/profile/profile_ops.h"
#include "pprof_save.h"
#include "ui/pview.h"
#include "ui/ui.h"

#define FETCH_SLACK_MS 30000 /* beyond a CPU capture's own seconds */
#define DEFAULT_CPU_SECONDS 30

/* One source's body during a re-fetch. */
struct body {
	struct app *app;
	unsigned char *data;
	size_t len;
	char *err;
	long id;
	bool done;
};

struct app {
	struct cm_pview_app_args *a;
	struct cm_viewer *v;
	struct cm_pview *pv;
	struct cm_ui *ui;
	struct cm_fetch *fetch; /* made on the first URL re-fetch */
	struct body *bodies;    /* one per source while re-fetching, else NULL */
	size_t pending;
	double fetch_started;
	unsigned char *raw;     /* the shown profile's bytes (one source), or NULL: owned */
	size_t raw_len;
	bool first;             /* no profile yet: the first fetch runs */
	int capture_s;          /* > 0: the sources are a CPU capture this long */
	struct cm_strbuf said;  /* lines for stderr once the screen is gone */
	int status;             /* the exit status */
	bool quit, dirty;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- re-fetching ---- */

static void bodies_free(struct app *app)
{
	for (int i = 0; app->bodies && i < app->a->nspecs; i++) {
		if (app->bodies[i].id > 0 && !app->bodies[i].done)
			cm_fetch_cancel(app->fetch, app->bodies[i].id);
		free(app->bodies[i].data);
		free(app->bodies[i].err);
	}
	free(app->bodies);
	app->bodies = NULL;
	app->pending = 0;
}

/* True when spec names a URL, not a file. */
static bool is_url(const char *spec)
{
	char *url = cm_source_url(cm_pprof_remote_source(spec), 0);
	free(url);
	return url != NULL;
}

/* The first fetch gave nothing: the screen goes, the reason stays. */
static void first_failed(struct app *app, const char *why)
{
	cm_strbuf_str(&app->said, "cmon pprof: ");
	cm_strbuf_str(&app->said, why + (strncmp(why, "r: ", 3) ? 0 : 3));
	cm_strbuf_str(&app->said, "\n");
	app->status = 1;
	app->quit = true;
}

/* Keeps the body of a single source for w, and of a URL go tool pprof's
 * saved copy (said on the status line): every capture fetched, the first
 * and each r's, stays on disk, as pprof keeps each it fetched. */
static void keep_body(struct app *app, struct body *b, const struct cm_profile *p)
{
	free(app->raw);
	app->raw = NULL;
	app->raw_len = 0;
	if (app->a->nspecs != 1)
		return;
	app->raw = b->data;
	app->raw_len = b->len;
	b->data = NULL;
	if (!is_url(app->a->specs[0]))
		return;
	struct cm_strbuf saved = {0};
	cm_pprof_save_to(app->raw, app->raw_len, p, app->a->exec_name, &saved);
	if (saved.s) {
		cm_strbuf_str(&app->said, saved.s);
		saved.s[strcspn(saved.s, "\n")] = '\0';
		cm_pview_set_note(app->pv, saved.s, !strncmp(saved.s, "Saved", 5));
	}
	cm_strbuf_free(&saved);
}

/* -exec's and -buildid's names on the merged profile, as pprof_cli does
 * for the first load. */
static void name_program(struct cm_profile *p, const struct cm_pview_app_args *a)
{
	if (a->exec_name && p->nmappings > 0)
		p->mappings[0].file = a->exec_name;
	if (a->buildid && *a->buildid && p->nmappings > 0)
		p->mappings[0].build_id = a->buildid;
}

/* Decodes and merges the bodies, and shows the result. */
static void refetch_done(struct app *app)
{
	int n = app->a->nspecs;
	char err[512], status[800];
	struct cm_profile **ps = calloc((size_t)n, sizeof(*ps));
	/* labels kept: the labels level and its tag filters read them */
	struct cm_decode_limits lim = {.max_inflated = app->a->max_inflated};
	char shown[256]; /* a source with its URL's password hidden */
	status[0] = '\0';
	for (int i = 0; ps && i < n && !status[0]; i++) {
		struct body *b = &app->bodies[i];
		cm_url_masked(app->a->specs[i], strlen(app->a->specs[i]), shown, sizeof(shown));
		if (b->err)
			snprintf(status, sizeof(status), "r: %s: %s", shown, b->err);
		else if (!(ps[i] = cm_profile_decode(b->data, b->len, &lim, err, sizeof(err))))
			snprintf(status, sizeof(status), "r: %s: parsing profile: %s", shown, err);
	}
	if (!ps)
		snprintf(status, sizeof(status), "r: out of memory");
	struct cm_profile *p = NULL;
	if (!status[0] && !(p = n == 1 ? ps[0] : cm_profile_merge(ps, (size_t)n, err, sizeof(err))))
		snprintf(status, sizeof(status), "r: %s", err);
	else if (status[0])
		for (int i = 0; ps && i < n; i++)
			cm_profile_free(ps[i]);
	free(ps);
	if (p) {
		name_program(p, app->a);
		keep_body(app, &app->bodies[0], p);
	}
	if (p && cm_viewer_load_profile(app->v, p, mono_now(), err, sizeof(err)) < 0)
		snprintf(status, sizeof(status), "r: %s", err);
	cm_pview_set_status(app->pv, status[0] ? status : NULL);
	if (status[0] && app->first)
		first_failed(app, status);
	app->first = false;
	bodies_free(app);
	app->dirty = true;
}

static void body_cb(void *ctx, const struct cm_fetch_result *r)
{
	struct body *b = ctx;
	b->done = true;
	if (r->error) {
		b->err = strdup(r->error);
	} else if ((b->data = malloc(r->len + 1))) {
		memcpy(b->data, r->body, r->len);
		b->len = r->len;
	} else {
		b->err = strdup("out of memory");
	}
	if (--b->app->pending == 0)
		refetch_done(b->app);
}

/* Starts fetching source i (a URL), or reads it now (a file). */
static void refetch_one(struct app *app, int i)
{
	struct body *b = &app->bodies[i];
	const struct cm_pview_app_args *a = app->a;
	char err[512];
	const char *src = cm_pprof_remote_source(a->specs[i]); /* after "ssh://HOST/" */
	char *url = cm_source_url(src, a->seconds);
	b->app = app;
	struct cm_fetch_opts fo = {.tls_cert = a->tls_cert, .tls_key = a->tls_key, .tls_ca = a->tls_ca};
	if (url && (app->fetch || (app->fetch = cm_fetch_new(&fo, err, sizeof(err))))) {
		int secs = a->seconds > 0 ? a->seconds : DEFAULT_CPU_SECONDS;
		long ms = a->timeout > 0 ? a->timeout * 1000L + 5000 : secs * 1000L + FETCH_SLACK_MS;
		struct cm_request rq = {.url = url, .timeout_ms = ms,
					.unix_socket = cm_pprof_remote_socket(a->remote, a->specs[i]),
					.max_body = (size_t)a->max_inflated, .cb = body_cb, .ctx = b};
		if ((b->id = cm_fetch_start(app->fetch, &rq)) < 0) {
			b->done = true;
			b->err = strdup("out of memory");
		}
	} else if (url) {
		b->done = true;
		b->err = strdup(err);
	} else {
		struct cm_source_opts so = {.seconds = a->seconds, .max_bytes = a->max_inflated};
		b->done = true;
		if (cm_source_read(a->specs[i], &so, &b->data, &b->len, err, sizeof(err)) < 0)
			b->err = strdup(err);
	}
	free(url);
}

static void refetch(struct app *app)
{
	if (app->bodies) {
		cm_pview_set_status(app->pv, "still fetching: r waits for it");
		return;
	}
	int n = app->a->nspecs;
	if (!(app->bodies = calloc((size_t)n, sizeof(*app->bodies))))
		return;
	app->fetch_started = mono_now();
	app->pending = (size_t)n + 1; /* +1: nothing completes while starting */
	for (int i = 0; i < n; i++) {
		refetch_one(app, i);
		if (app->bodies[i].done)
			app->pending--;
	}
	if (--app->pending == 0)
		refetch_done(app);
}

/* Stops the fetch running (Esc, q, Ctrl-C while it runs). */
static void cancel_fetch(struct app *app)
{
	bodies_free(app);
	if (app->first) { /* nothing to show: leave quietly */
		app->status = CM_PVIEW_APP_CANCELLED;
		app->quit = true;
		return;
	}
	cm_pview_set_status(app->pv, NULL);
	cm_pview_set_note(app->pv, "fetch cancelled; r starts again", false);
}

/* The fetch's progress on the status line: a CPU capture counts down as
 * the monitor's pane counts it, anything else counts up. */
static void fetch_status(struct app *app)
{
	if (!app->bodies)
		return;
	char buf[128];
	double now = mono_now();
	if (app->capture_s > 0)
		cm_prof_capture_text(buf, sizeof(buf), app->capture_s,
				     app->fetch_started + app->capture_s, now);
	else
		snprintf(buf, sizeof(buf), "fetching... %.0f s (Esc cancels)",
			 floor(now - app->fetch_started));
	cm_pview_set_status(app->pv, buf);
}

/* A URL whose profile is a CPU capture (/debug/pprof/profile, what
 * HOST:PORT means): its length, else 0. */
static int capture_seconds(const struct cm_pview_app_args *a)
{
	for (int i = 0; i < a->nspecs; i++) {
		char *url = cm_source_url(cm_pprof_remote_source(a->specs[i]), 0);
		if (!url)
			continue;
		url[strcspn(url, "?#")] = '\0';
		size_t n = strlen(url);
		bool cpu = n >= 8 && !strcmp(url + n - 8, "/profile");
		free(url);
		if (cpu)
			return a->seconds > 0 ? a->seconds : DEFAULT_CPU_SECONDS;
	}
	return 0;
}

/* ---- w ---- */

static int propose_path(void *ctx, char *out, size_t len)
{
	struct app *app = ctx;
	if (!app->raw) {
		snprintf(out, len, app->a->nspecs > 1 ? "the view merges %d sources: -proto "
			 "writes the merged profile" : "no bytes of this profile to write",
			 app->a->nspecs);
		return -1;
	}
	return cm_pprof_save_path_of(app->raw, app->raw_len, app->a->max_inflated,
				     app->a->exec_name, out, len);
}

static int save_raw(void *ctx, const char *path, char *msg, size_t len)
{
	struct app *app = ctx;
	if (!app->raw) {
		snprintf(msg, len, "no bytes of this profile to write");
		return -1;
	}
	return cm_pprof_write_new(path, app->raw, app->raw_len, msg, len);
}

/* ---- terminal and loop ---- */

/* SIGINT, SIGTERM and SIGHUP (from kill: Ctrl-C is a key in raw mode)
 * arrive on a signalfd, so that the loop gives the terminal back before
 * cmon ends. A resize is curses' own: getch returns KEY_RESIZE. */
static int stop_signals_fd(void)
{
	static const int stop[] = {SIGINT, SIGTERM, SIGHUP};
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		sigaddset(&set, stop[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void read_stop_signals(struct app *app, int sfd)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		app->quit = true;
		if (app->first)
			app->status = CM_PVIEW_APP_CANCELLED;
	}
}

static void read_keys(struct app *app)
{
	int ch;
	while (!app->quit && (ch = getch()) != ERR) {
		/* a fetch running: the keys that leave cancel it first */
		bool leaving = ch == 27 || (app->first && (ch == 'q' || ch == 'Q' || ch == 3));
		if (app->bodies && leaving && !cm_pview_capturing(app->pv)) {
			cancel_fetch(app);
			app->dirty = true;
			continue;
		}
		int f = cm_pview_key(app->pv, ch, mono_now());
		if (f & (CM_PVIEW_CLOSE | CM_PVIEW_QUIT))
			app->quit = true;
		if (f & CM_PVIEW_SUSPEND)
			cm_ui_suspend(app->ui);
		if (f & CM_PVIEW_REFETCH)
			refetch(app);
		if (f & CM_PVIEW_REDRAW)
			app->dirty = true;
	}
}

static void draw(struct app *app)
{
	fetch_status(app);
	erase();
	cm_pview_draw(app->pv, app->ui, 0, 0, LINES, COLS, mono_now());
	wnoutrefresh(stdscr);
	doupdate();
	app->dirty = false;
}

/* Milliseconds to wait: none while the viewer has work (tables built in
 * slices), until the held order's release, a second while fetching (the
 * status counts), else long. */
static int wait_ms(const struct app *app)
{
	if (cm_pview_pending(app->pv))
		return 0;
	double next = cm_pview_next_tick(app->pv), now = mono_now();
	int ms = app->bodies ? 1000 : 60000;
	if (next >= 0) {
		double d = ceil((next - now) * 1000);
		if (d < ms)
			ms = d < 0 ? 0 : (int)d;
	}
	return ms;
}

/* The viewer's idle work: slices of STEP_SAMPLES samples (about a
 * millisecond each on the big benchmark profile) for up to STEP_BUDGET
 * seconds, then the loop looks at the keys again: a key waits for one
 * budget at most. */
#define STEP_SAMPLES 4096
#define STEP_BUDGET 0.004

static void idle_work(struct app *app)
{
	double start = mono_now();
	do {
		if (cm_pview_step(app->pv, STEP_SAMPLES, mono_now()) & CM_PVIEW_REDRAW)
			app->dirty = true;
	} while (cm_pview_pending(app->pv) && mono_now() - start < STEP_BUDGET);
}

static void loop(struct app *app, int sfd)
{
	while (!app->quit) {
		if (app->dirty)
			draw(app);
		struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
					{.fd = sfd, .events = POLLIN}};
		int ms = wait_ms(app);
		int rc = app->fetch ? cm_fetch_poll(app->fetch, fds, 2, ms) : poll(fds, 2, ms);
		if (rc < 0 && errno != EINTR)
			break;
		read_stop_signals(app, sfd);
		if (rc > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			app->quit = true; /* the terminal is gone: no key will come */
		read_keys(app);
		if (cm_pview_tick(app->pv, mono_now()) & CM_PVIEW_REDRAW)
			app->dirty = true;
		if (app->bodies)
			app->dirty = true; /* the fetch's seconds */
		if (rc == 0 && !app->quit)
			idle_work(app);
	}
}

static struct cm_ui *open_ui(char *err, size_t errlen)
{
	struct cm_ui_opts o = {.interval = 1};
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	if (cm_glyphs_choose(NULL, nl_langinfo(CODESET), getenv("TERM"), &o.glyphs) < 0)
		o.glyphs = CM_GLYPHS_ASCII;
	cm_theme_default(&o.theme);
	const char *no_color = getenv("NO_COLOR");
	if (no_color && *no_color)
		cm_theme_strip_colors(&o.theme);
	return cm_ui_open(&o, err, errlen);
}

/* The viewer with the loaded profile (and base); without a profile when
 * the first fetch is to run in the loop. -1 with a message printed. */
static int open_viewer(struct app *app)
{
	struct cm_pview_app_args *a = app->a;
	char err[512];
	a->vo.background = true; /* switches wait for the loop's idle slices */
	if (!(app->v = cm_viewer_new(&a->vo, err, sizeof(err)))) {
		cm_profile_free(a->base);
		cm_profile_free(a->profile);
	} else if (a->base && cm_viewer_set_base(app->v, a->base, a->diff_base, err, sizeof(err)) < 0) {
		cm_profile_free(a->profile);
	} else if (!a->profile ||
		   cm_viewer_load_profile(app->v, a->profile, mono_now(), err, sizeof(err)) == 0) {
		a->base = a->profile = NULL;
		return 0;
	}
	a->base = a->profile = NULL;
	fprintf(stderr, "cmon pprof: %s\n", err);
	return -1;
}

/* A profile loaded before the screen came: its bytes for w, read again
 * (a single file: local and quick) unless the caller kept them. */
static void first_bytes(struct app *app)
{
	struct cm_pview_app_args *a = app->a;
	char err[256];
	if (a->raw) {
		app->raw = a->raw;
		app->raw_len = a->raw_len;
		a->raw = NULL;
		return;
	}
	struct cm_source_opts so = {.max_bytes = a->max_inflated};
	if (a->nspecs == 1 && !is_url(a->specs[0]) &&
	    cm_source_read(a->specs[0], &so, &app->raw, &app->raw_len, err, sizeof(err)) < 0)
		app->raw = NULL;
}

int cm_pview_app_run(struct cm_pview_app_args *a)
{
	struct app app = {.a = a, .dirty = true, .first = a->profile == NULL};
	char err[512];
	app.status = 1;
	if (!app.first)
		first_bytes(&app);
	if (open_viewer(&app) < 0) {
		cm_viewer_free(app.v);
		free(app.raw);
		free(a->raw);
		return 1;
	}
	struct cm_pview_opts po = {.can_refetch = true,
				   .saver = {propose_path, save_raw, &app}};
	app.capture_s = capture_seconds(a);
	signal(SIGPIPE, SIG_IGN);
	int sfd = stop_signals_fd();
	if (!(app.pv = cm_pview_new(app.v, &po)) || sfd < 0) {
		fprintf(stderr, "cmon pprof: %s\n", sfd < 0 ? strerror(errno) : "out of memory");
	} else if (!(app.ui = open_ui(err, sizeof(err)))) {
		fprintf(stderr, "cmon pprof: %s; use -top (or -list, -peek, -traces) for text\n",
			err);
	} else {
		cm_ui_mouse(true); /* the flame graph takes clicks */
		app.status = 0;
		if (app.first)
			refetch(&app);
		loop(&app, sfd);
		cm_ui_close(app.ui);
	}
	if (app.said.s)
		fputs(app.said.s, stderr);
	cm_strbuf_free(&app.said);
	bodies_free(&app);
	if (app.fetch)
		cm_fetch_free(app.fetch);
	if (sfd >= 0)
		close(sfd);
	cm_pview_free(app.pv);
	cm_viewer_free(app.v);
	free(app.raw);
	free(a->raw);
	a->raw = NULL;
	return app.status;
}
