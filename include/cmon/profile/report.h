/* report: the text reports of `go tool pprof` (top, list, peek, traces),
 * byte for byte, from one prepared profile.
 *
 * cm_report_prepare runs pprof's pipeline on a profile the caller owns:
 * sample index, total, focus/ignore/hide/show, aggregation. The report
 * functions then only read it and write text to out. */
#ifndef CMON_REPORT_H
#define CMON_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "cmon/profile/graph.h"
#include "cmon/profile/labels.h"
#include "cmon/profile/graph_tags.h"
#include "cmon/profile/graph_tree.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/profile_ops.h"

enum cm_report_kind {
	CM_REPORT_TOP, CM_REPORT_LIST, CM_REPORT_PEEK, CM_REPORT_TRACES,
	CM_REPORT_DOT, CM_REPORT_CALLGRIND, CM_REPORT_DISASM, CM_REPORT_TAGS,
	CM_REPORT_TREE, CM_REPORT_RAW, CM_REPORT_COMMENTS, CM_REPORT_FOLDED,
	CM_REPORT_PROTO, CM_REPORT_TOPPROTO, /* gzipped protobuf, not text; keep it last */
};

struct cm_objtool;

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
	/* label filters: -tagfocus/-tagignore ([KEY=]regexes or a numeric
	 * range), -tagshow/-taghide (regexes of keys), -tagroot/-tagleaf
	 * (comma-separated keys made into frames) */
	const char *tagfocus, *tagignore, *tagshow, *taghide, *tagroot, *tagleaf;
	const char *symbol;        /* the regex of -list / -peek */
	const char *source_path, *trim_path;
	bool relative_percentages; /* filters before the total, as pprof's -relative_percentages */
	uint64_t max_encoded;      /* -proto, -topproto: refuse a larger protobuf */
	bool call_tree;            /* -call_tree: nodes per call path (dot, callgrind) */
	bool compact_labels;       /* -compact_labels: text reports without profile labels */
	const char *show_from;     /* -show_from: drop the frames above the match */
	const char *prune_from;    /* -prune_from: drop the frames beneath the match */
	const char *unit;          /* -unit: output unit ("minimum", "auto", "ms"...) */
	bool noinlines;            /* -noinlines: inlined frames count for their caller */
	bool trim;                 /* -trim: apply nodecount/nodefraction (true) */
	double divide_by;          /* -divide_by: values shown divided by it (1) */
	bool intel_syntax;         /* -intel_syntax (go tool pprof refuses it) */
	const struct cm_objtool *objtool; /* -disasm's access to the binaries */
};

/* Sets the defaults go tool pprof starts with. */
void cm_report_opts_init(struct cm_report_opts *o);

/* True when cm_report_prepare under o rewrites samples (filters, label
 * frames), not only the tables: the profile must then be a full copy. */
bool cm_report_opts_change_samples(const struct cm_report_opts *o);

/* True when a report under o reads sample labels (-traces, -tags, the tag
 * options): the decoder may drop them otherwise. */
bool cm_report_opts_need_labels(const struct cm_report_opts *o);

/* focus, ignore, hide, show, show_from, tagfocus, tagignore, tagshow,
 * taghide (prune_from is not listed) */
#define CM_REPORT_MAX_FILTERS 10
#define CM_REPORT_MAX_WARNINGS 16

struct cm_report {
	struct cm_profile *p;   /* borrowed, prepared in place */
	struct cm_report_opts opts;
	size_t vi;              /* sample value index */
	const char *sample_type; /* with "mean_" in front under -mean */
	char sample_type_buf[128];
	const char *sample_unit;
	char output_unit[32];   /* -unit; "minimum" until top picks one */
	double ratio;           /* 1 / -divide_by: applied to the values printed */
	int64_t total;
	/* "focus=..." lines for the header, NULL-padded */
	const char *filters[CM_REPORT_MAX_FILTERS];
	/* "Focus expression matched no samples"..., NULL-padded */
	const char *warnings[CM_REPORT_MAX_WARNINGS];
	char filter_buf[CM_REPORT_MAX_FILTERS][1024];
	char note_buf[2][1100]; /* "tagfocus:Interpreted ..." */
	struct cm_num_units num_units; /* of the profile before filtering */
};

/* Runs the pipeline on p. Returns 0, or -1 with one line in err (bad regex,
 * bad sample index...). */
