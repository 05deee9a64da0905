/* trigger: see trigger.h.
 *
 * Choices the header leaves open, made here:
 * - The operator is the first unescaped '<' or '>' outside label braces
 *   and quotes; what is before it is the var (one -vars field: "*" and
 *   str: vars are refused), what follows up to the next unescaped ':' the
 *   number.
 * - Units are case-sensitive where case means something (ms vs MS is not
 *   a thing, m is minutes); byte units take K/k alike.
 * - A trigger's part is at most PART_MAX bytes; an empty part (";;") is an
 *   error, as an empty -vars field is. */
#include "cmon/monitor/trigger.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/numtext.h"
#include "cmon/monitor/monitor.h"
#include "cmon/monitor/target.h"

#define PART_MAX 1024

static int say(char *why, size_t wl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, wl, fmt, ap);
	va_end(ap);
	return -1;
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* ---- the number ---- */

struct unit {
	const char *name;
	double mul;
	bool duration;
};

static const struct unit units[] = {
	{"B", 1, false},
	{"KB", 1024.0, false},
	{"kB", 1024.0, false},
	{"KiB", 1024.0, false},
	{"MB", 1048576.0, false},
	{"MiB", 1048576.0, false},
	{"GB", 1073741824.0, false},
	{"GiB", 1073741824.0, false},
	{"TB", 1099511627776.0, false},
	{"TiB", 1099511627776.0, false},
	{"ns", 1, true},
	{"us", 1e3, true},
	{"\xc2\xb5s", 1e3, true},
	{"ms", 1e6, true},
	{"s", 1e9, true},
	{"m", 60e9, true},
	{"h", 3600e9, true},
};

/* Length of the number's text at s (a C float: sign, digits, '.',
 * exponent), 0 when there is none. */
