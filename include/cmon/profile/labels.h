/* labels: pprof's sample labels ("tags"): the unit of each numeric label
 * key, the tag filters (-tagfocus, -tagignore, -tagshow, -taghide) and the
 * "key:value" pseudo frames of -tagroot and -tagleaf. After pprof's
 * profile.NumLabelUnits, driver_focus.go, profile/filter.go and
 * driver/tagroot.go. */
#ifndef CMON_LABELS_H
#define CMON_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/profile/profile.h"
#include "cmon/profile/profile_ops.h"

/* The unit of every numeric label key, as pprof picks it: the first unit
 * seen with the key, else "bytes" for "alignment" and "request", else the
 * key itself. Sorted by key; the strings live in the profile's arena. */
struct cm_num_units {
	const char **keys, **units;
	size_t n;
	/* "For tag K used unit U, also encountered unit(s) V, W" lines, one
	 * per key seen with several units, newline-separated; NULL if none. */
	const char *conflicts;
};

/* Fills u from p's samples; the tables go into p's arena, so they live as
 * long as p. -1 when memory runs out. */
int cm_num_units_identify(struct cm_profile *p, struct cm_num_units *u);

/* cm_num_units_identify in slices of samples (the viewer's background
 * builds): begin, add [from, to) in order over every sample, end (which
 * frees the builder and fills u as identify does), or abort. Each -1
 * when memory runs out (then abort). */
struct cm_key_unit;
struct cm_num_units_builder {
	struct cm_key_unit *ku; /* owned: the pairs seen so far */
	size_t n, cap;
};
int cm_num_units_begin(struct cm_num_units_builder *b, const struct cm_profile *p);
int cm_num_units_add(struct cm_num_units_builder *b, const struct cm_profile *p, size_t from,
		     size_t to);
int cm_num_units_end(struct cm_num_units_builder *b, struct cm_profile *p,
		     struct cm_num_units *u);
void cm_num_units_abort(struct cm_num_units_builder *b);

/* The unit of key; "" for a key no numeric label has. */
const char *cm_num_units_get(const struct cm_num_units *u, const char *key);

/* A compiled -tagfocus or -tagignore: "[KEY=]VALUE" where VALUE is a
 * numeric range ("32kb", ":64kb", "4mb:", "12kb:64mb") or comma-separated
 * regexes. */
struct cm_tag_filter {
	bool set, numeric;
	char *text;              /* a copy of the value, cut in pieces */
	const char *key;         /* KEY (in text), or NULL for any key */
	int op;                  /* numeric: TF_EQ, TF_GE, TF_LE, TF_RANGE */
	double lo, hi;           /* the bounds in unit */
	char unit[64];
	struct cm_filter *rx;    /* regexes: nrx of them */
	size_t nrx;
	const struct cm_num_units *units;
};

/* Compiles value (NULL or "" leaves f unset). name ("tagfocus") goes into
 * messages: pprof's "parsing tagfocus regexp: ..." in err on failure (-1);
 * on success a range gets pprof's note "tagfocus:Interpreted 'V' as range,
 * not regexp" in note (else note is ""). units must outlive f. */
int cm_tag_filter_compile(struct cm_tag_filter *f, const char *name, const char *value,
			  const struct cm_num_units *units, char *note, size_t notelen,
			  char *err, size_t errlen);
void cm_tag_filter_free(struct cm_tag_filter *f);
bool cm_tag_filter_match(const struct cm_tag_filter *f, const struct cm_sample *s);

/* pprof's FilterSamplesByTag: keeps the samples focus matches (when set)
 * and ignore does not. *fm / *im tell whether the filter matched any
 * sample (true when unset). */
void cm_profile_filter_by_tag(struct cm_profile *p, const struct cm_tag_filter *focus,
			      const struct cm_tag_filter *ignore, bool *fm, bool *im);

/* pprof's FilterTagsByName: removes the labels whose key show (when set)
 * does not match or hide matches. *sm / *hm: some key matched. */
void cm_profile_filter_tags_by_name(struct cm_profile *p, const struct cm_filter *show,
				    const struct cm_filter *hide, bool *sm, bool *hm);

/* pprof's addLabelNodes: for each comma-separated key of root_keys (leaf_keys)
 * a frame named by the sample's values of that key, joined by commas (numeric
 * ones scaled to unit), in a "file" named by the key, at the root (leaf) end
 * of every sample's stack. *rootm / *leafm: some sample had such a key.
 * -1 when memory runs out. */
int cm_profile_add_label_nodes(struct cm_profile *p, const char *root_keys,
			       const char *leaf_keys, const char *unit, bool *rootm, bool *leafm);

#endif
