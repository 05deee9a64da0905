/* monitor_app: the live monitor's command line and its one poll loop.
 *
 * Each service is polled in rounds: /debug/vars, then (when some var needs
 * them) the goroutine and thread counts from /debug/pprof/'s index page
 * (or, for a service without one, goroutine?debug=1 and
 * threadcreate?debug=1), one after the other so a service costs one
 * kept-alive connection; a timeout ends the round. Rounds are spread over the
 * interval in slots of a few dozen services (spread_offset) so a
 * thousand services do not all start at once, nor each in a wake-up of
 * its own. A round still running when the next is due (a slow service)
 * skips that tick; it never delays other services, whose transfers run
 * side by side on the same multi handle. */
#include "cmon/app/monitor_app.h"

#include <errno.h>
#include <langinfo.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmon/app/outq.h"
#include "cmon/base/flags.h"
#include "cmon/base/theme.h"
#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prof_pane.h"
#include "cmon/monitor/prom_vars.h"
#include "cmon/monitor/spark.h"
#include "cmon/monitor/target.h"
#include "cmon/monitor/trigger.h"
#include "cmon/net/fetch.h"
#include "cmon/net/remote.h"
#include "cmon/net/ssh_tunnel.h"
#include "cmon_config.h"
#include "capture_app.h"
#include "json_out.h"
#include "profile_pane_app.h"
#include "record.h"
#include "target_follow.h"
#include "ui/ui.h"

#define VARS_MAX_BODY (8u << 20)  /* memstats is ~6 KB; a service's own vars can be big */
#define COUNT_MAX_BODY (64u << 10) /* only the first line is read: the rest is cut */
#define DRAW_MIN_GAP 0.1           /* redraws without a key: at most 10 a second */
#define LATE_BUCKETS 10001         /* lateness histogram: 1 ms buckets up to 10 s */
#define TEXT_MAX_PENDING (1u << 20) /* -dummy text a slow reader may have waiting */

/* -vars' default; told apart by its address (see build_monitor). */
static const char default_vars[] = CM_VARS_DEFAULT;

struct args {
	const char *ports, *targets, *vars, *interval, *endpoint, *timeout, *glyphs, *theme;
	const char *history; /* -history: the window kept at full resolution */
	bool dummy, once, self, insecure, stats, help, json;
	const char *record; /* -record=FILE */
	int seconds; /* CPU profile length for the profile pane */
	const char *ssh, *ssh_opts; /* -ssh=[user@]host[:port], -ssh-opts */
	const char *module; /* -module: the profile pane's "my code" */
	struct cm_flag_list triggers; /* -trigger, each may hold several (';') */
};

/* A round: vars, then the counts wanted, from the index page or, for a
 * service without one, from the two ?debug=1 dumps. */
enum step { STEP_IDLE, STEP_VARS, STEP_INDEX, STEP_GOROUTINES, STEP_THREADS };
#define NSTEP_URLS 4 /* one URL per step after IDLE */

struct app;

/* -dummy's and -once's output. */
struct text_out {
	bool on;
	unsigned clean;              /* cm_text_clean's flags for the reader */
	struct cm_outq q;            /* stdout, never waited on */
	struct cm_strbuf block;      /* the block being made, reused */
	unsigned long long dropped;  /* blocks the reader was too slow for */
	bool failed;                 /* a write failed: said, and cmon ends with 1 */
	size_t missing_said;         /* vars named on no service, said on stderr */
};

/* One service's schedule; also the fetch callbacks' context. */
struct sched {
	struct app *app;
	size_t i;
	enum step step;
	long id;          /* the transfer in flight, 0 = none */
	double due;       /* monotonic seconds of the next round */
	char *url[NSTEP_URLS]; /* vars, /debug/pprof/, goroutine, threadcreate */
	bool held;        /* due, but waiting for its ssh tunnel's first connection */
	bool dumps;       /* its /debug/pprof/ gave no counts: read the dumps */
	enum { METRICS_UNTRIED, METRICS_TRYING, METRICS_DONE } metrics; /* see try_metrics */
	char endpoint_error[96]; /* the endpoint's 404 while /metrics is tried */
};

struct lateness {
	unsigned long long polls, skipped;
	double max_ms;
	unsigned *hist; /* LATE_BUCKETS counts, NULL when -stats is off */
};

