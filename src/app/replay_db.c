/* replay_db: a recording read back. See replay_db.h and record.c (the
 * writer). */
#include "replay_db.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/strbuf.h"
#include "cmon/monitor/varspec.h"
#include "record.h"

/* Bounds for what a file claims. */
#define RP_MAX_SERVICE_ID (1 << 22)
#define RP_MAX_TEXT 4096 /* a service's name, address, error */

static const char events_sql[] =
	"SELECT seq, 0, t FROM lists WHERE seq > ?1 UNION ALL "
	"SELECT seq, 1, t FROM polls WHERE seq > ?1 UNION ALL "
	"SELECT seq, 2, t FROM ticks WHERE seq > ?1 UNION ALL "
	"SELECT seq, 3, t_end FROM profiles WHERE seq > ?1 ORDER BY 1";

static int prepare(struct cm_replay *rp, const char *sql, sqlite3_stmt **st, char *err,
		   size_t errlen)
{
	if (sqlite3_prepare_v2(rp->db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: not a cmon recording: %s", rp->path, sqlite3_errmsg(rp->db));
	return -1;
}

/* A column that must be text: copied into buf (cut to cap), or false. */
static bool col_text(sqlite3_stmt *st, int k, char *buf, size_t cap, bool null_ok)
{
	int type = sqlite3_column_type(st, k);
	buf[0] = '\0';
	if (type == SQLITE_NULL)
		return null_ok;
	if (type != SQLITE_TEXT)
		return false;
	const unsigned char *s = sqlite3_column_text(st, k);
	int n = sqlite3_column_bytes(st, k);
	if (!s || n < 0 || (size_t)n > RP_MAX_TEXT)
		return false;
	snprintf(buf, cap, "%.*s", n, (const char *)s);
	return true;
}

/* A column that must be a finite number. */
static bool col_num(sqlite3_stmt *st, int k, double *x)
{
	int type = sqlite3_column_type(st, k);
	if (type != SQLITE_INTEGER && type != SQLITE_FLOAT)
		return false;
	*x = sqlite3_column_double(st, k);
	return isfinite(*x);
}

static bool col_int(sqlite3_stmt *st, int k, sqlite3_int64 lo, sqlite3_int64 hi,
		    sqlite3_int64 *x)
{
	if (sqlite3_column_type(st, k) != SQLITE_INTEGER)
		return false;
	*x = sqlite3_column_int64(st, k);
	return *x >= lo && *x <= hi;
}

static void meta_text(struct cm_replay *rp, const char *key, char *buf, size_t cap)
{
	sqlite3_stmt *st;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(rp->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL))
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		col_text(st, 0, buf, cap, true);
	sqlite3_finalize(st);
}

static int kind_of(const char *s, enum cm_var_kind *k)
{
	static const char *const names[] = {"number", "mem", "duration", "string"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*k = (enum cm_var_kind)i;
			return 0;
		}
	return -1;
}

static int source_of(const char *s, enum cm_var_source *src)
{
	static const char *const names[] = {"expvar", "goroutines", "threads"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*src = (enum cm_var_source)i;
			return 0;
		}
	return -1;
}

/* Row st (idx, title, label, kind, source, rate, unit_ns) as var n. */
static int read_var(sqlite3_stmt *st, sqlite3_int64 n, struct cm_var *v)
{
	char title[256], label[256], kind[16], source[16];
	sqlite3_int64 idx, rate;
	double unit;
	if (!col_int(st, 0, n, n, &idx) || !col_text(st, 1, title, sizeof title, false) ||
	    !col_text(st, 2, label, sizeof label, false) || !col_text(st, 3, kind, sizeof kind, false) ||
	    !col_text(st, 4, source, sizeof source, false) || !col_int(st, 5, 0, 1, &rate) ||
	    !col_num(st, 6, &unit) || unit < 0 || kind_of(kind, &v->kind) ||
	    source_of(source, &v->source) || (v->kind == CM_KIND_DURATION && unit <= 0))
		return -1;
	v->rate = rate;
	v->unit_ns = unit;
	v->title = strdup(title);
	v->label = strdup(label);
	return v->title && v->label ? 0 : -1;
}

/* The vars table, in order (idx 0, 1, ...). */
static int load_vars(struct cm_replay *rp, struct cm_var_list *l, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (prepare(rp, "SELECT idx, title, label, kind, source, rate, unit_ns FROM vars ORDER BY idx",
		    &st, err, errlen))
		return -1;
	int rc = 0;
	l->v = calloc(CM_VARS_MAX, sizeof *l->v);
	if (!l->v)
		rc = -1;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		if (l->n >= CM_VARS_MAX || read_var(st, (sqlite3_int64)l->n, &l->v[l->n]) < 0) {
			if (l->n < CM_VARS_MAX)
				l->n++; /* its strings are freed with the list */
			rc = -1;
			break;
		}
		l->n++;
	}
	sqlite3_finalize(st);
	if (rc)
		snprintf(err, errlen, "%s: bad row %zu of vars (idx in order from 0, a kind, a "
				      "source, a duration's unit above 0; at most %d vars)", rp->path, l->n ? l->n - 1 : 0,
			 CM_VARS_MAX);
	return rc;
}

