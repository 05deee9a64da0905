/* varspec: expvarmon's -vars grammar, plus cmon's additions.
 *
 *   memstats.Alloc          dotted path into the /debug/vars object
 *   latency\.p50            "\." is a dot inside a key, "\\" a backslash,
 *                           "\:" a colon, "\[" a bracket
 *   mem:memstats.Alloc      bytes, shown in 1024 steps (42B, 3.1MB)
 *   duration:x / dur:x      int64 nanoseconds, shown as a Go duration
 *   dur.ms:x (dur.us, dur.s, dur.m, dur.h, dur.ns; duration.ms too)
 *                           a duration published in that unit
 *                           (last_work_ms: dur.ms:last_work_ms)
 *   str:x                   text, no sparkline
 *   rate:requests           per-second rate of a counter (resets handled);
 *                           combines with mem: or dur: (rate:mem:x is bytes/s)
 *   memstats.PauseNs[3]     array element; negative counts from the end.
 *                           On memstats.PauseNs and memstats.PauseEnd (Go's
 *                           256-entry rings) negative indexes count back
 *                           from the newest entry using memstats.NumGC, and
 *                           the bare name means the newest entry ([-1]).
 *                           Any other bare array shows the mean of its
 *                           elements after trailing zeros (as expvarmon).
 *   @goroutines @threads    counts from /debug/pprof/{goroutine,threadcreate}?debug=1;
 *                           on a Prometheus service go_goroutines / go_threads
 *   *                       every numeric var the service publishes
 *
 * Prometheus services (/metrics: the text format or OpenMetrics) read the
 * same list; a var names a metric there:
 *   go_goroutines           a plain name is both an expvar path and a metric
 *   http_requests_total{code="200",method=~"get|post"}
 *                           label matchers =, !=, =~, !~ (Go regexes, anchored
 *                           as Prometheus anchors them); the values of every
 *                           matching series are summed; a ',' inside {...}
 *                           does not end the field
 *   x_total{code=~"5.."}[0] one series: the Nth that matches, in the body's
 *                           order ([-1] the last)
 *   mem:memstats.Alloc|go_memstats_alloc_bytes
 *                           expvar path | metric: each kind of service reads
 *                           its side (either may be empty: "|x" is read on
 *                           Prometheus services only); the prefixes apply to both
 *   counters are shown as a per-second rate (a # TYPE counter, or a name
 *   ending in _total, _count, _sum or _bucket); on a var that has both
 *   sides the rate applies to both (a plain name becomes a rate when a
 *   Prometheus service shows it is a counter: an expvar-only fleet sees
 *   its vars as expvarmon did)
 *   raw:x_total             the counter's value, not its rate
 *   p99:rpc_duration_seconds  (p50, p99.9, p0 ... p100) a quantile: of a
 *                           histogram, from its _bucket deltas since the
 *                           last poll, as histogram_quantile(0.99,
 *                           rate(x_bucket[...])) computes it; of a summary,
 *                           its {quantile="0.99"} series
 *   dur:x_seconds           a duration: the metric's unit is read from its
 *                           name (_seconds, _milliseconds, _microseconds,
 *                           _nanoseconds; seconds, Prometheus's base unit,
 *                           otherwise); dur.ms: and the others say it
 * A ':' in a metric name is written "\:".
 *
 * An unknown prefix ("foo:x") is an error, as is an empty field. */
#ifndef CMON_VARSPEC_H
#define CMON_VARSPEC_H

#include <stdbool.h>
#include <stddef.h>

/* expvarmon's six and cmon's two, each with its Prometheus counterpart
 * (the Go collector's), so that a fleet of both kinds has one column per
 * meaning: on a Prometheus service the last GC pause is the longest of
 * the recent ones go_gc_duration_seconds tells (quantile 1). */
#define CM_VARS_DEFAULT                                                                  \
	"mem:memstats.Alloc|go_memstats_alloc_bytes,mem:memstats.Sys|go_memstats_sys_bytes," \
	"mem:memstats.HeapAlloc|go_memstats_heap_alloc_bytes,"                             \
	"mem:memstats.HeapInuse|go_memstats_heap_inuse_bytes,"                             \
	"duration:memstats.PauseNs|go_gc_duration_seconds{quantile=\"1\"},"               \
	"raw:duration:memstats.PauseTotalNs|go_gc_duration_seconds_sum,"                    \
	"@goroutines,@threads"

/* When every service is a Prometheus one (its entry's path ends in
 * /metrics): the Go collector's vars by their own names, CPU included. */
#define CM_VARS_DEFAULT_PROM                                                             \
	"mem:go_memstats_alloc_bytes,mem:go_memstats_sys_bytes,"                         \
	"dur:go_gc_duration_seconds{quantile=\"1\"},go_goroutines,go_threads,"           \
	"|process_cpu_seconds_total"

