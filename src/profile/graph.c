#include "cmon/profile/graph.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/inflate_pipe.h"
#include "cmon/base/pathutil.h"

/* ---- the node table ---- */

static uint64_t str_hash(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static uint64_t info_hash(const struct cm_node_info *i)
{
	uint64_t h = 1469598103934665603ULL;
	h = str_hash(i->name, h);
	h = str_hash(i->file, h * 31);
	h = str_hash(i->objfile, h * 31);
	h = (h ^ i->address) * 1099511628211ULL;
	h = (h ^ (uint64_t)i->lineno) * 1099511628211ULL;
	h = (h ^ (uint64_t)i->start_line) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static bool info_eq(const struct cm_node_info *a, const struct cm_node_info *b)
{
	return a->address == b->address && a->lineno == b->lineno &&
	       a->start_line == b->start_line && !strcmp(a->name, b->name) &&
	       !strcmp(a->file, b->file) && !strcmp(a->objfile, b->objfile);
}

/* NodeInfo.PrintableName: address, name, then file:line / file / [obj]. */
static const char *printable_name(struct cm_arena *a, const struct cm_node_info *i)
{
	/* room for all of it: names can be long (C++ templates, hostile profiles) */
	size_t cap = strlen(i->name) + strlen(i->file) + strlen(i->objfile) + 64;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	size_t off = 0;
	buf[0] = '\0';
#define APPEND(...)                                                                 \
	do {                                                                        \
		if (off < cap)                                                      \
			off += (size_t)snprintf(buf + off, cap - off, __VA_ARGS__); \
	} while (0)
	if (i->address)
		APPEND("%016" PRIx64, i->address);
	if (*i->name)
		APPEND("%s%s", off ? " " : "", i->name);
	if (i->lineno) {
		APPEND("%s%s:%" PRId64, off ? " " : "", i->file, i->lineno);
	} else if (*i->file) {
		APPEND("%s%s", off ? " " : "", i->file);
	} else if (*i->name) {
		/* the name is already there */
	} else if (*i->objfile) {
		size_t n;
		const char *base = cm_path_base(i->objfile, strlen(i->objfile), &n);
		APPEND("%s[%.*s]", off ? " " : "", (int)n, base);
	} else {
		APPEND("%s<unknown>", off ? " " : "");
	}
#undef APPEND
	if (off >= cap)
		off = cap - 1;
	const char *name = cm_arena_strndup(a, buf, off);
	free(buf);
	return name;
}

static int intern_node(struct cm_nodes_builder *b, const struct cm_node_info *info, uint32_t *out)
{
	struct cm_nodes *n = b->n;
	if ((n->count + 1) * 2 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : b->first_cap;
		uint32_t *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return -1;
		for (size_t i = 0; i < b->cap; i++) {
			if (!b->slots[i])
				continue;
			size_t j = info_hash(&n->info[b->slots[i] - 1]) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = b->slots[i];
		}
		free(b->slots);
		b->slots = ns;
		b->cap = ncap;
	}
	size_t j = info_hash(info) & (b->cap - 1);
	while (b->slots[j]) {
		if (info_eq(&n->info[b->slots[j] - 1], info)) {
			*out = b->slots[j] - 1;
			return 0;
		}
		j = (j + 1) & (b->cap - 1);
	}
	if (n->count == b->info_cap) {
		size_t ncap = b->info_cap ? b->info_cap * 2 : 1024;
		struct cm_node_info *ni = realloc(n->info, ncap * sizeof(*ni));
		if (!ni)
			return -1;
		n->info = ni;
		b->info_cap = ncap;
	}
	n->info[n->count] = *info;
	b->slots[j] = n->count + 1;
	*out = n->count++;
	return 0;
}

/* The cleaned, trimmed file names of functions [from, to), computed
 * once per function. -1 when memory runs out. */
static int function_files(struct cm_arena *a, const struct cm_profile *p,
			  const struct cm_nodes_opts *o, const char **files, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const char *f = p->functions[i].filename;
		if (!*f) {
			files[i] = "";
			continue;
		}
		if (!o->raw_files)
			f = cm_path_trim(f, o->trim_path, o->source_path);
		if (!*f) { /* trimmed to nothing: no file, as pprof sees it */
			files[i] = "";
			continue;
		}
		size_t len = strlen(f) + 2;
		char *clean = cm_arena_alloc(a, len);
		if (!clean)
			return -1;
		files[i] = cm_path_clean(f, clean, len);
	}
	return 0;
}

static struct cm_node_info node_info_of(const struct cm_profile *p, const struct cm_location *l,
					const struct cm_line *ln, const char **files,
					const struct cm_nodes_opts *o)
{
	const char *objfile = l->mapping != CM_NONE ? p->mappings[l->mapping].file : "";
	struct cm_node_info ni = {.name = "", .file = "", .objfile = "", .address = l->address};
	if (!ln || ln->function == CM_NONE) {
		ni.objfile = objfile;
		return ni;
	}
	const struct cm_function *f = &p->functions[ln->function];
	ni.lineno = ln->line;
	ni.name = f->name;
	ni.file = files[ln->function];
	if (o->obj_names || !*f->name) {
		ni.objfile = objfile;
		ni.start_line = f->start_line;
	}
	return ni;
}

/* The node table in three passes, each in slices: the functions' files,
 * the locations' lines, the nodes' printable names. */
enum { NODES_FILES, NODES_LOCS, NODES_NAMES, NODES_DONE };

int cm_nodes_begin(struct cm_nodes_builder *b, struct cm_nodes *n, const struct cm_profile *p,
		   const struct cm_nodes_opts *o)
{
	memset(b, 0, sizeof(*b));
	memset(n, 0, sizeof(*n));
	cm_arena_init(&n->arena);
	b->n = n;
	b->p = p;
	b->o = *o;
	b->phase = NODES_DONE;
	b->files = cm_arena_array(&n->arena, p->nfunctions, sizeof(*b->files));
	b->fn_node = cm_arena_array(&n->arena, p->nfunctions, sizeof(*b->fn_node));
	if (b->fn_node)
		memset(b->fn_node, 0, p->nfunctions * sizeof(*b->fn_node));
	n->loc_first = cm_arena_array(&n->arena, p->nlocations, sizeof(uint32_t));
	n->loc_count = cm_arena_array(&n->arena, p->nlocations, sizeof(uint32_t));
	size_t total = 0;
	for (size_t i = 0; i < p->nlocations; i++)
		total += p->locations[i].nlines ? p->locations[i].nlines : 1;
	b->work += p->nlocations;
	n->loc_nodes = cm_arena_array(&n->arena, total, sizeof(uint32_t));
	/* Room for a node per line, the most there can be: the table never
	 * moves (grown by doubling from 1024, its copies touched 80 pages on
	 * the mid benchmark profile for its 2k nodes); what is not used is
	 * never touched. The hash starts with room for a node per function
	 * (the usual count: function granularity). */
	b->info_cap = total ? total : 1;
	n->info = total <= UINT32_MAX ? malloc(b->info_cap * sizeof(*n->info)) : NULL;
	for (b->first_cap = 4096; b->first_cap < 2 * (p->nfunctions + 1); b->first_cap *= 2)
		;
	if (!b->files || !b->fn_node || !n->loc_first || !n->loc_count || !n->loc_nodes ||
	    !n->info) {
		cm_nodes_free(n);
		return -1;
	}
	b->phase = NODES_FILES;
	return 0;
}

/* Locations [from, to): their nodes, interned. */
static int nodes_locs(struct cm_nodes_builder *b, size_t from, size_t to)
{
	const struct cm_profile *p = b->p;
	struct cm_nodes *n = b->n;
	for (size_t i = from; i < to; i++) {
		const struct cm_location *l = &p->locations[i];
		uint32_t cnt = l->nlines ? l->nlines : 1;
		n->loc_first[i] = b->at;
		n->loc_count[i] = cnt;
		for (uint32_t k = 0; k < cnt; k++) {
			const struct cm_line *ln = l->nlines ? &l->lines[k] : NULL;
			struct cm_node_info ni = node_info_of(p, l, ln, b->files, &b->o);
			/* A node of the function alone (no address, line or
			 * object file: function granularity, as after the
			 * aggregation for -top) is interned once per function,
			 * not once per line of every location (12k lines, 2k
			 * functions on bench/speed.sh's mid profile). */
			bool by_function = ln && ln->function != CM_NONE && !ni.address &&
					   !ni.lineno && !*ni.objfile;
			uint32_t *known = by_function ? &b->fn_node[ln->function] : NULL;
			if (known && *known) {
				n->loc_nodes[b->at++] = *known - 1;
				continue;
			}
			if (intern_node(b, &ni, &n->loc_nodes[b->at]) < 0)
				return -1;
			if (known)
				*known = n->loc_nodes[b->at] + 1;
			b->at++;
		}
	}
	return 0;
}

/* Nodes [from, to): their printable names. */
static int nodes_names(struct cm_nodes_builder *b, size_t from, size_t to)
{
	struct cm_nodes *n = b->n;
	if (from == 0 && !(n->printable = cm_arena_array(&n->arena, n->count, sizeof(char *))))
		return -1;
	for (size_t i = from; i < to; i++)
		if (!(n->printable[i] = printable_name(&n->arena, &n->info[i])))
			return -1;
	return 0;
}

/* How many entries the phase goes over. */
static size_t nodes_phase_size(const struct cm_nodes_builder *b)
{
	switch (b->phase) {
	case NODES_FILES: return b->p->nfunctions;
	case NODES_LOCS: return b->p->nlocations;
	case NODES_NAMES: return b->n->count;
	}
	return 0;
}

int cm_nodes_step(struct cm_nodes_builder *b, size_t n)
{
	if (b->phase == NODES_DONE)
		return 1;
	size_t size = nodes_phase_size(b), to = n < size - b->next ? b->next + n : size;
	int rc = b->phase == NODES_FILES ? function_files(&b->n->arena, b->p, &b->o, b->files, b->next, to)
		 : b->phase == NODES_LOCS ? nodes_locs(b, b->next, to)
					  : nodes_names(b, b->next, to);
	b->work += to - b->next;
	b->next = to;
	if (rc < 0) {
		cm_nodes_abort(b);
		return -1;
	}
	if (to < size)
		return 0;
	b->phase++;
	b->next = 0;
	if (b->phase != NODES_DONE)
		return 0;
	free(b->slots);
	b->slots = NULL;
	return 1;
}

void cm_nodes_abort(struct cm_nodes_builder *b)
{
	if (b->phase == NODES_DONE || !b->n) /* done, or zeroed: nothing begun */
		return;
	free(b->slots);
	b->slots = NULL;
	cm_nodes_free(b->n);
	b->phase = NODES_DONE;
}

int cm_nodes_build(struct cm_nodes *n, const struct cm_profile *p, const struct cm_nodes_opts *o)
{
	struct cm_nodes_builder b;
	if (cm_nodes_begin(&b, n, p, o) < 0)
		return -1;
	int rc;
	while ((rc = cm_nodes_step(&b, SIZE_MAX)) == 0)
		; /* the next pass */
	return rc < 0 ? -1 : 0;
}

void cm_nodes_free(struct cm_nodes *n)
{
	free(n->info);
	cm_arena_free(&n->arena);
	memset(n, 0, sizeof(*n));
}

int cm_node_info_cmp(const struct cm_node_info *a, const struct cm_node_info *b)
{
	/* fmt.Sprint(NodeInfo{Name, OrigName, Address, File, StartLine, Lineno, Objfile}) */
	char sa[8192], sb[8192];
	snprintf(sa, sizeof(sa), "{%s  %" PRIu64 " %s %" PRId64 " %" PRId64 " %s}", a->name,
		 a->address, a->file, a->start_line, a->lineno, a->objfile);
	snprintf(sb, sizeof(sb), "{%s  %" PRIu64 " %s %" PRId64 " %" PRId64 " %s}", b->name,
		 b->address, b->file, b->start_line, b->lineno, b->objfile);
	return strcmp(sa, sb);
}

/* ---- the weighted graph ---- */

static int edges_grow(struct cm_graph *g)
{
	size_t ncap = g->edge_slots_cap ? g->edge_slots_cap * 2 : 8192;
	uint32_t *slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t e = 0; e < g->nedges; e++) {
		size_t j = cm_pair_hash(g->edges[e].src, g->edges[e].dst) & (ncap - 1);
		while (slots[j])
			j = (j + 1) & (ncap - 1);
		slots[j] = (uint32_t)e + 1;
	}
	free(g->edge_slots);
	g->edge_slots = slots;
	g->edge_slots_cap = ncap;
	return 0;
}

