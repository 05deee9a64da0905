/* record: the run into SQLite. See record.h; the schema is README.md's
 * "Recordings" and replay.c reads it. */
#include "record.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "cmon_config.h"

#define COMMIT_EVERY 1.0 /* seconds: what a kill -9 may lose */

static const char schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE services(id INTEGER PRIMARY KEY, base TEXT NOT NULL, path TEXT, ssh TEXT,"
	" display TEXT NOT NULL, host TEXT, port INTEGER, https INTEGER);"
	"CREATE TABLE lists(seq INTEGER PRIMARY KEY, t REAL NOT NULL, services TEXT NOT NULL);"
	"CREATE TABLE vars(idx INTEGER PRIMARY KEY, title TEXT NOT NULL, label TEXT NOT NULL,"
	" kind TEXT NOT NULL, source TEXT NOT NULL, rate INTEGER NOT NULL, unit_ns REAL NOT NULL);"
	"CREATE TABLE polls(seq INTEGER PRIMARY KEY, t REAL NOT NULL, service INTEGER NOT NULL,"
	" step TEXT NOT NULL, state TEXT NOT NULL, error TEXT, name TEXT, restarted INTEGER NOT NULL);"
	"CREATE TABLE poll_values(seq INTEGER NOT NULL, var INTEGER NOT NULL, state INTEGER NOT NULL,"
	" value, PRIMARY KEY(seq, var)) WITHOUT ROWID;"
	"CREATE TABLE ticks(seq INTEGER PRIMARY KEY, t REAL NOT NULL);"
	"CREATE TABLE profiles(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, service INTEGER NOT NULL,"
	" kind TEXT NOT NULL, t_start REAL NOT NULL, t_end REAL NOT NULL, why TEXT NOT NULL,"
	" data BLOB NOT NULL);"
	"CREATE INDEX polls_t ON polls(t);";

enum stmt { ST_POLL, ST_VALUE, ST_TICK, ST_LIST, ST_SERVICE, ST_VAR, ST_PROFILE, ST_N };

static const char *const stmt_sql[ST_N] = {
	"INSERT INTO polls VALUES(?,?,?,?,?,?,?,?)",
	"INSERT INTO poll_values VALUES(?,?,?,?)",
	"INSERT INTO ticks VALUES(?,?)",
	"INSERT INTO lists VALUES(?,?,?)",
	"INSERT INTO services(base,path,ssh,display,host,port,https) VALUES(?,?,?,?,?,?,?)",
	"INSERT INTO vars VALUES(?,?,?,?,?,?,?)",
	"INSERT INTO profiles(seq,service,kind,t_start,t_end,why,data) VALUES(?,?,?,?,?,?,?)",
};

/* What the recorder knows of each current service. */
struct rec_svc {
	sqlite3_int64 id;     /* services.id */
	double restarted_at;  /* the monitor's, at the last poll written */
};

struct cm_rec {
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	char path[256];       /* for the messages */
	char error[224];      /* "" while recording */
	sqlite3_int64 seq;    /* the last event's number */
	struct rec_svc *svc;  /* one per monitor service */
	size_t nsvc;
	size_t nvars;         /* vars rows written */
	bool in_tx;
	double tx_since;      /* monotonic: when the open transaction began */
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The recording stops with why (the first failure is the one told). */
static void fail(struct cm_rec *r, const char *what)
{
	if (r->error[0])
		return;
	snprintf(r->error, sizeof r->error, "recording %.80s stopped: %s: %.80s", r->path, what,
		 r->db ? sqlite3_errmsg(r->db) : "out of memory");
}

static bool ok(const struct cm_rec *r)
{
	return r && !r->error[0];
}

/* Runs st once with the bindings made; resets it either way. */
static void step(struct cm_rec *r, enum stmt s, const char *what)
{
	int rc = sqlite3_step(r->st[s]);
	sqlite3_reset(r->st[s]);
	sqlite3_clear_bindings(r->st[s]);
	if (rc != SQLITE_DONE)
		fail(r, what);
}

static void exec(struct cm_rec *r, const char *sql, const char *what)
{
	if (ok(r) && sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail(r, what);
}

/* Every write goes into the open transaction, begun here. */
static bool begin(struct cm_rec *r)
{
	if (!ok(r))
		return false;
	if (!r->in_tx) {
		exec(r, "BEGIN", "begin");
		r->in_tx = ok(r);
		r->tx_since = mono_s();
	}
	return ok(r);
}

static void bind_text(sqlite3_stmt *st, int k, const char *s)
{
	if (s)
		sqlite3_bind_text(st, k, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, k);
}

static void meta(struct cm_rec *r, const char *key, const char *value)
{
	sqlite3_stmt *st;
	if (!ok(r))
		return;
	if (sqlite3_prepare_v2(r->db, "INSERT INTO meta VALUES(?,?)", -1, &st, NULL) != SQLITE_OK) {
		fail(r, "meta");
		return;
	}
	bind_text(st, 1, key);
	bind_text(st, 2, value);
	if (sqlite3_step(st) != SQLITE_DONE)
		fail(r, "meta");
	sqlite3_finalize(st);
}

/* The command line as one string, arguments quoted as a shell would need
 * them ('...'); credentials in -ports URLs are the person's: hidden. */
static char *command_line(int argc, char **argv)
{
	size_t cap = 8;
	for (int k = 0; k < argc; k++)
		cap += 4 * strlen(argv[k]) + 3;
	char *s = malloc(cap), *p = s;
	if (!s)
		return NULL;
	p += sprintf(p, "cmon");
	for (int k = 0; k < argc; k++) {
		char *a = strdup(argv[k]);
		if (!a)
			break;
		cm_targets_hide_passwords(a);
		*p++ = ' ';
		*p++ = '\'';
		for (const char *c = a; *c; c++) {
			if (*c == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *c;
			}
		}
		*p++ = '\'';
		free(a);
	}
	*p = '\0';
	return s;
}

static void write_meta(struct cm_rec *r, int argc, char **argv, const struct cm_rec_run *run)
{
	char buf[64], *cmd = command_line(argc, argv);
	meta(r, "cmon_version", CMON_VERSION);
	meta(r, "command_line", cmd ? cmd : "");
	free(cmd);
	meta(r, "vars", run->vars);
	meta(r, "endpoint", run->endpoint);
	snprintf(buf, sizeof buf, "%.17g", run->interval);
	meta(r, "interval", buf);
	snprintf(buf, sizeof buf, "%.17g", run->history);
	meta(r, "history", buf);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, sizeof buf, "%.6f", (double)ts.tv_sec + ts.tv_nsec / 1e9);
	meta(r, "started", buf);
}

static int open_db(struct cm_rec *r, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) == 0) {
		snprintf(err, errlen, "-record=%s: the file exists (a recording is never "
				      "overwritten or added to: choose another name)", path);
		return -1;
	}
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					  SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "-record=%s: %s", path,
			 r->db ? sqlite3_errmsg(r->db) : "out of memory");
		return -1;
	}
	sqlite3_limit(r->db, SQLITE_LIMIT_WORKER_THREADS, 0); /* one thread: cmon's */
	char pragmas[128];
	snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
					  " PRAGMA user_version=%d;", CM_REC_SCHEMA);
	exec(r, pragmas, "setting up");
	exec(r, "BEGIN", "setting up");
	exec(r, schema, "creating the tables");
	for (int s = 0; s < ST_N && ok(r); s++)
		if (sqlite3_prepare_v3(r->db, stmt_sql[s], -1, SQLITE_PREPARE_PERSISTENT, &r->st[s],
				       NULL) != SQLITE_OK)
			fail(r, "preparing");
	if (!ok(r)) {
		snprintf(err, errlen, "-record=%s: %s", path, r->error);
		return -1;
	}
	r->in_tx = true;
	r->tx_since = mono_s();
	return 0;
}

