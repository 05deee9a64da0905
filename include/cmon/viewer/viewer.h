/* viewer: the interactive profile viewer's model, headless (no curses, no
 * curl). It holds one profile (as loaded: a pristine copy it never
 * modifies), the report options the person has chosen, and a stack of
 * views (levels):
 *
 *   TOP     the -top table, rows formatted exactly as `cmon pprof -top`
 *   SOURCE  one function's source lines with per-line flat and cum, the
 *           numbers of `cmon pprof -list` for that function
 *   PEEK    one function's callers (above) and callees (below), as -peek
 *   LABELS  every label key with its values and their shares, the numbers
 *           of -tags; a value chosen becomes a tag focus (or ignore)
 *   FLAME   the flame graph (an icicle: root on top, callees below) of
 *           the stack tree (cmon/profile/stack_tree.h), with zoom and a
 *           regex highlight
 *   TREE    the same tree top-down as expandable rows (flat, cum, heat)
 *
 * Each level keeps its own selection and scroll; Enter pushes a level,
 * back pops it. Every change of options rebuilds the views from the
 * pristine copy (cm_report_prepare works in place, so the copy is cloned
 * first); a new profile (refresh) keeps each level on the same function.
 *
 * Time is a parameter (seconds, any monotonic clock): a refresh that
 * arrives while the person is moving (within hold seconds of the last
 * movement) keeps the rows in the order they had, so nothing re-sorts
 * under the cursor; cm_viewer_tick lets the held order go.
 *
 * Strings returned by the accessors belong to the viewer and stay valid
 * until the next call that changes it (load, option, movement, tick).
 * Functions that can fail return 0, or -1 with one line in err; on failure
 * the viewer's state is what it was before the call. */
#ifndef CMON_VIEWER_H
#define CMON_VIEWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/profile/gopkg.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/names.h"
#include "cmon/profile/profile_ops.h"
#include "cmon/profile/report.h"

struct cm_viewer;

struct cm_viewer_opts {
	/* Starting report options (sample_index, cum_sort, mean,
	 * drop_negative, granularity, focus/ignore/hide/show, node_fraction,
	 * source_path, trim_path). kind, symbol and node_count are ignored.
	 * Strings are copied. Set it up with cm_report_opts_init. */
	struct cm_report_opts ro;
	uint64_t max_inflated;   /* decode limit for cm_viewer_load; 0 = default (1G) */
	double hold;             /* seconds rows keep their order after a move; <0 = 1.0 */
	/* Where source files are looked for after -source_path/-trim_path and
	 * the current directory. NULL = from the environment ($GOROOT, else
	 * /usr/lib/go; $GOMODCACHE, else $GOPATH/pkg/mod, else ~/go/pkg/mod);
	 * "" = not at all. Copied. */
	const char *goroot, *gomodcache;
	/* -symbolize: how function names are demangled (zero: pprof's default) */
	struct cm_symbolize sym;
	/* -module: the path of the program's main module ("example.com/svc"),
	 * for "my code"; NULL = told by the profile's file names. Copied. */
	const char *module;
	/* A change of sample type or granularity to a table not built yet
	 * does not build it: it waits for the slices of cm_viewer_step, the
	 * table shown until then (false: it is built at once). Likewise a
	 * function's source before the lines it is read from are built. */
	bool background;
};

/* Fills o with the defaults (cm_report_opts_init, hold 1 s, environment). */
void cm_viewer_opts_init(struct cm_viewer_opts *o);

/* A viewer with no profile yet. NULL with err set (out of memory, bad
 * option: the same messages as cmon pprof). The caller frees it. */
struct cm_viewer *cm_viewer_new(const struct cm_viewer_opts *o, char *err, size_t errlen);
void cm_viewer_free(struct cm_viewer *v);

/* ---- loading (any time: the first profile, or a refresh) ---- */

/* Decodes data[0..len) (gzip or raw protobuf; only read, not kept) and
 * shows it. With a base marked, the view is the difference. now is for
 * pinning. On failure the old profile stays. */
int cm_viewer_load(struct cm_viewer *v, const unsigned char *data, size_t len, double now,
		   char *err, size_t errlen);

