/* The monitor model fed by hand: states, names, restarts, rates, counts,
 * "-vars=*" discovery and the -dummy/-once text. */
#include "check.h"
#include "monitor_make.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "cmon/monitor/monitor.h"


/* The body of a Go service: cmdline, a counter and a slice of memstats. */
static int body(char *buf, size_t cap, const char *prog, long requests, long numgc,
		long alloc)
{
	return snprintf(buf, cap,
			"{\"cmdline\": [\"%s\", \"-addr\", \":0\"], \"requests\": %ld, "
			"\"version\": \"v1.2\", \"memstats\": {\"Alloc\": %ld, \"NumGC\": %ld, "
			"\"TotalAlloc\": 99999, \"Mallocs\": 10, \"PauseTotalNs\": 5000}}",
			prog, requests, alloc, numgc);
}

static char *text_of(const struct cm_monitor *m, double now)
{
	static char out[4096]; /* test only */
	struct cm_strbuf b = {0};
	cm_monitor_text(m, &b, now, CM_CLEAN_UTF8);
	CHECK(!b.oom);
	snprintf(out, sizeof out, "%s", b.s ? b.s : "");
	cm_strbuf_free(&b);
	return out;
}

static void test_up_rate_text(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1", "mem:memstats.Alloc,rate:requests,str:version,@goroutines");
	CHECK_STR(m.svc[0].name, "127.0.0.1:1", "name before the first answer");
	CHECK(m.svc[0].state == CM_SVC_WAITING);
	CHECK(cm_monitor_needs(&m, CM_SOURCE_GOROUTINES));
	CHECK(!cm_monitor_needs(&m, CM_SOURCE_THREADS));
	char b[512];
	int n = body(b, sizeof b, "/usr/local/bin/demo", 10, 5, 2048);
	CHECK(cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 1000) == 0);
	struct cm_service *s = &m.svc[0];
	CHECK(s->state == CM_SVC_UP);
	CHECK_STR(s->name, "demo", "name from cmdline[0]");
	CHECK(s->cells[0].value.state == CM_VALUE_NUMBER && s->cells[0].value.num == 2048);
	CHECK(s->cells[1].value.state == CM_VALUE_NA); /* a rate needs two samples */
	CHECK(s->cells[2].value.state == CM_VALUE_TEXT);
	CHECK(s->cells[0].series.len == 1);
	CHECK(s->cells[2].series.len == 0); /* str: vars are not graphed */

	n = body(b, sizeof b, "/usr/local/bin/demo", 30, 6, 4096);
	CHECK(cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 1002) == 0);
	CHECK(s->cells[1].value.state == CM_VALUE_NUMBER && s->cells[1].value.num == 10);
	CHECK(!cm_service_restarted(s, 1002));

	const char *g = "goroutine profile: total 17\n1 @ 0x1\n";
	cm_monitor_count_result(&m, 0, CM_SOURCE_GOROUTINES, g, strlen(g), NULL, 1002);
	CHECK(s->cells[3].value.state == CM_VALUE_NUMBER && s->cells[3].value.i == 17);

	char *t = text_of(&m, 1002);
	CHECK_MSG(strstr(t, "\ndemo: Alloc: 4.0KB, requests: 10.00/s, version: v1.2, goroutines: 17\n"),
		  "text: %s", t);
	CHECK(cm_monitor_exit_status(&m) == 0);
	cm_monitor_free(&m);
}

