/* bench/graph_split.c: the -top graph's aggregation (cm_graph_add_batch)
 * on one thread and split over two, on the first N samples of a profile
 * for growing N: where the second thread starts to pay (graph.c's
 * SPLIT_MIN_WORK), and what it gains on the whole profile. Prints
 * milliseconds (best of RUNS) and the ratio; it never passes or fails on
 * them. Built and run by bench/graph_split.sh. */

#include <stdio.h>
#include <stdlib.h>

#include "cmon/profile/graph.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/report.h"

#include "bench_util.h"

struct build {
	const struct cm_report *r;
	const struct cm_nodes *nodes;
	size_t n;
	int threads;
};

/* One build of the first n samples' graph (with its edges, as -top's) on
 * threads (1 or 2): its milliseconds. */
static double build_once(void *ctx)
{
	const struct build *b = ctx;
	struct cm_graph g;
	double a = now_ms();
	if (cm_graph_begin(&g, b->nodes, false) < 0 ||
	    cm_graph_add_batch(&g, b->r->p, 0, b->n, b->r->vi, NULL, true, false, b->threads) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	cm_graph_end(&g);
	double t = now_ms() - a;
	cm_graph_free(&g);
	return t;
}

int main(int argc, char **argv)
{
	int runs;
	size_t len;
	unsigned char *data = bench_args(argc, argv, "graph_split", &runs, &len);
	if (!data)
		return 2;
	char err[512];
	struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED, .drop_labels = true};
	struct cm_profile *p = cm_profile_decode(data, len, &lim, err, sizeof(err));
	struct cm_report_opts o;
	cm_report_opts_init(&o);
	struct cm_report r;
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {0};
	if (!p || cm_report_prepare(&r, p, &o, err, sizeof(err)) < 0 ||
	    cm_nodes_build(&nodes, p, &no) < 0) {
		fprintf(stderr, "%s: cannot load\n", argv[1]);
		return 1;
	}
	printf("profile: %s (%zu samples, %u nodes)\n", argv[1], p->nsamples, nodes.count);
	printf("  samples   1 thread  2 threads   2/1\n");
	for (size_t n = 1000;; n *= 2) {
		if (n > p->nsamples)
			n = p->nsamples;
		double one = best_ms(build_once, &(struct build){&r, &nodes, n, 1}, runs);
		double two = best_ms(build_once, &(struct build){&r, &nodes, n, 2}, runs);
		printf("%9zu %8.3f ms %8.3f ms %5.2f\n", n, one, two, two / one);
		if (n == p->nsamples)
			break;
	}
	cm_nodes_free(&nodes);
	cm_profile_free(p);
	free(data);
	return 0;
}
