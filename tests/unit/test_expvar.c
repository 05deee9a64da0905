/* Var extraction from real /debug/vars bodies (tests/data/vars, captured
 * from demo/ and from a Go program publishing NaN, +Inf, 2^64-1 and control
 * characters), the goroutine/threadcreate counts, and hostile bodies. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "cmon/monitor/expvar.h"

/* A literal and its length, NULs included. */
#define S(lit) lit, sizeof(lit) - 1

#ifndef CM_TEST_DATA_DIR
#define CM_TEST_DATA_DIR "tests/data"
#endif

/* A var built by hand (not with cm_vars_parse): path steps separated by
 * '/', "#N" an index step, so keys may hold dots. */
struct tvar {
	struct cm_var v;
	struct cm_var_step steps[8];
	char keys[8][32];
};

static const struct cm_var *mkvar(struct tvar *t, enum cm_var_kind kind, const char *path)
{
	memset(t, 0, sizeof *t);
	t->v.kind = kind;
	t->v.steps = t->steps;
	for (const char *p = path; *p && t->v.nsteps < 8;) {
		size_t n = strcspn(p, "/");
		struct cm_var_step *st = &t->steps[t->v.nsteps];
		if (p[0] == '#') {
			st->index = strtoll(p + 1, NULL, 10);
		} else {
			snprintf(t->keys[t->v.nsteps], sizeof t->keys[0], "%.*s", (int)n, p);
			st->key = t->keys[t->v.nsteps];
		}
		t->v.nsteps++;
		p += n + (p[n] == '/');
	}
	return &t->v;
}

/* A parsed body. The index borrows its text, so the doc keeps a copy of
 * exactly the body's bytes: nothing after them, for ASan to see any read
 * past the end. */
struct doc {
	struct cm_json j; /* first: a struct cm_json * of ours is a struct doc * */
	char *text;
};

static struct cm_json *parse(const char *body, size_t len, char *err, size_t errlen)
{
	struct doc *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->text = malloc(len ? len : 1);
	if (d->text)
		memcpy(d->text, body, len);
	if (d->text && cm_expvar_parse(&d->j, d->text, len, err, errlen) == 0)
		return &d->j;
	cm_json_free(&d->j);
	free(d->text);
	free(d);
	return NULL;
}

static void drop(struct cm_json *j)
{
	struct doc *d = (struct doc *)j;
	if (!d)
		return;
	cm_json_free(&d->j);
	free(d->text);
	free(d);
}

static struct cm_json *parse_ok(const char *body, const char *what);

static struct cm_value get(const struct cm_json *root, enum cm_var_kind kind, const char *path)
{
	struct tvar t;
	return cm_expvar_get(root, mkvar(&t, kind, path));
}

static char *read_fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/vars/%s", CM_TEST_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (buf)
		buf[*len] = '\0';
	fclose(f);
	return buf;
}

static struct cm_json *parse_fixture(const char *name)
{
	size_t len;
	char *body = read_fixture(name, &len), err[160] = "";
	CHECK_MSG(body != NULL, "fixture %s", name);
	if (!body)
		return NULL;
	struct cm_json *root = parse(body, len, err, sizeof err);
	CHECK_MSG(root != NULL, "%s: %s", name, err);
	free(body);
	return root;
}

/* A NUMBER from a JSON integer, exactly want. */
static void check_int(const struct cm_json *root, enum cm_var_kind kind, const char *path, long long want)
{
	struct cm_value v = get(root, kind, path);
	CHECK_MSG(v.state == CM_VALUE_NUMBER && v.integer && v.i == want && v.num == (double)want,
		  "%s: state %d integer %d i %lld, want %lld", path, v.state, v.integer, v.i, want);
}

/* A NUMBER that is not an integer (a double, a mean, NaN, an infinity). */
static void check_real(const struct cm_json *root, enum cm_var_kind kind, const char *path, double want)
{
	struct cm_value v = get(root, kind, path);
	CHECK_MSG(v.state == CM_VALUE_NUMBER && !v.integer &&
			  (v.num == want || (isnan(want) && isnan(v.num))),
		  "%s: state %d integer %d num %.17g, want %.17g", path, v.state, v.integer, v.num,
		  want);
}

static void check_state(const struct cm_json *root, enum cm_var_kind kind, const char *path,
			enum cm_value_state state, const char *text)
{
	struct cm_value v = get(root, kind, path);
	CHECK_MSG(v.state == state, "%s: state %d, want %d", path, v.state, state);
	if (text)
		CHECK_STR(v.text, text, path);
}

/* The integer at a path, read with json.h directly rather than through
 * cm_expvar_get: what the answers are checked against. */
static long long int_at(const struct cm_json *root, const char *path)
{
	struct tvar t;
	const struct cm_var *v = mkvar(&t, CM_KIND_NUMBER, path);
	size_t node = 0;
	for (size_t i = 0; i < v->nsteps; i++)
		node = v->steps[i].key ? cm_json_get(root, node, v->steps[i].key,
						     strlen(v->steps[i].key))
				       : cm_json_at(root, node, (size_t)v->steps[i].index);
	struct cm_json_num n = {0};
	CHECK_MSG(cm_json_number(root, node, &n) && n.integer, "%s: no integer", path);
	return n.i;
}

/* The newest GC pause, computed here from the body itself. */
static long long ring_at(const struct cm_json *root, const char *ring, long long back)
{
	char path[64];
	long long numgc = int_at(root, "memstats/NumGC");
	snprintf(path, sizeof path, "memstats/%s/#%lld", ring, (numgc + 256 - back) % 256);
	return int_at(root, path);
}