static void test_down_and_counts(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2", "memstats.Alloc,@threads");
	char b[512];
	int n = body(b, sizeof b, "svc", 1, 1, 1);
	CHECK(cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 10) == 0);
	CHECK(cm_monitor_vars_result(&m, 1, NULL, 0, "connection refused", 10) == 0);
	CHECK(m.svc[1].state == CM_SVC_DOWN);
	CHECK_STR(m.svc[1].error, "connection refused", "the fetch's reason");
	/* A service without pprof: N/A with the reason, and still up. */
	cm_monitor_count_result(&m, 0, CM_SOURCE_THREADS, NULL, 0, "HTTP 404 Not Found", 10);
	CHECK(m.svc[0].state == CM_SVC_UP);
	CHECK(m.svc[0].cells[1].value.state == CM_VALUE_NA);
	CHECK_STR(m.svc[0].count_error[1], "HTTP 404 Not Found", "count reason");
	cm_monitor_count_result(&m, 0, CM_SOURCE_THREADS, "garbage", 7, NULL, 10);
	CHECK(m.svc[0].count_error[1][0] != '\0');
	char *t = text_of(&m, 10);
	CHECK_MSG(strstr(t, "\nsvc: Alloc: 1, threads: N/A\n127.0.0.1:2: ERROR: connection refused\n"),
		  "text: %s", t);
	CHECK(cm_monitor_exit_status(&m) == 1);

	/* The index page sets the thread count (the only count wanted) and
	 * clears the reason; a page without it changes nothing. */
	const char *page = "<tr><td>31</td><td><a href='goroutine?debug=1'>goroutine</a>\n"
			   "<tr><td>12</td><td><a href='threadcreate?debug=1'>threadcreate</a>\n";
	CHECK(cm_monitor_index_result(&m, 0, page, strlen(page), 10) == 0);
	CHECK(m.svc[0].cells[1].value.state == CM_VALUE_NUMBER && m.svc[0].cells[1].value.i == 12);
	CHECK(m.svc[0].count_error[1][0] == '\0');
	const char *partial = "<tr><td>31</td><td><a href='goroutine?debug=1'>goroutine</a>\n";
	size_t samples = m.svc[0].cells[1].series.len;
	CHECK(cm_monitor_index_result(&m, 0, partial, strlen(partial), 10) == -1);
	CHECK(m.svc[0].cells[1].value.i == 12);
	CHECK(m.svc[0].cells[1].series.len == samples);

	/* A body that is not JSON takes the service down and says so. */
	CHECK(cm_monitor_vars_result(&m, 0, "{\"a\":", 5, NULL, 11) == 0);
	CHECK(m.svc[0].state == CM_SVC_DOWN);
	CHECK_MSG(strstr(m.svc[0].error, "bad /debug/vars") != NULL, "%s", m.svc[0].error);
	CHECK(isnan(cm_series_back(&m.svc[0].cells[0].series, 0))); /* a gap */
	cm_monitor_free(&m);
}

static void test_restarts(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1", "memstats.Alloc");
	struct cm_service *s = &m.svc[0];
	char b[512];
	int n = body(b, sizeof b, "a", 1, 9, 1);
	cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 100);
	/* A transient failure is not a restart (expvarmon's sticky mark). */
	cm_monitor_vars_result(&m, 0, NULL, 0, "timed out after 1000 ms", 101);
	n = body(b, sizeof b, "a", 1, 9, 1);
	cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 102);
	CHECK(!cm_service_restarted(s, 102));
	/* NumGC went back: a new process. */
	n = body(b, sizeof b, "a", 1, 2, 1);
	cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 103);
	CHECK(cm_service_restarted(s, 103));
	CHECK(s->restarted_at == 103);
	CHECK(!cm_service_restarted(s, 103 + CM_RESTART_SHOW_SECONDS + 1)); /* not sticky */
	/* Another command line at the same address. */
	n = body(b, sizeof b, "b", 1, 3, 1);
	cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 300);
	CHECK(s->restarted_at == 300);
	CHECK_STR(s->name, "b", "renamed");
	cm_monitor_free(&m);
}

static void test_discover_all(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2", "*");
	CHECK(m.vars.all);
	const char *b = "{\"requests\": 5, \"name\": \"x\", \"memstats\": {\"Alloc\": 7, "
			"\"PauseNs\": [1, 2]}, \"a.b\": 1.5}";
	CHECK(cm_monitor_vars_result(&m, 0, b, strlen(b), NULL, 1) == 0);
	CHECK_MSG(m.vars.n == 3, "found %zu", m.vars.n);
	CHECK(m.svc[0].ncells == m.vars.n);
	bool alloc = false;
	for (size_t v = 0; v < m.vars.n; v++)
		if (!strcmp(m.vars.v[v].title, "memstats.Alloc"))
			alloc = m.svc[0].cells[v].value.num == 7;
	CHECK(alloc);
	/* The second service gets cells for vars the first one found. */
	CHECK(cm_monitor_vars_result(&m, 1, "{}", 2, NULL, 1) == 0);
	CHECK(m.svc[1].ncells == m.vars.n);
	CHECK(m.svc[1].cells[0].value.state == CM_VALUE_NA);
	cm_monitor_free(&m);
}

