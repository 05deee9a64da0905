/* The Prometheus text format / OpenMetrics reader (prom.h): samples,
 * families, label escapes, Go floats, every error naming its line, and
 * histogram_quantile against values worked out by promql's algorithm. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmon/monitor/format.h"
#include "cmon/monitor/prom.h"
#include "cmon/monitor/prom_vars.h"
#include "monitor_make.h"

static const char text004[] =
	"# HELP go_goroutines Number of goroutines that currently exist.\n"
	"# TYPE go_goroutines gauge\n"
	"go_goroutines 42\n"
	"# TYPE http_requests_total counter\n"
	"http_requests_total{code=\"200\",method=\"get\"} 1027 1395066363000\n"
	"http_requests_total{ code = \"400\" , method=\"post\", } 3\n"
	"\n"
	"# TYPE rpc histogram\n"
	"rpc_bucket{le=\"0.1\"} 10\r\n"
	"rpc_bucket{le=\"+Inf\"} 12\n"
	"rpc_sum 1.5e-3\n"
	"rpc_count 12\n"
	"msg{text=\"a \\\"q\\\" \\\\ \\n end\"} -Inf\n"
	"nan_metric NaN\n"
	"hex_metric 0x1p-2\n";

static void test_samples(void)
{
	struct cm_prom_reader r;
	struct cm_prom_sample s;
	cm_prom_begin(&r, text004, sizeof text004 - 1, false);
	CHECK(cm_prom_next(&r, &s) == 1);
	CHECK(s.name.n == 13 && !memcmp(s.name.p, "go_goroutines", 13));
	CHECK(s.type == CM_PROM_GAUGE && s.value == 42 && s.nlabels == 0 && s.line == 3);
	CHECK(cm_prom_next(&r, &s) == 1);
	CHECK(s.type == CM_PROM_COUNTER && s.value == 1027 && s.nlabels == 2);
	CHECK(s.has_timestamp && s.timestamp == 1395066363000.0);
	CHECK(cm_prom_str_eq(&s.labels[0].value, "200", 3));
	const struct cm_prom_label *m = cm_prom_label(&s, "method");
	CHECK(m && cm_prom_str_eq(&m->value, "get", 3) && !cm_prom_label(&s, "meth"));
	CHECK(cm_prom_next(&r, &s) == 1); /* blanks everywhere, a trailing comma */
	CHECK(s.nlabels == 2 && s.value == 3 && !s.has_timestamp);
	CHECK(cm_prom_str_eq(&s.labels[0].value, "400", 3));
	CHECK(cm_prom_next(&r, &s) == 1);
	CHECK(s.type == CM_PROM_HISTOGRAM && s.family.n == 3 && s.value == 10); /* \r\n */
	CHECK(cm_prom_next(&r, &s) == 1);
	const struct cm_prom_label *le = cm_prom_label(&s, "le");
	double inf = 0;
	CHECK(le && cm_prom_float(le->value.p, le->value.n, &inf) && isinf(inf) && inf > 0);
	CHECK(cm_prom_next(&r, &s) == 1);
	CHECK(s.type == CM_PROM_HISTOGRAM && fabs(s.value - 1.5e-3) < 1e-18);
	CHECK(cm_prom_next(&r, &s) == 1);
	CHECK(s.type == CM_PROM_HISTOGRAM && s.value == 12);
	CHECK(cm_prom_next(&r, &s) == 1);
	CHECK(s.type == CM_PROM_UNTYPED && isinf(s.value) && s.value < 0);
	char buf[64];
	CHECK(cm_prom_unescape(&s.labels[0].value, buf, sizeof buf) == 13);
	CHECK_STR(buf, "a \"q\" \\ \n end", "unescaped");
	CHECK(cm_prom_str_eq(&s.labels[0].value, "a \"q\" \\ \n end", 13));
	CHECK(!cm_prom_str_eq(&s.labels[0].value, "a \"q\" \\ \n en", 12));
	CHECK(cm_prom_unescape(&s.labels[0].value, buf, 4) == 13 && !strcmp(buf, "a \""));
	CHECK(cm_prom_next(&r, &s) == 1 && isnan(s.value));
	CHECK(cm_prom_next(&r, &s) == 1 && s.value == 0.25);
	CHECK(cm_prom_next(&r, &s) == 0 && cm_prom_next(&r, &s) == 0);
}

static const char openmetrics[] =
	"# TYPE foo counter\n"
	"# UNIT foo seconds\n"
	"# HELP foo Some text\n"
	"foo_total 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67\n"
	"foo_created 1520430000.123\n"
	"# TYPE bar summary\n"
	"bar{quantile=\"0.99\"} 0.5\n"
	"bar_count 3\n"
	"# EOF\n";

