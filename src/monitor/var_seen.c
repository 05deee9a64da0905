/* var_seen: named vars no service has, and their nearest published path;
 * see var_seen.h. */
#include "cmon/monitor/var_seen.h"

#include <stdlib.h>
#include <string.h>

#define DISTANCE_ROW_MAX 256 /* paths longer than this are not compared */

size_t cm_edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > lb ? la - lb > max : lb - la > max)
		return max + 1;
	if (lb >= DISTANCE_ROW_MAX || la >= DISTANCE_ROW_MAX)
		return max + 1;
	size_t row[DISTANCE_ROW_MAX];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], best = row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = diag + (a[i - 1] != b[j - 1]);
			size_t del = up + 1, ins = row[j - 1] + 1;
			row[j] = cost < del ? (cost < ins ? cost : ins) : (del < ins ? del : ins);
			diag = up;
			if (row[j] < best)
				best = row[j];
		}
		if (best > max)
			return max + 1;
	}
	return row[lb] <= max ? row[lb] : max + 1;
}

struct nearest {
	const char *want;
	size_t best;
	char *out;
};

static int consider(void *ctx, const char *const *keys, size_t nkeys)
{
	struct nearest *n = ctx;
	char title[CM_VAR_SUGGEST_MAX];
	if (cm_vars_title_of(keys, nkeys, title, sizeof title) >= sizeof title)
		return 0;
	size_t d = cm_edit_distance(n->want, title, n->best - 1);
	if (d < n->best) {
		n->best = d;
		memcpy(n->out, title, strlen(title) + 1);
	}
	return 0;
}

/* The nearest title in doc within a third of the name's length (at least
 * 2 edits): further than that it is another name, not a typo. */
static void suggest(struct cm_var_seen *s, const struct cm_var *var, const struct cm_json *doc)
{
	size_t len = strlen(var->title);
	struct nearest n = {var->title, (len / 3 > 2 ? len / 3 : 2) + 1, s->suggestion};
	s->suggestion[0] = '\0';
	cm_expvar_each_path(doc, consider, &n);
}

void cm_var_seen_note(struct cm_var_seen *s, const struct cm_var *var, const struct cm_value *v,
		      const struct cm_json *doc)
{
	if (s->found || var->source != CM_SOURCE_EXPVAR)
		return;
	if (v->state != CM_VALUE_NA) {
		s->found = true;
		return;
	}
	if (!s->suggested) {
		s->suggested = true;
		suggest(s, var, doc);
	}
}