struct app {
	struct args a;
	struct cm_monitor mon;
	struct cm_fetch *fetch;
	struct sched *sched;
	double interval;   /* seconds */
	double history;    /* -history, seconds */
	long timeout_ms;
	bool need[2];      /* goroutines, threads */
	struct cm_ui *ui;
	struct cm_pane_app pane; /* the profile pane (p on the screen) */
	struct cm_trigger_set trig;  /* -trigger */
	struct cm_capture_app cap;   /* the triggers' and the rolling mode's captures */
	struct cm_remote *remote; /* ssh tunnels, NULL when every service is direct */
	bool dirty;        /* redraw soon: a key, the pane, a resize, a service's state */
	bool data_dirty;   /* new values: redrawn at most once an interval */
	bool quit;
	double last_draw;
	struct lateness late;
	struct text_out text; /* -dummy and -once: stdout */
	struct cm_follow follow; /* -ports=@FILE, -targets: the list followed */
	struct cm_rec *rec;      /* -record: NULL when off (or it could not start) */
	int argc;                /* the command line, for the recording */
	char **argv;
	double next_file_look;   /* monotonic: the next stat of -ports=@FILE */
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cm_monitor_usage(FILE *out)
{
	fprintf(out,
		"usage: cmon -ports=PORTS [-vars=VARS] [-i=5s] [flags]   live monitor\n"
		"       cmon -ports=@FILE | -targets=http://PROMETHEUS:9090 [flags]\n"
		"       cmon pprof [flags] SOURCE...                     profile reports\n"
		"       cmon replay FILE [-dummy] [-json]                a -record=FILE run again\n"
		"       cmon --help | --version\n"
		"\n"
		"Monitors Go services' /debug/vars (expvar) and goroutine and thread counts,\n"
		"or their Prometheus /metrics, with sparklines. Every expvarmon command line\n"
		"works unchanged.\n"
		"\n"
		"  -ports list     services: 5000, 5000-5003, host:5000, :5000,\n"
		"                  http(s)://[user:pass@]host:port[/path] (comma separated);\n"
		"                  ssh://[user@]host[:port]/ENTRY: that entry through ssh;\n"
		"                  @FILE: entries one per line (# comments), the file\n"
		"                  followed while running (re-read when it changes)\n"
		"  -targets url    also the active targets of a Prometheus server,\n"
		"                  http://host:9090[?job=NAME] (credentials for its API only),\n"
		"                  asked again every max(interval, 5s)\n"
		"  -vars list      vars: memstats.Alloc, mem:X, duration:X (dur:X), dur.ms:X\n"
		"                  (dur.us/s/m/h: published in that unit), str:X,\n"
		"                  rate:X, X[3], X[-1], @goroutines, @threads, * (all numbers)\n"
		"                  Prometheus services (/metrics): metric{label=\"v\",l=~\"re\"}\n"
		"                  (matching series summed; [N] picks one), counters as\n"
		"                  rates (raw:X the value), p99:X a histogram's or summary's\n"
		"                  quantile, expvar|metric pairs for fleets of both kinds\n"
		"                  default: %s\n"
		"                  (only /metrics entries: %s)\n"
		"  -i duration     poll interval (5s; at least 100ms)\n"
		"  -endpoint path  expvar path when an entry names none (/debug/vars; there\n"
		"                  an answer 404 tries /metrics once)\n"
		"  -timeout dur    per-request timeout (default: the interval, at most 5s)\n"
		"  -history dur    history kept at full resolution (1h; for a fleet as much\n"
		"                  of it as 32 MB hold, at least 600 polls); older samples are\n"
		"                  kept for the whole run as min/max/mean of 10, 100, 1000+\n"
		"                  polls; at most 24 bytes a var a poll of the window\n"
		"                  (86 KB a var for 1h at -i=1s, 17 KB at 5s)\n"
		"  -seconds n      CPU profile length for the screen's profile pane (%d)\n"
		"  -trigger expr   capture profiles when a var crosses a value, VAR OP NUMBER:\n"
		"                  KINDS[:for=N,cooldown=5m]: rate:requests>500:cpu,heap,\n"
		"                  memstats.HeapAlloc>1GB:heap, @goroutines>=1e4:goroutine\n"
		"                  (> >= < <=; units B KB MB GB TB, ns us ms s m h); repeat\n"
		"                  it or join with ';'; saved as go tool pprof saves them\n"
		"  -ssh host       reach every service through ssh on [user@]host[:port]:\n"
		"                  addresses are resolved there, as with ssh -L\n"
		"  -ssh-opts opts  extra ssh options, e.g. -ssh-opts='-i key -o Port=2222'\n"
		"  -module path    the services' main module (example.com/svc): the profile\n"
		"                  pane's m dims the rest (default: told by file names)\n"
		"  -insecure       accept self-signed TLS certificates\n",
		CM_VARS_DEFAULT, CM_VARS_DEFAULT_PROM, CM_PROF_SECONDS_DEFAULT);
	/* two parts: one string literal over 4095 bytes is not portable C */
	fputs("  -dummy          no screen: print every service's values each interval\n"
		"  -once           poll once, print as -dummy, exit 0 if every service answered\n"
		"  -json           with -dummy or -once: one JSON object per service per round\n"
		"                  (NDJSON: time, service, state, error, vars) instead of text\n"
		"  -record file    write every poll, the service list and every profile\n"
		"                  captured to an SQLite database (README: Recordings);\n"
		"                  `cmon replay FILE [-dummy] [-json]` shows it again\n"
		"  -glyphs name    sparklines: braille, blocks or ascii (default from locale, TERM)\n"
		"  -theme name     default, light, mono, or a theme file's path\n"
		"  -stats          on exit print poll counts (rounds run, skipped) and lateness\n"
		"  -self           accepted for expvarmon's sake; cmon publishes no vars\n"
		"\n",
	      out);
	fputs(
		"Environment: HTTP_USER and HTTP_PASSWORD add Basic auth to every request;\n"
		"CMON_SSH_COMMAND replaces ssh, as GIT_SSH_COMMAND does for git;\n"
		"NO_COLOR drops colours. Keys: q quit, arrows/hjkl move, Enter zoom,\n"
		"space pause, s/o sort, / filter (Esc: search, n/N next/previous match),\n"
		"c heat map, t totals of gauges (sum/mean/max), H group by host,\n"
		"p profile the selected service (beside the sparklines),\n"
		"Tab switches panes (keys to the profile or back), ? help; in the profile:\n"
		"w writes it to a file, < and > go through this run's captures, O captures\n"
		"CPU back to back (rolling); in the zoom V starts and ends a span whose\n"
		"rolling CPU captures open merged in the profile.\n"
		"`cmon pprof -help` lists the profile flags. In `cmon replay`: space play/pause,\n"
		"] and [ faster/slower, J jump to a time, { and } previous/next event.\n",
	      out);
}

static size_t monitor_flags(struct args *a, struct cm_flag *f)
{
	const struct cm_flag table[] = {
		{"ports", CM_FLAG_STRING, &a->ports, "list", "services to monitor"},
		{"targets", CM_FLAG_STRING, &a->targets, "url", "a Prometheus server's targets"},
		{"vars", CM_FLAG_STRING, &a->vars, "list", "vars to show"},
		{"i", CM_FLAG_STRING, &a->interval, "duration", "poll interval"},
		{"endpoint", CM_FLAG_STRING, &a->endpoint, "path", "expvar path"},
		{"timeout", CM_FLAG_STRING, &a->timeout, "duration", "per-request timeout"},
		{"history", CM_FLAG_STRING, &a->history, "duration", "history at full resolution"},
		{"seconds", CM_FLAG_INT, &a->seconds, "n", "CPU profile length"},
		{"ssh", CM_FLAG_STRING, &a->ssh, "[user@]host[:port]", "reach services through ssh"},
		{"ssh-opts", CM_FLAG_STRING, &a->ssh_opts, "opts", "extra ssh options"},
		{"module", CM_FLAG_STRING, &a->module, "path", "the main module, for my code (m)"},
		{"trigger", CM_FLAG_LIST, &a->triggers, "expr", "capture profiles when a var crosses a value"},
		{"insecure", CM_FLAG_BOOL, &a->insecure, NULL, "accept any TLS certificate"},
		{"dummy", CM_FLAG_BOOL, &a->dummy, NULL, "text output"},
		{"once", CM_FLAG_BOOL, &a->once, NULL, "poll once"},
		{"json", CM_FLAG_BOOL, &a->json, NULL, "NDJSON output"},
		{"record", CM_FLAG_STRING, &a->record, "file", "record to an SQLite file"},
		{"glyphs", CM_FLAG_STRING, &a->glyphs, "name", "sparkline glyphs"},
		{"theme", CM_FLAG_STRING, &a->theme, "name", "colour theme"},
		{"stats", CM_FLAG_BOOL, &a->stats, NULL, "poll statistics on exit"},
		{"self", CM_FLAG_BOOL, &a->self, NULL, "expvarmon's; ignored"},
		{"help", CM_FLAG_BOOL, &a->help, NULL, "this help"},
		{"h", CM_FLAG_BOOL, &a->help, NULL, NULL},
	};
	size_t n = sizeof table / sizeof table[0];
	if (f)
		memcpy(f, table, sizeof table);
	return n;
}

static int bad_usage(const char *msg)
{
	fprintf(stderr, "cmon: %s\n", msg);
	return 2;
}

/* The shortest -i: a round (a request or three, an answer parsed) must fit
 * in it, and the soak tests ran at this; shorter only queues polls behind
 * each other and spends a core doing it. */
#define INTERVAL_MIN_NS 100000000LL

/* -i and -timeout: a Go duration above zero, and at least min_ns. */
static int parse_duration_flag(const char *flag, const char *s, long long min_ns,
			       double *seconds)
{
	long long ns;
	if (cm_duration_parse(s, &ns) < 0 || ns <= 0) {
		fprintf(stderr, "cmon: invalid value \"%s\" for flag -%s: want a duration above 0 "
				"such as 500ms, 1s, 1m\n", s, flag);
		return -1;
	}
	if (ns < min_ns) {
		fprintf(stderr, "cmon: invalid value \"%s\" for flag -%s: want at least %lldms\n",
			s, flag, min_ns / 1000000);
		return -1;
	}
	*seconds = (double)ns / 1e9;
	return 0;
}

/* The full-resolution window of every series from now on: -history as
 * given, else cm_monitor_default_history's for this many services. Called
 * again when the list of services changes: new series get the new
 * window, the others keep theirs. */
static void history_window(struct app *app)
{
	app->mon.history_auto = !app->a.history; /* and "*" adding vars: the core's */
	if (!app->a.history)
		app->history = cm_monitor_default_history(app->mon.nsvc * app->mon.vars.n,
							   app->interval);
	app->mon.history_cap = cm_monitor_history_cap(app->history, app->interval);
}

static int parse_args(struct app *app, int argc, char **argv)
{
	struct args *a = &app->a;
	a->interval = "5s";
	a->history = NULL; /* the default: see history_window */
	a->endpoint = "/debug/vars";
	a->vars = default_vars;
	a->seconds = CM_PROF_SECONDS_DEFAULT;
	struct cm_flag flags[32];
	size_t nflags = monitor_flags(a, flags);
	char err[256];
	int npos = cm_flags_parse(flags, nflags, argc, argv, err, sizeof err);
	if (npos < 0)
		return bad_usage(err);
	if (a->help) {
		cm_monitor_usage(stdout);
		return -1;
	}
	if (npos > 0) {
		snprintf(err, sizeof err, "unexpected argument \"%s\" (did you mean -ports=%s?)",
			 argv[0], argv[0]);
		return bad_usage(err);
	}
	if (a->json && !a->dummy && !a->once)
		return bad_usage("-json goes with -dummy or -once (the text it replaces)");
	if (a->record && !*a->record)
		return bad_usage("-record needs a file name, e.g. -record=run.db");
	if ((!a->ports || !*a->ports) && (!a->targets || !*a->targets))
		return bad_usage("-ports is required, e.g. -ports=:6060 (cmon -help)");
	if (parse_duration_flag("i", a->interval, INTERVAL_MIN_NS, &app->interval))
		return 2;
	double timeout = app->interval < 5 ? app->interval : 5;
	if (a->timeout && parse_duration_flag("timeout", a->timeout, 1, &timeout))
		return 2;
	app->timeout_ms = (long)ceil(timeout * 1000);
	if (a->history && parse_duration_flag("history", a->history, 1, &app->history))
		return 2;
	if (!*a->endpoint || a->endpoint[0] != '/')
		return bad_usage("-endpoint must be a path starting with /");
	if (a->seconds < 1 || a->seconds > CM_PROF_SECONDS_MAX) {
		fprintf(stderr, "cmon: invalid value \"%d\" for flag -seconds: want 1 to %d\n",
			a->seconds, CM_PROF_SECONDS_MAX);
		return 2;
	}
	return 0;
}

/* Every entry names a metrics endpoint: the Go collector's defaults. */
static bool all_metrics(const struct cm_target_list *t, const char *endpoint)
{
	for (size_t i = 0; i < t->n; i++)
		if (!cm_target_names_metrics(&t->v[i], endpoint))
			return false;
	return t->n > 0;
}

/* Every -trigger, each var found in -vars or added to them. */
static int parse_triggers(struct app *app, struct cm_var_list *vars, char *err, size_t len)
{
	for (size_t k = 0; k < app->a.triggers.n; k++)
		if (cm_triggers_parse(&app->trig, app->a.triggers.v[k], err, len) < 0)
			return -1;
	if (cm_triggers_bind(&app->trig, vars) < 0) {
		snprintf(err, len, "-trigger: out of memory, or more than %d vars", CM_VARS_MAX);
		return -1;
	}
	return 0;
}

static int build_monitor(struct app *app)
{
	struct cm_target_list targets = {0};
	struct cm_var_list vars = {0};
	char err[512];
	struct cm_follow *f = &app->follow;
	if (cm_follow_init(f, app->a.ports, app->a.targets, app->a.endpoint, app->interval, err,
			   sizeof err))
		return bad_usage(err);
	if (cm_follow_active(f) && app->a.ssh)
		return bad_usage("-ssh goes with a -ports list: the tunnels are set up once, for "
				 "the services listed at the start (not with @FILE or -targets)");
	if (cm_follow_list(f, &targets, err, sizeof err) < 0)
		return bad_usage(err);
	if (app->a.vars == default_vars && all_metrics(&targets, app->a.endpoint))
		app->a.vars = CM_VARS_DEFAULT_PROM;
	if (cm_vars_parse(app->a.vars, &vars, err, sizeof err) < 0 ||
	    parse_triggers(app, &vars, err, sizeof err) < 0) {
		cm_targets_free(&targets);
		cm_vars_free(&vars);
		return bad_usage(err);
	}
	if (cm_monitor_init(&app->mon, &targets, &vars, app->a.endpoint) < 0 ||
	    cm_triggers_resize(&app->trig, app->mon.nsvc, NULL, 0) < 0) {
		cm_targets_free(&targets);
		cm_vars_free(&vars);
		return bad_usage("out of memory");
	}
	app->mon.dt = app->interval;
	history_window(app);
	app->need[0] = cm_monitor_needs(&app->mon, CM_SOURCE_GOROUTINES);
	app->need[1] = cm_monitor_needs(&app->mon, CM_SOURCE_THREADS);
	return 0;
}

/* Where service i of n starts in the interval. Starts are grouped into
 * slots rather than spread one by one: the services of one slot start in
 * one wake-up of the loop and their answers are read in one or two more
 * (see fetch.c), and on a virtual machine a wake-up costs more than the
 * transfers it starts. There are n / SLOT_SERVICES slots, rounded up, but
 * at most one every SCHED_SLOT seconds: more services to a slot would
 * save a little more CPU, but every transfer in flight holds buffers
 * (~30 KB with libcurl's), and this keeps 100 services under 16 MB. The
 * period of each service stays exactly the interval. */
#define SCHED_SLOT 0.1
#define SLOT_SERVICES 25

static double spread_offset(double interval, size_t i, size_t n)
{
	size_t slots = (size_t)(interval / SCHED_SLOT);
	size_t needed = (n + SLOT_SERVICES - 1) / SLOT_SERVICES;
	if (slots > needed)
		slots = needed;
	if (slots < 1)
		slots = 1;
	return interval * (double)(i * slots / n) / (double)slots;
}

/* Service i's schedule: its URLs, and its first round at start + its
 * place among n in the interval (-once polls everyone now; otherwise
 * rounds are spread). */
static int sched_init(struct app *app, struct sched *s, size_t i, size_t place, size_t n,
		      double start)
{
	const struct cm_target *t = &app->mon.targets.v[i];
	s->app = app;
	s->i = i;
	s->due = start + (app->a.once ? 0 : spread_offset(app->interval, place, n));
	s->url[0] = cm_target_url(t, app->a.endpoint, NULL);
	s->url[1] = cm_prof_endpoint_url(t, "", NULL);
	s->url[2] = cm_prof_endpoint_url(t, "goroutine", "?debug=1");
	s->url[3] = cm_prof_endpoint_url(t, "threadcreate", "?debug=1");
	for (int k = 0; k < NSTEP_URLS; k++)
		if (!s->url[k])
			return -1;
	return 0;
}

static int build_schedule(struct app *app, double start)
{
	size_t n = app->mon.nsvc;
	app->sched = calloc(n ? n : 1, sizeof *app->sched);
	if (!app->sched)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sched_init(app, &app->sched[i], i, i, n, start) < 0)
			return -1;
	return 0;
}

