/* profile: the in-memory model of one pprof profile, and its decoder.
 *
 * A profile owns everything it points to through its arena: strings, arrays,
 * samples. Indices, never pointers, link the tables (a sample names its
 * locations by index into `locations`, a line its function by index into
 * `functions`), so a filter can rewrite one table without touching the rest.
 * Every index in a profile returned by cm_profile_decode has been checked. */
#ifndef CMON_PROFILE_H
#define CMON_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/base/arena.h"

#define CM_NONE UINT32_MAX /* "no function" / "no mapping" */

struct cm_value_type {
	const char *type; /* never NULL; "" when unset */
	const char *unit;
};

struct cm_mapping {
	uint64_t id, start, limit, offset;
	const char *file, *build_id;
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct cm_function {
	uint64_t id;
	const char *name, *system_name, *filename;
	int64_t start_line;
};

struct cm_line {
	uint32_t function; /* index into functions, or CM_NONE */
	int64_t line;
};

struct cm_location {
	uint64_t id;
	uint32_t mapping; /* index into mappings, or CM_NONE */
	uint32_t nlines;
	uint64_t address;
	struct cm_line *lines; /* lines[0] innermost inline, last = outermost */
	bool is_folded;
};

struct cm_label {
	const char *key;
	const char *str;      /* NULL for a numeric label */
	int64_t num;
	const char *num_unit; /* "" when unset */
};

struct cm_sample {
	/* Indices into locations, leaf first; read them with cm_sample_loc,
	 * or in order with a cm_locs_cursor. They take 2 bytes each when
	 * every index of the sample fits (most profiles have fewer than 65536
	 * locations), else 4 (locs_wide): the stacks are most of a big
	 * profile's memory. A decoder asked for compact stacks stores them
	 * as LEB128 varints instead (locs_varint: most indices are under 128
	 * and take 1 byte), root first, for a profile whose stacks are read
	 * in order and not rewritten (a batch report without filters); code
	 * that rewrites stacks calls cm_profile_plain_stacks first. */
	void *locs;
	uint32_t nlocs;
	uint32_t nlabels : 30;
	uint32_t locs_wide : 1;
	uint32_t locs_varint : 1;
	int64_t *values; /* nsample_types values */
	struct cm_label *labels;
};

#define CM_MAX_SAMPLE_LABELS ((1u << 30) - 1)

/* The i-th index (leaf first) of a varint stack: a walk, for code off the
 * hot paths (those read with a cursor). */
uint32_t cm_sample_loc_varint(const struct cm_sample *s, uint32_t i);

static inline uint32_t cm_sample_loc(const struct cm_sample *s, uint32_t i)
{
	if (s->locs_varint)
		return cm_sample_loc_varint(s, i);
	return s->locs_wide ? ((const uint32_t *)s->locs)[i] : ((const uint16_t *)s->locs)[i];
}

/* Reads one varint of a stack the decoder wrote (well formed, < 2^32). */
static inline uint32_t cm_stack_varint(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t v = *p & 0x7f;
	for (unsigned shift = 7; *p++ & 0x80; shift += 7)
		v |= (uint32_t)(*p & 0x7f) << shift;
	*pp = p;
	return v;
}

/* The varint before end, whose stack starts at start. */
static inline uint32_t cm_stack_varint_before(const unsigned char *start, const unsigned char **end)
{
	const unsigned char *p = *end - 1; /* its last byte, under 0x80 */
	while (p > start && (p[-1] & 0x80))
		p--;
	*end = p;
	return cm_stack_varint(&p);
}

/* A sample's indices one by one, from the leaf or from the root, whatever
 * their form (a varint stack is stored root first: the graph reads it so):
 *   struct cm_locs_cursor c = cm_locs_from_root(s);
 *   for (uint32_t i = 0; i < s->nlocs; i++) use(cm_locs_next(&c)); */
struct cm_locs_cursor {
	const struct cm_sample *s;
	const unsigned char *p, *start; /* varints: the next one's edge; the stack's start */
	uint32_t i;                     /* fixed width: the next index to read (or one past) */
	bool from_root;
};

/* Bytes the sample's indices take (a varint stack is walked). */
size_t cm_sample_locs_size(const struct cm_sample *s);

static inline struct cm_locs_cursor cm_locs_from_root(const struct cm_sample *s)
{
	return (struct cm_locs_cursor){s, s->locs, s->locs, s->nlocs, true};
}

static inline struct cm_locs_cursor cm_locs_from_leaf(const struct cm_sample *s)
{
	const unsigned char *end = s->locs_varint ? (const unsigned char *)s->locs + cm_sample_locs_size(s)
						  : s->locs;
	return (struct cm_locs_cursor){s, end, s->locs, 0, false};
}

static inline uint32_t cm_locs_next(struct cm_locs_cursor *c)
{
	if (c->s->locs_varint)
		return c->from_root ? cm_stack_varint(&c->p) : cm_stack_varint_before(c->start, &c->p);
	return cm_sample_loc(c->s, c->from_root ? --c->i : c->i++);
}

/* Stores v at i. v must fit the sample's width: callers only move indices
 * within a sample or map them to smaller ones. Never for a varint stack
 * (cm_profile_plain_stacks first). */
static inline void cm_sample_set_loc(struct cm_sample *s, uint32_t i, uint32_t v)
{
	if (s->locs_wide)
		((uint32_t *)s->locs)[i] = v;
	else
		((uint16_t *)s->locs)[i] = (uint16_t)v;
}

/* Drops the first n indices (the leaf side). */
void cm_sample_drop_leaves(struct cm_sample *s, uint32_t n);

struct cm_profile {
	struct cm_arena arena; /* owns every pointer below */

