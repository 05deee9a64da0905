/* test_mycode: whose code a function is (cmon/profile/gopkg.h) and the
 * viewer's "my code": the owners of a real profile's functions, and the
 * standard library hidden (M) equal to -hide with the regex it shows. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "failalloc.h"
#include "cmon/profile/gopkg.h"
#include "cmon/profile/profile.h"
#include "cmon/viewer/viewer.h"

#define DATA CM_TEST_DATA_DIR "/"

static void test_package_len(void)
{
	static const struct {
		const char *name;
		size_t want;
	} cases[] = {
		{"net/http.(*conn).serve", 8},
		{"main.main", 4},
		{"main.(*server).handle.func1", 4},
		{"github.com/x/y.(*T[go.shape.int]).M", 14},
		{"github.com/x/y.F[...]", 14},
		{"runtime/internal/atomic.Load", 23},
		{"gopkg.in/yaml.v3.Marshal", 13},
		{"type..eq.main.T", 4},
		{"_ZN3foo3barEv", 0},
		{"foo::Bar::baz(int)", 0},
		{"0x4a8375", 0},
		{".hidden", 0},
		{"", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_MSG(cm_go_package_len(cases[i].name) == cases[i].want, "%s: %zu", cases[i].name,
			  cm_go_package_len(cases[i].name));
}

static void test_std_and_files(void)
{
	CHECK(cm_go_package_is_std("runtime", 7));
	CHECK(cm_go_package_is_std("net/http", 8));
	CHECK(cm_go_package_is_std("internal/poll", 13));
	CHECK(!cm_go_package_is_std("main", 4));
	CHECK(!cm_go_package_is_std("github.com/x/y", 14));
	CHECK(!cm_go_package_is_std("gopkg.in/yaml", 13));
	CHECK(cm_go_file_is_dependency("/root/go/pkg/mod/github.com/x/y@v1.2.3/z.go"));
	CHECK(cm_go_file_is_dependency("github.com/x/y@v1.2.3/z.go"));
	CHECK(cm_go_file_is_dependency("/src/svc/vendor/github.com/x/y/z.go"));
	CHECK(!cm_go_file_is_dependency("/src/svc/main.go"));
	CHECK(!cm_go_file_is_dependency("user@host/main.go"));
	CHECK(!cm_go_file_is_dependency(""));
}

/* A profile whose functions are given as (name, file) pairs. */
static struct cm_profile *profile_of(const char *const (*fns)[2], size_t n)
{
	struct cm_profile *p = calloc(1, sizeof(*p));
	p->functions = calloc(n, sizeof(*p->functions));
	p->nfunctions = n;
	for (size_t i = 0; i < n; i++) {
		p->functions[i].name = fns[i][0];
		p->functions[i].filename = fns[i][1];
	}
	return p;
}

static void free_profile_of(struct cm_profile *p)
{
	free(p->functions);
	free(p);
}

