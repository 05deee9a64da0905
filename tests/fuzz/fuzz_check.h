/* fuzz_check.h: the fuzz targets' one assertion. CHECK prints the failed
 * condition and a printf-style note, then aborts, which libFuzzer (or the
 * replay test) reports as a crash with the input that did it. Define
 * FUZZ_NAME (the target's name) before including. */
#ifndef CMON_FUZZ_CHECK_H
#define CMON_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, FUZZ_NAME ": check failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			abort();                                                 \
		}                                                                \
	} while (0)

#endif
