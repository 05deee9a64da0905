/* prof_pane: see prof_pane.h. */
#include "cmon/monitor/prof_pane.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The same text for a monitor and a person: "heap" is also the endpoint's
 * name, except for CPU (see cm_prof_url). */
static const char *const kind_names[CM_PROF_KINDS] = {
	[CM_PROF_CPU] = "cpu",
	[CM_PROF_HEAP] = "heap",
	[CM_PROF_ALLOCS] = "allocs",
	[CM_PROF_GOROUTINE] = "goroutine",
	[CM_PROF_BLOCK] = "block",
	[CM_PROF_MUTEX] = "mutex",
	[CM_PROF_THREADCREATE] = "threadcreate",
};

#define VARS_SUFFIX "/debug/vars"
#define PREFIX_MAX 1024

const char *cm_prof_kind_name(enum cm_prof_kind k)
{
	return (unsigned)k < CM_PROF_KINDS ? kind_names[k] : "?";
}

/* The entry path's part before /debug/vars, or "" (see the header). */
static size_t entry_prefix_len(const struct cm_target *t)
{
	if (!t->path)
		return 0;
	size_t pl = strlen(t->path), sl = strlen(VARS_SUFFIX);
	if (pl < sl || strcmp(t->path + pl - sl, VARS_SUFFIX) || pl - sl >= PREFIX_MAX)
		return 0;
	return pl - sl;
}

char *cm_prof_endpoint_url(const struct cm_target *t, const char *name, const char *query)
{
	size_t pre = entry_prefix_len(t);
	size_t n = pre + strlen(name) + sizeof "/debug/pprof/";
	char *path = malloc(n);
	if (!path)
		return NULL;
	snprintf(path, n, "%.*s/debug/pprof/%s", (int)pre, t->path ? t->path : "", name);
	struct cm_target root = *t;
	root.path = NULL; /* so that cm_target_url takes our path */
	char *url = cm_target_url(&root, path, query);
	free(path);
	return url;
}

char *cm_prof_url(const struct cm_target *t, enum cm_prof_kind k, int seconds)
{
	if (k != CM_PROF_CPU)
		return cm_prof_endpoint_url(t, cm_prof_kind_name(k), NULL);
	char query[32];
	snprintf(query, sizeof query, "?seconds=%d", seconds > 0 ? seconds : 1);
	return cm_prof_endpoint_url(t, "profile", query);
}

long cm_prof_timeout_ms(enum cm_prof_kind k, int seconds)
{
	long capture = k == CM_PROF_CPU && seconds > 0 ? (long)seconds * 1000 : 0;
	return capture + CM_PROF_MARGIN_MS;
}

int cm_prof_seconds_left(double ends, double now)
{
	double left = ends - now;
	if (!(left > 0))
		return 0;
	return left > 1e9 ? 1000000000 : (int)ceil(left);
}

double cm_prof_next_tick(double ends, double now)
{
	int left = cm_prof_seconds_left(ends, now);
	if (left == 0)
		return now + CM_PROF_NEVER;
	/* seconds_left drops from left to left - 1 at ends - (left - 1) */
	return ends - (double)(left - 1);
}

void cm_prof_capture_text(char *buf, size_t len, int seconds, double ends, double now)
{
	int left = cm_prof_seconds_left(ends, now);
	if (left > 0)
		snprintf(buf, len, "capturing a %d s CPU profile: %d s left (Esc cancels)", seconds,
			 left);
	else
		snprintf(buf, len, "capture over: waiting for the profile (Esc cancels)");
}

void cm_prof_error_text(char *buf, size_t len, enum cm_prof_kind k, int seconds, long status,
			const char *error)
{
	const char *what = error && *error ? error : "failed";
	if (k == CM_PROF_CPU && status == 500)
		snprintf(buf, len, "refused: another CPU capture runs there (r retries)");
	else if (k == CM_PROF_CPU && status == 400)
		snprintf(buf, len, "the service refused a %d s capture (%s): is it longer than "
				   "the server's WriteTimeout? try a smaller -seconds", seconds, what);
	else if (status == 404)
		snprintf(buf, len, "no /debug/pprof/%s here (%s): does the service import "
				   "net/http/pprof?", k == CM_PROF_CPU ? "profile" : cm_prof_kind_name(k),
			 what);
	else
		snprintf(buf, len, "%s", what);
}

/* ---- the pane's state ---- */

void cm_pane_begin(struct cm_prof_pane *p, double now)
{
	p->note[0] = '\0';
	if (p->kind == CM_PROF_CPU) {
		p->phase = CM_PANE_CAPTURING;
		p->ends = now + (p->seconds > 0 ? p->seconds : 1);
	} else {
		p->phase = CM_PANE_FETCHING;
	}
}

void cm_pane_done(struct cm_prof_pane *p, double wall, double now)
{
	p->phase = CM_PANE_IDLE;
	p->note[0] = '\0';
	p->fetched_at = wall;
	p->next_live = now + p->live_every;
}

void cm_pane_fail(struct cm_prof_pane *p, const char *note, double now)
{
	p->phase = CM_PANE_IDLE;
	snprintf(p->note, sizeof p->note, "%s", note && *note ? note : "failed");
	p->next_live = now + p->live_every;
}

void cm_pane_cancelled(struct cm_prof_pane *p)
{
	bool capture = p->phase == CM_PANE_CAPTURING;
	p->phase = CM_PANE_IDLE;
	snprintf(p->note, sizeof p->note, "%s cancelled; r starts again",
		 capture ? "capture" : "fetch");
}

bool cm_pane_toggle_live(struct cm_prof_pane *p, double now)
{
	if (p->kind == CM_PROF_CPU)
		return false;
	p->live = !p->live;
	p->next_live = now + p->live_every;
	return true;
}

bool cm_pane_live_due(const struct cm_prof_pane *p, double now)
{
	return p->open && p->live && p->phase == CM_PANE_IDLE && now >= p->next_live;
}

double cm_pane_next_wake(const struct cm_prof_pane *p, double now)
{
	if (!p->open)
		return now + CM_PROF_NEVER;
	if (p->phase == CM_PANE_CAPTURING)
		return cm_prof_next_tick(p->ends, now);
	if (p->live && p->phase == CM_PANE_IDLE)
		return p->next_live > now ? p->next_live : now;
	return now + CM_PROF_NEVER;
}
