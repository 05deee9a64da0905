/* test_graph: the graph's aggregation split over two threads
 * (cm_graph_add_batch, issue 15) gives what one thread gives, field for
 * field: every node's flat, cum, divisors and last_sample mark, the
 * members, every edge in the same order. On a committed heap profile
 * whose samples are repeated until the split is worth it (133k samples,
 * as bench/speed.sh's mid profile), under every sample type, -mean, kept
 * nodes, no edges, a range begun on one thread and ended on two, values
 * whose sums wrap, and -top's whole build (cm_top_begin/step); and on a
 * hand-made profile whose one edge is inlined in the first half only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/report.h"
#include "read_all.h"

static struct cm_profile *load(const char *name)
{
	char path[512], err[256];
	snprintf(path, sizeof(path), "%s/%s", CM_TEST_DATA_DIR, name);
	size_t len;
	unsigned char *data = read_all(path, &len);
	struct cm_profile *p = data ? cm_profile_decode(data, len, NULL, err, sizeof(err)) : NULL;
	free(data);
	if (!p)
		fprintf(stderr, "%s: %s\n", path, data ? err : "cannot read");
	return p;
}

/* p's samples repeated times times, each with its own stack (preparing
 * a report rewrites stacks in place), values shared as the decoder
 * shares them. */
static int repeat_samples(struct cm_profile *p, size_t times)
{
	size_t n = p->nsamples;
	struct cm_sample *s = cm_arena_array(&p->arena, n * times, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < n * times; i++) {
		s[i] = p->samples[i % n];
		size_t size = (size_t)s[i].nlocs * (s[i].locs_wide ? 4 : 2);
		if (!(s[i].locs = cm_arena_alloc(&p->arena, size ? size : 1)))
			return -1;
		memcpy(s[i].locs, p->samples[i % n].locs, size);
	}
	p->samples = s;
	p->nsamples = n * times;
	return 0;
}

static void same_edges(const struct cm_graph *a, const struct cm_graph *b, const char *what)
{
	CHECK_MSG(a->nedges == b->nedges, "%s: %zu edges, %zu", what, a->nedges, b->nedges);
	size_t bad = 0;
	for (size_t e = 0; e < a->nedges && e < b->nedges; e++) {
		const struct cm_edge *x = &a->edges[e], *y = &b->edges[e];
		bad += x->src != y->src || x->dst != y->dst || x->weight != y->weight ||
		       x->weight_div != y->weight_div || x->inline_call != y->inline_call ||
		       x->residual != y->residual || x->removed != y->removed ||
		       x->last_sample != y->last_sample;
	}
	CHECK_MSG(bad == 0, "%s: %zu edges differ", what, bad);
}

/* a and b (over the same nodes) agree in every field a build writes. */
static void same_graph(const struct cm_graph *a, const struct cm_graph *b, const char *what)
{
	size_t bad = 0;
	for (uint32_t id = 0; id < a->nodes->count; id++) {
		bad += a->flat[id] != b->flat[id] || a->cum[id] != b->cum[id] ||
		       a->last_sample[id] != b->last_sample[id];
		if (a->flat_div || b->flat_div)
			bad += !a->flat_div || !b->flat_div || a->flat_div[id] != b->flat_div[id] ||
			       a->cum_div[id] != b->cum_div[id];
	}
	CHECK_MSG(bad == 0, "%s: %zu of %u nodes differ", what, bad, a->nodes->count);
	CHECK_MSG(a->nmembers == b->nmembers &&
			  !memcmp(a->members, b->members, a->nmembers * sizeof(*a->members)),
		  "%s: members differ", what);
	same_edges(a, b, what);
}

struct build {
	size_t vi, cut; /* samples [0, cut) summed first, on one thread */
	const bool *kept;
	bool with_edges, mean;
};

/* The graph of every sample of p under c, the samples from c->cut on
 * summed with threads (as cm_graph_add_batch's). */