/* The default -history holds its budget when "*" adds vars: the window of
 * the series made after them shrinks to what the budget gives services x
 * vars; a -history given stays as given. */
static void test_discover_history(void)
{
	enum { NSVC = 1000, NVARS = 300 };
	struct cm_monitor m;
	char ports[32];
	snprintf(ports, sizeof ports, "127.0.0.1:1-%d", NSVC);
	for (int given = 0; given < 2; given++) {
		make(&m, ports, "*");
		m.dt = 1;
		m.history_auto = !given;
		m.history_cap = cm_monitor_history_cap(3600, 1);
		uint32_t before = m.history_cap;
		char body[NVARS * 16 + 8], *p = body;
		*p++ = '{';
		for (int i = 0; i < NVARS; i++)
			p += sprintf(p, "%s\"v%d\": %d", i ? ", " : "", i, i);
		strcpy(p, "}");
		CHECK(cm_monitor_vars_result(&m, 0, body, strlen(body), NULL, 1) == 0);
		CHECK_MSG(m.vars.n == NVARS, "found %zu", m.vars.n);
		uint32_t want = given ? before
				      : cm_monitor_history_cap(cm_monitor_default_history(
							       (size_t)NSVC * NVARS, 1), 1);
		CHECK_MSG(m.history_cap == want && (given || want < before),
			  "given %d: cap %u, want %u (was %u)", given, m.history_cap, want, before);
		CHECK(m.svc[0].ncells == NVARS && m.svc[0].cells[NVARS - 1].series.cap == want);
		cm_monitor_free(&m);
	}
}

/* Names, -vars=* keys, values and errors come from services: no escape
 * of theirs reaches the reader's terminal. */
static void test_text_is_clean(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2", "*");
	const char *b = "{\"cmdline\": [\"/bin/\\u001b]0;owned\\u0007x\\u009b31m\"], "
			"\"k\\u001b[2Jey\": 5}";
	CHECK(cm_monitor_vars_result(&m, 0, b, strlen(b), NULL, 1) == 0);
	CHECK(cm_monitor_vars_result(&m, 1, NULL, 0, "HTTP 500 \033[31mred", 1) == 0);
	char *t = text_of(&m, 1);
	CHECK_MSG(!strpbrk(t, "\033\a") && !strstr(t, "\xc2\x9b"), "text: %s", t);
	CHECK_MSG(strstr(t, "\n?]0;owned?x?31m: k?[2Jey: 5\n127.0.0.1:2: ERROR: HTTP 500 ?[31mred\n"),
		  "text: %s", t);
	/* Not UTF-8: ASCII only, and Go's "µs" as "us". */
	struct cm_strbuf sb = {0};
	cm_strbuf_clean(&sb, "1.5\xc2\xb5s \xc3\xa9", 0);
	CHECK_STR(sb.s, "1.5us ??", "ASCII reader");
	cm_strbuf_free(&sb);
	cm_monitor_free(&m);
}

/* Two instances of one program: the text tells them apart as the screen
 * does, by port. */
static void test_text_twins(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3", "requests");
	char b[512];
	for (size_t i = 0; i < 3; i++) {
		int n = body(b, sizeof b, i < 2 ? "/srv/api" : "/srv/web", 1, 1, 1);
		CHECK(cm_monitor_vars_result(&m, i, b, (size_t)n, NULL, 1) == 0);
	}
	char *t = text_of(&m, 1);
	CHECK_MSG(strstr(t, "\napi:1: requests: 1\napi:2: requests: 1\nweb: requests: 1\n"),
		  "text: %s", t);
	cm_monitor_free(&m);
}

/* Services behind one address, told apart by path only (a proxy): the
 * path is part of their label, named or not. */