static void test_openmetrics(void)
{
	struct cm_prom_reader r;
	struct cm_prom_sample s;
	cm_prom_begin(&r, openmetrics, sizeof openmetrics - 1, true);
	CHECK(cm_prom_next(&r, &s) == 1);
	CHECK(s.type == CM_PROM_COUNTER && s.family.n == 3 && s.name.n == 9 && s.value == 17);
	CHECK(s.has_timestamp && fabs(s.timestamp - 1520879607.789) < 1e-6);
	CHECK(cm_prom_next(&r, &s) == 1 && s.type == CM_PROM_COUNTER && s.name.n == 11);
	CHECK(cm_prom_next(&r, &s) == 1 && s.type == CM_PROM_SUMMARY && s.value == 0.5);
	CHECK(cm_prom_next(&r, &s) == 1 && s.type == CM_PROM_SUMMARY && s.value == 3);
	CHECK(cm_prom_next(&r, &s) == 0 && r.eof && r.openmetrics);
	char err[CM_PROM_ERR_MAX];
	CHECK(cm_prom_check("a 1\n# EOF\nb 2\n", 14, false, err, sizeof err) == -1);
	CHECK_ERR(err, "line 3: text after # EOF", "after EOF");
	CHECK(cm_prom_check("a 1\n# EOF\n\n", 11, false, err, sizeof err) == 0);
}

static void bad(const char *body, const char *want)
{
	char err[CM_PROM_ERR_MAX] = "";
	CHECK_MSG(cm_prom_check(body, strlen(body), false, err, sizeof err) == -1, "%s", body);
	CHECK_ERR(err, want, body);
}

static void test_errors(void)
{
	bad("ok 1\nx{a=\"1} 2\n", "line 2: label value not closed");
	bad("x{a=\"\\t\"} 1", "line 1: bad escape \"\\t\"");
	bad("x{a=\"1\" 1", "line 1: ',' or '}' expected");
	bad("x{a=\"1\",", "line 1: label set not closed");
	bad("x{a 1", "'=' expected after label a");
	bad("x{a=1} 1", "label value not quoted");
	bad("x{1=\"\"} 1", "label name expected");
	bad("x", "line 1: value expected");
	bad("x 1.2.3", "value \"1.2.3\" is not a number");
	bad("x +NaN", "not a number");
	bad("x 1 2 3", "unexpected text after the value");
	bad("x 1 zz", "timestamp \"zz\" is not a number");
	bad("1x 1", "metric name expected");
	bad("# TYPE x gauges\n", "unknown type \"gauges\"");
	bad("# TYPE x \033[31m\n", "line 1: unknown type \"?[31m\"");
	bad("x 1 # nope", "exemplar labels expected");
	bad("x 1 # {a=\"b\"}", "exemplar value expected");
	/* the bounds */
	size_t big = CM_PROM_LINE_MAX + 10;
	char *s = malloc(big + 1);
	memset(s, 'a', big);
	s[big] = '\0';
	bad(s, "line 1: longer than");
	memcpy(s, "x{", 2);
	size_t w = 2;
	for (int k = 0; k <= CM_PROM_LABELS_MAX; k++)
		w += (size_t)snprintf(s + w, big - w, "l%d=\"\",", k);
	snprintf(s + w, big - w, "} 1");
	bad(s, "more than 64 labels");
	memset(s, 'a', CM_PROM_NAME_MAX + 1);
	snprintf(s + CM_PROM_NAME_MAX + 1, 8, " 1");
	bad(s, "metric name longer than");
	free(s);
	char err[CM_PROM_ERR_MAX];
	CHECK(cm_prom_check("", 0, false, err, sizeof err) == 0);
	CHECK(cm_prom_check(NULL, 5, false, err, sizeof err) == 0);
}

static void test_floats(void)
{
	static const struct {
		const char *text;
		double want;
		bool ok;
	} cases[] = {
		{"0", 0, true},       {"-12", -12, true},     {"1e3", 1000, true},
		{"1.5E-3", 1.5e-3, true}, {".5", 0.5, true},  {"5.", 5, true},
		{"+Inf", INFINITY, true}, {"-inf", -INFINITY, true}, {"Infinity", INFINITY, true},
		{"0x10", 0, false},   {"0x1p4", 16, true},    {"1e", 0, false},
		{"", 0, false},       {"1_000", 0, false},    {"--1", 0, false},
		{"123456789012345678", 123456789012345678.0, true},
		{"9007199254740993", 9007199254740992.0, true},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		double v = -1;
		bool ok = cm_prom_float(cases[k].text, strlen(cases[k].text), &v);
		CHECK_MSG(ok == cases[k].ok, "%s", cases[k].text);
		if (ok && cases[k].ok)
			CHECK_MSG(v == cases[k].want, "%s: %g", cases[k].text, v);
	}
	double v;
	CHECK(cm_prom_float("NaN", 3, &v) && isnan(v));
}

