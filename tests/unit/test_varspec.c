/* The -vars grammar: expvarmon's forms, cmon's additions (escapes, dur:,
 * rate:, indexes, @counts, "*"), every error, cm_vars_add_path, and
 * allocation failure (outside sanitizer builds, which own malloc). */
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "cmon/monitor/varspec.h"
#include "failalloc.h"

/* ---- helpers ---- */

static struct cm_var_list parse_ok(const char *spec, size_t n)
{
	struct cm_var_list l = {0};
	char err[256] = "";
	int rc = cm_vars_parse(spec, &l, err, sizeof(err));
	CHECK_MSG(rc == 0, "\"%s\" failed: %s", spec, err);
	CHECK_MSG(l.n == n, "\"%s\": %zu vars, want %zu", spec, l.n, n);
	return l;
}

/* keys: the steps, '.'-separated, "[N]" for an index step ("memstats.PauseNs.[3]"). */
static void check_var(const struct cm_var *v, enum cm_var_kind kind, bool rate, const char *keys,
		      const char *label, const char *title)
{
	CHECK_MSG(v->kind == kind, "%s: kind %d, want %d", title, (int)v->kind, (int)kind);
	CHECK_MSG(v->rate == rate, "%s: rate %d", title, v->rate);
	CHECK_MSG(v->source == CM_SOURCE_EXPVAR, "%s: source %d", title, (int)v->source);
	CHECK_STR(v->label, label, "label");
	CHECK_STR(v->title, title, "title");
	char got[512] = "";
	size_t w = 0;
	for (size_t i = 0; i < v->nsteps && w < sizeof(got); i++) {
		const struct cm_var_step *s = &v->steps[i];
		int k = s->key ? snprintf(got + w, sizeof(got) - w, "%s%s", i ? "." : "", s->key)
			       : snprintf(got + w, sizeof(got) - w, "%s[%lld]", i ? "." : "", s->index);
		w += k > 0 ? (size_t)k : 0;
	}
	CHECK_STR(got, keys, title);
}

/* One var from spec, checked. */
static void one(const char *spec, enum cm_var_kind kind, bool rate, const char *keys,
		const char *label, const char *title)
{
	struct cm_var_list l = parse_ok(spec, 1);
	if (l.n == 1)
		check_var(&l.v[0], kind, rate, keys, label, title);
	CHECK_MSG(!l.all, "%s: all set", spec);
	cm_vars_free(&l);
}

/* spec fails, naming field, for a reason containing why; out stays empty. */
static void bad(const char *spec, const char *field, const char *why)
{
	struct cm_var_list l = {0};
	char err[512] = "", want[300];
	int rc = cm_vars_parse(spec, &l, err, sizeof(err));
	CHECK_MSG(rc == -1, "\"%s\" parsed", spec);
	CHECK_MSG(l.n == 0 && l.v == NULL && !l.all, "\"%s\": list not empty after an error", spec);
	snprintf(want, sizeof(want), "bad -vars field \"%s\": ", field);
	CHECK_MSG(!strncmp(err, want, strlen(want)), "\"%s\": error \"%s\" does not start \"%s\"",
		  spec, err, want);
	CHECK_ERR(err, why, spec);
}

/* ---- the grammar ---- */

