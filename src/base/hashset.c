/* hashset: see cmon/base/hashset.h. */
#include "cmon/base/hashset.h"

#include <stdlib.h>

uint64_t cm_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int cm_index_set_init(struct cm_index_set *s, size_t n)
{
	s->cap = 16;
	while (s->cap < n * 2)
		s->cap *= 2;
	s->slots = calloc(s->cap, sizeof(*s->slots));
	s->hashes = malloc(s->cap * sizeof(*s->hashes));
	return s->slots && s->hashes ? 0 : -1;
}

void cm_index_set_free(struct cm_index_set *s)
{
	free(s->slots);
	free(s->hashes);
}

uint32_t cm_index_set_intern(struct cm_index_set *s, uint64_t h, uint32_t i,
			     cm_index_eq_fn eq, const void *ctx)
{
	size_t j = h & (s->cap - 1);
	while (s->slots[j]) {
		if (s->hashes[j] == h && eq(ctx, s->slots[j] - 1, i))
			return s->slots[j] - 1;
		j = (j + 1) & (s->cap - 1);
	}
	s->slots[j] = i + 1;
	s->hashes[j] = h;
	return i;
}
