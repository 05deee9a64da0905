/* The profile pane's arithmetic and state: profile URLs from -ports
 * targets (entry paths, credentials, https, IPv6), timeouts, the CPU
 * countdown and its ticks, the words for refusals, and the state's
 * transitions (begin, done, fail, cancel, live refresh). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmon/monitor/prof_pane.h"

/* The URL of kind k for the single -ports field spec. */
static void check_url(const char *spec, enum cm_prof_kind k, int seconds, const char *want)
{
	struct cm_target_list l = {0};
	char err[256];
	CHECK_MSG(cm_targets_parse(spec, &l, err, sizeof err) == 0, "%s: %s", spec, err);
	if (!l.n)
		return;
	char *url = cm_prof_url(&l.v[0], k, seconds);
	CHECK_STR(url, want, spec);
	free(url);
	cm_targets_free(&l);
}

static void test_urls(void)
{
	check_url(":6060", CM_PROF_HEAP, 10, "http://localhost:6060/debug/pprof/heap");
	check_url("6060", CM_PROF_CPU, 10, "http://localhost:6060/debug/pprof/profile?seconds=10");
	check_url("127.0.0.1:5000", CM_PROF_CPU, 3,
		  "http://127.0.0.1:5000/debug/pprof/profile?seconds=3");
	check_url("https://u:p@host:443", CM_PROF_MUTEX, 10, "https://host:443/debug/pprof/mutex");
	check_url("[::1]:80", CM_PROF_GOROUTINE, 10, "http://[::1]:80/debug/pprof/goroutine");
	/* the pprof endpoints move with an entry path that ends in /debug/vars */
	check_url("http://h:1/app/debug/vars", CM_PROF_ALLOCS, 10,
		  "http://h:1/app/debug/pprof/allocs");
	check_url("http://h:1/debug/vars", CM_PROF_BLOCK, 10, "http://h:1/debug/pprof/block");
	/* any other entry path: the service's root */
	check_url("http://h:1/metrics", CM_PROF_THREADCREATE, 10,
		  "http://h:1/debug/pprof/threadcreate");
	check_url("http://h:1/x/debug/vars?a=1", CM_PROF_HEAP, 10, "http://h:1/debug/pprof/heap");
	/* a CPU capture always asks for at least a second */
	check_url(":1", CM_PROF_CPU, 0, "http://localhost:1/debug/pprof/profile?seconds=1");

	struct cm_target_list l = {0};
	char err[256];
	CHECK(cm_targets_parse("http://h:1/app/debug/vars", &l, err, sizeof err) == 0);
	char *u = cm_prof_endpoint_url(&l.v[0], "goroutine", "?debug=1");
	CHECK_STR(u, "http://h:1/app/debug/pprof/goroutine?debug=1", "endpoint with query");
	free(u);
	cm_targets_free(&l);

	CHECK_STR(cm_prof_kind_name(CM_PROF_CPU), "cpu", "cpu name");
	CHECK_STR(cm_prof_kind_name(CM_PROF_THREADCREATE), "threadcreate", "threadcreate name");
	CHECK_STR(cm_prof_kind_name(CM_PROF_KINDS), "?", "out of range");
}

static void test_timeouts(void)
{
	CHECK(cm_prof_timeout_ms(CM_PROF_CPU, 10) == 10000 + CM_PROF_MARGIN_MS);
	CHECK(cm_prof_timeout_ms(CM_PROF_CPU, 3600) == 3600000 + CM_PROF_MARGIN_MS);
	CHECK(cm_prof_timeout_ms(CM_PROF_HEAP, 10) == CM_PROF_MARGIN_MS);
	CHECK(cm_prof_timeout_ms(CM_PROF_CPU, 0) == CM_PROF_MARGIN_MS);
}

static void test_countdown(void)
{
	double ends = 103.0; /* a 3 s capture started at 100 */
	CHECK(cm_prof_seconds_left(ends, 100.0) == 3);
	CHECK(cm_prof_seconds_left(ends, 100.5) == 3);
	CHECK(cm_prof_seconds_left(ends, 101.0) == 2);
	CHECK(cm_prof_seconds_left(ends, 101.001) == 2);
	CHECK(cm_prof_seconds_left(ends, 102.999) == 1);
	CHECK(cm_prof_seconds_left(ends, 103.0) == 0);
	CHECK(cm_prof_seconds_left(ends, 200.0) == 0);
	CHECK(cm_prof_seconds_left(ends, NAN) == 0);
	/* the ticks are the moments the number changes */
	CHECK(fabs(cm_prof_next_tick(ends, 100.0) - 101.0) < 1e-9);
	CHECK(fabs(cm_prof_next_tick(ends, 100.4) - 101.0) < 1e-9);
	CHECK(fabs(cm_prof_next_tick(ends, 101.0) - 102.0) < 1e-9);
	CHECK(fabs(cm_prof_next_tick(ends, 102.5) - 103.0) < 1e-9);
	CHECK(cm_prof_next_tick(ends, 103.0) >= 103.0 + CM_PROF_NEVER);
	/* a tick is always later than now while the capture runs */
	for (double t = 100.0; t < ends; t += 0.037)
		CHECK_MSG(cm_prof_next_tick(ends, t) > t, "at %f", t);
}

