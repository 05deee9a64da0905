#include "cmon/monitor/monitor.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmon/base/pathutil.h"
#include "cmon/base/strbuf.h"
#include "cmon/monitor/format.h"
#include "cmon/monitor/prom_vars.h"
#include "cmon/monitor/target_src.h"
#include "monitor_int.h"

/* Counters the Go runtime only ever increases: one going back means a new
 * process answers on that address. */
static const char *const monotonic_keys[4] = {"NumGC", "TotalAlloc", "Mallocs", "PauseTotalNs"};

static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A service for t; a /metrics entry (its path, or -endpoint) is
 * Prometheus before any answer says so. */
static void service_init(struct cm_service *s, const struct cm_target *t, const char *endpoint)
{
	memset(s, 0, sizeof *s);
	s->target = t;
	copy_text(s->name, sizeof s->name, t->display);
	s->start_time = -1;
	if (cm_target_names_metrics(t, endpoint))
		s->format = CM_SVC_PROM;
	for (size_t k = 0; k < 4; k++)
		s->monotonic[k] = -1;
}

int cm_monitor_init(struct cm_monitor *m, struct cm_target_list *targets,
		    struct cm_var_list *vars, const char *endpoint)
{
	memset(m, 0, sizeof *m);
	m->svc = calloc(targets->n ? targets->n : 1, sizeof *m->svc);
	if (!m->svc)
		return -1;
	m->targets = *targets;
	m->vars = *vars;
	memset(targets, 0, sizeof *targets);
	memset(vars, 0, sizeof *vars);
	m->nsvc = m->targets.n;
	m->endpoint = endpoint;
	for (size_t i = 0; i < m->nsvc; i++)
		service_init(&m->svc[i], &m->targets.v[i], endpoint);
	return 0;
}

void cm_monitor_note_answer(struct cm_monitor *m, size_t i, const char *content_type)
{
	struct cm_service *s = &m->svc[i];
	bool om = false;
	if (cm_prom_content_type(content_type, &om))
		s->format = CM_SVC_PROM;
	else if (content_type && strstr(content_type, "json"))
		s->format = CM_SVC_EXPVAR;
	else if (!cm_target_names_metrics(s->target, m->endpoint))
		s->format = CM_SVC_EXPVAR; /* what expvarmon read whatever the type */
	else
		s->format = CM_SVC_PROM; /* a /metrics path: text/plain without version too */
	s->openmetrics = om;
	if (s->format == CM_SVC_PROM)
		s->count_error[0][0] = s->count_error[1][0] = '\0';
}

static void service_free(struct cm_service *s)
{
	for (size_t c = 0; c < s->ncells; c++) {
		cm_series_free(&s->cells[c].series);
		cm_prom_hist_free(&s->cells[c].hist);
	}
	free(s->cells);
	s->cells = NULL;
	s->ncells = 0;
	cm_marks_free(&s->marks);
}

static void gone_free(struct cm_gone *g)
{
	service_free(&g->svc);
	cm_target_free(&g->target);
}

void cm_monitor_free(struct cm_monitor *m)
{
	for (size_t i = 0; i < m->nsvc; i++)
		service_free(&m->svc[i]);
	free(m->svc);
	for (size_t g = 0; g < m->ngone; g++)
		gone_free(&m->gone[g]);
	free(m->gone);
	cm_targets_free(&m->targets);
	cm_vars_free(&m->vars);
	cm_json_free(&m->doc);
	cm_expvar_keep_free(&m->keep);
	free(m->seen);
	memset(m, 0, sizeof *m);
}

/* ---- a new target list ----
 *
 * The current services and the ones kept aside are found by identity
 * through one hash table, so a list of 10000 is matched in linear time.
 * Every allocation is made before anything moves: out of memory leaves
 * the monitor as it was. */

/* Where a new list's targets may come from: the current services (0 to
 * nsvc - 1) and the ones kept aside (nsvc + g), each taken at most once. */
struct reconcile {
	struct cm_monitor *m;
	size_t *slot;        /* hash table of candidate + 1, 0 = empty */
	size_t mask;
	bool *taken;         /* nsvc + ngone */
	struct cm_service *svc; /* the new services */
	struct cm_gone *gone;   /* the new kept-aside list, room for ngone + nsvc */
	size_t *to;          /* old index -> new */
};