static void test_content_type(void)
{
	bool om = true;
	CHECK(cm_prom_content_type("text/plain; version=0.0.4; charset=utf-8", &om) && !om);
	CHECK(cm_prom_content_type("application/openmetrics-text; version=1.0.0", &om) && om);
	CHECK(cm_prom_content_type("Application/OpenMetrics-Text", &om) && om);
	CHECK(!cm_prom_content_type("text/plain; charset=utf-8", &om) && !om);
	CHECK(!cm_prom_content_type("application/json", &om));
	CHECK(!cm_prom_content_type(NULL, &om));
	CHECK(!cm_prom_content_type("text/plainx; version=0.0.4", &om));
}

/* q-quantile of buckets given as le, count pairs (le "+Inf" is INFINITY). */
static double quantile(double q, const double *pairs, size_t n)
{
	struct cm_prom_bucket b[16];
	for (size_t k = 0; k < n; k++)
		b[k] = (struct cm_prom_bucket){.le = pairs[2 * k], .count = pairs[2 * k + 1]};
	return cm_prom_bucket_quantile(q, b, &n);
}

static void test_quantile(void)
{
	/* counts 10, 30, 40, 50 at 0.1, 0.5, 1, +Inf (given out of order) */
	const double h[] = {0.5, 30, INFINITY, 50, 0.1, 10, 1, 40};
	/* rank 25 is in (0.1, 0.5]: 0.1 + 0.4 * (25-10)/(30-10) */
	CHECK(fabs(quantile(0.5, h, 4) - 0.4) < 1e-12);
	/* rank 5 in the lowest bucket, which starts at 0: 0.1 * 5/10 */
	CHECK(fabs(quantile(0.1, h, 4) - 0.05) < 1e-12);
	CHECK(quantile(0, h, 4) == 0);
	/* rank 45 is past the last finite bucket: its bound */
	CHECK(quantile(0.9, h, 4) == 1);
	CHECK(quantile(1, h, 4) == 1);
	CHECK(isinf(quantile(1.5, h, 4)) && quantile(1.5, h, 4) > 0);
	CHECK(isinf(quantile(-0.5, h, 4)) && quantile(-0.5, h, 4) < 0);
	CHECK(isnan(quantile(NAN, h, 4)));
	/* not monotonic: 0.5's 5 becomes 10; rank 25 in (0.5, 1]: 0.5 + 0.5 * 15/30 */
	const double nm[] = {0.1, 10, 0.5, 5, 1, 40, INFINITY, 50};
	CHECK(fabs(quantile(0.5, nm, 4) - 0.75) < 1e-12);
	/* no +Inf bucket, one bucket, no observations */
	const double noinf[] = {0.1, 10, 1, 20};
	CHECK(isnan(quantile(0.5, noinf, 2)));
	const double one[] = {INFINITY, 5};
	CHECK(isnan(quantile(0.5, one, 1)));
	const double none[] = {1, 0, INFINITY, 0};
	CHECK(isnan(quantile(0.5, none, 2)));
	/* one le twice (two series summed): merged, 1:10, +Inf:10 */
	const double dup[] = {1, 5, 1, 5, INFINITY, 10};
	CHECK(fabs(quantile(0.5, dup, 3) - 0.5) < 1e-12);
	/* the lowest bucket's bound <= 0 is the answer in it */
	const double neg[] = {-1, 10, 0, 20, INFINITY, 20};
	CHECK(quantile(0.25, neg, 3) == -1);
	/* a NaN bound sorts first and leaves the answer alone */
	const double nanle[] = {NAN, 3, 0.1, 10, 0.5, 30, 1, 40, INFINITY, 50};
	double got = quantile(0.5, nanle, 5);
	CHECK(isnan(got) || got >= 0); /* never a crash; promql gives NaN bounds no meaning */
	/* within 1e-12 relative: the bucket keeps the count below it */
	const double tiny[] = {1, 1e15, 2, 1e15 + 0.5, INFINITY, 2e15};
	CHECK(fabs(quantile(0.5, tiny, 3) - 1) < 1e-12);
}

