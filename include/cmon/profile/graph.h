/* graph: samples summed into nodes (one per function, file, line or address,
 * by the granularity the profile was aggregated to) and the call edges
 * between them, as pprof's internal/graph builds them.
 *
 * struct cm_nodes is the node table of one profile: which node each
 * (location, inline line) pair becomes. struct cm_graph holds one build's
 * weights; a report may build several graphs over one node table (pprof
 * rebuilds after trimming). */
#ifndef CMON_GRAPH_H
#define CMON_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/base/arena.h"
#include "cmon/profile/profile.h"

struct cm_node_info {
	const char *name;    /* "" when none */
	const char *file;    /* cleaned and trimmed; "" when none */
	const char *objfile; /* "" unless kept (nameless or obj_names) */
	uint64_t address;
	int64_t lineno;
	int64_t start_line;
};

struct cm_nodes_opts {
	bool obj_names;          /* keep objfile and start line (list) */
	const char *trim_path;   /* -trim_path */
	const char *source_path; /* -source_path */
	bool raw_files;          /* file names only cleaned, never trimmed
				  * (-traces: pprof's CreateNodes with no options) */
};

struct cm_nodes {
	struct cm_arena arena; /* owns everything below */
	struct cm_node_info *info;
	const char **printable; /* printable name per node */
	uint32_t count;
	uint32_t *loc_first; /* per location: index into loc_nodes */
	uint32_t *loc_count; /* per location: max(1, nlines) */
	uint32_t *loc_nodes; /* node of each (location, line), lines in order */
};

/* Builds the node table of p. Returns 0, or -1 when memory runs out. The
 * table refers to p's strings: p must outlive it. */
int cm_nodes_build(struct cm_nodes *nodes, const struct cm_profile *p,
		   const struct cm_nodes_opts *opts);
void cm_nodes_free(struct cm_nodes *nodes);

/* Per node id: whether the node is an inlined frame of some location (not
 * its last line): the only nodes an inline edge can go into. -top wants
 * edges for no more than their inline flag (the "(inline)" labels), so the
 * edges into any other node are work thrown away. NULL when memory runs
 * out; the caller frees it. */
bool *cm_nodes_inner(const struct cm_nodes *nodes, size_t nlocations);
/* cm_nodes_build in steps (the viewer builds in the background): begin,
 * then step until it returns 1, each step at most n entries of a pass
 * (functions, locations, nodes); -1 on OOM (nodes freed, the builder
 * done with). abort frees an unfinished table. work counts the entries
 * done, for the tests that bound a step. */
struct cm_nodes_builder {
	struct cm_nodes *n;          /* borrowed: the table being built */
	const struct cm_profile *p;  /* borrowed */
	struct cm_nodes_opts o;      /* its strings borrowed */
	const char **files;          /* in n's arena: per function */
	uint32_t *fn_node;           /* in n's arena: per function, its node + 1
				      * once seen where nothing else counts */
	uint32_t *slots;             /* owned: node id + 1, by hash */
	size_t cap, info_cap;
	size_t first_cap;            /* the hash's first size */
	int phase;
	size_t next;
	uint32_t at;                 /* the next (location, line) slot */
	size_t work;
};
int cm_nodes_begin(struct cm_nodes_builder *b, struct cm_nodes *nodes,
		   const struct cm_profile *p, const struct cm_nodes_opts *opts);
int cm_nodes_step(struct cm_nodes_builder *b, size_t n);
void cm_nodes_abort(struct cm_nodes_builder *b);

/* pprof's compareNodes tie-break: fmt.Sprint of the node info. */
int cm_node_info_cmp(const struct cm_node_info *a, const struct cm_node_info *b);

