/* stack_tree: a prepared profile's samples as one tree of frames, the
 * model of a flame graph and of a top-down call tree.
 *
 * The root is the total; each sample's stack is walked root first, one
 * frame per (location, inline line) as the node table names it (so an
 * inlined call is a frame of its own, at any granularity), and frames with
 * the same node under the same parent are merged. This is the tree pprof
 * 1.19's web flame graph draws (its -call_tree graph, untrimmed), with
 * two differences: zero-valued samples add no frames, and -mean is not
 * applied (values are the sample values as they are).
 *
 * Siblings are ordered as pprof's flame graph (d3-flame-graph's sort)
 * orders them: by the short name (cm_shorten_function_name), then by the
 * full name. Ownership: the tree owns its arrays and the short names; it
 * borrows the node table, which must outlive it. */
#ifndef CMON_STACK_TREE_H
#define CMON_STACK_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/base/arena.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/profile.h"

#define CM_STACK_NONE UINT32_MAX

struct cm_stack_frame {
	uint32_t node;        /* node id; CM_STACK_NONE for the root */
	uint32_t parent;      /* frame index; CM_STACK_NONE for the root */
	uint32_t first_child; /* index into kids of the first child */
	uint32_t nchildren;
	uint32_t next_sibling; /* in sort order; CM_STACK_NONE for the last */
	uint32_t depth;       /* 0 for the root */
	int64_t flat, cum;    /* sums of the sample values (wrapping as Go's) */
	uint64_t weight;      /* sum of |value|: the width, never less than the
			       * children's weights together (diffs too) */
};

struct cm_stack_tree {
	const struct cm_nodes *nodes;      /* borrowed */
	struct cm_stack_frame *frames;     /* frames[0] is the root */
	size_t nframes;
	uint32_t *kids;                    /* children, contiguous per frame, sorted */
	uint32_t max_depth;
	struct cm_arena arena;             /* the short names */
	const char **short_names;          /* per node id */
};

/* Builds the tree of p's samples (value index vi) over the node table
 * nodes (built from p). 0, or -1 when memory runs out or the tree would
 * have 2^32 frames (t is then empty). Free with cm_stack_tree_free. */
int cm_stack_tree_build(struct cm_stack_tree *t, const struct cm_profile *p,
			const struct cm_nodes *nodes, size_t vi);
void cm_stack_tree_free(struct cm_stack_tree *t);

/* The full (printable) and short names of frame f; "root" for the root. */
const char *cm_stack_tree_name(const struct cm_stack_tree *t, uint32_t f);
const char *cm_stack_tree_short(const struct cm_stack_tree *t, uint32_t f);

/* The child of f whose full name is name, or CM_STACK_NONE. */
uint32_t cm_stack_tree_child(const struct cm_stack_tree *t, uint32_t f, const char *name);

/* The value the frames with match[node] cover below (and at) frame f,
 * each sample counted once however many matching frames it has: the cum of
 * every matching frame with no matching ancestor under f. This is what
 * pprof's -focus keeps, and -top -cum's cum of a single function. */
int64_t cm_stack_tree_match_sum(const struct cm_stack_tree *t, uint32_t f, const bool *match);

#endif
