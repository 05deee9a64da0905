/* Allocation failure: the decoder, and the -top and -traces reports after
 * it, are run with the Nth allocation failing, for every N until a run
 * completes untouched. Each must fail cleanly (NULL or -1 with a one-line
 * message) or carry on without that memory (the id maps' direct tables are
 * optional), never crash, and free everything it allocated.
 *
 * malloc and friends are replaced for the whole process (failalloc.h),
 * so this test cannot be built with ASan;
 * tests/unit/meson.build leaves it out of sanitizer builds. */
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "check.h"
#include "cmon/monitor/capstore.h"
#include "cmon/monitor/trigger.h"
#include "cmon/monitor/monitor.h"
#include "cmon/monitor/target_src.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/profile_ops.h"
#include "cmon/profile/report.h"
#include "cmon/profile/stack_tree.h"
#include "cmon/viewer/viewer.h"
#include "cmon/monitor/series.h"
#include "failalloc.h"
#include "cmon/monitor/plot.h"
#include "cmon/monitor/svc_order.h"
#include "monitor_make.h"

/* ---- a small real profile ---- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = __libc_realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void uv(struct buf *b, uint64_t v)
{
	unsigned char c;
	while (v >= 0x80) {
		c = (unsigned char)(v | 0x80);
		put(b, &c, 1);
		v >>= 7;
	}
	c = (unsigned char)v;
	put(b, &c, 1);
}

static void vf(struct buf *b, unsigned f, uint64_t v)
{
	uv(b, (uint64_t)f << 3);
	uv(b, v);
}

static void bf(struct buf *b, unsigned f, const struct buf *sub)
{
	uv(b, (uint64_t)f << 3 | 2);
	uv(b, sub->n);
	put(b, sub->p, sub->n);
}

static void sf(struct buf *b, unsigned f, const char *s)
{
	struct buf sub = {(unsigned char *)s, strlen(s), 0};
	bf(b, f, &sub);
}

/* Two sample types, 40 samples over 6 locations (2 with an inlined call) and
 * 4 functions, labels. */
static struct buf profile(void)
{
	static const char *str[] = {"", "samples", "count", "cpu", "nanoseconds", "main.main",
				    "main.go", "main.a", "main.b", "runtime.goexit", "thread", "w",
				    "/bin/app"};
	struct buf b = {0}, m = {0};
	for (int t = 0; t < 2; t++) {
		m.n = 0;
		vf(&m, 1, t ? 3 : 1);
		vf(&m, 2, t ? 4 : 2);
		bf(&b, 1, &m);
	}
	for (int i = 0; i < 40; i++) {
		struct buf locs = {0}, lab = {0};
		for (int k = 0; k <= i % 5; k++)
			uv(&locs, (uint64_t)((i + k) % 6 + 1));
		m.n = 0;
		bf(&m, 1, &locs);
		vf(&m, 2, (uint64_t)(i + 1));
		vf(&m, 2, (uint64_t)(i + 1) * 1000);
		vf(&lab, 1, 10);
		vf(&lab, 2, 11);
		bf(&m, 3, &lab);
		lab.n = 0; /* a numeric label with a unit: "cpu" = i ns */
		vf(&lab, 1, 3);
		vf(&lab, 3, (uint64_t)i);
		vf(&lab, 4, 4);
		bf(&m, 3, &lab);
		bf(&b, 2, &m);
		__libc_free(locs.p);
		__libc_free(lab.p);
	}
	m.n = 0;
	vf(&m, 1, 1);
	vf(&m, 2, 0x400000);
	vf(&m, 3, 0x500000);
	vf(&m, 5, 12);
	bf(&b, 3, &m);
	for (int l = 1; l <= 6; l++) {
		struct buf line = {0};
		m.n = 0;
		vf(&m, 1, (uint64_t)l);
		vf(&m, 2, 1);
		vf(&m, 3, 0x400000 + (uint64_t)l * 16);
		vf(&line, 1, (uint64_t)(l % 4 + 1));
		vf(&line, 2, (uint64_t)l * 10);
		bf(&m, 4, &line);
		if (l <= 2) { /* inlined into the next function */
			line.n = 0;
			vf(&line, 1, (uint64_t)((l + 1) % 4 + 1));
			vf(&line, 2, 99);
			bf(&m, 4, &line);
		}
		bf(&b, 4, &m);
		__libc_free(line.p);
	}
	for (int f = 1; f <= 4; f++) {
		m.n = 0;
		vf(&m, 1, (uint64_t)f);
		vf(&m, 2, (uint64_t)(4 + f));
		vf(&m, 4, 6);
		bf(&b, 5, &m);
	}
	for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++)
		sf(&b, 6, str[i]);
	vf(&b, 12, 10000000);
	__libc_free(m.p);
	return b;
}