/* Appends e, an edge g lacks: add_edge's rare path, kept out of its loop. */
static int new_edge(struct cm_graph *g, const struct cm_edge *e)
{
	if ((g->nedges + 1) * 2 > g->edge_slots_cap && edges_grow(g) < 0)
		return -1;
	if (g->nedges == g->edges_cap) {
		size_t ncap = g->edges_cap ? g->edges_cap * 2 : 4096;
		struct cm_edge *ne = realloc(g->edges, ncap * sizeof(*ne));
		if (!ne)
			return -1;
		g->edges = ne;
		g->edges_cap = ncap;
	}
	size_t j = cm_pair_hash(e->src, e->dst) & (g->edge_slots_cap - 1);
	while (g->edge_slots[j])
		j = (j + 1) & (g->edge_slots_cap - 1);
	g->edges[g->nedges] = *e;
	g->edge_slots[j] = (uint32_t)++g->nedges;
	return 0;
}

/* pprof's AddToEdge, deduplicated within one sample (seenEdge). Inline:
 * it runs for every frame of every sample. */
static inline int add_edge(struct cm_graph *g, uint32_t src, uint32_t dst, int64_t w, int64_t dw,
			   bool inl, bool residual, size_t sample)
{
	size_t mask = g->edge_slots_cap - 1;
	for (size_t j = cm_pair_hash(src, dst) & mask; g->edge_slots_cap && g->edge_slots[j];
	     j = (j + 1) & mask) {
		struct cm_edge *e = &g->edges[g->edge_slots[j] - 1];
		if (e->src != src || e->dst != dst)
			continue;
		if (e->last_sample == sample)
			return 0;
		e->last_sample = sample;
		e->weight = cm_add64(e->weight, w);
		e->weight_div = cm_add64(e->weight_div, dw);
		if (residual)
			e->residual = true;
		if (!inl)
			e->inline_call = false;
		return 0;
	}
	return new_edge(g, &(struct cm_edge){.src = src, .dst = dst, .weight = w, .weight_div = dw,
		.inline_call = inl, .residual = residual, .last_sample = sample});
}

