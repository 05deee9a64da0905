#include "cmon/base/idmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t id_hash(uint64_t x)
{
	/* splitmix64 finaliser: sequential ids spread over the table. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int idmap_grow(struct cm_idmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024;
	uint64_t *nkeys = calloc(ncap, sizeof(*nkeys));
	uint32_t *nvals = malloc(ncap * sizeof(*nvals));
	if (!nkeys || !nvals) {
		free(nkeys);
		free(nvals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = id_hash(m->keys[i]) & (ncap - 1);
		while (nkeys[j])
			j = (j + 1) & (ncap - 1);
		nkeys[j] = m->keys[i];
		nvals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = nkeys;
	m->vals = nvals;
	m->cap = ncap;
	return 0;
}

static uint32_t intern_hashed(struct cm_idmap *m, uint64_t id);

/* Ids below this go through the direct table; it grows only while ids stay
 * dense (below 4x the ids seen plus a margin), so hostile ids cannot make it
 * large. */
static bool direct_ok(const struct cm_idmap *m, uint64_t id)
{
	return id < ((uint64_t)m->count + 65536) * 4;
}

/* ids[count] = id, the array grown as needed (made, with the ids 1..count
 * it stood for, when there is none); false when memory runs out. */
static bool append_id(struct cm_idmap *m, uint64_t id)
{
	if (m->count == m->ids_cap || !m->ids) {
		size_t ncap = m->ids_cap ? m->ids_cap * 2 : 1024;
		while (ncap <= m->count)
			ncap *= 2;
		uint64_t *nids = realloc(m->ids, ncap * sizeof(*nids));
		if (!nids)
			return false;
		if (!m->ids)
			for (size_t i = 0; i < m->count; i++)
				nids[i] = i + 1;
		m->ids = nids;
		m->ids_cap = ncap;
	}
	m->ids[m->count++] = id;
	return true;
}

uint32_t cm_idmap_intern_slow(struct cm_idmap *m, uint64_t id)
{
	if (id - 1 < m->identity)
		return (uint32_t)(id - 1);
	/* The next number while every id so far was: no table at all, for
	 * ids 1..identity are answered without one (on the 126k-sample
	 * benchmark profile, its 13,800 ids cost 5% of the time in the hash
	 * and the direct table, most of it first touches of their pages). */
	if (m->count == m->identity && id == m->identity + 1 && m->count < (1u << 31)) {
		if (!m->ids)
			m->count++; /* no array while ids are their index + 1 */
		else if (!append_id(m, id))
			return UINT32_MAX;
		m->identity = id;
		return (uint32_t)(id - 1);
	}
	uint32_t index = intern_hashed(m, id);
	if (index != UINT32_MAX && index == m->identity && id == m->identity + 1)
		m->identity = id;
	if (index == UINT32_MAX || !direct_ok(m, id))
		return index;
	if (id >= m->direct_cap) {
		/* small at first: a small profile's start should not zero
		 * 256 KB per map (issue 15), and doubling is cheap */
		size_t ncap = m->direct_cap ? m->direct_cap : 1024;
		while (ncap <= id)
			ncap *= 2;
		uint32_t *n = realloc(m->direct, ncap * sizeof(*n));
		if (!n)
			return index; /* the hash still answers */
		memset(n + m->direct_cap, 0, (ncap - m->direct_cap) * sizeof(*n));
		m->direct = n;
		m->direct_cap = ncap;
	}
	m->direct[id] = index + 1;
	return index;
}

static uint32_t intern_hashed(struct cm_idmap *m, uint64_t id)
{
	if ((m->count + 1) * 2 > m->cap && idmap_grow(m) < 0)
		return UINT32_MAX;
	size_t j = id_hash(id) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == id)
			return m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	if (m->count >= (1u << 31) || !append_id(m, id))
		return UINT32_MAX;
	m->keys[j] = id;
	m->vals[j] = (uint32_t)(m->count - 1);
	return (uint32_t)(m->count - 1);
}

void cm_idmap_free(struct cm_idmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->ids);
	free(m->direct);
	*m = (struct cm_idmap){0};
}
