/* The arena allocator and the id -> dense index map. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmon/base/arena.h"
#include "cmon/base/idmap.h"

static void test_arena(void)
{
	struct cm_arena a;
	cm_arena_init(&a);
	CHECK(a.head == NULL && a.used == 0);

	/* Every allocation is aligned for any scalar the model stores, and
	 * allocations never overlap. */
	unsigned char *prev = NULL;
	size_t prev_size = 0;
	for (size_t size = 1; size < 5000; size += 37) {
		unsigned char *p = cm_arena_alloc(&a, size);
		CHECK(p != NULL);
		CHECK_MSG(((uintptr_t)p & 7) == 0, "cm_arena_alloc(%zu) not 8-aligned", size);
		memset(p, 0xab, size);
		if (prev && p > prev)
			CHECK(p >= prev + prev_size);
		prev = p;
		prev_size = size;
	}
	CHECK(a.used > 0);

	/* Arrays: zero elements still give a valid pointer; overflow gives NULL. */
	CHECK(cm_arena_array(&a, 0, 8) != NULL);
	CHECK(cm_arena_array(&a, 8, 0) != NULL);
	CHECK(cm_arena_array(&a, SIZE_MAX / 2, 4) == NULL);
	CHECK(cm_arena_array(&a, (SIZE_MAX / 8) + 1, 8) == NULL);
	CHECK(cm_arena_alloc(&a, SIZE_MAX) == NULL);
	CHECK(cm_arena_alloc(&a, SIZE_MAX - 3) == NULL);
	int64_t *arr = cm_arena_array(&a, 1000, sizeof(int64_t));
	CHECK(arr != NULL);
	for (int i = 0; i < 1000; i++)
		arr[i] = i;
	CHECK(arr[999] == 999);

	/* strndup copies exactly len bytes and terminates. */
	char *s = cm_arena_strndup(&a, "hello, world", 5);
	CHECK_STR(s, "hello", "strndup");
	s = cm_arena_strndup(&a, "", 0);
	CHECK_STR(s, "", "strndup of nothing");
	s = cm_arena_strndup(&a, "with\0nul", 8);
	CHECK(s && s[4] == '\0' && s[5] == 'n' && s[8] == '\0');
	CHECK(cm_arena_strndup(&a, "x", SIZE_MAX) == NULL);

	/* A request bigger than any block gets its own block. */
	size_t big = (size_t)40 << 20;
	unsigned char *b = cm_arena_alloc(&a, big);
	CHECK(b != NULL);
	if (b) {
		b[0] = 1;
		b[big - 1] = 2;
	}
	/* Many blocks. */
	for (int i = 0; i < 200; i++)
		CHECK(cm_arena_alloc(&a, 100000) != NULL);

	/* Reset forgets everything but keeps a block for reuse. */
	cm_arena_reset(&a);
	CHECK(a.used == 0 && a.head != NULL);
	unsigned char *r = cm_arena_alloc(&a, 64);
	CHECK(r != NULL);
	memset(r, 1, 64);
	cm_arena_reset(&a);
	cm_arena_reset(&a);
	cm_arena_free(&a);
	CHECK(a.head == NULL && a.used == 0);
	/* Free of an empty arena, reuse after free. */
	cm_arena_free(&a);
	CHECK(cm_arena_alloc(&a, 10) != NULL);
	cm_arena_free(&a);
	struct cm_arena zero = {0};
	cm_arena_reset(&zero);
	cm_arena_free(&zero);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* cm_big_resize keeps the contents while a table grows from malloc'd
 * sizes into mapped ones and on (doubling, as the decoder grows it). */
/* Byte allocations pack at their own alignment, and an aligned one after
 * them is aligned again; a block's end is respected. */
static void test_arena_bytes(void)
{
	struct cm_arena a;
	cm_arena_init(&a);
	unsigned char *p1 = cm_arena_alloc_bytes(&a, 3, 1);
	unsigned char *p2 = cm_arena_alloc_bytes(&a, 4, 1); /* ends at an odd offset */
	CHECK(p1 && p2 == p1 + 3);
	uint16_t *h = cm_arena_alloc_bytes(&a, 4, 2);
	CHECK(h && (uintptr_t)h % 2 == 0 && (unsigned char *)h == p2 + 4 + 1);
	void *q = cm_arena_alloc(&a, 8);
	CHECK(q && (uintptr_t)q % 8 == 0);
	void *z = cm_arena_alloc_bytes(&a, 0, 1); /* at least a byte */
	void *o = cm_arena_alloc_bytes(&a, 16, 3); /* not a power of two: 8 */
	CHECK(z && o && (uintptr_t)o % 8 == 0 && o != z);
	/* Fill past the first block one odd size at a time: every allocation
	 * distinct, writable and inside memory the arena owns (ASan). */
	unsigned char *last = NULL;
	for (int i = 0; i < 400000; i++) {
		unsigned char *b = cm_arena_alloc_bytes(&a, 7, 1);
		CHECK(b != NULL);
		if (!b)
			break;
		memset(b, 0xab, 7);
		CHECK(b != last);
		last = b;
	}
	cm_arena_free(&a);
}

static void test_big_table(void)
{
	size_t size = 0, used = 0;
	uint32_t *t = NULL;
	bool same = true;
	for (size_t want = 1 << 10; want <= (size_t)64 << 20; want *= 2) {
		uint32_t *n = cm_big_resize(t, size, want);
		CHECK(n != NULL);
		if (!n)
			break;
		t = n;
		size = want;
		for (size_t i = 0; i < used; i++)
			same = same && t[i] == (uint32_t)(i * 2654435761u);
		for (; used < size / sizeof(*t); used++)
			t[used] = (uint32_t)(used * 2654435761u);
	}
	CHECK_MSG(same, "contents kept through every growth up to %zu bytes", size);
	/* A mapped table may be given back to malloc's sizes. */
	uint32_t *small = cm_big_resize(t, size, 4096);
	CHECK(small != NULL && small[1000] == (uint32_t)(1000 * 2654435761u));
	cm_big_free(small ? small : t, small ? 4096 : size);
	cm_big_free(NULL, (size_t)64 << 20); /* nothing to free, whatever the size */
	CHECK(cm_big_resize(NULL, 0, SIZE_MAX) == NULL);
}