static void test_capture_text(void)
{
	char buf[128];
	cm_prof_capture_text(buf, sizeof buf, 30, 130.0, 100.0);
	CHECK_STR(buf, "capturing a 30 s CPU profile: 30 s left (Esc cancels)", "at the start");
	cm_prof_capture_text(buf, sizeof buf, 30, 130.0, 128.2);
	CHECK_STR(buf, "capturing a 30 s CPU profile: 2 s left (Esc cancels)", "counted down");
	cm_prof_capture_text(buf, sizeof buf, 30, 130.0, 130.0);
	CHECK_STR(buf, "capture over: waiting for the profile (Esc cancels)", "over");
	cm_prof_capture_text(buf, sizeof buf, 30, 130.0, NAN);
	CHECK_STR(buf, "capture over: waiting for the profile (Esc cancels)", "no clock");
	cm_prof_capture_text(buf, 12, 30, 130.0, 100.0);
	CHECK(strlen(buf) == 11); /* cut, never past the buffer */
}

static void test_error_text(void)
{
	char buf[256];
	cm_prof_error_text(buf, sizeof buf, CM_PROF_CPU, 5, 500, "HTTP 500 Internal Server Error");
	CHECK_ERR(buf, "refused: another CPU capture runs there", "refused capture");
	CHECK(strlen(buf) <= 52); /* the status line beside the sparklines */
	cm_prof_error_text(buf, sizeof buf, CM_PROF_HEAP, 5, 500, "HTTP 500 Internal Server Error");
	CHECK_STR(buf, "HTTP 500 Internal Server Error", "500 for heap is as it came");
	cm_prof_error_text(buf, sizeof buf, CM_PROF_CPU, 60, 400, "HTTP 400 Bad Request");
	CHECK_ERR(buf, "refused a 60 s capture", "WriteTimeout");
	cm_prof_error_text(buf, sizeof buf, CM_PROF_MUTEX, 5, 404, "HTTP 404 Not Found");
	CHECK_ERR(buf, "no /debug/pprof/mutex here", "404");
	cm_prof_error_text(buf, sizeof buf, CM_PROF_CPU, 5, 404, "HTTP 404 Not Found");
	CHECK_ERR(buf, "no /debug/pprof/profile here", "404 cpu");
	cm_prof_error_text(buf, sizeof buf, CM_PROF_HEAP, 5, 0, "connection refused");
	CHECK_STR(buf, "connection refused", "no status");
	cm_prof_error_text(buf, sizeof buf, CM_PROF_HEAP, 5, 0, NULL);
	CHECK_STR(buf, "failed", "no reason");
}

static void test_state(void)
{
	struct cm_prof_pane p = {.open = true, .kind = CM_PROF_CPU, .seconds = 3, .live_every = 2};
	cm_pane_begin(&p, 100.0);
	CHECK(p.phase == CM_PANE_CAPTURING);
	CHECK(fabs(p.ends - 103.0) < 1e-9);
	CHECK(fabs(cm_pane_next_wake(&p, 100.2) - 101.0) < 1e-9);
	CHECK(!cm_pane_toggle_live(&p, 100.2) && !p.live);
	cm_pane_cancelled(&p);
	CHECK(p.phase == CM_PANE_IDLE);
	CHECK_ERR(p.note, "capture cancelled", "cancel note");
	CHECK(cm_pane_next_wake(&p, 100.3) >= 100.3 + CM_PROF_NEVER);

	cm_pane_begin(&p, 110.0);
	CHECK(p.note[0] == '\0');
	cm_pane_fail(&p, "the service refused", 111.0);
	CHECK(p.phase == CM_PANE_IDLE);
	CHECK_STR(p.note, "the service refused", "fail note");

	p.kind = CM_PROF_HEAP;
	cm_pane_begin(&p, 120.0);
	CHECK(p.phase == CM_PANE_FETCHING);
	CHECK(cm_pane_next_wake(&p, 120.0) >= 120.0 + CM_PROF_NEVER);
	cm_pane_done(&p, 1700000000.0, 121.0);
	CHECK(p.phase == CM_PANE_IDLE && p.fetched_at == 1700000000.0);
	CHECK(!cm_pane_live_due(&p, 200.0)); /* live is off */
	CHECK(cm_pane_toggle_live(&p, 121.0) && p.live);
	CHECK(!cm_pane_live_due(&p, 122.9));
	CHECK(cm_pane_live_due(&p, 123.0));
	CHECK(fabs(cm_pane_next_wake(&p, 122.0) - 123.0) < 1e-9);
	CHECK(fabs(cm_pane_next_wake(&p, 124.0) - 124.0) < 1e-9);
	cm_pane_begin(&p, 123.0); /* a live refetch runs: not due again */
	CHECK(!cm_pane_live_due(&p, 130.0));
	cm_pane_fail(&p, "timed out", 130.0); /* live goes on trying */
	CHECK(cm_pane_live_due(&p, 132.0));
	p.open = false;
	CHECK(!cm_pane_live_due(&p, 140.0));
	CHECK(cm_pane_toggle_live(&p, 140.0) && !p.live);
}

int main(void)
{
	test_urls();
	test_timeouts();
	test_countdown();
	test_capture_text();
	test_error_text();
	test_state();
	return check_status("test_prof_pane");
}
