/* report: pprof's pipeline from profile to report options, the header lines
 * every report shares, and the dispatch to top/list/peek/traces. */
#include "cmon/profile/report.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmon/base/goregex.h"
#include "cmon/base/measure.h"
#include "cmon/base/pathutil.h"
#include "cmon/profile/graph.h"

void cm_report_opts_init(struct cm_report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = CM_REPORT_TOP;
	o->node_count = -1;
	o->node_fraction = 0.005;
	o->edge_fraction = 0.001;
	o->granularity = CM_GRAN_FUNCTIONS;
	o->max_encoded = CM_DEFAULT_MAX_INFLATED;
	o->unit = "minimum";
	o->trim = true;
	o->divide_by = 1;
}

/* computeTotal over samples [from, to): sums of |value|, and of the base
 * samples alone for a -diff_base; under -mean also of the counts (the
 * first value). */
static void total_add(struct cm_total_acc *t, const struct cm_profile *p, size_t vi, bool mean,
		      size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		int64_t v = p->samples[i].values[vi];
		int64_t d = mean ? p->samples[i].values[0] : 0;
		v = cm_abs64(v);
		t->total = cm_add64(t->total, v);
		t->div = cm_add64(t->div, d);
		if (p->samples[i].nlabels && cm_sample_is_diff_base(&p->samples[i])) {
			t->diff_total = cm_add64(t->diff_total, v);
			t->diff_div = cm_add64(t->diff_div, d);
		}
	}
}

/* The total of what total_add summed: of the base samples when a
 * -diff_base has them; under -mean divided by the counts. */
static int64_t total_of(const struct cm_total_acc *t)
{
	int64_t total = t->total, div = t->div;
	if (t->diff_total > 0) {
		total = t->diff_total;
		div = t->diff_div;
	}
	return div != 0 ? cm_div64(total, div) : total;
}

/* applyCommandOverrides: list, peek and disasm never trim, list works on
 * lines, disasm on addresses without inline frames. */
static void apply_command_overrides(struct cm_report_opts *o)
{
	bool trim = o->trim;
	switch (o->kind) {
	case CM_REPORT_DISASM:
		trim = false;
		o->granularity = CM_GRAN_ADDRESSES;
		break;
	case CM_REPORT_LIST:
		trim = false;
		o->granularity = CM_GRAN_LINES;
		break;
	case CM_REPORT_PEEK:
		trim = false;
		break;
	case CM_REPORT_TOP:
	case CM_REPORT_TOPPROTO:
		if (o->node_count == -1)
			o->node_count = 0;
		break;
	case CM_REPORT_CALLGRIND: /* every address, untrimmed */
	case CM_REPORT_RAW:
	case CM_REPORT_PROTO:
		/* the profile itself, every address and inline frame */
		trim = false;
		o->granularity = CM_GRAN_ADDRESSES;
		break;
	default:
		if (o->node_count == -1)
			o->node_count = 80;
		break;
	}
	if (!trim) {
		o->node_count = 0;
		o->node_fraction = 0;
		o->edge_fraction = 0;
	}
}

bool cm_report_opts_change_samples(const struct cm_report_opts *o)
{
	const char *f[] = {o->focus, o->ignore, o->hide, o->show, o->show_from, o->prune_from,
			   o->tagfocus, o->tagignore, o->tagshow, o->taghide, o->tagroot, o->tagleaf};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i] && *f[i])
			return true;
	return false;
}

bool cm_report_opts_need_labels(const struct cm_report_opts *o)
{
	const char *f[] = {o->tagfocus, o->tagignore, o->tagshow, o->taghide, o->tagroot, o->tagleaf};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i] && *f[i])
			return true;
	return o->kind == CM_REPORT_TRACES || o->kind == CM_REPORT_TAGS || o->kind == CM_REPORT_RAW ||
	       o->kind == CM_REPORT_DOT || /* its tag nodes */
	       o->kind == CM_REPORT_PROTO; /* -raw and -proto show them */
}