struct cm_rec *cm_rec_open(const char *path, int argc, char **argv, const struct cm_rec_run *run,
			   char *err, size_t errlen)
{
	struct cm_rec *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errlen, "-record=%s: out of memory", path);
		return NULL;
	}
	snprintf(r->path, sizeof r->path, "%s", path);
	if (open_db(r, path, err, errlen) < 0) {
		cm_rec_close(r);
		return NULL;
	}
	write_meta(r, argc, argv, run);
	cm_rec_flush(r, 0, true); /* the file is a recording from the start */
	if (!ok(r)) {
		snprintf(err, errlen, "%s", r->error);
		cm_rec_close(r);
		return NULL;
	}
	return r;
}

static const char *kind_name(enum cm_var_kind k)
{
	static const char *const names[] = {"number", "mem", "duration", "string"};
	return (unsigned)k < 4 ? names[k] : "number";
}

static const char *source_name(enum cm_var_source s)
{
	static const char *const names[] = {"expvar", "goroutines", "threads"};
	return (unsigned)s < 3 ? names[s] : "expvar";
}

/* Vars "*" added since the last poll get their rows. */
static void write_vars(struct cm_rec *r, const struct cm_monitor *m)
{
	sqlite3_stmt *st = r->st[ST_VAR];
	for (; r->nvars < m->vars.n && ok(r); r->nvars++) {
		const struct cm_var *v = &m->vars.v[r->nvars];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)r->nvars);
		bind_text(st, 2, v->title ? v->title : "");
		bind_text(st, 3, v->label ? v->label : "");
		bind_text(st, 4, kind_name(v->kind));
		bind_text(st, 5, source_name(v->source));
		sqlite3_bind_int(st, 6, v->rate);
		sqlite3_bind_double(st, 7, v->unit_ns);
		step(r, ST_VAR, "writing a var");
	}
}

