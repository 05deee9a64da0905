/* profile_ops: the transformations pprof applies to a profile before a
 * report: merging sources, subtracting a base, pruning drop_frames, the
 * focus/ignore/hide/show filters, and aggregation to a granularity.
 * Each works in place on a profile the caller owns, unless it says otherwise. */
#ifndef CMON_PROFILE_OPS_H
#define CMON_PROFILE_OPS_H

#include <stdbool.h>

#include "cmon/base/goregex.h"
#include "cmon/profile/profile.h"

enum cm_granularity {
	CM_GRAN_FUNCTIONS,
	CM_GRAN_FILEFUNCTIONS,
	CM_GRAN_FILES,
	CM_GRAN_LINES,
	CM_GRAN_ADDRESSES,
};

/* Merges n profiles into one, as pprof merges several sources: headers
 * combined, identical samples summed, all-zero samples dropped. Takes
 * ownership of every ps[i] (they are freed, or kept alive inside the result)
 * whether it succeeds or not. Returns NULL with err set when the profiles
 * are incompatible. n == 1 compacts ps[0] in place and returns it. */
struct cm_profile *cm_profile_merge(struct cm_profile **ps, size_t n,
				    char *err, size_t errlen);

/* Gives p the tables and ids pprof's Merge gives a merged profile (what
 * -raw and -proto show): mappings, locations and functions in the order
 * the samples first reach them, the first mapping first, ids 1..n, the
 * ones no sample reaches dropped. p must be merged (cm_profile_merge).
 * Returns -1 when memory runs out; p is then unusable: free it. */
int cm_profile_number_as_merged(struct cm_profile *p);

/* True when compacting p alone could change a report other than -traces:
 * only samples of opposite signs can cancel, so a profile without negative
 * values reports the same whether or not its duplicates are summed. */
bool cm_profile_has_negative(const struct cm_profile *p);

/* Multiplies every sample value by -1 (the base of a diff) as pprof's
 * Scale(-1) does: in float64, then drops the samples left all zero.
 * Returns 0, or -1 when memory runs out (cm_profile_own_values). */
int cm_profile_negate(struct cm_profile *p);

/* pprof's Normalize (-normalize): scales each value of p by the base's
 * sum of that value over p's sum (0 when p's sum is 0), so that p and base
 * weigh the same before the base is subtracted. -1 with err when the
 * profiles are incompatible or memory runs out. */
int cm_profile_normalize(struct cm_profile *p, struct cm_profile *base, char *err, size_t errlen);

/* Adds the string label key=value to every sample (pprof::base=true marks
 * the base samples of -diff_base). Returns -1 when memory runs out. */
int cm_profile_add_label(struct cm_profile *p, const char *key, const char *value);

/* True when the sample carries pprof::base=true. */
bool cm_sample_is_diff_base(const struct cm_sample *s);

/* Applies drop_frames/keep_frames. Returns -1 with err on a bad regex. */
int cm_profile_remove_uninteresting(struct cm_profile *p, char *err, size_t errlen);

/* A compiled filter regex; pattern NULL means unset. Go's syntax and
 * semantics, run by goregex (PCRE2). */
struct cm_filter {
	const char *pattern;
	struct cm_goregex *re;
	bool set;
};

/* Compiles pattern into f. name ("focus", ...) goes into the message. */
int cm_filter_compile(struct cm_filter *f, const char *name, const char *pattern,
		      char *err, size_t errlen);
void cm_filter_free(struct cm_filter *f);
bool cm_filter_match(const struct cm_filter *f, const char *s);

enum { CM_MATCHED_FOCUS = 1, CM_MATCHED_IGNORE = 2, CM_MATCHED_HIDE = 4, CM_MATCHED_SHOW = 8 };

/* The no-filter part of cm_profile_filter_by_name, in slices: moves the
 * samples of [from, to) that have frames down to kept on; returns the new
 * kept, or SIZE_MAX when memory runs out (borrowed samples are copied
 * before the first move). Called over [0, nsamples) in order, the last
 * return is the new nsamples (the caller sets it then, not before). */
size_t cm_profile_keep_framed(struct cm_profile *p, size_t from, size_t to, size_t kept);

/* pprof's FilterSamplesByName: focus/ignore keep or drop whole samples,
 * hide/show remove frames. Any of the filters may be unset. *matched gets
 * CM_MATCHED_* bits for the filters that matched some location (pprof warns
 * about the others). Returns -1 when memory runs out. */
int cm_profile_filter_by_name(struct cm_profile *p, const struct cm_filter *focus,
			      const struct cm_filter *ignore, const struct cm_filter *hide,
			      const struct cm_filter *show, unsigned *matched);

/* pprof's ShowFrom (-show_from): each sample loses the frames above (the
 * callers of) its highest frame matching f; a sample without one is
 * dropped. *matched tells whether any location matched. -1 on OOM. */
int cm_profile_show_from(struct cm_profile *p, const struct cm_filter *f, bool *matched);

/* pprof's PruneFrom (-prune_from): each sample loses the frames beneath
 * (the callees of) its lowest frame whose function name, cut at its first
 * "(", matches f. -1 on OOM. */
int cm_profile_prune_from(struct cm_profile *p, const struct cm_filter *f);

/* Strips what the granularity does not show (names, files, lines, addresses). */
void cm_profile_aggregate(struct cm_profile *p, enum cm_granularity g);

/* Aggregate with inline frames off (-noinlines): every location keeps only
 * its outermost line, the function the others were inlined into. */
void cm_profile_drop_inline_frames(struct cm_profile *p);

/* Parses "functions", "files", ... Returns -1 when unknown. */
int cm_granularity_parse(const char *name, enum cm_granularity *out);

/* A copy of p that the transformations above can change without touching
 * p: every table, sample, value and location list is copied; the strings
 * are shared, so p must outlive the copy. NULL when memory runs out. The
 * copy owns no other profile (merging it keeps p's strings alive only as
 * long as p lives). */
struct cm_profile *cm_profile_clone(const struct cm_profile *p);

/* The same without copying the samples, which the copy shares with p (the
 * bulk of a big profile): only for cm_profile_aggregate and the report
 * functions, which leave samples alone (the filters, negate, add_label and
 * merge change them: use cm_profile_clone). */
struct cm_profile *cm_profile_clone_tables(const struct cm_profile *p);

#endif