static void test_defaults(void)
{
	/* expvarmon's default, then cmon's (which adds the two counts) */
	struct cm_var_list l = parse_ok("mem:memstats.Alloc,mem:memstats.Sys,mem:memstats.HeapAlloc,"
					"mem:memstats.HeapInuse,duration:memstats.PauseNs,"
					"duration:memstats.PauseTotalNs",
					6);
	cm_vars_free(&l);
	l = parse_ok(CM_VARS_DEFAULT, 8);
	if (l.n == 8) {
		check_var(&l.v[0], CM_KIND_MEM, false, "memstats.Alloc", "Alloc", "memstats.Alloc");
		check_var(&l.v[1], CM_KIND_MEM, false, "memstats.Sys", "Sys", "memstats.Sys");
		check_var(&l.v[2], CM_KIND_MEM, false, "memstats.HeapAlloc", "HeapAlloc",
			  "memstats.HeapAlloc");
		check_var(&l.v[3], CM_KIND_MEM, false, "memstats.HeapInuse", "HeapInuse",
			  "memstats.HeapInuse");
		check_var(&l.v[4], CM_KIND_DURATION, false, "memstats.PauseNs", "PauseNs",
			  "memstats.PauseNs");
		check_var(&l.v[5], CM_KIND_DURATION, false, "memstats.PauseTotalNs", "PauseTotalNs",
			  "memstats.PauseTotalNs");
		CHECK(l.v[6].source == CM_SOURCE_GOROUTINES && l.v[6].nsteps == 0);
		CHECK_STR(l.v[6].label, "goroutines", "goroutines label");
		CHECK_STR(l.v[6].title, "@goroutines", "goroutines title");
		CHECK(l.v[7].source == CM_SOURCE_THREADS && l.v[7].nsteps == 0);
		CHECK_STR(l.v[7].label, "threads", "threads label");
		CHECK(cm_var_is_profile_count(&l.v[6]) && cm_var_is_profile_count(&l.v[7]));
		CHECK(!cm_var_is_profile_count(&l.v[0]));
		CHECK(!l.all);
	}
	cm_vars_free(&l);
	CHECK(l.v == NULL && l.n == 0 && !l.all);
}

static void test_paths(void)
{
	one("memstats.Alloc", CM_KIND_NUMBER, false, "memstats.Alloc", "Alloc", "memstats.Alloc");
	one("queue.depth", CM_KIND_NUMBER, false, "queue.depth", "depth", "queue.depth");
	one("cmdline", CM_KIND_NUMBER, false, "cmdline", "cmdline", "cmdline");
	one("a.b.c.d", CM_KIND_NUMBER, false, "a.b.c.d", "d", "a.b.c.d");
	/* escapes */
	one("latency\\.p50", CM_KIND_NUMBER, false, "latency.p50", "latency.p50", "latency\\.p50");
	one("http.latency\\.p50", CM_KIND_NUMBER, false, "http.latency.p50", "latency.p50",
	    "http.latency\\.p50");
	one("a\\\\b.c", CM_KIND_NUMBER, false, "a\\b.c", "c", "a\\\\b.c");
	one("a\\\\.b", CM_KIND_NUMBER, false, "a\\.b", "b", "a\\\\.b");
	one("ns\\:key", CM_KIND_NUMBER, false, "ns:key", "ns:key", "ns\\:key");
	one("mem:ns\\:key", CM_KIND_MEM, false, "ns:key", "ns:key", "ns\\:key");
	one("a\\[0\\]", CM_KIND_NUMBER, false, "a[0]", "a[0]", "a\\[0\\]");
	one("a\\,b", CM_KIND_NUMBER, false, "a,b", "a,b", "a\\,b");
	one("\\@goroutines", CM_KIND_NUMBER, false, "@goroutines", "@goroutines", "\\@goroutines");
	one("\\*", CM_KIND_NUMBER, false, "*", "*", "\\*");
	one("a.*", CM_KIND_NUMBER, false, "a.*", "*", "a.*");
	one("my key.x y", CM_KIND_NUMBER, false, "my key.x y", "x y", "my key.x y");
	/* blanks around a field go, escaped ones stay */
	one("  memstats.Alloc\t", CM_KIND_NUMBER, false, "memstats.Alloc", "Alloc",
	    "memstats.Alloc");
	one(" a\\ ", CM_KIND_NUMBER, false, "a ", "a ", "a\\ ");
	one("\\ a", CM_KIND_NUMBER, false, " a", " a", "\\ a");
}