static void free_schedule(struct app *app)
{
	if (!app->sched)
		return;
	for (size_t i = 0; i < app->mon.nsvc; i++)
		for (int k = 0; k < NSTEP_URLS; k++)
			free(app->sched[i].url[k]);
	free(app->sched);
	app->sched = NULL;
}

static void on_result(void *ctx, const struct cm_fetch_result *r);

/* The schedule after the list changed (to: old index -> new, of nold):
 * ns (room for every service) takes each kept service's schedule, a
 * round in flight cancelled and run again now (its callback's context
 * moves); the new services' rounds spread over the next interval. */
static void remap_schedule(struct app *app, struct sched *ns, const size_t *to, size_t nold,
			   double now)
{
	size_t n = app->mon.nsvc, kept = 0;
	for (size_t k = 0; k < nold; k++) {
		struct sched *o = &app->sched[k];
		if (o->id)
			cm_fetch_cancel(app->fetch, o->id);
		if (to[k] == SIZE_MAX) {
			for (int u = 0; u < NSTEP_URLS; u++)
				free(o->url[u]);
			continue;
		}
		struct sched *s = &ns[to[k]];
		*s = *o;
		s->i = to[k];
		s->id = 0;
		s->held = false;
		if (s->step != STEP_IDLE)
			s->due = now;
		s->step = STEP_IDLE;
		kept++;
	}
	for (size_t j = 0, place = 0; j < n; j++)
		if (!ns[j].app && sched_init(app, &ns[j], j, place++, n - kept, now) < 0)
			ns[j].due = INFINITY; /* out of memory: never polled, nothing to fetch */
	free(app->sched);
	app->sched = ns;
}