/* Ids 1..n in order keep the identity shortcut; a gap freezes it, and
 * every id keeps its index either way. */
static void test_idmap_identity(void)
{
	struct cm_idmap m = {0};
	for (uint64_t id = 1; id <= 100; id++)
		CHECK(cm_idmap_intern(&m, id) == id - 1);
	CHECK(m.identity == 100);
	/* in order, no table at all: ids 1..identity are answered without */
	CHECK(m.cap == 0 && m.direct_cap == 0 && m.count == 100 && m.ids == NULL &&
	      cm_idmap_id(&m, 99) == 100);
	CHECK(cm_idmap_intern_slow(&m, 50) == 49 && m.count == 100);
	CHECK(cm_idmap_intern(&m, 50) == 49 && cm_idmap_intern(&m, 100) == 99);
	CHECK(cm_idmap_intern(&m, 500) == 100); /* not the next number: ids[] made */
	CHECK(m.ids && m.ids[0] == 1 && m.ids[99] == 100 && m.ids[100] == 500);
	CHECK(cm_idmap_intern(&m, 101) == 101 && m.identity == 100);
	CHECK(cm_idmap_intern(&m, 100) == 99 && cm_idmap_intern(&m, 500) == 100);
	CHECK(cm_idmap_intern(&m, 102) == 102 && m.count == 103 && cm_idmap_id(&m, 102) == 102);
	for (uint64_t id = 1; id <= 100; id++) /* still theirs, and not new */
		CHECK(cm_idmap_intern(&m, id) == id - 1);
	CHECK(m.count == 103);
	cm_idmap_free(&m);
	/* Starting elsewhere: no identity at all. */
	CHECK(cm_idmap_intern(&m, 7) == 0 && m.identity == 0);
	CHECK(cm_idmap_intern(&m, 1) == 1 && cm_idmap_intern(&m, 7) == 0);
	cm_idmap_free(&m);
}

static void test_idmap(void)
{
	struct cm_idmap m = {0};
	/* Dense indices in order of first sight; repeats give the same index. */
	CHECK(cm_idmap_intern(&m, 5) == 0);
	CHECK(cm_idmap_intern(&m, 1) == 1);
	CHECK(cm_idmap_intern(&m, 5) == 0);
	CHECK(cm_idmap_intern(&m, UINT64_MAX) == 2);
	CHECK(cm_idmap_intern(&m, 1) == 1);
	CHECK(cm_idmap_intern(&m, UINT64_MAX) == 2);
	CHECK(cm_idmap_intern(&m, 1ULL << 63) == 3);
	CHECK(m.count == 4);
	CHECK(m.ids[0] == 5 && m.ids[1] == 1 && m.ids[2] == UINT64_MAX && m.ids[3] == 1ULL << 63);
	cm_idmap_free(&m);
	CHECK(m.count == 0 && m.keys == NULL);

	/* Many ids: sequential (Go's 1..n), sparse, huge and colliding low bits,
	 * interleaved; every one keeps its index through all the growth. */
	enum { N = 300000 };
	uint64_t *ids = malloc(N * sizeof(*ids));
	for (size_t i = 0; i < N; i++) {
		switch (i % 4) {
		case 0: ids[i] = i / 4 + 1; break;                 /* dense */
		case 1: ids[i] = (next_rand() | 1) & ~0ULL; break; /* random 64-bit */
		case 2: ids[i] = (uint64_t)(i / 4 + 1) << 32; break; /* same low bits */
		default: ids[i] = 1000000 + (i / 4) * 977; break;    /* sparse, mid-size */
		}
	}
	/* Remove accidental repeats among the random ones (vanishingly rare). */
	size_t bad = 0;
	for (size_t i = 0; i < N; i++) {
		uint32_t got = cm_idmap_intern(&m, ids[i]);
		if (got != i && ids[got] == ids[i])
			continue; /* a genuine repeat */
		if (got != i)
			bad++;
	}
	CHECK_MSG(bad == 0, "%zu ids got the wrong index on insertion", bad);
	bad = 0;
	for (size_t i = N; i-- > 0;) {
		uint32_t got = cm_idmap_intern(&m, ids[i]);
		if (ids[got] != ids[i])
			bad++;
		if (cm_idmap_id(&m, got) != ids[i])
			bad++;
	}
	CHECK_MSG(bad == 0, "%zu ids got the wrong index on lookup", bad);
	CHECK(m.count <= N && m.count > N - 10);
	/* Hostile ids cannot make the direct table huge. */
	CHECK(m.direct_cap < ((size_t)64 << 20));
	cm_idmap_free(&m);
	free(ids);

	/* A map that only ever saw huge ids still works from empty. */
	struct cm_idmap h = {0};
	CHECK(cm_idmap_intern(&h, 1ULL << 40) == 0);
	CHECK(cm_idmap_intern(&h, 2) == 1);
	CHECK(cm_idmap_intern(&h, 1ULL << 40) == 0);
	cm_idmap_free(&h);
	cm_idmap_free(&h);
}

int main(void)
{
	test_arena();
	test_arena_bytes();
	test_big_table();
	test_idmap();
	test_idmap_identity();
	return check_status("test_arena_idmap");
}
