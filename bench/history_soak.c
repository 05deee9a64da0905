/* bench/history_soak.c: the history's memory over hours, simulated. The
 * real monitor (cm_monitor_vars_result, the default vars) reads real
 * /debug/vars bodies of the demo service, alternating, with a clock that
 * advances INTERVAL a poll (no waiting: hours take seconds), and every
 * half hour of simulated time prints the process's RSS, the bytes the
 * history holds (every var's cm_series_bytes) and its budget
 * (cm_series_budget of the -history window, for every graphed var), so
 * that the bytes can be seen to reach the budget and stay there.
 *
 * Prints figures; exits 1 only when the history holds more than its
 * budget.
 *
 * usage: history_soak [-services N] [-hours H] [-i SECONDS] [-history SECONDS] BODY.json... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmon/monitor/monitor.h"

#include "count_alloc.h"

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int make_monitor(struct cm_monitor *m, int services, double interval, double history)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	char err[256], ports[64];
	snprintf(ports, sizeof ports, "127.0.0.1:%d-%d", 20000, 20000 + services - 1);
	if (cm_targets_parse(ports, &t, err, sizeof err) ||
	    cm_vars_parse(CM_VARS_DEFAULT, &v, err, sizeof err)) {
		fprintf(stderr, "history_soak: %s\n", err);
		return -1;
	}
	if (cm_monitor_init(m, &t, &v, "/debug/vars"))
		return -1;
	m->dt = interval;
	m->history_cap = cm_monitor_history_cap(history, interval);
	return 0;
}

/* The history's bytes and the budget of every var that has samples. */
static void history_bytes(const struct cm_monitor *m, size_t *bytes, size_t *budget,
			  size_t *nvars)
{
	*bytes = *budget = *nvars = 0;
	for (size_t i = 0; i < m->nsvc; i++)
		for (size_t k = 0; k < m->svc[i].ncells; k++) {
			const struct cm_series *s = &m->svc[i].cells[k].series;
			if (!s->pushed)
				continue;
			*bytes += cm_series_bytes(s);
			*budget += cm_series_budget(s->cap);
			(*nvars)++;
		}
}

int main(int argc, char **argv)
{
	int services = 10, i = 1;
	double hours = 6, interval = 0.1, history = 60;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-services"))
			services = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-hours"))
			hours = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "-i"))
			interval = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "-history"))
			history = atof(argv[i + 1]);
		else
			break;
	}
	if (i >= argc || services < 1 || services > 10000 || !(hours > 0) || !(interval >= 0.1)) {
		fprintf(stderr, "usage: history_soak [-services N] [-hours H] [-i SECONDS] "
				"[-history SECONDS] BODY.json...\n");
		return 2;
	}
	size_t nbodies = (size_t)(argc - i), len[16];
	char *body[16];
	for (size_t b = 0; b < nbodies && b < 16; b++)
		if (!(body[b] = read_file(argv[i + (int)b], &len[b]))) {
			perror(argv[i + (int)b]);
			return 2;
		}
	nbodies = nbodies > 16 ? 16 : nbodies;
	struct cm_monitor m;
	if (make_monitor(&m, services, interval, history))
		return 2;
	printf("%d services, -i=%gs, -history=%gs (%u samples at full resolution), "
	       "%g simulated hours\n", services, interval, history, m.history_cap, hours);
	printf("%8s %10s %14s %14s %8s %6s\n", "hours", "RSS MB", "history B", "budget B", "used",
	       "vars");
	long rounds = (long)(hours * 3600 / interval), every = (long)(1800 / interval);
	double t0 = 1.7e9;
	int over = 0;
	for (long r = 0; r <= rounds; r++) {
		for (int s = 0; s < services; s++) {
			size_t b = (size_t)(r + s) % nbodies;
			cm_monitor_vars_result(&m, (size_t)s, body[b], len[b], NULL,
					       t0 + (double)r * interval + s * 1e-4);
		}
		if (r % every && r != rounds)
			continue;
		size_t bytes, budget, nvars;
		history_bytes(&m, &bytes, &budget, &nvars);
		over |= bytes > budget;
		printf("%8.1f %10.1f %14zu %14zu %7.1f%% %6zu\n", (double)r * interval / 3600,
		       rss_kb() / 1024.0, bytes, budget, budget ? 100.0 * bytes / budget : 0, nvars);
		fflush(stdout);
	}
	cm_monitor_free(&m);
	for (size_t b = 0; b < nbodies; b++)
		free(body[b]);
	return over;
}
