/* Targets from where fleets are listed: -ports=@FILE's lines, the
 * Prometheus targets API's answer, and the monitor following a new list
 * (kept services keep everything, removed ones come back with their
 * history). */
#include "check.h"
#include "monitor_make.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/svc_order.h"
#include "cmon/monitor/target_src.h"

static struct cm_target_list lines(const char *text)
{
	struct cm_target_list l;
	char err[256];
	CHECK_MSG(cm_targets_parse_lines(text, strlen(text), "f", &l, err, sizeof err) == 0, "%s",
		  err);
	return l;
}

static void lines_error(const char *text, const char *want)
{
	struct cm_target_list l = {0};
	char err[256] = "";
	CHECK(cm_targets_parse_lines(text, strlen(text), "ports.txt", &l, err, sizeof err) < 0);
	CHECK_STR(err, want, text);
	CHECK(l.n == 0 && l.v == NULL);
}

static void test_file_lines(void)
{
	struct cm_target_list l = lines("# the fleet\n\n 6060 \r\nhost:7000-7001, :8000 # two\n"
					"http://u:p%23w@h:1/x/vars\n\t# done");
	CHECK(l.n == 5);
	CHECK_STR(l.v[0].base, "http://localhost:6060", "bare port");
	CHECK_STR(l.v[2].base, "http://host:7001", "range on a line");
	CHECK_STR(l.v[3].base, "http://localhost:8000", "comma list with a comment");
	CHECK_STR(l.v[4].path, "/x/vars", "path kept");
	CHECK_STR(l.v[4].password, "p#w", "%23 is how a password holds '#'");
	cm_targets_free(&l);

	lines_error("6060\n\n50x0\n", "ports.txt:3: bad -ports field \"50x0\": port is not a number");
	lines_error("# nothing\n\n", "ports.txt: no services listed");
	lines_error("", "ports.txt: no services listed");
	lines_error("6060\n,\n", "ports.txt:2: bad -ports field \"\": empty field");
	char nul[] = "6060\n7070";
	nul[4] = '\0';
	struct cm_target_list e = {0};
	char err[128];
	CHECK(cm_targets_parse_lines(nul, sizeof nul - 1, "f", &e, err, sizeof err) < 0);
	CHECK_STR(err, "f: a NUL byte: not a text file", "NUL");
	lines_error("1-10000\n10001\n", "ports.txt:2: more than 10000 services");
}

static const char *prom_answer =
	"{\"status\":\"success\",\"data\":{\"activeTargets\":["
	"{\"labels\":{\"instance\":\"127.0.0.1:7001\",\"job\":\"demo\"},"
	" \"scrapeUrl\":\"http://127.0.0.1:7001/debug/vars\",\"health\":\"up\"},"
	"{\"labels\":{\"job\":\"prometheus\"},\"scrapeUrl\":\"http://localhost:9090/metrics\"},"
	"{\"labels\":{\"job\":\"demo\"},\"scrapeUrl\":\"https://[::1]:7002/debug/vars?x=1\"}"
	"],\"droppedTargets\":[]}}";

static void prom_error(const char *body, const char *want)
{
	struct cm_target_list l = {0};
	char err[256] = "";
	CHECK(cm_targets_from_prom(body, strlen(body), NULL, &l, err, sizeof err) < 0);
	CHECK_STR(err, want, body);
	CHECK(l.n == 0);
}

