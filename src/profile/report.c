/* report: pprof's pipeline from profile to report options, the header lines
 * every report shares, and the dispatch to top/list/peek/traces. */
#include "cmon/profile/report.h"

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
	o->unit = "minimum";
	o->trim = true;
	o->divide_by = 1;
}

/* computeTotal: sum of |value|, or of the base samples only in a -diff_base;
 * under -mean divided by the sum of the counts (the first value). */
static int64_t compute_total(const struct cm_profile *p, size_t vi, bool mean)
{
	int64_t total = 0, div = 0, diff_total = 0, diff_div = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		int64_t v = p->samples[i].values[vi];
		int64_t d = mean ? p->samples[i].values[0] : 0;
		v = cm_abs64(v);
		total = cm_add64(total, v);
		div = cm_add64(div, d);
		if (p->samples[i].nlabels && cm_sample_is_diff_base(&p->samples[i])) {
			diff_total = cm_add64(diff_total, v);
			diff_div = cm_add64(diff_div, d);
		}
	}
	if (diff_total > 0) {
		total = diff_total;
		div = diff_div;
	}
	return div != 0 ? cm_div64(total, div) : total;
}

/* applyCommandOverrides: list and peek never trim, list works on lines. */
static void apply_command_overrides(struct cm_report_opts *o)
{
	bool trim = o->trim;
	switch (o->kind) {
	case CM_REPORT_LIST:
		trim = false;
		o->granularity = CM_GRAN_LINES;
		break;
	case CM_REPORT_PEEK:
		trim = false;
		break;
	case CM_REPORT_TOP:
		if (o->node_count == -1)
			o->node_count = 0;
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

/* Adds "name=pattern" to the header's "Active filters:" lines. */
static void add_active_filter(struct cm_report *r, const char *name, const char *pat)
{
	int n = 0;
	while (n < CM_REPORT_MAX_FILTERS && r->filters[n])
		n++;
	if (!pat || !*pat || n == CM_REPORT_MAX_FILTERS)
		return;
	snprintf(r->filter_buf[n], sizeof(r->filter_buf[n]), "%s=%s", name, pat);
	r->filters[n] = r->filter_buf[n];
}

/* pprof's warnNoMatches, for the caller to print. */
static void add_warning(struct cm_report *r, const char *warning)
{
	int n = 0;
	while (n < CM_REPORT_MAX_FILTERS && r->warnings[n])
		n++;
	if (n < CM_REPORT_MAX_FILTERS)
		r->warnings[n] = warning;
}

enum { F_FOCUS, F_IGNORE, F_HIDE, F_SHOW, F_SHOW_FROM, F_PRUNE_FROM, F_COUNT };

/* applyFocus: the regexes compiled in pprof's order (the first bad one is
 * the error), then focus/ignore/hide/show, show_from, prune_from. */
static int apply_filters(struct cm_report *r, char *err, size_t errlen)
{
	struct cm_filter f[F_COUNT] = {0};
	const char *names[F_COUNT] = {"focus", "ignore", "hide", "show", "show_from", "prune_from"};
	const char *pats[F_COUNT] = {r->opts.focus, r->opts.ignore, r->opts.hide, r->opts.show,
				     r->opts.show_from, r->opts.prune_from};
	int rc = 0;
	for (int i = 0; i < F_COUNT && !rc; i++) {
		rc = cm_filter_compile(&f[i], names[i], pats[i], err, errlen);
		if (i != F_PRUNE_FROM) /* pprof lists no prune_from filter */
			add_active_filter(r, names[i], pats[i]);
	}
	unsigned matched = 0;
	bool from_matched = false;
	if (!rc && (cm_profile_filter_by_name(r->p, &f[F_FOCUS], &f[F_IGNORE], &f[F_HIDE],
					      &f[F_SHOW], &matched) < 0 ||
		    cm_profile_show_from(r->p, &f[F_SHOW_FROM], &from_matched) < 0 ||
		    cm_profile_prune_from(r->p, &f[F_PRUNE_FROM]) < 0)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	static const char *const warn[F_COUNT] = {"Focus expression matched no samples",
		"Ignore expression matched no samples", "Hide expression matched no samples",
		"Show expression matched no samples", "ShowFrom expression matched no samples"};
	for (int i = 0; !rc && i < F_SHOW_FROM; i++)
		if (f[i].set && !(matched & (1u << i)))
			add_warning(r, warn[i]);
	if (!rc && f[F_SHOW_FROM].set && !from_matched)
		add_warning(r, warn[F_SHOW_FROM]);
	for (int i = 0; i < F_COUNT; i++)
		cm_filter_free(&f[i]);
	return rc;
}

int cm_report_prepare(struct cm_report *r, struct cm_profile *p,
		      const struct cm_report_opts *opts, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->opts = *opts;
	apply_command_overrides(&r->opts);
	snprintf(r->output_unit, sizeof(r->output_unit), "%s", opts->unit ? opts->unit : "minimum");
	int vi = cm_profile_sample_index(p, opts->sample_index, err, errlen);
	if (vi < 0)
		return -1;
	if (opts->divide_by == 0) {
		snprintf(err, errlen, "zero divisor specified");
		return -1;
	}
	r->ratio = 1 / opts->divide_by;
	r->vi = (size_t)vi;
	r->sample_type = p->sample_types[vi].type;
	if (r->opts.mean) {
		snprintf(r->sample_type_buf, sizeof(r->sample_type_buf), "mean_%s", r->sample_type);
		r->sample_type = r->sample_type_buf;
	}
	r->sample_unit = p->sample_types[vi].unit;
	r->total = compute_total(p, r->vi, r->opts.mean);
	if (apply_filters(r, err, errlen) < 0)
		return -1;
	if (r->opts.noinlines)
		cm_profile_drop_inlines(p);
	cm_profile_aggregate(p, r->opts.granularity);
	return 0;
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
	if (strcmp(min_unit, max_unit) && cm_mul64(min_value, 100) < max_value)
		cm_scale(cm_mul64(100, min_value), r->sample_unit, "minimum", unit, sizeof(unit));
	snprintf(r->output_unit, sizeof(r->output_unit), "%s", *unit ? unit : r->sample_unit);
}

void cm_report_graph_labels(struct cm_report *r, const struct cm_graph *g, FILE *out)
{
	char a[64], b[64], pct[32];
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

int cm_report_symbol_regex(const char *pattern, regex_t *re, char *err, size_t errlen)
{
	char msg[384];
	if (cm_goregex_compile(re, pattern, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "parsing argument regexp %s: %s", pattern, msg);
		return -1;
	}
	return 0;
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
	}
	if (rc < 0) /* top and traces fail only when memory runs out */
		snprintf(err, errlen, "out of memory");
	return rc;
}
