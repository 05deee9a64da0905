/* check.h: the unit tests' only "framework". CHECK records a failure with
 * its location and goes on; a test's main returns check_status(). */
#ifndef CMON_TEST_CHECK_H
#define CMON_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                            \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond)) {                                                 \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
		}                                                              \
	} while (0)

/* CHECK with a printf-style note saying which case failed. */
#define CHECK_MSG(cond, ...)                                                   \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond)) {                                                 \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
	} while (0)

/* Compares two strings, printing both when they differ. what names the case. */
#define CHECK_STR(got, want, what)                                             \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		check_count++;                                                 \
		if (!g_ || strcmp(g_, w_)) {                                   \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: FAIL: %s: got \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, (what), g_ ? g_ : "(null)", w_); \
		}                                                              \
	} while (0)

/* err contains sub (and is one line). */
#define CHECK_ERR(err, sub, what)                                              \
	do {                                                                   \
		const char *e_ = (err);                                        \
		check_count++;                                                 \
		if (!strstr(e_, (sub)) || strchr(e_, '\n')) {                  \
			check_failures++;                                      \
			fprintf(stderr, "%s:%d: FAIL: %s: error \"%s\" lacks \"%s\"\n", \
				__FILE__, __LINE__, (what), e_, (sub));        \
		}                                                              \
	} while (0)

static inline int check_status(const char *name)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d of %d checks failed\n", name, check_failures, check_count);
		return 1;
	}
	printf("%s: all %d checks passed\n", name, check_count);
	return 0;
}

#endif