int cm_report_prepare(struct cm_report *r, struct cm_profile *p,
		      const struct cm_report_opts *opts, char *err, size_t errlen);

/* cm_report_prepare in steps (the viewer builds in the background): begin
 * (no pass over the samples), then step until it returns 1 (done), each
 * step at most n samples of a pass over them; -1 with err (the builder
 * is then done with: nothing to abort). The filters, when some are set,
 * are one step. r and p are borrowed, as by cm_report_prepare; abort
 * frees what a builder left unfinished holds. work counts the units done
 * (samples, table entries) for the tests that bound a step. */
struct cm_total_acc {
	int64_t total, div, diff_total, diff_div;
};
struct cm_prep_builder {
	struct cm_report *r;
	int phase;
	size_t next;   /* the pass's next sample */
	size_t kept;   /* samples with frames so far (no filter set) */
	size_t work;
	bool plain;    /* no filter changes the samples */
	bool total_done;
	int passes;    /* over the samples, done */
	struct cm_num_units_builder units;
	struct cm_total_acc acc;
};
int cm_report_prepare_begin(struct cm_prep_builder *b, struct cm_report *r, struct cm_profile *p,
			    const struct cm_report_opts *opts, char *err, size_t errlen);
int cm_report_prepare_step(struct cm_prep_builder *b, size_t n, char *err, size_t errlen);
double cm_report_prepare_progress(const struct cm_prep_builder *b); /* 0..1 */
void cm_report_prepare_abort(struct cm_prep_builder *b);

/* Writes the report the options ask for. Returns 0, or -1 with err set
 * (for example "no matches found for regexp: X"). */
int cm_report_write(struct cm_report *r, FILE *out, char *err, size_t errlen);

/* The parts, for the viewer and for tests. */
int cm_report_top(struct cm_report *r, FILE *out);
int cm_report_list(struct cm_report *r, FILE *out, char *err, size_t errlen);
int cm_report_peek(struct cm_report *r, FILE *out, char *err, size_t errlen);
int cm_report_traces(struct cm_report *r, FILE *out);
int cm_report_dot(struct cm_report *r, FILE *out);
int cm_report_callgrind(struct cm_report *r, FILE *out);
int cm_report_disasm(struct cm_report *r, FILE *out, char *err, size_t errlen);
int cm_report_tags(struct cm_report *r, FILE *out);
int cm_report_tree(struct cm_report *r, FILE *out);
/* -folded: collapsed stacks for flamegraph.pl / inferno / speedscope
 * (report_folded.c says what the numbers are). */
int cm_report_folded(struct cm_report *r, FILE *out);
/* -raw: the profile as pprof's Profile.String() prints it; -comments. */
int cm_report_raw(struct cm_report *r, FILE *out);
void cm_report_comments(struct cm_report *r, FILE *out);
/* -proto: the profile, gzipped protobuf; -topproto: the -top graph as a
 * profile of cum and flat values. -1 with err set. */
int cm_report_proto(struct cm_report *r, FILE *out, char *err, size_t errlen);
int cm_report_topproto(struct cm_report *r, FILE *out, char *err, size_t errlen);

/* The body of -tree and -peek: separators, legend, and for each member of g
 * (those with match[id] when match is not NULL), its callers, its row and
 * its callees. -1 when memory runs out. */
int cm_tree_print(struct cm_report *r, const struct cm_graph *g, const bool *match, FILE *out);

/* The header lines (File, Type, Time, Duration) pprof prints first. */
void cm_report_profile_labels(struct cm_report *r, FILE *out);

struct cm_graph;

/* selectOutputUnit: the one unit top and peek print every row in, from the
 * smallest value shown and the total. */
void cm_report_select_output_unit(struct cm_report *r, const struct cm_graph *g);

/* The labels a graph report starts with: profile labels, active filters,
 * "Showing nodes accounting for ...". */
void cm_report_graph_labels(struct cm_report *r, const struct cm_graph *g, FILE *out);

/* Compiles the regex of -list/-peek (Go syntax); NULL with the message as
 * pprof words it. Free with cm_goregex_free. */
struct cm_goregex *cm_report_symbol_regex(const char *pattern, char *err, size_t errlen);

/* v as pprof shows it: times 1 / -divide_by (truncated, as Go's int64()). */
int64_t cm_report_ratio(const struct cm_report *r, int64_t v);

/* Formats v in the report's sample unit and current output unit. */
char *cm_report_value(const struct cm_report *r, int64_t v, char *buf, size_t len);

