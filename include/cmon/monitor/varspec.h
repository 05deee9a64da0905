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
 *   @goroutines @threads    counts from /debug/pprof/{goroutine,threadcreate}?debug=1
 *   *                       every numeric var the service publishes
 *
 * An unknown prefix ("foo:x") is an error, as is an empty field. */
#ifndef CMON_VARSPEC_H
#define CMON_VARSPEC_H

#include <stdbool.h>
#include <stddef.h>

/* expvarmon's six and cmon's two. */
#define CM_VARS_DEFAULT                                                                  \
	"mem:memstats.Alloc,mem:memstats.Sys,mem:memstats.HeapAlloc,"                    \
	"mem:memstats.HeapInuse,duration:memstats.PauseNs,duration:memstats.PauseTotalNs," \
	"@goroutines,@threads"

#define CM_VARS_MAX 1024  /* vars in one list, "*" included */
#define CM_VAR_DEPTH_MAX 32 /* steps in one path */

enum cm_var_kind { CM_KIND_NUMBER, CM_KIND_MEM, CM_KIND_DURATION, CM_KIND_STRING };
enum cm_var_source { CM_SOURCE_EXPVAR, CM_SOURCE_GOROUTINES, CM_SOURCE_THREADS };

struct cm_var_step {
	char *key;      /* object member (unescaped), or NULL for an index step */
	long long index; /* array index when key is NULL; negative from the end */
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

/* True when the var needs a request other than /debug/vars. */
static inline bool cm_var_is_profile_count(const struct cm_var *v)
{
	return v->source != CM_SOURCE_EXPVAR;
}

#endif
