/* bench/flame_layout.c: what the viewer's flame graph costs on a big
 * profile: loading it (the viewer's own load: decode, prepare, -top), the
 * first F (the stack tree built, then laid out), and then each layout
 * alone (what every redraw does) at a few widths, zoomed and not, and the
 * call tree's first rows. Prints milliseconds (the best of RUNS); it never
 * passes or fails on them. Built and run by bench/flame_layout.sh. */

#include <stdio.h>
#include <stdlib.h>

#include "cmon/profile/profile.h"
#include "cmon/viewer/viewer.h"

#include "bench_util.h"

int main(int argc, char **argv)
{
	int runs;
	size_t len;
	unsigned char *data = bench_args(argc, argv, "flame_layout", &runs, &len);
	if (!data)
		return 2;
	char err[512];
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.goroot = o.gomodcache = "";
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	double t0 = now_ms();
	if (!v || cm_viewer_load(v, data, len, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "load: %s\n", err);
		return 1;
	}
	double t1 = now_ms();
	cm_viewer_flame(v, 0);
	cm_viewer_flame_layout(v, 120);
	double t2 = now_ms();
	struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED, .drop_labels = true};
	struct cm_profile *p = cm_profile_decode(data, len, &lim, err, sizeof(err));
	printf("profile: %s (%zu bytes, %zu samples)\n", argv[1], len, p ? p->nsamples : 0);
	cm_profile_free(p);
	printf("load (decode, prepare, -top):        %8.1f ms\n", t1 - t0);
	printf("first F (stack tree + layout 120):   %8.1f ms\n", t2 - t1);
	static const int widths[] = {80, 120, 200, 400};
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		double best = 1e18;
		for (int r = 0; r < runs; r++) {
			double a = now_ms();
			cm_viewer_flame_layout(v, widths[i]);
			double b = now_ms() - a;
			best = b < best ? b : best;
		}
		printf("layout at width %3d (%6zu boxes, %4d rows): %6.2f ms\n", widths[i],
		       cm_viewer_flame_count(v), cm_viewer_flame_rows(v), best);
	}
	/* zoomed into the heaviest frame of row 1 */
	cm_viewer_flame_layout(v, 120);
	cm_viewer_flame_move(v, CM_DIR_CHILD, 0);
	cm_viewer_flame_zoom(v, 0);
	double best = 1e18;
	for (int r = 0; r < runs; r++) {
		double a = now_ms();
		cm_viewer_flame_layout(v, 120);
		double b = now_ms() - a;
		best = b < best ? b : best;
	}
	printf("layout zoomed, width 120:            %8.2f ms\n", best);
	double a = now_ms();
	cm_viewer_flame_search(v, "^main\\.", err, sizeof(err));
	printf("search ^main\\. (match + share):      %8.2f ms\n", now_ms() - a);
	a = now_ms();
	cm_viewer_calltree(v, 0);
	printf("first C (call tree rows):            %8.2f ms\n", now_ms() - a);
	cm_viewer_free(v);
	free(data);
	return 0;
}
