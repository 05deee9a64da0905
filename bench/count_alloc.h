/* bench/count_alloc.h: what the parse benchmarks share: malloc and friends
 * interposed to count calls and bytes (glibc lets an executable do that,
 * so a benchmark including this is not built with a sanitizer), a file
 * read whole, and a monotonic clock. Include it in one file only. */
#ifndef CMON_BENCH_COUNT_ALLOC_H
#define CMON_BENCH_COUNT_ALLOC_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

/* Process-wide by necessity: malloc has no context to pass. Only counted,
 * never read by the code under test. */
static unsigned long long alloc_calls, alloc_bytes;

void *malloc(size_t n)
{
	alloc_calls++;
	alloc_bytes += n;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	alloc_calls++;
	alloc_bytes += n * size;
	return __libc_calloc(n, size);
}

void *realloc(void *old, size_t n)
{
	alloc_calls++;
	alloc_bytes += n;
	return __libc_realloc(old, n);
}

void free(void *p)
{
	__libc_free(p);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

#endif