static int start_monitor(struct cm_replay *rp, char *err, size_t errlen)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	if (load_vars(rp, &v, err, errlen) < 0) {
		cm_vars_free(&v);
		return -1;
	}
	if (cm_monitor_init(&rp->mon, &t, &v, rp->endpoint) < 0) {
		cm_vars_free(&v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rp->interval > 0) { /* the history as the live run kept it */
		rp->mon.dt = rp->interval;
		rp->mon.history_cap = cm_monitor_history_cap(rp->history, rp->interval);
	}
	free(rp->values);
	free(rp->set);
	size_t n = rp->mon.vars.n ? rp->mon.vars.n : 1;
	rp->values = calloc(n, sizeof *rp->values);
	rp->set = calloc(n, sizeof *rp->set);
	if (!rp->values || !rp->set) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int check_version(struct cm_replay *rp, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (prepare(rp, "PRAGMA user_version", &st, err, errlen))
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_int64 v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s: not a cmon recording: %s", rp->path, sqlite3_errmsg(rp->db));
		return -1;
	}
	if (v != CM_REC_SCHEMA) {
		snprintf(err, errlen, "%s: recording schema version %lld; this cmon reads version %d%s",
			 rp->path, (long long)v, CM_REC_SCHEMA, v == 0 ? " (not a cmon recording?)" : "");
		return -1;
	}
	return 0;
}

/* The first and last event's times. */
static int read_span(struct cm_replay *rp, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (prepare(rp, "SELECT min(t), max(t) FROM (SELECT t FROM lists UNION ALL SELECT t FROM "
			"polls UNION ALL SELECT t FROM ticks UNION ALL SELECT t_end FROM profiles)",
		    &st, err, errlen))
		return -1;
	bool good = sqlite3_step(st) == SQLITE_ROW && col_num(st, 0, &rp->t_first) &&
		    col_num(st, 1, &rp->t_last);
	sqlite3_finalize(st);
	if (!good) {
		snprintf(err, errlen, "%s: the recording holds no events (or times that are not "
				      "numbers)", rp->path);
		return -1;
	}
	return 0;
}

int cm_replay_open(struct cm_replay *rp, const char *path, char *err, size_t errlen)
{
	memset(rp, 0, sizeof *rp);
	snprintf(rp->path, sizeof rp->path, "%s", path);
	if (sqlite3_open_v2(path, &rp->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, rp->db ? sqlite3_errmsg(rp->db) : "out of memory");
		return -1;
	}
	sqlite3_limit(rp->db, SQLITE_LIMIT_WORKER_THREADS, 0); /* one thread: cmon's */
	if (check_version(rp, err, errlen) ||
	    prepare(rp, events_sql, &rp->events, err, errlen) ||
	    prepare(rp, "SELECT service, step, state, error, name, restarted FROM polls WHERE seq = ?",
		    &rp->poll, err, errlen) ||
	    prepare(rp, "SELECT var, state, value FROM poll_values WHERE seq = ?", &rp->values_st,
		    err, errlen) ||
	    prepare(rp, "SELECT services FROM lists WHERE seq = ?", &rp->list, err, errlen) ||
	    prepare(rp, "SELECT base, path, ssh, display, host, port, https FROM services WHERE id = ?",
		    &rp->service, err, errlen) ||
	    read_span(rp, err, errlen))
		return -1;
	char buf[64];
	meta_text(rp, "endpoint", rp->endpoint, sizeof rp->endpoint);
	if (!rp->endpoint[0])
		snprintf(rp->endpoint, sizeof rp->endpoint, "/debug/vars");
	meta_text(rp, "interval", buf, sizeof buf);
	rp->interval = strtod(buf, NULL);
	if (!isfinite(rp->interval) || rp->interval < 0.05 || rp->interval > 86400)
		rp->interval = 0;
	meta_text(rp, "history", buf, sizeof buf);
	rp->history = strtod(buf, NULL);
	if (!isfinite(rp->history) || rp->history < 1 || rp->history > 366 * 86400.0)
		rp->history = 3600;
	return cm_replay_reset(rp, err, errlen);
}

