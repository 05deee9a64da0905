/* prof_pane: the monitor's profile pane as the app keeps it: which profile
 * of which service, how its fetch goes (a CPU capture counts down), what
 * came or why nothing did. The app changes it as fetches start and end;
 * the screen draws it and turns keys into cm_pane_request's. Also the
 * arithmetic behind it: profile URLs, timeouts, the countdown, and the
 * plain words for a refused fetch. No curl, no curses: unit-tested. */
#ifndef CMON_PROF_PANE_H
#define CMON_PROF_PANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/monitor/target.h"

/* Profiles can be large (a heap profile with MemProfileRate=1 runs to tens
 * of MB gzipped); bounded so that a hostile service cannot take all memory.
 * Decoding then applies the core's own CM_DEFAULT_MAX_INFLATED. */
#define CM_PROF_MAX_BODY ((size_t)64 << 20)

/* A fetch may take this long beyond a CPU capture's seconds: the service
 * still has to symbolize and write the profile, and a heap profile of a
 * big service takes a while. The poll timeout (5 s at most) is for
 * /debug/vars, not for this. */
#define CM_PROF_MARGIN_MS 30000L

/* -seconds: the CPU capture's length, its default and its bound. */
#define CM_PROF_SECONDS_DEFAULT 10
#define CM_PROF_SECONDS_MAX 3600

/* Live refresh refetches at the poll interval, but not more often than
 * this: a profile costs the service more than /debug/vars does. */
#define CM_PROF_LIVE_MIN 2.0

/* "Not before": what the wake-up times below add when nothing is due, a
 * year in seconds (plain arithmetic, unlike INFINITY). */
#define CM_PROF_NEVER (365.0 * 86400)

enum cm_prof_kind {
	CM_PROF_CPU,
	CM_PROF_HEAP,
	CM_PROF_ALLOCS,
	CM_PROF_GOROUTINE,
	CM_PROF_BLOCK,
	CM_PROF_MUTEX,
	CM_PROF_THREADCREATE,
	CM_PROF_KINDS
};

/* "cpu", "heap", ...: what the screen calls it. */
const char *cm_prof_kind_name(enum cm_prof_kind k);

/* The URL of one of a service's /debug/pprof/ endpoints (name
 * "goroutine", "profile", ...), query "" or NULL or "?...". The pprof
 * endpoints live beside the expvar one: an entry whose own path ends in
 * /debug/vars (http://h:1/app/debug/vars) moves them too
 * (/app/debug/pprof/NAME); any other entry path, or none, means the
 * service's root. malloc'd; NULL when out of memory. */
char *cm_prof_endpoint_url(const struct cm_target *t, const char *name, const char *query);

/* The URL of a profile: /debug/pprof/KIND, and for CPU
 * /debug/pprof/profile?seconds=N. malloc'd; NULL when out of memory. */
char *cm_prof_url(const struct cm_target *t, enum cm_prof_kind k, int seconds);

/* The fetch's timeout: a CPU capture's seconds plus CM_PROF_MARGIN_MS;
 * other kinds the margin alone. */
long cm_prof_timeout_ms(enum cm_prof_kind k, int seconds);

/* Whole seconds left of a capture that ends at `ends`, counted as a
 * person counts down: 3 until 2 are left, ..., 1 until it is over, then
 * 0. Both times on the same (monotonic) clock. */
int cm_prof_seconds_left(double ends, double now);

/* The next moment cm_prof_seconds_left changes (later than now; `ends`
 * itself when under a second is left), or now + CM_PROF_NEVER when the
 * capture is over and nothing will change. */
double cm_prof_next_tick(double ends, double now);

/* The countdown of a CPU capture of `seconds` s that ends at `ends`, in
 * one line, as the pane and `cmon pprof HOST:PORT` show it: "capturing a
 * 30 s CPU profile: 12 s left (Esc cancels)", then, once the seconds are
 * over and the service writes the profile, "capture over: waiting for the
 * profile (Esc cancels)". */
void cm_prof_capture_text(char *buf, size_t len, int seconds, double ends, double now);

/* One line of plain words for a profile fetch that failed: status (HTTP,
 * 0 when none) and error (the fetch's own line). A CPU capture a Go
 * service refuses with 500 is another capture running there (Go's
 * "cpu profiling already in use": one at a time); short, as it must fit
 * the viewer's status line beside the sparklines. */