static const char *state_name(enum cm_svc_state s)
{
	return s == CM_SVC_UP ? "up" : s == CM_SVC_DOWN ? "down" : "waiting";
}

static void write_value(struct cm_rec *r, size_t var, const struct cm_value *v)
{
	sqlite3_stmt *st = r->st[ST_VALUE];
	sqlite3_bind_int64(st, 1, r->seq);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)var);
	int state = v->state == CM_VALUE_NUMBER ? CM_REC_NUMBER
		    : v->state == CM_VALUE_TEXT ? CM_REC_TEXT
		    : v->state == CM_VALUE_WRONG ? CM_REC_WRONG : CM_REC_NA;
	sqlite3_bind_int(st, 3, state);
	if (state == CM_REC_NUMBER && v->integer)
		sqlite3_bind_int64(st, 4, v->i);
	else if (state == CM_REC_NUMBER && !isnan(v->num)) /* NaN: NULL with state 1 */
		sqlite3_bind_double(st, 4, v->num);
	else if (state == CM_REC_TEXT || state == CM_REC_WRONG)
		bind_text(st, 4, v->text);
	step(r, ST_VALUE, "writing a value");
}

void cm_rec_poll(struct cm_rec *r, const struct cm_monitor *m, size_t i, unsigned sources,
		 bool vars, double t)
{
	if (!begin(r) || i >= m->nsvc || i >= r->nsvc)
		return;
	write_vars(r, m);
	const struct cm_service *s = &m->svc[i];
	struct rec_svc *rs = &r->svc[i];
	bool restarted = vars && s->restarted_at != rs->restarted_at && s->restarted_at > 0;
	rs->restarted_at = s->restarted_at;
	sqlite3_stmt *st = r->st[ST_POLL];
	sqlite3_bind_int64(st, 1, ++r->seq);
	sqlite3_bind_double(st, 2, t);
	sqlite3_bind_int64(st, 3, rs->id);
	bind_text(st, 4, !vars ? "counts" : "vars");
	bind_text(st, 5, state_name(s->state));
	bind_text(st, 6, s->state == CM_SVC_DOWN ? s->error : NULL);
	bind_text(st, 7, s->name);
	sqlite3_bind_int(st, 8, restarted);
	step(r, ST_POLL, "writing a poll");
	for (size_t v = 0; v < m->vars.n && v < s->ncells && ok(r); v++)
		if (sources & (1u << m->vars.v[v].source))
			write_value(r, v, &s->cells[v].value);
}

static sqlite3_int64 add_service(struct cm_rec *r, const struct cm_target *t)
{
	sqlite3_stmt *st = r->st[ST_SERVICE];
	bind_text(st, 1, t->base);
	bind_text(st, 2, t->path);
	bind_text(st, 3, t->ssh);
	bind_text(st, 4, t->display);
	bind_text(st, 5, t->host);
	sqlite3_bind_int(st, 6, (int)t->port);
	sqlite3_bind_int(st, 7, t->https);
	step(r, ST_SERVICE, "writing a service");
	return sqlite3_last_insert_rowid(r->db);
}

