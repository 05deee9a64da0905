/* monitor: the state of every watched service, fed with the bodies the I/O
 * layer fetched; the -dummy/-once text and the screen are drawn from it.
 * No curl, no curses: tests feed it bodies directly. */
#ifndef CMON_MONITOR_H
#define CMON_MONITOR_H

#include <stdbool.h>
#include <stdio.h>

#include "cmon/base/strbuf.h"
#include "cmon/monitor/expvar.h"
#include "cmon/monitor/marks.h"
#include "cmon/monitor/prom.h"
#include "cmon/monitor/series.h"
#include "cmon/monitor/target.h"
#include "cmon/monitor/var_seen.h"
#include "cmon/monitor/varspec.h"

/* How long "restarted" shows after a restart was seen. */
#define CM_RESTART_SHOW_SECONDS 60.0

/* How long a service's row is marked after a profile was captured from it. */
#define CM_CAPTURE_SHOW_SECONDS 60.0

enum cm_svc_state {
	CM_SVC_WAITING, /* no answer yet */
	CM_SVC_UP,
	CM_SVC_DOWN,    /* error says why */
};

/* A quantile var's histogram at the last poll (prom_vars.h). */
struct cm_prom_hist {
	struct cm_prom_bucket *prev; /* owned, sorted by le, merged */
	size_t n;
	bool have; /* a poll was read */
};

struct cm_cell {
	struct cm_value value;   /* the latest, formatted by format.h */
	struct cm_series series; /* what the sparkline draws (rates for rate: vars) */
	struct cm_rate rate;     /* rate: vars only */
	struct cm_prom_hist hist; /* pNN: vars of Prometheus histograms only */
};

/* What a service's answers are. */
enum cm_svc_format {
	CM_SVC_EXPVAR, /* /debug/vars JSON */
	CM_SVC_PROM,   /* Prometheus text format or OpenMetrics */
};

struct cm_service {
	const struct cm_target *target; /* borrowed from the monitor's targets */
	char name[64];      /* base name of cmdline[0]; target->display until known */
	enum cm_svc_state state;
	char error[192];    /* DOWN: the fetch's or the body's problem */
	char count_error[2][128]; /* why @goroutines / @threads are N/A ("" when fine) */
	double last_update; /* wall seconds of the last good /debug/vars, 0 = never */
	double restarted_at; /* wall seconds of the last restart seen, 0 = never */
	unsigned long long cmdline_hash; /* 0 until seen */
	double monotonic[4]; /* NumGC, TotalAlloc, Mallocs, PauseTotalNs; -1 = unseen */
	struct cm_cell *cells; /* one per monitor var, grown as "*" adds vars */
	size_t ncells;
	bool discovered;       /* "*": this service's vars were added once */
	enum cm_svc_format format; /* by its entry's path, then by each answer */
	bool openmetrics;      /* PROM: the answer said OpenMetrics */
	double start_time;     /* PROM: process_start_time_seconds, -1 = unseen */
	struct cm_marks marks; /* owned: captures, restarts, outages on its timeline */
};

/* A service that left the target list, kept with its history for when it
 * comes back (cm_monitor_set_targets). */
struct cm_gone {
	struct cm_target target; /* owned: the identity it comes back by */
	struct cm_service svc;   /* owned cells; svc.target is NULL while gone */
};

/* Services kept aside: the oldest is forgotten past this many. */
#define CM_GONE_MAX CM_TARGETS_MAX