static void test_prefixes(void)
{
	one("mem:x", CM_KIND_MEM, false, "x", "x", "x");
	one("duration:x", CM_KIND_DURATION, false, "x", "x", "x");
	one("dur:x", CM_KIND_DURATION, false, "x", "x", "x");
	one("str:x", CM_KIND_STRING, false, "x", "x", "x");
	one("rate:requests", CM_KIND_NUMBER, true, "requests", "requests", "requests");
	one("rate:mem:memstats.TotalAlloc", CM_KIND_MEM, true, "memstats.TotalAlloc",
	    "TotalAlloc", "memstats.TotalAlloc");
	one("mem:rate:x", CM_KIND_MEM, true, "x", "x", "x");
	one("rate:dur:memstats.PauseTotalNs", CM_KIND_DURATION, true, "memstats.PauseTotalNs",
	    "PauseTotalNs", "memstats.PauseTotalNs");
	one("duration:rate:x", CM_KIND_DURATION, true, "x", "x", "x");
	one("rate:duration:x", CM_KIND_DURATION, true, "x", "x", "x");
	one(" mem:x ", CM_KIND_MEM, false, "x", "x", "x");

	struct cm_var_list l = parse_ok("rate:@threads,@goroutines", 2);
	if (l.n == 2) {
		CHECK(l.v[0].source == CM_SOURCE_THREADS && l.v[0].rate);
		CHECK_STR(l.v[0].title, "@threads", "rate:@threads title");
		CHECK(l.v[1].source == CM_SOURCE_GOROUTINES && !l.v[1].rate);
		CHECK(l.v[1].kind == CM_KIND_NUMBER && l.v[1].steps == NULL);
	}
	cm_vars_free(&l);
}

static void test_indexes(void)
{
	one("memstats.PauseNs[3]", CM_KIND_NUMBER, false, "memstats.PauseNs.[3]", "PauseNs[3]",
	    "memstats.PauseNs[3]");
	one("duration:memstats.PauseNs[-1]", CM_KIND_DURATION, false, "memstats.PauseNs.[-1]",
	    "PauseNs[-1]", "memstats.PauseNs[-1]");
	one("memstats.PauseEnd[0]", CM_KIND_NUMBER, false, "memstats.PauseEnd.[0]",
	    "PauseEnd[0]", "memstats.PauseEnd[0]");
	one("m[1][2]", CM_KIND_NUMBER, false, "m.[1].[2]", "m[1][2]", "m[1][2]");
	one("a[0].b", CM_KIND_NUMBER, false, "a.[0].b", "b", "a[0].b");
	one("a[0].b[-2]", CM_KIND_NUMBER, false, "a.[0].b.[-2]", "b[-2]", "a[0].b[-2]");
	one("a[007]", CM_KIND_NUMBER, false, "a.[7]", "a[007]", "a[007]");
	one("a\\.b[1]", CM_KIND_NUMBER, false, "a.b.[1]", "a.b[1]", "a\\.b[1]");
	one("a[1000000000]", CM_KIND_NUMBER, false, "a.[1000000000]", "a[1000000000]",
	    "a[1000000000]");
	one("a[-1000000000]", CM_KIND_NUMBER, false, "a.[-1000000000]", "a[-1000000000]",
	    "a[-1000000000]");
	one("rate:mem:a[2]", CM_KIND_MEM, true, "a.[2]", "a[2]", "a[2]");
}

static void test_all(void)
{
	struct cm_var_list l = parse_ok("*", 0);
	CHECK(l.all && l.v == NULL);
	cm_vars_free(&l);
	CHECK(!l.all);
	l = parse_ok("memstats.Alloc, * ,@goroutines", 2);
	CHECK(l.all);
	cm_vars_free(&l);
	l = parse_ok("*,*", 0);
	CHECK(l.all);
	cm_vars_free(&l);
}

