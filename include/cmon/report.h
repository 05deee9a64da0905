/* report: the text reports of `go tool pprof` (top, list, peek, traces),
 * byte for byte, from one prepared profile.
 *
 * cm_report_prepare runs pprof's pipeline on a profile the caller owns:
 * sample index, total, focus/ignore/hide/show, aggregation. The report
 * functions then only read it and write text to out. */
#ifndef CMON_REPORT_H
#define CMON_REPORT_H

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmon/profile.h"
#include "cmon/profile_ops.h"

enum cm_report_kind { CM_REPORT_TOP, CM_REPORT_LIST, CM_REPORT_PEEK, CM_REPORT_TRACES };

struct cm_report_opts {
	enum cm_report_kind kind;
	const char *sample_index;  /* name or number; NULL = default */
	bool cum_sort;             /* -cum */
	bool mean;                 /* -mean: values divided by the first (count) */
	bool drop_negative;        /* -drop_negative: hide nodes that shrank */
	int node_count;            /* -nodecount; -1 = the command's default */
	double node_fraction;      /* -nodefraction (0.005) */
	double edge_fraction;      /* -edgefraction (0.001) */
	enum cm_granularity granularity;
	bool granularity_set;      /* list forces lines when not set */
	const char *focus, *ignore, *hide, *show;
	const char *symbol;        /* the regex of -list / -peek */
	const char *source_path, *trim_path;
};

/* Sets the defaults go tool pprof starts with. */
void cm_report_opts_init(struct cm_report_opts *o);

struct cm_report {
	struct cm_profile *p;   /* borrowed, prepared in place */
	struct cm_report_opts opts;
	size_t vi;              /* sample value index */
	const char *sample_type; /* with "mean_" in front under -mean */
	char sample_type_buf[128];
	const char *sample_unit;
	char output_unit[32];   /* "minimum" until top picks one */
	int64_t total;
	const char *filters[4]; /* "focus=..." lines for the header, NULL-padded */
	const char *warnings[4]; /* "Focus expression matched no samples"..., NULL-padded */
	char filter_buf[4][1024];
};

/* Runs the pipeline on p. Returns 0, or -1 with one line in err (bad regex,
 * bad sample index...). */
int cm_report_prepare(struct cm_report *r, struct cm_profile *p,
		      const struct cm_report_opts *opts, char *err, size_t errlen);

/* Writes the report the options ask for. Returns 0, or -1 with err set
 * (for example "no matches found for regexp: X"). */
int cm_report_write(struct cm_report *r, FILE *out, char *err, size_t errlen);

/* The parts, for the viewer and for tests. */
int cm_report_top(struct cm_report *r, FILE *out);
int cm_report_list(struct cm_report *r, FILE *out, char *err, size_t errlen);
int cm_report_peek(struct cm_report *r, FILE *out, char *err, size_t errlen);
int cm_report_traces(struct cm_report *r, FILE *out);

/* The header lines (File, Type, Time, Duration) pprof prints first. */
void cm_report_profile_labels(struct cm_report *r, FILE *out);

struct cm_graph;

/* selectOutputUnit: the one unit top and peek print every row in, from the
 * smallest value shown and the total. */
void cm_report_select_output_unit(struct cm_report *r, const struct cm_graph *g);

/* The labels a graph report starts with: profile labels, active filters,
 * "Showing nodes accounting for ...". */
void cm_report_graph_labels(struct cm_report *r, const struct cm_graph *g, FILE *out);

/* Compiles the regex of -list/-peek (Go syntax); messages as pprof words them. */
int cm_report_symbol_regex(const char *pattern, regex_t *re, char *err, size_t errlen);

/* Formats v in the report's sample unit and current output unit. */
char *cm_report_value(const struct cm_report *r, int64_t v, char *buf, size_t len);

#endif
