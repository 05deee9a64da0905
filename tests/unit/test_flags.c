/* cm_flags_parse: Go's flag syntax. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "cmon/base/flags.h"

struct vals {
	bool b, top;
	const char *s;
	int n;
	double f;
	unsigned long long size;
	struct cm_flag_list list;
};

static struct vals v;
static char err[256];

static const struct cm_flag flags[] = {
	{"b", CM_FLAG_BOOL, &v.b, NULL, "a bool"},
	{"top", CM_FLAG_BOOL, &v.top, NULL, "another bool"},
	{"s", CM_FLAG_STRING, &v.s, "str", "a string"},
	{"n", CM_FLAG_INT, &v.n, "n", "an int"},
	{"f", CM_FLAG_DOUBLE, &v.f, "f", "a double"},
	{"max_inflated", CM_FLAG_SIZE, &v.size, "bytes", "a size"},
	{"trigger", CM_FLAG_LIST, &v.list, "expr", "repeatable"},
};
enum { NFLAGS = sizeof(flags) / sizeof(flags[0]) };

/* Parses the NULL-terminated words; returns the positional count. */
static int parse(char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	v = (struct vals){.s = "unset", .n = -99, .f = -1, .size = 7};
	err[0] = '\0';
	return cm_flags_parse(flags, NFLAGS, argc, argv, err, sizeof(err));
}

/* A fresh mutable argv of the words (the parser reorders it in place, so
 * the strings are owned by a separate list). */
static char *words[32], *owned[32];
static char **argv_of(const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	size_t n = 0;
	for (const char *w = first; w && n < 31; w = va_arg(ap, const char *)) {
		free(owned[n]);
		words[n] = owned[n] = strdup(w);
		n++;
	}
	va_end(ap);
	words[n] = NULL;
	return words;
}
#define ARGV(...) argv_of(__VA_ARGS__, (const char *)NULL)