/* ---- the monitor reading /metrics bodies (prom_vars.c) ---- */

static const char *const body1 =
	"# TYPE go_goroutines gauge\n"
	"go_goroutines 12\n"
	"go_threads 7\n"
	"process_start_time_seconds 1.7e9\n"
	"# TYPE http_requests_total counter\n"
	"http_requests_total{code=\"200\"} 100\n"
	"http_requests_total{code=\"500\"} 10\n"
	"http_requests_total{code=\"404\"} 1\n"
	"# TYPE lat_seconds histogram\n"
	"lat_seconds_bucket{h=\"a\",le=\"0.1\"} 10\n"
	"lat_seconds_bucket{h=\"a\",le=\"1\"} 20\n"
	"lat_seconds_bucket{h=\"a\",le=\"+Inf\"} 20\n"
	"lat_seconds_bucket{h=\"b\",le=\"0.1\"} 0\n"
	"lat_seconds_bucket{h=\"b\",le=\"1\"} 0\n"
	"lat_seconds_bucket{h=\"b\",le=\"+Inf\"} 0\n"
	"# TYPE gc_seconds summary\n"
	"gc_seconds{quantile=\"0.5\"} 0.002\n"
	"gc_seconds{quantile=\"1\"} 0.004\n";

/* Second poll, 2 s later: requests +40 (200) and +4 (500); lat_seconds gets
 * 10 more observations on a: 2 <= 0.1, 8 in (0.1, 1], and 10 on b <= 0.1. */
static const char *const body2 =
	"go_goroutines 15\n"
	"go_threads 7\n"
	"process_start_time_seconds 1.7e9\n"
	"# TYPE http_requests_total counter\n"
	"http_requests_total{code=\"200\"} 140\n"
	"http_requests_total{code=\"500\"} 14\n"
	"http_requests_total{code=\"404\"} 1\n"
	"# TYPE lat_seconds histogram\n"
	"lat_seconds_bucket{h=\"a\",le=\"0.1\"} 12\n"
	"lat_seconds_bucket{h=\"a\",le=\"1\"} 30\n"
	"lat_seconds_bucket{h=\"a\",le=\"+Inf\"} 30\n"
	"lat_seconds_bucket{h=\"b\",le=\"0.1\"} 10\n"
	"lat_seconds_bucket{h=\"b\",le=\"1\"} 10\n"
	"lat_seconds_bucket{h=\"b\",le=\"+Inf\"} 10\n"
	"# TYPE gc_seconds summary\n"
	"gc_seconds{quantile=\"0.5\"} 0.002\n"
	"gc_seconds{quantile=\"1\"} 0.004\n";

static const char *text_of(struct cm_monitor *m, size_t var)
{
	static char buf[128];
	cm_format_value(buf, sizeof buf, &m->vars.v[var], &m->svc[0].cells[var].value);
	return buf;
}

static void feed(struct cm_monitor *m, const char *body, double now)
{
	cm_monitor_note_answer(m, 0, "text/plain; version=0.0.4; charset=utf-8");
	CHECK(cm_monitor_vars_result(m, 0, body, strlen(body), NULL, now) == 0);
}