int cm_graph_build(struct cm_graph *g, const struct cm_profile *p, const struct cm_nodes *nodes,
		   size_t vi, const bool *kept, bool with_edges, bool mean)
{
	return cm_graph_build_visit(g, p, nodes, vi, kept, with_edges, mean, NULL);
}

int cm_graph_begin(struct cm_graph *g, const struct cm_nodes *nodes, bool mean)
{
	memset(g, 0, sizeof(*g));
	g->nodes = nodes;
	size_t n = nodes->count ? nodes->count : 1;
	g->flat = calloc(n, sizeof(int64_t));
	g->cum = calloc(n, sizeof(int64_t));
	g->last_sample = malloc(n * sizeof(size_t));
	g->members = malloc(n * sizeof(uint32_t));
	if (mean) {
		g->flat_div = calloc(n, sizeof(int64_t));
		g->cum_div = calloc(n, sizeof(int64_t));
		if (!g->flat_div || !g->cum_div)
			goto fail;
	}
	if (!g->flat || !g->cum || !g->last_sample || !g->members)
		goto fail;
	memset(g->last_sample, 0xff, n * sizeof(size_t));
	return 0;
fail:
	cm_graph_free(g);
	return -1;
}

/* cm_graph_add_samples, inlined three times: once as it is, once for a
 * plain report (-top's first pass: no kept set, edges, mean or visitor),
 * where the branches on them go and the loop is about a third shorter,
 * and once after cm_graph_edges_only (lp: its locations), where the sums
 * go and a location none of whose kept nodes takes an edge is one step
 * (its innermost kept node the next parent). */
