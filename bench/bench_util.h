/* bench_util.h: what the C benchmarks share: a millisecond clock, the
 * best of runs, a whole file read into memory (NULL when it cannot be read; the caller
 * frees it) and the arguments PROFILE [RUNS]. */
#ifndef CMON_BENCH_UTIL_H
#define CMON_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The smallest of runs results of once(ctx), a run's milliseconds. */
static inline double best_ms(double (*once)(void *ctx), void *ctx, int runs)
{
	double best = 1e18;
	for (int i = 0; i < runs; i++) {
		double t = once(ctx);
		best = t < best ? t : best;
	}
	return best;
}

static inline unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	*len = b ? fread(b, 1, (size_t)n, f) : 0;
	fclose(f);
	return b;
}

/* PROFILE [RUNS]: the profile's bytes (the caller frees them) and runs
 * (5 by default); NULL, the usage or the error printed, without them. */
static inline unsigned char *bench_args(int argc, char **argv, const char *name, int *runs,
				 size_t *len)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PROFILE [RUNS]\n", name);
		return NULL;
	}
	*runs = argc > 2 ? atoi(argv[2]) : 5;
	unsigned char *data = slurp(argv[1], len);
	if (!data)
		perror(argv[1]);
	return data;
}

#endif
