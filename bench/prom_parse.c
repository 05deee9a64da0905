/* bench/prom_parse.c: what reading one /metrics body costs the monitor,
 * for real bodies (a Prometheus server's own, the demo's): the reader
 * alone over the whole body (MB/s), and a poll (cm_monitor_vars_result on
 * one Prometheus service watching the Go collector's defaults plus a
 * label matcher and a histogram quantile): ns, malloc calls and bytes per
 * poll. Prints figures; never passes or fails on them.
 *
 * usage: prom_parse [-n POLLS] BODY...
 *
 * malloc and friends are interposed (glibc lets an executable do that) to
 * count calls; so this is not built with a sanitizer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prom.h"

#include "count_alloc.h"

#define VARS CM_VARS_DEFAULT_PROM ",go_gc_duration_seconds_count{job=~\"a|b\"},p99:http_duration_seconds"

static int make_monitor(struct cm_monitor *m)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	char err[256];
	if (cm_targets_parse("http://127.0.0.1:1/metrics", &t, err, sizeof err) ||
	    cm_vars_parse(VARS, &v, err, sizeof err)) {
		fprintf(stderr, "prom_parse: %s\n", err);
		return -1;
	}
	return cm_monitor_init(m, &t, &v, "/debug/vars");
}

/* The reader alone: samples in the body, and MB/s over polls reads. */
static double reader_mbs(const char *body, size_t len, long polls, size_t *samples)
{
	struct cm_prom_reader r;
	struct cm_prom_sample s;
	double t0 = now_ns();
	for (long i = 0; i < polls; i++) {
		cm_prom_begin(&r, body, len, false);
		*samples = 0;
		while (cm_prom_next(&r, &s) == 1)
			(*samples)++;
	}
	double secs = (now_ns() - t0) / 1e9;
	return (double)len * (double)polls / secs / 1e6;
}

static int bench_body(const char *path, long polls)
{
	size_t len, samples = 0;
	char *body = read_file(path, &len);
	if (!body) {
		perror(path);
		return -1;
	}
	char err[CM_PROM_ERR_MAX];
	if (cm_prom_check(body, len, false, err, sizeof err))
		fprintf(stderr, "prom_parse: %s: %s\n", path, err);
	double mbs = reader_mbs(body, len, polls, &samples);
	struct cm_monitor m;
	if (make_monitor(&m)) {
		free(body);
		return -1;
	}
	for (int i = 0; i < 100; i++) /* warm up: rings and buffers sized */
		cm_monitor_vars_result(&m, 0, body, len, NULL, 1000 + i);
	unsigned long long calls0 = alloc_calls, bytes0 = alloc_bytes;
	double t0 = now_ns();
	for (long i = 0; i < polls; i++)
		cm_monitor_vars_result(&m, 0, body, len, NULL, 2000 + (double)i);
	double t1 = now_ns();
	printf("%-32s %8zu %8zu %9.0f %10.0f %11.1f %11.0f\n",
	       strrchr(path, '/') ? strrchr(path, '/') + 1 : path, len, samples, mbs,
	       (t1 - t0) / (double)polls, (double)(alloc_calls - calls0) / (double)polls,
	       (double)(alloc_bytes - bytes0) / (double)polls);
	cm_monitor_free(&m);
	free(body);
	return 0;
}

int main(int argc, char **argv)
{
	long polls = 2000;
	int i = 1, rc = 0;
	if (i + 1 < argc && !strcmp(argv[i], "-n")) {
		polls = strtol(argv[i + 1], NULL, 10);
		i += 2;
	}
	if (i >= argc || polls <= 0) {
		fprintf(stderr, "usage: prom_parse [-n POLLS] BODY...\n");
		return 2;
	}
	printf("%-32s %8s %8s %9s %10s %11s %11s\n", "body", "bytes", "samples", "read MB/s",
	       "ns/poll", "allocs/poll", "bytes/poll");
	for (; i < argc; i++)
		rc |= bench_body(argv[i], polls) != 0;
	return rc;
}
