/* test_stacks: compact (varint) stacks against fixed-width ones. Every
 * committed profile decoded both ways must give the same indices through
 * every reader: cm_sample_loc, both cursors, the size walk, dropped
 * leaves, the conversion back (cm_profile_plain_stacks) and a clone; and
 * the encoder's varints read back at every length, both ways. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "read_all.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/profile_ops.h"
#include "cmon/profile/stacks.h"

#define DATA CMON_SOURCE_DIR "/tests/data/"

static const char *const fixtures[] = {
	"allocs.pb.gz", "block.pb.gz", "cpu.pb.gz", "extreme.pb.gz", "flame_full_row.pb.gz",
	"goroutine.pb.gz", "heap.pb.gz", "heap2.pb.gz", "heap_delta.pb.gz", "labels.pb.gz",
	"labels_heap.pb.gz", "labels_heap2.pb.gz", "mutex.pb.gz", "tagged.pb.gz",
	"threadcreate.pb.gz",
};

static struct cm_profile *decode(const unsigned char *data, size_t len, bool compact)
{
	char err[256] = "";
	struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED,
				       .compact_stacks = compact};
	struct cm_profile *p = cm_profile_decode(data, len, &lim, err, sizeof(err));
	CHECK_MSG(p != NULL, "decode (compact %d): %s", compact, err);
	return p;
}

/* The same indices in s (any form) as in want (fixed width). */
static void check_sample(const struct cm_sample *s, const struct cm_sample *want, const char *what,
			 size_t k)
{
	CHECK_MSG(s->nlocs == want->nlocs, "%s: sample %zu: %u locations, want %u", what, k,
		  s->nlocs, want->nlocs);
	if (s->nlocs != want->nlocs)
		return;
	struct cm_locs_cursor leaf = cm_locs_from_leaf(s), root = cm_locs_from_root(s);
	bool same = true;
	for (uint32_t i = 0; i < s->nlocs; i++) {
		uint32_t w = cm_sample_loc(want, i);
		same = same && cm_sample_loc(s, i) == w && cm_locs_next(&leaf) == w &&
		       cm_locs_next(&root) == cm_sample_loc(want, s->nlocs - 1 - i);
	}
	CHECK_MSG(same, "%s: sample %zu: the indices differ", what, k);
}

static void check_profiles(const struct cm_profile *got, const struct cm_profile *want,
			   const char *what)
{
	CHECK_MSG(got->nsamples == want->nsamples, "%s: %zu samples, want %zu", what,
		  got->nsamples, want->nsamples);
	for (size_t k = 0; k < got->nsamples && k < want->nsamples; k++)
		check_sample(&got->samples[k], &want->samples[k], what, k);
}

/* Each varint sample's size is what the encoder wrote, and dropping leaves
 * keeps the rest of the stack (remove_uninteresting, prune_from). */
static void check_sizes_and_drops(const struct cm_profile *compact, const struct cm_profile *plain,
				  const char *name)
{
	size_t varints = 0;
	for (size_t k = 0; k < compact->nsamples && k < plain->nsamples; k++) {
		const struct cm_sample *s = &compact->samples[k], *w = &plain->samples[k];
		if (!s->locs_varint || s->nlocs != w->nlocs)
			continue;
		varints++;
		size_t enc = cm_stack_encode(NULL, w->locs, w->nlocs, w->locs_wide);
		CHECK_MSG(cm_sample_locs_size(s) == enc, "%s: sample %zu: size %zu, encoded %zu", name,
			  k, cm_sample_locs_size(s), enc);
		for (uint32_t drop = 0; drop <= s->nlocs; drop += 1 + s->nlocs / 3) {
			struct cm_sample a = *s, b = *w;
			cm_sample_drop_leaves(&a, drop);
			cm_sample_drop_leaves(&b, drop);
			check_sample(&a, &b, name, k);
		}
	}
	CHECK_MSG(compact->nsamples == 0 || varints == compact->nsamples,
		  "%s: %zu of %zu samples compact", name, varints, compact->nsamples);
}

static void test_fixtures(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), DATA "%s", fixtures[i]);
		size_t len;
		unsigned char *data = read_all(path, &len);
		CHECK_MSG(data != NULL, "read %s", path);
		if (!data)
			continue;
		struct cm_profile *plain = decode(data, len, false);
		struct cm_profile *compact = decode(data, len, true);
		if (plain && compact) {
			check_profiles(compact, plain, fixtures[i]);
			check_sizes_and_drops(compact, plain, fixtures[i]);
			struct cm_profile *clone = cm_profile_clone(compact);
			CHECK_MSG(clone != NULL, "%s: clone", fixtures[i]);
			if (clone) {
				check_profiles(clone, plain, fixtures[i]);
				CHECK_MSG(cm_profile_plain_stacks(clone) == 0, "%s: plain", fixtures[i]);
				for (size_t k = 0; k < clone->nsamples; k++)
					CHECK_MSG(!clone->samples[k].locs_varint, "%s: sample %zu still varint",
						  fixtures[i], k);
				check_profiles(clone, plain, fixtures[i]);
				cm_profile_free(clone);
			}
		}
		cm_profile_free(plain);
		cm_profile_free(compact);
		free(data);
	}
}

/* Indices at every varint length, and wide ones, through the encoder and
 * both cursors. */
static void test_encode_lengths(void)
{
	static const uint32_t idx[] = {0, 1, 127, 128, 300, 16383, 16384, 65535, 65536,
				       (1u << 21) - 1, 1u << 21, (1u << 28) - 1, 1u << 28,
				       UINT32_MAX - 1, UINT32_MAX, 5};
	enum { N = sizeof(idx) / sizeof(idx[0]) };
	unsigned char bytes[5 * N];
	size_t need = cm_stack_encode(NULL, idx, N, true);
	CHECK(need == 1 + 1 + 1 + 2 + 2 + 2 + 3 + 3 + 3 + 3 + 4 + 4 + 5 + 5 + 5 + 1);
	CHECK(cm_stack_encode(bytes, idx, N, true) == need);
	struct cm_sample s = {.locs = bytes, .nlocs = N, .locs_varint = 1};
	struct cm_sample want = {.locs = (void *)idx, .nlocs = N, .locs_wide = 1};
	check_sample(&s, &want, "lengths", 0);
	CHECK(cm_sample_locs_size(&s) == need);
	/* 16-bit input gives the same bytes as the same values 32-bit. */
	uint16_t narrow[] = {0, 127, 128, 16384, 65535};
	uint32_t wide[] = {0, 127, 128, 16384, 65535};
	unsigned char a[32], b[32];
	size_t na = cm_stack_encode(a, narrow, 5, false), nb = cm_stack_encode(b, wide, 5, true);
	CHECK(na == nb && !memcmp(a, b, na));
	/* An empty stack. */
	CHECK(cm_stack_encode(NULL, idx, 0, true) == 0);
}

int main(void)
{
	test_encode_lengths();
	test_fixtures();
	return check_status("test_stacks");
}
