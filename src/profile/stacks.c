/* stacks: the forms a sample's location indices take (profile.h): fixed
 * 2 or 4 bytes, or varints stored root first (compact stacks). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cmon/profile/profile.h"
#include "cmon/profile/stacks.h"

size_t cm_sample_locs_size(const struct cm_sample *s)
{
	if (!s->locs_varint)
		return (size_t)s->nlocs * (s->locs_wide ? 4 : 2);
	const unsigned char *p = s->locs;
	for (uint32_t n = s->nlocs; n > 0; p++)
		n -= !(*p & 0x80);
	return (size_t)(p - (const unsigned char *)s->locs);
}

uint32_t cm_sample_loc_varint(const struct cm_sample *s, uint32_t i)
{
	const unsigned char *p = s->locs;
	uint32_t v = 0;
	for (uint32_t k = s->nlocs - i; k > 0; k--) /* root first: leaf i is varint nlocs-1-i */
		v = cm_stack_varint(&p);
	return v;
}

void cm_sample_drop_leaves(struct cm_sample *s, uint32_t n)
{
	if (!s->locs_varint) /* leaf first: the start moves */
		s->locs = (char *)s->locs + (size_t)n * (s->locs_wide ? 4 : 2);
	s->nlocs -= n; /* root first: the end's varints are no longer read */
}

static size_t varint_len(uint32_t v)
{
	size_t n = 1;
	for (; v >= 0x80; v >>= 7)
		n++;
	return n;
}

static uint32_t index_at(const void *idx, bool wide, size_t i)
{
	return wide ? ((const uint32_t *)idx)[i] : ((const uint16_t *)idx)[i];
}

size_t cm_stack_encode(unsigned char *out, const void *idx, size_t n, bool wide)
{
	size_t len = 0;
	for (size_t i = n; i-- > 0;) {
		uint32_t v = index_at(idx, wide, i);
		if (!out) {
			len += varint_len(v);
			continue;
		}
		for (; v >= 0x80; v >>= 7)
			out[len++] = (unsigned char)(v | 0x80);
		out[len++] = (unsigned char)v;
	}
	return len;
}

static bool stack_is_wide(const struct cm_sample *s)
{
	struct cm_locs_cursor c = cm_locs_from_root(s);
	bool wide = false;
	for (uint32_t j = 0; j < s->nlocs; j++)
		wide |= cm_locs_next(&c) > UINT16_MAX;
	return wide;
}

/* Rewrites s's varint stack into locs, leaf first. */
static void unpack_stack(struct cm_sample *s, void *locs, bool wide)
{
	struct cm_locs_cursor c = cm_locs_from_root(s);
	for (uint32_t j = s->nlocs; j-- > 0;) {
		uint32_t v = cm_locs_next(&c);
		if (wide)
			((uint32_t *)locs)[j] = v;
		else
			((uint16_t *)locs)[j] = (uint16_t)v;
	}
	s->locs = locs;
	s->locs_wide = wide;
	s->locs_varint = 0;
}

int cm_profile_plain_stacks(struct cm_profile *p)
{
	/* Two passes: every new array is allocated first, so that running
	 * out of memory part way leaves every sample as it was. */
	size_t need = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		need += p->samples[i].locs_varint;
	if (!need)
		return 0;
	if (cm_profile_own_samples(p) < 0)
		return -1;
	struct plain {
		void *locs;
		bool wide;
	} *fixed = calloc(need, sizeof(*fixed));
	if (!fixed)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct cm_sample *s = &p->samples[i];
		if (!s->locs_varint)
			continue;
		fixed[k].wide = stack_is_wide(s);
		fixed[k].locs = cm_arena_array(&p->arena, s->nlocs, fixed[k].wide ? 4 : 2);
		if (!fixed[k++].locs) {
			free(fixed);
			return -1;
		}
	}
	k = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		if (p->samples[i].locs_varint) {
			unpack_stack(&p->samples[i], fixed[k].locs, fixed[k].wide);
			k++;
		}
	free(fixed);
	return 0;
}
