/* idmap: maps 64-bit ids from a profile to dense indices 0..n-1.
 *
 * Profiles name locations, functions and mappings by arbitrary non-zero ids,
 * and may reference an id before defining it; the decoder gives each id a dense
 * index on first sight and checks at the end that every index was defined. */
#ifndef CMON_IDMAP_H
#define CMON_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct cm_idmap {
	uint64_t *keys;   /* 0 marks an empty slot (0 is never a valid id) */
	uint32_t *vals;
	uint64_t *ids;    /* ids[index] = id, in order of first sight; NULL
			   * while every id is its index + 1 (cm_idmap_id) */
	size_t cap;       /* slots, a power of two */
	size_t count;     /* ids seen */
	size_t ids_cap;
	uint32_t *direct;   /* direct[id] = index + 1 for small ids: the common */
	size_t direct_cap;  /* case (Go numbers ids 1..n) skips the hash */
	/* Ids 1..identity have indices 0..identity-1: while every new id is
	 * the next number (as Go writes them), an id's index needs no table,
	 * and those ids are in neither table (nor in ids, until the first id
	 * that is not the next number makes it). */
	uint64_t identity;
};

/* Returns the dense index of id (id != 0), inserting it when new. Returns
 * UINT32_MAX when memory runs out or more than 2^31 ids are seen. */
uint32_t cm_idmap_intern_slow(struct cm_idmap *m, uint64_t id);

static inline uint32_t cm_idmap_intern(struct cm_idmap *m, uint64_t id)
{
	if (id - 1 < m->identity) /* id 0 wraps past it */
		return (uint32_t)(id - 1);
	if (id < m->direct_cap && m->direct[id])
		return m->direct[id] - 1; /* called per frame of every sample: inline */
	return cm_idmap_intern_slow(m, id);
}

/* The id at index (index < count). */
static inline uint64_t cm_idmap_id(const struct cm_idmap *m, size_t index)
{
	return m->ids ? m->ids[index] : index + 1;
}

void cm_idmap_free(struct cm_idmap *m);

#endif
