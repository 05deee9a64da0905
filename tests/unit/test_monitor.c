/* The monitor model fed by hand: states, names, restarts, rates, counts,
 * "-vars=*" discovery and the -dummy/-once text. */
#include "check.h"

#include <math.h>
#include <stdlib.h>

#include "cmon/monitor/monitor.h"

static void make(struct cm_monitor *m, const char *ports, const char *vars)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	char err[256];
	CHECK_MSG(cm_targets_parse(ports, &t, err, sizeof err) == 0, "%s", err);
	CHECK_MSG(cm_vars_parse(vars, &v, err, sizeof err) == 0, "%s", err);
	CHECK(cm_monitor_init(m, &t, &v, "/debug/vars") == 0);
	CHECK(t.n == 0 && v.n == 0); /* moved */
}

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
	FILE *f = fmemopen(out, sizeof out, "w");
	cm_monitor_print_text(m, f, now);
	fclose(f);
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

int main(void)
{
	test_up_rate_text();
	test_down_and_counts();
	test_restarts();
	test_discover_all();
	return check_status("test_monitor");
}
