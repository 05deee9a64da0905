/* target_follow: where the monitor's services are listed, followed while
 * it runs. Three sources, their union being the list:
 *   -ports=FIELDS        fixed for the run
 *   -ports=@FILE         re-read when the file changes (stat each interval)
 *   -targets=PROMETHEUS  the server's active targets, asked again every
 *                        CM_FOLLOW_PROM_EVERY seconds (or the interval)
 * A source that fails (the file unreadable or bad, the server down or its
 * answer bad) keeps its last good list, and problem says so; the monitor
 * never loses its services to a typo or a restart of Prometheus.
 *
 * App layer: it reads files and fetches on the monitor's fetch handle.
 * Ownership: the follower owns its lists and problem text; argv strings
 * and the fetch handle are borrowed. */
#ifndef CMON_TARGET_FOLLOW_H
#define CMON_TARGET_FOLLOW_H

#include <stdbool.h>
#include <sys/stat.h>

#include "cmon/monitor/target.h"
#include "cmon/monitor/target_src.h"
#include "cmon/net/fetch.h"

/* The shortest period of the Prometheus API's re-reads: its targets change
 * on a reload or a discovery refresh (seconds to minutes apart). */
#define CM_FOLLOW_PROM_EVERY 5.0

struct cm_follow {
	struct cm_target_list fixed;   /* -ports' fields */
	const char *file;              /* borrowed: -ports=@FILE's path, or NULL */
	struct stat file_stat;         /* what the last look at the file found */
	bool file_stat_ok;
	struct cm_target_list file_list; /* the file's last good list */
	char file_problem[300];        /* "" when the file's list is current */

	bool prom_on;
	struct cm_prom_source prom;
	struct cm_target_list prom_list; /* the server's last good list */
	char prom_problem[300];
	bool prom_answered;            /* a first answer (or failure) came */
	struct cm_fetch *fetch;        /* borrowed */
	long prom_id;                  /* the API request in flight, 0 = none */
	long timeout_ms;
	double prom_every, prom_due;   /* monotonic seconds */

	const char *endpoint;          /* borrowed: -endpoint */
	bool changed;                  /* a source's list changed: take cm_follow_list */
	bool problem_changed;          /* file_problem or prom_problem changed */
};

/* ports: -ports' value or NULL; targets: -targets' value or NULL;
 * endpoint: -endpoint's (an entry whose path is the same names no path,
 * so that a scrapeUrl and a -ports entry for one service are one).
 * -ports=@FILE is the whole of -ports. Reads the file now. 0; 2 with
 * one line in err (a usage error: a bad field, URL or file). */
int cm_follow_init(struct cm_follow *f, const char *ports, const char *targets,
		   const char *endpoint, double interval, char *err, size_t errlen);
void cm_follow_free(struct cm_follow *f);

/* True when some source is followed (a file, Prometheus). */
bool cm_follow_active(const struct cm_follow *f);

/* The union of the sources' lists into out (zeroed by the caller): the
 * fixed fields, the file's, then Prometheus's targets that neither lists.
 * 0, or -1 with err (out of memory, more than CM_TARGETS_MAX). */
int cm_follow_list(const struct cm_follow *f, struct cm_target_list *out, char *err,
		   size_t errlen);

/* Looks at the file (a stat) and re-reads it when it changed: sets
 * changed or problem_changed. */
void cm_follow_check_file(struct cm_follow *f);

/* Starts the API request when it is due at monotonic now (and none is in
 * flight); its answer comes from the fetch's poll. Returns when it is
 * next due. fetch and timeout are set by the first call. */
double cm_follow_run_due(struct cm_follow *f, struct cm_fetch *fetch, long timeout_ms,
			 double now);

/* -once waits for this: no API answer is awaited. */
bool cm_follow_settled(const struct cm_follow *f);

/* The sources' problems in one line ("ports.txt:3: bad ...; last list
 * kept"), "" when none. */
void cm_follow_problem(const struct cm_follow *f, char *buf, size_t len);

#endif