static struct buf gzip_of(const struct buf *in)
{
	struct buf out = {0};
	z_stream z = {0};
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	out.cap = deflateBound(&z, in->n) + 64;
	out.p = __libc_malloc(out.cap);
	z.next_in = in->p;
	z.avail_in = (uInt)in->n;
	z.next_out = out.p;
	z.avail_out = (uInt)out.cap;
	deflate(&z, Z_FINISH);
	out.n = out.cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

struct chunks {
	const struct buf *b;
	size_t pos;
};

static size_t read_chunk(void *ctx, unsigned char *buf, size_t len)
{
	struct chunks *c = ctx;
	size_t n = c->b->n - c->pos;
	if (n > 100)
		n = 100;
	if (n > len)
		n = len;
	memcpy(buf, c->b->p + c->pos, n);
	c->pos += n;
	return n;
}

/* The reports run: -top with labels dropped, the others with them kept.
 * The tag options are numeric ranges and keys, no regexes: a regex match
 * that runs out of memory reads as "no match" (cm_filter_match). The modes
 * before NMODES_FULL run over every input, failing in the decoder and in the
 * report; the rest fail in the report only (their decoding is the same). */
enum {
	MODE_TOP, MODE_TRACES, MODE_TAGS, MODE_TOP_TAGS, NMODES_FULL,
	MODE_TREE = NMODES_FULL, MODE_RAW, MODE_COMMENTS, MODE_FOLDED, MODE_PROTO, MODE_TOPPROTO,
	MODE_DOT, MODE_CALLGRIND, MODE_DOT_CALL_TREE, NMODES
};
static const char *const mode_names[NMODES] = {
	"-top", "-traces", "-tags -tagfocus -tagroot", "-top -tagleaf -tagignore",
	"-tree", "-raw", "-comments", "-folded", "-proto", "-topproto",
	"-dot", "-callgrind", "-dot -call_tree",
};

static void mode_opts(int mode, struct cm_report_opts *o)
{
	static const enum cm_report_kind kinds[NMODES] = {
		CM_REPORT_TOP, CM_REPORT_TRACES, CM_REPORT_TAGS, CM_REPORT_TOP,
		CM_REPORT_TREE, CM_REPORT_RAW, CM_REPORT_COMMENTS, CM_REPORT_FOLDED, CM_REPORT_PROTO, CM_REPORT_TOPPROTO,
		CM_REPORT_DOT, CM_REPORT_CALLGRIND, CM_REPORT_DOT,
	};
	cm_report_opts_init(o);
	o->kind = kinds[mode];
	o->call_tree = mode == MODE_DOT_CALL_TREE;
	if (mode == MODE_TAGS) {
		o->tagfocus = "cpu=3ns:";
		o->tagroot = "thread,cpu";
	} else if (mode == MODE_TOP_TAGS) {
		o->tagleaf = "cpu";
		o->tagignore = "cpu=5ns:9ns";
	}
}

/* Report output goes to a fixed buffer (no allocation while writing) and
 * must match the untouched run's whenever a run succeeds. */
static char outbuf[1 << 20];
static FILE *out;
static char ref_out[NMODES][1 << 20];
static long ref_len[NMODES];
/* Runs that ended in a clean error: none at all would mean no allocation
 * ever failed, and every check above would pass without testing a thing. */
static long runs_failed;

/* One run: decode, then the report of mode (labels dropped for MODE_TOP),
 * with allocation fail_at failing in the decoder (in_report 0) or in the
 * report (in_report 1). Returns 1 when the run never reached allocation
 * fail_at. */
static int run(const struct buf *b, int stream, int mode, int in_report, long fail_at,
	       const char *what)
{
	char err[256] = "";
	struct cm_decode_limits lim = {.drop_labels = mode == MODE_TOP};
	long base = alloc_live;
	alloc_fail_at(in_report ? 0 : fail_at);
	struct cm_profile *p;
	if (stream) {
		struct chunks c = {b, 0};
		p = cm_profile_decode_stream(read_chunk, &c, &lim, err, sizeof(err));
	} else {
		p = cm_profile_decode(b->p, b->n, &lim, err, sizeof(err));
	}
	int untouched = in_report || !alloc_reached(fail_at);
	if (!p) {
		runs_failed++;
		CHECK_MSG(!untouched, "%s: failed untouched: %s", what, err);
		CHECK_MSG(err[0] && !strchr(err, '\n'), "%s at %ld: bad message \"%s\"", what,
			  fail_at, err);
	} else {
		struct cm_report_opts o;
		mode_opts(mode, &o);
		struct cm_report r;
		alloc_fail_at(in_report ? fail_at : 0);
		rewind(out);
		int rc = cm_profile_remove_uninteresting(p, err, sizeof(err));
		if (rc == 0)
			rc = cm_report_prepare(&r, p, &o, err, sizeof(err));
		if (rc == 0)
			rc = cm_report_write(&r, out, err, sizeof(err));
		fflush(out);
		long len = ftell(out);
		bool reached = alloc_reached(fail_at);
		if (in_report)
			untouched = !reached;
		int slot = mode;
		if (rc == 0 && ref_len[slot] < 0) {
			memcpy(ref_out[slot], outbuf, (size_t)len);
			ref_len[slot] = len;
		}
		if (rc == 0)
			CHECK_MSG(len == ref_len[slot] && !memcmp(outbuf, ref_out[slot], (size_t)len),
				  "%s with allocation %ld failing: succeeded with different output",
				  what, fail_at);
		else
			runs_failed++;
		if (rc != 0)
			CHECK_MSG(!untouched && err[0] && !strchr(err, '\n'),
				  "%s at %ld: report failed: \"%s\"", what, fail_at, err);
	}
	cm_profile_free(p);
	if (fail_at > 0) /* the reference runs make libc's one-time allocations */
		CHECK_MSG(alloc_live == base, "%s with allocation %ld failing: %ld blocks leaked",
			  what, fail_at, alloc_live - base);
	return untouched;
}

/* The stack tree of the flame graph, allocation fail_at failing: -1 and
 * nothing kept, or the same tree as untouched. Returns 1 when untouched. */
static int run_stack_tree(const struct buf *b, long fail_at, size_t *ref_frames)
{
	char err[256];
	struct cm_decode_limits lim = {.drop_labels = true};
	struct cm_profile *p = cm_profile_decode(b->p, b->n, &lim, err, sizeof(err));
	struct cm_nodes nodes;
	if (!p || cm_nodes_build(&nodes, p, &(struct cm_nodes_opts){0}) < 0) {
		CHECK_MSG(0, "stack tree: setup failed");
		cm_profile_free(p);
		return 1;
	}
	long base = alloc_live;
	alloc_fail_at(fail_at);
	struct cm_stack_tree t;
	int rc = cm_stack_tree_build(&t, p, &nodes, 0);
	bool reached = alloc_reached(fail_at);
	if (rc == 0 && !*ref_frames)
		*ref_frames = t.nframes;
	if (rc == 0)
		CHECK_MSG(t.nframes == *ref_frames && t.nframes > 1,
			  "stack tree at %ld: %zu frames, untouched %zu", fail_at, t.nframes, *ref_frames);
	else
		CHECK_MSG(reached && t.nframes == 0 && !t.frames, "stack tree at %ld: failed untouched",
			  fail_at);
	if (rc == 0)
		cm_stack_tree_free(&t);
	CHECK_MSG(alloc_live == base, "stack tree at %ld: %ld blocks leaked", fail_at,
		  alloc_live - base);
	cm_nodes_free(&nodes);
	cm_profile_free(p);
	return !reached;
}

/* The viewer's FLAME and TREE levels with allocation fail_at failing in
 * them (the load untouched): no crash, no leak once the viewer is freed.
 * Returns 1 when untouched. */
static int run_viewer_levels(const struct buf *b, long fail_at)
{
	char err[256];
	long base = alloc_live;
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.goroot = o.gomodcache = "";
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	if (!v || cm_viewer_load(v, b->p, b->n, 0, err, sizeof(err)) < 0) {
		CHECK_MSG(0, "viewer levels: load failed: %s", err);
		cm_viewer_free(v);
		return 1;
	}
	alloc_fail_at(fail_at);
	cm_viewer_flame(v, 0);
	cm_viewer_flame_layout(v, 80);
	cm_viewer_flame_move(v, CM_DIR_CHILD, 0);
	cm_viewer_flame_zoom(v, 0);
	cm_viewer_flame_search(v, "main", err, sizeof(err));
	cm_viewer_flame_layout(v, 7);
	cm_viewer_flame_status(v);
	cm_viewer_calltree(v, 0);
	cm_viewer_tree_open(v, true, 0);
	cm_viewer_tree_open(v, false, 0);
	/* a refresh: the tree's and the flame graph's frames found again */
	cm_viewer_load(v, b->p, b->n, 0, err, sizeof(err));
	cm_viewer_enter(v, 0);
	cm_viewer_back(v);
	cm_viewer_back(v);
	cm_viewer_flame_layout(v, 80);
	bool reached = alloc_reached(fail_at);
	cm_viewer_free(v);
	if (fail_at > 0)
		CHECK_MSG(alloc_live == base, "viewer levels at %ld: %ld blocks leaked", fail_at,
			  alloc_live - base);
	return !reached;
}

/* The viewer's labels level (=) and a tag focus chosen in it (a rebuild
 * under a tag filter), with allocation fail_at failing: each step fails
 * cleanly or goes on, never crashes, and nothing leaks. Returns 1 when the
 * run never reached allocation fail_at; *done: it got through every step. */
static int run_labels(const struct buf *b, long fail_at, bool *done)
{
	char err[256];
	long base = alloc_live;
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.goroot = o.gomodcache = "";
	alloc_fail_at(fail_at);
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	*done = false;
	if (v && cm_viewer_load(v, b->p, b->n, 0, err, sizeof(err)) == 0 && cm_viewer_labels(v, 0)) {
		cm_viewer_move(v, 1, 0); /* past cpu's first value: another one */
		*done = cm_viewer_label_filter(v, false, 0, err, sizeof(err)) == 0 &&
			cm_viewer_level(v)->nrows > 0;
	}
	bool reached = alloc_reached(fail_at);
	cm_viewer_free(v);
	if (fail_at > 0)
		CHECK_MSG(alloc_live == base, "labels level with allocation %ld failing: %ld blocks leaked",
			  fail_at, alloc_live - base);
	return !reached;
}

static long test_labels_oom(const struct buf *b)
{
	bool done;
	run_labels(b, 0, &done);
	CHECK_MSG(done, "labels level: the untouched run did not get through");
	long n = 1, failed = 0;
	while (!run_labels(b, n, &done) && n < 100000) {
		failed += !done;
		n++;
	}
	CHECK_MSG(n > 1 && failed > 0, "labels level: no failing allocation made it fail");
	return n;
}

/* Tables built in slices (issue 15) with allocation fail_at failing in
 * them: ahead, and for a switch waited for; a failed one drops the switch
 * with a message, never crashes, and nothing leaks. Returns 1 when
 * untouched; *done: the switch was made. */
static int run_stepped(const struct buf *b, long fail_at, bool *done)
{
	char err[256];
	long base = alloc_live;
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.goroot = o.gomodcache = "";
	o.background = true;
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	if (!v || cm_viewer_load(v, b->p, b->n, 0, err, sizeof(err)) < 0) {
		CHECK_MSG(0, "stepped builds: load failed: %s", err);
		cm_viewer_free(v);
		return 1;
	}
	alloc_fail_at(fail_at);
	for (int i = 0; i < 3 && cm_viewer_pending(v); i++)
		cm_viewer_step(v, 5, 0);
	cm_viewer_set_granularity(v, CM_GRAN_FILES, 0, err, sizeof(err));
	cm_viewer_step(v, 3, 0);
	cm_viewer_toggle_sort(v, 0);
	for (int i = 0; i < 100000 && cm_viewer_pending(v); i++)
		cm_viewer_step(v, 7, 0);
	*done = cm_viewer_granularity(v) == CM_GRAN_FILES && cm_viewer_top_count(v) > 0;
	bool reached = alloc_reached(fail_at);
	cm_viewer_free(v);
	if (fail_at > 0)
		CHECK_MSG(alloc_live == base, "stepped builds at %ld: %ld blocks leaked", fail_at,
			  alloc_live - base);
	return !reached;
}

static long oom_stepped(const struct buf *raw)
{
	bool done;
	run_stepped(raw, 0, &done);
	CHECK_MSG(done, "stepped builds: the untouched run did not switch");
	long n = 1, failed = 0;
	while (!run_stepped(raw, n, &done) && n < 100000) {
		failed += !done;
		n++;
	}
	CHECK_MSG(n > 1 && failed > 0, "stepped builds: no failing allocation made a switch fail");
	return n;
}

static long oom_flame(const struct buf *raw)
{
	size_t ref = 0;
	long n = 1, total = 0;
	run_stack_tree(raw, 0, &ref);
	while (!run_stack_tree(raw, n, &ref) && n < 100000)
		n++;
	CHECK_MSG(n > 1, "stack tree: no allocation at all?");
	total += n;
	run_viewer_levels(raw, 0);
	for (n = 1; !run_viewer_levels(raw, n) && n < 100000;)
		n++;
	CHECK_MSG(n > 1, "viewer levels: no allocation at all?");
	return total + n;
}

/* ---- the monitor reading /metrics bodies (prom_vars.c) ---- */

static const char prom_body[] =
	"# TYPE go_goroutines gauge\ngo_goroutines 12\ngo_threads 7\n"
	"# TYPE req_total counter\nreq_total{code=\"200\"} 100\nreq_total{code=\"500\"} 10\n"
	"# TYPE lat_seconds histogram\nlat_seconds_bucket{le=\"0.1\"} 10\n"
	"lat_seconds_bucket{le=\"1\"} 20\nlat_seconds_bucket{le=\"+Inf\"} 20\n"
	"process_start_time_seconds 5\n";

/* A monitor made, fed the body twice and freed, with allocation fail_at
 * failing (0: none). True when the run was untouched; *goroutines gets the
 * value read, -1 when none. */
static bool run_prom(long fail_at, double *goroutines)
{
	long base = alloc_live;
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	struct cm_monitor m;
	char err[256];
	*goroutines = -1;
	alloc_fail_at(fail_at);
	if (cm_targets_parse("http://127.0.0.1:1/metrics", &t, err, sizeof err) == 0 &&
	    cm_vars_parse("@goroutines,req_total{code=~\"5..\"},p99:lat_seconds,x[-1]", &v, err,
			  sizeof err) == 0) {
		if (cm_monitor_init(&m, &t, &v, "/debug/vars") == 0) {
			for (int poll = 0; poll < 2; poll++) {
				cm_monitor_note_answer(&m, 0, "text/plain; version=0.0.4");
				cm_monitor_vars_result(&m, 0, prom_body, sizeof prom_body - 1, NULL, 10 + poll);
			}
			if (m.svc[0].ncells && m.svc[0].cells[0].value.state == CM_VALUE_NUMBER)
				*goroutines = m.svc[0].cells[0].value.num;
			cm_monitor_free(&m);
		}
	}
	cm_targets_free(&t);
	cm_vars_free(&v);
	bool reached = alloc_reached(fail_at);
	CHECK_MSG(alloc_live == base, "prom monitor with allocation %ld failing: %ld blocks leaked",
		  fail_at, alloc_live - base);
	return !reached;
}

static long test_prom_oom(void)
{
	double g;
	run_prom(0, &g);
	CHECK_MSG(g == 12, "prom monitor: the untouched run read %g goroutines", g);
	long n = 1;
	while (!run_prom(n, &g) && n < 100000)
		n++;
	CHECK_MSG(n > 1 && g == 12, "prom monitor: %ld allocations, then %g goroutines", n, g);
	return n;
}

/* The several-services screen's models (the rows searched and grouped
 * by host, the zoom's canvas) with allocation fail_at failing: -1 and the
 * state still usable, or the same lines as untouched; nothing leaked. */
static int run_fleet(const struct cm_monitor *m, long fail_at)
{
	long base = alloc_live;
	char err[256];
	struct cm_svc_order o;
	struct cm_plot p;
	cm_svc_order_init(&o, 1.0);
	cm_plot_init(&p);
	o.group = true;
	alloc_fail_at(fail_at);
	int rs = cm_svc_order_set_search(&o, "b", err, sizeof(err));
	int ru = cm_svc_order_update(&o, m, 1, true);
	int rp = cm_plot_reset(&p, 80, 20, CM_GLYPHS_BRAILLE);
	bool reached = alloc_reached(fail_at);
	alloc_fail_at(0);
	if (ru == 0)
		CHECK_MSG(o.n == 3 && o.nlines == 5 && cm_svc_order_grouped(&o),
			  "fleet at %ld: %zu rows, %zu lines", fail_at, o.n, o.nlines);
	if (rs == 0)
		CHECK_MSG(o.search != NULL, "fleet at %ld: no search", fail_at);
	CHECK_MSG((rs == 0 && ru == 0 && rp == 0) || reached, "fleet at %ld: failed untouched",
		  fail_at);
	if (rp == 0)
		CHECK_MSG(p.w == 80 && p.h == 20, "fleet at %ld: plot %dx%d", fail_at, p.w, p.h);
	/* usable after a failure: the next update and reset succeed */
	CHECK_MSG(cm_svc_order_update(&o, m, 2, true) == 0 && o.nlines == 5,
		  "fleet at %ld: not usable after", fail_at);
	CHECK_MSG(cm_plot_reset(&p, 80, 20, CM_GLYPHS_BRAILLE) == 0, "fleet at %ld: plot after",
		  fail_at);
	cm_svc_order_free(&o);
	cm_plot_free(&p);
	CHECK_MSG(alloc_live == base, "fleet at %ld: %ld blocks leaked", fail_at, alloc_live - base);
	return !reached;
}

static long oom_fleet(void)
{
	struct cm_monitor m;
	make(&m, "a.example:1,b.example:2,a.example:3", "requests");
	for (size_t i = 0; i < m.nsvc; i++)
		CHECK(cm_monitor_vars_result(&m, i, "{\"requests\": 1}", 15, NULL, 1) == 0);
	long n = 1;
	run_fleet(&m, 0);
	while (!run_fleet(&m, n) && n < 100000)
		n++;
	CHECK_MSG(n > 1, "fleet: no allocation at all?");
	cm_monitor_free(&m);
	return n;
}

/* ---- the monitor following a new target list ---- */

static void oom_monitor(struct cm_monitor *m)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	char err[256];
	CHECK(cm_targets_parse("1,2,3", &t, err, sizeof err) == 0);
	CHECK(cm_vars_parse("requests", &v, err, sizeof err) == 0);
	CHECK(cm_monitor_init(m, &t, &v, "/debug/vars") == 0);
	const char *body = "{\"requests\": 5}";
	for (size_t i = 0; i < m->nsvc; i++)
		CHECK(cm_monitor_vars_result(m, i, body, strlen(body), NULL, 100) == 0);
}

