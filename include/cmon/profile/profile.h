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
	/* Indices into locations, leaf first; read them with cm_sample_loc.
	 * They take 2 bytes each when every index of the sample fits (most
	 * profiles have fewer than 65536 locations), else 4 (locs_wide): the
	 * stacks are most of a big profile's memory. */
	void *locs;
	uint32_t nlocs;
	uint32_t nlabels : 31;
	uint32_t locs_wide : 1;
	int64_t *values; /* nsample_types values */
	struct cm_label *labels;
};

static inline uint32_t cm_sample_loc(const struct cm_sample *s, uint32_t i)
{
	return s->locs_wide ? ((const uint32_t *)s->locs)[i] : ((const uint16_t *)s->locs)[i];
}

/* Stores v at i. v must fit the sample's width: callers only move indices
 * within a sample or map them to smaller ones. */
static inline void cm_sample_set_loc(struct cm_sample *s, uint32_t i, uint32_t v)
{
	if (s->locs_wide)
		((uint32_t *)s->locs)[i] = v;
	else
		((uint16_t *)s->locs)[i] = (uint16_t)v;
}

/* Drops the first n indices (the leaf side). */
static inline void cm_sample_drop_leaves(struct cm_sample *s, uint32_t n)
{
	s->locs = (char *)s->locs + (size_t)n * (s->locs_wide ? 4 : 2);
	s->nlocs -= n;
}

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