	struct cm_value_type *sample_types;
	size_t nsample_types;
	struct cm_sample *samples;
	size_t nsamples;
	/* The decoder gives samples with equal values one shared values array
	 * (a heap profile has few distinct tuples: a quarter of its model
	 * saved). Code that writes a sample's values calls
	 * cm_profile_own_values first. */
	bool values_shared;
	struct cm_mapping *mappings;
	size_t nmappings;
	struct cm_location *locations;
	size_t nlocations;
	struct cm_function *functions;
	size_t nfunctions;
	const char **comments;
	size_t ncomments;

	const char *drop_frames, *keep_frames, *default_sample_type, *doc_url;
	int64_t time_nanos, duration_nanos, period;
	struct cm_value_type period_type;
	bool has_period_type;

	/* samples is another profile's array (cm_profile_clone_tables): code
	 * that writes a sample calls cm_profile_own_samples first. */
	bool samples_borrowed;
	void *samples_heap; /* the sample table when not in the arena (cm_big_resize) */
	size_t samples_heap_size;

	/* When the decoder dropped the labels: the (key, unit) pairs of the
	 * numeric ones that had a unit, each once, in order of appearance
	 * (at most CM_MAX_LABEL_UNITS), for pprof's mixed-unit warning. */
	struct cm_label_unit {
		const char *key, *unit;
	} *dropped_units;
	size_t ndropped_units;

	/* Profiles merged into this one: their arenas hold strings we use. */
	struct cm_profile **owned;
	size_t nowned;
};

struct cm_decode_limits {
	uint64_t max_inflated; /* refuse bodies that inflate past this many bytes */
	bool drop_labels;      /* skip sample labels (top, list and peek never
				* read them): a heap profile's "bytes" label per
				* sample is a sixth of its model */
	bool compact_stacks;   /* stacks as varints (locs_varint): a big
				* profile's model in two thirds of the
				* memory, for a profile that is read, not
				* rewritten */
	int threads;           /* gzip inflated on a second thread while the
				* decoder reads: 0 when the input is big and
				* there are two CPUs, 1 never, 2 always */
	bool input_maps_file;  /* cm_profile_decode's data is a read-only
				* mapping of a file: gzip input already
				* inflated is given back to the kernel as it
				* goes (it comes back from the file if read
				* again), so the peak does not hold the whole
				* compressed file (11 MB of 95 on the big
				* benchmark profile). Never for data in
				* anonymous memory. */
};

/* Rewrites varint stacks as fixed-width ones, for code that writes
 * stacks. 0, or -1 when memory runs out (the profile is unchanged then). */
int cm_profile_plain_stacks(struct cm_profile *p);

/* Makes a borrowed sample array (samples_borrowed) the profile's own copy.
 * 0, or -1 when memory runs out (nothing changed then). */
int cm_profile_own_samples(struct cm_profile *p);

/* Gives every sample its own values array when they are shared (see
 * values_shared), so that they may be written. Returns 0, or -1 when memory
 * runs out (nothing changed then). */
int cm_profile_own_values(struct cm_profile *p);

#define CM_DEFAULT_MAX_INFLATED ((uint64_t)1 << 30)
#define CM_MAX_LABEL_UNITS 256

/* Decodes a gzip or raw protobuf profile from data[0..len) and validates
 * every rule of the format. On success returns a new profile the caller owns
 * (free with cm_profile_free) and leaves err untouched. On failure returns NULL
 * and writes one line (no newline) describing the problem into err. data is
 * only read, and not referenced after the call. */
struct cm_profile *cm_profile_decode(const unsigned char *data, size_t len,
				     const struct cm_decode_limits *limits,
				     char *err, size_t errlen);

/* Reads up to len bytes into buf; returns how many, 0 at the end of the
 * input, SIZE_MAX on a read error. */
typedef size_t (*cm_read_fn)(void *ctx, unsigned char *buf, size_t len);

/* cm_profile_decode for input that arrives in pieces (a file, a pipe): raw
 * protobuf is decoded as it comes, gzip is read whole first (inflate.c
 * wants it so; it is a fraction of what it inflates to). */
struct cm_profile *cm_profile_decode_stream(cm_read_fn read, void *ctx,
					    const struct cm_decode_limits *limits,
					    char *err, size_t errlen);

/* An empty profile with its arena, for builders (merge, tests). */
struct cm_profile *cm_profile_new(void);

void cm_profile_free(struct cm_profile *p);

/* Index of the sample type named by spec: a type name, or a decimal number.
 * Empty or NULL spec means the default (default_sample_type, else the last).
 * Returns -1 and writes the reason into err when nothing matches. */
int cm_profile_sample_index(const struct cm_profile *p, const char *spec,
			    char *err, size_t errlen);

/* Go's int64 arithmetic wraps; C's signed overflow is undefined. Sums of
 * hostile values go through these, so cmon prints what pprof prints. */
static inline int64_t cm_add64(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t cm_mul64(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static inline int64_t cm_abs64(int64_t v)
{
	return v < 0 ? (int64_t)(0 - (uint64_t)v) : v;
}

/* Go's int64(f) as amd64 computes it: a value out of range, or NaN, gives
 * INT64_MIN, where C's cast is undefined. */
static inline int64_t cm_f64_to_i64(double f)
{
	return f >= -9223372036854775808.0 && f < 9223372036854775808.0 ? (int64_t)f : INT64_MIN;
}

/* Go's integer division: x / 0 is not asked for, INT64_MIN / -1 wraps. */
static inline int64_t cm_div64(int64_t a, int64_t b)
{
	return b == -1 ? (int64_t)(0 - (uint64_t)a) : a / b;
}

#endif
