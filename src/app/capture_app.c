/* capture_app: see capture_app.h. */
#include "capture_app.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pprof_save.h"

static double wall_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cm_capture_app_init(struct cm_capture_app *c, struct cm_fetch *f, struct cm_monitor *m,
			 struct cm_pane_app *pane, struct cm_trigger_set *trig, FILE *log,
			 int seconds)
{
	memset(c, 0, sizeof *c);
	c->fetch = f;
	c->mon = m;
	c->pane = pane;
	c->trig = trig;
	c->log = log;
	c->seconds = seconds;
	c->rolling_seconds = seconds;
	c->rolling_svc = SIZE_MAX;
}

/* A line about job j's service, "trigger EXPR on NAME: what" (or
 * "rolling on NAME: what"): on stderr without a screen, with the
 * service's address when its name differs, and kept for the screen. */
static void say(struct cm_capture_app *c, const struct cm_capture_job *j, const char *what)
{
	char name[96];
	cm_svc_label(name, sizeof name, c->mon, j->svc);
	struct cm_strbuf sb = {0};
	cm_strbuf_str(&sb, j->trigger[0] ? "trigger " : "rolling");
	if (j->trigger[0])
		cm_strbuf_str(&sb, j->trigger);
	cm_strbuf_str(&sb, " on ");
	cm_strbuf_clean(&sb, name, 0); /* the name came from the service */
	const char *addr = c->mon->targets.v[j->svc].display;
	if (addr && !strstr(name, addr)) { /* "demo@127.0.0.1:6060" says it already */
		cm_strbuf_str(&sb, " (");
		cm_strbuf_str(&sb, addr);
		cm_strbuf_str(&sb, ")");
	}
	cm_strbuf_str(&sb, ": ");
	cm_strbuf_str(&sb, what);
	const char *line = sb.oom || !sb.s ? what : sb.s;
	snprintf(c->said, sizeof c->said, "%s", line);
	if (c->log)
		fprintf(c->log, "cmon: %s\n", line);
	cm_strbuf_free(&sb);
}

/* "cpu 10s" or "heap": what j fetches. */
static void kind_text(const struct cm_capture_job *j, char *buf, size_t len)
{
	if (j->kind == CM_PROF_CPU)
		snprintf(buf, len, "cpu %ds", j->seconds);
	else
		snprintf(buf, len, "%s", cm_prof_kind_name(j->kind));
}

/* The mark's words: "cpu 10s rate:requests>500", "cpu 10s rolling". */
static void describe(const struct cm_capture_job *j, char *what, size_t len)
{
	char kind[24];
	kind_text(j, kind, sizeof kind);
	if (snprintf(what, len, "%s %s", kind, j->trigger[0] ? j->trigger : "rolling") >= (int)len)
		what[len - 1] = '\0'; /* cut: the mark's room */
}

/* True when a CPU capture runs on svc: a job's, or the pane's own. */
static bool cpu_running(const struct cm_capture_app *c, size_t svc)
{
	const struct cm_prof_pane *p = &c->pane->pane;
	if (p->open && p->svc == svc && p->kind == CM_PROF_CPU && p->phase == CM_PANE_CAPTURING)
		return true;
	for (size_t k = 0; k < CM_CAPTURE_JOBS_MAX; k++)
		if (c->jobs[k].id && c->jobs[k].svc == svc && c->jobs[k].kind == CM_PROF_CPU)
			return true;
	return false;
}

static void on_capture(void *ctx, const struct cm_fetch_result *r);

/* Starts job j (its fields set); frees the slot when it cannot start. */
static void start_job(struct cm_capture_app *c, struct cm_capture_job *j)
{
	j->owner = c;
	j->t_start = wall_clock();
	j->id = cm_pane_app_fetch(c->fetch, &c->mon->targets.v[j->svc], j->kind, j->seconds,
				  on_capture, j);
	if (j->id <= 0) {
		j->id = 0;
		say(c, j, "out of memory");
		return;
	}
	if (j->kind == CM_PROF_CPU)
		cm_triggers_cpu_busy(c->trig, j->svc, true);
	if (j->trigger[0]) {
		char line[40];
		kind_text(j, line + 10, sizeof line - 10);
		memcpy(line, "capturing ", 10);
		say(c, j, line);
	}
}

static struct cm_capture_job *free_slot(struct cm_capture_app *c)
{
	for (size_t k = 0; k < CM_CAPTURE_JOBS_MAX; k++)
		if (!c->jobs[k].id)
			return &c->jobs[k];
	return NULL;
}