static void start_step(struct sched *s, enum step step)
{
	struct app *app = s->app;
	const struct cm_target *t = &app->mon.targets.v[s->i];
	bool count = step != STEP_VARS; /* a dump: its first line is enough */
	struct cm_request req = {
		.url = s->url[step - STEP_VARS],
		.user = t->user,
		.password = t->password,
		.unix_socket = t->unix_socket,
		.timeout_ms = app->timeout_ms,
		.max_body = count ? COUNT_MAX_BODY : VARS_MAX_BODY,
		.allow_truncated = count,
		.cb = on_result,
		.ctx = s,
	};
	s->step = step;
	s->id = cm_fetch_start(app->fetch, &req);
	if (s->id < 0) {
		s->id = 0;
		s->step = STEP_IDLE;
	}
}

/* What comes after step in a round of service s, given which counts are
 * wanted (a Prometheus service has them in its body). */
static enum step next_step(const struct app *app, const struct sched *s, enum step step)
{
	if (step == STEP_IDLE || step == STEP_INDEX || cm_monitor_is_prom(&app->mon, s->i))
		return STEP_IDLE;
	if (step == STEP_VARS && !s->dumps && (app->need[0] || app->need[1]))
		return STEP_INDEX;
	if (step == STEP_VARS && app->need[0])
		return STEP_GOROUTINES;
	if (step <= STEP_GOROUTINES && app->need[1])
		return STEP_THREADS;
	return STEP_IDLE;
}

/* The monitor's state after step of service i's round, into the
 * recording: a vars poll writes the cells the body sets (every cell of a
 * Prometheus service), a count poll its counts. */
static void record_poll(struct app *app, size_t i, enum step step, double now)
{
	if (!app->rec)
		return;
	unsigned expvar = 1u << CM_SOURCE_EXPVAR, g = 1u << CM_SOURCE_GOROUTINES,
		 th = 1u << CM_SOURCE_THREADS;
	unsigned sources = step == STEP_GOROUTINES ? g : step == STEP_THREADS ? th
			   : step == STEP_INDEX ? g | th
			   : cm_monitor_is_prom(&app->mon, i) ? expvar | g | th : expvar;
	cm_rec_poll(app->rec, &app->mon, i, sources, step == STEP_VARS, now);
}

/* Step's answer (body/len, or error) into the monitor. The index page's
 * failure is both counts' (take_index reads its answers). */
static void take_result(struct app *app, size_t i, enum step step, const char *body,
			size_t len, const char *error, double now)
{
	if (step == STEP_VARS) {
		cm_monitor_vars_result(&app->mon, i, body, len, error, now);
		record_poll(app, i, STEP_VARS, now);
		return;
	}
	if ((step == STEP_INDEX || step == STEP_GOROUTINES) && app->need[0])
		cm_monitor_count_result(&app->mon, i, CM_SOURCE_GOROUTINES, body, len, error, now);
	if ((step == STEP_INDEX || step == STEP_THREADS) && app->need[1])
		cm_monitor_count_result(&app->mon, i, CM_SOURCE_THREADS, body, len, error, now);
	record_poll(app, i, step, now);
}

/* The index page's answer: the counts; or, when the service answered but
 * the page has no counts (404: it mounts only the named profiles), the
 * dumps, from this round on. A service that did not answer (refused,
 * timed out, HTTP 5xx) is not taken to lack the page. The next step. */
static enum step take_index(struct app *app, struct sched *s, const struct cm_fetch_result *r,
			    double now)
{
	if (!r->error && cm_monitor_index_result(&app->mon, s->i, r->body, r->len, now) == 0) {
		record_poll(app, s->i, STEP_INDEX, now);
		return STEP_IDLE;
	}
	if (r->status != 404 && (r->error || r->status / 100 != 2)) {
		take_result(app, s->i, STEP_INDEX, NULL, 0, r->error, now);
		return STEP_IDLE;
	}
	s->dumps = true;
	return next_step(app, s, STEP_VARS);
}

/* One entry per service, whichever endpoint it offers: an entry without
 * a path whose /debug/vars answers 404 tries /metrics once; if that
 * answers, the service is read there from then on, else the 404 stands
 * and /metrics is not tried again. An -endpoint the person chose is
 * meant: its 404 stands. True when r was taken so (a /metrics request is
 * under way). */
static bool try_metrics(struct sched *s, const struct cm_fetch_result *r)
{
	struct app *app = s->app;
	const struct cm_target *t = &app->mon.targets.v[s->i];
	if (s->metrics == METRICS_TRYING) {
		s->metrics = METRICS_DONE;
		if (!r->error)
			return false; /* found: url[0] stays /metrics */
		char *back = cm_target_url(t, app->a.endpoint, NULL);
		if (back) {
			free(s->url[0]);
			s->url[0] = back;
		}
		take_result(app, s->i, STEP_VARS, NULL, 0, s->endpoint_error, wall_now());
		s->id = 0;
		s->step = STEP_IDLE;
		app->dirty = true;
		return true;
	}
	if (s->metrics != METRICS_UNTRIED || r->status != 404 || t->path ||
	    strcmp(app->a.endpoint, "/debug/vars"))
		return false;
	char *url = cm_target_url(t, "/metrics", NULL);
	if (!url)
		return false;
	snprintf(s->endpoint_error, sizeof s->endpoint_error, "%s", r->error ? r->error : "HTTP 404");
	free(s->url[0]);
	s->url[0] = url;
	s->metrics = METRICS_TRYING;
	start_step(s, STEP_VARS);
	if (s->step == STEP_IDLE) /* could not start: the 404 stands */
		return false;
	return true;
}