static void test_text_twins_by_path(void)
{
	struct cm_monitor m;
	make(&m, "http://127.0.0.1:1/a/vars,http://127.0.0.1:1/b/vars,"
		 "http://127.0.0.1:1/c/vars,http://127.0.0.1:1/d/vars", "requests");
	char b[512];
	for (size_t i = 0; i < 2; i++) {
		int n = body(b, sizeof b, "/srv/api", 1, 1, 1);
		CHECK(cm_monitor_vars_result(&m, i, b, (size_t)n, NULL, 1) == 0);
	}
	for (size_t i = 2; i < 4; i++)
		CHECK(cm_monitor_vars_result(&m, i, NULL, 0, "connection refused", 1) == 0);
	char *t = text_of(&m, 1);
	CHECK_MSG(strstr(t, "\napi@127.0.0.1:1/a/vars: requests: 1\n"
			    "api@127.0.0.1:1/b/vars: requests: 1\n"
			    "127.0.0.1:1/c/vars: ERROR: connection refused\n"
			    "127.0.0.1:1/d/vars: ERROR: connection refused\n"),
		  "text: %s", t);
	cm_monitor_free(&m);
}

/* A body of n top-level numbers "k000000": 0, "k000001": 1, ... (keys of
 * one length: the length check rules none out), with a duplicate of the
 * first key at the end (the last one wins). Malloc'd. */
static char *wide_body(size_t n, size_t *len)
{
	size_t cap = n * 24 + 64;
	char *b = malloc(cap);
	size_t w = (size_t)snprintf(b, cap, "{\"cmdline\": [\"/bin/wide\"]");
	for (size_t i = 0; i < n; i++)
		w += (size_t)snprintf(b + w, cap - w, ", \"k%06zu\": %zu", i, i);
	w += (size_t)snprintf(b + w, cap - w, ", \"k000000\": -1}");
	*len = w;
	return b;
}

