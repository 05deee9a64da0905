/* cm_path_clean against Go's filepath.Clean test table, and cm_path_trim
 * against pprof's trimPath. */
#include <stdlib.h>

#include "check.h"
#include "cmon/base/pathutil.h"

static const char *clean_cases[][2] = {
	/* already clean */
	{"abc", "abc"},
	{"abc/def", "abc/def"},
	{"a/b/c", "a/b/c"},
	{".", "."},
	{"..", ".."},
	{"../..", "../.."},
	{"../../abc", "../../abc"},
	{"/abc", "/abc"},
	{"/", "/"},
	/* empty is the current dir */
	{"", "."},
	/* trailing slashes go */
	{"abc/", "abc"},
	{"abc/def/", "abc/def"},
	{"a/b/c/", "a/b/c"},
	{"./", "."},
	{"../", ".."},
	{"../../", "../.."},
	{"/abc/", "/abc"},
	/* doubled slashes go */
	{"abc//def//ghi", "abc/def/ghi"},
	{"//abc", "/abc"},
	{"///abc", "/abc"},
	{"//abc//", "/abc"},
	{"abc//", "abc"},
	/* . elements go */
	{"abc/./def", "abc/def"},
	{"/./abc/def", "/abc/def"},
	{"abc/.", "abc"},
	/* .. elements */
	{"abc/def/ghi/../jkl", "abc/def/jkl"},
	{"abc/def/../ghi/../jkl", "abc/jkl"},
	{"abc/def/..", "abc"},
	{"abc/def/../..", "."},
	{"/abc/def/../..", "/"},
	{"abc/def/../../..", ".."},
	{"/abc/def/../../..", "/"},
	{"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
	{"/../abc", "/abc"},
	/* combinations */
	{"abc/./../def", "def"},
	{"abc//./../def", "def"},
	{"abc/../../././../def", "../../def"},
	/* names that only look like dots */
	{"...", "..."},
	{"a/.../b", "a/.../b"},
	{".a/..b/b..", ".a/..b/b.."},
	{"/..a", "/..a"},
	{"//", "/"},
	{"./..", ".."},
	{"/usr/local/go/src/runtime/proc.go", "/usr/local/go/src/runtime/proc.go"},
};

static void clean(const char *in, const char *want)
{
	/* The contract: outlen >= strlen(path) + 2. Use exactly that, on the heap,
	 * so a sanitizer sees any overflow. */
	size_t n = strlen(in) + 2;
	char *out = malloc(n);
	char what[256];
	snprintf(what, sizeof(what), "cm_path_clean(\"%s\")", in);
	CHECK_STR(cm_path_clean(in, out, n), want, what);
	free(out);
}

static void trim(const char *path, const char *trim_path, const char *search, const char *want)
{
	char what[512];
	snprintf(what, sizeof(what), "cm_path_trim(\"%s\", \"%s\", \"%s\")", path,
		 trim_path ? trim_path : "(null)", search ? search : "(null)");
	const char *got = cm_path_trim(path, trim_path, search);
	CHECK_STR(got, want, what);
	/* A suffix of path, never a copy. */
	CHECK(got >= path && got <= path + strlen(path));
}

int main(void)
{
	for (size_t i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++) {
		clean(clean_cases[i][0], clean_cases[i][1]);
		/* Cleaning is idempotent. */
		clean(clean_cases[i][1], clean_cases[i][1]);
	}
	/* A long path with many .. runs. */
	char longp[4096] = "";
	for (int i = 0; i < 300; i++)
		strcat(longp, "a/../");
	strcat(longp, "x");
	clean(longp, "x");
	/* A tiny buffer truncates but stays terminated. */
	char tiny[4];
	cm_path_clean("abcdef", tiny, sizeof(tiny));
	CHECK(strlen(tiny) < sizeof(tiny));
	CHECK(cm_path_clean("abc", tiny, 0) == tiny);

	/* No trim_path: the base name of a search dir marks where to cut. */
	trim("/some/remote/path/my-project/foo/bar.c", "", "/my/local/path/my-project",
	     "foo/bar.c");
	trim("/some/remote/path/my-project/foo/bar.c", NULL, "/a/b:/my/local/my-project/",
	     "foo/bar.c");
	trim("/some/remote/path/my-project/foo/bar.c", "", "/elsewhere", 
	     "/some/remote/path/my-project/foo/bar.c");
	trim("/x/my-projectile/foo.c", "", "/my-project", "/x/my-projectile/foo.c");
	/* A configured trim_path wins over the search path heuristic. */
	trim("/build/src/my-project/foo/bar.c", "/build/src", "/local/my-project",
	     "my-project/foo/bar.c");
	trim("/build/src/foo.c", "/build/src/", NULL, "foo.c");
	trim("/build/src/foo.c", "/nope:/build", NULL, "src/foo.c");
	trim("/build/srcfoo.c", "/build/src", NULL, "/build/srcfoo.c");
	/* /proc/self/cwd is always trimmed. */
	trim("/proc/self/cwd/main.go", "", "", "main.go");
	trim("/proc/self/cwd/./main.go", "", "", "main.go");
	trim("/proc/self/cwd/./main.go", NULL, NULL, "main.go");
	trim("/proc/self/cwdx/main.go", "", "", "/proc/self/cwdx/main.go");
	trim("main.go", "", "", "main.go");
	trim("", "", "", "");
	return check_status("test_pathutil");
}