static size_t number_len(const char *s, size_t n)
{
	size_t i = 0, digits = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < n && isdigit((unsigned char)s[i]); i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			digits++;
	if (!digits)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;
		if (j < n && (s[j] == '-' || s[j] == '+'))
			j++;
		if (j < n && isdigit((unsigned char)s[j])) {
			while (j < n && isdigit((unsigned char)s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

static int parse_number(struct cm_trigger *t, const char *s, size_t n, char *why, size_t wl)
{
	trim(&s, &n);
	size_t len = number_len(s, n);
	if (!len)
		return say(why, wl, "want a number after the comparison, such as 500, 1.5e3, "
				    "1GB or 500ms");
	double x = cm_strtod_dot(s, len);
	if (!isfinite(x))
		return say(why, wl, "number \"%.*s\" out of range", (int)len, s);
	const char *u = s + len;
	size_t ul = n - len;
	t->threshold = x;
	if (!ul)
		return 0;
	for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
		if (strlen(units[k].name) == ul && !memcmp(units[k].name, u, ul)) {
			t->threshold = x * units[k].mul;
			t->duration_unit = units[k].duration;
			return 0;
		}
	}
	return say(why, wl, "unknown unit \"%.*s\" (B, KB, MB, GB, TB; ns, us, ms, s, m, h)",
		   (int)(ul > 40 ? 40 : ul), u);
}

/* ---- kinds and options ---- */

static int parse_kind(struct cm_trigger *t, const char *s, size_t n, char *why, size_t wl)
{
	trim(&s, &n);
	for (int k = 0; k < CM_PROF_KINDS; k++) {
		if (strlen(cm_prof_kind_name(k)) == n && !memcmp(cm_prof_kind_name(k), s, n)) {
			t->kinds |= 1u << k;
			return 0;
		}
	}
	if (!n)
		return say(why, wl, "no profile kind: name them after a ':' (cpu, heap, ...)");
	return say(why, wl, "unknown profile kind \"%.*s\" (cpu, heap, allocs, goroutine, "
			    "block, mutex, threadcreate)", (int)(n > 40 ? 40 : n), s);
}

/* Calls fn(ctx, part, len) for each part of s[0, n) between the
 * separators sep (outside braces and quotes); stops at the first that
 * fails. */
static int each_part(const char *s, size_t n, char sep,
		     int (*fn)(void *ctx, const char *part, size_t len), void *ctx)
{
	for (;;) {
		size_t len = cm_vars_find_outside(s, n, sep);
		if (fn(ctx, s, len) < 0)
			return -1;
		if (len == n)
			return 0;
		s += len + 1;
		n -= len + 1;
	}
}

/* What parse_kind and parse_option get from each_part. */
struct item_ctx {
	struct cm_trigger *t;
	char *why;
	size_t wl;
	int (*fn)(struct cm_trigger *t, const char *s, size_t n, char *why, size_t wl);
};

static int item(void *ctx, const char *s, size_t n)
{
	struct item_ctx *c = ctx;
	return c->fn(c->t, s, n, c->why, c->wl);
}

/* fn for each comma-separated item of s[0, n). */
static int each_item(struct cm_trigger *t, const char *s, size_t n, char *why, size_t wl,
		     int (*fn)(struct cm_trigger *, const char *, size_t, char *, size_t))
{
	struct item_ctx c = {t, why, wl, fn};
	return each_part(s, n, ',', item, &c);
}

static int parse_option(struct cm_trigger *t, const char *s, size_t n, char *why, size_t wl)
{
	trim(&s, &n);
	char val[64];
	bool is_for = n > 4 && !memcmp(s, "for=", 4), is_cooldown = n > 9 && !memcmp(s, "cooldown=", 9);
	if ((is_for || is_cooldown) && n - (is_for ? 4 : 9) >= sizeof val)
		return say(why, wl, "%s value of %zu bytes: too long for %s", is_for ? "for=" : "cooldown=",
			   n - (is_for ? 4 : 9), is_for ? "a number of polls" : "a duration");
	if (is_for) {
		memcpy(val, s + 4, n - 4);
		val[n - 4] = '\0';
		char *end;
		long x = strtol(val, &end, 10);
		if (!*val || *end || x < 1 || x > CM_TRIGGER_FOR_MAX)
			return say(why, wl, "for=%s: want a number of polls, 1 to %d", val,
				   CM_TRIGGER_FOR_MAX);
		t->for_polls = (unsigned)x;
		return 0;
	}
	if (is_cooldown) {
		memcpy(val, s + 9, n - 9);
		val[n - 9] = '\0';
		long long ns;
		if (cm_duration_parse(val, &ns) < 0 || ns < 0)
			return say(why, wl, "cooldown=%s: want a duration such as 30s, 5m, 1h", val);
		t->cooldown = (double)ns / 1e9;
		return 0;
	}
	return say(why, wl, "unknown option \"%.*s\" (for=N, cooldown=DURATION)",
		   (int)(n > 40 ? 40 : n), s);
}

/* ---- the var and the operator ---- */

/* The operator's place in s[0, n): the first '<' or '>' outside braces and
 * quotes; n when none. */
static size_t op_at(const char *s, size_t n)
{
	size_t gt = cm_vars_find_outside(s, n, '>'), lt = cm_vars_find_outside(s, n, '<');
	return gt < lt ? gt : lt;
}

/* The var s[0, n) into t->var, through the -vars parser. */
static int parse_var(struct cm_trigger *t, const char *s, size_t n, char *why, size_t wl)
{
	char *text = malloc(n + 1);
	if (!text)
		return say(why, wl, "out of memory");
	memcpy(text, s, n);
	text[n] = '\0';
	struct cm_var_list l = {0};
	char err[256];
	int rc = cm_vars_parse(text, &l, err, sizeof err);
	free(text);
	if (rc < 0) {
		const char *colon = strstr(err, "\": ");
		return say(why, wl, "%s", colon ? colon + 3 : err);
	}
	if (l.all || l.n != 1 || l.v[0].kind == CM_KIND_STRING) {
		rc = say(why, wl, l.all ? "a trigger watches one var, not *"
			 : l.n != 1    ? "a trigger watches one var"
				       : "a str: var has no number to compare");
		cm_vars_free(&l);
		return rc;
	}
	t->var = l.v[0];
	free(l.v);
	return 0;
}

/* "VAR OP NUMBER:KINDS[:OPTIONS]" into t. */
static int parse_trigger(struct cm_trigger *t, const char *s, size_t n, char *why, size_t wl)
{
	size_t op = op_at(s, n);
	if (op == n)
		return say(why, wl, "no comparison: want VAR>NUMBER:KINDS (>, >=, <, <=)");
	const char *v = s;
	size_t vn = op;
	trim(&v, &vn);
	if (!vn)
		return say(why, wl, "no var before the comparison");
	bool ge = op + 1 < n && s[op + 1] == '=';
	t->op = s[op] == '>' ? (ge ? CM_TRIG_GE : CM_TRIG_GT) : (ge ? CM_TRIG_LE : CM_TRIG_LT);
	const char *rest = s + op + 1 + ge;
	size_t rn = n - op - 1 - ge;
	size_t c1 = cm_vars_find_outside(rest, rn, ':');
	if (c1 == rn)
		return say(why, wl, "no profile kinds: want VAR>NUMBER:KINDS (cpu, heap, ...)");
	size_t c2 = c1 + 1 + cm_vars_find_outside(rest + c1 + 1, rn - c1 - 1, ':');
	if (parse_number(t, rest, c1, why, wl) < 0 ||
	    each_item(t, rest + c1 + 1, (c2 < rn ? c2 : rn) - c1 - 1, why, wl, parse_kind) < 0 ||
	    (c2 < rn && each_item(t, rest + c2 + 1, rn - c2 - 1, why, wl, parse_option) < 0))
		return -1;
	if (parse_var(t, v, vn, why, wl) < 0)
		return -1;
	size_t tn = op + 1 + ge + c1;
	trim(&s, &tn);
	t->text = malloc(tn + 1);
	if (!t->text)
		return say(why, wl, "out of memory");
	memcpy(t->text, s, tn);
	t->text[tn] = '\0';
	return 0;
}

static void trigger_free(struct cm_trigger *t)
{
	free(t->text);
	cm_var_free(&t->var);
	free(t->svc);
	memset(t, 0, sizeof *t);
}

static void part_error(char *err, size_t errlen, const char *s, size_t n, const char *why)
{
	if (n > 200)
		snprintf(err, errlen, "bad -trigger \"%.*s...\": %s", 200, s, why);
	else
		snprintf(err, errlen, "bad -trigger \"%.*s\": %s", (int)n, s, why);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int add_part(struct cm_trigger_set *set, const char *s, size_t n, char *err,
		    size_t errlen)
{
	char why[200];
	trim(&s, &n);
	struct cm_trigger t = {.for_polls = 1, .cooldown = CM_TRIGGER_COOLDOWN_DEFAULT};
	int rc = -1;
	if (!n)
		say(why, sizeof why, "empty trigger");
	else if (n > PART_MAX)
		say(why, sizeof why, "longer than %d bytes", PART_MAX);
	else if (set->n >= CM_TRIGGERS_MAX)
		say(why, sizeof why, "more than %d triggers", CM_TRIGGERS_MAX);
	else
		rc = parse_trigger(&t, s, n, why, sizeof why);
	struct cm_trigger *v = rc == 0 ? realloc(set->v, (set->n + 1) * sizeof *v) : NULL;
	if (!v) {
		if (rc == 0)
			say(why, sizeof why, "out of memory");
		trigger_free(&t);
		part_error(err, errlen, s, n, why);
		return -1;
	}
	set->v = v;
	set->v[set->n++] = t;
	return 0;
}

/* What add_part gets from each_part. */
struct part_ctx {
	struct cm_trigger_set *set;
	char *err;
	size_t errlen;
};

static int part(void *ctx, const char *s, size_t n)
{
	struct part_ctx *c = ctx;
	return add_part(c->set, s, n, c->err, c->errlen);
}

int cm_triggers_parse(struct cm_trigger_set *set, const char *spec, char *err, size_t errlen)
{
	struct part_ctx c = {set, err, errlen};
	return each_part(spec, strlen(spec), ';', part, &c);
}

/* ---- binding to the monitor's vars ---- */

static bool same_var(const struct cm_var *a, const struct cm_var *b)
{
	return a->rate == b->rate && a->source == b->source && a->title && b->title &&
	       !strcmp(a->title, b->title);
}

int cm_triggers_bind(struct cm_trigger_set *set, struct cm_var_list *vars)
{
	for (size_t k = 0; k < set->n; k++) {
		struct cm_trigger *t = &set->v[k];
		size_t i = 0;
		while (i < vars->n && !same_var(&vars->v[i], &t->var))
			i++;
		t->var_index = i;
		if (i < vars->n)
			continue;
		if (vars->n >= CM_VARS_MAX)
			return -1;
		struct cm_var *v = realloc(vars->v, (vars->n + 1) * sizeof *v);
		if (!v)
			return -1;
		vars->v = v;
		vars->v[vars->n++] = t->var; /* moved: the trigger reads its column */
		memset(&t->var, 0, sizeof t->var);
	}
	return 0;
}

/* ---- evaluation ---- */

int cm_triggers_resize(struct cm_trigger_set *set, size_t nsvc, const size_t *to, size_t nold)
{
	size_t cap = nsvc ? nsvc : 1;
	struct cm_trigger_svc **fresh = calloc(set->n ? set->n : 1, sizeof *fresh);
	bool *busy = calloc(cap, sizeof *busy);
	bool ok = fresh && busy;
	for (size_t k = 0; ok && k < set->n; k++)
		ok = (fresh[k] = calloc(cap, sizeof **fresh)) != NULL;
	if (!ok) {
		for (size_t k = 0; fresh && k < set->n; k++)
			free(fresh[k]);
		free(fresh);
		free(busy);
		return -1;
	}
	for (size_t o = 0; to && o < nold && o < set->nsvc; o++) {
		if (to[o] >= nsvc)
			continue;
		busy[to[o]] = set->cpu_busy[o];
		for (size_t k = 0; k < set->n; k++)
			fresh[k][to[o]] = set->v[k].svc[o];
	}
	for (size_t k = 0; k < set->n; k++) {
		free(set->v[k].svc);
		set->v[k].svc = fresh[k];
	}
	free(fresh);
	free(set->cpu_busy);
	set->cpu_busy = busy;
	set->nsvc = nsvc;
	return 0;
}

bool cm_trigger_holds(const struct cm_trigger *t, const struct cm_var *var, double value)
{
	if (isnan(value))
		return false;
	if (t->duration_unit && var->kind == CM_KIND_DURATION && var->unit_ns > 0)
		value *= var->unit_ns;
	switch (t->op) {
	case CM_TRIG_GT:
		return value > t->threshold;
	case CM_TRIG_GE:
		return value >= t->threshold;
	case CM_TRIG_LT:
		return value < t->threshold;
	case CM_TRIG_LE:
		return value <= t->threshold;
	}
	return false;
}

/* Trigger t's condition on service s now; false when N/A. */
static bool condition(const struct cm_trigger *t, const struct cm_monitor *m,
		      const struct cm_service *s)
{
	if (t->var_index >= m->vars.n || t->var_index >= s->ncells || s->state != CM_SVC_UP)
		return false;
	const struct cm_value *v = &s->cells[t->var_index].value;
	return v->state == CM_VALUE_NUMBER &&
	       cm_trigger_holds(t, &m->vars.v[t->var_index], v->num);
}

/* One trigger's state on one service after a poll: true when it fires. */
static bool step(const struct cm_trigger *t, struct cm_trigger_svc *st, bool holds, double now)
{
	if (!holds) {
		st->streak = 0;
		st->fired = false; /* re-armed */
		return false;
	}
	if (st->streak < t->for_polls)
		st->streak++;
	if (st->streak < t->for_polls || st->fired)
		return false;
	if (st->last > 0 && now - st->last < t->cooldown)
		return false; /* still armed: fires once the cooldown is over */
	st->fired = true;
	st->last = now;
	return true;
}

size_t cm_triggers_eval(struct cm_trigger_set *set, const struct cm_monitor *m, size_t svc,
			double now, struct cm_trigger_fire *out, size_t cap)
{
	if (svc >= set->nsvc || svc >= m->nsvc)
		return 0;
	size_t n = 0;
	for (size_t k = 0; k < set->n; k++) {
		struct cm_trigger *t = &set->v[k];
		if (!step(t, &t->svc[svc], condition(t, m, &m->svc[svc]), now) || n >= cap)
			continue;
		unsigned kinds = t->kinds;
		if (set->cpu_busy[svc])
			kinds &= ~(1u << CM_PROF_CPU);
		if (kinds & (1u << CM_PROF_CPU))
			set->cpu_busy[svc] = true;
		out[n++] = (struct cm_trigger_fire){k, kinds};
	}
	return n;
}

void cm_triggers_cpu_busy(struct cm_trigger_set *set, size_t svc, bool busy)
{
	if (svc < set->nsvc)
		set->cpu_busy[svc] = busy;
}

void cm_trigger_kinds_text(char *buf, size_t len, unsigned kinds)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (int k = 0; k < CM_PROF_KINDS; k++) {
		if (!(kinds & (1u << k)) || used >= len)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
				 cm_prof_kind_name(k));
		used += w > 0 ? (size_t)w : 0;
	}
}

void cm_triggers_free(struct cm_trigger_set *set)
{
	for (size_t k = 0; k < set->n; k++)
		trigger_free(&set->v[k]);
	free(set->v);
	free(set->cpu_busy);
	memset(set, 0, sizeof *set);
}