/* "k000000,k(step),k(2 step),..." for nvars vars. Malloc'd. */
static char *spread_vars(size_t nvars, size_t step)
{
	char *v = malloc(nvars * 9 + 1);
	size_t w = 0;
	for (size_t i = 0; i < nvars; i++)
		w += (size_t)sprintf(v + w, "%sk%06zu", i ? "," : "", i * step);
	return v;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of one poll of body by a monitor of nvars vars spread over
 * it (the least of three), checking the values read. */
static double poll_cost(const char *b, size_t len, size_t nvars, size_t step)
{
	struct cm_monitor m;
	char *vars = spread_vars(nvars, step);
	make(&m, "127.0.0.1:1", vars);
	double best = INFINITY;
	for (int round = 0; round < 3; round++) {
		double t0 = cpu_now();
		CHECK(cm_monitor_vars_result(&m, 0, b, len, NULL, 1 + round) == 0);
		double t = cpu_now() - t0;
		best = t < best ? t : best;
	}
	bool right = m.svc[0].ncells == nvars && m.svc[0].cells[0].value.num == -1;
	for (size_t v = 1; v < nvars && right; v++)
		right = m.svc[0].cells[v].value.num == (double)(v * step);
	CHECK_MSG(right, "%zu vars: wrong values", nvars);
	cm_monitor_free(&m);
	free(vars);
	return best;
}

/* Reading the vars costs a walk of the body, not a scan of it per var:
 * 1000 vars cost about what 100 do on a 100,000-key body (issue 10:
 * "-vars=*" took 200 ms of CPU a poll, vars x keys). The bound is
 * generous: a scan per var makes the ratio about 8. */
static void test_many_vars_linear(void)
{
	size_t len;
	char *b = wide_body(100000, &len);
	double few = poll_cost(b, len, 100, 1000), many = poll_cost(b, len, 1000, 100);
	CHECK_MSG(many < 3 * few + 0.002, "1000 vars: %.1f ms, 100 vars: %.1f ms a poll",
		  many * 1e3, few * 1e3);
	printf("100,000 keys: 100 vars %.1f ms, 1000 vars %.1f ms a poll\n", few * 1e3,
	       many * 1e3);

	/* "*" on the same body: the first 1024 numbers, each its own value */
	struct cm_monitor m;
	make(&m, "127.0.0.1:1", "*");
	CHECK(cm_monitor_vars_result(&m, 0, b, len, NULL, 1) == 0);
	CHECK_MSG(m.vars.n == 1024, "found %zu", m.vars.n);
	bool right = m.svc[0].ncells == m.vars.n && m.svc[0].cells[0].value.num == -1;
	for (size_t v = 1; v < m.vars.n && right; v++)
		right = m.svc[0].cells[v].value.num == (double)v;
	CHECK(right);
	cm_monitor_free(&m);
	free(b);
}

/* A var no service has is named, with the nearest path the services did
 * publish, once every service was polled; -once's status says it. */
static void test_missing_vars(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2",
	     "mem:memstats.Aloc,requests,memstats.NumGc,cmdline,nothing_like_it,memstats.Late");
	char b[512], line[320];
	int n = body(b, sizeof b, "/srv/api", 1, 1, 1);
	CHECK(cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 1) == 0);
	/* the second service has not answered yet: not missing, only late */
	CHECK(!cm_monitor_missing_var(&m, 0, line, sizeof line));
	CHECK(cm_monitor_vars_result(&m, 1, NULL, 0, "connection refused", 1) == 0);
	CHECK(cm_monitor_missing_var(&m, 0, line, sizeof line));
	CHECK_STR(line, "no var memstats.Aloc on any service; did you mean memstats.Alloc?", "typo");
	CHECK(cm_monitor_missing_var(&m, 1, line, sizeof line));
	CHECK_STR(line, "no var memstats.NumGc on any service; did you mean memstats.NumGC?", "case");
	CHECK(cm_monitor_missing_var(&m, 2, line, sizeof line));
	CHECK_STR(line, "no var nothing_like_it on any service", "nothing near");
	CHECK(cm_monitor_missing_var(&m, 3, line, sizeof line));
	CHECK_STR(line, "no var memstats.Late on any service", "late var");
	CHECK(!cm_monitor_missing_var(&m, 4, line, sizeof line));
	CHECK(cm_monitor_exit_status(&m) == 1);
	/* a var published later is found: no longer named */
	const char *late = "{\"requests\": 2, \"memstats\": {\"Late\": 3}}";
	CHECK(cm_monitor_vars_result(&m, 1, late, strlen(late), NULL, 2) == 0);
	CHECK(cm_monitor_missing_var(&m, 2, line, sizeof line));
	CHECK_STR(line, "no var nothing_like_it on any service", "still missing");
	CHECK(!cm_monitor_missing_var(&m, 3, line, sizeof line));
	cm_monitor_free(&m);

	/* every var found, every service up: 0 */
	make(&m, "127.0.0.1:1", "requests,mem:memstats.Alloc");
	n = body(b, sizeof b, "/srv/api", 1, 1, 1);
	CHECK(cm_monitor_vars_result(&m, 0, b, (size_t)n, NULL, 1) == 0);
	CHECK(!cm_monitor_missing_var(&m, 0, line, sizeof line));
	CHECK(cm_monitor_exit_status(&m) == 0);
	cm_monitor_free(&m);

	/* "*" names its vars by their whole path: two Allocs stay apart */
	make(&m, "127.0.0.1:1", "*");
	const char *two = "{\"memstats\": {\"Alloc\": 1}, \"runtime\": {\"Alloc\": 2}}";
	CHECK(cm_monitor_vars_result(&m, 0, two, strlen(two), NULL, 1) == 0);
	CHECK(m.vars.n == 2);
	if (m.vars.n == 2) {
		CHECK_STR(m.vars.v[0].label, "memstats.Alloc", "* label");
		CHECK_STR(m.vars.v[1].label, "runtime.Alloc", "* label");
	}
	CHECK(!cm_monitor_missing_var(&m, 0, line, sizeof line));
	cm_monitor_free(&m);
}

static void test_edit_distance(void)
{
	CHECK(cm_edit_distance("memstats.Aloc", "memstats.Alloc", 3) == 1);
	CHECK(cm_edit_distance("kitten", "sitting", 5) == 3);
	CHECK(cm_edit_distance("kitten", "sitting", 2) == 3); /* past max: max + 1 */
	CHECK(cm_edit_distance("", "abc", 5) == 3);
	CHECK(cm_edit_distance("same", "same", 0) == 0);
}

/* A recorded poll replayed: the values as they were held (a rate stays
 * the rate recorded, not applied again), a sparkline sample per cell the
 * poll set, a count poll leaving state and name alone, a restart with its
 * mark and the -dummy text's restart note; a bad index refused. */