/* A file's lines, an API answer, and the two changes of list they make
 * (one service leaves, then comes back), allocation fail_at failing: each
 * step fails with the monitor as it was, or goes on; nothing leaks. 1 when
 * fail_at was never reached. */
static int run_set_targets(long fail_at, bool *done)
{
	static const char *answer = "{\"status\":\"success\",\"data\":{\"activeTargets\":["
				    "{\"labels\":{\"job\":\"d\"},\"scrapeUrl\":\"http://localhost:4/x\"}]}}";
	struct cm_monitor m;
	oom_monitor(&m);
	char err[256];
	struct cm_target_list a = {0}, b = {0};
	size_t *to = NULL;
	int steps = 0;
	alloc_fail_at(fail_at);
	if (cm_targets_parse_lines("3\n1 # one\n", 10, "f", &a, err, sizeof err) == 0 &&
	    cm_targets_from_prom(answer, strlen(answer), "d", &b, err, sizeof err) == 0 &&
	    cm_targets_join(&a, &b, err, sizeof err) == 0) {
		steps++;
		if (cm_monitor_set_targets(&m, &a, &to) == 0) {
			steps++;
			free(to);
			if (cm_targets_parse("1,2,3", &a, err, sizeof err) == 0 &&
			    cm_monitor_set_targets(&m, &a, &to) == 0) {
				steps++;
				free(to);
			}
		}
	}
	bool reached = alloc_reached(fail_at);
	/* whatever failed, the monitor is whole: each service on its target */
	for (size_t i = 0; i < m.nsvc; i++)
		CHECK_MSG(m.svc[i].target == &m.targets.v[i], "set targets at %ld: service %zu",
			  fail_at, i);
	CHECK_MSG(steps < 1 || m.nsvc == 3, "set targets at %ld: %zu services", fail_at, m.nsvc);
	*done = steps == 3 && m.svc[1].ncells == 1 && m.svc[1].cells[0].series.len == 1;
	cm_targets_free(&a);
	cm_targets_free(&b);
	cm_monitor_free(&m);
	return !reached;
}

