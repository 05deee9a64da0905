/* pprof_symbolize: pprof's newMapping (internal/symbolizer) as far as its
 * messages go. pprof looks at the merged profile, whose mappings are those
 * of non-zero samples in order of first use (profile.Merge); a profile
 * without mappings gets one fake mapping for all its locations
 * (driver.locateBinaries). */
#include "cmon/app/pprof_symbolize.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmon/base/pathutil.h"

static bool zero_sample(const struct cm_profile *p, const struct cm_sample *s)
{
	for (size_t i = 0; i < p->nsample_types; i++)
		if (s->values[i])
			return false;
	return true;
}

/* Mapping indices in Merge's order; CM_NONE marks the fake mapping of a
 * profile that has none. Returns how many, or -1. */
static long used_mappings(const struct cm_profile *p, uint32_t **out)
{
	size_t n = 0;
	uint32_t *order = malloc((p->nmappings + 1) * sizeof(*order));
	bool *seen = calloc(p->nmappings + 1, 1);
	bool *loc_seen = calloc(p->nlocations + 1, 1);
	if (!order || !seen || !loc_seen) {
		free(order);
		free(seen);
		free(loc_seen);
		return -1;
	}
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct cm_sample *s = &p->samples[i];
		if (zero_sample(p, s))
			continue;
		struct cm_locs_cursor c = cm_locs_from_leaf(s);
		for (uint32_t k = 0; k < s->nlocs; k++) {
			uint32_t li = cm_locs_next(&c);
			if (loc_seen[li])
				continue;
			loc_seen[li] = true;
			uint32_t m = p->locations[li].mapping;
			size_t slot = p->nmappings == 0 ? p->nmappings : m;
			if (slot == CM_NONE || seen[slot])
				continue; /* no mapping: nothing to symbolize */
			seen[slot] = true;
			order[n++] = p->nmappings == 0 ? CM_NONE : m;
		}
	}
	free(seen);
	free(loc_seen);
	*out = order;
	return (long)n;
}

/* Mapping.Unsymbolizable, and pprof's skip of source URLs. */
static bool skipped(const struct cm_mapping *m)
{
	size_t bl;
	const char *b = cm_path_base(m->file, strlen(m->file), &bl);
	if ((bl && b[0] == '[') || (bl >= 10 && !strncmp(b, "linux-vdso", 10)) ||
	    !strncmp(m->file, "/dev/dri/", 9))
		return true;
	if (*m->build_id)
		return false;
	const char *colon = strchr(m->file, ':');
	if (!colon || colon == m->file)
		return false;
	for (const char *c = m->file; c < colon; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (c > m->file && ((*c >= '0' && *c <= '9') || *c == '+' || *c == '-' || *c == '.'))))
			return false;
	for (const char *c = m->file; c + 4 <= colon; c++)
		if (!strncasecmp(c, "http", 4))
			return true;
	return false;
}

/* Whether mapping m would be named in a note if samples use it. */
static bool may_need_note(const struct cm_mapping *m)
{
	struct stat st;
	if (m->has_functions || m->has_filenames || m->has_line_numbers)
		return false;
	return !*m->file || (!skipped(m) && stat(m->file, &st) != 0);
}

/* No mapping would be named: the notes need not know which mappings the
 * samples use, a walk over every frame of every sample (4 ms of a 70 ms
 * report on a 126k-sample profile). Without mappings the fake one is
 * named. */
static bool nothing_to_say(const struct cm_profile *p)
{
	for (size_t i = 0; i < p->nmappings; i++)
		if (may_need_note(&p->mappings[i]))
			return false;
	return p->nmappings > 0;
}

void cm_pprof_symbolize_notes(const struct cm_profile *p, FILE *out)
{
	if (nothing_to_say(p))
		return;
	uint32_t *order;
	long n = used_mappings(p, &order);
	bool missing = false;
	for (long i = 0; i < n; i++) {
		const struct cm_mapping *m = order[i] == CM_NONE ? NULL : &p->mappings[order[i]];
		if (m && (m->has_functions || m->has_filenames || m->has_line_numbers))
			continue;
		if (!m || !*m->file) {
			if (i == 0)
				fputs("Main binary filename not available.\n", out);
			else
				missing = true;
			continue;
		}
		if (skipped(m))
			continue;
		struct stat st;
		if (stat(m->file, &st) == 0)
			continue; /* pprof would read its symbols; cmon does not */
		char msg[128];
		size_t bl;
		const char *b = cm_path_base(m->file, strlen(m->file), &bl);
		fprintf(out, "Local symbolization failed for %.*s%s%s%s: open %s: %s\n", (int)bl, b,
			*m->build_id ? " (build ID " : "", m->build_id, *m->build_id ? ")" : "", m->file,
			cm_go_strerror(errno, msg, sizeof(msg)));
		missing = true;
	}
	if (missing)
		fputs("Some binary filenames not available. Symbolization may be incomplete.\n"
		      "Try setting PPROF_BINARY_PATH to the search path for local binaries.\n", out);
	if (n >= 0)
		free(order);
}