/* ---- the parts of -top, shared with the viewer (report_top.c) ---- */

/* A -top graph: the node table, the trimmed graph sorted as the options
 * say (members in row order), and each node's inline label. */
struct cm_top {
	struct cm_nodes nodes;
	struct cm_graph g;
	const char **labels;  /* per node id: "", "(inline)", "(partial-inline)" */
	bool *inner;          /* cm_nodes_inner's: the only edges the labels need
			       * (NULL: all edges) */
	size_t orig_count;    /* nodes before nodecount cut them */
	size_t dropped_nodes; /* nodes under the node fraction */
};

/* Builds t from the prepared report and picks r's output unit. Returns 0,
 * or -1 when memory runs out (t is then empty). Free with cm_top_free.
 * all_edges: every edge among the nodes (-tree, -proto); else only those
 * the "(inline)" labels need (the table's), a fraction of the work. */
int cm_top_build(struct cm_report *r, struct cm_top *t, bool all_edges);
void cm_top_free(struct cm_top *t);

/* cm_top_build in steps (the viewer builds tables between keys, issue
 * 15): begin (the nodes; -1 on OOM, t empty), then step until it returns
 * 1 (t complete, as cm_top_build makes it), each step summing up to n
 * samples (a pass over them, rarely two); -1 on OOM (t empty). r and t
 * stay where they are until then. abort drops an unfinished t. */
struct cm_top_builder {
	struct cm_report *r;
	struct cm_top *t;
	int phase;
	size_t next;  /* the pass's next sample */
	bool *kept;   /* the second pass's nodes, or NULL */
	struct cm_loc_pass *loc_pass; /* the second pass's, when it adds edges only */
	int64_t edge_cutoff; /* from the first pass's total */
	int threads;  /* how a step sums, as cm_graph_add_batch's threads:
		       * begin sets 1 (one thread: the viewer steps between
		       * keys), cm_top_build 0 (two when it pays) */
	struct cm_nodes_builder nb; /* the node table, first */
	size_t samples_done; /* over both passes */
	bool all_edges; /* as cm_top_build's; begin sets false (the viewer's table) */
};
int cm_top_begin(struct cm_top_builder *b, struct cm_report *r, struct cm_top *t);
int cm_top_step(struct cm_top_builder *b, size_t n);
double cm_top_progress(const struct cm_top_builder *b); /* 0..1 */
void cm_top_abort(struct cm_top_builder *b);
/* The units done so far (node table entries, samples): the tests bound a
 * step's. */
size_t cm_top_work(const struct cm_top_builder *b);

/* Sorts the rows again, by cum or by flat (pprof's orders). -1 on OOM. */
int cm_top_sort(struct cm_top *t, bool cum);

/* The header lines -top prints over the headings: profile labels, filters,
 * "Showing nodes...", "Dropped ...", "Showing top ...". */
void cm_top_labels(struct cm_report *r, const struct cm_top *t, FILE *out);

#define CM_TOP_HEADINGS "      flat  flat%   sum%        cum   cum%"
/* flat, flat%, sum%, cum, cum%, name, " " when a label follows, label */
#define CM_TOP_ROW_FORMAT "%10s %s %s %10s %s  %s%s%s"

/* The columns of one -top row, unpadded. */
struct cm_top_cols {
	char flat[64], flat_pct[32], sum_pct[32], cum[64], cum_pct[32];
};
void cm_top_format(const struct cm_report *r, int64_t flat, int64_t cum, int64_t flat_sum,
		   struct cm_top_cols *c);

/* ---- the numbers of -tags (report_tags.c), shared with the viewer ---- */

/* One value of one label key, as a -tags line: the values of the samples
 * that carry it summed; numeric values formatted in the key's unit, those
 * that print alike one row (lo..hi: the numbers it covers). */
struct cm_tag_row {
	const char *key, *value;
	int64_t sum;
	int64_t key_total; /* the key's "Total" (the sum of its rows) */
	bool numeric;
	int64_t lo, hi;    /* numeric: the smallest and largest label number */
};

/* Every key (by name), each key's values biggest first, as -tags lists
 * them. The strings live in the report's profile or the table's arena. */
struct cm_tag_table {
	struct cm_arena arena;
	struct cm_tag_row *rows;
	size_t nrows;
};
int cm_tag_table_build(const struct cm_report *r, struct cm_tag_table *t); /* -1: OOM */
void cm_tag_table_free(struct cm_tag_table *t);
/* A -tags amount: "%.1f" of v scaled to the report's unit, and the unit. */
char *cm_tags_value(const struct cm_report *r, int64_t v, char *buf, size_t len);