static long test_set_targets_oom(void)
{
	bool done;
	long live = alloc_live;
	run_set_targets(0, &done);
	CHECK_MSG(done, "set targets: the untouched run did not get through");
	CHECK_MSG(alloc_live == live, "set targets: %ld blocks leaked untouched", alloc_live - live);
	long n = 1, failed = 0;
	while (!run_set_targets(n, &done) && n < 100000) {
		CHECK_MSG(alloc_live == live, "set targets at %ld: %ld blocks leaked", n,
			  alloc_live - live);
		failed += !done;
		n++;
	}
	CHECK_MSG(n > 1 && failed > 0, "set targets: no failing allocation made it fail");
	return n;
}

/* -trigger parsed and bound to the vars, its state sized and moved with
 * the services, a firing, and the capture store, allocation fail_at
 * failing: each step fails whole or goes on; nothing leaks. 1 when
 * fail_at was never reached. */
static int run_triggers(long fail_at, bool *done)
{
	struct cm_trigger_set s = {0};
	struct cm_var_list v = {0};
	struct cm_capstore st;
	cm_capstore_init(&st, 2, 1 << 20);
	struct cm_capture c = {.kind = CM_PROF_CPU};
	static const unsigned char data[64] = {1};
	char err[256];
	int steps = 0;
	size_t to[2] = {1, 0};
	alloc_fail_at(fail_at);
	if (cm_vars_parse("mem:memstats.Alloc", &v, err, sizeof err) == 0 &&
	    cm_triggers_parse(&s, "rate:requests>5:cpu,heap;memstats.Alloc>1GB:heap:for=2", err,
			      sizeof err) == 0 &&
	    cm_triggers_bind(&s, &v) == 0) {
		steps++;
		if (cm_triggers_resize(&s, 2, NULL, 0) == 0 && cm_triggers_resize(&s, 2, to, 2) == 0)
			steps++;
		if (cm_capstore_add(&st, &c, data, sizeof data) && cm_capstore_add(&st, &c, data, 8) &&
		    cm_capstore_add(&st, &c, data, 8))
			steps++;
	}
	bool reached = alloc_reached(fail_at);
	CHECK_MSG(steps < 1 || (v.n == 2 && s.v[0].var_index == 1 && s.v[1].var_index == 0),
		  "triggers at %ld: bound wrong", fail_at);
	CHECK_MSG(st.n <= 2, "triggers at %ld: store over its count", fail_at);
	*done = steps == 3;
	cm_capstore_free(&st);
	cm_triggers_free(&s);
	cm_vars_free(&v);
	return !reached;
}