/* Depth and count limits, at and past them. */
static void test_limits(void)
{
	char spec[16 * 1024];
	size_t w = 0;
	for (int i = 0; i < CM_VAR_DEPTH_MAX; i++)
		w += (size_t)snprintf(spec + w, sizeof(spec) - w, "%sk%d", i ? "." : "", i);
	struct cm_var_list l = parse_ok(spec, 1);
	if (l.n == 1) {
		CHECK(l.v[0].nsteps == CM_VAR_DEPTH_MAX);
		CHECK_STR(l.v[0].label, "k31", "deep label");
	}
	cm_vars_free(&l);
	snprintf(spec + w, sizeof(spec) - w, ".k32");
	bad(spec, spec, "more than 32 steps in the path");
	/* index steps count too */
	w = 0;
	for (int i = 0; i < CM_VAR_DEPTH_MAX; i++)
		w += (size_t)snprintf(spec + w, sizeof(spec) - w, "%s", i ? "[0]" : "a");
	l = parse_ok(spec, 1);
	cm_vars_free(&l);
	snprintf(spec + w, sizeof(spec) - w, "[0]");
	bad(spec, spec, "more than 32 steps");

	/* CM_VARS_MAX named vars, then one more; "*" takes no slot */
	char *big = malloc(CM_VARS_MAX * 8 + 16);
	if (!big)
		return;
	w = 0;
	for (int i = 0; i < CM_VARS_MAX; i++)
		w += (size_t)sprintf(big + w, "%sv%d", i ? "," : "", i);
	strcpy(big + w, ",*");
	l = parse_ok(big, CM_VARS_MAX);
	CHECK(l.all);
	if (l.n == CM_VARS_MAX) {
		CHECK_STR(l.v[CM_VARS_MAX - 1].title, "v1023", "last var");
		const char *keys[] = {"new"};
		CHECK(cm_vars_add_path(&l, keys, 1) == -1);
		const char *known[] = {"v7"};
		CHECK(cm_vars_add_path(&l, known, 1) == 0);
		CHECK(l.n == CM_VARS_MAX);
	}
	cm_vars_free(&l);
	strcpy(big + w, ",extra");
	bad(big, "extra", "more than 1024 vars");
	free(big);

	/* a field past 4096 bytes */
	char *longf = malloc(5000);
	if (!longf)
		return;
	memset(longf, 'k', 4999);
	longf[4999] = '\0';
	char err[512];
	CHECK(cm_vars_parse(longf, &l, err, sizeof(err)) == -1);
	CHECK_ERR(err, "kkk...\": longer than 4096 bytes", "long field");
	longf[4096] = '\0';
	l = parse_ok(longf, 1);
	cm_vars_free(&l);
	free(longf);
}

