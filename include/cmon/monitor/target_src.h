/* target_src: target lists that come from where fleets are listed, rather
 * than from the command line: a file of -ports entries (-ports=@FILE) and
 * a Prometheus server's active targets (-targets=URL). Text in, a
 * cm_target_list out; no I/O here (the app reads the file and fetches the
 * API, and follows both while running). */
#ifndef CMON_TARGET_SRC_H
#define CMON_TARGET_SRC_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor/target.h"

/* A -ports file bigger than this is not a list of services (10000 entries
 * of a long URL each fit). */
#define CM_TARGETS_FILE_MAX (4u << 20)
/* The API's answer: ~1 KB per target, CM_TARGETS_MAX targets. */
#define CM_PROM_API_MAX_BODY (32u << 20)

/* One service whatever list it came from: the same base (scheme, host,
 * port), path and ssh destination. Credentials are not part of it. */
bool cm_target_same(const struct cm_target *a, const struct cm_target *b);
unsigned long long cm_target_hash(const struct cm_target *t);

/* Moves every target of from to the end of to (from is then empty).
 * -1 with err when the two hold more than CM_TARGETS_MAX, or when out of
 * memory; then both are unchanged. */
int cm_targets_join(struct cm_target_list *to, struct cm_target_list *from, char *err,
		    size_t errlen);

/* Appends a copy of each target of from for which keep (NULL: every one)
 * says true to to. 0; -1 when out of memory (to then holds what was
 * copied before), or past CM_TARGETS_MAX (err says which). */
int cm_targets_copy(struct cm_target_list *to, const struct cm_target_list *from,
		    bool (*keep)(void *ctx, const struct cm_target *t), void *ctx, char *err,
		    size_t errlen);

/* -ports=@FILE's text[0, len) (name is the file's, for errors): one entry
 * per line in the -ports grammar, a line may hold a comma list; '#'
 * starts a comment to the end of the line (a password holding '#' is
 * written %23), blank lines are skipped. An error names the file and line:
 *   ports.txt:3: bad -ports field "50x0": port is not a number
 * A text listing no service, or holding a NUL byte, is an error too. out
 * as cm_targets_parse's. */
int cm_targets_parse_lines(const char *text, size_t len, const char *name,
			   struct cm_target_list *out, char *err, size_t errlen);

/* -targets=http[s]://[user:pass@]host:port[/prefix][?job=NAME]: where to
 * ask (api: the server, with its credentials, whose url is
 * /api/v1/targets?state=active under the prefix) and which job to keep
 * (NULL: all). Those credentials are for the API only. */
struct cm_prom_source {
	struct cm_target api; /* owned */
	char *url;            /* owned: the API's URL, without credentials */
	char *job;            /* owned, NULL for every job */
};

/* 0, or -1 with one line in err (out is then empty). */
int cm_prom_source_parse(const char *spec, struct cm_prom_source *out, char *err,
			 size_t errlen);
void cm_prom_source_free(struct cm_prom_source *s);

/* The answer of GET /api/v1/targets?state=active: each active target's
 * scrapeUrl (its path and query kept) whose labels.job is job (job NULL:
 * every one), in the answer's order, into out. 0; -1 with err saying what
 * was wrong ("Prometheus API: status is not success", "... target 3:
 * scrapeUrl ...", "more than 10000 targets"). Zero targets is no error.
 * out as cm_targets_parse's. */
int cm_targets_from_prom(const char *body, size_t len, const char *job,
			 struct cm_target_list *out, char *err, size_t errlen);

#endif
