/* -trigger: its grammar and errors, the binding to -vars, the firing
 * (for=, the re-arming, the cooldown, one CPU capture per service at a
 * time), and the capture store the captures go to. */
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cmon/monitor/capstore.h"
#include "cmon/monitor/monitor.h"
#include "cmon/monitor/trigger.h"

static void parse_ok(struct cm_trigger_set *s, const char *spec)
{
	char err[256] = "";
	*s = (struct cm_trigger_set){0};
	CHECK_MSG(cm_triggers_parse(s, spec, err, sizeof err) == 0, "%s: %s", spec, err);
}

static void parse_bad(const char *spec, const char *want)
{
	struct cm_trigger_set s = {0};
	char err[256] = "";
	CHECK_MSG(cm_triggers_parse(&s, spec, err, sizeof err) < 0, "%s parsed", spec);
	CHECK_STR(err, want, spec);
	cm_triggers_free(&s);
}

static void test_grammar(void)
{
	struct cm_trigger_set s;
	parse_ok(&s, "rate:requests>500:cpu,heap");
	CHECK(s.n == 1);
	CHECK_STR(s.v[0].text, "rate:requests>500", "text");
	CHECK(s.v[0].op == CM_TRIG_GT && s.v[0].threshold == 500 && !s.v[0].duration_unit);
	CHECK(s.v[0].kinds == ((1u << CM_PROF_CPU) | (1u << CM_PROF_HEAP)));
	CHECK(s.v[0].var.rate && !strcmp(s.v[0].var.title, "requests"));
	CHECK(s.v[0].for_polls == 1 && s.v[0].cooldown == CM_TRIGGER_COOLDOWN_DEFAULT);
	cm_triggers_free(&s);

	parse_ok(&s, "memstats.HeapAlloc>1GB:heap,goroutine; @goroutines >= 1.5e3 :goroutine:"
		     "for=3,cooldown=10m");
	CHECK(s.n == 2);
	CHECK(s.v[0].threshold == 1073741824.0);
	CHECK(s.v[1].op == CM_TRIG_GE && s.v[1].threshold == 1500);
	CHECK(s.v[1].var.source == CM_SOURCE_GOROUTINES);
	CHECK(s.v[1].for_polls == 3 && s.v[1].cooldown == 600);
	CHECK_STR(s.v[1].text, "@goroutines >= 1.5e3", "spaces kept inside");
	cm_triggers_free(&s);

	parse_ok(&s, "dur:memstats.PauseNs[-1]<=500ms:cpu");
	CHECK(s.v[0].op == CM_TRIG_LE && s.v[0].threshold == 5e8 && s.v[0].duration_unit);
	/* a repeated flag appends */
	char err[256];
	CHECK(cm_triggers_parse(&s, "x<-2:mutex", err, sizeof err) == 0);
	CHECK(s.n == 2 && s.v[1].op == CM_TRIG_LT && s.v[1].threshold == -2);
	cm_triggers_free(&s);

	/* a Prometheus selector's '>' inside quotes is not the comparison */
	parse_ok(&s, "http_requests_total{path=\"a>b\"}>5:cpu");
	CHECK(s.n == 1 && s.v[0].threshold == 5);
	cm_triggers_free(&s);

	parse_bad("rate:requests:cpu", "bad -trigger \"rate:requests:cpu\": no comparison: "
				       "want VAR>NUMBER:KINDS (>, >=, <, <=)");
	parse_bad("rate:requests>500", "bad -trigger \"rate:requests>500\": no profile kinds: "
				       "want VAR>NUMBER:KINDS (cpu, heap, ...)");
	parse_bad("rate:requests>>5:cpu", "bad -trigger \"rate:requests>>5:cpu\": want a number "
					  "after the comparison, such as 500, 1.5e3, 1GB or 500ms");
	parse_bad("x>5XB:cpu", "bad -trigger \"x>5XB:cpu\": unknown unit \"XB\" (B, KB, MB, GB, "
			       "TB; ns, us, ms, s, m, h)");
	parse_bad("x>5:cpux", "bad -trigger \"x>5:cpux\": unknown profile kind \"cpux\" (cpu, "
			      "heap, allocs, goroutine, block, mutex, threadcreate)");
	parse_bad("x>5:cpu,", "bad -trigger \"x>5:cpu,\": no profile kind: name them after a "
			      "':' (cpu, heap, ...)");
	parse_bad("x>5:cpu:for=0", "bad -trigger \"x>5:cpu:for=0\": for=0: want a number of "
				   "polls, 1 to 1000000");
	parse_bad("x>5:cpu:cooldown=soon", "bad -trigger \"x>5:cpu:cooldown=soon\": "
					   "cooldown=soon: want a duration such as 30s, 5m, 1h");
	/* a value past the option's buffer is named as such, not unknown */
	parse_bad("x>5:cpu:cooldown=1111111111111111111111111111111111111111111111111111111111111111s",
		  "bad -trigger \"x>5:cpu:cooldown=1111111111111111111111111111111111111111111111111111"
		  "111111111111s\": cooldown= value of 65 bytes: too long for a duration");
	parse_bad("x>5:cpu:every=2", "bad -trigger \"x>5:cpu:every=2\": unknown option "
				     "\"every=2\" (for=N, cooldown=DURATION)");
	parse_bad("foo:x>5:cpu", "bad -trigger \"foo:x>5:cpu\": unknown kind \"foo\" (mem, "
				 "duration, dur, dur.ms, str, rate, raw, p99)");
	parse_bad("str:version>1:cpu", "bad -trigger \"str:version>1:cpu\": a str: var has no "
				       "number to compare");
	parse_bad("*>1:cpu", "bad -trigger \"*>1:cpu\": a trigger watches one var, not *");
	parse_bad(">1:cpu", "bad -trigger \">1:cpu\": no var before the comparison");
	parse_bad("x>1:cpu;;y>2:heap", "bad -trigger \"\": empty trigger");
}