void cm_replay_close(struct cm_replay *rp)
{
	sqlite3_stmt *sts[] = {rp->events, rp->poll, rp->values_st, rp->list, rp->service};
	for (size_t k = 0; k < sizeof sts / sizeof sts[0]; k++)
		sqlite3_finalize(sts[k]);
	sqlite3_close(rp->db);
	cm_monitor_free(&rp->mon);
	free(rp->index_of_id);
	free(rp->values);
	free(rp->set);
	memset(rp, 0, sizeof *rp);
}

/* The events cursor's next row into rp->next. The cursor runs once
 * through the recording (a reset starts it again): its sort is paid once,
 * not per event. */
static int advance(struct cm_replay *rp, char *err, size_t errlen)
{
	rp->have_next = false;
	int rc = sqlite3_step(rp->events);
	if (rc == SQLITE_DONE)
		return 0;
	sqlite3_int64 type;
	if (rc != SQLITE_ROW || !col_int(rp->events, 1, 0, 3, &type) ||
	    !col_num(rp->events, 2, &rp->next.t) ||
	    sqlite3_column_type(rp->events, 0) != SQLITE_INTEGER) {
		snprintf(err, errlen, "%s: a bad event after #%lld: %s", rp->path,
			 (long long)rp->next.seq,
			 rc == SQLITE_ROW ? "its time is not a number" : sqlite3_errmsg(rp->db));
		return -1;
	}
	rp->next.seq = sqlite3_column_int64(rp->events, 0);
	rp->next.type = (enum cm_rp_type)type;
	rp->have_next = true;
	return 0;
}

int cm_replay_reset(struct cm_replay *rp, char *err, size_t errlen)
{
	cm_monitor_free(&rp->mon);
	free(rp->index_of_id);
	rp->index_of_id = NULL;
	rp->nids = 0;
	rp->last_profile = 0;
	if (start_monitor(rp, err, errlen) < 0)
		return -1;
	sqlite3_reset(rp->events);
	sqlite3_bind_int64(rp->events, 1, -1);
	rp->next.seq = -1;
	return advance(rp, err, errlen);
}

/* The services row id as a target. */
static int read_target(struct cm_replay *rp, sqlite3_int64 id, struct cm_target *t)
{
	sqlite3_stmt *st = rp->service;
	char base[1024], path[1024], ssh[512], display[1024], host[512];
	sqlite3_int64 port, https;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	bool good = sqlite3_step(st) == SQLITE_ROW && col_text(st, 0, base, sizeof base, false) &&
		    col_text(st, 1, path, sizeof path, true) && col_text(st, 2, ssh, sizeof ssh, true) &&
		    col_text(st, 3, display, sizeof display, false) &&
		    col_text(st, 4, host, sizeof host, true) && col_int(st, 5, 0, 65535, &port) &&
		    col_int(st, 6, 0, 1, &https);
	if (!good)
		return -1;
	t->base = strdup(base);
	t->display = strdup(display);
	t->host = strdup(host);
	t->path = path[0] ? strdup(path) : NULL;
	t->ssh = ssh[0] ? strdup(ssh) : NULL;
	t->port = (unsigned)port;
	t->https = (int)https;
	return t->base && t->display && t->host && (!path[0] || t->path) && (!ssh[0] || t->ssh) ? 0 : -1;
}

/* "1,2,5" into ids (at most CM_TARGETS_MAX, each 1..RP_MAX_SERVICE_ID). */
static long parse_ids(const char *s, sqlite3_int64 *ids, size_t cap)
{
	size_t n = 0;
	while (*s) {
		char *end;
		long long id = strtoll(s, &end, 10);
		if (end == s || id < 1 || id > RP_MAX_SERVICE_ID || n >= cap || (*end && *end != ','))
			return -1;
		ids[n++] = id;
		s = *end ? end + 1 : end;
	}
	return (long)n;
}