static void test_prom_answer(void)
{
	struct cm_target_list l;
	char err[256];
	CHECK(cm_targets_from_prom(prom_answer, strlen(prom_answer), NULL, &l, err, sizeof err) ==
	      0);
	CHECK(l.n == 3);
	CHECK_STR(l.v[0].base, "http://127.0.0.1:7001", "scrapeUrl");
	CHECK_STR(l.v[0].path, "/debug/vars", "its path kept");
	CHECK_STR(l.v[1].path, "/metrics", "a /metrics one kept as written");
	CHECK_STR(l.v[2].base, "https://[::1]:7002", "IPv6, https");
	CHECK_STR(l.v[2].path, "/debug/vars?x=1", "query kept");
	cm_targets_free(&l);
	CHECK(cm_targets_from_prom(prom_answer, strlen(prom_answer), "demo", &l, err, sizeof err) ==
	      0);
	CHECK(l.n == 2 && l.v[1].port == 7002);
	cm_targets_free(&l);
	CHECK(cm_targets_from_prom(prom_answer, strlen(prom_answer), "none", &l, err, sizeof err) ==
	      0);
	CHECK(l.n == 0); /* no target is no error: the list is empty */
	cm_targets_free(&l);

	prom_error("{\"status\":\"error\",\"error\":\"x\"}",
		   "Prometheus API: status is not \"success\"");
	prom_error("{\"status\":\"success\",\"data\":{}}",
		   "Prometheus API: no data.activeTargets array");
	prom_error("{\"status\":\"success\",\"data\":{\"activeTargets\":[1]}}",
		   "Prometheus API: target 0 is not an object");
	prom_error("{\"status\":\"success\",\"data\":{\"activeTargets\":[{\"scrapeUrl\":7}]}}",
		   "Prometheus API: target 0: no scrapeUrl string (at most 2048 bytes)");
	prom_error("{\"status\":\"success\",\"data\":{\"activeTargets\":"
		   "[{\"scrapeUrl\":\"http://a:1/\"},{\"scrapeUrl\":\"http://a:1,b:2/\"}]}}",
		   "Prometheus API: target 1: scrapeUrl: a comma in the URL");
	prom_error("{\"status\":\"success\",\"data\":{\"activeTargets\":"
		   "[{\"scrapeUrl\":\"ftp://a:1/\"}]}}",
		   "Prometheus API: target 0: scrapeUrl: not an http(s) URL");
	prom_error("{\"status\":\"success\",\"data\":{\"activeTargets\":"
		   "[{\"scrapeUrl\":\"ssh://app2/6060\"}]}}",
		   "Prometheus API: target 0: scrapeUrl: not an http(s) URL");
	prom_error("{\"status\":\"success\",\"data\":{\"activeTargets\":"
		   "[{\"scrapeUrl\":\"6060\"}]}}",
		   "Prometheus API: target 0: scrapeUrl: not an http(s) URL");
	prom_error("<html>", "Prometheus API: invalid JSON at line 1, column 1: expected a value, "
			     "found '<html>'");
	/* nested past the bound */
	char deep[200];
	memset(deep, '[', sizeof deep - 1);
	deep[sizeof deep - 1] = '\0';
	struct cm_target_list e = {0};
	CHECK(cm_targets_from_prom(deep, strlen(deep), NULL, &e, err, sizeof err) < 0);
	CHECK(strstr(err, "nested deeper than 16") != NULL);
	/* a long scrapeUrl is refused, not cut */
	size_t big = 5000;
	char *huge = malloc(big + 100);
	CHECK(huge != NULL);
	if (!huge)
		return;
	int k = snprintf(huge, 100, "{\"status\":\"success\",\"data\":{\"activeTargets\":"
				    "[{\"scrapeUrl\":\"http://a:1/");
	memset(huge + k, 'x', big);
	strcpy(huge + k + big, "\"}]}}");
	prom_error(huge, "Prometheus API: target 0: no scrapeUrl string (at most 2048 bytes)");
	free(huge);
}