/* The var a trigger watches: found in -vars, or added. */
static void test_bind(void)
{
	struct cm_var_list vars = {0};
	char err[256];
	CHECK(cm_vars_parse("mem:memstats.HeapAlloc,rate:requests", &vars, err, sizeof err) == 0);
	struct cm_trigger_set s;
	parse_ok(&s, "memstats.HeapAlloc>1GB:heap;requests>5:cpu;rate:requests>5:cpu");
	CHECK(cm_triggers_bind(&s, &vars) == 0);
	CHECK(s.v[0].var_index == 0); /* the display kind does not matter */
	CHECK(s.v[1].var_index == 2); /* not a rate: added */
	CHECK(s.v[2].var_index == 1);
	CHECK(vars.n == 3 && !vars.v[2].rate && !strcmp(vars.v[2].title, "requests"));
	cm_triggers_free(&s);
	cm_vars_free(&vars);
}

/* A monitor of two services watching requests, with the set bound. */
static void setup(struct cm_monitor *m, struct cm_trigger_set *s, const char *spec)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	char err[256];
	CHECK(cm_targets_parse("127.0.0.1:1,127.0.0.1:2", &t, err, sizeof err) == 0);
	CHECK(cm_vars_parse("requests", &v, err, sizeof err) == 0);
	parse_ok(s, spec);
	CHECK(cm_triggers_bind(s, &v) == 0);
	CHECK(cm_monitor_init(m, &t, &v, "/debug/vars") == 0);
	CHECK(cm_triggers_resize(s, m->nsvc, NULL, 0) == 0);
}

/* Service i answers requests=x at now; the firings' count (kinds in *k). */
static size_t poll(struct cm_monitor *m, struct cm_trigger_set *s, size_t i, long x,
		   double now, unsigned *k)
{
	char b[128];
	int n = snprintf(b, sizeof b, "{\"requests\": %ld}", x);
	CHECK(cm_monitor_vars_result(m, i, b, (size_t)n, NULL, now) == 0);
	struct cm_trigger_fire f[4];
	size_t nf = cm_triggers_eval(s, m, i, now, f, 4);
	if (k)
		*k = nf ? f[0].kinds : 0;
	return nf;
}

