/* graph_tree: pprof's call tree for -call_tree (-dot, -callgrind): a node
 * per call path, so one function reached two ways is two nodes. */
#ifndef CMON_GRAPH_TREE_H
#define CMON_GRAPH_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/profile/graph.h"
#include "cmon/profile/profile.h"

struct cm_tree {
	struct cm_nodes nodes; /* one per tree node: its base node's info and name */
	struct cm_graph g;     /* over nodes; g.nodes points at them */
	uint32_t *base;        /* per tree node: the node of the base table */
	uint32_t *parent;      /* per tree node: the node it was reached from, or UINT32_MAX */
	uint32_t *in_edge;     /* per tree node: its live incoming edge, or UINT32_MAX */
};

/* newTree: the tree of p's samples (value index vi) over the base node
 * table. visit, when not NULL, sees each node a sample reaches, as with
 * cm_graph_build_visit. Returns -1 when memory runs out. */
int cm_tree_build(struct cm_tree *t, const struct cm_profile *p, const struct cm_nodes *base,
		  size_t vi, bool mean, bool drop_negative, const struct cm_graph_visit *visit);
void cm_tree_free(struct cm_tree *t);

/* TrimTree without its final RemoveRedundantEdges: keeps the members with
 * kept[id], linking each removed node's children to its parent by a
 * residual edge (inline when both edges were). Returns -1 on OOM. */
int cm_tree_trim(struct cm_tree *t, const bool *kept);

#endif