/* The same for a decoded profile; takes ownership of p in every case. */
int cm_viewer_load_profile(struct cm_viewer *v, struct cm_profile *p, double now,
			   char *err, size_t errlen);

/* True once a profile has been loaded. */
bool cm_viewer_has_profile(const struct cm_viewer *v);

/* How many profiles have been loaded (0 before the first): a host can tell
 * a refresh happened. */
unsigned long cm_viewer_generation(const struct cm_viewer *v);

/* ---- base / diff ---- */

/* Marks the current profile as the base: the next profile loaded is shown
 * minus the base (percentages of the base's total, as -diff_base), and so
 * is every later one until cm_viewer_clear_base. -1 without a profile. */
int cm_viewer_mark_base(struct cm_viewer *v, char *err, size_t errlen);
void cm_viewer_clear_base(struct cm_viewer *v);
/* Sets base (a decoded profile; ownership taken in every case) as the base
 * of every profile loaded after: -diff_base semantics when diff_base, else
 * -base (percentages of the difference's own total). */
int cm_viewer_set_base(struct cm_viewer *v, struct cm_profile *base, bool diff_base, char *err,
		       size_t errlen);
bool cm_viewer_has_base(const struct cm_viewer *v);   /* a base is marked */
/* The base marked or set (read only; valid until the base changes), or
 * NULL: a host copies it into another viewer (the pane keeps the base
 * across services). */
const struct cm_profile *cm_viewer_base(const struct cm_viewer *v);
bool cm_viewer_is_diff(const struct cm_viewer *v);    /* what shows is a difference */

/* ---- options (each rebuilds; on failure nothing changes) ---- */

/* Flat or cumulative order of the top table (and of peek's rows). */
void cm_viewer_toggle_sort(struct cm_viewer *v, double now);
bool cm_viewer_cum_sort(const struct cm_viewer *v);

/* The sample types the profile has ("alloc_space", ...), and which shows. */
size_t cm_viewer_sample_count(const struct cm_viewer *v);
const char *cm_viewer_sample_name(const struct cm_viewer *v, size_t i);
size_t cm_viewer_sample_index(const struct cm_viewer *v);
/* Shows sample type i (by index), or the next one (wrapping) with step. */
int cm_viewer_set_sample(struct cm_viewer *v, size_t i, double now, char *err, size_t errlen);
int cm_viewer_cycle_sample(struct cm_viewer *v, int step, double now, char *err, size_t errlen);

/* Granularity: functions, filefunctions, files, lines, addresses. */
enum cm_granularity cm_viewer_granularity(const struct cm_viewer *v);
int cm_viewer_set_granularity(struct cm_viewer *v, enum cm_granularity g, double now,
			      char *err, size_t errlen);
int cm_viewer_cycle_granularity(struct cm_viewer *v, int step, double now, char *err,
				size_t errlen);
const char *cm_viewer_granularity_name(enum cm_granularity g);

/* Filters, Go regex syntax; NULL or "" clears one. A bad regex leaves
 * everything as it was, err says why ("focus: ..."). */
enum cm_viewer_filter { CM_VFILTER_FOCUS, CM_VFILTER_IGNORE, CM_VFILTER_HIDE, CM_VFILTER_SHOW,
			/* -tagfocus, -tagignore: their syntax ([KEY=]regexes or a range) */
			CM_VFILTER_TAGFOCUS, CM_VFILTER_TAGIGNORE, CM_VFILTER_COUNT };
int cm_viewer_set_filter(struct cm_viewer *v, enum cm_viewer_filter f, const char *re,
			 double now, char *err, size_t errlen);
const char *cm_viewer_filter(const struct cm_viewer *v, enum cm_viewer_filter f); /* NULL: unset */
void cm_viewer_clear_filters(struct cm_viewer *v, double now);
const char *cm_viewer_filter_name(enum cm_viewer_filter f); /* "focus", ..., "tagignore" */

/* "My code". Whose code a function (a row's name) is: the program's own,
 * the standard library's or a dependency's (cmon/profile/gopkg.h: from the
 * profile's file names, or the -module path). */
