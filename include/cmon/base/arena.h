/* arena: a bump allocator for data that lives and dies together.
 *
 * A decoded profile makes millions of small objects (samples, their location
 * lists, strings) that are all freed at once; one arena per profile replaces
 * millions of malloc/free pairs with pointer bumps. */
#ifndef CMON_ARENA_H
#define CMON_ARENA_H

#include <stddef.h>

struct cm_arena_block;

struct cm_arena {
	struct cm_arena_block *head; /* newest block; older ones chain behind */
	size_t used;                 /* total bytes handed out, for diagnostics */
};

/* Zero-initialised struct cm_arena is an empty arena. */
void cm_arena_init(struct cm_arena *a);

/* Returns size bytes aligned to 8, or NULL when memory runs out.
 * The memory belongs to the arena and is released by cm_arena_free. */
void *cm_arena_alloc(struct cm_arena *a, size_t size);

/* Makes an empty arena's first block size bytes when that is more than
 * the usual first block: a caller that knows roughly how much it will
 * allocate gets it in one block (huge pages from 4 MB), not in a chain of
 * doubling blocks whose small ones fault in 4 KiB at a time. Pages not
 * touched cost nothing. -1 when memory runs out (the arena is as it was). */
int cm_arena_reserve(struct cm_arena *a, size_t size);

/* size bytes (at least 1) at a multiple of align (1, 2, 4, 8 or 16; any
 * other value means 8), for many small arrays that need less than 8:
 * what rounding every one up to 8 would waste adds up (the big benchmark
 * profile's varint stacks: 4 MB, 66.4 MB peak against 62.3). */
void *cm_arena_alloc_bytes(struct cm_arena *a, size_t size, size_t align);

/* Like cm_arena_alloc for n elements of size each; NULL on overflow. */
void *cm_arena_array(struct cm_arena *a, size_t n, size_t size);

/* Copies len bytes of s into the arena and NUL-terminates the copy. */
char *cm_arena_strndup(struct cm_arena *a, const char *s, size_t len);

/* Forgets everything allocated but keeps the newest block for reuse: for
 * scratch memory that is refilled over and over. */
void cm_arena_reset(struct cm_arena *a);

/* Releases every block; the arena is empty and reusable afterwards. */
void cm_arena_free(struct cm_arena *a);

/* One big table that grows by doubling (a profile's samples), outside any
 * arena: like realloc(p, size), but a table of a few MB or more lives in
 * huge pages and grows with mremap, without a copy. old_size is the size
 * p was last given (0 with p NULL). The caller owns the result and frees
 * it with cm_big_free and its size; on failure p is unchanged. */
void *cm_big_resize(void *p, size_t old_size, size_t size);
void cm_big_free(void *p, size_t size);

/* Zeroed working memory of size bytes that will be filled whole (a
 * ring of buffers, a file read whole), mapped in 2 MiB steps with transparent huge pages
 * requested: on a virtual machine each 4 KiB fault is a trip through the
 * hypervisor (about 10 us here; a 2 MiB huge page costs some 60-250 us,
 * 4 MiB in 4 KiB pages 11 ms). NULL when it cannot be mapped. Free
 * with cm_huge_free and the same size. */
void *cm_huge_alloc(size_t size);
void cm_huge_free(void *p, size_t size);

#endif