struct cm_monitor {
	struct cm_target_list targets; /* owned */
	struct cm_var_list vars;       /* owned */
	struct cm_service *svc;        /* owned, targets.n of them */
	size_t nsvc;
	const char *endpoint;          /* -endpoint, borrowed */
	bool paused;                   /* no polls while set (space in the UI) */
	char tunnels[320];             /* the app's ssh tunnels for the header,
					* "ssh app2: up"; "" when there are none */
	bool tunnels_bad;              /* one of them is not up */
	char sources[320];             /* the app's followed lists' trouble for the
					* header ("ports.txt: ...; last list kept"),
					* "" when none */
	char note[200];                /* the app's word for the header: a recording's
					* trouble, a replay's position; "" when none */
	bool note_bad;                 /* note is trouble (drawn as an error) */
	struct cm_json doc;            /* owned: the index of the body being read,
					* reused by every poll of every service */
	struct cm_var_seen *seen;      /* owned: one per var (grows with vars) */
	size_t nseen;
	struct cm_expvar_keep keep;    /* owned: the members of a body the vars and
					* the monitor read (see body_keep) */
	size_t keep_nvars;             /* vars.n + 1 keep was made for; 0: not made */
	struct cm_gone *gone;          /* owned: removed services, oldest first */
	size_t ngone;
	/* history: every graphed var keeps history_cap samples of dt seconds
	 * (-history / the interval) at full resolution, older ones in tiers
	 * (series.h); set after init, before the first poll. 0: CM_SERIES_CAP
	 * samples without time (tests). */
	double dt;
	uint32_t history_cap;
	/* -history not given: history_cap is cm_monitor_default_history's
	 * for the services and vars of the moment, so "*" adding vars
	 * shrinks the window of the series made after them (the budget
	 * holds for a fleet whatever it publishes). */
	bool history_auto;
};

/* The -history window in samples of interval seconds, at least
 * CM_SERIES_CAP (the sparklines'), at most what a series can hold. */
uint32_t cm_monitor_history_cap(double history, double interval);

/* -history's default for nseries series (services x vars) polled every
 * interval seconds: an hour, or for a fleet as much of an hour as
 * CM_HISTORY_DEFAULT_BYTES hold at the float rate (12 bytes a var a poll,
 * tiers included); cm_monitor_history_cap then keeps at least the
 * sparklines' CM_SERIES_CAP polls. 1000 services of 6 vars at 1s: 10
 * minutes (an hour would be 260 MB, past a fleet's 64 MB). Seconds. */
#define CM_HISTORY_DEFAULT_S 3600.0
#define CM_HISTORY_DEFAULT_BYTES (32.0 * 1024 * 1024)
double cm_monitor_default_history(size_t nseries, double interval);

/* Takes ownership of targets and vars (moved: the caller's are emptied).
 * 0, or -1 when out of memory. */
int cm_monitor_init(struct cm_monitor *m, struct cm_target_list *targets,
		    struct cm_var_list *vars, const char *endpoint);

void cm_monitor_free(struct cm_monitor *m);

/* Replaces the monitor's targets with targets (a file or Prometheus told
 * of a new list), matched to the current services by identity
 * (cm_target_same): a kept service keeps everything (its index may
 * change), a new one starts WAITING, or with its history when it was in
 * the list before (kept aside, at most CM_GONE_MAX); a removed one is
 * kept aside. Duplicates pair up in order. On success targets is moved
 * (emptied) and *old_to_new is a malloc'd array of the previous nsvc
 * entries: each old index's new one, or SIZE_MAX for a service that left;
 * the caller frees it and carries every index it keeps across (schedule,
 * order, selection). -1 when out of memory: nothing changed, targets is
 * still the caller's. */
int cm_monitor_set_targets(struct cm_monitor *m, struct cm_target_list *targets,
			   size_t **old_to_new);

/* True when some var needs /debug/pprof/goroutine or threadcreate. */
bool cm_monitor_needs(const struct cm_monitor *m, enum cm_var_source which);

/* The Content-Type (or NULL) of service i's answer to its vars request,
 * before cm_monitor_vars_result: "text/plain; version=0.0.4" and
 * application/openmetrics-text make it a Prometheus service, JSON an expvar
 * one; any other type keeps what the entry's path says (a path ending in
 * /metrics is Prometheus, others expvar). A Prometheus service reads
 * @goroutines and @threads from its body (no goroutine dump). */
void cm_monitor_note_answer(struct cm_monitor *m, size_t i, const char *content_type);

/* True when service i speaks Prometheus (its counts need no request). */
static inline bool cm_monitor_is_prom(const struct cm_monitor *m, size_t i)
{
	return m->svc[i].format == CM_SVC_PROM;
}