enum cm_code_owner cm_viewer_code_owner(const struct cm_viewer *v, const char *name);
/* Hides the standard library's frames (runtime included) as -hide with a
 * regex of the profile's standard packages would, on top of the hide
 * filter; the -top header shows the regex in force. Follows refreshes. */
int cm_viewer_set_hide_std(struct cm_viewer *v, bool on, double now, char *err, size_t errlen);
bool cm_viewer_hide_std(const struct cm_viewer *v);

/* ---- building in slices (issue 15) ----
 *
 * One thread: the host calls cm_viewer_step while it is idle (nothing
 * else to do: poll with no wait) as long as cm_viewer_pending says so.
 * It builds the table a switch waits for (with opts.background), then
 * the lines every function's source is read from (-list's graph of the
 * table shown: with opts.background, a SOURCE level opened before they
 * are complete waits for them, its rows empty), then, ahead, the tables
 * of the neighbouring sample types and granularities (the next and
 * previous of each, then the rest, up to a bound), which are kept: a
 * switch to one of them is a swap. Any other change of the profile or
 * options drops them and the running build. */
bool cm_viewer_pending(const struct cm_viewer *v);
/* Sums up to n samples into the running build (starting one when none
 * runs). True when what shows changed (a switch completed: redraw); a
 * build that fails drops the switch with a message. */
bool cm_viewer_step(struct cm_viewer *v, size_t n, double now);
/* The units of work (samples, entries of the profile's tables) the last
 * cm_viewer_step did: every pass over them goes in slices of n, so a
 * step's work is bounded (the tests check it). */
size_t cm_viewer_step_work(const struct cm_viewer *v);
/* While a switch waits: "building alloc_space (lines)... 40%"; while the
 * SOURCE level shown waits: "annotating main.f... 40%"; else NULL. */
const char *cm_viewer_building(const struct cm_viewer *v);

/* ---- the views ---- */

enum cm_viewer_kind { CM_VIEWER_TOP, CM_VIEWER_SOURCE, CM_VIEWER_PEEK, CM_VIEWER_LABELS,
		       CM_VIEWER_FLAME, CM_VIEWER_TREE };

/* The current level: kind, rows, selection and scroll. */
struct cm_viewer_level {
	enum cm_viewer_kind kind;
	const char *title; /* "top", "labels", or the function ("main.work") */
	size_t nrows;
	size_t sel;        /* selected row (0 when nrows is 0) */
	size_t top;        /* first row shown */
	size_t depth;      /* 0 for the first level */
};
const struct cm_viewer_level *cm_viewer_level(const struct cm_viewer *v);

/* One line of the report's header as -top prints it ("Type: cpu",
 * "Showing nodes accounting for ..."), i < cm_viewer_header_count. */
size_t cm_viewer_header_count(const struct cm_viewer *v);
const char *cm_viewer_header(const struct cm_viewer *v, size_t i);

/* A message for the person (an error, "not found", a hint), or NULL. Set
 * by the last failing action or lookup; cleared by the next action. */
const char *cm_viewer_message(const struct cm_viewer *v);

/* How a row compares with the base (diff views only). */
enum cm_viewer_change { CM_CHANGE_NONE, CM_CHANGE_GROWTH, CM_CHANGE_SHRINK };

/* TOP rows. The strings are the -top columns, unpadded ("1.50MB", "12.5%");
 * cm_viewer_top_text gives the whole line as -top prints it. */
struct cm_viewer_top_row {
	const char *name;   /* printable node name, without the inline label */
	const char *inline_label; /* "", "(inline)" or "(partial-inline)" */
	int64_t flat, cum;
	const char *flat_s, *flat_pct, *sum_pct, *cum_s, *cum_pct;
	enum cm_viewer_change change;
};

/* Row i of the TOP level (whatever level is current; NULL past the end). */
const struct cm_viewer_top_row *cm_viewer_top_row(const struct cm_viewer *v, size_t i);
size_t cm_viewer_top_count(const struct cm_viewer *v);
/* The line -top prints for row i, without the newline. Returns buf. */
char *cm_viewer_top_text(const struct cm_viewer *v, size_t i, char *buf, size_t len);
/* The column headings line ("      flat  flat%   sum%        cum   cum%"). */
const char *cm_viewer_top_headings(void);

