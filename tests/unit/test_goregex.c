/* goregex against Go itself: goregex_table.h is what Go's regexp said about
 * each pattern (tests/goregex/gen_table.go); cmon must say the same, match
 * for match and error text for error text. Then what no table shows: every
 * name Go knows for \p{...} reaches PCRE2, a pathological pattern ends
 * fast, and the limits on patterns. */
#include "check.h"
#include "cmon/base/goregex.h"
#include "cmon/base/gounicode.h"
#include "goregex_table.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The pattern as a printable note (it may hold any byte). */
static const char *show(const char *s)
{
	static char bufs[2][160];
	static int which;
	char *buf = bufs[which++ % 2];
	size_t o = 0;
	for (; *s && o + 5 < sizeof(bufs[0]); s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, sizeof(bufs[0]) - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

static void test_go_matches(void)
{
	char err[512];
	for (size_t i = 0; i < sizeof(go_match_cases) / sizeof(go_match_cases[0]); i++) {
		const struct go_match_case *c = &go_match_cases[i];
		struct cm_goregex *re = cm_goregex_compile(c->pattern, err, sizeof(err));
		CHECK_MSG(re != NULL, "%s: %s", show(c->pattern), err);
		if (!re)
			continue;
		bool m = cm_goregex_match(re, c->subject);
		CHECK_MSG(m == (c->match != 0), "%s on \"%s\": Go says %d, PCRE2 pattern %s",
			  show(c->pattern), show(c->subject), c->match, cm_goregex_pcre_pattern(re));
		cm_goregex_free(re);
	}
}

static void test_go_errors(void)
{
	char err[512];
	for (size_t i = 0; i < sizeof(go_error_cases) / sizeof(go_error_cases[0]); i++) {
		const struct go_error_case *c = &go_error_cases[i];
		struct cm_goregex *re = cm_goregex_compile(c->pattern, err, sizeof(err));
		CHECK_MSG(re == NULL, "%s: Go refuses it (%s)", show(c->pattern), c->error);
		if (re) {
			cm_goregex_free(re);
			continue;
		}
		/* long expressions are cut by err's size: compare what fits */
		CHECK_MSG(!strncmp(err, c->error, sizeof(err) - 1), "%s: got \"%s\", want \"%s\"",
			  show(c->pattern), show(err), c->error);
	}
}

/* Every category and script Go knows compiles, alone and folded, inside
 * and outside brackets: PCRE2 knows each name as Go spells it. */
static void test_unicode_names(void)
{
	const char *const *lists[] = {cm_go_categories, cm_go_scripts};
	char pat[128], err[512];
	const char *pre[] = {"\\p{", "\\P{", "(?i)[\\P{", "(?i)\\p{"};
	const char *post[] = {"}", "}", "}a]", "}"};
	for (size_t l = 0; l < 2; l++) {
		for (const char *const *n = lists[l]; *n; n++) {
			for (size_t f = 0; f < 4; f++) {
				snprintf(pat, sizeof(pat), "%s%s%s", pre[f], *n, post[f]);
				struct cm_goregex *re = cm_goregex_compile(pat, err, sizeof(err));
				CHECK_MSG(re != NULL, "%s: %s", pat, err);
				cm_goregex_free(re);
			}
		}
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exponential backtracking ends at PCRE2's match limit and counts as no
 * match (Go, which never backtracks, says match: the README says so). */
static void test_pathological(void)
{
	char err[512];
	size_t n = 100000;
	char *name = malloc(n + 3);
	memset(name, 'a', n);
	memcpy(name + n, "cb", 3);
	const char *pats[] = {"(a*)*b", "(a|aa)*c$", "(?:a+)+b", "(.*a){20}b", "^(\\w+\\s?)*$"};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct cm_goregex *re = cm_goregex_compile(pats[i], err, sizeof(err));
		CHECK_MSG(re != NULL, "%s: %s", pats[i], err);
		if (!re)
			continue;
		double t0 = now();
		for (int k = 0; k < 10; k++)
			(void)cm_goregex_match(re, name);
		double dt = now() - t0;
		CHECK_MSG(dt < 20, "%s: 10 matches on a 100 kB name took %.1f s", pats[i], dt);
		cm_goregex_free(re);
	}
	free(name);
}

static void test_limits(void)
{
	char err[512];
	size_t n = 40000;
	char *pat = malloc(n + 1);
	memset(pat, 'a', n);
	pat[n] = '\0';
	CHECK(cm_goregex_compile(pat, err, sizeof(err)) == NULL);
	CHECK_ERR(err, "longer than cmon accepts", "a 40 kB pattern");
	/* Go accepts it; PCRE2's compiled form (64 KiB here) cannot hold
	 * a thousand of our \\b lookarounds */
	CHECK(cm_goregex_compile("(?:\\b){1000}", err, sizeof(err)) == NULL);
	CHECK_ERR(err, "cmon cannot run this expression (PCRE2: ", "too large for PCRE2");
	free(pat);
}

int main(void)
{
	test_go_matches();
	test_go_errors();
	test_unicode_names();
	test_pathological();
	test_limits();
	return check_status("test_goregex");
}