/* dur.UNIT: a duration published in that unit */
static void test_duration_units(void)
{
	struct cm_var_list l = parse_ok("dur.ms:last_work_ms,duration.s:uptime,dur:x,rate:dur.us:y", 4);
	if (l.n == 4) {
		CHECK(l.v[0].kind == CM_KIND_DURATION && l.v[0].unit_ns == 1e6);
		CHECK_STR(l.v[0].title, "last_work_ms", "dur.ms title");
		CHECK(l.v[1].kind == CM_KIND_DURATION && l.v[1].unit_ns == 1e9);
		CHECK(l.v[2].kind == CM_KIND_DURATION && l.v[2].unit_ns == 1);
		CHECK(l.v[3].kind == CM_KIND_DURATION && l.v[3].unit_ns == 1e3 && l.v[3].rate);
	}
	cm_vars_free(&l);
	l = parse_ok("requests", 1);
	CHECK(l.n == 1 && l.v[0].unit_ns == 1);
	cm_vars_free(&l);
	char err[256];
	CHECK(cm_vars_parse("dur.fortnights:x", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -vars field \"dur.fortnights:x\": unknown duration unit in "
		  "\"dur.fortnights\" (dur.ns, dur.us, dur.ms, dur.s, dur.m, dur.h)", "bad unit");
	CHECK(cm_vars_parse("dur.ms:mem:x", &l, err, sizeof(err)) == -1);
}

static void test_errors(void)
{
	/* the header's example, word for word */
	struct cm_var_list l = {0};
	char err[256];
	CHECK(cm_vars_parse("foo:x", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -vars field \"foo:x\": unknown kind \"foo\" (mem, duration, dur, dur.ms, str, rate, raw, p99)",
		  "example error");
	/* expvarmon crashed on this one */
	CHECK(cm_vars_parse(",", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -vars field \"\": empty (field 1)", "-vars=,");

	/* empty fields */
	bad("", "", "empty (field 1)");
	bad("a,", "", "empty (field 2)");
	bad(",a", "", "empty (field 1)");
	bad("a,,b", "", "empty (field 2)");
	bad("a, ,b", "", "empty (field 2)");
	/* prefixes */
	bad("mem:x,foo:x", "foo:x", "unknown kind \"foo\"");
	bad("Mem:x", "Mem:x", "unknown kind \"Mem\"");
	bad("memory:x", "memory:x", "unknown kind \"memory\"");
	bad(":x", ":x", "unknown kind \"\"");
	bad("memstats.a:b", "memstats.a:b", "unknown kind \"memstats.a\"");
	bad("mem:", "mem:", "no name after the prefix");
	bad("rate:mem:", "rate:mem:", "no name after the prefix");
	bad("mem:dur:x", "mem:dur:x", "two kinds");
	bad("mem:mem:x", "mem:mem:x", "two kinds");
	bad("str:duration:x", "str:duration:x", "two kinds");
	bad("rate:rate:x", "rate:rate:x", "rate: given twice");
	bad("rate:str:x", "rate:str:x", "rate: does not combine with str:");
	bad("str:rate:x", "str:rate:x", "rate: does not combine with str:");
	bad("mem:*", "mem:*", "\"*\" takes no prefix");
	bad("rate:*", "rate:*", "\"*\" takes no prefix");
	/* counts */
	bad("@foo", "@foo", "unknown count \"@foo\" (@goroutines, @threads)");
	bad("@", "@", "unknown count");
	bad("@goroutines.x", "@goroutines.x", "unknown count");
	bad("mem:@goroutines", "mem:@goroutines", "@goroutines is a count: only rate: applies");
	bad("str:@threads", "str:@threads", "only rate: applies");
	/* keys */
	bad("a..b", "a..b", "empty key");
	bad(".a", ".a", "empty key");
	bad("a.", "a.", "empty key");
	bad(".", ".", "empty key");
	bad("[0]", "[0]", "empty key");
	bad("a.[0]", "a.[0]", "empty key");
	/* brackets */
	bad("a[", "a[", "unclosed '['");
	bad("a[1", "a[1", "unclosed '['");
	bad("a[1.b", "a[1.b", "unclosed '['");
	bad("a]", "a]", "unmatched ']'");
	bad("a]b[0]", "a]b[0]", "unmatched ']'");
	bad("a[0]]", "a[0]]", "expected '.' or '[' after ']'");
	bad("a[1]b", "a[1]b", "expected '.' or '[' after ']'");
	bad("a[]", "a[]", "empty index \"[]\"");
	bad("a[x]", "a[x]", "index \"x\" is not a number");
	bad("a[-]", "a[-]", "index \"-\" is not a number");
	bad("a[1x]", "a[1x]", "index \"1x\" is not a number");
	bad("a[+1]", "a[+1]", "index \"+1\" is not a number");
	bad("a[1.5]", "a[1.5]", "index \"1.5\" is not a number");
	bad("a[ 1]", "a[ 1]", "is not a number");
	bad("a[\\1]", "a[\\1]", "is not a number");
	bad("a[--1]", "a[--1]", "is not a number");
	bad("a[-0]", "a[-0]", "index -0: write 0 for the first element, -1 for the last");
	bad("a[1000000001]", "a[1000000001]", "index 1000000001 is out of range");
	bad("a[99999999999999999999999]", "a[99999999999999999999999]", "out of range");
	/* a backslash that ends the list escapes nothing */
	bad("a\\", "a\\", "trailing backslash");
	bad("x,memstats.Alloc\\", "memstats.Alloc\\", "trailing backslash");
	bad("mem:a.b\\", "mem:a.b\\", "trailing backslash");
	/* a backslash before a comma joins the fields */
	one("a\\,", CM_KIND_NUMBER, false, "a,", "a,", "a\\,");
	l = parse_ok("a\\,b,c", 2);
	cm_vars_free(&l);
}

/* Errors are one line, whatever the field holds. */
static void test_error_hygiene(void)
{
	struct cm_var_list l = {0};
	char err[256];
	CHECK(cm_vars_parse("fo\no:x", &l, err, sizeof(err)) == -1);
	CHECK_STR(err, "bad -vars field \"fo?o:x\": unknown kind \"fo?o\" (mem, duration, dur, dur.ms, str, rate, raw, p99)",
		  "newline");
	CHECK(cm_vars_parse("a[\x1b]", &l, err, sizeof(err)) == -1);
	CHECK_ERR(err, "\"a[?]\"", "escape char");
	char small[10];
	CHECK(cm_vars_parse("foo:x", &l, small, sizeof(small)) == -1);
	CHECK_STR(small, "bad -vars", "small buffer");
	CHECK(cm_vars_parse("foo:x", &l, NULL, 0) == -1);
}

/* ---- cm_vars_add_path ---- */

static void test_add_path(void)
{
	struct cm_var_list l = parse_ok("mem:memstats.Alloc,latency\\.p50,*", 2);
	const char *alloc[] = {"memstats", "Alloc"};
	CHECK(cm_vars_add_path(&l, alloc, 2) == 0);
	CHECK_MSG(l.n == 2, "a var the user named was added again");
	const char *p50[] = {"latency.p50"};
	CHECK(cm_vars_add_path(&l, p50, 1) == 0);
	CHECK_MSG(l.n == 2, "an escaped var the user named was added again");

	const char *sys[] = {"memstats", "Sys"};
	CHECK(cm_vars_add_path(&l, sys, 2) == 0);
	CHECK(l.n == 3);
	if (l.n == 3)
		check_var(&l.v[2], CM_KIND_NUMBER, false, "memstats.Sys", "memstats.Sys", "memstats.Sys");
	CHECK(cm_vars_add_path(&l, sys, 2) == 0);
	CHECK(l.n == 3);

	/* a prefix of a known title, and a longer one, are other vars */
	const char *mem[] = {"memstats"};
	CHECK(cm_vars_add_path(&l, mem, 1) == 0);
	const char *longer[] = {"memstats", "Allocs"};
	CHECK(cm_vars_add_path(&l, longer, 2) == 0);
	CHECK(l.n == 5);

	/* titles escape what the grammar reads, and parse back to the keys */
	struct {
		const char *keys[3];
		size_t n;
		const char *title, *label;
	} cases[] = {
		{{"a.b", "c"}, 2, "a\\.b.c", "a.b.c"},
		{{"x\\y", "p:q"}, 2, "x\\\\y.p\\:q", "x\\y.p:q"},
		{{"arr[0]", "z,w"}, 2, "arr\\[0\\].z\\,w", "arr[0].z,w"},
		{{"@goroutines"}, 1, "\\@goroutines", "@goroutines"},
		{{"*"}, 1, "\\*", "*"},
		{{"a", "@b", "*"}, 3, "a.@b.*", "a.@b.*"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t before = l.n;
		CHECK(cm_vars_add_path(&l, cases[i].keys, cases[i].n) == 0);
		CHECK_MSG(l.n == before + 1, "case %zu not added", i);
		if (l.n != before + 1)
			continue;
		const struct cm_var *v = &l.v[l.n - 1];
		CHECK_STR(v->title, cases[i].title, "add_path title");
		CHECK_STR(v->label, cases[i].label, "add_path label");
		CHECK(v->kind == CM_KIND_NUMBER && !v->rate && v->source == CM_SOURCE_EXPVAR);
		CHECK(v->nsteps == cases[i].n);
		for (size_t k = 0; k < v->nsteps && k < cases[i].n; k++)
			CHECK_STR(v->steps[k].key, cases[i].keys[k], "add_path key");
		/* added again: nothing */
		CHECK(cm_vars_add_path(&l, cases[i].keys, cases[i].n) == 0 && l.n == before + 1);
		/* the title is what a user would write for the same var */
		struct cm_var_list back = parse_ok(cases[i].title, 1);
		if (back.n == 1) {
			CHECK(back.v[0].nsteps == cases[i].n);
			for (size_t k = 0; k < back.v[0].nsteps && k < cases[i].n; k++)
				CHECK_STR(back.v[0].steps[k].key, cases[i].keys[k], "round trip");
			CHECK_STR(back.v[0].title, cases[i].title, "round trip title");
		}
		cm_vars_free(&back);
	}

	/* nothing to add: no keys, or deeper than the grammar allows */
	size_t n = l.n;
	CHECK(cm_vars_add_path(&l, NULL, 0) == 0 && l.n == n);
	const char *deep[CM_VAR_DEPTH_MAX + 1];
	for (size_t i = 0; i < CM_VAR_DEPTH_MAX + 1; i++)
		deep[i] = "k";
	CHECK(cm_vars_add_path(&l, deep, CM_VAR_DEPTH_MAX + 1) == 0 && l.n == n);
	CHECK(cm_vars_add_path(&l, deep, CM_VAR_DEPTH_MAX) == 0 && l.n == n + 1);
	cm_vars_free(&l);

	/* an empty list grows from nothing, up to CM_VARS_MAX */
	l = (struct cm_var_list){0};
	int rc = 0;
	for (int i = 0; i < CM_VARS_MAX && rc == 0; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", i);
		const char *keys[] = {"s", name};
		rc = cm_vars_add_path(&l, keys, 2);
	}
	CHECK(rc == 0 && l.n == CM_VARS_MAX);
	const char *one_more[] = {"s", "more"};
	CHECK(cm_vars_add_path(&l, one_more, 2) == -1 && l.n == CM_VARS_MAX);
	cm_vars_free(&l);
}

/* ---- allocation failure ---- */

static void test_oom(void)
{
	if (!FAILALLOC)
		return;
	const char *spec = "mem:memstats.Alloc,rate:a\\.b[3][-1].c,@goroutines,*";
	long fail = 1;
	for (; fail < 1000; fail++) {
		struct cm_var_list l = {0};
		char err[256] = "";
		long before = alloc_live;
		alloc_fail_at(fail);
		int rc = cm_vars_parse(spec, &l, err, sizeof(err));
		bool hit = alloc_reached(fail);
		if (!hit) {
			CHECK_MSG(rc == 0 && l.n == 3 && l.all, "untouched run failed: %s", err);
			cm_vars_free(&l);
			CHECK(alloc_live == before);
			break;
		}
		CHECK_MSG(rc == -1, "allocation %ld failed unnoticed", fail);
		CHECK_MSG(l.n == 0 && l.v == NULL && !l.all, "allocation %ld: list left", fail);
		CHECK_MSG(alloc_live == before, "allocation %ld: %ld blocks leaked", fail,
			  alloc_live - before);
		CHECK_STR(err, "out of memory reading -vars", "oom message");
	}
	CHECK_MSG(fail > 10 && fail < 1000, "%ld allocations", fail);

	/* add_path: a failure leaves the list as it was */
	struct cm_var_list l = parse_ok("x", 1);
	const char *keys[] = {"memstats", "a.b", "NumGC"};
	for (fail = 1; fail < 100; fail++) {
		long before = alloc_live;
		alloc_fail_at(fail);
		int rc = cm_vars_add_path(&l, keys, 3);
		bool hit = alloc_reached(fail);
		if (!hit) {
			CHECK(rc == 0 && l.n == 2);
			break;
		}
		CHECK_MSG(rc == -1 && l.n == 1 && alloc_live == before, "add_path: allocation %ld", fail);
		if (l.n == 1)
			CHECK_STR(l.v[0].title, "x", "list intact");
	}
	CHECK(fail > 5);
	if (l.n == 2)
		CHECK_STR(l.v[1].title, "memstats.a\\.b.NumGC", "added after oom runs");
	cm_vars_free(&l);
}

/* ---- Prometheus selectors ---- */

static void test_prom(void)
{
	struct cm_var_list l = parse_ok(
		"http_requests_total{code=\"200\", method=~\"get|post\",path!=\"/a,b\"},"
		"raw:x_total,p99:rpc_seconds{job!~\"x.*\"},go_goroutines,memstats.Alloc,"
		"mem:memstats.Alloc|go_memstats_alloc_bytes,|process_cpu_seconds_total,"
		"dur:go_gc_duration_seconds{quantile=\"1\"},dur.ms:lat_seconds,x_total{a=\"b\"}[-1],"
		"@threads,requests_total,dur:q_milliseconds,job\\:rule",
		14);
	if (l.n != 14)
		goto out;
	const struct cm_var *v = &l.v[0];
	CHECK(!cm_var_has_expvar(v) && v->rate && v->prom.nm == 3);
	CHECK_STR(v->prom.name, "http_requests_total", "name");
	CHECK_STR(v->label, "http_requests_total{code=\"200\", method=~\"get|post\",path!=\"/a,b\"}",
		  "label");
	CHECK(v->prom.m[0].op == CM_PROM_EQ && !strcmp(v->prom.m[0].value, "200"));
	CHECK(v->prom.m[1].op == CM_PROM_RE && v->prom.m[1].re);
	CHECK(v->prom.m[2].op == CM_PROM_NE && !strcmp(v->prom.m[2].value, "/a,b"));
	CHECK(l.v[1].prom.raw && !l.v[1].rate);
	CHECK(l.v[2].prom.quantile == 0.99 && !l.v[2].rate && l.v[2].prom.m[0].op == CM_PROM_NRE);
	CHECK_STR(l.v[2].label, "p99:rpc_seconds{job!~\"x.*\"}", "quantile label");
	/* a plain name is both sides */
	CHECK(cm_var_has_expvar(&l.v[3]) && l.v[3].prom.name && !strcmp(l.v[3].prom.name, "go_goroutines"));
	CHECK(cm_var_has_expvar(&l.v[4]) && !l.v[4].prom.name); /* a dot: no metric */
	CHECK(l.v[5].kind == CM_KIND_MEM && cm_var_has_expvar(&l.v[5]));
	CHECK_STR(l.v[5].prom.name, "go_memstats_alloc_bytes", "pair");
	CHECK_STR(l.v[5].label, "Alloc", "pair label");
	CHECK_STR(l.v[5].title, "memstats.Alloc", "pair title");
	CHECK(!cm_var_has_expvar(&l.v[6]) && l.v[6].rate);
	CHECK(l.v[7].kind == CM_KIND_DURATION && l.v[7].prom.unit_ns == 1e9 && l.v[7].unit_ns == 1);
	CHECK(l.v[8].prom.unit_ns == 1e6); /* dur.ms: says it, whatever the name */
	CHECK(l.v[9].prom.pick && l.v[9].prom.index == -1);
	CHECK(l.v[10].source == CM_SOURCE_THREADS && !strcmp(l.v[10].prom.name, "go_threads"));
	CHECK(!l.v[11].rate); /* implicit: a rate only once a Prometheus body says so */
	CHECK(l.v[12].prom.unit_ns == 1e6);
	CHECK_STR(l.v[13].prom.name, "job:rule", "escaped colon");
out:
	cm_vars_free(&l);
	l = parse_ok(CM_VARS_DEFAULT_PROM, 6);
	if (l.n == 6) {
		CHECK(l.v[5].rate && l.v[2].prom.quantile != l.v[2].prom.quantile);
		CHECK(l.v[2].prom.nm == 1 && l.v[2].prom.unit_ns == 1e9);
	}
	cm_vars_free(&l);
	l = parse_ok(CM_VARS_DEFAULT, 8);
	if (l.n == 8)
		CHECK(!l.v[5].rate && l.v[5].prom.raw && !strcmp(l.v[5].prom.name, "go_gc_duration_seconds_sum"));
	cm_vars_free(&l);
	bad("x{a=\"1\"", "x{a=\"1\"", "',' or '}' expected");
	bad("x{a=\"1}", "x{a=\"1}", "label value not closed");
	bad("x{a~\"1\"}", "x{a~\"1\"}", "=, !=, =~ or !~ expected");
	bad("x{a=1}", "x{a=1}", "double quotes expected");
	bad("x{=\"1\"}", "x{=\"1\"}", "a label name expected");
	bad("x{a=~\"(\"}", "x{a=~\"(\"}", "missing closing )");
	bad("x{a=\"1\"}z", "x{a=\"1\"}z", "unexpected \"z\" after the selector");
	bad("p99:a|b", "p99:a|b", "Prometheus services only");
	bad("|", "|", "nothing on either side");
	bad("raw:rate:x", "raw:rate:x", "contradict");
	bad("p99:rate:x", "p99:rate:x", "a quantile takes no");
	bad("p101:x", "p101:x", "unknown kind \"p101\"");
	bad("p99:p50:x", "p99:p50:x", "two quantiles");
	bad("raw:{a=\"b\"}", "raw:{a=\"b\"}", "a metric name expected");
	char many[2048] = "x{";
	for (int k = 0; k <= CM_PROM_MATCHERS_MAX; k++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "l%d=\"\",", k);
	strcat(many, "}");
	struct cm_var_list m = {0};
	char err[512];
	CHECK(cm_vars_parse(many, &m, err, sizeof err) == -1);
	CHECK_ERR(err, "more than 32 label matchers", "matchers bound");
}

int main(void)
{
	test_prom();
	test_duration_units();
	test_defaults();
	test_paths();
	test_prefixes();
	test_indexes();
	test_all();
	test_limits();
	test_errors();
	test_error_hygiene();
	test_add_path();
	test_oom();
	return check_status("varspec");
}
