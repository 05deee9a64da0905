/* report_proto: -proto, the profile after pprof's pipeline as gzipped
 * protobuf (report.go's printProto), and -topproto, the -top graph as a
 * profile of two values, cum and flat, in the report's unit, one sample
 * and one location per node (printTopProto). */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/hashset.h"
#include "cmon/base/measure.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/profile_encode.h"
#include "cmon/profile/report.h"

static int write_encoded(const struct cm_profile *p, uint64_t max, FILE *out, char *err,
			 size_t errlen)
{
	unsigned char *bytes;
	size_t len;
	if (cm_profile_encode(p, max, &bytes, &len, err, errlen) < 0)
		return -1;
	fwrite(bytes, 1, len, out); /* a failed write is the caller's to see */
	free(bytes);
	return 0;
}

int cm_report_proto(struct cm_report *r, FILE *out, char *err, size_t errlen)
{
	/* printProto: -divide_by scales every value before the profile is
	 * written (no sample is dropped, unlike a merge's Scale) */
	struct cm_profile *p = r->p;
	if (cm_profile_own_values(p) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < p->nsamples; i++)
		for (size_t v = 0; v < p->nsample_types; v++)
			p->samples[i].values[v] = cm_report_ratio(r, p->samples[i].values[v]);
	return write_encoded(p, r->opts.max_encoded, out, err, errlen);
}

static bool same_function(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_function *f = ctx;
	return !strcmp(f[a].name, f[b].name) && !strcmp(f[a].filename, f[b].filename) &&
	       f[a].start_line == f[b].start_line;
}

/* functionMap.findOrAdd: one function per distinct name, file and start
 * line, in order of first use; returns its index. */
static uint32_t find_or_add(struct cm_profile *t, struct cm_index_set *set,
			    const struct cm_node_info *ni)
{
	uint32_t n = (uint32_t)t->nfunctions;
	t->functions[n] = (struct cm_function){.id = n + 1, .name = ni->name, .system_name = "",
					       .filename = ni->file, .start_line = ni->start_line};
	uint64_t h = cm_hash_mix(cm_hash_mix(cm_hash_str(ni->name), cm_hash_str(ni->file)),
				 (uint64_t)ni->start_line);
	uint32_t i = cm_index_set_intern(set, h, n, same_function, t->functions);
	if (i == n)
		t->nfunctions++;
	return i;
}

/* One sample per node of t's graph: [cum, flat] scaled to the output unit. */
static int fill_topproto(struct cm_report *r, const struct cm_top *top, struct cm_profile *t,
			 struct cm_index_set *set)
{
	const struct cm_graph *g = &top->g;
	size_t n = g->nmembers;
	struct cm_arena *a = &t->arena;
	t->functions = cm_arena_array(a, n + 1, sizeof(*t->functions));
	t->locations = cm_arena_array(a, n + 1, sizeof(*t->locations));
	t->samples = cm_arena_array(a, n + 1, sizeof(*t->samples));
	if (!t->functions || !t->locations || !t->samples || cm_index_set_init(set, n) < 0)
		return -1;
	char unit[32];
	for (size_t i = 0; i < n; i++) {
		uint32_t id = g->members[i];
		const struct cm_node_info *ni = &top->nodes.info[id];
		struct cm_location *l = &t->locations[i];
		struct cm_sample *s = &t->samples[i];
		uint32_t *loc = cm_arena_array(a, 1, sizeof(uint32_t));
		struct cm_line *line = cm_arena_array(a, 1, sizeof(*line));
		int64_t *values = cm_arena_array(a, 2, sizeof(int64_t));
		if (!loc || !line || !values)
			return -1;
		*s = (struct cm_sample){.values = values};
		*line = (struct cm_line){find_or_add(t, set, ni), ni->lineno};
		*l = (struct cm_location){.id = i + 1, .mapping = CM_NONE, .nlines = 1,
					  .address = ni->address, .lines = line};
		*loc = (uint32_t)i;
		s->locs = loc;
		s->locs_wide = 1;
		s->nlocs = 1;
		double cv = cm_scale(cm_graph_cum_value(g, id), r->sample_unit, r->output_unit,
				     unit, sizeof(unit));
		double fv = cm_scale(cm_graph_flat_value(g, id), r->sample_unit, r->output_unit,
				     unit, sizeof(unit));
		s->values[0] = cm_f64_to_i64(cv);
		s->values[1] = cm_f64_to_i64(fv);
	}
	t->nlocations = t->nsamples = n;
	return 0;
}

int cm_report_topproto(struct cm_report *r, FILE *out, char *err, size_t errlen)
{
	struct cm_top top;
	struct cm_profile *t = NULL;
	int rc = -1;
	snprintf(err, errlen, "out of memory");
	if (cm_top_build(r, &top, true) < 0)
		return -1;
	const struct cm_profile *p = r->p;
	struct cm_value_type *types = NULL;
	struct cm_index_set set = {0};
	if ((t = cm_profile_new()) && (types = cm_arena_array(&t->arena, 2, sizeof(*types)))) {
		types[0] = (struct cm_value_type){"cum", r->output_unit};
		types[1] = (struct cm_value_type){"flat", r->output_unit};
		t->sample_types = types;
		t->nsample_types = 2;
		t->time_nanos = p->time_nanos;
		t->duration_nanos = p->duration_nanos;
		t->period_type = p->period_type;
		t->has_period_type = p->has_period_type;
		t->period = p->period;
		if (fill_topproto(r, &top, t, &set) == 0)
			rc = write_encoded(t, r->opts.max_encoded, out, err, errlen);
	}
	cm_index_set_free(&set);
	cm_profile_free(t);
	cm_top_free(&top);
	return rc;
}