static inline __attribute__((always_inline)) int
add_samples(struct cm_graph *g, const struct cm_profile *p, size_t from, size_t to, size_t vi,
	    const bool *kept, bool with_edges, bool mean, const struct cm_graph_visit *visit,
	    const struct cm_loc_pass *lp)
{
	const struct cm_nodes *nodes = g->nodes;
	if (to > p->nsamples)
		to = p->nsamples;
	for (size_t si = from; si < to; si++) {
		const struct cm_sample *s = &p->samples[si];
		int64_t w = s->values[vi];
		int64_t dw = mean ? s->values[0] : 0;
		if (w == 0 && dw == 0)
			continue;
		uint32_t parent = UINT32_MAX;
		bool residual = false;
		struct cm_locs_cursor c = cm_locs_from_root(s);
		for (uint32_t i = s->nlocs; i-- > 0;) {
			uint32_t loc = cm_locs_next(&c);
			if (lp && !lp[loc].edges) {
				if (lp[loc].last != UINT32_MAX)
					parent = lp[loc].last;
				residual = lp[loc].residual;
				continue;
			}
			const uint32_t *ln = nodes->loc_nodes + nodes->loc_first[loc];
			uint32_t cnt = nodes->loc_count[loc];
			for (uint32_t k = cnt; k-- > 0;) {
				uint32_t id = ln[k];
				if (kept && !kept[id]) {
					residual = true;
					continue;
				}
				if (!lp && g->last_sample[id] != si) {
					g->last_sample[id] = si;
					g->cum[id] = cm_add64(g->cum[id], w);
					if (mean)
						g->cum_div[id] = cm_add64(g->cum_div[id], dw);
					if (visit && visit->node(visit->ctx, si, id, false) < 0)
						goto fail;
				}
				if (with_edges && parent != UINT32_MAX && id != parent &&
				    (!g->edges_into || g->edges_into[id]) &&
				    add_edge(g, parent, id, w, dw, k != cnt - 1, residual, si) < 0)
					goto fail;
				parent = id;
				residual = false;
			}
		}
		if (!lp && parent != UINT32_MAX && !residual) {
			g->flat[parent] = cm_add64(g->flat[parent], w);
			if (mean)
				g->flat_div[parent] = cm_add64(g->flat_div[parent], dw);
			if (visit && visit->node(visit->ctx, si, parent, true) < 0)
				goto fail;
		}
	}
	return 0;
fail:
	cm_graph_free(g);
	return -1;
}

