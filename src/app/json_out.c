/* json_out: -json's lines. See json_out.h. */
#include "json_out.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* s cleaned for the reader, as a JSON string (NULL when out of memory). */
static json_t *clean_string(const char *s, unsigned clean)
{
	struct cm_strbuf b = {0};
	cm_strbuf_clean(&b, s, clean);
	json_t *j = b.oom ? NULL : json_string(b.s ? b.s : "");
	cm_strbuf_free(&b);
	return j;
}

static json_t *value_json(const struct cm_value *v, unsigned clean)
{
	switch (v->state) {
	case CM_VALUE_NUMBER:
		if (v->integer)
			return json_integer(v->i);
		return isfinite(v->num) ? json_real(v->num) : json_null();
	case CM_VALUE_TEXT:
	case CM_VALUE_WRONG:
		return clean_string(v->text, clean);
	default:
		return json_null();
	}
}

/* "2026-12-05T03:12:04.250Z" */
static void rfc3339(char *buf, size_t cap, double when)
{
	time_t t = (time_t)floor(when);
	int ms = (int)((when - (double)t) * 1000);
	struct tm tm;
	char base[32] = "1970-01-01T00:00:00";
	if (gmtime_r(&t, &tm))
		strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%03dZ", base, ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

/* A var's name in "vars": its title, "rate:" before a rate's, and "#k"
 * after one a var before it already took (two vars on one path). */
static const char *var_name(const json_t *vars, const struct cm_var *var, size_t k, char *buf,
			    size_t cap)
{
	snprintf(buf, cap, "%s%.250s", var->rate ? "rate:" : "", var->title);
	if (json_object_get(vars, buf))
		snprintf(buf + strlen(buf), cap - strlen(buf), "#%zu", k);
	return buf;
}

static json_t *service_json(const struct cm_monitor *m, size_t i, double now, unsigned clean)
{
	const struct cm_service *s = &m->svc[i];
	char label[sizeof s->name + 160], when[48];
	cm_svc_label(label, sizeof label, m, i);
	rfc3339(when, sizeof when, now);
	char name[320];
	json_t *vars = json_object();
	for (size_t v = 0; vars && v < m->vars.n; v++) {
		struct cm_value na = {.state = CM_VALUE_NA};
		const struct cm_value *val = s->state == CM_SVC_UP && v < s->ncells ? &s->cells[v].value : &na;
		json_object_set_new(vars, var_name(vars, &m->vars.v[v], v, name, sizeof name),
				    value_json(val, clean));
	}
	const char *state = s->state == CM_SVC_UP ? "up" : s->state == CM_SVC_DOWN ? "down" : "waiting";
	return json_pack("{s:s, s:f, s:{s:o?, s:o?}, s:s, s:o?, s:o?, s:b}", "time", when, "unix", now,
			 "service", "label", clean_string(label, clean), "address",
			 clean_string(s->target->display, clean), "state", state, "error",
			 s->state == CM_SVC_DOWN ? clean_string(s->error, clean)
			 : s->state == CM_SVC_WAITING ? clean_string("no answer yet", clean) : NULL,
			 "vars", vars, "restarted", cm_service_restarted(s, now));
}

void cm_json_lines(const struct cm_monitor *m, double now, unsigned clean, struct cm_strbuf *out)
{
	for (size_t i = 0; i < m->nsvc; i++) {
		json_t *o = service_json(m, i, now, clean);
		char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (!line) {
			out->oom = true;
			return;
		}
		cm_strbuf_str(out, line);
		cm_strbuf_str(out, "\n");
		free(line);
	}
}