/* SOURCE lines of the current level (NULL past the end or when the level
 * is not SOURCE). */
struct cm_viewer_src_line {
	int64_t lineno;
	const char *text;   /* the source line (not NUL-terminated: text_len), "" when the
			     * file was not found */
	size_t text_len;
	int64_t flat, cum;
	const char *flat_s, *cum_s; /* as -list prints them, "." for zero */
	double heat;        /* |cum| / the largest |cum| of the function, 0..1 */
	size_t hot_rank;    /* 1 = the heaviest line, 0 = no weight */
	const char *callee; /* the heaviest function called from this line, or NULL */
	enum cm_viewer_change change;
};
const struct cm_viewer_src_line *cm_viewer_src_line(const struct cm_viewer *v, size_t i);
/* The source view's header: "ROUTINE ... in FILE" and "(flat, cum)" lines,
 * and whether the file was found (when not, cm_viewer_message names the
 * path looked for and the flags that fix it). */
const char *cm_viewer_src_file(const struct cm_viewer *v);     /* file as the profile names it */
const char *cm_viewer_src_summary(const struct cm_viewer *v);  /* "  1.20s   3.40s (flat, cum) 12% of Total" */
bool cm_viewer_src_found(const struct cm_viewer *v);

/* PEEK rows of the current level: callers, then the function, then callees. */
enum cm_viewer_peek_role { CM_PEEK_CALLER, CM_PEEK_SELF, CM_PEEK_CALLEE };
struct cm_viewer_peek_row {
	enum cm_viewer_peek_role role;
	const char *name;
	int64_t weight;         /* edge weight, or the function's cum for SELF */
	const char *weight_s;   /* as -peek prints it */
	const char *pct;        /* of the function's cum (SELF: of the total) */
	bool inline_call;
	/* SELF only: the -peek row's numbers */
	const char *flat_s, *flat_pct, *cum_s, *cum_pct;
	enum cm_viewer_change change;
};
const struct cm_viewer_peek_row *cm_viewer_peek_row(const struct cm_viewer *v, size_t i);

/* LABELS rows of the current level: for each key (by name) its own row,
 * then its values biggest first, as `cmon pprof -tags` lists them under
 * the same options (filters, sample type, -unit). */
struct cm_viewer_label_row {
	const char *key;
	const char *value;   /* NULL on the key's own row */
	int64_t weight;      /* the value's sum; the key's total on its row */
	const char *amount;  /* as -tags prints it ("550.0ms"; "Total 790.0ms" on a key row) */
	const char *pct;     /* of the key's total, as -tags ("69.62%"); "" on a key row */
	bool numeric;        /* a numeric label (bytes): the value is formatted */
};
const struct cm_viewer_label_row *cm_viewer_label_row(const struct cm_viewer *v, size_t i);

/* Pushes the LABELS level (not when it is the current one already). */
bool cm_viewer_labels(struct cm_viewer *v, double now);
/* LABELS: adds the selected value to the tag focus (ignore: the tag
 * ignore), which every level then honours, as -tagfocus/-tagignore:
 * a string value as KEY=^VALUE$ (the value quoted; another value of the
 * same key is added as an alternative: either), a numeric one as the
 * range of the numbers its row covers (KEY=1536bytes:1540bytes). A value
 * of another key replaces the filter (-tagfocus takes one key; the
 * message says so). -1 with err on a key row or when it cannot be set. */
int cm_viewer_label_filter(struct cm_viewer *v, bool ignore, double now, char *err,
			   size_t errlen);

/* ---- FLAME: the flame graph ----
 *
 * Laid out for a width in cells: rows of boxes, row 0 the root (or, when
 * zoomed, the zoomed frame's ancestors, one a row, the breadcrumb), then
 * the zoomed frame at full width, then its callees, each as wide as its
 * share of the zoomed frame's value (under a base: of the absolute values).
 * A frame narrower than one cell is not dropped: the narrow children of
 * a frame are pooled into one box after the wide ones (nframes > 1), whose
 * value is their sum, so every row's values add up to its parent's. */