/* Service i's round ended at wall time now: its triggers are looked at,
 * and those that fire start their captures. */
static void round_done(struct app *app, size_t i, double now)
{
	struct cm_trigger_fire fire[CM_TRIGGERS_MAX];
	size_t n = cm_triggers_eval(&app->trig, &app->mon, i, now, fire, CM_TRIGGERS_MAX);
	for (size_t k = 0; k < n; k++)
		cm_capture_app_fire(&app->cap, &fire[k], i, now);
	if (n)
		app->dirty = true;
}

/* The requests of a round run one after another on one connection. A
 * request that timed out ends the round: the service is hung, and each
 * request left would wait out its own timeout (three per poll, -once
 * taking three times -timeout). Those requests take the same error. */
static void on_result(void *ctx, const struct cm_fetch_result *r)
{
	struct sched *s = ctx;
	struct app *app = s->app;
	double now = wall_now();
	if (s->step == STEP_VARS && try_metrics(s, r))
		return;
	if (s->step == STEP_VARS && !r->error)
		cm_monitor_note_answer(&app->mon, s->i, r->content_type);
	enum cm_svc_state was = app->mon.svc[s->i].state;
	enum step next;
	if (s->step == STEP_INDEX) {
		next = take_index(app, s, r, now);
	} else {
		take_result(app, s->i, s->step, r->error ? NULL : r->body, r->len, r->error, now);
		next = next_step(app, s, s->step);
	}
	s->id = 0;
	/* A service coming up or going down shows at once; new values wait
	 * for the interval's one redraw (maybe_draw). */
	if (app->mon.svc[s->i].state != was)
		app->dirty = true;
	else
		app->data_dirty = true;
	for (; r->timed_out && next != STEP_IDLE; next = next_step(app, s, next))
		take_result(app, s->i, next, NULL, 0, r->error, now);
	if (next == STEP_IDLE) {
		s->step = STEP_IDLE;
		round_done(app, s->i, now);
	} else {
		start_step(s, next);
	}
}

static void record_lateness(struct lateness *l, double late_s)
{
	double ms = late_s * 1000;
	if (ms < 0)
		ms = 0;
	l->polls++;
	if (ms > l->max_ms)
		l->max_ms = ms;
	if (l->hist)
		l->hist[ms >= LATE_BUCKETS - 1 ? LATE_BUCKETS - 1 : (size_t)ms]++;
}

/* A service behind an ssh tunnel that is not up is not fetched: its round
 * ends with the tunnel's word as its error, or waits (held) while the
 * tunnel makes its first connection. */
static enum cm_remote_gate tunnel_gate(struct app *app, struct sched *s)
{
	const char *why = NULL;
	enum cm_remote_gate g = cm_remote_gate(app->remote, s->i, &why);
	if (g == CM_GATE_DOWN) {
		double now = wall_now();
		cm_monitor_vars_result(&app->mon, s->i, NULL, 0, why, now);
		record_poll(app, s->i, STEP_VARS, now);
		app->dirty = true;
	}
	return g;
}

/* The first slot of a schedule (due, due + interval, ...) after now, for
 * due <= now. Slots that passed while the loop was late (the process was
 * stopped, the machine suspended) are skipped, not run one after another,
 * and counted in *skipped when it is not NULL. Arithmetic, not a loop: an
 * hour stopped costs one step. */
static double next_slot(double due, double now, double interval,
			unsigned long long *skipped)
{
	double passed = floor((now - due) / interval);
	double next = due + (passed + 1) * interval;
	if (next <= now) /* rounding */
		next = now + interval;
	if (skipped && passed > 0)
		*skipped += (unsigned long long)passed;
	return next;
}

/* Starts every round that is due; returns the time of the next one. */
static double run_due(struct app *app, double now)
{
	double next = now + app->interval;
	for (size_t i = 0; i < app->mon.nsvc; i++) {
		struct sched *s = &app->sched[i];
		if (s->due <= now && !app->mon.paused) {
			enum cm_remote_gate g = s->step == STEP_IDLE ? tunnel_gate(app, s) : CM_GATE_OPEN;
			if ((s->held = g == CM_GATE_HELD))
				continue; /* a change of the tunnel runs run_due again */
			if (s->step == STEP_IDLE) {
				record_lateness(&app->late, now - s->due);
				if (g == CM_GATE_OPEN)
					start_step(s, STEP_VARS);
			} else {
				app->late.skipped++; /* the last round is still running */
			}
			s->due = next_slot(s->due, now, app->interval, &app->late.skipped);
		} else if (s->due <= now) {
			s->due = now + app->interval;
		}
		if (s->due < next)
			next = s->due;
	}
	return next;
}

static bool all_idle(const struct app *app)
{
	for (size_t i = 0; i < app->mon.nsvc; i++)
		if (app->sched[i].step != STEP_IDLE || app->sched[i].held)
			return false;
	return true;
}

/* SIGINT, SIGTERM, SIGHUP and SIGWINCH arrive on a signalfd, so the loop
 * sees them as input like any other and no handler touches shared state. */
int cm_monitor_signalfd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void read_signals(struct app *app, int sfd)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGWINCH) {
			if (app->ui)
				cm_ui_resize(app->ui);
			app->dirty = true;
		} else {
			app->quit = true;
		}
	}
}

/* A thousand services need a thousand sockets: lift the soft limit. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int wait_ms(double until, double now)
{
	double ms = (until - now) * 1000;
	if (ms < 0)
		return 0;
	return ms > 1000 ? 1000 : (int)ceil(ms);
}

/* When the screen is next drawn without a key: DRAW_MIN_GAP after the
 * last frame for what the person is waiting on, an interval after it for
 * new values alone; -1 when nothing waits. Drawing every service's
 * answer as it came (slots of 25 services, several a second) made frames
 * most of cmon's CPU at 100 services; once an interval, no value shows
 * later than an interval after it came. */
static double draw_due(const struct app *app)
{
	if (!app->ui)
		return -1;
	if (app->dirty)
		return app->last_draw + DRAW_MIN_GAP;
	if (app->data_dirty)
		return app->last_draw + (app->interval > DRAW_MIN_GAP ? app->interval : DRAW_MIN_GAP);
	return -1;
}

static void maybe_draw(struct app *app, double now, bool key)
{
	double due = draw_due(app);
	if (due < 0 || (!key && now < due))
		return;
	cm_ui_draw(app->ui, &app->mon, &app->pane.pane, wall_now(), now);
	app->last_draw = now;
	app->dirty = app->data_dirty = false;
}

/* Requests to the profile pane a burst of keys may make in one wake-up:
 * the rest wait for the next, so that the loop keeps polling. */
#define PANE_REQUESTS_PER_WAKE 64

/* O in the pane: rolling CPU captures of its service on or off, said in
 * the pane's note. */
static void toggle_rolling(struct app *app)
{
	struct cm_prof_pane *p = &app->pane.pane;
	int on = p->open ? cm_capture_app_toggle_rolling(&app->cap, p->svc) : -1;
	if (on < 0)
		snprintf(p->note, sizeof p->note, "rolling captures need the service free of "
			 "another CPU capture (Esc stops the pane's)");
	else if (on)
		snprintf(p->note, sizeof p->note, "rolling: CPU captures of %d s back to back; "
			 "V on the zoom opens a span of them, O stops", app->cap.rolling_seconds);
	else
		snprintf(p->note, sizeof p->note, "rolling captures stopped (the window running "
			 "is kept)");
	app->pane.dirty = true;
}