struct cm_loc_pass *cm_loc_pass_make(const struct cm_nodes *n, size_t nlocations, const bool *kept,
				     const bool *edges_into)
{
	struct cm_loc_pass *lp = malloc((nlocations ? nlocations : 1) * sizeof(*lp));
	if (!lp)
		return NULL;
	for (size_t l = 0; l < nlocations; l++) {
		const uint32_t *ln = n->loc_nodes + n->loc_first[l];
		struct cm_loc_pass x = {.last = UINT32_MAX};
		for (uint32_t k = n->loc_count[l]; k-- > 0;) { /* in the walk's order */
			uint32_t id = ln[k];
			if (kept && !kept[id]) {
				x.residual = true;
				continue;
			}
			x.last = id;
			x.residual = false;
			x.edges |= !edges_into || edges_into[id];
		}
		lp[l] = x;
	}
	return lp;
}

void cm_graph_edges_only(struct cm_graph *g, const bool *kept, const struct cm_loc_pass *loc_pass)
{
	for (uint32_t id = 0; kept && id < g->nodes->count; id++) {
		if (kept[id])
			continue;
		g->flat[id] = g->cum[id] = 0;
		if (g->flat_div)
			g->flat_div[id] = g->cum_div[id] = 0;
	}
	g->edges_only = loc_pass;
}

int cm_graph_add_samples(struct cm_graph *g, const struct cm_profile *p, size_t from, size_t to,
			 size_t vi, const bool *kept, bool with_edges, bool mean,
			 const struct cm_graph_visit *visit)
{
	if (g->edges_only)
		return add_samples(g, p, from, to, vi, kept, true, mean, NULL, g->edges_only);
	if (!kept && !with_edges && !mean && !visit)
		return add_samples(g, p, from, to, vi, NULL, false, false, NULL, NULL);
	return add_samples(g, p, from, to, vi, kept, with_edges, mean, visit, NULL);
}

bool *cm_nodes_inner(const struct cm_nodes *n, size_t nlocations)
{
	bool *inner = calloc((size_t)n->count + 1, sizeof(bool));
	if (!inner)
		return NULL;
	for (size_t l = 0; l < nlocations; l++) {
		const uint32_t *ln = n->loc_nodes + n->loc_first[l];
		for (uint32_t k = 0; k + 1 < n->loc_count[l]; k++)
			inner[ln[k]] = true;
	}
	return inner;
}

void cm_graph_end(struct cm_graph *g)
{
	g->nmembers = 0;
	for (uint32_t id = 0; id < g->nodes->count; id++)
		if (g->flat[id] || g->cum[id])
			g->members[g->nmembers++] = id;
}

/* ---- a batch build on two threads ---- */

/* What summing a sample costs, about, in units of a skipped sample: 4 a
 * location when the sample counts. On bench/speed.sh's profiles a
 * location takes ~9 ns, a skipped sample ~1-2 ns; 4 balanced the two
 * threads' CPU times best on the mid profile (of 1, 2, 4, 8, 16). */
enum { LOC_WORK = 4 };

/* Below this much work (in those units, about 4000 samples of 31
 * locations: ~0.9 ms on one thread) a second thread does not pay for its
 * start and the merge: bench/graph_split.sh saw the split break even at
 * ~2000 such samples, 0.4 ms, on this project's 2-CPU virtual machine. */
enum { SPLIT_MIN_WORK = 4000 * 32 * LOC_WORK };

/* Every STRIDE-th sample is looked at to estimate the work: ~1% of a pass. */
enum { STRIDE = 16 };