static void test_prom_vars(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:9090",
	     "@goroutines,@threads,http_requests_total,http_requests_total{code=~\"5..\"},"
	     "raw:http_requests_total{code!=\"404\"},http_requests_total[-1],p50:lat_seconds,"
	     "p50:lat_seconds{h=\"a\"},dur:gc_seconds{quantile=\"1\"},p50:dur:gc_seconds,"
	     "memstats.Alloc|nope,mem:memstats.Alloc");
	CHECK(!cm_monitor_is_prom(&m, 0)); /* no /metrics path: the answer tells */
	feed(&m, body1, 100);
	CHECK(cm_monitor_is_prom(&m, 0) && m.svc[0].state == CM_SVC_UP);
	CHECK_STR(text_of(&m, 0), "12", "go_goroutines");
	CHECK_STR(text_of(&m, 1), "7", "go_threads");
	CHECK_STR(text_of(&m, 2), "N/A", "a rate needs two polls");
	CHECK(m.vars.v[2].rate); /* _total: a counter */
	CHECK_STR(text_of(&m, 4), "110", "raw: the sum of 200 and 500");
	CHECK_STR(text_of(&m, 6), "N/A", "a quantile needs two polls");
	CHECK_STR(text_of(&m, 8), "4ms", "the summary's quantile 1, seconds as a duration");
	CHECK_STR(text_of(&m, 9), "2ms", "p50: of a summary");
	CHECK_STR(text_of(&m, 10), "N/A", "no metric nope");
	CHECK_STR(text_of(&m, 11), "N/A", "an expvar-only var");
	feed(&m, body2, 102);
	CHECK_STR(text_of(&m, 0), "15", "go_goroutines");
	CHECK_STR(text_of(&m, 2), "22.00/s", "(44 + 0) / 2 s");
	CHECK_STR(text_of(&m, 3), "2.00/s", "5..: 4 / 2 s");
	CHECK_STR(text_of(&m, 5), "0.00/s", "[-1]: the 404 series, unchanged");
	/* both: deltas 12 <= 0.1, 20 <= 1, 20 in all: rank 10 in the first
	 * bucket, 0.1 * 10/12 */
	CHECK(fabs(m.svc[0].cells[6].value.num - 0.1 * 10 / 12) < 1e-12);
	/* a only: 2 <= 0.1, 10 <= 1: rank 5 in (0.1, 1]: 0.1 + 0.9 * 3/8 */
	CHECK(fabs(m.svc[0].cells[7].value.num - (0.1 + 0.9 * 3 / 8)) < 1e-12);
	CHECK(!cm_service_restarted(&m.svc[0], 102));
	/* a bad body: down with its line, the cells keep nothing */
	feed(&m, "go_goroutines 1\nx{a=\"1} 2\n", 104);
	CHECK(m.svc[0].state == CM_SVC_DOWN);
	CHECK_STR(m.svc[0].error, "bad /metrics: line 2: label value not closed", "bad body");
	/* a new process: its start time changed */
	feed(&m, "process_start_time_seconds 1.8e9\n", 106);
	CHECK(cm_service_restarted(&m.svc[0], 106));
	char line[200];
	CHECK(cm_monitor_missing_var(&m, 0, line, sizeof line));
	cm_monitor_free(&m);

	/* a typo'd metric: named with the nearest metric the body has */
	make(&m, "http://127.0.0.1:9090/metrics", "go_gorutines,http_request_total{code=\"200\"},nothing_like_it");
	feed(&m, body1, 100);
	CHECK(cm_monitor_missing_var(&m, 0, line, sizeof line));
	CHECK_STR(line, "no var go_gorutines on any service; did you mean go_goroutines?", "typo");
	CHECK(cm_monitor_missing_var(&m, 1, line, sizeof line));
	CHECK_STR(line, "no var http_request_total{code=\"200\"} on any service; did you mean "
		  "http_requests_total?", "typo with matchers");
	CHECK(cm_monitor_missing_var(&m, 2, line, sizeof line));
	CHECK_STR(line, "no var nothing_like_it on any service", "nothing near");
	CHECK(cm_monitor_exit_status(&m) == 1);
	cm_monitor_free(&m);

	/* an entry whose path ends in /metrics is Prometheus from the start,
	 * whatever text/plain it answers */
	make(&m, "http://127.0.0.1:9090/metrics", CM_VARS_DEFAULT);
	CHECK(cm_monitor_is_prom(&m, 0));
	cm_monitor_note_answer(&m, 0, "text/plain");
	CHECK(cm_monitor_is_prom(&m, 0));
	cm_monitor_note_answer(&m, 0, "application/json");
	CHECK(!cm_monitor_is_prom(&m, 0));
	cm_monitor_note_answer(&m, 0, "application/openmetrics-text; version=1.0.0");
	CHECK(cm_monitor_is_prom(&m, 0) && m.svc[0].openmetrics);
	const char *om = "# TYPE go_gc_duration_seconds summary\n"
			 "go_gc_duration_seconds{quantile=\"1\"} 0.5\n"
			 "go_gc_duration_seconds_sum 2.5\n"
			 "go_memstats_alloc_bytes 2048\n# EOF\n";
	CHECK(cm_monitor_vars_result(&m, 0, om, strlen(om), NULL, 10) == 0);
	CHECK_STR(text_of(&m, 0), "2.0KB", "Alloc from go_memstats_alloc_bytes");
	CHECK_STR(text_of(&m, 4), "500ms", "PauseNs from go_gc_duration_seconds quantile 1");
	CHECK_STR(text_of(&m, 5), "3s", "PauseTotalNs from the raw _sum (2.5 s, rounded as expvarmon)");
	CHECK_STR(text_of(&m, 6), "N/A", "no go_goroutines: N/A");
	cm_monitor_free(&m);
}

int main(void)
{
	test_prom_vars();
	test_samples();
	test_openmetrics();
	test_errors();
	test_floats();
	test_content_type();
	test_quantile();
	return check_status("test_prom");
}