/* A /debug/vars fetch of service i ended at wall time now: body/len on
 * success (HTTP 200), or fetch_error (curl's reason, "HTTP 404 Not Found",
 * ...) with body NULL. Updates state, name, restart, every expvar cell
 * (one sample each). 0, or -1 when out of memory. */
int cm_monitor_vars_result(struct cm_monitor *m, size_t i, const char *body, size_t len,
			   const char *fetch_error, double now);

/* The same for a goroutine/threadcreate ?debug=1 fetch. A failure makes
 * those cells N/A with the reason in count_error; the service's state is
 * not touched (a service without pprof is not down). */
void cm_monitor_count_result(struct cm_monitor *m, size_t i, enum cm_var_source which,
			     const char *body, size_t len, const char *fetch_error, double now);

/* The same counts from one fetch of /debug/pprof/ (the index page; see
 * cm_pprof_index_count for why it is preferred): every count var that is
 * wanted gets its value. -1, touching nothing, when the page lacks one of
 * them: then the caller asks for the ?debug=1 dumps instead. */
int cm_monitor_index_result(struct cm_monitor *m, size_t i, const char *body, size_t len,
			    double now);

/* The service's newest capture mark while it is recent (ended within
 * CM_CAPTURE_SHOW_SECONDS of now), else NULL: the table marks its row. */
const struct cm_mark *cm_service_recent_capture(const struct cm_service *s, double now);

/* A wall time in the local zone, "HH:MM:SS", with " DD/MM" when
 * with_date ("" when the time cannot be read). */
void cm_clock_text(char *buf, size_t cap, double when, bool with_date);
/* One poll of a service as a recording kept it (the app's recorder wrote
 * what the monitor held after the poll): replay feeds it back through
 * cm_monitor_replay_poll instead of parsing bodies again. */
struct cm_poll_record {
	bool vars;          /* a /debug/vars (or /metrics) poll: state, error, name,
			     * last update and restart apply; otherwise only cells */
	enum cm_svc_state state;
	const char *error;  /* DOWN: why; NULL or "" otherwise */
	const char *name;   /* the service's name then; NULL or "" keeps it */
	bool restarted;     /* the poll saw a restart: a restart, mark and all */
	const struct cm_value *values; /* value of var k, for the k with set[k] */
	const bool *set;    /* which cells the poll set (NULL: none) */
	size_t nvalues;     /* entries of values and set; past m->vars.n ignored */
};

/* Service i's poll r at wall time now (the poll's recorded time): its
 * cells take the values as they were held (rates already rates, not
 * applied again), the sparklines a sample each, a restart its mark. i
 * past nsvc is refused (-1), as is out of memory. */
int cm_monitor_replay_poll(struct cm_monitor *m, size_t i, const struct cm_poll_record *r,
			   double now);

/* True while service i shows as restarted. */
bool cm_service_restarted(const struct cm_service *s, double now);

/* What the screen and the text call service i: its name, with the port
 * (or address) added when another service has the same name, as several
 * instances of one program do. Not cleaned: see cm_text_clean. */
void cm_svc_label(char *buf, size_t len, const struct cm_monitor *m, size_t i);

/* expvarmon's -dummy block, appended to out: "HH:MM:SS DD/MM" (local
 * time), then per service "name: Label: value, Label: value" or "name:
 * ERROR: reason", the name as cm_svc_label gives it. A service that
 * restarted lately ends its line with " [restarted HH:MM:SS]". What came
 * from services goes through cm_text_clean with the flags clean (no
 * escapes reach the reader's terminal). Out of memory: out->oom. */
void cm_monitor_text(const struct cm_monitor *m, struct cm_strbuf *out, double now,
		     unsigned clean);

/* The nth (from 0) var the person named that no service has published,
 * once no service is waiting for its first poll and one has answered:
 * "no var memstats.Aloc on any service; did you mean memstats.Alloc?"
 * (the nearest path a service published, when one is near) into buf.
 * False past the last one. */
bool cm_monitor_missing_var(const struct cm_monitor *m, size_t nth, char *buf, size_t len);

/* 0 when every service is UP and every named var was found, 1 otherwise
 * (-once's exit status). */
int cm_monitor_exit_status(const struct cm_monitor *m);

#endif