static void test_replay_poll(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1", "rate:requests,str:version,@goroutines");
	struct cm_value v[3] = {
		{.state = CM_VALUE_NUMBER, .num = 12.5},
		{.state = CM_VALUE_TEXT, .text = "v1"},
		{.state = CM_VALUE_NUMBER, .integer = true, .i = 7, .num = 7},
	};
	bool set[3] = {true, true, false};
	struct cm_poll_record r = {.vars = true, .state = CM_SVC_UP, .name = "demo", .values = v,
				   .set = set, .nvalues = 3};
	CHECK(cm_monitor_replay_poll(&m, 0, &r, 100) == 0);
	const struct cm_service *s = &m.svc[0];
	CHECK(s->state == CM_SVC_UP && s->last_update == 100);
	CHECK_STR(s->name, "demo", "the recorded name");
	CHECK(s->cells[0].value.num == 12.5 && s->cells[0].series.len == 1);
	CHECK(s->cells[1].series.len == 0); /* str: no sparkline */
	CHECK(s->cells[2].value.state == CM_VALUE_NA); /* not set by this poll */
	bool counts[3] = {false, false, true};
	struct cm_poll_record c = {.values = v, .set = counts, .nvalues = 3};
	CHECK(cm_monitor_replay_poll(&m, 0, &c, 100.5) == 0);
	CHECK(s->cells[2].value.integer && s->cells[2].value.i == 7);
	CHECK(s->cells[0].series.len == 1 && s->last_update == 100);
	char *t = text_of(&m, 101);
	CHECK_MSG(strstr(t, "\ndemo: requests: 12.50/s, version: v1, goroutines: 7\n"), "text: %s", t);
	r.restarted = true;
	r.state = CM_SVC_DOWN;
	r.error = "connection refused";
	CHECK(cm_monitor_replay_poll(&m, 0, &r, 200) == 0);
	CHECK(s->restarted_at == 200 && s->marks.n == 1);
	CHECK(cm_marks_get(&s->marks, 0)->kind == CM_MARK_RESTART);
	CHECK_STR(s->error, "connection refused", "the recorded error");
	t = text_of(&m, 201);
	CHECK_MSG(strstr(t, "\ndemo: ERROR: connection refused\n"), "text: %s", t);
	CHECK(cm_monitor_replay_poll(&m, 1, &r, 300) == -1);
	cm_monitor_free(&m);
}

/* -history's default: an hour for a few services, less for a fleet, the
 * sparklines' 600 polls at least; a given -history as given. */
static void test_default_history(void)
{
	CHECK(cm_monitor_default_history(0, 1) == CM_HISTORY_DEFAULT_S);
	CHECK(cm_monitor_default_history(8, 1) == CM_HISTORY_DEFAULT_S);
	CHECK(cm_monitor_default_history(8, 0) == CM_HISTORY_DEFAULT_S);
	/* 100 services of 8 vars at 1s: 32 MiB / 12 / 800 polls, 58 minutes */
	double h = cm_monitor_default_history(800, 1);
	CHECK(h > 57 * 60 && h < 59 * 60);
	CHECK(cm_monitor_history_cap(h, 1) == (uint32_t)ceil(h));
	/* 1000 of 6 at 1s: 466 polls, so the sparklines' 600 */
	h = cm_monitor_default_history(6000, 1);
	CHECK(h < 600 && cm_monitor_history_cap(h, 1) == CM_SERIES_CAP);
	/* the budget holds for any fleet above the floor */
	for (size_t n = 1; n < 100000; n = n * 3 + 1) {
		uint32_t cap = cm_monitor_history_cap(cm_monitor_default_history(n, 5), 5);
		CHECK_MSG(cap == CM_SERIES_CAP || (double)cap * 12 * (double)n <=
			  CM_HISTORY_DEFAULT_BYTES + 12 * (double)n, "%zu series: %u polls", n, cap);
	}
	CHECK(cm_monitor_history_cap(86400, 10) == 8640); /* as given */
}

int main(void)
{
	test_default_history();
	test_replay_poll();
	test_missing_vars();
	test_edit_distance();
	test_text_is_clean();
	test_text_twins();
	test_text_twins_by_path();
	test_up_rate_text();
	test_down_and_counts();
	test_restarts();
	test_discover_all();
	test_discover_history();
	test_many_vars_linear();
	return check_status("test_monitor");
}