static void test_demo_loaded(void)
{
	struct cm_json *root = parse_fixture("demo-load1.json");
	if (!root)
		return;
	check_int(root, CM_KIND_MEM, "memstats/Alloc", 2648896);
	check_int(root, CM_KIND_MEM, "memstats/Sys", 19510536);
	check_int(root, CM_KIND_DURATION, "memstats/PauseTotalNs", 231782937);
	check_int(root, CM_KIND_NUMBER, "requests", 3812);
	check_int(root, CM_KIND_NUMBER, "work/items", 950590);
	check_real(root, CM_KIND_NUMBER, "last_work_ms", 3.485);
	check_real(root, CM_KIND_NUMBER, "memstats/GCCPUFraction", 0.11625295205519902);
	/* past 2^53: exact as an integer, not as a double */
	struct cm_value lastgc = get(root, CM_KIND_NUMBER, "memstats/LastGC");
	CHECK(lastgc.integer && lastgc.i == 1795325974657559390LL);

	/* NumGC 728: the ring has wrapped; newest is slot 727 % 256 */
	check_int(root, CM_KIND_DURATION, "memstats/PauseNs", 166398);
	check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#-1", 166398);
	check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#-2", 74502);
	check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#-256", 231591);
	check_state(root, CM_KIND_DURATION, "memstats/PauseNs/#-257", CM_VALUE_NA, NULL);
	check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#0",
		  int_at(root, "memstats/PauseNs/#0"));
	for (long long k = 1; k <= 256; k++) {
		char path[48];
		snprintf(path, sizeof path, "memstats/PauseEnd/#%lld", -k);
		check_int(root, CM_KIND_NUMBER, path, ring_at(root, "PauseEnd", k));
	}
	check_int(root, CM_KIND_NUMBER, "memstats/PauseEnd", 1795325974657559390LL);

	/* other arrays: elements, and expvarmon's mean for a bare one */
	check_int(root, CM_KIND_MEM, "memstats/BySize/#1/Size", 8);
	check_int(root, CM_KIND_MEM, "memstats/BySize/#-1/Size", 18432);
	check_state(root, CM_KIND_MEM, "memstats/BySize/#61", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_MEM, "memstats/BySize/#-62", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_NUMBER, "memstats/BySize", CM_VALUE_WRONG, "an array of non-numbers");
	check_state(root, CM_KIND_NUMBER, "cmdline", CM_VALUE_WRONG, "an array of non-numbers");
	/* str: of an array: its elements joined (the command line) */
	check_state(root, CM_KIND_STRING, "cmdline", CM_VALUE_TEXT,
		    "/tmp/expvar-helper/demo -addr 127.0.0.1:0 -load 2");
	check_state(root, CM_KIND_STRING, "memstats/BySize", CM_VALUE_WRONG,
		    "an array of arrays or objects");
	{
		struct cm_json *long_args = parse_ok(
			"{\"a\": [\"0123456789\", \"0123456789\", \"0123456789\", \"0123456789\","
			" \"0123456789\", \"0123456789\", \"0123456789\", \"0123456789\", 42, true,"
			" null, \"\\u001b[2J\"], \"e\": []}", "long array");
		if (long_args) {
			struct cm_value v = get(long_args, CM_KIND_STRING, "a");
			size_t n = strlen(v.text);
			CHECK(v.state == CM_VALUE_TEXT && n < sizeof v.text && n > 80 &&
			      !strcmp(v.text + n - 3, "..."));
			check_state(long_args, CM_KIND_STRING, "e", CM_VALUE_TEXT, "");
			drop(long_args);
		}
	}
	check_state(root, CM_KIND_STRING, "cmdline/#0", CM_VALUE_TEXT, "/tmp/expvar-helper/demo");
	check_state(root, CM_KIND_STRING, "cmdline/#-1", CM_VALUE_TEXT, "2");

	/* kinds */
	check_state(root, CM_KIND_STRING, "requests", CM_VALUE_TEXT, "3812");
	check_state(root, CM_KIND_STRING, "last_work_ms", CM_VALUE_TEXT, "3.485");
	check_state(root, CM_KIND_STRING, "work_seconds", CM_VALUE_TEXT, "6.094551212999984");
	check_state(root, CM_KIND_NUMBER, "memstats/EnableGC", CM_VALUE_TEXT, "true");
	check_state(root, CM_KIND_STRING, "memstats/DebugGC", CM_VALUE_TEXT, "false");
	check_state(root, CM_KIND_MEM, "memstats", CM_VALUE_WRONG, "an object");
	check_state(root, CM_KIND_STRING, "work", CM_VALUE_WRONG, "an object");
	check_state(root, CM_KIND_NUMBER, "", CM_VALUE_WRONG, "an object");

	/* paths that do not lead anywhere */
	check_state(root, CM_KIND_NUMBER, "memstats/Nope", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_NUMBER, "nope", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_NUMBER, "memstats/Alloc/x", CM_VALUE_WRONG,
		    "a number, not an object");
	check_state(root, CM_KIND_NUMBER, "memstats/#0", CM_VALUE_WRONG, "an object, not an array");
	check_state(root, CM_KIND_NUMBER, "memstats/PauseNs/x", CM_VALUE_WRONG,
		    "an array, not an object");
	check_state(root, CM_KIND_NUMBER, "memstats/PauseNs/#-1/#0", CM_VALUE_WRONG,
		    "a number, not an array");
	check_state(root, CM_KIND_NUMBER, "memstats/BySize/#9223372036854775807", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_NUMBER, "memstats/BySize/#-9223372036854775808", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_NUMBER, "memstats/PauseNs/#-9223372036854775808", CM_VALUE_NA, NULL);

	/* profile counts are not in the body */
	struct tvar t;
	struct cm_var *gv = (struct cm_var *)mkvar(&t, CM_KIND_NUMBER, "requests");
	gv->source = CM_SOURCE_GOROUTINES;
	CHECK(cm_expvar_get(root, gv).state == CM_VALUE_NA);
	drop(root);
}