#define CM_VARS_MAX 1024  /* vars in one list, "*" included */
#define CM_PROM_MATCHERS_MAX 32 /* label matchers in one selector */
#define CM_VAR_DEPTH_MAX 32 /* steps in one path */

enum cm_var_kind { CM_KIND_NUMBER, CM_KIND_MEM, CM_KIND_DURATION, CM_KIND_STRING };
enum cm_var_source { CM_SOURCE_EXPVAR, CM_SOURCE_GOROUTINES, CM_SOURCE_THREADS };

struct cm_var_step {
	char *key;      /* object member (unescaped), or NULL for an index step */
	long long index; /* array index when key is NULL; negative from the end */
};

struct cm_goregex;

/* One label matcher of a Prometheus selector: label op "value". */
enum cm_prom_op { CM_PROM_EQ, CM_PROM_NE, CM_PROM_RE, CM_PROM_NRE };

struct cm_prom_matcher {
	char *label;           /* owned */
	char *value;           /* owned, unescaped (may hold NULs: value_len) */
	size_t value_len;
	enum cm_prom_op op;
	struct cm_goregex *re; /* owned: =~ and !~, as ^(?:value)$ */
};

/* The Prometheus side of a var. */
struct cm_prom_sel {
	char *name;                /* owned metric name; NULL: no Prometheus side */
	size_t name_len;
	struct cm_prom_matcher *m; /* owned, nm of them */
	size_t nm;
	bool pick;                 /* [N]: one series, the index-th that matches */
	long long index;           /* negative from the end */
	double quantile;           /* pNN: in [0, 1]; NAN when none */
	bool raw;                  /* raw: a counter's value, never its rate */
	double unit_ns;            /* DURATION: nanoseconds in one unit of the metric */
};

struct cm_var {
	enum cm_var_kind kind;
	enum cm_var_source source;
	bool rate;
	double unit_ns; /* DURATION: nanoseconds in one unit of the value (dur.ms: 1e6); 1 */
	struct cm_var_step *steps; /* owned; empty for @goroutines/@threads */
	size_t nsteps;
	char *label; /* last key as written, unescaped ("Alloc", "PauseNs[3]", "goroutines");
		      * for a var "*" found, its whole path ("memstats.Alloc") */
	char *title; /* the path as written, without the prefixes ("memstats.Alloc") */
	struct cm_prom_sel prom; /* what a Prometheus service reads (prom.name NULL: N/A) */
};

struct cm_var_list {
	struct cm_var *v; /* owned */
	size_t n;
	bool all; /* "*" was given: numeric vars are added as services publish them */
};

/* Parses spec into out (zeroed by the caller). 0, or -1 with one line in
 * err quoting the bad field, e.g.
 *   bad -vars field "foo:x": unknown kind "foo" (mem, duration, dur, str, rate)
 * The caller frees out with cm_vars_free. */
int cm_vars_parse(const char *spec, struct cm_var_list *out, char *err, size_t errlen);

/* Appends a plain numeric var for an already-split path (keys only), as "*"
 * discovers them; the title escapes dots in keys. Does nothing if a var with
 * the same title exists. 0, or -1 when out of memory or at CM_VARS_MAX.
 * A path of no keys or deeper than CM_VAR_DEPTH_MAX is skipped (0): the
 * grammar could not name it either. */
int cm_vars_add_path(struct cm_var_list *l, const char *const *keys, size_t nkeys);

/* The title a path of keys has in the grammar ("a\.b.c"), written to out
 * when it fits in cap bytes with its NUL; returns its length either way. */
size_t cm_vars_title_of(const char *const *keys, size_t nkeys, char *out, size_t cap);

void cm_vars_free(struct cm_var_list *l);

/* Frees what one var owns (not the var itself). */
void cm_var_free(struct cm_var *v);

/* The index of the first c in s[0, n) outside label braces and quotes and
 * not escaped by a backslash, or n: where a field or a -trigger part ends. */
size_t cm_vars_find_outside(const char *s, size_t n, char c);

/* A counter by its name: _total, _count, _sum or _bucket at the end. */
bool cm_prom_counter_name(const char *name);

/* True when the var has an expvar side (a path or a count). */
static inline bool cm_var_has_expvar(const struct cm_var *v)
{
	return v->nsteps > 0 || v->source != CM_SOURCE_EXPVAR;
}

/* True when the var needs a request other than /debug/vars. */
static inline bool cm_var_is_profile_count(const struct cm_var *v)
{
	return v->source != CM_SOURCE_EXPVAR;
}

#endif