static void test_fire_rearm_cooldown(void)
{
	struct cm_monitor m;
	struct cm_trigger_set s;
	setup(&m, &s, "requests>100:heap:cooldown=60s");
	CHECK(poll(&m, &s, 0, 50, 1000, NULL) == 0);
	CHECK(poll(&m, &s, 0, 150, 1001, NULL) == 1);  /* became true */
	CHECK(poll(&m, &s, 0, 150, 1002, NULL) == 0);  /* stays true: no loop */
	CHECK(poll(&m, &s, 0, 150, 2000, NULL) == 0);  /* not even after the cooldown */
	CHECK(poll(&m, &s, 0, 50, 2001, NULL) == 0);   /* false: re-armed */
	CHECK(poll(&m, &s, 0, 150, 2002, NULL) == 1);
	CHECK(poll(&m, &s, 0, 50, 2003, NULL) == 0);
	CHECK(poll(&m, &s, 0, 150, 2004, NULL) == 0);  /* within the cooldown: held */
	CHECK(poll(&m, &s, 0, 150, 2061, NULL) == 0);  /* 59 s after */
	CHECK(poll(&m, &s, 0, 150, 2062, NULL) == 1);  /* still true once it is over: fires */
	/* the other service has its own state */
	CHECK(poll(&m, &s, 1, 150, 2062, NULL) == 1);
	/* down is false */
	CHECK(cm_monitor_vars_result(&m, 1, NULL, 0, "connection refused", 2063) == 0);
	CHECK(cm_triggers_eval(&s, &m, 1, 2063, (struct cm_trigger_fire[1]){{0}}, 1) == 0);
	CHECK(s.v[0].svc[1].streak == 0 && !s.v[0].svc[1].fired);
	cm_triggers_free(&s);
	cm_monitor_free(&m);
}

static void test_for_polls(void)
{
	struct cm_monitor m;
	struct cm_trigger_set s;
	setup(&m, &s, "requests>=100:goroutine:for=3");
	CHECK(poll(&m, &s, 0, 100, 1, NULL) == 0);
	CHECK(poll(&m, &s, 0, 100, 2, NULL) == 0);
	CHECK(poll(&m, &s, 0, 99, 3, NULL) == 0); /* the streak breaks */
	CHECK(poll(&m, &s, 0, 100, 4, NULL) == 0);
	CHECK(poll(&m, &s, 0, 100, 5, NULL) == 0);
	unsigned k;
	CHECK(poll(&m, &s, 0, 100, 6, &k) == 1 && k == 1u << CM_PROF_GOROUTINE);
	cm_triggers_free(&s);
	cm_monitor_free(&m);
}

/* At most one CPU capture per service: a second firing captures its other
 * kinds; the app's word frees it. */
static void test_one_cpu(void)
{
	struct cm_monitor m;
	struct cm_trigger_set s;
	setup(&m, &s, "requests>100:cpu,heap:cooldown=0s;requests>200:cpu");
	unsigned k;
	CHECK(poll(&m, &s, 0, 150, 1, &k) == 1 && k == ((1u << CM_PROF_CPU) | (1u << CM_PROF_HEAP)));
	CHECK(s.cpu_busy[0] && !s.cpu_busy[1]);
	CHECK(poll(&m, &s, 0, 50, 2, NULL) == 0);
	CHECK(poll(&m, &s, 0, 150, 3, &k) == 1 && k == 1u << CM_PROF_HEAP); /* cpu still runs */
	struct cm_trigger_fire f[4];
	CHECK(poll(&m, &s, 1, 250, 3, NULL) == 2); /* another service: its own CPU */
	CHECK(cm_monitor_vars_result(&m, 1, "{\"requests\": 250}", 17, NULL, 4) == 0);
	cm_triggers_cpu_busy(&s, 0, false);
	CHECK(poll(&m, &s, 0, 50, 5, NULL) == 0);
	CHECK(cm_monitor_vars_result(&m, 0, "{\"requests\": 250}", 17, NULL, 6) == 0);
	size_t nf = cm_triggers_eval(&s, &m, 0, 6, f, 4);
	CHECK(nf == 2 && f[0].kinds == ((1u << CM_PROF_CPU) | (1u << CM_PROF_HEAP)) &&
	      f[1].trigger == 1 && f[1].kinds == 0); /* both fire: one CPU capture */

	/* services change: the state follows */
	size_t to[2] = {SIZE_MAX, 0};
	CHECK(cm_triggers_resize(&s, 1, to, 2) == 0);
	CHECK(s.nsvc == 1 && s.cpu_busy[0] && s.v[0].svc[0].fired);
	char kinds[64];
	cm_trigger_kinds_text(kinds, sizeof kinds, s.v[0].kinds);
	CHECK_STR(kinds, "cpu,heap", "kinds text");
	cm_triggers_free(&s);
	cm_monitor_free(&m);
}