static void add_warning(struct cm_report *r, const char *w)
{
	for (int i = 0; i < CM_REPORT_MAX_WARNINGS - 1; i++)
		if (!r->warnings[i]) {
			r->warnings[i] = w;
			return;
		}
}

/* reportOptions' "Active filters" list, in pprof's order. */
static void list_filters(struct cm_report *r)
{
	const struct cm_report_opts *o = &r->opts;
	const char *names[] = {"focus", "ignore", "hide", "show", "show_from",
			       "tagfocus", "tagignore", "tagshow", "taghide"};
	const char *pats[] = {o->focus, o->ignore, o->hide, o->show, o->show_from,
			      o->tagfocus, o->tagignore, o->tagshow, o->taghide};
	for (size_t i = 0, nf = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (pats[i] && *pats[i]) {
			snprintf(r->filter_buf[nf], sizeof(r->filter_buf[nf]), "%s=%s", names[i], pats[i]);
			r->filters[nf] = r->filter_buf[nf];
			nf++;
		}
}

/* The name filters: focus, ignore, hide, show (compiled by the caller). */
static int filter_names(struct cm_report *r, const struct cm_filter *f)
{
	unsigned matched = 0;
	if (cm_profile_filter_by_name(r->p, &f[0], &f[1], &f[2], &f[3], &matched) < 0)
		return -1;
	/* pprof's warnNoMatches, for the caller to print */
	static const char *const warn[4] = {"Focus expression matched no samples",
		"Ignore expression matched no samples", "Hide expression matched no samples",
		"Show expression matched no samples"};
	for (int i = 0; i < 4; i++)
		if (f[i].set && !(matched & (1u << i)))
			add_warning(r, warn[i]);
	return 0;
}

/* -tagshow, -taghide: compiled after the samples are filtered, as pprof does. */
static int filter_tag_names(struct cm_report *r, char *err, size_t errlen)
{
	struct cm_filter show = {0}, hide = {0};
	int rc = cm_filter_compile(&show, "tagshow", r->opts.tagshow, err, errlen);
	if (!rc)
		rc = cm_filter_compile(&hide, "taghide", r->opts.taghide, err, errlen);
	if (!rc) {
		bool sm, hm;
		cm_profile_filter_tags_by_name(r->p, &show, &hide, &sm, &hm);
		if (!sm)
			add_warning(r, "TagShow expression matched no samples");
		if (!hm)
			add_warning(r, "TagHide expression matched no samples");
	}
	cm_filter_free(&show);
	cm_filter_free(&hide);
	return rc;
}

/* -show_from, after the name filters; pprof's warning when it matched
 * nothing. */
static int filter_show_from(struct cm_report *r, const struct cm_filter *f)
{
	bool matched;
	if (cm_profile_show_from(r->p, f, &matched) < 0)
		return -1;
	if (f->set && !matched)
		add_warning(r, "ShowFrom expression matched no samples");
	return 0;
}

/* pprof's applyFocus: every filter compiled in its order (the first bad
 * one is the error; the tag ranges noted), then the samples filtered by
 * name, show_from, by label, the labels by key, and prune_from last. */
static int apply_filters(struct cm_report *r, char *err, size_t errlen)
{
	enum { FOCUS, IGNORE, HIDE, SHOW, SHOW_FROM, PRUNE_FROM, NF };
	struct cm_filter f[NF] = {0};
	struct cm_tag_filter tf[2] = {0};
	const char *names[NF] = {"focus", "ignore", "hide", "show", "show_from", "prune_from"};
	const char *pats[NF] = {r->opts.focus, r->opts.ignore, r->opts.hide, r->opts.show,
				r->opts.show_from, r->opts.prune_from};
	const char *tnames[2] = {"tagfocus", "tagignore"};
	const char *tpats[2] = {r->opts.tagfocus, r->opts.tagignore};
	int rc = 0;
	for (int i = 0; i < PRUNE_FROM && !rc; i++)
		rc = cm_filter_compile(&f[i], names[i], pats[i], err, errlen);
	for (int i = 0; i < 2 && !rc; i++) {
		rc = cm_tag_filter_compile(&tf[i], tnames[i], tpats[i], &r->num_units, r->note_buf[i],
					   sizeof(r->note_buf[i]), err, errlen);
		if (!rc && r->note_buf[i][0])
			add_warning(r, r->note_buf[i]);
	}
	if (!rc)
		rc = cm_filter_compile(&f[PRUNE_FROM], names[PRUNE_FROM], pats[PRUNE_FROM], err, errlen);
	if (!rc && (filter_names(r, f) < 0 || filter_show_from(r, &f[SHOW_FROM]) < 0)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (!rc) {
		bool fm, im;
		cm_profile_filter_by_tag(r->p, &tf[0], &tf[1], &fm, &im);
		if (!fm)
			add_warning(r, "TagFocus expression matched no samples");
		if (!im)
			add_warning(r, "TagIgnore expression matched no samples");
		rc = filter_tag_names(r, err, errlen);
	}
	if (!rc && cm_profile_prune_from(r->p, &f[PRUNE_FROM]) < 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (int i = 0; i < NF; i++)
		cm_filter_free(&f[i]);
	for (int i = 0; i < 2; i++)
		cm_tag_filter_free(&tf[i]);
	return rc;
}

/* identifyNumLabelUnits (its samples summed by the builder) and
 * generateTagRootsLeaves: before any filter. */
static int prepare_labels(struct cm_report *r, struct cm_num_units_builder *u, char *err,
			  size_t errlen)
{
	if (cm_num_units_end(u, r->p, &r->num_units) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r->num_units.conflicts)
		add_warning(r, r->num_units.conflicts);
	bool rootm, leafm;
	if (cm_profile_add_label_nodes(r->p, r->opts.tagroot, r->opts.tagleaf, "minimum", &rootm,
				       &leafm) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r->opts.tagroot && *r->opts.tagroot && !rootm)
		add_warning(r, "TagRoot expression matched no samples");
	if (r->opts.tagleaf && *r->opts.tagleaf && !leafm)
		add_warning(r, "TagLeaf expression matched no samples");
	return 0;
}

/* cm_report_prepare in steps: the labels' units, the total and (with no
 * filter) the frameless samples' removal are passes over every sample,
 * done in slices; the filters, when some are set, go in one piece. */
enum { PREP_UNITS, PREP_TOTAL, PREP_KEEP, PREP_DONE };

int cm_report_prepare_begin(struct cm_prep_builder *b, struct cm_report *r, struct cm_profile *p,
			    const struct cm_report_opts *opts, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	memset(r, 0, sizeof(*r));
	b->r = r;
	b->phase = PREP_DONE;
	r->p = p;
	r->opts = *opts;
	apply_command_overrides(&r->opts);
	snprintf(r->output_unit, sizeof(r->output_unit), "%s", opts->unit ? opts->unit : "minimum");
	if (cm_num_units_begin(&b->units, p) < 0) {
		cm_num_units_abort(&b->units);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->phase = PREP_UNITS;
	return 0;
}

/* The filters in one piece (some are set), as a step's work. */
static int prep_filters(struct cm_prep_builder *b, char *err, size_t errlen)
{
	b->work += b->r->p->nsamples + b->r->p->nlocations;
	return apply_filters(b->r, err, errlen);
}

/* After the labels' units: the sample type, then the filters first under
 * -relative_percentages (their total is what they keep). */
static int prep_after_units(struct cm_prep_builder *b, char *err, size_t errlen)
{
	struct cm_report *r = b->r;
	struct cm_profile *p = r->p;
	if (prepare_labels(r, &b->units, err, errlen) < 0)
		return -1;
	int vi = cm_profile_sample_index(p, r->opts.sample_index, err, errlen);
	if (vi < 0)
		return -1;
	if (r->opts.divide_by == 0) {
		snprintf(err, errlen, "zero divisor specified");
		return -1;
	}
	r->ratio = 1 / r->opts.divide_by;
	r->vi = (size_t)vi;
	r->sample_type = p->sample_types[vi].type;
	if (r->opts.mean) {
		snprintf(r->sample_type_buf, sizeof(r->sample_type_buf), "mean_%s", r->sample_type);
		r->sample_type = r->sample_type_buf;
	}
	r->sample_unit = p->sample_types[vi].unit;
	b->plain = !cm_report_opts_change_samples(&r->opts);
	b->next = 0;
	b->phase = PREP_TOTAL;
	if (!r->opts.relative_percentages)
		return 0;
	if (b->plain)
		b->phase = PREP_KEEP;
	else if (prep_filters(b, err, errlen) < 0)
		return -1;
	return 0;
}

/* The aggregation to the granularity and -noinlines: passes over the
 * tables (locations, functions), not the samples. */
static void prep_finish(struct cm_prep_builder *b)
{
	struct cm_report *r = b->r;
	b->work += r->p->nlocations + r->p->nfunctions;
	cm_profile_aggregate(r->p, r->opts.granularity);
	/* -noinlines; disasm forces it: one node per address, so that inlined
	 * frames do not count an address's samples twice */
	if (r->opts.noinlines || r->opts.kind == CM_REPORT_DISASM)
		cm_profile_drop_inline_frames(r->p);
	b->phase = PREP_DONE;
}

/* The end of a pass over the samples: what comes next. */
static int prep_pass_end(struct cm_prep_builder *b, char *err, size_t errlen)
{
	struct cm_report *r = b->r;
	bool relative = r->opts.relative_percentages;
	switch (b->phase) {
	case PREP_UNITS:
		return prep_after_units(b, err, errlen);
	case PREP_TOTAL:
		r->total = total_of(&b->acc);
		b->total_done = true;
		list_filters(r);
		if (!relative && b->plain) {
			b->phase = PREP_KEEP;
			b->next = 0;
			return 0;
		}
		if (!relative && prep_filters(b, err, errlen) < 0)
			return -1;
		break;
	case PREP_KEEP:
		r->p->nsamples = b->kept;
		if (!b->total_done) { /* -relative_percentages: the total of what stays */
			b->phase = PREP_TOTAL;
			b->next = 0;
			return 0;
		}
		break;
	}
	prep_finish(b);
	return 0;
}

int cm_report_prepare_step(struct cm_prep_builder *b, size_t n, char *err, size_t errlen)
{
	if (b->phase == PREP_DONE)
		return 1;
	struct cm_report *r = b->r;
	struct cm_profile *p = r->p;
	size_t ns = p->nsamples, to = n < ns - b->next ? b->next + n : ns;
	int rc = 0;
	if (b->phase == PREP_UNITS)
		rc = cm_num_units_add(&b->units, p, b->next, to);
	else if (b->phase == PREP_TOTAL)
		total_add(&b->acc, p, r->vi, r->opts.mean, b->next, to);
	else if ((b->kept = cm_profile_keep_framed(p, b->next, to, b->kept)) == SIZE_MAX)
		rc = -1;
	b->work += to - b->next;
	b->next = to;
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	else if (to == ns) {
		b->passes++;
		rc = prep_pass_end(b, err, errlen);
	}
	if (rc < 0) {
		cm_report_prepare_abort(b);
		return -1;
	}
	return b->phase == PREP_DONE;
}

double cm_report_prepare_progress(const struct cm_prep_builder *b)
{
	size_t ns = b->r ? b->r->p->nsamples : 0;
	if (b->phase == PREP_DONE || ns == 0)
		return 1;
	/* three passes over the samples, a third each */
	double in_pass = (double)b->next / (double)ns;
	return ((double)b->passes + in_pass) / 3;
}

void cm_report_prepare_abort(struct cm_prep_builder *b)
{
	cm_num_units_abort(&b->units);
	b->phase = PREP_DONE;
}

int cm_report_prepare(struct cm_report *r, struct cm_profile *p,
		      const struct cm_report_opts *opts, char *err, size_t errlen)
{
	struct cm_prep_builder b;
	if (cm_report_prepare_begin(&b, r, p, opts, err, errlen) < 0)
		return -1;
	int rc;
	while ((rc = cm_report_prepare_step(&b, SIZE_MAX, err, errlen)) == 0)
		; /* the next pass */
	return rc < 0 ? -1 : 0;
}

void cm_report_select_output_unit(struct cm_report *r, const struct cm_graph *g)
{
	if (strcmp(r->output_unit, "minimum") || g->nmembers == 0)
		return;
	int64_t min_value = 0;
	for (size_t i = 0; i < g->nmembers; i++) {
		uint32_t id = g->members[i];
		int64_t v = cm_abs64(cm_graph_flat_value(g, id));
		if (v == 0)
			v = cm_abs64(cm_graph_cum_value(g, id));
		if (v > 0 && (min_value == 0 || v < min_value))
			min_value = v;
	}
	int64_t max_value = r->total;
	if (min_value == 0)
		min_value = max_value;
	min_value = cm_report_ratio(r, min_value);
	max_value = cm_report_ratio(r, max_value);
	char min_unit[32], max_unit[32], unit[32];
	cm_scale(min_value, r->sample_unit, "minimum", min_unit, sizeof(min_unit));
	cm_scale(max_value, r->sample_unit, "minimum", max_unit, sizeof(max_unit));
	snprintf(unit, sizeof(unit), "%s", min_unit);
	/* callgrind prints integers: no scaling down to 0.01 */
	if (strcmp(min_unit, max_unit) && cm_mul64(min_value, 100) < max_value &&
	    r->opts.kind != CM_REPORT_CALLGRIND)
		cm_scale(cm_mul64(100, min_value), r->sample_unit, "minimum", unit, sizeof(unit));
	snprintf(r->output_unit, sizeof(r->output_unit), "%s", *unit ? unit : r->sample_unit);
}

void cm_report_graph_labels(struct cm_report *r, const struct cm_graph *g, FILE *out)
{
	char a[64], b[64], pct[32];
	/* -compact_labels leaves them out, except in -dot's legend (full headers) */
	if (!r->opts.compact_labels || r->opts.kind == CM_REPORT_DOT)
		cm_report_profile_labels(r, out);
	if (r->filters[0]) {
		fprintf(out, "Active filters:\n");
		for (int i = 0; i < CM_REPORT_MAX_FILTERS && r->filters[i]; i++) {
			const char *f = r->filters[i];
			if (strlen(f) > 80) /* Go cuts at 80 bytes and adds an ellipsis */
				fprintf(out, "   %.80s\xe2\x80\xa6\n", f);
			else
				fprintf(out, "   %s\n", f);
		}
	}
	int64_t flat_sum = 0;
	for (size_t i = 0; i < g->nmembers; i++)
		flat_sum = cm_add64(flat_sum, cm_graph_flat_value(g, g->members[i]));
	cm_percentage(flat_sum, r->total, pct, sizeof(pct));
	const char *p = pct;
	while (*p == ' ')
		p++;
	fprintf(out, "Showing nodes accounting for %s, %s of %s total\n",
		cm_report_value(r, flat_sum, a, sizeof(a)), p,
		cm_report_value(r, r->total, b, sizeof(b)));
}

struct cm_goregex *cm_report_symbol_regex(const char *pattern, char *err, size_t errlen)
{
	char msg[384];
	struct cm_goregex *re = cm_goregex_compile(pattern, msg, sizeof(msg));
	if (!re)
		snprintf(err, errlen, "parsing argument regexp %s: %s", pattern, msg);
	return re;
}

int64_t cm_report_ratio(const struct cm_report *r, int64_t v)
{
	if (r->ratio > 0 && r->ratio != 1) /* pprof ignores a negative -divide_by */
		v = cm_f64_to_i64((double)v * r->ratio);
	return v;
}

char *cm_report_value(const struct cm_report *r, int64_t v, char *buf, size_t len)
{
	return cm_scaled_label(cm_report_ratio(r, v), r->sample_unit, r->output_unit, buf, len);
}


/* Go's layout "Jan 2, 2006 at 3:04pm (MST)", in the local time zone. */
static void print_time(FILE *out, int64_t nanos)
{
	time_t t = (time_t)(nanos / 1000000000);
	if (nanos < 0 && nanos % 1000000000)
		t--;
	struct tm tm;
	char month[16], zone[64];
	if (!localtime_r(&t, &tm) || !strftime(month, sizeof(month), "%b", &tm) ||
	    !strftime(zone, sizeof(zone), "%Z", &tm)) {
		fprintf(out, "Time: %lld\n", (long long)nanos);
		return;
	}
	int hour12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	fprintf(out, "Time: %s %d, %d at %d:%02d%s (%s)\n", month, tm.tm_mday, tm.tm_year + 1900,
		hour12, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm", zone);
}

void cm_report_profile_labels(struct cm_report *r, FILE *out)
{
	const struct cm_profile *p = r->p;
	if (p->nmappings > 0) {
		const char *file = p->mappings[0].file;
		if (*file) {
			size_t n;
			const char *base = cm_path_base(file, strlen(file), &n);
			fprintf(out, "File: %.*s\n", (int)n, base);
		}
		if (*p->mappings[0].build_id)
			fprintf(out, "Build ID: %s\n", p->mappings[0].build_id);
	}
	for (size_t i = 0; i < p->ncomments; i++)
		if (p->comments[i][0] != '#')
			fprintf(out, "%s\n", p->comments[i]);
	if (*r->sample_type)
		fprintf(out, "Type: %s\n", r->sample_type);
	if (p->time_nanos != 0)
		print_time(out, p->time_nanos);
	if (p->duration_nanos != 0) {
		char dur[64], tot[64], unit[32], pct[32];
		cm_label(p->duration_nanos, "nanoseconds", dur, sizeof(dur));
		double nanos = cm_scale(r->total, r->sample_unit, "nanoseconds", unit, sizeof(unit));
		const char *ratio = "";
		char ratio_buf[48];
		if (!strcmp(unit, "ns") && nanos != 0) {
			snprintf(ratio_buf, sizeof(ratio_buf), "(%s)",
				 cm_percentage(cm_f64_to_i64(nanos), p->duration_nanos, pct, sizeof(pct)));
			ratio = ratio_buf;
		}
		fprintf(out, "Duration: %s, Total samples = %s %s\n", dur,
			cm_report_value(r, r->total, tot, sizeof(tot)), ratio);
	}
}

int cm_report_write(struct cm_report *r, FILE *out, char *err, size_t errlen)
{
	int rc = -1;
	switch (r->opts.kind) {
	case CM_REPORT_TOP:
		rc = cm_report_top(r, out);
		break;
	case CM_REPORT_LIST:
		return cm_report_list(r, out, err, errlen);
	case CM_REPORT_PEEK:
		return cm_report_peek(r, out, err, errlen);
	case CM_REPORT_TRACES:
		rc = cm_report_traces(r, out);
		break;
	case CM_REPORT_DOT:
		rc = cm_report_dot(r, out);
		break;
	case CM_REPORT_CALLGRIND:
		rc = cm_report_callgrind(r, out);
		break;
	case CM_REPORT_DISASM:
		return cm_report_disasm(r, out, err, errlen);
	case CM_REPORT_TAGS:
		rc = cm_report_tags(r, out);
		break;
	case CM_REPORT_TREE:
		rc = cm_report_tree(r, out);
		break;
	case CM_REPORT_RAW:
		rc = cm_report_raw(r, out);
		break;
	case CM_REPORT_FOLDED:
		rc = cm_report_folded(r, out);
		break;
	case CM_REPORT_COMMENTS:
		cm_report_comments(r, out);
		rc = 0;
		break;
	case CM_REPORT_PROTO:
		return cm_report_proto(r, out, err, errlen);
	case CM_REPORT_TOPPROTO:
		return cm_report_topproto(r, out, err, errlen);
	}
	if (rc < 0) /* the text reports fail only when memory runs out */
		snprintf(err, errlen, "out of memory");
	return rc;
}