void cm_prof_error_text(char *buf, size_t len, enum cm_prof_kind k, int seconds, long status,
			const char *error);

/* ---- the pane's state ---- */

enum cm_pane_phase {
	CM_PANE_IDLE,      /* no fetch running */
	CM_PANE_FETCHING,  /* a profile is on its way */
	CM_PANE_CAPTURING, /* a CPU capture runs: count down to ends */
};

struct cm_viewer; /* the profile viewer's model (cmon/viewer.h) */

struct cm_prof_pane {
	bool open;
	enum cm_prof_kind kind;
	size_t svc;             /* the service profiled (index into the monitor) */
	int seconds;            /* a CPU capture's length (-seconds) */
	enum cm_pane_phase phase;
	double ends;            /* CAPTURING: monotonic end of the capture */
	char note[256];         /* why the last fetch gave nothing; "" when it did */
	double fetched_at;      /* wall time the shown profile came, 0 = none yet */
	bool live;              /* refetch every live_every seconds (not CPU) */
	double live_every;
	double next_live;       /* monotonic; due time of the next live refetch */
	struct cm_viewer *viewer; /* the profile shown, NULL until one came; the
				   * app owns it, the screen moves its selection */
	bool unsaved;           /* the profile shown is a CPU capture not written
				 * with w: closing asks once */
	bool rolling;           /* rolling CPU captures run on this service */
	char span[48];          /* the profile shown merges a span's captures:
				 * "span 12:01:10-12:02:10 (6)"; "" when not */
	size_t capture, captures; /* the capture shown is number `capture`
				   * (1-based) of the pane's `captures` of this
				   * service; 0: it shows none of them */
};

/* What a key on the screen asks of the app. */
enum cm_pane_req_kind {
	CM_PANE_REQ_NONE,
	CM_PANE_REQ_OPEN,    /* kind of service svc, replacing what the pane shows */
	CM_PANE_REQ_REFETCH, /* the same profile again (r) */
	CM_PANE_REQ_CANCEL,  /* stop the fetch or capture running */
	CM_PANE_REQ_CLOSE,   /* cancel, forget the profile, close */
	CM_PANE_REQ_LIVE,    /* toggle live refresh */
	CM_PANE_REQ_OLDER,   /* show the capture before the one shown */
	CM_PANE_REQ_NEWER,   /* and after it */
	CM_PANE_REQ_CAPTURE, /* show the capture of id (a timeline mark's) */
	CM_PANE_REQ_ROLLING, /* rolling CPU captures of the pane's service on / off (O) */
	CM_PANE_REQ_SPAN,    /* the merged CPU captures of svc within [t0, t1] (V V) */
};

struct cm_pane_request {
	enum cm_pane_req_kind what;
	enum cm_prof_kind kind; /* OPEN */
	size_t svc;             /* OPEN, SPAN */
	uint32_t id;            /* CAPTURE */
	double t0, t1;          /* SPAN: wall seconds */
};

/* A fetch starts at monotonic now: CPU kinds count down from seconds. */
void cm_pane_begin(struct cm_prof_pane *p, double now);

/* The fetch ended with a profile the app has put in p->viewer, at wall
 * time wall and monotonic now (the next live refetch counts from now). */
void cm_pane_done(struct cm_prof_pane *p, double wall, double now);

/* The fetch ended without a profile; note says why, one line. The
 * profile shown before, if any, stays. */
void cm_pane_fail(struct cm_prof_pane *p, const char *note, double now);

/* The user stopped the fetch. */
void cm_pane_cancelled(struct cm_prof_pane *p);

/* Toggles live refresh; false (and no change) for CPU, which is a
 * capture and not a snapshot. */
bool cm_pane_toggle_live(struct cm_prof_pane *p, double now);

/* True when a live refetch is due at monotonic now. */
bool cm_pane_live_due(const struct cm_prof_pane *p, double now);

/* When the app must next wake for the pane (countdown tick or live
 * refetch), monotonic; now + CM_PROF_NEVER when nothing is due. */
double cm_pane_next_wake(const struct cm_prof_pane *p, double now);

#endif