static void test_holds_units(void)
{
	struct cm_trigger_set s;
	parse_ok(&s, "dur.ms:last_ms>2s:cpu;last_ns>2s:cpu");
	struct cm_var_list vars = {0};
	CHECK(cm_triggers_bind(&s, &vars) == 0);
	CHECK(cm_trigger_holds(&s.v[0], &vars.v[0], 2001));  /* ms: 2.001 s */
	CHECK(!cm_trigger_holds(&s.v[0], &vars.v[0], 1999));
	CHECK(cm_trigger_holds(&s.v[1], &vars.v[1], 2000000001.0)); /* a plain number: ns */
	CHECK(!cm_trigger_holds(&s.v[1], &vars.v[1], NAN));
	cm_triggers_free(&s);
	cm_vars_free(&vars);
}

static void test_capstore(void)
{
	struct cm_capstore st;
	cm_capstore_init(&st, 3, 100);
	struct cm_capture c = {.svc = 0, .kind = CM_PROF_CPU, .t_start = 1, .t = 11};
	snprintf(c.what, sizeof c.what, "cpu 10s");
	unsigned char d[60] = {1};
	uint32_t a = cm_capstore_add(&st, &c, d, 40);
	c.kind = CM_PROF_HEAP;
	uint32_t b = cm_capstore_add(&st, &c, d, 40);
	c.kind = CM_PROF_CPU;
	c.svc = 1;
	uint32_t e = cm_capstore_add(&st, &c, d, 10);
	CHECK(a == 1 && b == 2 && e == 3 && st.n == 3 && st.bytes == 90);
	CHECK(cm_capstore_get(&st, 2)->kind == CM_PROF_HEAP);
	CHECK(cm_capstore_step(&st, 0, -1, 0, CM_PROF_CPU)->id == 1);
	CHECK(cm_capstore_step(&st, 1, 1, 0, CM_PROF_CPU) == NULL);
	CHECK(cm_capstore_step(&st, 0, -1, 1, CM_PROF_CPU)->id == 3);
	/* over the budget: the oldest go */
	uint32_t f = cm_capstore_add(&st, &c, d, 60);
	CHECK(f == 4 && !cm_capstore_get(&st, 1) && !cm_capstore_get(&st, 2));
	CHECK(st.n == 2 && st.bytes == 70);
	CHECK(cm_capstore_add(&st, &c, d, 101) == 0 && st.n == 2); /* alone over it */
	/* over the count */
	cm_capstore_add(&st, &c, d, 1);
	cm_capstore_add(&st, &c, d, 1);
	CHECK(st.n == 3 && !cm_capstore_get(&st, 3) && cm_capstore_get(&st, 4));
	size_t to[2] = {SIZE_MAX, 0};
	cm_capstore_services_changed(&st, to, 2);
	CHECK(cm_capstore_get(&st, 4)->svc == 0);
	cm_capstore_free(&st);
}

int main(void)
{
	test_grammar();
	test_bind();
	test_fire_rearm_cooldown();
	test_for_polls();
	test_one_cpu();
	test_holds_units();
	test_capstore();
	return check_status("test_trigger");
}