static long test_triggers_oom(void)
{
	bool done;
	long live = alloc_live;
	run_triggers(0, &done);
	CHECK_MSG(done, "triggers: the untouched run did not get through");
	CHECK_MSG(alloc_live == live, "triggers: %ld blocks leaked untouched", alloc_live - live);
	long n = 1, failed = 0;
	while (!run_triggers(n, &done) && n < 100000) {
		CHECK_MSG(alloc_live == live, "triggers at %ld: %ld blocks leaked", n,
			  alloc_live - live);
		failed += !done;
		n++;
	}
	CHECK_MSG(n > 1 && failed > 0, "triggers: no failing allocation made it fail");
	return n;
}

/* A recorded poll replayed into a fresh monitor (cells, series, the
 * restart's mark allocate) with allocation fail_at failing: -1 or the
 * values in place; nothing leaked. True when the run was untouched. */
static bool run_replay_poll(long fail_at)
{
	long base = alloc_live;
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	struct cm_monitor m;
	char err[256];
	CHECK(cm_targets_parse("127.0.0.1:1", &t, err, sizeof err) == 0);
	CHECK(cm_vars_parse("requests,@goroutines", &v, err, sizeof err) == 0);
	CHECK(cm_monitor_init(&m, &t, &v, "/debug/vars") == 0);
	struct cm_value vals[2] = {{.state = CM_VALUE_NUMBER, .num = 3},
				   {.state = CM_VALUE_NUMBER, .integer = true, .i = 9, .num = 9}};
	bool set[2] = {true, true};
	struct cm_poll_record r = {.vars = true, .state = CM_SVC_UP, .restarted = true,
				   .values = vals, .set = set, .nvalues = 2};
	alloc_fail_at(fail_at);
	int rc = cm_monitor_replay_poll(&m, 0, &r, 10);
	bool reached = alloc_reached(fail_at);
	alloc_fail_at(0);
	if (rc == 0)
		CHECK_MSG(m.svc[0].cells[1].value.i == 9 && m.svc[0].state == CM_SVC_UP,
			  "replay poll at %ld: values not in place", fail_at);
	CHECK_MSG(rc == 0 || reached, "replay poll failed untouched");
	cm_monitor_free(&m);
	CHECK_MSG(alloc_live == base, "replay poll at %ld: %ld blocks leaked", fail_at,
		  alloc_live - base);
	return !reached;
}