static uint64_t sample_work(const struct cm_sample *s, size_t vi, bool mean)
{
	bool counts = s->values[vi] != 0 || (mean && s->values[0] != 0);
	return counts ? LOC_WORK * ((uint64_t)s->nlocs + 1) : 1;
}

/* The work of [from, to), of every STRIDE-th sample. */
static uint64_t strided_work(const struct cm_profile *p, size_t from, size_t to, size_t vi,
			     bool mean)
{
	uint64_t sum = 0;
	for (size_t i = from; i < to; i += STRIDE)
		sum += sample_work(&p->samples[i], vi, mean);
	return sum;
}

/* The sample that cuts [from, to), of strided work total, into two halves
 * of about the same work. Half the samples can be far from half the work:
 * most samples of a heap profile are older allocations whose in-use
 * values are 0, skipped (of the 126k samples of bench/speed.sh's mid
 * profile, the first 12k hold half the work). The cut only balances: any
 * cut gives the same result. */
static size_t balanced_cut(const struct cm_profile *p, size_t from, size_t to, size_t vi,
			   bool mean, uint64_t total)
{
	uint64_t sum = 0;
	for (size_t i = from; i < to; i += STRIDE) {
		sum += sample_work(&p->samples[i], vi, mean);
		if (sum * 2 >= total)
			return i + 1;
	}
	return to;
}

/* The second half of a split build: the worker sums [from, to) into its
 * own graph g (over the caller's node table), reading p, its nodes and
 * kept, which nobody writes meanwhile. */
struct half {
	struct cm_graph g;
	const struct cm_profile *p;
	size_t from, to, vi;
	const bool *kept;
	bool with_edges, mean;
	int rc;
	atomic_bool claimed; /* by the worker when it starts, else by the
			      * caller done with its part (a busy machine
			      * gave the worker no CPU): it sums this one too */
};

static void *half_worker(void *arg)
{
	struct half *h = arg;
	if (atomic_exchange(&h->claimed, true))
		return NULL;
	h->rc = cm_graph_add_samples(&h->g, h->p, h->from, h->to, h->vi, h->kept, h->with_edges,
				     h->mean, NULL);
	return NULL;
}

/* Adds the edges of h, whose samples follow g's, to g. add_edge does
 * what a single pass would have done: an edge g has takes h's weights,
 * flags (inline only if both are, residual if either is) and last
 * sample (never one of g's: no sample is counted twice); one g lacks is
 * appended, in h's order, the order in which a single pass meets it. */
static int merge_edges(struct cm_graph *g, const struct cm_graph *h)
{
	for (size_t i = 0; i < h->nedges; i++) {
		const struct cm_edge *e = &h->edges[i];
		if (add_edge(g, e->src, e->dst, e->weight, e->weight_div, e->inline_call,
			     e->residual, e->last_sample) < 0)
			return -1;
	}
	return 0;
}

/* g += h, h holding the samples after g's. cm_add64 wraps as Go's int64
 * does (it does not saturate): sums modulo 2^64 do not depend on the
 * order, so g's first half plus h's second equals the single pass's sums
 * bit for bit, even when they overflow. The last_sample marks become h's
 * where h saw the node. */
static int merge_half(struct cm_graph *g, const struct cm_graph *h)
{
	for (uint32_t id = 0; id < g->nodes->count; id++) {
		g->flat[id] = cm_add64(g->flat[id], h->flat[id]);
		g->cum[id] = cm_add64(g->cum[id], h->cum[id]);
		if (h->last_sample[id] != SIZE_MAX)
			g->last_sample[id] = h->last_sample[id];
	}
	if (g->flat_div)
		for (uint32_t id = 0; id < g->nodes->count; id++) {
			g->flat_div[id] = cm_add64(g->flat_div[id], h->flat_div[id]);
			g->cum_div[id] = cm_add64(g->cum_div[id], h->cum_div[id]);
		}
	return merge_edges(g, h);
}

/* Where [from, to) splits, or to when it stays on one thread (threads as
 * cm_graph_add_batch's). */
static size_t split_at(const struct cm_profile *p, size_t from, size_t to, size_t vi, bool mean,
		       int threads)
{
	if (threads == 1 || from >= to || (threads == 0 && cm_inflate_pipe_cpus() < 2))
		return to;
	uint64_t work = strided_work(p, from, to, vi, mean);
	if (threads == 0 && work < SPLIT_MIN_WORK / STRIDE)
		return to;
	return balanced_cut(p, from, to, vi, mean, work);
}

