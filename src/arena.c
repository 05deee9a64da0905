#include "cmon/arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { ARENA_ALIGN = 8, ARENA_BLOCK_MIN = 1 << 20, HUGE_PAGE = 2 << 20 };

struct cm_arena_block {
	struct cm_arena_block *prev;
	size_t size;   /* usable bytes after the header */
	size_t off;    /* bytes already handed out */
	size_t mapped; /* bytes mmap'd for this block, 0 when malloc'd */
	_Alignas(16) unsigned char data[];
};

/* Big blocks come from mmap with transparent huge pages requested: a large
 * profile fills hundreds of megabytes, and faulting them in 4 KiB at a time
 * cost more than decoding them. */
static struct cm_arena_block *block_alloc(size_t size)
{
	size_t total = sizeof(struct cm_arena_block) + size;
	if (total < 2 * HUGE_PAGE) {
		struct cm_arena_block *b = malloc(total);
		if (b)
			b->mapped = 0;
		return b;
	}
	total = (total + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, total, MADV_HUGEPAGE);
#endif
	struct cm_arena_block *b = p;
	b->mapped = total;
	return b;
}

static void block_free(struct cm_arena_block *b)
{
	if (b->mapped)
		munmap(b, b->mapped);
	else
		free(b);
}

void cm_arena_init(struct cm_arena *a)
{
	a->head = NULL;
	a->used = 0;
}

static struct cm_arena_block *arena_grow(struct cm_arena *a, size_t need)
{
	size_t size = ARENA_BLOCK_MIN;
	/* Blocks double with the arena so a 1 GiB profile needs few blocks. */
	if (a->head && a->head->size * 2 > size && a->head->size < ((size_t)256 << 20))
		size = a->head->size * 2;
	if (need > size)
		size = need;
	if (size > SIZE_MAX - sizeof(struct cm_arena_block))
		return NULL;
	struct cm_arena_block *b = block_alloc(size);
	if (!b)
		return NULL;
	b->prev = a->head;
	b->size = size;
	b->off = 0;
	a->head = b;
	return b;
}

void *cm_arena_alloc(struct cm_arena *a, size_t size)
{
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct cm_arena_block *b = a->head;
	if (!b || b->size - b->off < size) {
		b = arena_grow(a, size);
		if (!b)
			return NULL;
	}
	void *p = b->data + b->off;
	b->off += size;
	a->used += size;
	return p;
}

void *cm_arena_array(struct cm_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return cm_arena_alloc(a, (n && size) ? n * size : 1);
}

char *cm_arena_strndup(struct cm_arena *a, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *d = cm_arena_alloc(a, len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void cm_arena_reset(struct cm_arena *a)
{
	struct cm_arena_block *keep = a->head;
	if (!keep)
		return;
	struct cm_arena_block *b = keep->prev;
	while (b) {
		struct cm_arena_block *prev = b->prev;
		block_free(b);
		b = prev;
	}
	keep->prev = NULL;
	keep->off = 0;
	a->used = 0;
}

void cm_arena_free(struct cm_arena *a)
{
	struct cm_arena_block *b = a->head;
	while (b) {
		struct cm_arena_block *prev = b->prev;
		block_free(b);
		b = prev;
	}
	a->head = NULL;
	a->used = 0;
}