static int index_ids(struct cm_replay *rp, const sqlite3_int64 *ids, size_t n)
{
	sqlite3_int64 max = 0;
	for (size_t k = 0; k < n; k++)
		max = ids[k] > max ? ids[k] : max;
	sqlite3_int64 *ix = calloc((size_t)max + 1, sizeof *ix);
	if (!ix)
		return -1;
	for (size_t k = 0; k < n; k++)
		ix[ids[k]] = (sqlite3_int64)k + 1;
	free(rp->index_of_id);
	rp->index_of_id = ix;
	rp->nids = (size_t)max + 1;
	return 0;
}

static int apply_list(struct cm_replay *rp, sqlite3_int64 seq, char *err, size_t errlen)
{
	char text[CM_TARGETS_MAX * 9 + 1];
	sqlite3_int64 *ids = malloc(CM_TARGETS_MAX * sizeof *ids);
	struct cm_target_list l = {0};
	sqlite3_reset(rp->list);
	sqlite3_bind_int64(rp->list, 1, seq);
	long n = -1;
	if (ids && sqlite3_step(rp->list) == SQLITE_ROW &&
	    sqlite3_column_type(rp->list, 0) == SQLITE_TEXT &&
	    (size_t)sqlite3_column_bytes(rp->list, 0) < sizeof text) {
		snprintf(text, sizeof text, "%s", (const char *)sqlite3_column_text(rp->list, 0));
		n = parse_ids(text, ids, CM_TARGETS_MAX);
	}
	if (n >= 0)
		l.v = calloc(n ? (size_t)n : 1, sizeof *l.v);
	for (long k = 0; l.v && k < n; k++, l.n++)
		if (read_target(rp, ids[k], &l.v[k]) < 0) {
			l.n++;
			n = -1;
			break;
		}
	size_t *to = NULL, nold = rp->mon.nsvc;
	int rc = n >= 0 && l.v && index_ids(rp, ids, (size_t)n) == 0 &&
			 cm_monitor_set_targets(&rp->mon, &l, &to) == 0 ? 0 : -1;
	if (rc == 0 && rp->on_list)
		rp->on_list(rp->on_list_ctx, to, nold);
	if (rc)
		snprintf(err, errlen, "%s: bad service list #%lld (ids of the services table, "
				      "comma separated, at most %d)", rp->path, (long long)seq, CM_TARGETS_MAX);
	free(to);
	free(ids);
	cm_targets_free(&l);
	return rc;
}

/* One poll_values row into rp->values. */
static int read_value(struct cm_replay *rp, sqlite3_stmt *st)
{
	sqlite3_int64 var, state;
	if (!col_int(st, 0, 0, (sqlite3_int64)rp->mon.vars.n - 1, &var) ||
	    !col_int(st, 1, CM_REC_NA, CM_REC_WRONG, &state))
		return -1;
	struct cm_value *v = &rp->values[var];
	*v = (struct cm_value){.state = CM_VALUE_NA};
	int type = sqlite3_column_type(st, 2);
	if (state == CM_REC_NUMBER) {
		v->state = CM_VALUE_NUMBER;
		if (type == SQLITE_INTEGER) {
			v->integer = true;
			v->i = sqlite3_column_int64(st, 2);
			v->num = (double)v->i;
		} else if (type == SQLITE_FLOAT) {
			v->num = sqlite3_column_double(st, 2);
		} else if (type == SQLITE_NULL) {
			v->num = NAN;
		} else {
			return -1;
		}
	} else if (state == CM_REC_TEXT || state == CM_REC_WRONG) {
		v->state = state == CM_REC_TEXT ? CM_VALUE_TEXT : CM_VALUE_WRONG;
		if (!col_text(st, 2, v->text, sizeof v->text, false))
			return -1;
	}
	rp->set[var] = true;
	return 0;
}

static int read_values(struct cm_replay *rp, sqlite3_int64 seq)
{
	memset(rp->set, 0, (rp->mon.vars.n ? rp->mon.vars.n : 1) * sizeof *rp->set);
	sqlite3_stmt *st = rp->values_st;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, seq);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (read_value(rp, st) < 0)
			return -1;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int state_of(const char *s, enum cm_svc_state *st)
{
	*st = !strcmp(s, "up") ? CM_SVC_UP : !strcmp(s, "down") ? CM_SVC_DOWN : CM_SVC_WAITING;
	return *st != CM_SVC_WAITING || !strcmp(s, "waiting") ? 0 : -1;
}