struct cm_viewer_flame_box {
	int row, x, w;        /* cells */
	uint32_t frame;       /* the frame (a pool: its heaviest frame) */
	uint32_t parent;      /* the parent frame (the pool's) */
	uint32_t nframes;     /* 1, or how many frames the pool holds */
	int64_t value;        /* cum (a pool: the sum) */
	int64_t flat;         /* the frame's own value (a pool: 0) */
	bool pooled;          /* a pool (or a single narrow frame given a cell):
			       * its callees are not laid out */
	const char *name;     /* short name as pprof draws it; a pool: "" */
	const char *full;     /* full name */
	uint32_t hue;         /* a hash of the package, stable across runs */
	enum cm_viewer_change change;
	bool match;           /* the search regex matches it (a pool: one of them) */
	bool breadcrumb;      /* an ancestor of the zoomed frame */
};

/* F: shows the FLAME level (pushed, or, when one is on the stack already,
 * the levels above it are popped). C: the TREE level, likewise. */
bool cm_viewer_flame(struct cm_viewer *v, double now);
bool cm_viewer_calltree(struct cm_viewer *v, double now);

/* Lays the graph out for width cells (>= 1). -1 on OOM (message set). The
 * boxes are valid until the next call that changes the viewer. */
int cm_viewer_flame_layout(struct cm_viewer *v, int width);
size_t cm_viewer_flame_count(const struct cm_viewer *v);
const struct cm_viewer_flame_box *cm_viewer_flame_box(const struct cm_viewer *v, size_t i);
int cm_viewer_flame_rows(const struct cm_viewer *v); /* rows the layout has */
size_t cm_viewer_flame_selected(const struct cm_viewer *v); /* box index, SIZE_MAX: none */
/* The status line: the selected frame's name, value, % of the total and
 * of the zoomed frame; a pool's frame count; the search's share. */
const char *cm_viewer_flame_status(struct cm_viewer *v);

enum cm_viewer_dir { CM_DIR_PARENT, CM_DIR_CHILD, CM_DIR_PREV, CM_DIR_NEXT };
/* Moves the selection (on the last layout): to the parent, the first
 * child, the previous or next box of the row. False when there is none. */
bool cm_viewer_flame_move(struct cm_viewer *v, enum cm_viewer_dir d, double now);
/* n (dir 1) / N (dir -1): selects the next / previous box the search
 * matches on the last layout, in reading order (row by row, left to
 * right), wrapping; false when none matches. */
bool cm_viewer_flame_next_match(struct cm_viewer *v, int dir, double now);
/* Selects the box at (row, x) of the last layout; false when none. */
bool cm_viewer_flame_select_at(struct cm_viewer *v, int row, int x, double now);
/* Enter: the selected frame becomes the zoomed one (a pool: its heaviest
 * frame; a breadcrumb: zooms out to it). */
bool cm_viewer_flame_zoom(struct cm_viewer *v, double now);
/* One step out; false when not zoomed. */
bool cm_viewer_flame_unzoom(struct cm_viewer *v, double now);
/* Highlights the frames whose full name matches re (Go syntax; "" or NULL
 * clears). -1 with err on a bad regex (nothing changes). */
int cm_viewer_flame_search(struct cm_viewer *v, const char *re, char *err, size_t errlen);
/* The share of the total the matching frames cover, each sample once
 * (pprof's -focus, -top -cum's cum for one function); 0 without a search. */
int64_t cm_viewer_flame_match_value(struct cm_viewer *v);

/* ---- TREE: the call tree, top-down ----
 * Rows are the root's callees and, under each open row, its callees,
 * sorted by cum (largest first, then by name). The first time it opens,
 * the hot path is open: the heaviest row and, below it, the heaviest
 * callee as long as it holds at least half of its caller's value. */
