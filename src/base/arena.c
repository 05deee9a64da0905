#include "cmon/base/arena.h"

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

/* Sizes from here on are mapped with huge pages; below, malloc'd. */
static bool is_big(size_t size)
{
	return size >= 2 * HUGE_PAGE;
}

static size_t huge_round(size_t size)
{
	return (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
}

/* Fresh memory with transparent huge pages requested: a large profile
 * fills hundreds of megabytes, and faulting them in 4 KiB at a time (on a
 * virtual machine, each fault a trip through the hypervisor) cost more
 * than decoding them. size is a multiple of HUGE_PAGE. */
static void *map_huge(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

static struct cm_arena_block *block_alloc(size_t size)
{
	size_t total = sizeof(struct cm_arena_block) + size;
	if (!is_big(total)) {
		struct cm_arena_block *b = malloc(total);
		if (b)
			b->mapped = 0;
		return b;
	}
	total = huge_round(total);
	struct cm_arena_block *b = map_huge(total);
	if (b)
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

int cm_arena_reserve(struct cm_arena *a, size_t size)
{
	if (a->head || size <= ARENA_BLOCK_MIN)
		return 0;
	return arena_grow(a, size) ? 0 : -1;
}

/* size bytes at a multiple of align (a power of two, at most 16). */
static void *arena_take(struct cm_arena *a, size_t size, size_t align)
{
	struct cm_arena_block *b = a->head;
	size_t off = b ? (b->off + align - 1) & ~(align - 1) : 0;
	if (!b || off > b->size || b->size - off < size) {
		b = arena_grow(a, size);
		if (!b)
			return NULL;
		off = 0;
	}
	void *p = b->data + off;
	b->off = off + size;
	a->used += size;
	return p;
}

void *cm_arena_alloc(struct cm_arena *a, size_t size)
{
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	return arena_take(a, size, ARENA_ALIGN);
}

void *cm_arena_alloc_bytes(struct cm_arena *a, size_t size, size_t align)
{
	if (size == 0)
		size = 1;
	if (align == 0 || align > 16 || (align & (align - 1)))
		align = ARENA_ALIGN;
	return arena_take(a, size, align);
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

void *cm_big_resize(void *p, size_t old_size, size_t size)
{
	if (size > SIZE_MAX - HUGE_PAGE)
		return NULL;
	bool was_big = p && is_big(old_size);
	if (!is_big(size) && !was_big)
		return realloc(p, size);
	if (!is_big(size)) { /* back from a mapping to malloc */
		void *n = malloc(size);
		if (n) {
			memcpy(n, p, size);
			munmap(p, huge_round(old_size));
		}
		return n;
	}
	if (was_big) {
		void *n = mremap(p, huge_round(old_size), huge_round(size), MREMAP_MAYMOVE);
		if (n == MAP_FAILED)
			return NULL;
#ifdef MADV_HUGEPAGE
		madvise(n, huge_round(size), MADV_HUGEPAGE);
#endif
		return n;
	}
	void *n = map_huge(huge_round(size));
	if (n && p) {
		memcpy(n, p, old_size < size ? old_size : size);
		free(p);
	}
	return n;
}

void *cm_huge_alloc(size_t size)
{
	if (size == 0 || size > SIZE_MAX - HUGE_PAGE)
		return NULL;
	return map_huge(huge_round(size));
}

void cm_huge_free(void *p, size_t size)
{
	if (p)
		munmap(p, huge_round(size));
}

void cm_big_free(void *p, size_t size)
{
	if (p && is_big(size))
		munmap(p, huge_round(size));
	else
		free(p);
}