/* Every pending key; the profile pane's requests are carried out as they
 * come, in order. Returns true when a key was read. */
static bool read_keys(struct app *app, double now)
{
	int all = 0;
	for (int i = 0; i < PANE_REQUESTS_PER_WAKE; i++) {
		struct cm_pane_request rq;
		int fl = cm_ui_input(app->ui, &app->mon, &app->pane.pane, &rq, now);
		all |= fl;
		if (!(fl & CM_UI_PANE) || (fl & CM_UI_QUIT))
			break;
		if (rq.what == CM_PANE_REQ_ROLLING)
			toggle_rolling(app);
		else
			cm_pane_app_request(&app->pane, &rq, now);
	}
	if (all & CM_UI_QUIT)
		app->quit = true;
	if (all & CM_UI_DIRTY)
		app->dirty = true;
	return all != 0;
}

/* The pane changed (a profile came, the countdown ticked): redraw. */
static void take_pane_dirty(struct app *app)
{
	if (app->pane.dirty)
		app->dirty = true;
	app->pane.dirty = false;
	struct cm_prof_pane *p = &app->pane.pane;
	p->rolling = p->open && app->cap.rolling_svc == p->svc;
	if (app->ui && app->cap.said[0]) { /* a capture's news, for the footer */
		cm_ui_note(app->ui, app->cap.said);
		app->cap.said[0] = '\0';
		app->dirty = true;
	}
}

/* The profile pane's timers (countdown, live refresh) and the screen's
 * own (the viewer's held rows), folded into the loop's next wake-up. */
static double pane_due(struct app *app, double now, double next)
{
	double t = cm_pane_app_run_due(&app->pane, now);
	take_pane_dirty(app);
	if (t < next)
		next = t;
	t = cm_ui_next_tick(app->ui);
	if (t >= 0 && t < next)
		next = t;
	return next;
}

/* Without a screen, the tunnels' changes go to stderr. */
static FILE *tunnel_log(const struct app *app)
{
	return app->a.dummy || app->a.once ? stderr : NULL;
}

/* ssh's news: a tunnel that came up releases its held rounds, one that
 * went down ends theirs, so the schedule is looked at again at once. */
static void drive_tunnels(struct app *app, double now)
{
	if (cm_remote_drive(app->remote, now, tunnel_log(app), &app->mon)) {
		app->dirty = true;
		run_due(app, now);
	}
}

/* ---- the list followed (-ports=@FILE, -targets) ---- */

/* The sources' trouble into the header and, without a screen, stderr. */
static void take_problems(struct app *app)
{
	struct cm_follow *f = &app->follow;
	if (!f->problem_changed)
		return;
	f->problem_changed = false;
	cm_follow_problem(f, app->mon.sources, sizeof app->mon.sources);
	if (tunnel_log(app) && app->mon.sources[0])
		fprintf(stderr, "cmon: %s\n", app->mon.sources);
	app->dirty = true;
}

/* A source's list changed: the monitor takes the union, and every index
 * kept by service (the schedule, the screen, the pane) follows. The new
 * services' first rounds start now. */
static void apply_targets(struct app *app, double now)
{
	struct cm_target_list l = {0};
	struct sched *ns = NULL;
	size_t nold = app->mon.nsvc, *to = NULL;
	char err[256] = "out of memory";
	app->follow.changed = false;
	if (cm_follow_list(&app->follow, &l, err, sizeof err) < 0 ||
	    !(ns = calloc(l.n ? l.n : 1, sizeof *ns)) ||
	    cm_monitor_set_targets(&app->mon, &l, &to) < 0) {
		free(ns);
		cm_targets_free(&l);
		snprintf(app->mon.sources, sizeof app->mon.sources, "the new list: %s", err);
		if (tunnel_log(app))
			fprintf(stderr, "cmon: the new list: %s; last list kept\n", err);
		return;
	}
	remap_schedule(app, ns, to, nold, now);
	history_window(app);
	cm_rec_services(app->rec, &app->mon, to, nold, wall_now());
	if (app->ui)
		cm_ui_services_changed(app->ui, to, nold);
	cm_pane_app_services_changed(&app->pane, to, nold);
	cm_capture_app_services_changed(&app->cap, to, nold);
	if (cm_triggers_resize(&app->trig, app->mon.nsvc, to, nold) < 0)
		cm_triggers_resize(&app->trig, 0, NULL, 0); /* out of memory: triggers wait */
	size_t left = 0;
	for (size_t k = 0; k < nold; k++)
		left += to[k] == SIZE_MAX;
	free(to);
	if (tunnel_log(app) && nold && (left || app->mon.nsvc != nold)) /* not the first */
		fprintf(stderr, "cmon: %zu service%s (%zu new, %zu gone)\n", app->mon.nsvc,
			app->mon.nsvc == 1 ? "" : "s", app->mon.nsvc - (nold - left), left);
	app->dirty = true;
	run_due(app, now);
}

static void take_follow(struct app *app, double now)
{
	take_problems(app);
	if (app->follow.changed)
		apply_targets(app, now);
}

/* Looks at the file once an interval and asks Prometheus when due;
 * returns the next time anything here is due. */
static double follow_due(struct app *app, double now, double next)
{
	struct cm_follow *f = &app->follow;
	if (!cm_follow_active(f))
		return next;
	if (f->file && now >= app->next_file_look) {
		cm_follow_check_file(f);
		app->next_file_look = now + app->interval;
	}
	long timeout = app->timeout_ms > 5000 ? app->timeout_ms : 5000;
	double t = cm_follow_run_due(f, app->fetch, timeout, now);
	take_follow(app, now);
	if (f->file && app->next_file_look < t)
		t = app->next_file_look;
	return t < next ? t : next;
}

/* -dummy and -once write to stdout without ever waiting on it (outq.h):
 * a reader that stalls cannot stall polling or the signals. */
static void text_open(struct app *app)
{
	struct text_out *t = &app->text;
	t->on = app->a.dummy || app->a.once;
	if (!t->on)
		return;
	t->clean = cm_codeset_is_utf8(nl_langinfo(CODESET)) ? CM_CLEAN_UTF8 : 0;
	cm_outq_open(&t->q, STDOUT_FILENO, TEXT_MAX_PENDING);
}

static void text_close(struct app *app)
{
	if (!app->text.on)
		return;
	cm_outq_close(&app->text.q);
	cm_strbuf_free(&app->text.block);
}

/* A write failed (the reader went away, the disk is full, stdout is
 * closed): said once, and the loop ends; cmon exits 1. */
static void text_check(struct app *app)
{
	struct text_out *t = &app->text;
	if (!t->q.error || t->failed)
		return;
	t->failed = true;
	app->quit = true;
	fprintf(stderr, "cmon: writing output: %s\n", strerror(t->q.error));
}

static void text_write(struct app *app)
{
	cm_outq_flush(&app->text.q);
	text_check(app);
}

/* Each var named on no service, once, on stderr: the screen's footer line
 * ("cmon: no var memstats.Aloc on any service; did you mean
 * memstats.Alloc?"). Its names came from services too: cleaned. */