/* Without NumGC, or when the array is not Go's 256-entry ring, PauseNs is
 * an array like any other. */
static void test_not_rings(void)
{
	struct cm_json *root = parse_ok("{\"memstats\": {\"PauseNs\": [1, 2, 3, 0]}}", "short ring");
	if (root) {
		check_real(root, CM_KIND_DURATION, "memstats/PauseNs", 2);
		check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#-1", 0);
		drop(root);
	}
	root = parse_ok("{\"memstats\": {\"NumGC\": 2, \"PauseNs\": [1, 2, 3, 0]}}", "NumGC, 4 slots");
	if (root) {
		check_real(root, CM_KIND_DURATION, "memstats/PauseNs", 2);
		check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#-2", 3);
		drop(root);
	}
	/* 256 slots but NumGC not a count: plain indexes from the end */
	char body[2048];
	size_t w = (size_t)snprintf(body, sizeof body, "{\"memstats\": {\"NumGC\": \"x\", \"PauseEnd\": [");
	for (int i = 0; i < 256; i++)
		w += (size_t)snprintf(body + w, sizeof body - w, "%s%d", i ? "," : "", i + 1);
	snprintf(body + w, sizeof body - w, "]}, \"other\": {\"NumGC\": 1, \"PauseNs\": []}}");
	root = parse_ok(body, "NumGC a string");
	if (root) {
		check_int(root, CM_KIND_NUMBER, "memstats/PauseEnd/#-1", 256);
		check_real(root, CM_KIND_NUMBER, "memstats/PauseEnd", 128.5);
		check_state(root, CM_KIND_NUMBER, "other/PauseNs", CM_VALUE_NA, NULL);
		drop(root);
	}
}

static void test_demo_rings(void)
{
	/* NumGC 107: the ring has not wrapped; there is no 108th pause */
	struct cm_json *root = parse_fixture("demo-early.json");
	if (root) {
		check_int(root, CM_KIND_DURATION, "memstats/PauseNs", 765066);
		check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#-107",
			  ring_at(root, "PauseNs", 107));
		check_state(root, CM_KIND_DURATION, "memstats/PauseNs/#-108", CM_VALUE_NA, NULL);
		drop(root);
	}
	/* NumGC 0: no pause yet; the raw slots are still there */
	root = parse_fixture("demo-idle.json");
	if (root) {
		check_state(root, CM_KIND_DURATION, "memstats/PauseNs", CM_VALUE_NA, NULL);
		check_state(root, CM_KIND_DURATION, "memstats/PauseNs/#-1", CM_VALUE_NA, NULL);
		check_state(root, CM_KIND_NUMBER, "memstats/PauseEnd", CM_VALUE_NA, NULL);
		check_int(root, CM_KIND_DURATION, "memstats/PauseNs/#0", 0);
		check_int(root, CM_KIND_NUMBER, "requests", 0);
		check_state(root, CM_KIND_NUMBER, "work", CM_VALUE_WRONG, "an object");
		drop(root);
	}
	/* every capture: the bare ring is its newest entry */
	static const char *const names[] = {"demo-early.json", "demo-load1.json", "demo-load2.json"};
	for (size_t i = 0; i < 3; i++) {
		root = parse_fixture(names[i]);
		if (!root)
			continue;
		check_int(root, CM_KIND_DURATION, "memstats/PauseNs", ring_at(root, "PauseNs", 1));
		check_int(root, CM_KIND_NUMBER, "memstats/PauseEnd", ring_at(root, "PauseEnd", 1));
		drop(root);
	}
}

/* A Go program's expvar: NaN and infinities from expvar.Float (bare
 * words), 2^64-1 and -2^63 from expvar.Func, nil, control characters. */