static int build(struct cm_graph *g, const struct cm_profile *p, const struct cm_nodes *nodes,
		 const struct build *c, int threads)
{
	if (cm_graph_begin(g, nodes, c->mean) < 0 ||
	    cm_graph_add_samples(g, p, 0, c->cut, c->vi, c->kept, c->with_edges, c->mean,
				 NULL) < 0 ||
	    cm_graph_add_batch(g, p, c->cut, SIZE_MAX, c->vi, c->kept, c->with_edges, c->mean,
			       threads) < 0)
		return -1;
	cm_graph_end(g);
	return 0;
}

static void both_ways(const struct cm_profile *p, const struct cm_nodes *nodes,
		      const struct build *c, const char *what)
{
	struct cm_graph one, two;
	if (build(&one, p, nodes, c, 1) < 0 || build(&two, p, nodes, c, 2) < 0) {
		CHECK_MSG(0, "%s: out of memory", what);
		return;
	}
	CHECK_MSG(one.nmembers > 0, "%s: no members", what);
	same_graph(&one, &two, what);
	cm_graph_free(&one);
	cm_graph_free(&two);
}

/* Every sample type, with and without -mean, edges, kept nodes, a range
 * begun on one thread. */
static void test_cases(const struct cm_profile *p, const char *name)
{
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {0};
	if (cm_nodes_build(&nodes, p, &no) < 0) {
		CHECK_MSG(0, "%s: nodes", name);
		return;
	}
	bool *kept = calloc(nodes.count, sizeof(bool));
	for (uint32_t id = 0; kept && id < nodes.count; id++)
		kept[id] = id % 3 != 0; /* residual edges over the others */
	char what[256];
	for (size_t vi = 0; vi < p->nsample_types; vi++) {
		for (int k = 0; k < 8; k++) {
			struct build c = {.vi = vi, .mean = k & 1, .with_edges = !(k & 2),
				.kept = k & 4 ? kept : NULL};
			snprintf(what, sizeof(what), "%s vi %zu mean %d edges %d kept %d", name, vi,
				 c.mean, c.with_edges, !!c.kept);
			both_ways(p, &nodes, &c, what);
		}
		struct build c = {.vi = vi, .with_edges = true, .cut = p->nsamples / 3};
		snprintf(what, sizeof(what), "%s vi %zu from %zu", name, vi, c.cut);
		both_ways(p, &nodes, &c, what);
	}
	/* ranges of 0, 1 and 2 samples */
	for (size_t n = 0; n < 3; n++) {
		struct build c = {.vi = 0, .with_edges = true, .cut = p->nsamples - n};
		snprintf(what, sizeof(what), "%s last %zu", name, n);
		struct cm_graph one, two;
		if (build(&one, p, &nodes, &c, 1) == 0 && build(&two, p, &nodes, &c, 2) == 0) {
			same_graph(&one, &two, what);
			cm_graph_free(&one);
			cm_graph_free(&two);
		}
	}
	free(kept);
	cm_nodes_free(&nodes);
}

/* Values whose sums wrap (Go's int64): the order of a wrapping sum does
 * not matter, so the halves' merge is still exact. */
static void test_wrapping(struct cm_profile *p)
{
	if (cm_profile_own_values(p) < 0) {
		CHECK_MSG(0, "own values");
		return;
	}
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < p->nsamples; i++)
		for (size_t v = 0; v < p->nsample_types; v++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p->samples[i].values[v] = (int64_t)(x >> 1) - INT64_MAX / 2;
		}
	test_cases(p, "wrapping");
}

/* f calls g: inlined in the first 3/4 of the samples (one location, g's
 * line inside f's), a real call in the rest (two locations): the edge
 * f -> g is inline in the first half only, not once merged. */