/* The poll's service, as an index of the current list. */
static bool poll_service(struct cm_replay *rp, sqlite3_stmt *st, size_t *i)
{
	sqlite3_int64 id;
	if (!col_int(st, 0, 1, RP_MAX_SERVICE_ID, &id) || (size_t)id >= rp->nids ||
	    !rp->index_of_id[id])
		return false;
	*i = (size_t)(rp->index_of_id[id] - 1);
	return *i < rp->mon.nsvc;
}

static int apply_poll(struct cm_replay *rp, const struct cm_rp_event *ev, char *err,
		      size_t errlen)
{
	sqlite3_stmt *st = rp->poll;
	char step[16], state[16], error[sizeof rp->mon.svc->error], name[sizeof rp->mon.svc->name];
	sqlite3_int64 restarted;
	size_t i = 0;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, ev->seq);
	struct cm_poll_record r = {.values = rp->values, .set = rp->set, .nvalues = rp->mon.vars.n};
	bool good = sqlite3_step(st) == SQLITE_ROW && poll_service(rp, st, &i) &&
		    col_text(st, 1, step, sizeof step, false) &&
		    col_text(st, 2, state, sizeof state, false) && state_of(state, &r.state) == 0 &&
		    col_text(st, 3, error, sizeof error, true) && col_text(st, 4, name, sizeof name, true) &&
		    col_int(st, 5, 0, 1, &restarted);
	if (!good) {
		snprintf(err, errlen, "%s: bad poll #%lld (a service not in the list, or a column "
				      "of the wrong type)", rp->path, (long long)ev->seq);
		return -1;
	}
	if (read_values(rp, ev->seq) < 0) {
		snprintf(err, errlen, "%s: bad values of poll #%lld (a var index past the vars "
				      "table, a state not 0-3, or a value of the wrong type)",
			 rp->path, (long long)ev->seq);
		return -1;
	}
	r.vars = !strcmp(step, "vars");
	r.error = error;
	r.name = name;
	r.restarted = restarted;
	if (cm_monitor_replay_poll(&rp->mon, i, &r, ev->t) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* A captured profile: a mark on its service's timeline. */
static void apply_profile(struct cm_replay *rp, const struct cm_rp_event *ev)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rp->db, "SELECT id, service, kind, t_start, why FROM profiles "
					"WHERE seq = ?", -1, &st, NULL))
		return;
	sqlite3_bind_int64(st, 1, ev->seq);
	sqlite3_int64 id;
	double t0;
	char kind_text[32], why[64];
	if (sqlite3_step(st) != SQLITE_ROW || !col_int(st, 0, 1, INT64_MAX, &id)) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_int64 sid;
	bool good = col_int(st, 1, 1, RP_MAX_SERVICE_ID, &sid) && (size_t)sid < rp->nids &&
		    rp->index_of_id[sid] && col_num(st, 3, &t0) &&
		    col_text(st, 2, kind_text, sizeof kind_text, false) &&
		    col_text(st, 4, why, sizeof why, false);
	sqlite3_finalize(st);
	if (!good)
		return; /* a mark is not worth ending the replay; showing it says why */
	size_t svc = (size_t)(rp->index_of_id[sid] - 1);
	if (svc >= rp->mon.nsvc || id > UINT32_MAX)
		return;
	struct cm_mark mk = {.t = ev->t, .t_start = t0 <= ev->t ? t0 : ev->t,
			     .kind = CM_MARK_CAPTURE, .id = (uint32_t)id};
	snprintf(mk.what, sizeof mk.what, "%.16s (%.28s)", kind_text, why);
	cm_marks_add(&rp->mon.svc[svc].marks, &mk);
	rp->last_profile = id;
}

int cm_replay_step(struct cm_replay *rp, struct cm_rp_event *ev, char *err, size_t errlen)
{
	if (!rp->have_next)
		return 0;
	*ev = rp->next;
	int rc = 0;
	if (ev->type == CM_RP_LIST)
		rc = apply_list(rp, ev->seq, err, errlen);
	else if (ev->type == CM_RP_POLL)
		rc = apply_poll(rp, ev, err, errlen);
	else if (ev->type == CM_RP_PROFILE)
		apply_profile(rp, ev);
	if (rc < 0)
		return -1;
	return advance(rp, err, errlen) < 0 ? -1 : 1;
}