static void text_missing_vars(struct app *app)
{
	struct text_out *t = &app->text;
	char line[320];
	while (cm_monitor_missing_var(&app->mon, t->missing_said, line, sizeof line)) {
		struct cm_strbuf sb = {0};
		cm_strbuf_clean(&sb, line, t->clean);
		fprintf(stderr, "cmon: %s\n", sb.oom ? "a var is on no service" : sb.s);
		cm_strbuf_free(&sb);
		t->missing_said++;
	}
}

/* The block for now (-json: the lines), queued. A reader TEXT_MAX_PENDING
 * behind loses whole blocks, and is told on stderr when it takes text
 * again. The recording keeps the moment: replay prints its block there. */
static void text_print(struct app *app)
{
	struct text_out *t = &app->text;
	double now = wall_now();
	cm_rec_tick(app->rec, now);
	text_missing_vars(app);
	t->block.len = 0;
	if (app->a.json)
		cm_json_lines(&app->mon, now, t->clean, &t->block);
	else
		cm_monitor_text(&app->mon, &t->block, now, t->clean);
	bool queued = !t->block.oom && cm_outq_add(&t->q, t->block.s, t->block.len);
	t->block.oom = false;
	if (!queued) {
		t->dropped++;
	} else if (t->dropped) {
		fprintf(stderr, "cmon: %llu intervals not printed: the reader fell behind\n",
			t->dropped);
		t->dropped = 0;
	}
	text_check(app);
}

/* stdout in the loop's poll while text waits for it; its index, or -1. */
static int text_pollfd(const struct app *app, struct pollfd *fds, int *nfds)
{
	if (!app->text.on || !cm_outq_pending(&app->text.q))
		return -1;
	fds[*nfds] = (struct pollfd){.fd = app->text.q.fd, .events = POLLOUT};
	return (*nfds)++;
}

/* -once's block, written as the reader takes it; a signal still ends the
 * wait at once. */
static void text_finish_once(struct app *app, int sfd)
{
	text_print(app);
	while (!app->quit && cm_outq_pending(&app->text.q)) {
		struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}};
		int n = 1, out = text_pollfd(app, fds, &n);
		if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			read_signals(app, sfd);
		if (out >= 0 && fds[out].revents)
			text_write(app);
	}
}

/* -record=FILE: opened once the list is known. A recording that cannot
 * start or stops (read-only path, full disk) is said in the header and,
 * without a screen, on stderr; the monitor goes on. */
static void record_note(struct app *app, const char *why)
{
	snprintf(app->mon.note, sizeof app->mon.note, "%.170s; monitoring goes on", why);
	app->mon.note_bad = true;
	app->dirty = true;
	if (tunnel_log(app))
		fprintf(stderr, "cmon: %s\n", app->mon.note);
}

static void record_open(struct app *app)
{
	char err[320];
	if (!app->a.record)
		return;
	struct cm_rec_run run = {app->a.vars, app->a.endpoint, app->interval, app->history};
	app->rec = cm_rec_open(app->a.record, app->argc, app->argv, &run, err, sizeof err);
	if (!app->rec) {
		record_note(app, err);
		return;
	}
	cm_rec_services(app->rec, &app->mon, NULL, 0, wall_now());
	cm_pane_app_record(&app->pane, app->rec);
}

/* Commits when due (always with force); a failure stops the recording. */
static void record_flush(struct app *app, double now, bool force)
{
	if (!app->rec)
		return;
	cm_rec_flush(app->rec, now, force);
	const char *why = cm_rec_error(app->rec);
	if (why) {
		record_note(app, why);
		cm_pane_app_record(&app->pane, NULL);
		cm_rec_close(app->rec);
		app->rec = NULL;
	}
}

/* The loop: one poll for sockets, keys and signals; timers from the
 * schedule, the profile pane, the draw pacing and the dummy printer. */
static void run_loop(struct app *app, int sfd)
{
	double now = mono_now(), next_print = now + app->interval;
	while (!app->quit) {
		double next = follow_due(app, now, INFINITY);
		double due = run_due(app, now);
		next = due < next ? due : next;
		if (app->ui)
			next = pane_due(app, now, next);
		if ((app->a.dummy || app->rec) && next_print < next)
			next = next_print;
		if (cm_rec_due(app->rec) < next)
			next = cm_rec_due(app->rec);
		double draw = draw_due(app);
		if (draw >= 0 && draw < next)
			next = draw;
		if (cm_remote_next(app->remote, now) < next)
			next = cm_remote_next(app->remote, now);
		struct pollfd fds[3 + CM_TUNNELS_MAX] = {{.fd = sfd, .events = POLLIN},
							 {.fd = 0, .events = POLLIN}};
		int nfds = app->ui ? 2 : 1;
		nfds += cm_remote_pollfds(app->remote, fds + nfds, CM_TUNNELS_MAX);
		int out = text_pollfd(app, fds, &nfds);
		if (cm_fetch_poll(app->fetch, fds, nfds, wait_ms(next, now)) < 0 && errno != EINTR)
			break;
		now = mono_now();
		take_follow(app, now); /* Prometheus answered in the poll */
		if (fds[0].revents)
			read_signals(app, sfd);
		if (app->ui && (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)))
			break; /* the terminal is gone: no key will come */
		if (out >= 0 && fds[out].revents)
			text_write(app);
		drive_tunnels(app, now);
		bool key = false;
		if (app->ui && cm_ui_tick(app->ui, now))
			app->dirty = true;
		if (app->ui && (fds[1].revents || app->dirty || app->data_dirty))
			key = read_keys(app, now);
		take_pane_dirty(app);
		if (app->a.once && all_idle(app) && cm_follow_settled(&app->follow))
			break;
		if ((app->a.dummy || app->rec) && now >= next_print) {
			if (app->a.dummy)
				text_print(app);
			else
				cm_rec_tick(app->rec, wall_now()); /* the screen's moment */
			next_print = next_slot(next_print, now, app->interval, NULL);
		}
		record_flush(app, now, false);
		maybe_draw(app, now, key);
	}
}

/* -theme: a path (with a '/' or ending in .theme), or a name looked up in
 * $CMON_THEMES, the installed themes, then the source tree's. "default"
 * needs no file: it is built in. */
