/* expvar: reading vars out of a /debug/vars body, and the counts out of
 * /debug/pprof/{goroutine,threadcreate}?debug=1. Everything here is untrusted
 * network input: sizes are bounded and every failure is a value state with a
 * reason, never a crash. */
#ifndef CMON_EXPVAR_H
#define CMON_EXPVAR_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/base/json.h"
#include "cmon/monitor/varspec.h"

#define CM_EXPVAR_MAX_DEPTH 64 /* deeper JSON is refused, not recursed into */

enum cm_value_state {
	CM_VALUE_NA,     /* not published (expvarmon's N/A) */
	CM_VALUE_NUMBER, /* num (and i when integer) */
	CM_VALUE_TEXT,   /* text: strings, bools; str: vars */
	CM_VALUE_WRONG,  /* present but of a type the kind cannot show; text says which */
};

struct cm_value {
	enum cm_value_state state;
	bool integer;  /* NUMBER from a JSON integer: i is exact */
	long long i;
	double num;    /* NUMBER: always set; may be NaN or +-Inf (Go's expvar.Float prints them) */
	char text[96]; /* TEXT and WRONG; cut with "..." when longer */
};

/* Parses a /debug/vars body into doc, which the caller owns and should
 * reuse for every body (its index grows once, then parsing allocates
 * nothing; see json.h). doc borrows body: keep it unchanged while doc's
 * values are read. Go's expvar.Float writes NaN, +Inf and -Inf as bare
 * words, which are not JSON: they are read as those numbers rather than
 * failing the whole body. Integers past int64 are read as doubles, and a
 * key that repeats gives its last value.
 * Returns 0, or -1 with one line in err ("empty body", "invalid JSON at
 * line 3, column 9: ...", "not a JSON object but an array", "nested deeper
 * than 64 at ...") and doc holding nothing. */
int cm_expvar_parse(struct cm_json *doc, const char *body, size_t len, char *err, size_t errlen);

/* cm_expvar_parse indexing only the members keep names (see struct
 * cm_json_keep; NULL: all of them). The body is checked whole all the
 * same: it is refused for the same errors. */
int cm_expvar_parse_keep(struct cm_json *doc, const char *body, size_t len,
			 const struct cm_json_keep *keep, char *err, size_t errlen);

/* A keep tree (json.h) made of paths: the members a reader looks up. A
 * path keeps the members its keys go through, and the value at its last
 * key whole; whole is set once a path names the root itself, when there
 * is nothing to leave out. A zeroed struct is an empty tree. */
struct cm_expvar_keep {
	struct cm_json_keep root; /* sub and their keys owned */
	bool whole;
};

/* Adds the path of keys[0..nkeys). 0, or -1 when out of memory (the tree
 * is then whole: it keeps everything, as a reader needs). */
int cm_expvar_keep_add(struct cm_expvar_keep *k, const char *const *keys, size_t nkeys);

/* Adds what var v reads: its keys up to its first index step, the array
 * there whole. Vars of other sources add nothing. 0, or -1 as above. */
int cm_expvar_keep_add_var(struct cm_expvar_keep *k, const struct cm_var *v);

/* The tree to hand the parser: NULL when it is whole. */
const struct cm_json_keep *cm_expvar_keep_tree(const struct cm_expvar_keep *k);

/* Frees the tree and leaves it empty. */
void cm_expvar_keep_free(struct cm_expvar_keep *k);

/* The value of an expvar-sourced var in doc (see varspec.h for arrays and
 * memstats.PauseNs). A str: var gives TEXT for any scalar; other kinds give
 * NUMBER, or TEXT for strings/bools (shown, not graphed). N/A when doc
 * holds nothing. */
struct cm_value cm_expvar_get(const struct cm_json *doc, const struct cm_var *v);

/* The values of every expvar-sourced var of vars[0..n) in doc, as
 * cm_expvar_get gives them: fn(ctx, i, value) for each, in order (the
 * other vars are passed over). Costs one walk of the objects the paths go
 * through, however many vars look in them, not one per var. Allocates
 * nothing. */
void cm_expvar_get_each(const struct cm_json *doc, const struct cm_var *vars, size_t n,
			void (*fn)(void *ctx, size_t i, struct cm_value v), void *ctx);

/* Calls fn for every numeric leaf (not inside arrays) in document order,
 * with its path as keys (unescaped, NUL-terminated, valid during the call
 * only), for "-vars=*". A key holding a NUL byte, or a path too long for
 * the -vars grammar, cannot be named and is passed over; a key that repeats
 * is reported at each numeric occurrence. Stops early when fn returns
 * non-zero and returns that. */
int cm_expvar_each_number(const struct cm_json *doc,
			  int (*fn)(void *ctx, const char *const *keys, size_t nkeys), void *ctx);

/* The same for every member that is not an object (numbers, strings,
 * bools, null, arrays): the paths a var can name, for suggestions. */
int cm_expvar_each_path(const struct cm_json *doc,
			int (*fn)(void *ctx, const char *const *keys, size_t nkeys), void *ctx);

/* Reads N from a body starting "goroutine profile: total N" or
 * "threadcreate profile: total N". 0, or -1 with the reason in err. */
int cm_profile_total(const char *body, size_t len, long long *n, char *err, size_t errlen);

/* Reads the count of profile name ("goroutine", "threadcreate") from the
 * HTML of net/http/pprof's index page, /debug/pprof/: the row
 * "<tr><td>506</td><td><a href='goroutine?debug=1'>goroutine</a>" (Go 1.19;
 * older Go wrote "<td align=right>506<td><a ..."). The service counts
 * those with runtime.NumGoroutine and the thread list, walking no stack:
 * ?debug=1 walks every goroutine's (35 ms of the service's CPU a poll
 * at 10k goroutines, 0.9 ms for the index; bench/count_cost.sh). 0, or -1
 * with the reason in err when the page has no such row. */
int cm_pprof_index_count(const char *body, size_t len, const char *name, long long *n,
			 char *err, size_t errlen);

#endif