bool cm_replay_find(struct cm_replay *rp, double t, int dir, double *found)
{
	static const char *const sql[2] = {
		"SELECT max(t) FROM (SELECT t, state, restarted, lag(state) OVER (PARTITION BY "
		"service ORDER BY seq) AS prev FROM polls WHERE step = 'vars') WHERE t < ?1 - 0.001 "
		"AND (restarted = 1 OR (state = 'down' AND (prev IS NULL OR prev <> 'down'))) "
		"UNION ALL SELECT max(t_end) FROM profiles WHERE t_end < ?1 - 0.001",
		"SELECT min(t) FROM (SELECT t, state, restarted, lag(state) OVER (PARTITION BY "
		"service ORDER BY seq) AS prev FROM polls WHERE step = 'vars') WHERE t > ?1 + 0.001 "
		"AND (restarted = 1 OR (state = 'down' AND (prev IS NULL OR prev <> 'down'))) "
		"UNION ALL SELECT min(t_end) FROM profiles WHERE t_end > ?1 + 0.001",
	};
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(rp->db, sql[dir > 0], -1, &st, NULL))
		return false;
	sqlite3_bind_double(st, 1, t);
	bool have = false;
	while (sqlite3_step(st) == SQLITE_ROW) {
		double x;
		if (!col_num(st, 0, &x))
			continue;
		if (!have || (dir > 0 ? x < *found : x > *found))
			*found = x;
		have = true;
	}
	sqlite3_finalize(st);
	return have;
}

static int kind_by_name(const char *s, enum cm_prof_kind *k)
{
	for (int i = 0; i < CM_PROF_KINDS; i++)
		if (!strcmp(s, cm_prof_kind_name((enum cm_prof_kind)i))) {
			*k = (enum cm_prof_kind)i;
			return 0;
		}
	return -1;
}

sqlite3_int64 cm_replay_profile_step(struct cm_replay *rp, sqlite3_int64 id, int dir, char *err,
				     size_t errlen)
{
	static const char *const sql[2] = {
		"SELECT p.id FROM profiles p, profiles q WHERE q.id = ?1 AND p.service = q.service"
		" AND p.kind = q.kind AND p.id < ?1 ORDER BY p.id DESC LIMIT 1",
		"SELECT p.id FROM profiles p, profiles q WHERE q.id = ?1 AND p.service = q.service"
		" AND p.kind = q.kind AND p.id > ?1 AND p.id <= ?2 ORDER BY p.id LIMIT 1",
	};
	sqlite3_stmt *st;
	if (prepare(rp, sql[dir > 0], &st, err, errlen))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (dir > 0)
		sqlite3_bind_int64(st, 2, rp->last_profile);
	int rc = sqlite3_step(st);
	sqlite3_int64 found = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "the recording's profiles: %s", sqlite3_errstr(rc));
		return -1;
	}
	return found;
}

int cm_replay_profile(struct cm_replay *rp, sqlite3_int64 id, size_t *svc,
		      enum cm_prof_kind *kind, double *t_end, unsigned char **data, size_t *len,
		      char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (prepare(rp, "SELECT service, kind, t_end, data FROM profiles WHERE id = ?", &st, err,
		    errlen))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	char kind_text[32];
	sqlite3_int64 sid;
	bool good = sqlite3_step(st) == SQLITE_ROW && col_int(st, 0, 1, RP_MAX_SERVICE_ID, &sid) &&
		    (size_t)sid < rp->nids && rp->index_of_id[sid] &&
		    col_text(st, 1, kind_text, sizeof kind_text, false) &&
		    kind_by_name(kind_text, kind) == 0 && col_num(st, 2, t_end) &&
		    sqlite3_column_type(st, 3) == SQLITE_BLOB &&
		    (size_t)sqlite3_column_bytes(st, 3) <= CM_PROF_MAX_BODY;
	if (good) {
		*svc = (size_t)(rp->index_of_id[sid] - 1);
		*len = (size_t)sqlite3_column_bytes(st, 3);
		*data = malloc(*len ? *len : 1);
		if (*data)
			memcpy(*data, sqlite3_column_blob(st, 3), *len);
		good = *data && *svc < rp->mon.nsvc;
	}
	sqlite3_finalize(st);
	if (!good)
		snprintf(err, errlen, "profile %lld: its service is not in the list, its kind is "
				      "unknown, or its bytes are missing or over %zu MB", (long long)id,
			 CM_PROF_MAX_BODY >> 20);
	return good ? 0 : -1;
}