static int read_file_text(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char *buf = malloc(65536);
	size_t n = buf ? fread(buf, 1, 65535, f) : 0;
	bool too_big = buf && !feof(f);
	fclose(f);
	if (!buf || too_big) {
		free(buf);
		errno = buf ? EFBIG : ENOMEM;
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int find_theme(const char *name, char *path, size_t cap)
{
	size_t nl = strlen(name);
	if (strchr(name, '/') || (nl > 6 && !strcmp(name + nl - 6, ".theme"))) {
		snprintf(path, cap, "%s", name);
		return access(path, R_OK);
	}
	const char *dirs[3] = {getenv("CMON_THEMES"), CMON_THEME_DIR, CMON_SOURCE_THEME_DIR};
	for (int k = 0; k < 3; k++) {
		if (!dirs[k] || !*dirs[k])
			continue;
		snprintf(path, cap, "%s/%s.theme", dirs[k], name);
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -1;
}

static int load_theme(const char *name, struct cm_theme *t)
{
	cm_theme_default(t);
	if (name && *name && strcmp(name, "default")) {
		char path[1024], err[256];
		char *text;
		size_t len;
		if (find_theme(name, path, sizeof path) < 0 || read_file_text(path, &text, &len) < 0) {
			fprintf(stderr, "cmon: theme \"%s\": not found (a name in themes/ such as "
					"light or mono, or a file's path)\n", name);
			return -1;
		}
		int rc = cm_theme_parse(t, text, len, err, sizeof err);
		free(text);
		if (rc < 0) {
			fprintf(stderr, "cmon: theme %s: %s\n", path, err);
			return -1;
		}
	}
	const char *no_color = getenv("NO_COLOR");
	if (no_color && *no_color)
		cm_theme_strip_colors(t);
	return 0;
}

/* -glyphs and -theme, checked in every mode: a typo is refused even
 * where nothing is drawn (-dummy, -once). */
int cm_monitor_choose_look(const char *glyphs, const char *theme, double interval,
			   struct cm_ui_opts *o)
{
	*o = (struct cm_ui_opts){.interval = interval};
	if (cm_glyphs_choose(glyphs, nl_langinfo(CODESET), getenv("TERM"), &o->glyphs) < 0) {
		fprintf(stderr, "cmon: invalid value \"%s\" for flag -glyphs: want braille, "
				"blocks or ascii\n", glyphs);
		return 2;
	}
	if (load_theme(theme, &o->theme) < 0)
		return 2;
	return 0;
}

static int choose_look(struct app *app, struct cm_ui_opts *o)
{
	return cm_monitor_choose_look(app->a.glyphs, app->a.theme, app->interval, o);
}

static int open_ui(struct app *app, const struct cm_ui_opts *o)
{
	char err[256];
	app->ui = cm_ui_open(o, err, sizeof err);
	if (!app->ui) {
		fprintf(stderr, "cmon: %s; use -dummy or -once for text output\n", err);
		return 1;
	}
	return 0;
}

static int percentile_ms(const struct lateness *l, double q)
{
	unsigned long long want = (unsigned long long)ceil((double)l->polls * q), seen = 0;
	for (size_t b = 0; b < LATE_BUCKETS; b++) {
		seen += l->hist[b];
		if (seen >= want && want)
			return (int)b;
	}
	return 0;
}

static void print_stats(const struct app *app)
{
	if (!app->late.hist)
		return;
	fprintf(stderr, "cmon: polls %llu, skipped %llu, late max %.1f ms, late p99 %d ms\n",
		app->late.polls, app->late.skipped, app->late.max_ms,
		percentile_ms(&app->late, 0.99));
}

static int fetch_setup(struct app *app)
{
	const char *user = getenv("HTTP_USER"), *pass = getenv("HTTP_PASSWORD");
	struct cm_fetch_opts fo = {.insecure = app->a.insecure};
	if (user && pass) { /* expvarmon's rule: both or neither */
		fo.user = user;
		fo.password = pass;
	}
	char err[256];
	app->fetch = cm_fetch_new(&fo, err, sizeof err);
	if (!app->fetch) {
		fprintf(stderr, "cmon: %s\n", err);
		return -1;
	}
	return 0;
}

/* -ssh and the ssh:// entries: a tunnel per host, started now; a routed
 * service's requests go to its tunnel's socket. */
static int open_remote(struct app *app)
{
	char err[512];
	int rc = cm_remote_open(&app->remote, &app->mon.targets, app->a.ssh, app->a.ssh_opts,
				app->a.once, err, sizeof err);
	if (rc) {
		fprintf(stderr, "cmon: %s\n", err);
		return rc;
	}
	for (size_t i = 0; i < app->mon.nsvc; i++)
		app->mon.targets.v[i].unix_socket = cm_remote_socket(app->remote, i);
	double now = mono_now();
	cm_remote_start(app->remote, now);
	cm_remote_drive(app->remote, now, tunnel_log(app), &app->mon);
	return 0;
}

static int run(struct app *app)
{
	if (app->a.self)
		fprintf(stderr, "cmon: -self ignored: cmon publishes no /debug/vars\n");
	raise_fd_limit();
	if (fetch_setup(app) < 0 || build_schedule(app, mono_now()) < 0)
		return 1;
	if (app->a.stats && !(app->late.hist = calloc(LATE_BUCKETS, sizeof *app->late.hist)))
		return 1;
	int sfd = cm_monitor_signalfd();
	if (sfd < 0) {
		fprintf(stderr, "cmon: signalfd: %s\n", strerror(errno));
		return 1;
	}
	struct cm_ui_opts look;
	int rc = choose_look(app, &look);
	if (rc == 0)
		rc = open_remote(app);
	if (rc == 0 && !app->a.dummy && !app->a.once)
		rc = open_ui(app, &look);
	text_open(app);
	if (rc == 0) {
		cm_pane_app_init(&app->pane, app->fetch, &app->mon, app->ui, app->a.seconds,
				 app->interval);
		app->pane.module = app->a.module;
		cm_capture_app_init(&app->cap, app->fetch, &app->mon, &app->pane, &app->trig,
				    tunnel_log(app), app->a.seconds);
		record_open(app);
		run_loop(app, sfd);
		cm_capture_app_free(&app->cap);
		cm_pane_app_free(&app->pane); /* before the screen: it lets go first */
		if (app->ui)
			cm_ui_close(app->ui);
		if (app->a.once) {
			text_finish_once(app, sfd);
			rc = cm_monitor_exit_status(&app->mon);
			if (!app->mon.nsvc)
				fprintf(stderr, "cmon: no services to poll\n");
			if (!app->mon.nsvc || app->mon.sources[0])
				rc = 1; /* a list could not be read */
			if (cm_outq_pending(&app->text.q))
				rc = 1; /* a signal came first: the text is not all out */
		}
		if (app->text.failed)
			rc = 1;
		record_flush(app, INFINITY, true);
		cm_rec_close(app->rec);
		app->rec = NULL;
		print_stats(app);
	}
	text_close(app);
	cm_remote_close(app->remote); /* no ssh outlives run, whatever ended it */
	app->remote = NULL;
	close(sfd);
	return rc;
}

/* Every poll mallocs and frees the same few buffers (libcurl's 16 KB
 * receive buffer among them). With glibc's default trim threshold the
 * heap's top went back to the kernel and came back many times a second,
 * each time with page faults and a TLB flush; the monitor's heap is small
 * and steady, so it keeps what it freed. (Setting it also fixes the mmap
 * threshold at 128 KB, so big bodies, profiles, are still given back.) */
static void keep_freed_heap(void)
{
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int cm_monitor_main(int argc, char **argv)
{
	struct app app;
	memset(&app, 0, sizeof app);
	keep_freed_heap();
	app.argc = argc;
	app.argv = argv;
	int rc = parse_args(&app, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = build_monitor(&app);
	if (rc) {
		cm_triggers_free(&app.trig);
		cm_follow_free(&app.follow);
		return rc;
	}
	rc = run(&app);
	cm_follow_free(&app.follow); /* before the fetch: it cancels its request */
	if (app.fetch)
		cm_fetch_free(app.fetch);
	free_schedule(&app);
	free(app.late.hist);
	cm_triggers_free(&app.trig);
	cm_monitor_free(&app.mon);
	return rc;
}