/* A series' whole-run history (the ring growing, the tiers made, their
 * rings growing, the last tier merging by pairs) with allocation fail_at
 * failing: the series stays usable, within its budget, the newest sample
 * and the first slot still there; nothing leaked. True when fail_at was
 * past the last allocation. */
static bool run_series(long fail_at)
{
	long live = alloc_live;
	struct cm_series s = {.cap = 100, .dt = 1};
	alloc_fail_at(fail_at);
	for (int k = 0; k < 25000; k++)
		cm_series_push_at(&s, k % 7 ? k : 0.1 * k, 1000.0 + k);
	bool reached = alloc_reached(fail_at);
	struct cm_series_agg g;
	CHECK_MSG(cm_series_bytes(&s) <= cm_series_budget(100), "series at %ld: over budget", fail_at);
	CHECK_MSG(cm_series_back(&s, 0) == 24999, "series at %ld: newest %g", fail_at,
		  cm_series_back(&s, 0));
	CHECK_MSG(cm_series_range(&s, 0, 25000, &g) && g.max == 24999, "series at %ld: no range",
		  fail_at);
	/* a tier that could not grow starts again: the run's start may go */
	CHECK_MSG(reached || cm_series_oldest(&s) == 0, "series: oldest %lld",
		  (long long)cm_series_oldest(&s));
	cm_series_free(&s);
	CHECK_MSG(alloc_live == live, "series at %ld: %ld blocks leaked", fail_at, alloc_live - live);
	return !reached;
}