static void test_go_odd(void)
{
	struct cm_json *root = parse_fixture("go-odd.json");
	if (!root)
		return;
	check_real(root, CM_KIND_NUMBER, "nan", NAN);
	check_real(root, CM_KIND_NUMBER, "pos_inf", INFINITY);
	check_real(root, CM_KIND_DURATION, "neg_inf", -INFINITY);
	check_real(root, CM_KIND_NUMBER, "latency/mean", NAN);
	check_real(root, CM_KIND_NUMBER, "pi", 3.25);
	check_state(root, CM_KIND_STRING, "nan", CM_VALUE_TEXT, "NaN");
	check_state(root, CM_KIND_STRING, "pos_inf", CM_VALUE_TEXT, "+Inf");
	check_state(root, CM_KIND_STRING, "neg_inf", CM_VALUE_TEXT, "-Inf");
	/* a string that says NaN stays a string */
	check_state(root, CM_KIND_NUMBER, "nan_text", CM_VALUE_TEXT, "NaN");
	check_real(root, CM_KIND_MEM, "max_uint64", 18446744073709551615.0);
	check_int(root, CM_KIND_NUMBER, "min_int64", LLONG_MIN);
	check_state(root, CM_KIND_STRING, "min_int64", CM_VALUE_TEXT, "-9223372036854775808");
	check_state(root, CM_KIND_STRING, "max_uint64", CM_VALUE_TEXT, "1.8446744073709552e+19");
	check_state(root, CM_KIND_NUMBER, "nothing", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_STRING, "nothing", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_NUMBER, "flag", CM_VALUE_TEXT, "true");
	check_real(root, CM_KIND_NUMBER, "list", 6); /* [4,8,0,0]: trailing zeros dropped */
	check_int(root, CM_KIND_NUMBER, "list/#-3", 8);
	check_state(root, CM_KIND_NUMBER, "empty", CM_VALUE_NA, NULL);
	check_state(root, CM_KIND_NUMBER, "names", CM_VALUE_WRONG, "an array of non-numbers");
	check_int(root, CM_KIND_NUMBER, "dotted/a.b", 1);
	check_int(root, CM_KIND_NUMBER, "dotted/c:d", 2);
	check_int(root, CM_KIND_NUMBER, "latency/cache/hits", 7);
	check_state(root, CM_KIND_STRING, "version", CM_VALUE_TEXT, "v1.2.3");
	/* NUL, ESC, newline and the C1 CSI (U+009B) cannot reach the terminal */
	check_state(root, CM_KIND_STRING, "nasty", CM_VALUE_TEXT, "a?b?[2Jc?d?e");
	check_state(root, CM_KIND_NUMBER, "nasty", CM_VALUE_TEXT, "a?b?[2Jc?d?e");
	check_int(root, CM_KIND_NUMBER, "memstats/NumGC",
		  int_at(root, "memstats/NumGC"));
	drop(root);
}

struct collected {
	char paths[128][80];
	size_t n, calls;
	size_t stop_at; /* return 7 on this call (1-based); 0: never */
};

static int collect(void *ctx, const char *const *keys, size_t nkeys)
{
	struct collected *c = ctx;
	c->calls++;
	if (c->n < 128) {
		char *p = c->paths[c->n++];
		p[0] = '\0';
		for (size_t i = 0; i < nkeys; i++) {
			size_t l = strlen(p);
			snprintf(p + l, 80 - l, "%s%s", i ? "/" : "", keys[i]);
		}
	}
	return c->stop_at && c->calls == c->stop_at ? 7 : 0;
}

static bool has_path(const struct collected *c, const char *p)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->paths[i], p))
			return true;
	return false;
}

static void test_each_number(void)
{
	static struct collected c;
	struct cm_json *root = parse_fixture("demo-load1.json");
	if (root) {
		memset(&c, 0, sizeof c);
		CHECK(cm_expvar_each_number(root, collect, &c) == 0);
		/* 37 numeric leaves, in document order; no arrays, no bools */
		CHECK_MSG(c.n == 37, "%zu leaves", c.n);
		CHECK_STR(c.paths[0], "bytes_out", "first leaf");
		CHECK_STR(c.paths[4], "memstats/Alloc", "fifth leaf");
		CHECK_STR(c.paths[5], "memstats/TotalAlloc", "sixth leaf");
		CHECK_STR(c.paths[c.n - 1], "work_seconds", "last leaf");
		CHECK(has_path(&c, "work/fib_calls") && has_path(&c, "memstats/GCCPUFraction"));
		CHECK(!has_path(&c, "cmdline") && !has_path(&c, "memstats/PauseNs") &&
		      !has_path(&c, "memstats/BySize") && !has_path(&c, "memstats/EnableGC"));
		memset(&c, 0, sizeof c);
		c.stop_at = 3;
		CHECK(cm_expvar_each_number(root, collect, &c) == 7 && c.calls == 3);
		drop(root);
	}
	root = parse_fixture("go-odd.json");
	if (root) {
		memset(&c, 0, sizeof c);
		cm_expvar_each_number(root, collect, &c);
		CHECK(has_path(&c, "nan") && has_path(&c, "pos_inf") && has_path(&c, "latency/mean") &&
		      has_path(&c, "max_uint64") && has_path(&c, "dotted/a.b") &&
		      has_path(&c, "latency/cache/hits"));
		CHECK(!has_path(&c, "nan_text") && !has_path(&c, "nothing") && !has_path(&c, "flag") &&
		      !has_path(&c, "list"));
		drop(root);
	}
	/* objects deeper than a var path can be are not entered */
	char body[1024] = "", err[160];
	size_t n = 0;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(body + n, sizeof body - n, "{\"k\":");
	n += (size_t)snprintf(body + n, sizeof body - n, "1");
	for (int i = 0; i < 40; i++)
		body[n++] = '}';
	struct cm_json *deep = parse(body, n, err, sizeof err);
	CHECK_MSG(deep != NULL, "%s", err);
	memset(&c, 0, sizeof c);
	cm_expvar_each_number(deep, collect, &c);
	CHECK(c.calls == 0);
	drop(deep);
	struct cm_json empty = {0}; /* holds nothing, as after a failed parse */
	CHECK(cm_expvar_each_number(&empty, collect, &c) == 0);
}

static void check_total(const char *body, long long want)
{
	long long n = -1;
	char err[160] = "";
	CHECK_MSG(cm_profile_total(body, strlen(body), &n, err, sizeof err) == 0 && n == want,
		  "%.40s: %lld (%s)", body, n, err);
}

static void check_total_err(const char *body, size_t len, const char *sub)
{
	long long n = -1;
	char err[160] = "";
	CHECK(cm_profile_total(body, len, &n, err, sizeof err) == -1);
	CHECK_ERR(err, sub, "cm_profile_total");
}

