/* failalloc.h: a counting allocator that fails the Nth allocation, for the
 * tests of allocation failure (test_oom, test_target, test_varspec).
 *
 * It replaces malloc, calloc, realloc and free for the whole process (glibc
 * lets an executable interpose them), so include it in one file of a test
 * executable only. Under ASan, TSan or MSan, whose allocators own malloc,
 * nothing is replaced and FAILALLOC is 0: a test skips its failure runs
 * (test_oom is not built there at all: tests/unit/meson.build).
 *
 * A run: alloc_fail_at(n); the code under test; then alloc_reached(n) says
 * whether allocation n happened (and so failed); when it did not, the run
 * was untouched and n is past the last allocation. alloc_live counts the
 * blocks allocated and not freed, to find leaks. */
#ifndef CMON_TEST_FAILALLOC_H
#define CMON_TEST_FAILALLOC_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FAILALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) ||                \
	__has_feature(thread_sanitizer)
#define FAILALLOC 0
#endif
#endif
#ifndef FAILALLOC
#define FAILALLOC 1
#endif

/* glibc's own allocator, for what a test allocates outside the count. */
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

static long alloc_live;      /* blocks allocated and not freed */
static long alloc_countdown; /* fail the allocation that brings this to 0 */
static long alloc_calls;     /* allocations since alloc_fail_at */

/* Allocation n from now fails (n = 0: none does). */
static inline void alloc_fail_at(long n)
{
	alloc_calls = 0;
	alloc_countdown = n;
}

/* Stops failing; true when allocation n (of the last alloc_fail_at) was
 * reached, i.e. the run saw a failure. */
static inline bool alloc_reached(long n)
{
	alloc_countdown = 0;
	return alloc_calls >= n;
}

#if FAILALLOC
static int alloc_should_fail(void)
{
	alloc_calls++;
	return alloc_countdown > 0 && --alloc_countdown == 0;
}

void *malloc(size_t n)
{
	if (alloc_should_fail())
		return NULL;
	void *p = __libc_malloc(n);
	alloc_live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	if (alloc_should_fail())
		return NULL;
	void *p = __libc_calloc(n, size);
	alloc_live += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	if (alloc_should_fail())
		return NULL;
	void *p = __libc_realloc(old, n);
	if (!old)
		alloc_live += p != NULL;
	else if (n == 0 && !p)
		alloc_live--; /* freed */
	return p;
}

void free(void *p)
{
	if (p)
		alloc_live--;
	__libc_free(p);
}
#endif

#endif