static void test_inline_edge(void)
{
	struct cm_profile *p = cm_profile_new();
	struct cm_arena *a = &p->arena;
	enum { N = 64 };
	p->sample_types = cm_arena_array(a, 1, sizeof(*p->sample_types));
	p->functions = cm_arena_array(a, 2, sizeof(*p->functions));
	struct cm_line *l = cm_arena_array(a, 4, sizeof(*l));
	p->locations = cm_arena_array(a, 3, sizeof(*p->locations));
	p->samples = cm_arena_array(a, N, sizeof(*p->samples));
	uint16_t *inl = cm_arena_array(a, 1, sizeof(uint16_t));
	uint16_t *call = cm_arena_array(a, 2, sizeof(uint16_t));
	int64_t *w = cm_arena_array(a, 1, sizeof(*w));
	if (!p->sample_types || !p->functions || !l || !p->locations || !p->samples || !inl ||
	    !call || !w) {
		CHECK_MSG(0, "out of memory");
		cm_profile_free(p);
		return;
	}
	p->sample_types[0] = (struct cm_value_type){"samples", "count"};
	p->nsample_types = 1;
	p->functions[0] = (struct cm_function){1, "f", "f", "f.go", 0};
	p->functions[1] = (struct cm_function){2, "g", "g", "g.go", 0};
	p->nfunctions = 2;
	l[0] = (struct cm_line){0, 3};                 /* f */
	l[1] = (struct cm_line){1, 2};                 /* g inlined into... */
	l[2] = (struct cm_line){0, 3};                 /* ...f */
	l[3] = (struct cm_line){1, 2};                 /* g */
	p->locations[0] = (struct cm_location){1, CM_NONE, 1, 0, &l[0], false};
	p->locations[1] = (struct cm_location){2, CM_NONE, 2, 0, &l[1], false};
	p->locations[2] = (struct cm_location){3, CM_NONE, 1, 0, &l[3], false};
	p->nlocations = 3;
	inl[0] = 1;
	call[0] = 2, call[1] = 0;
	*w = 1;
	for (size_t i = 0; i < N; i++)
		p->samples[i] = i < N * 3 / 4 ? (struct cm_sample){.locs = inl, .nlocs = 1, .values = w}
					      : (struct cm_sample){.locs = call, .nlocs = 2, .values = w};
	p->nsamples = N;
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {0};
	if (cm_nodes_build(&nodes, p, &no) < 0) {
		CHECK_MSG(0, "out of memory");
		cm_profile_free(p);
		return;
	}
	CHECK(nodes.count == 2);
	struct build c = {.with_edges = true};
	struct cm_graph one, two;
	if (build(&one, p, &nodes, &c, 1) == 0 && build(&two, p, &nodes, &c, 2) == 0) {
		CHECK(one.nedges == 1 && !one.edges[0].inline_call && one.edges[0].weight == N);
		same_graph(&one, &two, "inline edge");
		cm_graph_free(&one);
		cm_graph_free(&two);
	}
	cm_nodes_free(&nodes);
	cm_profile_free(p);
}

/* -top's whole build, one thread against two (both passes: the node
 * fraction cuts here). */
static void test_top(struct cm_profile *p)
{
	struct cm_report_opts o;
	cm_report_opts_init(&o);
	struct cm_report r;
	char err[256];
	if (cm_report_prepare(&r, p, &o, err, sizeof(err)) < 0) {
		CHECK_MSG(0, "prepare: %s", err);
		return;
	}
	struct cm_top t[2];
	for (int i = 0; i < 2; i++) {
		struct cm_top_builder b;
		int rc = cm_top_begin(&b, &r, &t[i]);
		b.threads = i + 1;
		while (rc == 0)
			rc = cm_top_step(&b, SIZE_MAX);
		CHECK_MSG(rc == 1, "top build %d threads", i + 1);
		if (rc != 1)
			return;
	}
	CHECK(t[0].dropped_nodes > 0);
	CHECK(t[0].dropped_nodes == t[1].dropped_nodes && t[0].orig_count == t[1].orig_count);
	same_graph(&t[0].g, &t[1].g, "top");
	size_t labels = 0;
	for (uint32_t id = 0; id < t[0].nodes.count; id++)
		labels += strcmp(t[0].labels[id], t[1].labels[id]) != 0;
	CHECK_MSG(labels == 0, "top: %zu inline labels differ", labels);
	cm_top_free(&t[0]);
	cm_top_free(&t[1]);
}

int main(void)
{
	struct cm_profile *p = load("allocs.pb.gz");
	if (!p)
		return 1;
	test_inline_edge();
	test_cases(p, "allocs");
	if (repeat_samples(p, 32) < 0)
		return 1;
	test_cases(p, "allocs x32");
	test_top(p);
	test_wrapping(p);
	cm_profile_free(p);
	return check_status("test_graph");
}