/* "1,2,5": the list's service ids in order. */
static char *id_list(const struct rec_svc *v, size_t n)
{
	char *s = malloc(n * 21 + 1), *p = s;
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t k = 0; k < n; k++)
		p += sprintf(p, k ? ",%lld" : "%lld", (long long)v[k].id);
	return s;
}

void cm_rec_services(struct cm_rec *r, const struct cm_monitor *m, const size_t *to, size_t nold,
		     double t)
{
	if (!begin(r))
		return;
	struct rec_svc *nv = calloc(m->nsvc ? m->nsvc : 1, sizeof *nv);
	if (!nv) {
		fail(r, "out of memory");
		return;
	}
	for (size_t k = 0; to && k < nold && k < r->nsvc; k++)
		if (to[k] < m->nsvc)
			nv[to[k]] = r->svc[k];
	for (size_t j = 0; j < m->nsvc && ok(r); j++)
		if (!nv[j].id)
			nv[j] = (struct rec_svc){.id = add_service(r, &m->targets.v[j]),
						 .restarted_at = m->svc[j].restarted_at};
	free(r->svc);
	r->svc = nv;
	r->nsvc = m->nsvc;
	char *ids = id_list(nv, m->nsvc);
	if (!ids) {
		fail(r, "out of memory");
		return;
	}
	sqlite3_stmt *st = r->st[ST_LIST];
	sqlite3_bind_int64(st, 1, ++r->seq);
	sqlite3_bind_double(st, 2, t);
	bind_text(st, 3, ids);
	step(r, ST_LIST, "writing the service list");
	free(ids);
}

void cm_rec_tick(struct cm_rec *r, double t)
{
	if (!begin(r))
		return;
	sqlite3_bind_int64(r->st[ST_TICK], 1, ++r->seq);
	sqlite3_bind_double(r->st[ST_TICK], 2, t);
	step(r, ST_TICK, "writing a tick");
}

/* data gzipped (as Go's handlers send profiles) unless it already is;
 * *out is malloc'd, or data itself. */
static int gzipped(const void *data, size_t len, void **out, size_t *outlen)
{
	const unsigned char *d = data;
	if (len >= 2 && d[0] == 0x1f && d[1] == 0x8b) {
		*out = (void *)data;
		*outlen = len;
		return 0;
	}
	z_stream z = {0};
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t cap = deflateBound(&z, (uLong)len) + 32;
	unsigned char *buf = malloc(cap);
	z.next_in = (Bytef *)d;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	int rc = buf ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

void cm_rec_profile(struct cm_rec *r, size_t svc, enum cm_prof_kind kind, double t_start,
		    double t_end, const char *why, const void *data, size_t len)
{
	if (!begin(r) || svc >= r->nsvc || len > CM_PROF_MAX_BODY)
		return;
	void *gz;
	size_t gzlen;
	if (gzipped(data, len, &gz, &gzlen) < 0) {
		fail(r, "compressing a profile");
		return;
	}
	sqlite3_stmt *st = r->st[ST_PROFILE];
	sqlite3_bind_int64(st, 1, ++r->seq);
	sqlite3_bind_int64(st, 2, r->svc[svc].id);
	bind_text(st, 3, cm_prof_kind_name(kind));
	sqlite3_bind_double(st, 4, t_start);
	sqlite3_bind_double(st, 5, t_end);
	bind_text(st, 6, why ? why : "key");
	sqlite3_bind_blob64(st, 7, gz, gzlen, SQLITE_TRANSIENT);
	step(r, ST_PROFILE, "writing a profile");
	if (gz != data)
		free(gz);
}

double cm_rec_due(const struct cm_rec *r)
{
	return ok(r) && r->in_tx ? r->tx_since + COMMIT_EVERY : INFINITY;
}

void cm_rec_flush(struct cm_rec *r, double mono, bool force)
{
	if (!ok(r) || !r->in_tx || (!force && mono < r->tx_since + COMMIT_EVERY))
		return;
	r->in_tx = false;
	exec(r, "COMMIT", "committing");
}

const char *cm_rec_error(const struct cm_rec *r)
{
	return r && r->error[0] ? r->error : NULL;
}

void cm_rec_close(struct cm_rec *r)
{
	if (!r)
		return;
	cm_rec_flush(r, 0, true);
	for (int s = 0; s < ST_N; s++)
		sqlite3_finalize(r->st[s]);
	sqlite3_close(r->db);
	free(r->svc);
	free(r);
}