static const struct cm_target *candidate_target(const struct reconcile *r, size_t k)
{
	return k < r->m->nsvc ? &r->m->targets.v[k] : &r->m->gone[k - r->m->nsvc].target;
}

static void reconcile_free(struct reconcile *r)
{
	free(r->slot);
	free(r->taken);
	free(r->svc);
	free(r->gone);
	free(r->to);
}

static int reconcile_alloc(struct reconcile *r, struct cm_monitor *m, size_t n)
{
	size_t cands = m->nsvc + m->ngone, cap = 16;
	while (cap < 2 * cands)
		cap *= 2;
	*r = (struct reconcile){.m = m, .mask = cap - 1};
	r->slot = calloc(cap, sizeof *r->slot);
	r->taken = calloc(cands ? cands : 1, sizeof *r->taken);
	r->svc = calloc(n ? n : 1, sizeof *r->svc);
	r->gone = calloc(cands ? cands : 1, sizeof *r->gone);
	r->to = malloc((m->nsvc ? m->nsvc : 1) * sizeof *r->to);
	if (!r->slot || !r->taken || !r->svc || !r->gone || !r->to) {
		reconcile_free(r);
		return -1;
	}
	for (size_t k = 0; k < cands; k++) {
		size_t h = (size_t)cm_target_hash(candidate_target(r, k)) & r->mask;
		while (r->slot[h])
			h = (h + 1) & r->mask;
		r->slot[h] = k + 1;
	}
	return 0;
}

/* The first candidate not yet taken with t's identity, taken; SIZE_MAX
 * when none (t is new). */
static size_t take_candidate(struct reconcile *r, const struct cm_target *t)
{
	for (size_t h = (size_t)cm_target_hash(t) & r->mask; r->slot[h]; h = (h + 1) & r->mask) {
		size_t k = r->slot[h] - 1;
		if (!r->taken[k] && cm_target_same(candidate_target(r, k), t)) {
			r->taken[k] = true;
			return k;
		}
	}
	return SIZE_MAX;
}

/* New service j, for target t: the current one, the one kept aside, or a
 * fresh one. */
static void place_service(struct reconcile *r, size_t j, struct cm_target *t)
{
	struct cm_monitor *m = r->m;
	size_t k = take_candidate(r, t);
	if (k < m->nsvc) {
		r->svc[j] = m->svc[k];
		r->to[k] = j;
		t->unix_socket = m->targets.v[k].unix_socket;
	} else if (k != SIZE_MAX) {
		struct cm_gone *g = &m->gone[k - m->nsvc];
		r->svc[j] = g->svc;
		cm_target_free(&g->target);
	} else {
		service_init(&r->svc[j], t, m->endpoint);
	}
	r->svc[j].target = t;
}

/* The kept-aside list after the change: the ones that stayed away, then
 * the ones that just left, the oldest forgotten past CM_GONE_MAX. */
static size_t rebuild_gone(struct reconcile *r)
{
	struct cm_monitor *m = r->m;
	size_t n = 0;
	for (size_t g = 0; g < m->ngone; g++)
		if (!r->taken[m->nsvc + g])
			r->gone[n++] = m->gone[g];
	for (size_t k = 0; k < m->nsvc; k++) {
		if (r->taken[k])
			continue;
		r->to[k] = SIZE_MAX;
		r->gone[n] = (struct cm_gone){.target = m->targets.v[k], .svc = m->svc[k]};
		r->gone[n++].svc.target = NULL;
		m->targets.v[k] = (struct cm_target){0}; /* moved */
	}
	size_t drop = n > CM_GONE_MAX ? n - CM_GONE_MAX : 0;
	for (size_t g = 0; g < drop; g++)
		gone_free(&r->gone[g]);
	memmove(r->gone, r->gone + drop, (n - drop) * sizeof *r->gone);
	return n - drop;
}