/* A hash of a pair of ids (an edge, a tree node's parent and node). */
static inline uint64_t cm_pair_hash(uint32_t a, uint32_t b)
{
	uint64_t x = ((uint64_t)a << 32) | b;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

struct cm_edge {
	uint32_t src, dst;
	int64_t weight;
	int64_t weight_div; /* under -mean: the counts, the divisor */
	bool inline_call; /* every call on it was inlined */
	bool residual;    /* goes over nodes that were not kept (dotted in -dot) */
	bool removed;     /* trimmed away */
	size_t last_sample; /* dedupe within one sample */
};

/* What the second pass of -top needs of a location when it only adds
 * edges (cm_graph_edges_only): its lines' kept nodes, in one step unless
 * one of them may take an edge. */
struct cm_loc_pass {
	uint32_t last;     /* its innermost kept node, or UINT32_MAX: none kept */
	bool edges;        /* a kept node of it is marked in edges_into */
	bool residual;     /* its innermost line's node is not kept */
};

struct cm_graph {
	const struct cm_nodes *nodes;
	int64_t *flat, *cum;   /* per node id */
	int64_t *flat_div, *cum_div; /* per node id, with -mean only (else NULL) */
	size_t *last_sample;   /* per node id: dedupe within one sample */
	uint32_t *members;     /* node ids present (flat or cum != 0) */
	size_t nmembers;
	struct cm_edge *edges;
	size_t nedges, edges_cap;
	uint32_t *edge_slots;  /* hash: edge index + 1 */
	size_t edge_slots_cap;
	/* With edges, only those into nodes marked here (NULL: all): a
	 * report that wants edges only for their inline flag sets it after
	 * cm_graph_begin to cm_nodes_inner's (borrowed). */
	const bool *edges_into;
	/* Set by cm_graph_edges_only (borrowed): samples added bring edges
	 * only, the sums are left as they are. */
	const struct cm_loc_pass *edges_only;
};

/* Sums the samples of p (value index vi) into a new graph over nodes. With
 * kept non-NULL only nodes with kept[id] take part (pprof's KeptNodes).
 * with_edges=false skips the edges. mean also sums each sample's first value
 * (its count) as the divisor of -mean. Returns -1 when memory runs out.
 * Without a visitor the sums may split over two threads (cm_graph_add_batch). */
int cm_graph_build(struct cm_graph *g, const struct cm_profile *p,
		   const struct cm_nodes *nodes, size_t vi, const bool *kept,
		   bool with_edges, bool mean);
void cm_graph_free(struct cm_graph *g);

/* What a report that needs more than the weights (the tags of -dot) is
 * told while a graph is built: each node a sample reaches, once with
 * flat=false (its cum) and once more for the sample's leaf with flat=true,
 * as pprof's addSample is called. A negative return stops the build (-1). */
struct cm_graph_visit {
	int (*node)(void *ctx, size_t sample, uint32_t id, bool flat);
	void *ctx;
};
int cm_graph_build_visit(struct cm_graph *g, const struct cm_profile *p,
			 const struct cm_nodes *nodes, size_t vi, const bool *kept,
			 bool with_edges, bool mean, const struct cm_graph_visit *visit);

/* cm_graph_build_visit in pieces, so that a host can spread the work
 * (the viewer builds tables between keys, issue 15): begin, then every
 * sample in order through add_samples ([from, to) ranges, each starting
 * where the last ended; to past the end is cut), then end (the members).
 * Both failing calls free g. The result is the one cm_graph_build gives. */
int cm_graph_begin(struct cm_graph *g, const struct cm_nodes *nodes, bool mean);
int cm_graph_add_samples(struct cm_graph *g, const struct cm_profile *p, size_t from, size_t to,
			 size_t vi, const bool *kept, bool with_edges, bool mean,
			 const struct cm_graph_visit *visit);
void cm_graph_end(struct cm_graph *g);

/* pprof builds -top's graph twice, the second time over the nodes the
 * first one's node fraction keeps (newGraph with KeptNodes), for edges
 * among them. A kept node's sums are the same in both (its cum counts
 * the samples that reach it; a sample's flat goes to its leaf's node
 * only when that is kept), so the second build can start from the
 * first's: cm_graph_edges_only zeroes the sums of the nodes not kept
 * (kept NULL: all are) and sets g so that the samples added next (from
 * the first) bring only the edges into the nodes marked in edges_into
 * (which must be set), walking through a location that has none of them
 * in one step. loc_pass (p->nlocations entries, made by
 * cm_loc_pass_make over the same kept and edges_into) is borrowed until
 * g is freed or begun again. The result is the second build's, bit for
 * bit; on the mid benchmark profile that pass and the report's finish
 * went from 2.4 ms to 1.2-1.7 ms. */
struct cm_loc_pass *cm_loc_pass_make(const struct cm_nodes *nodes, size_t nlocations,
				     const bool *kept, const bool *edges_into);
void cm_graph_edges_only(struct cm_graph *g, const bool *kept, const struct cm_loc_pass *loc_pass);

/* cm_graph_add_samples without a visitor, for a batch build (a report
 * run once, issue 15): with two CPUs and enough samples a second thread
 * sums the second half of [from, to) into a graph of its own while the
 * caller sums the first, then the caller merges it in; the result is bit
 * for bit the single pass's (edges in the same order too). threads: 0
 * decides, 1 never splits (the viewer's steps between keys), 2 always
 * (tests). The thread is joined before the call returns; p, nodes and
 * kept must not change meanwhile. Same contract as add_samples. */
int cm_graph_add_batch(struct cm_graph *g, const struct cm_profile *p, size_t from, size_t to,
		       size_t vi, const bool *kept, bool with_edges, bool mean, int threads);

/* Edge.WeightValue: the weight, divided by the divisor under -mean. */
static inline int64_t cm_edge_weight_value(const struct cm_edge *e)
{
	return e->weight_div ? cm_div64(e->weight, e->weight_div) : e->weight;
}

/* -drop_negative: removes the members whose flat (or, when flat is 0, cum)
 * is negative. */
void cm_graph_drop_negative(struct cm_graph *g);

/* Sum of flat over the graph's members. */
int64_t cm_graph_flat_sum(const struct cm_graph *g);

/* A stable merge sort of n ids by cmp (negative: a before b); tmp has room
 * for n ids. qsort has no context argument in C11, and pprof's orders need
 * the graph. */
void cm_sort_ids(uint32_t *ids, uint32_t *tmp, size_t n,
		 int (*cmp)(const void *ctx, uint32_t a, uint32_t b), const void *ctx);

enum cm_node_order { CM_ORDER_FLAT, CM_ORDER_CUM };

/* Sorts g->members as pprof's FlatNameOrder / CumNameOrder. Returns -1
 * when memory runs out (the order is then unchanged). */
int cm_graph_sort(struct cm_graph *g, enum cm_node_order order);

/* Removes edges whose |weight| < cutoff; returns how many. */
size_t cm_graph_trim_edges(struct cm_graph *g, int64_t cutoff);

/* pprof's trimming with every cutoff 0, for the reports that do not trim
 * (-peek): it still drops the edges of weight INT64_MIN, whose abs64 stays
 * negative. Call before cm_adjacency_build. Returns 0, for use in a chain
 * of calls that can fail. */
static inline int cm_graph_trim_untrimmed(struct cm_graph *g)
{
	cm_graph_trim_edges(g, 0);
	return 0;
}

/* pprof's inline label of every node: "", "(inline)" or "(partial-inline)",
 * from the kinds of its remaining incoming edges. labels has one slot per
 * node of the table. */
int cm_graph_inline_labels(const struct cm_graph *g, const char **labels);

/* Node.FlatValue / CumValue: the value, divided by the divisor under -mean. */
static inline int64_t cm_graph_flat_value(const struct cm_graph *g, uint32_t id)
{
	return g->flat_div && g->flat_div[id] ? cm_div64(g->flat[id], g->flat_div[id]) : g->flat[id];
}

static inline int64_t cm_graph_cum_value(const struct cm_graph *g, uint32_t id)
{
	return g->cum_div && g->cum_div[id] ? cm_div64(g->cum[id], g->cum_div[id]) : g->cum[id];
}

/* The graph's live (not removed) edges grouped per node: the edges into
 * node id are in[first_in[id] .. first_in[id + 1]), out of it likewise.
 * Returns -1 when memory runs out; free with cm_adjacency_free either way. */
struct cm_adjacency {
	uint32_t *first_in, *first_out, *in, *out;
};
int cm_adjacency_build(const struct cm_graph *g, struct cm_adjacency *a);
void cm_adjacency_free(struct cm_adjacency *a);

/* Sorts edge indices as pprof's edgeList: |weight| descending, then source
 * and target printable names. tmp has room for n. */
void cm_edges_sort(const struct cm_graph *g, uint32_t *ids, uint32_t *tmp, size_t n);

#endif