/* ---- the graph of -dot and -callgrind (report_graph.c) ---- */

#define CM_MAX_NODELETS 4 /* tags shown per node (pprof's maxNodelets) */

/* newTrimmedGraph's result: the members are the nodes in report order,
 * adj their live edges, tags their tags (indexed). */
struct cm_report_graph {
	const struct cm_nodes *nodes; /* the node table: base's, or the tree's */
	struct cm_graph *g;           /* own, or the tree's */
	struct cm_nodes base;
	struct cm_graph own;
	struct cm_tree tree;          /* under -call_tree */
	bool call_tree;
	struct cm_adjacency adj;
	struct cm_tags tags;
	size_t orig_count, dropped_nodes, dropped_edges;
};

/* Builds it (visual: -dot's ordering and pruning; obj_names: keep object
 * files and start lines, as callgrind does) and picks r's output unit.
 * Returns -1 when memory runs out. */
int cm_report_graph_build(struct cm_report *r, struct cm_report_graph *d, bool visual,
			  bool obj_names);
void cm_report_graph_free(struct cm_report_graph *d);

/* ---- the parts of -list (report_list.c) ---- */

/* The lines -list prints for one function's nodes ids[0..n) (n >= 1) of
 * one file: from its start line (else the first hot line - 5) to the last
 * hot line + 5, start at least 1. */
void cm_list_range(const struct cm_nodes *nodes, const uint32_t *ids, size_t n, int64_t *start,
		   int64_t *end);

struct cm_list_line {
	int64_t lineno, flat, cum;
};

/* The weight of each line of the nodes ids[0..n): out (room for n) gets
 * one entry per line number, in line order; returns how many. The sums
 * are -list's routine totals (cum over-counts recursion, as pprof's). */
size_t cm_list_weights(const struct cm_graph *g, const uint32_t *ids, size_t n,
		       struct cm_list_line *out, int64_t *flat_sum, int64_t *cum_sum);

/* A -list value: "." for zero, else the value in its own unit. */
const char *cm_list_value(const struct cm_report *r, int64_t v, char *buf, size_t len);

/* ---- -disasm (report_disasm.c) ----
 *
 * go tool pprof disassembles with Go's own object tools (cmd/pprof's
 * objTool: Go-syntax instructions, the ELF symbol table), not binutils. The
 * core gets their output as text from the caller, who runs them (src/app:
 * go tool nm, go tool objdump), and parses it here. */
struct cm_objtool {
	void *ctx;
	/* The symbol table of file, as `go tool nm -size -sort=none` prints it:
	 * 0 with *text (malloc'd, the caller frees) and *len; 1 when file is
	 * no object file, with pprof's message in err (printed on stdout, as
	 * pprof prints it); -1 when it has no symbols to read (skipped); -2
	 * when the tool cannot run at all (err says why: the report fails). */
	int (*symbols)(void *ctx, const char *file, char **text, size_t *len, char *err,
		       size_t errlen);
	/* The instructions of file in [start, end), as `go tool objdump FILE
	 * START END` prints them: 0 with *text and *len, or -1 with err. */
	int (*disasm)(void *ctx, const char *file, uint64_t start, uint64_t end, char **text,
		      size_t *len, char *err, size_t errlen);
};

/* One symbol of `go tool nm -size` output. */
struct cm_nm_sym {
	uint64_t addr;
	int64_t size;
	char code;
	const char *name; /* NUL-terminated, in the caller's arena */
};

/* Parses `go tool nm -size -sort=none` output into *syms (arena-allocated).
 * Lines that do not parse are skipped. Returns how many, or -1 on OOM. */
long cm_nm_parse(const char *text, size_t len, struct cm_arena *a, struct cm_nm_sym **syms);

/* One instruction of `go tool objdump` output. */
struct cm_asm_inst {
	uint64_t addr;
	const char *file; /* base name, "" when none */
	int64_t line;
	const char *text;
};

/* Parses `go tool objdump FILE START END` output: the instructions of its
 * first TEXT block in [start, end). Returns how many, or -1 on OOM. */
long cm_objdump_parse(const char *text, size_t len, uint64_t start, uint64_t end,
		      struct cm_arena *a, struct cm_asm_inst **insts);

#endif