int cm_monitor_set_targets(struct cm_monitor *m, struct cm_target_list *targets,
			   size_t **old_to_new)
{
	struct reconcile r;
	if (reconcile_alloc(&r, m, targets->n) < 0)
		return -1;
	for (size_t j = 0; j < targets->n; j++)
		place_service(&r, j, &targets->v[j]);
	size_t ngone = rebuild_gone(&r);
	cm_targets_free(&m->targets);
	free(m->svc);
	free(m->gone);
	m->targets = *targets;
	*targets = (struct cm_target_list){0};
	m->svc = r.svc;
	m->nsvc = m->targets.n;
	m->gone = r.gone;
	m->ngone = ngone;
	*old_to_new = r.to;
	free(r.slot);
	free(r.taken);
	return 0;
}

bool cm_monitor_needs(const struct cm_monitor *m, enum cm_var_source which)
{
	for (size_t v = 0; v < m->vars.n; v++)
		if (m->vars.v[v].source == which)
			return true;
	return false;
}

/* Gives service s a cell for every var (vars grow when "*" finds more).
 * New cells start empty: their history begins when they were found. */
int cm_monitor_ensure_cells(const struct cm_monitor *m, struct cm_service *s, size_t n)
{
	if (s->ncells >= n)
		return 0;
	struct cm_cell *c = realloc(s->cells, n * sizeof *c);
	if (!c)
		return -1;
	memset(c + s->ncells, 0, (n - s->ncells) * sizeof *c);
	for (size_t k = s->ncells; k < n; k++) {
		c[k].series.cap = m->history_cap;
		c[k].series.dt = (float)m->dt;
	}
	s->cells = c;
	s->ncells = n;
	return 0;
}

static int add_discovered(void *ctx, const char *const *keys, size_t nkeys)
{
	return cm_vars_add_path(ctx, keys, nkeys) ? 1 : 0;
}

/* "-vars=*": every numeric var this service publishes joins the list, once
 * per service (the walk is not repeated every poll). */
static void discover_vars(struct cm_monitor *m, struct cm_service *s)
{
	if (!m->vars.all || s->discovered)
		return;
	s->discovered = true;
	size_t before = m->vars.n;
	cm_expvar_each_number(&m->doc, add_discovered, &m->vars);
	if (m->history_auto && m->vars.n != before && m->dt > 0)
		m->history_cap = cm_monitor_history_cap(
			cm_monitor_default_history(m->nsvc * m->vars.n, m->dt), m->dt);
}