static void test_prom_source(void)
{
	struct cm_prom_source s;
	char err[256];
	CHECK(cm_prom_source_parse("http://u:secret@prom:9090?job=my%20job", &s, err, sizeof err) ==
	      0);
	CHECK_STR(s.url, "http://prom:9090/api/v1/targets?state=active", "API URL");
	CHECK_STR(s.api.user, "u", "user for the API");
	CHECK_STR(s.api.password, "secret", "password for the API");
	CHECK_STR(s.job, "my job", "job decoded");
	cm_prom_source_free(&s);
	CHECK(cm_prom_source_parse("https://prom:443/prom/", &s, err, sizeof err) == 0);
	CHECK_STR(s.url, "https://prom:443/prom/api/v1/targets?state=active", "route prefix");
	CHECK(s.job == NULL);
	cm_prom_source_free(&s);
	CHECK(cm_prom_source_parse("prom:9090?jab=x", &s, err, sizeof err) < 0);
	CHECK_STR(err, "bad -targets query \"?jab=x\": want ?job=NAME", "query");
	CHECK(cm_prom_source_parse("http://u:secret@prom:9090-9091", &s, err, sizeof err) < 0);
	CHECK_STR(err, "bad -targets \"http://u:***@prom:9090-9091\": one http(s)://host:port URL, "
		       "no ssh:// nor ranges", "range");
	CHECK(cm_prom_source_parse("prom", &s, err, sizeof err) < 0);
	CHECK(strstr(err, "bad -targets \"prom\": bad -ports field") == err);
}

/* A poll of service i with a counter value, at time now. */
static void feed(struct cm_monitor *m, size_t i, long requests, double now)
{
	char b[256];
	int n = snprintf(b, sizeof b, "{\"cmdline\":[\"/bin/svc%zu\"],\"requests\":%ld}", i,
			 requests);
	CHECK(cm_monitor_vars_result(m, i, b, (size_t)n, NULL, now) == 0);
}

static size_t *set(struct cm_monitor *m, const char *ports)
{
	struct cm_target_list t = {0};
	char err[256];
	CHECK_MSG(cm_targets_parse(ports, &t, err, sizeof err) == 0, "%s", err);
	size_t *to = NULL;
	CHECK(cm_monitor_set_targets(m, &t, &to) == 0);
	CHECK(t.n == 0 && t.v == NULL);
	for (size_t i = 0; i < m->nsvc; i++)
		CHECK(m->svc[i].target == &m->targets.v[i]);
	return to;
}

static void test_follow_list(void)
{
	struct cm_monitor m;
	make(&m, "1,2,3", "requests");
	for (int t = 0; t < 3; t++)
		for (size_t i = 0; i < 3; i++)
			feed(&m, i, 10 * t + (long)i, 100 + t);
	CHECK_STR(m.svc[1].name, "svc1", "named");

	/* 2 leaves, 4 comes, 3 moves up */
	size_t *to = set(&m, "3,1,4");
	CHECK(to[0] == 1 && to[1] == SIZE_MAX && to[2] == 0);
	free(to);
	CHECK(m.nsvc == 3 && m.ngone == 1);
	CHECK_STR(m.svc[0].name, "svc2", "kept: name");
	CHECK(m.svc[0].cells[0].series.len == 3); /* kept: history */
	CHECK(m.svc[0].state == CM_SVC_UP);
	CHECK(m.svc[2].state == CM_SVC_WAITING && m.svc[2].ncells == 0);
	CHECK_STR(m.svc[2].name, "localhost:4", "new: the address until named");
	CHECK(m.gone[0].target.port == 2 && m.gone[0].svc.target == NULL);

	/* 2 comes back with its history and name; 4 leaves */
	to = set(&m, "1,2,3");
	CHECK(to[0] == 2 && to[1] == 0 && to[2] == SIZE_MAX);
	free(to);
	CHECK(m.ngone == 1 && m.gone[0].target.port == 4);
	CHECK_STR(m.svc[1].name, "svc1", "back: name");
	CHECK(m.svc[1].cells[0].series.len == 3);
	feed(&m, 1, 99, 110);
	CHECK(m.svc[1].cells[0].series.len == 4);

	/* duplicates pair up; credentials are no part of the identity */
	to = set(&m, "http://u:p@localhost:1,1,1");
	CHECK(to[0] == 0 && to[1] == SIZE_MAX && to[2] == SIZE_MAX);
	free(to);
	CHECK(m.svc[0].cells[0].series.len == 3 && m.svc[1].ncells == 0);
	CHECK_STR(m.svc[0].target->user, "u", "the new list's credentials");
	CHECK(m.ngone == 3);
	cm_monitor_free(&m);
}