/* A trigger's capture, saved as go tool pprof saves what it fetched. */
static void save(struct cm_capture_app *c, const struct cm_capture_job *j, uint32_t id,
		 const unsigned char *data, size_t len)
{
	char path[1024], msg[1100], line[1200];
	const char *kind = cm_prof_kind_name(j->kind);
	if (cm_pprof_save_path_of(data, len, CM_DEFAULT_MAX_INFLATED, NULL, path, sizeof path) < 0) {
		snprintf(line, sizeof line, "%s not saved: %.1000s", kind, path);
	} else if (cm_pprof_write_new(path, data, len, msg, sizeof msg) < 0) {
		snprintf(line, sizeof line, "%s not saved: %.1000s", kind, msg);
	} else {
		struct cm_capture *cap = id ? cm_capstore_get(&c->pane->store, id) : NULL;
		if (cap)
			cap->saved = true;
		snprintf(line, sizeof line, "%s saved in %.1000s", kind, path);
	}
	say(c, j, line);
}

static void on_capture(void *ctx, const struct cm_fetch_result *r)
{
	struct cm_capture_job *j = ctx;
	struct cm_capture_app *c = j->owner;
	j->id = 0;
	if (j->kind == CM_PROF_CPU && !cpu_running(c, j->svc))
		cm_triggers_cpu_busy(c->trig, j->svc, false);
	if (r->error) {
		char note[320];
		cm_prof_error_text(note, sizeof note, j->kind, j->seconds, r->status, r->error);
		say(c, j, note);
	} else {
		struct cm_capture cap = {.svc = j->svc, .kind = j->kind, .rolling = j->rolling,
					 .t_start = j->t_start, .t = wall_clock()};
		describe(j, cap.what, sizeof cap.what);
		cm_pane_app_captured(c->pane, j->svc, j->kind, cap.t_start, cap.t,
				     j->trigger[0] ? j->trigger : "rolling", r->body, r->len);
		uint32_t id = cm_pane_app_keep_capture(c->pane, &cap,
							(const unsigned char *)r->body, r->len);
		if (j->trigger[0])
			save(c, j, id, (const unsigned char *)r->body, r->len);
		else if (!id)
			say(c, j, "a window not kept (out of memory)");
	}
	c->pane->dirty = true;
	if (!j->rolling || c->rolling_svc != j->svc)
		return;
	if (r->error) {
		c->rolling_svc = SIZE_MAX; /* no loop of failures: said, and O starts again */
		say(c, j, "stopped");
		return;
	}
	start_job(c, j); /* the next window, back to back */
}

void cm_capture_app_fire(struct cm_capture_app *c, const struct cm_trigger_fire *fire,
			 size_t svc, double now)
{
	(void)now;
	const struct cm_trigger *t = &c->trig->v[fire->trigger];
	c->fired++;
	for (int k = 0; k < CM_PROF_KINDS; k++) {
		if (!(t->kinds & (1u << k)))
			continue;
		struct cm_capture_job probe = {.svc = svc, .kind = k};
		snprintf(probe.trigger, sizeof probe.trigger, "%s", t->text);
		bool cpu_skipped = k == CM_PROF_CPU && !(fire->kinds & (1u << k));
		if (k == CM_PROF_CPU && !cpu_skipped && cpu_running(c, svc))
			cpu_skipped = true; /* the pane's own, or a rolling window */
		if (cpu_skipped) {
			say(c, &probe, "cpu not captured: a CPU capture runs there already");
			continue;
		}
		struct cm_capture_job *j = free_slot(c);
		if (!j) {
			say(c, &probe, "not captured: too many captures running");
			continue;
		}
		*j = probe;
		j->seconds = c->seconds;
		start_job(c, j);
	}
}

int cm_capture_app_toggle_rolling(struct cm_capture_app *c, size_t svc)
{
	if (c->rolling_svc == svc) {
		c->rolling_svc = SIZE_MAX; /* the window running ends as it will, kept */
		return 0;
	}
	struct cm_capture_job *j = free_slot(c);
	if (svc >= c->mon->nsvc || cpu_running(c, svc) || !j)
		return -1;
	c->rolling_svc = svc;
	*j = (struct cm_capture_job){.svc = svc, .kind = CM_PROF_CPU, .rolling = true,
				     .seconds = c->rolling_seconds};
	start_job(c, j);
	if (!j->id)
		c->rolling_svc = SIZE_MAX;
	return j->id ? 1 : -1;
}

void cm_capture_app_services_changed(struct cm_capture_app *c, const size_t *to, size_t nold)
{
	for (size_t k = 0; k < CM_CAPTURE_JOBS_MAX; k++) {
		struct cm_capture_job *j = &c->jobs[k];
		if (!j->id)
			continue;
		j->svc = j->svc < nold ? to[j->svc] : SIZE_MAX;
		if (j->svc == SIZE_MAX) {
			cm_fetch_cancel(c->fetch, j->id);
			j->id = 0;
		}
	}
	if (c->rolling_svc != SIZE_MAX)
		c->rolling_svc = c->rolling_svc < nold ? to[c->rolling_svc] : SIZE_MAX;
}

void cm_capture_app_free(struct cm_capture_app *c)
{
	for (size_t k = 0; k < CM_CAPTURE_JOBS_MAX; k++) {
		if (c->jobs[k].id)
			cm_fetch_cancel(c->fetch, c->jobs[k].id);
		c->jobs[k].id = 0;
	}
}
