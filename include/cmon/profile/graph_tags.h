/* graph_tags: the tags of a graph's nodes, as pprof's addSample collects
 * them for the -dot report's "nodelets" (the small boxes under a node).
 *
 * A label tag is a sample's string labels joined ("key:value", sorted,
 * joined with a literal \n); a numeric tag is one value of the sample's
 * "bytes" label (pprof keeps no other numeric label for graphs), grouped
 * under the sample's label tag ("" when it has none) and named by its
 * value as pprof formats it. Each tag sums the weights of the samples that
 * carry it, flat at the leaf and cum on every node of the stack. */
#ifndef CMON_GRAPH_TAGS_H
#define CMON_GRAPH_TAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/base/arena.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/profile.h"

struct cm_tag {
	const char *name;  /* interned: equal names are equal pointers */
	const char *lset;  /* numeric: the label tag it is under ("" none); label: = name */
	const char *unit;  /* numeric: the label's unit; label: "" */
	int64_t value;     /* numeric: the first value seen under this name */
	int64_t flat, flat_div, cum, cum_div;
	uint32_t node;
	bool numeric;
	bool removed;      /* trimmed (TrimLowFrequencyTags) */
};

/* Per sample: its label set and the names of its "bytes" values. */
struct cm_sample_tags {
	const char *lset;
	const char **names;
	const int64_t *values;
	uint32_t n;
};

struct cm_tags {
	struct cm_arena arena; /* the interned strings and per-sample data */
	const struct cm_profile *p;
	size_t vi;
	bool mean;
	const char *num_unit; /* the unit of "bytes" values (NumLabelUnits) */
	struct cm_sample_tags *samples;
	struct cm_tag *tags;
	size_t n, cap;
	uint32_t *slots; /* hash of (node, numeric, lset, name): tag index + 1 */
	size_t slots_cap;
	const char **strs; /* interned strings, a hash set */
	size_t strs_n, strs_cap;
	/* after cm_tags_index: tags of node id are order[first[id] .. first[id + 1]) */
	uint32_t *first, *order;
};

/* Reads every sample's labels once (their strings formatted in unit,
 * pprof's output unit at graph time, "minimum" by default). Returns -1
 * when memory runs out. */
int cm_tags_init(struct cm_tags *t, const struct cm_profile *p, size_t vi, bool mean,
		 const char *unit);
void cm_tags_free(struct cm_tags *t);

/* Forgets the tags (not the samples' labels), for a new graph build. */
void cm_tags_reset(struct cm_tags *t);

/* The visitor that cm_graph_build_visit calls: ctx is a struct cm_tags. */
int cm_tags_visit(void *ctx, size_t sample, uint32_t id, bool flat);

/* TrimLowFrequencyTags: drops the tags with |flat| and |cum| under cutoff. */
void cm_tags_trim(struct cm_tags *t, int64_t cutoff);

/* Groups the live tags per node (nnodes: the node table's count). */
int cm_tags_index(struct cm_tags *t, uint32_t nnodes);

/* Tag.FlatValue / CumValue. */
static inline int64_t cm_tag_flat(const struct cm_tag *t)
{
	return t->flat_div ? cm_div64(t->flat, t->flat_div) : t->flat;
}
static inline int64_t cm_tag_cum(const struct cm_tag *t)
{
	return t->cum_div ? cm_div64(t->cum, t->cum_div) : t->cum;
}

#endif