static void test_gone_bounded(void)
{
	struct cm_monitor m;
	make(&m, "1-10000", "requests");
	for (size_t i = 0; i < m.nsvc; i++)
		feed(&m, i, 1, 100);
	free(set(&m, "10001"));
	CHECK(m.ngone == CM_GONE_MAX && m.nsvc == 1);
	free(set(&m, "10002"));
	CHECK(m.ngone == CM_GONE_MAX); /* the oldest forgotten */
	CHECK(m.gone[0].target.port == 2 && m.gone[CM_GONE_MAX - 1].target.port == 10001);
	size_t *to = set(&m, "2,1");
	CHECK(to[0] == SIZE_MAX);
	free(to);
	CHECK(m.svc[0].ncells == 1 && m.svc[0].cells[0].series.len == 1); /* kept aside */
	CHECK(m.svc[1].ncells == 0);                                       /* forgotten */
	cm_monitor_free(&m);
}

/* The screen's rows follow their services across a change: held rows
 * keep their order, a service that left leaves its row, new ones go last. */
static void test_order_remap(void)
{
	struct cm_monitor m;
	make(&m, "1,2,3,4", "requests");
	struct cm_svc_order o;
	cm_svc_order_init(&o, 2.0);
	cm_svc_order_cycle_other(&o); /* by name */
	CHECK(cm_svc_order_update(&o, &m, 10, true) == 0);
	CHECK(o.n == 4 && o.rows[0] == 0 && o.rows[3] == 3);
	size_t *to = set(&m, "4,3,1,5"); /* 2 leaves, 5 comes */
	cm_svc_order_remap(&o, to, 4);
	free(to);
	CHECK(o.n == 3 && o.rows[0] == 2 && o.rows[1] == 1 && o.rows[2] == 0);
	cm_svc_order_moved(&o, 11); /* held: only the new one is added, last */
	CHECK(cm_svc_order_update(&o, &m, 11.5, false) == 0);
	CHECK(o.n == 4 && o.rows[0] == 2 && o.rows[3] == 3);
	CHECK(cm_svc_order_row_of(&o, 3) == 3);
	cm_svc_order_free(&o);
	cm_monitor_free(&m);
}

/* Mangled answers and files: every one parses or fails with a message,
 * and what parses holds only targets that make a URL. Deterministic (a
 * fixed LCG): the fuzz targets cover the JSON parser beneath. */
static void test_mangled(void)
{
	const char *file = "# f\n6060\nhttp://u:p@h:1-3/x, [::1]:7\n";
	const char *seeds[2] = {prom_answer, file};
	unsigned long long x = 42;
	char buf[2048], err[256];
	for (int k = 0; k < 20000; k++) {
		const char *seed = seeds[k & 1];
		size_t n = strlen(seed);
		memcpy(buf, seed, n);
		for (int flips = 1 + k % 4; flips > 0; flips--) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			buf[(x >> 33) % n] = (char)(x >> 17);
		}
		struct cm_target_list l = {0};
		int rc = k & 1 ? cm_targets_parse_lines(buf, n, "f", &l, err, sizeof err)
			       : cm_targets_from_prom(buf, n, NULL, &l, err, sizeof err);
		CHECK(rc == 0 ? l.n > 0 || !(k & 1) : l.n == 0 && err[0]);
		for (size_t i = 0; i < l.n; i++) {
			char *u = cm_target_url(&l.v[i], "/debug/vars", NULL);
			CHECK(u && !strncmp(u, "http", 4));
			free(u);
		}
		cm_targets_free(&l);
	}
}

int main(void)
{
	test_mangled();
	test_order_remap();
	test_file_lines();
	test_prom_answer();
	test_prom_source();
	test_follow_list();
	test_gone_bounded();
	return check_status("test_targets");
}