static void test_owners(void)
{
	/* a module named "demo" (no dot), built without -trimpath */
	static const char *const abs[][2] = {
		{"runtime.mallocgc", "/usr/lib/go-1.19/src/runtime/malloc.go"},
		{"net/http.(*conn).serve", "/usr/lib/go-1.19/src/net/http/server.go"},
		{"main.handle", "/home/u/demo/main.go"},
		{"demo/internal/store.Get", "/home/u/demo/internal/store/store.go"},
		{"github.com/lib/pq.(*conn).query", "/home/u/go/pkg/mod/github.com/lib/pq@v1.10.0/conn.go"},
		{"example.com/shared/log.Printf", "/home/u/shared/log/log.go"},
	};
	struct cm_profile *p = profile_of(abs, sizeof(abs) / sizeof(abs[0]));
	struct cm_code_owners o;
	CHECK(cm_code_owners_build(&o, p, NULL) == 0);
	CHECK(cm_code_owner_of(&o, "runtime.mallocgc") == CM_CODE_STD);
	CHECK(cm_code_owner_of(&o, "net/http.HandlerFunc.ServeHTTP") == CM_CODE_STD);
	CHECK(cm_code_owner_of(&o, "main.handle.func1") == CM_CODE_MINE);
	CHECK(cm_code_owner_of(&o, "demo/internal/store.Get") == CM_CODE_MINE);
	CHECK(cm_code_owner_of(&o, "github.com/lib/pq.(*conn).query") == CM_CODE_DEP);
	CHECK(cm_code_owner_of(&o, "example.com/shared/log.Printf") == CM_CODE_MINE);
	/* names the functions did not have fall back on the rule */
	CHECK(cm_code_owner_of(&o, "sync.(*Mutex).Lock") == CM_CODE_STD);
	CHECK(cm_code_owner_of(&o, "github.com/other/x.F") == CM_CODE_MINE);
	CHECK(cm_code_owner_of(&o, "_ZN3foo3barEv") == CM_CODE_MINE);
	bool oom;
	char *re = cm_code_owners_std_regex(&o, &oom);
	CHECK_STR(re, "^(?:net/http|runtime)\\.", "std regex");
	free(re);
	cm_code_owners_free(&o);

	/* -module: under it is mine, the rest not */
	CHECK(cm_code_owners_build(&o, p, "example.com/shared") == 0);
	CHECK(cm_code_owner_of(&o, "main.handle") == CM_CODE_MINE);
	CHECK(cm_code_owner_of(&o, "example.com/shared/log.Printf") == CM_CODE_MINE);
	CHECK(cm_code_owner_of(&o, "example.com/sharedx.F") == CM_CODE_DEP);
	CHECK(cm_code_owner_of(&o, "demo/internal/store.Get") == CM_CODE_DEP);
	CHECK(cm_code_owner_of(&o, "runtime.mallocgc") == CM_CODE_STD);
	cm_code_owners_free(&o);
	free_profile_of(p);

	/* -trimpath: files named by package path */
	static const char *const trimmed[][2] = {
		{"runtime.mallocgc", "runtime/malloc.go"},
		{"main.main", "cmon/profgen/main.go"},
		{"cmon/profgen/work.Run", "cmon/profgen/work/run.go"},
		{"github.com/x/y.F", "github.com/x/y@v0.1.0/y.go"},
	};
	p = profile_of(trimmed, sizeof(trimmed) / sizeof(trimmed[0]));
	CHECK(cm_code_owners_build(&o, p, NULL) == 0);
	CHECK(cm_code_owner_of(&o, "runtime.mallocgc") == CM_CODE_STD);
	CHECK(cm_code_owner_of(&o, "cmon/profgen/work.Run") == CM_CODE_MINE);
	CHECK(cm_code_owner_of(&o, "github.com/x/y.F") == CM_CODE_DEP);
	cm_code_owners_free(&o);
	free_profile_of(p);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	return buf;
}

static struct cm_viewer *viewer_on(const char *file, const char *hide)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.ro.hide = hide;
	char err[256];
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	size_t len;
	unsigned char *data = read_file(file, &len);
	CHECK_MSG(v && data && cm_viewer_load(v, data, len, 0, err, sizeof(err)) == 0, "%s", err);
	free(data);
	return v;
}

/* The rows of two viewers are the same lines. */
static void check_same_rows(struct cm_viewer *a, struct cm_viewer *b)
{
	CHECK(cm_viewer_top_count(a) == cm_viewer_top_count(b));
	char la[512], lb[512];
	for (size_t i = 0; i < cm_viewer_top_count(a) && i < cm_viewer_top_count(b); i++)
		CHECK_STR(cm_viewer_top_text(a, i, la, sizeof(la)), cm_viewer_top_text(b, i, lb, sizeof(lb)),
			  "row");
}