struct cm_viewer_tree_row {
	const char *name;
	uint32_t depth;       /* 0 for the root's callees */
	bool has_children, open;
	int64_t flat, cum;
	const char *flat_s, *cum_s, *cum_pct;
	double heat;          /* |cum| / |total|, 0..1 */
	enum cm_viewer_change change;
};
const struct cm_viewer_tree_row *cm_viewer_tree_row(const struct cm_viewer *v, size_t i);
/* Right/+ (open): opens the selected row, or moves to its first callee when
 * open. Left/- (!open): closes it, or moves to its caller when closed. */
bool cm_viewer_tree_open(struct cm_viewer *v, bool open, double now);

/* The function the selection is on: a TOP row's name, SOURCE's function
 * (or the callee of the selected line), a PEEK row's name, the FLAME's
 * selected frame, a TREE row. NULL if none. */
const char *cm_viewer_selected_name(const struct cm_viewer *v);

/* ---- movement and navigation ---- */

/* Rows the host shows at once (for page moves and scroll). */
void cm_viewer_set_page(struct cm_viewer *v, size_t rows);

/* Moves the selection by delta rows (clamped; LONG_MIN/LONG_MAX for the
 * first/last). Counts as movement for pinning. */
void cm_viewer_move(struct cm_viewer *v, long delta, double now);
void cm_viewer_page(struct cm_viewer *v, int pages, double now);
/* Selects row i (clamped). */
void cm_viewer_select(struct cm_viewer *v, size_t i, double now);

/* Enter: TOP row -> its SOURCE; SOURCE line with a callee -> the callee's
 * SOURCE; PEEK caller/callee -> PEEK of it, PEEK's own row -> SOURCE.
 * Returns true when a level was pushed. */
bool cm_viewer_enter(struct cm_viewer *v, double now);
/* Pushes PEEK of the selected function. */
bool cm_viewer_peek(struct cm_viewer *v, double now);
/* Pushes SOURCE of the selected function. */
bool cm_viewer_source(struct cm_viewer *v, double now);
/* Pops a level, restoring the one below with its selection and scroll.
 * False at the first level. */
bool cm_viewer_back(struct cm_viewer *v);

/* SOURCE: selects the next (dir > 0) or previous hot line in weight order
 * (the line ranked one after / before the selected one). False if none. */
bool cm_viewer_next_hot(struct cm_viewer *v, int dir, double now);

/* ---- search (incremental) on row names (SOURCE: the line's text) ----
 *
 * The text is a Go regular expression, as the filters take it (goregex.h:
 * Go's syntax and meaning, anchors and all, case-sensitive unless (?i)),
 * matched anywhere in the name as regexp.MatchString does. */

/* Sets the search text and selects the first match at or after the row the
 * search started from (the selection when the text was first set, until
 * cm_viewer_search_done). False when nothing matches (selection returns to
 * the start), or when the text is no valid regex yet: then the message
 * says why ("search: error parsing regexp: missing closing ): `main.(`"),
 * the text is kept and nothing matches until it is one. "" ends nothing:
 * it just returns to the start. */
bool cm_viewer_search(struct cm_viewer *v, const char *text, double now);
/* Whether row i of the current level matches the search (every match is
 * highlighted, not only the selected one). False with no search. */
bool cm_viewer_search_matches(const struct cm_viewer *v, size_t i);
/* Ends typing: later n/N continue from the selection. cancel restores the
 * selection the search started from. */
void cm_viewer_search_done(struct cm_viewer *v, bool cancel);
/* n (dir 1) / N (dir -1): the next / previous match, wrapping. */
bool cm_viewer_search_next(struct cm_viewer *v, int dir, double now);
const char *cm_viewer_search_text(const struct cm_viewer *v); /* "" when none */

/* ---- pinning ---- */

/* True while rows are held in their old order (a refresh came during
 * movement). */
bool cm_viewer_held(const struct cm_viewer *v);
/* Releases the held order once hold seconds have passed since the last
 * movement. Returns true when the rows changed (redraw). */
bool cm_viewer_tick(struct cm_viewer *v, double now);
/* When the host should call cm_viewer_tick next (seconds, same clock), or
 * a negative value when nothing is held. */
double cm_viewer_next_tick(const struct cm_viewer *v);

#endif
