/* hashset: hashing helpers and an open-addressing set of indices keyed by a
 * caller's hash and equality (the dedupe passes of a merge, the string
 * table of an encoded profile). */
#ifndef CMON_HASHSET_H
#define CMON_HASHSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Inline: the decoder mixes every value of every sample (a call each was
 * 1.4% of a report on a 6 MB heap profile). */
static inline uint64_t cm_hash_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

uint64_t cm_hash_str(const char *s);

/* A fixed-capacity table: room for the n indices given to init. */
struct cm_index_set {
	uint32_t *slots; /* index + 1; 0 = empty */
	uint64_t *hashes;
	size_t cap;
};

/* Room for n entries; -1 when memory runs out (free it either way). */
int cm_index_set_init(struct cm_index_set *s, size_t n);
void cm_index_set_free(struct cm_index_set *s);

typedef bool (*cm_index_eq_fn)(const void *ctx, uint32_t a, uint32_t b);

/* Returns the index already stored with an equal key, or stores and returns i. */
uint32_t cm_index_set_intern(struct cm_index_set *s, uint64_t h, uint32_t i,
			     cm_index_eq_fn eq, const void *ctx);

#endif