int main(void)
{
	char **a;

	/* -f=v, -f v, --f=v, --f v */
	a = ARGV("-s=x", "-n", "3", "--f=0.25", "--max_inflated", "100");
	CHECK(parse(a) == 0);
	CHECK_STR(v.s, "x", "-s=x");
	CHECK(v.n == 3);
	CHECK(v.f == 0.25);
	CHECK(v.size == 100);

	/* A list flag keeps every value, in order, up to its bound */
	a = ARGV("-trigger=a>1:cpu", "x", "--trigger", "b<2:heap");
	CHECK(parse(a) == 1 && v.list.n == 2);
	CHECK_STR(v.list.v[0], "a>1:cpu", "first -trigger");
	CHECK_STR(v.list.v[1], "b<2:heap", "second -trigger");
	{
		static char one[] = "-trigger=x>1:cpu";
		char *many[CM_FLAG_LIST_MAX + 2];
		for (int i = 0; i <= CM_FLAG_LIST_MAX; i++)
			many[i] = one;
		many[CM_FLAG_LIST_MAX + 1] = NULL;
		CHECK(parse(many) < 0);
		CHECK_STR(err, "flag -trigger given more than 32 times", "list bound");
	}

	/* Bools: -b, -b=true, -b=false and the other spellings Go's
	 * strconv.ParseBool takes; -b never takes the next word. */
	a = ARGV("-b", "-top=false");
	CHECK(parse(a) == 0 && v.b && !v.top);
	a = ARGV("-b=false", "--top=true");
	CHECK(parse(a) == 0 && !v.b && v.top);
	const char *yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		char word[32];
		snprintf(word, sizeof(word), "-b=%s", yes[i]);
		a = ARGV(word);
		CHECK_MSG(parse(a) == 0 && v.b, "%s", word);
	}
	const char *no[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		char word[32];
		snprintf(word, sizeof(word), "-b=%s", no[i]);
		a = ARGV("-b", word);
		CHECK_MSG(parse(a) == 0 && !v.b, "%s", word);
	}
	a = ARGV("-b", "false");
	CHECK(parse(a) == 1 && v.b);
	CHECK_STR(a[0], "false", "bool does not take the next word");
	a = ARGV("-b=maybe");
	CHECK(parse(a) == -1);
	CHECK_ERR(err, "invalid boolean value \"maybe\" for -b: parse error", "bad bool");

	/* Positional arguments, interleaved, moved to the front in order. */
	a = ARGV("one", "-s", "v", "two", "-b", "three");
	CHECK(parse(a) == 3);
	CHECK_STR(a[0], "one", "positional 0");
	CHECK_STR(a[1], "two", "positional 1");
	CHECK_STR(a[2], "three", "positional 2");
	CHECK_STR(v.s, "v", "-s v");
	CHECK(v.b);
	/* "-" alone is positional (stdin by convention). */
	a = ARGV("-", "-b");
	CHECK(parse(a) == 1);
	CHECK_STR(a[0], "-", "lone dash");
	/* "--" ends the flags. */
	a = ARGV("-b", "--", "-s", "--", "x");
	CHECK(parse(a) == 3);
	CHECK_STR(a[0], "-s", "after --");
	CHECK_STR(a[1], "--", "after --");
	CHECK_STR(a[2], "x", "after --");
	CHECK_STR(v.s, "unset", "-s after -- is not a flag");
	/* No words at all. */
	char *none[] = {NULL};
	CHECK(parse(none) == 0);

	/* Values: a string flag takes the next word even when it looks like a
	 * flag, and may be empty; "=" splits at the first one. */
	a = ARGV("-s", "-b");
	CHECK(parse(a) == 0);
	CHECK_STR(v.s, "-b", "-s -b");
	CHECK(!v.b);
	a = ARGV("-s=");
	CHECK(parse(a) == 0);
	CHECK_STR(v.s, "", "-s=");
	a = ARGV("-s=a=b");
	CHECK(parse(a) == 0);
	CHECK_STR(v.s, "a=b", "-s=a=b");
	a = ARGV("-s=1", "-s=2");
	CHECK(parse(a) == 0);
	CHECK_STR(v.s, "2", "last one wins");

	/* Ints. */
	a = ARGV("-n=-5");
	CHECK(parse(a) == 0 && v.n == -5);
	a = ARGV("-n", "-5");
	CHECK(parse(a) == 0 && v.n == -5);
	a = ARGV("-n=2147483647");
	CHECK(parse(a) == 0 && v.n == 2147483647);
	const char *bad_ints[] = {"abc", "", "1.5", "3x", "2147483648", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad_ints) / sizeof(bad_ints[0]); i++) {
		char word[64];
		snprintf(word, sizeof(word), "-n=%s", bad_ints[i]);
		a = ARGV(word);
		CHECK_MSG(parse(a) == -1, "%s", word);
		CHECK_ERR(err, "for flag -n", word);
	}

	/* Doubles. */
	a = ARGV("-f=1e-3");
	CHECK(parse(a) == 0 && v.f == 1e-3);
	a = ARGV("-f=0");
	CHECK(parse(a) == 0 && v.f == 0);
	a = ARGV("-f=abc");
	CHECK(parse(a) == -1);
	CHECK_ERR(err, "invalid value \"abc\" for flag -f: parse error", "bad double");
	a = ARGV("-f=");
	CHECK(parse(a) == -1);

	/* Sizes: bytes, or K/M/G binary suffixes. */
	struct { const char *in; unsigned long long want; } sizes[] = {
		{"0", 0}, {"10", 10}, {"64k", 64ULL << 10}, {"64K", 64ULL << 10},
		{"1M", 1ULL << 20}, {"512m", 512ULL << 20}, {"1G", 1ULL << 30},
		{"3g", 3ULL << 30}, {"18446744073709551615", 18446744073709551615ULL},
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char word[64];
		snprintf(word, sizeof(word), "-max_inflated=%s", sizes[i].in);
		a = ARGV(word);
		CHECK_MSG(parse(a) == 0 && v.size == sizes[i].want, "%s", word);
	}
	/* A suffix needs digits before it: "M" alone is not 0. */
	const char *bad_sizes[] = {"", "-1", "1T", "1MB", "M", "abc", "17179869184G",
				   "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		char word[64];
		snprintf(word, sizeof(word), "-max_inflated=%s", bad_sizes[i]);
		a = ARGV(word);
		CHECK_MSG(parse(a) == -1, "%s accepted as %llu", word, v.size);
		CHECK_ERR(err, "for flag -max_inflated", word);
	}

	/* Unknown flags and missing values, with Go's messages. */
	a = ARGV("-nope");
	CHECK(parse(a) == -1);
	CHECK_STR(err, "flag provided but not defined: -nope", "unknown flag");
	a = ARGV("--nope=3");
	CHECK(parse(a) == -1);
	CHECK_STR(err, "flag provided but not defined: -nope", "unknown --flag=v");
	a = ARGV("-tops");
	CHECK(parse(a) == -1); /* no prefix matching */
	/* A typo names the nearest flag; a name far from every flag, none. */
	CHECK_STR(err, "flag provided but not defined: -tops (did you mean -top?)", "typo");
	a = ARGV("-to");
	CHECK(parse(a) == -1);
	CHECK_STR(err, "flag provided but not defined: -to (did you mean -top?)", "short typo");
	a = ARGV("-max_inflatd=1G");
	CHECK(parse(a) == -1);
	CHECK_STR(err, "flag provided but not defined: -max_inflatd (did you mean -max_inflated?)",
		  "long typo");
	a = ARGV("-inflated");
	CHECK(parse(a) == -1);
	CHECK_STR(err, "flag provided but not defined: -inflated", "too far for a typo");
	a = ARGV("-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	CHECK(parse(a) == -1);
	CHECK_ERR(err, "not defined: -xxxxxxxx", "a name longer than any flag");
	a = ARGV("-s");
	CHECK(parse(a) == -1);
	CHECK_STR(err, "flag needs an argument: -s", "missing value");
	a = ARGV("-b", "-n");
	CHECK(parse(a) == -1);
	CHECK_STR(err, "flag needs an argument: -n", "missing int value");

	/* Help lines. */
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cm_flags_print(flags, NFLAGS, out);
	fclose(out);
	CHECK(buf && strstr(buf, "  -s str") && strstr(buf, "a string\n"));
	CHECK(buf && strstr(buf, "  -max_inflated bytes"));
	free(buf);
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		free(owned[i]);
	return check_status("test_flags");
}