static void test_profile_total(void)
{
	static const struct {
		const char *file;
		long long want;
	} fx[] = {
		{"goroutine-idle.txt", 6},     {"goroutine-early.txt", 14},
		{"goroutine-load1.txt", 15},   {"goroutine-load2.txt", 16},
		{"threadcreate-idle.txt", 8},  {"threadcreate-early.txt", 9},
		{"threadcreate-load1.txt", 9}, {"threadcreate-load2.txt", 9},
	};
	for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
		size_t len;
		char *body = read_fixture(fx[i].file, &len);
		if (!body) {
			CHECK_MSG(0, "fixture %s", fx[i].file);
			continue;
		}
		check_total(body, fx[i].want);
		free(body);
	}
	check_total("goroutine profile: total 5", 5);
	check_total("goroutine profile: total 5\r\n", 5);
	check_total("threadcreate profile: total 9223372036854775807\n", LLONG_MAX);
	check_total_err(S(""), "empty body");
	check_total_err(S("goroutine profile: total \n"), "bad count");
	check_total_err(S("goroutine profile: total 12abc\n"), "bad count");
	check_total_err(S("goroutine profile: total -1\n"), "bad count");
	check_total_err(S("goroutine profile: total 9223372036854775808\n"), "bad count");
	check_total_err(S("goroutine profile: total 99999999999999999999999\n"), "bad count");
	check_total_err(S("heap profile: 1: 2 [3: 4] @ heap/1048576\n"),
			"not a goroutine or threadcreate profile: \"heap profile");
	check_total_err(S("\x1f\x8b\x08\x00garbage"), "binary profile");
	check_total_err(S("<html>\x1b[2J<body>404 page not found, and quite a lot more text"),
			"\"<html>?[2J<body>404 page not found, and ...\"");
	check_total_err(S("goroutine profile: total"), "not a goroutine");
}

static void check_index(const char *body, size_t len, const char *name, long long want,
			const char *err_sub)
{
	long long n = -1;
	char err[160] = "";
	int rc = cm_pprof_index_count(body, len, name, &n, err, sizeof err);
	if (err_sub) {
		CHECK_MSG(rc == -1, "%s: %lld from %.60s", name, n, body);
		CHECK_ERR(err, err_sub, "cm_pprof_index_count");
	} else {
		CHECK_MSG(rc == 0 && n == want, "%s: %lld (%s), want %lld", name, n, err, want);
	}
}