static unsigned long long fnv1a(unsigned long long h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

/* FNV-1a over cmdline's strings as the body spells them (the same process
 * spells them the same way): a different command line at the same address
 * is a different process. */
static unsigned long long cmdline_hash(const struct cm_json *d, size_t cmdline)
{
	unsigned long long h = 1469598103934665603ULL;
	size_t arg = cm_json_first(d, cmdline), n = cm_json_count(d, cmdline);
	for (size_t i = 0; i < n; i++, arg = cm_json_next(d, arg)) {
		size_t len = 0;
		const char *a = cm_json_type(d, arg) == CM_JSON_STRING ? cm_json_raw(d, arg, &len) : "";
		h = fnv1a(fnv1a(h, a, len), "", 1); /* NUL ends each: ["ab"] is not ["a","b"] */
	}
	return h ? h : 1;
}

/* The service's name from cmdline[0]'s base name. A path longer than
 * PATH_MAX (4096) is not a program's, and names nothing. */
static void take_name(struct cm_service *s, const struct cm_json *d, size_t cmdline)
{
	char a[4096];
	size_t full = cm_json_string(d, cm_json_at(d, cmdline, 0), a, sizeof a);
	if (full == 0 || full > sizeof a)
		return;
	size_t blen;
	const char *base = cm_path_base(a, strnlen(a, full), &blen);
	if (!blen)
		return;
	if (blen >= sizeof s->name)
		blen = sizeof s->name - 1;
	memcpy(s->name, base, blen);
	s->name[blen] = '\0';
}

/* Seen a restart? The command line changed, or a monotonic counter went
 * back. A failed fetch never counts: expvarmon's sticky mark came from that. */
static void check_restart(struct cm_service *s, const struct cm_json *d, double now)
{
	bool restarted = false;
	size_t cmdline = cm_json_get(d, 0, "cmdline", 7);
	if (cm_json_type(d, cmdline) == CM_JSON_ARRAY) {
		unsigned long long h = cmdline_hash(d, cmdline);
		if (s->cmdline_hash && h != s->cmdline_hash)
			restarted = true;
		s->cmdline_hash = h;
		take_name(s, d, cmdline);
	}
	size_t ms = cm_json_get(d, 0, "memstats", 8);
	for (size_t k = 0; k < 4; k++) {
		struct cm_json_num v;
		const char *key = monotonic_keys[k];
		/* NaN or an infinity is no counter reading */
		if (!cm_json_number(d, cm_json_get(d, ms, key, strlen(key)), &v) || !isfinite(v.d))
			continue;
		if (s->monotonic[k] >= 0 && v.d < s->monotonic[k])
			restarted = true;
		s->monotonic[k] = v.d;
	}
	if (restarted)
		cm_monitor_restarted(s, now);
}

void cm_monitor_restarted(struct cm_service *s, double now)
{
	s->restarted_at = now;
	struct cm_mark mk = {.t = now, .t_start = now, .kind = CM_MARK_RESTART};
	snprintf(mk.what, sizeof mk.what, "restart");
	cm_marks_add(&s->marks, &mk); /* out of memory: the mark is lost, not the poll */
}

/* The sample a sparkline gets for a value: gaps for anything not finite. */
static double graph_sample(const struct cm_value *v)
{
	if (v->state != CM_VALUE_NUMBER || !isfinite(v->num))
		return NAN;
	return v->num;
}

/* Turns a counter's value into its rate; N/A until two samples exist. */
static void apply_rate(struct cm_cell *c, double now)
{
	if (c->value.state != CM_VALUE_NUMBER)
		return;
	double r = cm_rate_update(&c->rate, c->value.num, now);
	struct cm_value v = {.state = CM_VALUE_NA};
	if (!isnan(r)) {
		v.state = CM_VALUE_NUMBER;
		v.num = r;
	}
	c->value = v;
}

void cm_monitor_set_cell(struct cm_cell *c, const struct cm_var *var, struct cm_value v,
			 double now)
{
	c->value = v;
	if (var->rate)
		apply_rate(c, now);
	if (var->kind != CM_KIND_STRING)
		cm_series_push_at(&c->series, graph_sample(&c->value), now);
}

double cm_monitor_default_history(size_t nseries, double interval)
{
	if (!nseries || !(interval > 0))
		return CM_HISTORY_DEFAULT_S;
	double polls = CM_HISTORY_DEFAULT_BYTES / 12.0 / (double)nseries;
	return fmin(CM_HISTORY_DEFAULT_S, polls * interval);
}

uint32_t cm_monitor_history_cap(double history, double interval)
{
	double n = interval > 0 && history > 0 ? ceil(history / interval) : 0;
	if (!(n > CM_SERIES_CAP))
		return CM_SERIES_CAP;
	return n > (double)CM_HISTORY_CAP_MAX ? CM_HISTORY_CAP_MAX : (uint32_t)n;
}

/* cm_expvar_get_each's callback: var i's value into its cell. */
struct cells_update {
	struct cm_monitor *m;
	struct cm_service *s;
	double now;
};

static void update_cell(void *ctx, size_t i, struct cm_value v)
{
	struct cells_update *u = ctx;
	if (!cm_var_has_expvar(&u->m->vars.v[i])) /* "|metric": Prometheus only */
		v = (struct cm_value){.state = CM_VALUE_NA};
	cm_monitor_set_cell(&u->s->cells[i], &u->m->vars.v[i], v, u->now);
	if (i < u->m->nseen)
		cm_var_seen_note(&u->m->seen[i], &u->m->vars.v[i], &v, &u->m->doc);
}

/* A seen entry for every var ("*" adds vars; the ones it adds are found by
 * the body that showed them). */
int cm_monitor_ensure_seen(struct cm_monitor *m)
{
	if (m->nseen >= m->vars.n)
		return 0;
	struct cm_var_seen *s = realloc(m->seen, m->vars.n * sizeof *s);
	if (!s)
		return -1;
	memset(s + m->nseen, 0, (m->vars.n - m->nseen) * sizeof *s);
	m->seen = s;
	m->nseen = m->vars.n;
	return 0;
}

void cm_monitor_mark_down(struct cm_monitor *m, struct cm_service *s, const char *why,
			  double now)
{
	s->state = CM_SVC_DOWN;
	copy_text(s->error, sizeof s->error, why);
	struct cm_value na = {.state = CM_VALUE_NA};
	for (size_t v = 0; v < m->vars.n && v < s->ncells; v++) {
		/* counts come from elsewhere, except on a Prometheus service */
		if (m->vars.v[v].source != CM_SOURCE_EXPVAR && s->format != CM_SVC_PROM)
			continue;
		s->cells[v].value = na;
		if (m->vars.v[v].kind != CM_KIND_STRING)
			cm_series_push_at(&s->cells[v].series, NAN, now);
	}
}

/* The members of a body this poll reads: each var's path, and what
 * check_restart and the GC rings read. A body is mostly members no var
 * names (memstats.BySize, PauseEnd: a parse read five values in six for
 * nothing), and a member left out costs only its check. NULL (the whole
 * body) while "*" looks for vars or a var not found yet may need a
 * suggestion from the whole body, and when out of memory. */
static const struct cm_json_keep *body_keep(struct cm_monitor *m)
{
	if (m->vars.all || m->nseen < m->vars.n)
		return NULL;
	for (size_t k = 0; k < m->vars.n; k++)
		if (m->vars.v[k].source == CM_SOURCE_EXPVAR && !m->seen[k].found &&
		    !m->seen[k].suggested)
			return NULL;
	if (m->keep_nvars != m->vars.n + 1) {
		static const char *const cmdline[] = {"cmdline"};
		cm_expvar_keep_free(&m->keep);
		m->keep_nvars = m->vars.n + 1;
		int rc = cm_expvar_keep_add(&m->keep, cmdline, 1);
		for (size_t k = 0; k < 4 && rc == 0; k++) {
			const char *const path[] = {"memstats", monotonic_keys[k]}; /* NumGC too */
			rc = cm_expvar_keep_add(&m->keep, path, 2);
		}
		for (size_t k = 0; k < m->vars.n && rc == 0; k++)
			rc = cm_expvar_keep_add_var(&m->keep, &m->vars.v[k]);
	}
	return cm_expvar_keep_tree(&m->keep);
}

int cm_monitor_vars_result(struct cm_monitor *m, size_t i, const char *body, size_t len,
			   const char *fetch_error, double now)
{
	struct cm_service *s = &m->svc[i];
	if (cm_monitor_ensure_cells(m, s, m->vars.n))
		return -1;
	if (!body) {
		cm_monitor_mark_down(m, s, fetch_error ? fetch_error : "no answer", now);
		return 0;
	}
	if (s->format == CM_SVC_PROM)
		return cm_prom_vars_result(m, i, body, len, now);
	char err[160], why[192];
	if (cm_expvar_parse_keep(&m->doc, body, len, body_keep(m), err, sizeof err)) {
		snprintf(why, sizeof why, "bad /debug/vars: %s", err);
		cm_monitor_mark_down(m, s, why, now);
		return 0;
	}
	discover_vars(m, s);
	int rc = cm_monitor_ensure_cells(m, s, m->vars.n);
	check_restart(s, &m->doc, now);
	if (cm_monitor_ensure_seen(m) < 0)
		rc = -1;
	struct cells_update u = {.m = m, .s = s, .now = now};
	cm_expvar_get_each(&m->doc, m->vars.v, s->ncells, update_cell, &u);
	cm_json_reset(&m->doc); /* body is the caller's, and goes after this call */
	s->state = CM_SVC_UP;
	s->error[0] = '\0';
	s->last_update = now;
	return rc;
}

int cm_monitor_replay_poll(struct cm_monitor *m, size_t i, const struct cm_poll_record *r,
			   double now)
{
	if (i >= m->nsvc)
		return -1;
	struct cm_service *s = &m->svc[i];
	if (cm_monitor_ensure_cells(m, s, m->vars.n) || cm_monitor_ensure_seen(m))
		return -1;
	if (r->vars) {
		if (r->restarted)
			cm_monitor_restarted(s, now);
		if (r->name && *r->name)
			copy_text(s->name, sizeof s->name, r->name);
		s->state = r->state == CM_SVC_UP || r->state == CM_SVC_DOWN ? r->state : CM_SVC_WAITING;
		copy_text(s->error, sizeof s->error, s->state == CM_SVC_DOWN && r->error ? r->error : "");
		if (s->state == CM_SVC_UP)
			s->last_update = now;
	}
	for (size_t v = 0; r->set && v < r->nvalues && v < s->ncells; v++) {
		if (!r->set[v])
			continue;
		s->cells[v].value = r->values[v];
		if (m->vars.v[v].kind != CM_KIND_STRING)
			cm_series_push_at(&s->cells[v].series, graph_sample(&r->values[v]), now);
		if (v < m->nseen && r->values[v].state != CM_VALUE_NA)
			m->seen[v].found = true;
	}
	return 0;
}

/* Service i's count cells of source which: n, or N/A with why. */
static void set_count(struct cm_monitor *m, size_t i, enum cm_var_source which,
		      const long long *n, const char *why, double now)
{
	struct cm_service *s = &m->svc[i];
	if (cm_monitor_ensure_cells(m, s, m->vars.n))
		return;
	char *reason = s->count_error[which == CM_SOURCE_THREADS];
	struct cm_value v = {.state = CM_VALUE_NA};
	if (n) {
		reason[0] = '\0';
		v.state = CM_VALUE_NUMBER;
		v.integer = true;
		v.i = *n;
		v.num = (double)*n;
	} else {
		copy_text(reason, sizeof s->count_error[0], why);
	}
	for (size_t k = 0; k < s->ncells; k++)
		if (m->vars.v[k].source == which)
			cm_monitor_set_cell(&s->cells[k], &m->vars.v[k], v, now);
}

void cm_monitor_count_result(struct cm_monitor *m, size_t i, enum cm_var_source which,
			     const char *body, size_t len, const char *fetch_error, double now)
{
	char why[sizeof m->svc[i].count_error[0]];
	long long n;
	if (!body)
		set_count(m, i, which, NULL, fetch_error ? fetch_error : "no answer", now);
	else if (cm_profile_total(body, len, &n, why, sizeof why) == 0)
		set_count(m, i, which, &n, NULL, now);
	else
		set_count(m, i, which, NULL, why, now);
}

int cm_monitor_index_result(struct cm_monitor *m, size_t i, const char *body, size_t len,
			    double now)
{
	static const char *const names[2] = {"goroutine", "threadcreate"};
	static const enum cm_var_source sources[2] = {CM_SOURCE_GOROUTINES, CM_SOURCE_THREADS};
	long long n[2];
	char why[64];
	for (int k = 0; k < 2; k++)
		if (cm_monitor_needs(m, sources[k]) &&
		    cm_pprof_index_count(body, len, names[k], &n[k], why, sizeof why) < 0)
			return -1;
	for (int k = 0; k < 2; k++)
		if (cm_monitor_needs(m, sources[k]))
			set_count(m, i, sources[k], &n[k], NULL, now);
	return 0;
}

const struct cm_mark *cm_service_recent_capture(const struct cm_service *s, double now)
{
	const struct cm_mark *mk = cm_marks_near(&s->marks, now + CM_CAPTURE_SHOW_SECONDS, -1,
						 CM_MARK_CAPTURE);
	return mk && now - mk->t < CM_CAPTURE_SHOW_SECONDS ? mk : NULL;
}

bool cm_service_restarted(const struct cm_service *s, double now)
{
	return s->restarted_at > 0 && now - s->restarted_at < CM_RESTART_SHOW_SECONDS;
}

/* A wall time in the local zone, as "HH:MM:SS", or with " DD/MM" when
 * with_date. Literal formats only, so the compiler can check them. */
void cm_clock_text(char *buf, size_t cap, double when, bool with_date)
{
	time_t t = (time_t)when;
	struct tm tm;
	buf[0] = '\0';
	if (!localtime_r(&t, &tm))
		return;
	if (with_date)
		strftime(buf, cap, "%H:%M:%S %d/%m", &tm);
	else
		strftime(buf, cap, "%H:%M:%S", &tm);
}

/* Services compared by name to find twins (see cm_svc_label). */
#define CM_TWIN_SCAN 256

void cm_svc_label(char *buf, size_t len, const struct cm_monitor *m, size_t i)
{
	const struct cm_service *s = &m->svc[i];
	/* Past CM_TWIN_SCAN services, looking for twins would cost each frame
	 * n*n comparisons: the port is always shown, which a list that long
	 * needs anyway. */
	bool twin = m->nsvc > CM_TWIN_SCAN, same_port = false, same_addr = false;
	for (size_t k = 0; k < m->nsvc && m->nsvc <= CM_TWIN_SCAN; k++) {
		if (k == i || strcmp(m->svc[k].name, s->name))
			continue;
		twin = true;
		same_port |= m->svc[k].target->port == s->target->port;
		same_addr |= !strcmp(m->svc[k].target->display, s->target->display);
	}
	if (!twin)
		snprintf(buf, len, "%s", s->name);
	else if (!same_port)
		snprintf(buf, len, "%s:%u", s->name, s->target->port);
	else if (!same_addr || !s->target->path)
		snprintf(buf, len, "%s@%s", s->name, s->target->display);
	else if (!strcmp(s->name, s->target->display)) /* not named yet */
		snprintf(buf, len, "%s%s", s->target->display, s->target->path);
	else /* one address, several paths: services behind one proxy */
		snprintf(buf, len, "%s@%s%s", s->name, s->target->display, s->target->path);
}

static void text_service(const struct cm_monitor *m, size_t i, struct cm_strbuf *out,
			 double now, unsigned clean)
{
	const struct cm_service *s = &m->svc[i];
	char name[sizeof s->name + 160];
	cm_svc_label(name, sizeof name, m, i);
	cm_strbuf_clean(out, name, clean);
	cm_strbuf_str(out, ": ");
	if (s->state != CM_SVC_UP) {
		cm_strbuf_str(out, "ERROR: ");
		cm_strbuf_clean(out, s->state == CM_SVC_DOWN ? s->error : "no answer yet", clean);
		cm_strbuf_str(out, "\n");
		return;
	}
	for (size_t v = 0; v < m->vars.n; v++) {
		char buf[128];
		struct cm_value na = {.state = CM_VALUE_NA};
		const struct cm_value *val = v < s->ncells ? &s->cells[v].value : &na;
		cm_format_value(buf, sizeof buf, &m->vars.v[v], val);
		if (v)
			cm_strbuf_str(out, ", ");
		cm_strbuf_clean(out, m->vars.v[v].label, clean);
		cm_strbuf_str(out, ": ");
		cm_strbuf_clean(out, buf, clean);
	}
	/* Not in expvarmon's text, which had no restart mark to show. */
	if (cm_service_restarted(s, now)) {
		char at[16];
		cm_clock_text(at, sizeof at, s->restarted_at, false);
		cm_strbuf_str(out, " [restarted ");
		cm_strbuf_str(out, at);
		cm_strbuf_str(out, "]");
	}
	cm_strbuf_str(out, "\n");
}

void cm_monitor_text(const struct cm_monitor *m, struct cm_strbuf *out, double now,
		     unsigned clean)
{
	char stamp[32];
	cm_clock_text(stamp, sizeof stamp, now, true);
	cm_strbuf_str(out, stamp);
	cm_strbuf_str(out, "\n");
	for (size_t i = 0; i < m->nsvc; i++)
		text_service(m, i, out, now, clean);
}

/* Every service was polled once and one answered: a var none had is
 * missing, not late. */
static bool all_polled(const struct cm_monitor *m)
{
	bool answered = false;
	for (size_t i = 0; i < m->nsvc; i++) {
		if (m->svc[i].state == CM_SVC_WAITING)
			return false;
		answered |= m->svc[i].last_update > 0;
	}
	return answered;
}

bool cm_monitor_missing_var(const struct cm_monitor *m, size_t nth, char *buf, size_t len)
{
	if (!all_polled(m))
		return false;
	for (size_t k = 0; k < m->nseen && k < m->vars.n; k++) {
		const struct cm_var_seen *s = &m->seen[k];
		if (s->found || !s->suggested || nth-- > 0)
			continue;
		snprintf(buf, len, "no var %s on any service%s%s%s", m->vars.v[k].title,
			 *s->suggestion ? "; did you mean " : "", s->suggestion,
			 *s->suggestion ? "?" : "");
		return true;
	}
	return false;
}

int cm_monitor_exit_status(const struct cm_monitor *m)
{
	char line[8];
	for (size_t i = 0; i < m->nsvc; i++)
		if (m->svc[i].state != CM_SVC_UP)
			return 1;
	return cm_monitor_missing_var(m, 0, line, sizeof line) ? 1 : 0;
}