int cm_graph_add_batch(struct cm_graph *g, const struct cm_profile *p, size_t from, size_t to,
		       size_t vi, const bool *kept, bool with_edges, bool mean, int threads)
{
	if (to > p->nsamples)
		to = p->nsamples;
	size_t mid = split_at(p, from, to, vi, mean, threads);
	struct half h = {.p = p, .from = mid, .to = to, .vi = vi, .kept = kept,
		.with_edges = with_edges, .mean = mean};
	pthread_t thread;
	if (mid >= to || cm_graph_begin(&h.g, g->nodes, mean) < 0)
		return cm_graph_add_samples(g, p, from, to, vi, kept, with_edges, mean, NULL);
	h.g.edges_into = g->edges_into;
	h.g.edges_only = g->edges_only; /* its sums stay zero: the merge adds nothing */
	if (pthread_create(&thread, NULL, half_worker, &h) != 0) {
		cm_graph_free(&h.g);
		return cm_graph_add_samples(g, p, from, to, vi, kept, with_edges, mean, NULL);
	}
	int rc = cm_graph_add_samples(g, p, from, mid, vi, kept, with_edges, mean, NULL);
	bool mine = rc == 0 && !atomic_exchange(&h.claimed, true);
	if (mine)
		rc = cm_graph_add_samples(g, p, mid, to, vi, kept, with_edges, mean, NULL);
	pthread_join(thread, NULL);
	if (rc == 0 && !mine && (h.rc < 0 || merge_half(g, &h.g) < 0)) {
		cm_graph_free(g);
		rc = -1;
	}
	cm_graph_free(&h.g);
	return rc;
}

int cm_graph_build_visit(struct cm_graph *g, const struct cm_profile *p,
			 const struct cm_nodes *nodes, size_t vi, const bool *kept,
			 bool with_edges, bool mean, const struct cm_graph_visit *visit)
{
	if (cm_graph_begin(g, nodes, mean) < 0)
		return -1;
	int rc = visit ? cm_graph_add_samples(g, p, 0, p->nsamples, vi, kept, with_edges, mean, visit)
		       : cm_graph_add_batch(g, p, 0, p->nsamples, vi, kept, with_edges, mean, 0);
	if (rc < 0)
		return -1;
	cm_graph_end(g);
	return 0;
}

void cm_graph_free(struct cm_graph *g)
{
	free(g->flat);
	free(g->cum);
	free(g->flat_div);
	free(g->cum_div);
	free(g->last_sample);
	free(g->members);
	free(g->edges);
	free(g->edge_slots);
	memset(g, 0, sizeof(*g));
}

void cm_graph_drop_negative(struct cm_graph *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->nmembers; i++) {
		uint32_t id = g->members[i];
		bool negative = g->flat[id] < 0 || (g->flat[id] == 0 && g->cum[id] < 0);
		if (!negative)
			g->members[n++] = id;
	}
	g->nmembers = n;
}

int64_t cm_graph_flat_sum(const struct cm_graph *g)
{
	int64_t sum = 0;
	for (size_t i = 0; i < g->nmembers; i++)
		sum = cm_add64(sum, g->flat[g->members[i]]);
	return sum;
}

struct sort_ctx {
	const struct cm_graph *g;
	enum cm_node_order order;
};

static int node_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct sort_ctx *c = ctx;
	const struct cm_graph *g = c->g;
	int64_t fa = cm_abs64(g->flat[a]), fb = cm_abs64(g->flat[b]);
	int64_t ca = cm_abs64(g->cum[a]), cb = cm_abs64(g->cum[b]);
	int64_t ka = c->order == CM_ORDER_CUM ? ca : fa, kb = c->order == CM_ORDER_CUM ? cb : fb;
	if (ka != kb)
		return ka > kb ? -1 : 1;
	int r = strcmp(g->nodes->printable[a], g->nodes->printable[b]);
	if (r)
		return r;
	int64_t la = c->order == CM_ORDER_CUM ? fa : ca, lb = c->order == CM_ORDER_CUM ? fb : cb;
	if (la != lb)
		return la > lb ? -1 : 1;
	return cm_node_info_cmp(&g->nodes->info[a], &g->nodes->info[b]);
}