static void test_pprof_index(void)
{
	size_t len;
	char *body = read_fixture("pprof_index_go119.html", &len);
	CHECK_MSG(body, "fixture pprof_index_go119.html");
	if (body) {
		check_index(body, len, "goroutine", 6, NULL);
		check_index(body, len, "threadcreate", 7, NULL);
		check_index(body, len, "heap", 2, NULL);
		check_index(body, len, "nosuch", 0, "no nosuch count on the /debug/pprof/ page");
		/* The page cut before the threadcreate row. */
		const char *cut = strstr(body, ">threadcreate</a>");
		if (cut)
			check_index(body, (size_t)(cut - body), "threadcreate", 0, "no threadcreate");
		free(body);
	}
	/* Go before 1.11 wrote the count unclosed, right-aligned. */
	check_index(S("<tr><td align=right>12<td><a href=\"goroutine?debug=1\">goroutine</a>\n"),
		    "goroutine", 12, NULL);
	check_index(S("<tr><td>9223372036854775807</td><td><a href='x'>goroutine</a>"),
		    "goroutine", LLONG_MAX, NULL);
	check_index(S("<tr><td>9223372036854775808</td><td><a href='x'>goroutine</a>"),
		    "goroutine", 0, "no goroutine count");
	check_index(S("<td>-3</td><a>goroutine</a>"), "goroutine", 0, "no goroutine count");
	check_index(S("<td>3x</td><a>goroutine</a>"), "goroutine", 0, "no goroutine count");
	check_index(S(">goroutine</a>"), "goroutine", 0, "no goroutine count");
	check_index(S("404 page not found\n"), "goroutine", 0, "no goroutine count");
	check_index(S(""), "goroutine", 0, "no goroutine count");
	/* A name longer than any profile's is refused, not cut. */
	char longname[100];
	memset(longname, 'g', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	check_index(S("<td>1</td><a>goroutine</a>"), longname, 0, "no index page");
	/* The count must be on the link's own line: a count further up does not count. */
	check_index(S("<td>5</td>\n<a>goroutine</a>"), "goroutine", 0, "no goroutine count");
}

static void check_parse_err(const char *body, size_t len, const char *sub, const char *what)
{
	char err[160] = "";
	struct cm_json *root = parse(body, len, err, sizeof err);
	CHECK_MSG(root == NULL, "%s parsed", what);
	drop(root);
	CHECK_ERR(err, sub, what);
	for (const char *p = err; *p; p++)
		CHECK_MSG((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f, "%s: byte %02x",
			  what, (unsigned char)*p);
}

static struct cm_json *parse_ok(const char *body, const char *what)
{
	char err[160] = "";
	struct cm_json *root = parse(body, strlen(body), err, sizeof err);
	CHECK_MSG(root != NULL, "%s: %s", what, err);
	return root;
}

/* n brackets (or objects) deep, as one string of length about 6n. */
static char *nested(size_t n, bool objects, size_t *len)
{
	char *b = malloc(n * 6 + 16);
	if (!b)
		return NULL;
	size_t w = 0;
	w += (size_t)sprintf(b + w, "{\"a\":");
	for (size_t i = 0; i < n; i++)
		w += (size_t)sprintf(b + w, objects ? "{\"a\":" : "[");
	b[w++] = '1';
	for (size_t i = 0; i < n; i++)
		b[w++] = objects ? '}' : ']';
	b[w++] = '}';
	b[w] = '\0';
	*len = w;
	return b;
}

static void test_hostile_shapes(void)
{
	size_t len;
	char *body = read_fixture("demo-load1.json", &len);
	if (body) {
		/* cut anywhere: an error, never a crash */
		for (size_t cut = 0; cut < len; cut += len / 97 + 1)
			check_parse_err(body, cut, cut ? "invalid JSON at line" : "empty body", "truncated");
		free(body);
	}
	check_parse_err(S(""), "empty body", "empty");
	check_parse_err(S(" \n\t\r "), "empty body", "blank");
	check_parse_err(S("{\"a\": }"), "invalid JSON at line 1", "invalid");
	check_parse_err(S("{\"a\": 1}\n{\"b\": 2}"), "invalid JSON at line 2", "two documents");
	check_parse_err(S("{\"a\": \"abc"), "invalid JSON", "unterminated string");
	check_parse_err(S("{\"a\": \"abc\\"), "invalid JSON", "backslash at the end");
	check_parse_err(S("{\"a\": 1\0}"), "invalid JSON: NUL byte at offset 7", "NUL byte");
	check_parse_err(S("{\"a\": \"x\0y\"}"), "invalid JSON", "NUL byte in a string");
	check_parse_err(S("{\"a\": \"\xff\xfe\x1b[2J\"}"), "invalid JSON", "invalid UTF-8");
	check_parse_err(S("<html><body>404 page not found</body></html>"), "invalid JSON",
			"HTML");
	check_parse_err(S("[1,2]"), "not a JSON object but an array", "array root");
	check_parse_err(S("42"), "not a JSON object but a number", "number root");
	check_parse_err(S("\"x\""), "not a JSON object but a string", "string root");
	check_parse_err(S("null"), "not a JSON object but null", "null root");
	check_parse_err(S("true"), "not a JSON object but a boolean", "bool root");
	check_parse_err(S("NaN"), "not a JSON object but a number", "NaN root");
	check_parse_err(S("{\"a\": 1, NaN: 2}"), "invalid JSON", "NaN as a key");
	check_parse_err(S("{\"a\": nan}"), "invalid JSON", "lower-case nan");

	/* nesting: refused by the pre-scan, before anything recurses */
	static const size_t depths[] = {63, 64, 100000};
	for (size_t i = 0; i < 3; i++) {
		for (int objects = 0; objects < 2; objects++) {
			char *b = nested(depths[i], objects, &len);
			if (!b)
				continue;
			char err[160] = "";
			struct cm_json *root = parse(b, len, err, sizeof err);
			if (depths[i] < CM_EXPVAR_MAX_DEPTH)
				CHECK_MSG(root != NULL, "depth %zu: %s", depths[i] + 1, err);
			else
				CHECK_ERR(err, "nested deeper than 64", "deep nesting");
			drop(root);
			free(b);
		}
	}
	/* brackets inside strings are text */
	char *b = malloc(200016);
	if (b) {
		memcpy(b, "{\"s\": \"", 7);
		memset(b + 7, '[', 200000);
		memcpy(b + 200007, "\"}", 3);
		struct cm_json *root = parse_ok(b, "brackets in a string");
		struct cm_value v = get(root, CM_KIND_STRING, "s");
		CHECK(v.state == CM_VALUE_TEXT && strlen(v.text) == 95 &&
		      !strcmp(v.text + 92, "..."));
		drop(root);
		free(b);
	}
}

static void test_hostile_numbers(void)
{
	struct cm_json *root = parse_ok("{\"a\": NaN, \"b\": [NaN, -Inf, Infinity, +Infinity, -Infinity],"
				"\"c\": +Inf, \"d\": Inf, \"e\": {\"f\":-Inf}, \"s\": \"NaN\","
				"\"in\": \"x NaN y\", \"big\": 18446744073709551615,"
				"\"nbig\": -9223372036854775809, \"max\": 9223372036854775807,"
				"\"min\": -9223372036854775808, \"over\": 9223372036854775808,"
				"\"bigs\": [18446744073709551615, 18446744073709551615, 0],"
				"\"exp\": 1e300, \"huge\": 1" "00000000000000000000000000000000000000000}",
				"non-finite and big");
	if (!root)
		return;
	check_real(root, CM_KIND_NUMBER, "a", NAN);
	check_real(root, CM_KIND_NUMBER, "b/#0", NAN);
	check_real(root, CM_KIND_NUMBER, "b/#1", -INFINITY);
	check_real(root, CM_KIND_NUMBER, "b/#2", INFINITY);
	check_real(root, CM_KIND_NUMBER, "b/#3", INFINITY);
	check_real(root, CM_KIND_NUMBER, "b/#-1", -INFINITY);
	check_real(root, CM_KIND_NUMBER, "b", NAN); /* the mean of a NaN */
	check_real(root, CM_KIND_NUMBER, "c", INFINITY);
	check_real(root, CM_KIND_NUMBER, "d", INFINITY);
	check_real(root, CM_KIND_NUMBER, "e/f", -INFINITY);
	check_state(root, CM_KIND_NUMBER, "s", CM_VALUE_TEXT, "NaN");
	check_state(root, CM_KIND_STRING, "in", CM_VALUE_TEXT, "x NaN y");
	check_real(root, CM_KIND_MEM, "big", 18446744073709551615.0);
	check_real(root, CM_KIND_NUMBER, "nbig", -9223372036854775809.0);
	check_int(root, CM_KIND_NUMBER, "max", LLONG_MAX);
	check_int(root, CM_KIND_NUMBER, "min", LLONG_MIN);
	check_real(root, CM_KIND_NUMBER, "over", 9223372036854775808.0);
	check_real(root, CM_KIND_NUMBER, "bigs", 18446744073709551615.0);
	check_real(root, CM_KIND_NUMBER, "exp", 1e300);
	check_real(root, CM_KIND_NUMBER, "huge", 1e41);
	drop(root);

	/* many rewrites, of the kind that grows the body most: the copy is
	 * sized right (ASan would say otherwise) */
	size_t n = 20000;
	char *b = malloc(n * 4 + 16);
	if (!b)
		return;
	size_t w = (size_t)sprintf(b, "{\"x\":[");
	for (size_t i = 0; i < n; i++)
		w += (size_t)sprintf(b + w, "%sInf", i ? "," : "");
	w += (size_t)sprintf(b + w, "]}");
	root = parse_ok(b, "20000 Inf");
	check_real(root, CM_KIND_NUMBER, "x", INFINITY);
	check_real(root, CM_KIND_NUMBER, "x/#19999", INFINITY);
	drop(root);
	free(b);
}

static void test_hostile_text(void)
{
	/* a 1 MB string: cut to the value's buffer, on a character boundary */
	size_t n = 1 << 20;
	char *b = malloc(n + 32);
	if (!b)
		return;
	size_t w = (size_t)sprintf(b, "{\"s\": \"");
	while (w < n)
		w += (size_t)sprintf(b + w, "\xc3\xa9"); /* é */
	w += (size_t)sprintf(b + w, "\", \"z\": \"\\u0000\"}");
	struct cm_json *root = parse_ok(b, "1 MB string");
	free(b);
	if (!root)
		return;
	struct cm_value v = get(root, CM_KIND_STRING, "s");
	size_t len = strlen(v.text);
	CHECK_MSG(v.state == CM_VALUE_TEXT && len <= 95 && len >= 90, "len %zu", len);
	CHECK(!strcmp(v.text + len - 3, "..."));
	CHECK_MSG((len - 3) % 2 == 0 && (unsigned char)v.text[len - 4] == 0xa9,
		  "cut inside a character");
	check_state(root, CM_KIND_STRING, "z", CM_VALUE_TEXT, "?");
	drop(root);

	/* a string that exactly fits is not cut */
	char body[160], want[96];
	memset(want, 'x', 95);
	want[95] = '\0';
	snprintf(body, sizeof body, "{\"s\": \"%s\"}", want);
	root = parse_ok(body, "95 bytes");
	check_state(root, CM_KIND_STRING, "s", CM_VALUE_TEXT, want);
	drop(root);
	snprintf(body, sizeof body, "{\"s\": \"%sy\"}", want);
	root = parse_ok(body, "96 bytes");
	memcpy(want + 92, "...", 4);
	check_state(root, CM_KIND_STRING, "s", CM_VALUE_TEXT, want);
	drop(root);
}

/* ---- many vars at once: the same values as one at a time ---- */

static bool same_value(const struct cm_value *a, const struct cm_value *b)
{
	if (a->state != b->state)
		return false;
	if (a->state == CM_VALUE_NUMBER)
		return a->integer == b->integer && (!a->integer || a->i == b->i) &&
		       (a->num == b->num || (isnan(a->num) && isnan(b->num)));
	return a->state == CM_VALUE_NA || !strcmp(a->text, b->text);
}

struct each_seen {
	struct cm_value v[64];
	bool seen[64];
	size_t calls;
};

static void each_cb(void *ctx, size_t i, struct cm_value v)
{
	struct each_seen *e = ctx;
	e->calls++;
	if (i < 64) {
		e->v[i] = v;
		e->seen[i] = true;
	}
}

/* cm_expvar_get_each against cm_expvar_get for every var of spec on
 * body: enough vars in one object (root, memstats) that it is walked. */
static void check_each_agrees(const char *what, const struct cm_json *root, const char *spec)
{
	struct cm_var_list l = {0};
	char err[256];
	CHECK_MSG(cm_vars_parse(spec, &l, err, sizeof err) == 0, "%s", err);
	CHECK(l.n <= 64);
	struct each_seen e = {0};
	cm_expvar_get_each(root, l.v, l.n, each_cb, &e);
	size_t expvars = 0;
	for (size_t i = 0; i < l.n && i < 64; i++) {
		bool want = l.v[i].source == CM_SOURCE_EXPVAR;
		expvars += want;
		CHECK_MSG(e.seen[i] == want, "%s: %s called %d", what, l.v[i].title, e.seen[i]);
		if (!want)
			continue;
		struct cm_value one = cm_expvar_get(root, &l.v[i]);
		CHECK_MSG(same_value(&one, &e.v[i]), "%s: %s: one at a time %d %g \"%s\", "
			  "together %d %g \"%s\"", what, l.v[i].title, one.state, one.num,
			  one.text, e.v[i].state, e.v[i].num, e.v[i].text);
	}
	CHECK(e.calls == expvars);
	cm_vars_free(&l);
}

static void test_get_each(void)
{
	static const char *const fixtures[] = {"demo-early.json", "demo-idle.json",
					       "demo-load1.json", "go-odd.json"};
	static const char spec[] =
		"memstats.Alloc,memstats.Sys,memstats.HeapAlloc,memstats.HeapInuse,"
		"memstats.PauseNs,memstats.PauseNs[-1],memstats.PauseNs[0],memstats.PauseEnd[-3],"
		"dur:memstats.PauseNs[-300],memstats.NumGC,memstats.BySize,memstats.BySize[3].Size,"
		"memstats.BySize[3].Mallocs,memstats.BySize[-1].Frees,memstats.Nope,"
		"memstats.Alloc.x,memstats.PauseNs.x,memstats.Alloc[0],str:cmdline,cmdline[0],"
		"str:cmdline[-1],cmdline[9],requests,work.items,nope,nope.deeper,@goroutines,"
		"memstats.Frees,memstats.Lookups,memstats.GCCPUFraction,memstats.EnableGC,"
		"memstats.DebugGC,str:memstats.Alloc,mem:memstats.TotalAlloc,@threads,"
		"rate:memstats.Mallocs,memstats.Alloc";
	for (size_t f = 0; f < sizeof fixtures / sizeof fixtures[0]; f++) {
		struct cm_json *root = parse_fixture(fixtures[f]);
		if (root)
			check_each_agrees(fixtures[f], root, spec);
		drop(root);
	}
	/* repeated keys (the last wins), escaped keys, keys that differ in
	 * length or one byte, a key holding a dot, wrong types on the way */
	static const char body[] =
		"{\"a\": 1, \"ab\": 2, \"a\\u0062\": 3, \"b\": {\"c\": 4}, \"a.b\": 5,"
		" \"abc\": [1, 2], \"c\": \"x\", \"d\": null, \"e\": true, \"b\": {\"c\": 6,"
		" \"\\u0063\\u0064\": 7, \"cd\": 8}, \"f\": {}, \"g\": [], \"aa\": 9, \"a\": 10}";
	struct cm_json *root = parse_ok(body, "repeats");
	if (root)
		check_each_agrees("repeats", root,
				  "a,ab,a\\.b,abc,abc[1],abc[-3],b.c,b.cd,b.ce,c,d,e,f,g,aa,a.x,c.x,"
				  "abc.x,b[0],str:a,str:c,dur:ab,b,zz,f.x,g[0]");
	drop(root);
	/* not an object at the root: every var N/A, each called */
	struct cm_json bad = {0};
	struct each_seen e = {0};
	struct cm_var_list l = {0};
	char err[256];
	CHECK(cm_vars_parse("a,b,@goroutines,c", &l, err, sizeof err) == 0);
	cm_expvar_get_each(&bad, l.v, l.n, each_cb, &e);
	CHECK(e.calls == 3 && e.v[0].state == CM_VALUE_NA && e.v[3].state == CM_VALUE_NA);
	cm_vars_free(&l);
}

/* The member named key among node's, or NULL. */
static const struct cm_json_keep *keep_sub(const struct cm_json_keep *node, const char *key)
{
	for (size_t i = 0; node && i < node->nsub; i++)
		if (node->sub[i].len == strlen(key) && !memcmp(node->sub[i].key, key, strlen(key)))
			return &node->sub[i];
	return NULL;
}

/* The keep tree of a var list: keys to the first index, the value there
 * whole; a path to a member kept whole adds nothing below it. */
static void test_keep_tree(void)
{
	struct cm_var_list vl = {0};
	char err[256];
	CHECK(cm_vars_parse("memstats.Alloc,memstats.PauseNs[-1],a.b.c,a.b,x.y[2].z,"
			    "@goroutines,memstats.Sys",
			    &vl, err, sizeof err) == 0);
	struct cm_expvar_keep k = {0};
	for (size_t i = 0; i < vl.n; i++)
		CHECK(cm_expvar_keep_add_var(&k, &vl.v[i]) == 0);
	const struct cm_json_keep *root = cm_expvar_keep_tree(&k);
	CHECK(root && root->nsub == 3);
	const struct cm_json_keep *ms = keep_sub(root, "memstats");
	CHECK(ms && ms->nsub == 3 && keep_sub(ms, "Alloc") && keep_sub(ms, "Sys"));
	CHECK(keep_sub(ms, "PauseNs") && keep_sub(ms, "PauseNs")->nsub == 0);
	const struct cm_json_keep *a = keep_sub(root, "a");
	CHECK(a && a->nsub == 1 && keep_sub(a, "b") && keep_sub(a, "b")->nsub == 0);
	const struct cm_json_keep *x = keep_sub(root, "x");
	CHECK(x && x->nsub == 1 && keep_sub(x, "y") && keep_sub(x, "y")->nsub == 0);
	/* a path of no keys names the root: nothing is left out */
	CHECK(cm_expvar_keep_add(&k, NULL, 0) == 0 && cm_expvar_keep_tree(&k) == NULL);
	cm_expvar_keep_free(&k);
	CHECK(cm_expvar_keep_tree(&k) && cm_expvar_keep_tree(&k)->nsub == 0);
	cm_vars_free(&vl);
}

int main(void)
{
	test_keep_tree();
	test_demo_loaded();
	test_demo_rings();
	test_not_rings();
	test_go_odd();
	test_each_number();
	test_get_each();
	test_profile_total();
	test_pprof_index();
	test_hostile_shapes();
	test_hostile_numbers();
	test_hostile_text();
	return check_status("expvar");
}
