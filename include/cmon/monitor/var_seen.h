/* var_seen: which of the vars a person named some service has published,
 * and for one none has, the nearest path the services did publish (a typo:
 * "memstats.Aloc" -> "memstats.Alloc"). Fed by the monitor with every
 * parsed /debug/vars body. */
#ifndef CMON_VAR_SEEN_H
#define CMON_VAR_SEEN_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/base/json.h"
#include "cmon/monitor/expvar.h"
#include "cmon/monitor/varspec.h"

#define CM_VAR_SUGGEST_MAX 160

struct cm_var_seen {
	bool found;      /* some answer held a value for it */
	bool suggested;  /* suggestion was looked for (in the first body without it) */
	char suggestion[CM_VAR_SUGGEST_MAX]; /* the nearest path's title, "" when none */
};

/* One var's value v from the body in doc: marks it found, or, the first
 * time it is missing, looks for the nearest path in doc. */
void cm_var_seen_note(struct cm_var_seen *s, const struct cm_var *var, const struct cm_value *v,
		      const struct cm_json *doc);

/* Levenshtein distance of a and b (bytes), or max + 1 when it is larger
 * than max (the search stops there). */
size_t cm_edit_distance(const char *a, const char *b, size_t max);

#endif