void cm_sort_ids(uint32_t *ids, uint32_t *tmp, size_t n,
		 int (*cmp)(const void *ctx, uint32_t a, uint32_t b), const void *ctx)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	cm_sort_ids(ids, tmp, h, cmp, ctx);
	cm_sort_ids(ids + h, tmp, n - h, cmp, ctx);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp(ctx, ids[j], ids[i]) < 0 ? ids[j++] : ids[i++];
	while (i < h)
		tmp[k++] = ids[i++];
	while (j < n)
		tmp[k++] = ids[j++];
	memcpy(ids, tmp, n * sizeof(*ids));
}

int cm_graph_sort(struct cm_graph *g, enum cm_node_order order)
{
	uint32_t *tmp = malloc((g->nmembers + 1) * sizeof(*tmp));
	if (!tmp)
		return -1;
	struct sort_ctx c = {g, order};
	cm_sort_ids(g->members, tmp, g->nmembers, node_cmp, &c);
	free(tmp);
	return 0;
}

size_t cm_graph_trim_edges(struct cm_graph *g, int64_t cutoff)
{
	size_t dropped = 0;
	for (size_t e = 0; e < g->nedges; e++) {
		if (!g->edges[e].removed && cm_abs64(g->edges[e].weight) < cutoff) {
			g->edges[e].removed = true;
			dropped++;
		}
	}
	return dropped;
}

int cm_graph_inline_labels(const struct cm_graph *g, const char **labels)
{
	unsigned char *kind = calloc(g->nodes->count + 1, 1); /* 1 inline, 2 not */
	for (uint32_t i = 0; i < g->nodes->count; i++)
		labels[i] = "";
	if (!kind)
		return -1;
	for (size_t e = 0; e < g->nedges; e++) {
		const struct cm_edge *ed = &g->edges[e];
		if (!ed->removed)
			kind[ed->dst] |= ed->inline_call ? 1 : 2;
	}
	for (uint32_t i = 0; i < g->nodes->count; i++)
		if (kind[i] & 1)
			labels[i] = (kind[i] & 2) ? "(partial-inline)" : "(inline)";
	free(kind);
	return 0;
}

/* ---- edges per node (peek) ---- */

/* edgeList.Less: |weight| descending, then source name, then target name. */
static int edge_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_graph *g = ctx;
	const struct cm_edge *x = &g->edges[a], *y = &g->edges[b];
	int64_t wx = cm_abs64(x->weight), wy = cm_abs64(y->weight);
	if (wx != wy)
		return wx > wy ? -1 : 1;
	const char *const *pn = g->nodes->printable;
	int c = strcmp(pn[x->src], pn[y->src]);
	if (c)
		return c;
	return strcmp(pn[x->dst], pn[y->dst]);
}

int cm_adjacency_build(const struct cm_graph *g, struct cm_adjacency *a)
{
	uint32_t n = g->nodes->count;
	a->first_in = calloc((size_t)n + 2, sizeof(uint32_t));
	a->first_out = calloc((size_t)n + 2, sizeof(uint32_t));
	a->in = malloc((g->nedges + 1) * sizeof(uint32_t));
	a->out = malloc((g->nedges + 1) * sizeof(uint32_t));
	uint32_t *cur_in = calloc((size_t)n + 1, sizeof(uint32_t));
	uint32_t *cur_out = calloc((size_t)n + 1, sizeof(uint32_t));
	int rc = -1;
	if (!a->first_in || !a->first_out || !a->in || !a->out || !cur_in || !cur_out ||
	    g->nedges >= UINT32_MAX)
		goto done;
	for (size_t e = 0; e < g->nedges; e++) {
		if (g->edges[e].removed)
			continue;
		a->first_in[g->edges[e].dst + 1]++;
		a->first_out[g->edges[e].src + 1]++;
	}
	for (uint32_t i = 0; i < n; i++) {
		a->first_in[i + 1] += a->first_in[i];
		a->first_out[i + 1] += a->first_out[i];
	}
	for (size_t e = 0; e < g->nedges; e++) {
		const struct cm_edge *ed = &g->edges[e];
		if (ed->removed)
			continue;
		a->in[a->first_in[ed->dst] + cur_in[ed->dst]++] = (uint32_t)e;
		a->out[a->first_out[ed->src] + cur_out[ed->src]++] = (uint32_t)e;
	}
	rc = 0;
done:
	free(cur_in);
	free(cur_out);
	return rc;
}

void cm_adjacency_free(struct cm_adjacency *a)
{
	free(a->first_in);
	free(a->first_out);
	free(a->in);
	free(a->out);
}

void cm_edges_sort(const struct cm_graph *g, uint32_t *ids, uint32_t *tmp, size_t n)
{
	cm_sort_ids(ids, tmp, n, edge_cmp, g);
}
