/* bench/expvar_parse.c: what reading one /debug/vars body costs the
 * monitor: ns per poll, and malloc calls and bytes per poll, for real
 * bodies (tests/data/vars). A poll is cm_monitor_vars_result on one
 * service watching expvarmon's six default vars: parse, restart check,
 * every var read. That is the monitor's public API, unchanged by how the
 * body is parsed, so the same driver measures any revision
 * (bench/expvar_parse.sh REV builds it against one).
 *
 * Prints figures; never passes or fails on them.
 *
 * usage: expvar_parse [-n POLLS] BODY.json...
 *
 * malloc and friends are interposed (glibc lets an executable do that) to
 * count calls; so this is not built with a sanitizer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmon/monitor/monitor.h"

#include "count_alloc.h"

#define EXPVARMON_VARS                                                                   \
	"mem:memstats.Alloc,mem:memstats.Sys,mem:memstats.HeapAlloc,"                    \
	"mem:memstats.HeapInuse,duration:memstats.PauseNs,duration:memstats.PauseTotalNs"

static int make_monitor(struct cm_monitor *m)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	char err[256];
	if (cm_targets_parse("127.0.0.1:1", &t, err, sizeof err) ||
	    cm_vars_parse(EXPVARMON_VARS, &v, err, sizeof err)) {
		fprintf(stderr, "expvar_parse: %s\n", err);
		return -1;
	}
	return cm_monitor_init(m, &t, &v, "/debug/vars");
}

/* polls polls of one body; prints one row. */
static int bench_body(const char *path, long polls)
{
	size_t len;
	char *body = read_file(path, &len);
	if (!body) {
		perror(path);
		return -1;
	}
	struct cm_monitor m;
	if (make_monitor(&m)) {
		free(body);
		return -1;
	}
	/* Warm up: the first polls size the history rings and any buffers. */
	for (int i = 0; i < 100; i++)
		cm_monitor_vars_result(&m, 0, body, len, NULL, 1000 + i);
	if (m.svc[0].state != CM_SVC_UP)
		fprintf(stderr, "expvar_parse: %s: %s\n", path, m.svc[0].error);
	unsigned long long calls0 = alloc_calls, bytes0 = alloc_bytes;
	double t0 = now_ns();
	for (long i = 0; i < polls; i++)
		cm_monitor_vars_result(&m, 0, body, len, NULL, 2000 + (double)i);
	double t1 = now_ns();
	printf("%-24s %8zu %10.0f %10.1f %12.0f\n", strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
	       len, (t1 - t0) / (double)polls, (double)(alloc_calls - calls0) / (double)polls,
	       (double)(alloc_bytes - bytes0) / (double)polls);
	cm_monitor_free(&m);
	free(body);
	return 0;
}

int main(int argc, char **argv)
{
	long polls = 20000;
	int i = 1, rc = 0;
	if (i + 1 < argc && !strcmp(argv[i], "-n")) {
		polls = strtol(argv[i + 1], NULL, 10);
		i += 2;
	}
	if (i >= argc || polls <= 0) {
		fprintf(stderr, "usage: expvar_parse [-n POLLS] BODY.json...\n");
		return 2;
	}
	printf("%-24s %8s %10s %10s %12s\n", "body", "bytes", "ns/poll", "allocs/poll",
	       "bytes/poll");
	for (; i < argc; i++)
		rc |= bench_body(argv[i], polls) != 0;
	return rc;
}