static void test_viewer_hide_std(void)
{
	const char *re = "^(?:crypto/internal/boring|crypto/sha256|internal/reflectlite|runtime|"
			 "runtime/internal/atomic|runtime/pprof|sort|strconv|strings)\\.";
	struct cm_viewer *v = viewer_on(DATA "cpu.pb.gz", NULL);
	struct cm_viewer *want = viewer_on(DATA "cpu.pb.gz", re);
	char err[256];
	CHECK(cm_viewer_code_owner(v, "main.sortWork") == CM_CODE_MINE);
	CHECK(cm_viewer_code_owner(v, "sort.pdqsort_func") == CM_CODE_STD);
	size_t before = cm_viewer_top_count(v);
	CHECK(cm_viewer_set_hide_std(v, true, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_hide_std(v));
	CHECK(cm_viewer_top_count(v) < before);
	check_same_rows(v, want);
	for (size_t i = 0; i < cm_viewer_top_count(v); i++)
		CHECK_MSG(cm_viewer_code_owner(v, cm_viewer_top_row(v, i)->name) != CM_CODE_STD, "%s",
			  cm_viewer_top_row(v, i)->name);
	/* the header says what is hidden, as -top -hide says it (pprof cuts a
	 * filter at 80 bytes) */
	bool said = false;
	for (size_t i = 0; i < cm_viewer_header_count(v); i++)
		said |= !strncmp(cm_viewer_header(v, i), "   hide=", 8) &&
			!strncmp(cm_viewer_header(v, i) + 8, re, 70);
	CHECK(said);
	for (size_t i = 0; !said && i < cm_viewer_header_count(v); i++)
		fprintf(stderr, "header: %s\n", cm_viewer_header(v, i));
	/* the person's own hide stays in force beside it */
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_HIDE, "^main\\.f0", 0, err, sizeof(err)) == 0);
	for (size_t i = 0; i < cm_viewer_top_count(v); i++)
		CHECK(strncmp(cm_viewer_top_row(v, i)->name, "main.f0", 7) != 0);
	CHECK_STR(cm_viewer_filter(v, CM_VFILTER_HIDE), "^main\\.f0", "the hide filter is the person's");
	cm_viewer_clear_filters(v, 0);
	check_same_rows(v, want);
	CHECK(cm_viewer_set_hide_std(v, false, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_top_count(v) == before);
	cm_viewer_free(v);
	cm_viewer_free(want);
}

/* Every allocation of a load, M on, a hide filter beside it, a reload and
 * M off fails in turn: each failing call says so, the viewer stays
 * usable, and nothing leaks. */
static void test_oom(void)
{
	if (!FAILALLOC)
		return;
	size_t len;
	unsigned char *data = read_file(DATA "labels.pb.gz", &len);
	CHECK(data != NULL);
	long base = alloc_live, n;
	for (n = 1; data; n++) {
		struct cm_viewer_opts o;
		cm_viewer_opts_init(&o);
		char err[256];
		alloc_fail_at(n);
		struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
		if (v && cm_viewer_load(v, data, len, 0, err, sizeof(err)) == 0) {
			size_t rows = cm_viewer_top_count(v);
			if (cm_viewer_set_hide_std(v, true, 0, err, sizeof(err)) < 0)
				CHECK(!cm_viewer_hide_std(v) && cm_viewer_top_count(v) == rows);
			cm_viewer_set_filter(v, CM_VFILTER_HIDE, "^main\\.", 0, err, sizeof(err));
			cm_viewer_load(v, data, len, 1, err, sizeof(err));
			cm_viewer_set_hide_std(v, false, 0, err, sizeof(err));
			CHECK(cm_viewer_has_profile(v));
		}
		cm_viewer_free(v);
		bool reached = alloc_reached(n);
		CHECK_MSG(alloc_live == base, "leak after failing allocation %ld", n);
		if (!reached)
			break;
	}
	CHECK(n > 100); /* the runs did reach the code */
	free(data);
}

int main(void)
{
	test_package_len();
	test_std_and_files();
	test_owners();
	test_viewer_hide_std();
	test_oom();
	return check_status("test_mycode");
}