static long test_series_oom(void)
{
	long n = 1;
	while (!run_series(n) && n < 100000)
		n++;
	CHECK_MSG(n > 20, "series: only %ld allocations", n);
	return n;
}

int main(void)
{
	long n_replay = 1;
	run_replay_poll(0);
	while (!run_replay_poll(n_replay) && n_replay < 1000)
		n_replay++;
	CHECK_MSG(n_replay > 1, "replay poll: no allocation to fail");
	long prom_runs = test_prom_oom() + test_series_oom();
	for (int mode = 0; mode < NMODES; mode++)
		ref_len[mode] = -1;
	out = fmemopen(outbuf, sizeof(outbuf), "w");
	if (!out)
		return 1;
	struct buf raw = profile(), gz = gzip_of(&raw);
	/* The reference outputs, from untouched runs. */
	for (int mode = 0; mode < NMODES; mode++) {
		run(&raw, 0, mode, 1, 0, "reference");
		/* -comments of a profile without comments prints nothing */
		CHECK_MSG(mode >= NMODES_FULL ? ref_len[mode] >= 0 : ref_len[mode] > 0,
			  "reference %s", mode_names[mode]);
	}
	const struct { const struct buf *b; int stream; const char *name; } inputs[] = {
		{&raw, 0, "raw"}, {&gz, 0, "gzip"}, {&raw, 1, "stream raw"}, {&gz, 1, "stream gzip"},
	};
	long total = 0;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		for (int mode = 0; mode < NMODES_FULL; mode++) {
			for (int in_report = 0; in_report < 2; in_report++) {
				char what[128];
				snprintf(what, sizeof(what), "%s, %s, labels %s",
					 in_report ? mode_names[mode] : "decode", inputs[i].name,
					 mode == MODE_TOP ? "dropped" : "kept");
				long n = 1, failed_before = runs_failed;
				while (!run(inputs[i].b, inputs[i].stream, mode, in_report, n, what) &&
				       n < 100000)
					n++;
				CHECK_MSG(n > 1, "%s: no allocation at all?", what);
				CHECK_MSG(runs_failed > failed_before,
					  "%s: no failing allocation made a run fail", what);
				total += n;
			}
		}
	}
	/* The reports that print or encode the whole profile, failing in turn. */
	for (int mode = NMODES_FULL; mode < NMODES; mode++) {
		long n = 1, failed_before = runs_failed;
		while (!run(&raw, 0, mode, 1, n, mode_names[mode]) && n < 100000)
			n++;
		CHECK_MSG(n > 1 || mode == MODE_COMMENTS, "%s: no allocation at all?", mode_names[mode]);
		CHECK_MSG(runs_failed > failed_before || mode == MODE_COMMENTS,
			  "%s: no failing allocation made a run fail", mode_names[mode]);
		total += n;
	}
	total += test_labels_oom(&raw);
	total += oom_flame(&raw);
	total += oom_stepped(&raw);
	total += prom_runs;
	total += oom_fleet();
	total += test_set_targets_oom();
	total += test_triggers_oom();
	printf("test_oom: %ld failing allocations tried\n", total);
	__libc_free(raw.p);
	__libc_free(gz.p);
	fclose(out);
	return check_status("test_oom");
}
