/* viewer_int: what the viewer's files share (the files in src/viewer/ only).
 *
 * Calls go one way, down this list; no file calls one above it:
 *   viewer.c         lifecycle, loading, base/diff, options, rebuilds
 *   viewer_nav.c     levels, movement, enter/back, search, pinning
 *   viewer_top.c     the TOP rows from a -top graph, held order
 *   viewer_source.c  the SOURCE rows: -list's numbers, files, heat
 *   viewer_peek.c    the PEEK rows: -peek's callers and callees
 *   viewer_labels.c  the LABELS rows: -tags' keys and values
 *   viewer_flame.c   the FLAME level: layout, selection, zoom, search
 *   viewer_tree.c    the TREE level: open rows of the stack tree
 *   viewer_mycode.c  whose code a function is; the hide of the standard library
 *   viewer_common.c  the message, the current level, the profile to build
 *                    from, the stack tree and paths of frames in it
 * The level files call viewer_common.c only, never each other;
 * tests/layers.sh checks the order.
 *
 * Ownership: the viewer owns every profile and table below. A struct
 * vstate is everything built from one (pristine profile, options) pair; a
 * rebuild makes a new one and swaps it in only when it succeeded. */
#ifndef CMON_VIEWER_INT_H
#define CMON_VIEWER_INT_H

#include "cmon/base/goregex.h"
#include "cmon/profile/gopkg.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"
#include "cmon/profile/source.h"
#include "cmon/profile/stack_tree.h"
#include "cmon/viewer/viewer.h"

#define VIEWER_MSG 512

/* Where source files are looked for, in order (see viewer_source.c). */
enum { VREADER_PRIMARY, VREADER_CWD, VREADER_GOROOT, VREADER_MODCACHE, VREADER_COUNT };

/* The lines-granularity build behind SOURCE views (-list's pipeline),
 * made in steps (issue 15): the prepared copy, the node table, the
 * samples a slice at a time into the graph, the adjacency. What each
 * stage has made: */
enum vlines_stage {
	VLINES_NONE,     /* nothing */
	VLINES_PREPARING, /* work, rep under pb: its passes in steps */
	VLINES_PREPARED, /* work and rep */
	VLINES_NODES,    /* and nodes under nb: its passes in steps */
	VLINES_SAMPLES,  /* and nodes, and g begun: samples [0, next) summed */
	VLINES_DONE,     /* and g ended, adj: complete */
	VLINES_FAILED,   /* nothing: out of memory; not tried again while idle */
};

struct vlines {
	enum vlines_stage stage;
	size_t next;
	char si[32];             /* the state's sample index as a number (rep's) */
	struct cm_profile *work;
	struct cm_report rep;
	struct cm_prep_builder pb;
	struct cm_nodes nodes;
	struct cm_nodes_builder nb;
	size_t done;       /* units done outside pb and nb: the copy, the samples */
	struct cm_graph g; /* with edges: a line's callees */
	struct cm_adjacency adj;
};

/* Everything built from the pristine profile under the current options;
 * heap-allocated, never copied by value. */
struct vstate {
	struct cm_profile *work; /* prepared clone, for TOP and PEEK */
	struct cm_report rep;    /* never copied: it points into itself */
	struct cm_top top;
	char **header;           /* -top's header lines */
	size_t nheader;
	/* PEEK: the untrimmed graph over top.nodes, built on first use */
	bool peek_built;
	struct cm_graph peek_g;
	struct cm_adjacency peek_adj;
	char peek_unit[32];      /* -peek picks its unit from the untrimmed graph */
	/* SOURCE: built ahead in slices by cm_viewer_step (the same for
	 * every function), else on first use */
	struct vlines lines;
	/* LABELS: -tags' table, on first use, from a report with -tags' unit */
	bool tags_built;
	struct cm_report tags_rep;
	struct cm_tag_table tags;
	/* FLAME and TREE: built on first use */
	bool stacks_built;
	struct cm_stack_tree stacks;
	/* what it was built for, besides the options every kept state shares:
	 * the sample index and the granularity (see cm_viewer.kept) */
	size_t key_vi;
	enum cm_granularity key_g;
	char key_si[32];         /* the sample index as a number, when built ahead */
};

/* A state built in slices (issue 15): its report prepared, then its
 * table begun, then summed a slice of samples at a time by
 * cm_viewer_step. */
struct vbuild {
	struct vstate *st;       /* NULL: none running */
	bool prepared;           /* pb done: st's report is prepared */
	bool begun;              /* tb begun (the step after the report's) */
	struct cm_prep_builder pb;
	struct cm_top_builder tb;
};

/* How many states of other sample types and granularities are kept, and
 * how many of them cm_viewer_step builds ahead (the neighbours t, a, T
 * and A reach first): fewer than kept, so that building ahead never
 * evicts what it built. */
enum { VIEWER_KEPT = 8, VIEWER_AHEAD = 6 };

/* A frame of the stack tree by the names on its path from the root
 * ("a\nb\nc"; "" for the root): how FLAME and TREE find their frames
 * again in the tree of a rebuild. */
struct vflame {
	bool resolved;            /* the ids below refer to the current tree */
	uint32_t zoom, sel;       /* frames */
	bool sel_pool;            /* the selection is the pool of sel's children */
	uint32_t *zstack;         /* zooms to go back to (frames), outermost first */
	size_t nz, zcap;
	char *zoom_path, *sel_path; /* while not resolved */
	uint32_t *zdepths;        /* the zstack as depths, while not resolved */
	struct cm_goregex *re;
	char *re_text;
	bool *match;              /* per node of the tree, with a regex */
	struct cm_viewer_flame_box *boxes;
	uint64_t *box_at;         /* per box: its start, in weight units */
	size_t nboxes, boxes_cap;
	int width, rows;
	char status[VIEWER_MSG];
};

struct vtree_row {
	struct cm_viewer_tree_row pub;
	uint32_t frame;
	char flat[64], cum[64], pct[32];
};

struct vtree {
	bool resolved;
	bool *open;               /* per frame */
	size_t nopen_cap;
	char **open_paths;        /* while not resolved */
	size_t nopen_paths;
	char *sel_path;
	bool started;             /* the hot path was opened once */
	struct vtree_row *rows;
	size_t nrows;
};

struct vtop_row {
	struct cm_viewer_top_row pub;
	struct cm_top_cols cols;
	uint32_t id; /* node */
};

struct vsrc_line {
	struct cm_viewer_src_line pub;
	char flat[64], cum[64];
};

struct vpeek_row {
	struct cm_viewer_peek_row pub;
	char w[64], pct[32];
	struct cm_top_cols cols;
	uint32_t id; /* node of the row's function */
};

struct vlabel_row {
	struct cm_viewer_label_row pub;
	const struct cm_tag_row *tag; /* NULL on a key row */
	char *name;                   /* "key=value", or the key: its search text and key */
	char amount[300], pct[32];
};

/* One level of the stack. */
struct vlevel {
	enum cm_viewer_kind kind;
	char *name;     /* SOURCE / PEEK: the function (node name); NULL for TOP */
	char *file;     /* SOURCE keyed by a file (files granularity), else NULL */
	size_t sel, top;
	char *sel_key;  /* TOP / PEEK: the selected row's name, to find it again */
	int64_t sel_line; /* SOURCE: the selected line number */
	bool unplaced;  /* SOURCE: its rows never came yet: it starts on the
			 * heaviest line when they do */
	int sel_role;   /* PEEK: the selected row's role */
};

struct cm_viewer {
	/* options (strings owned) */
	struct cm_report_opts ro;
	char *filters[CM_VFILTER_COUNT];
	char *sample_index, *source_path, *trim_path, *goroot, *gomodcache;
	uint64_t max_inflated;
	struct cm_symbolize sym; /* -symbolize: demangling */
	double hold;
	char *module;             /* -module: the main module's path, or NULL */
	bool hide_std;            /* M: the standard library's frames hidden */
	char *hide_eff;           /* the hide regex in force when it is not
				   * filters[HIDE] alone (hide_std), else NULL */
	struct cm_code_owners owners; /* of the pristine profile's functions */

	/* profiles */
	struct cm_profile *raw;   /* the last loaded */
	struct cm_profile *base;  /* may be == raw */
	bool base_labelled;       /* -diff_base semantics (percentages of the base) */
	struct cm_profile *diff;  /* raw minus base, when shown; else NULL */
	unsigned long generation;

	struct vstate *st;        /* NULL before the first profile */
	/* States built before under the same profile and the same options but
	 * for the sample type or the granularity, without their lazily built
	 * parts: switching back to one is a swap, not a rebuild (issue 15).
	 * Every other change empties it. */
	struct vstate *kept[VIEWER_KEPT];
	bool switch_only;         /* the coming rebuild changes only those two */
	bool background;          /* a switch to a state not kept waits for the build */
	struct vbuild build;      /* the state being built in slices */
	size_t step_work;         /* units the last cm_viewer_step did */
	bool wanting;             /* what shows waits for (want_vi, want_g) */
	size_t want_vi;
	enum cm_granularity want_g;
	char building[VIEWER_MSG]; /* cm_viewer_building's text */

	/* rows of TOP (always) and of the current level when SOURCE / PEEK */
	struct vtop_row *top;
	size_t ntop;
	struct vsrc_line *src;
	size_t nsrc;
	size_t *hot;              /* src indices by weight, heaviest first */
	size_t nhot;
	char *src_file, *src_summary;
	char *src_msg;            /* why the file was not found */
	bool src_found;
	bool src_wait;            /* SOURCE waits for st->lines (background) */
	char annotating[VIEWER_MSG]; /* cm_viewer_building's text while it does */
	struct vpeek_row *peek;
	size_t npeek;
	struct vlabel_row *label;
	size_t nlabel;
	struct vflame flame;      /* the FLAME level's state (one at most) */
	struct vtree tree;        /* the TREE level's state (one at most) */

	struct cm_source_reader readers[VREADER_COUNT];
	bool readers_ready;
	char *src_ahead;          /* the function whose file was read ahead */
	char *reader_paths[VREADER_COUNT];

	struct vlevel *levels;
	size_t depth, levels_cap; /* levels[depth - 1] is current */
	struct cm_viewer_level pub;

	char msg[VIEWER_MSG];
	bool has_msg;

	char *search;             /* the search text, or NULL */
	struct cm_goregex *search_re; /* it compiled (Go syntax); NULL when it does not */
	size_t search_from;
	bool search_typing;

	size_t page;
	double last_move;         /* of the last movement key; -inf before */
	bool held;                /* TOP rows kept in their old order */
};

/* viewer.c: makes a new vstate under the current options and swaps it in.
 * hold: keep the TOP rows' order (a refresh during movement); refresh: a
 * new profile, whose selected rows keep their screen lines. */
int viewer_rebuild(struct cm_viewer *v, bool hold, bool refresh, char *err, size_t errlen);

/* viewer_nav.c: after rows changed, recomputes the current level's rows
 * and puts its selection back on its key; keep_line keeps the selected
 * row on its screen line (else the scroll moves as little as it can). */
int vnav_refresh(struct cm_viewer *v, bool keep_line);
void vnav_free(struct cm_viewer *v);
/* The name the row sel of the current level has (TOP/PEEK), or NULL. */
const char *vnav_row_name(const struct cm_viewer *v, size_t i);
void vnav_remember(struct cm_viewer *v);
/* The function and file the selection is on, as new strings ("" when
 * unknown; the caller frees them): TOP and PEEK rows' nodes, SOURCE's
 * function. -1 on OOM, both NULL. */
int vnav_place(const struct cm_viewer *v, char **name, char **file);
/* At TOP: selects the first row of that function (or file), keeping the
 * selection's screen line; the first row when there is none. */
void vnav_goto_place(struct cm_viewer *v, const char *name, const char *file);
/* Drops the SOURCE and PEEK levels (their names went with a granularity). */
void vnav_drop_function_levels(struct cm_viewer *v);

/* viewer_top.c: the TOP rows of v->st in sort order, or in the order of
 * held names when hold is set. -1 on OOM (rows unchanged). */
int vtop_rows(struct cm_viewer *v, bool hold);
void vtop_free(struct cm_viewer *v);
/* The row whose name is name, or SIZE_MAX. */
size_t vtop_find(const struct cm_viewer *v, const char *name);
/* The first row (the heaviest in the sort) of function name ("" = any)
 * in file ("" = any), or SIZE_MAX: what a change of granularity keeps. */
size_t vtop_find_place(const struct cm_viewer *v, const char *name, const char *file);

/* viewer_source.c: the SOURCE rows for level l. With v->background and
 * the lines of v->st not complete, no rows: v->src_wait is set and the
 * rows come from cm_viewer_step. -1 on OOM. */
int vsrc_rows(struct cm_viewer *v, const struct vlevel *l);
void vsrc_free_rows(struct cm_viewer *v);
void vsrc_readers_free(struct cm_viewer *v);
/* One step of the lines build of st (see enum vlines_stage): the
 * prepared copy or the node table (each one step), or up to n samples,
 * or the end. 1 when complete, 0 when more is to do, -1 on OOM (stage
 * FAILED, err says why). */
int vlines_step(struct cm_viewer *v, struct vstate *st, size_t n, char *err, size_t errlen);
/* Still to build while idle (not complete, not failed). */
bool vlines_due(const struct vlines *ls);
/* Reading ahead (cm_viewer_step, once the lines are built): the file
 * of TOP's selected function, read and kept by the readers, so that
 * Enter does not wait for it (most of what it cost then: a 430 KB file,
 * 10 ms of page faults here). due: a selection whose file was not. */
bool vsrc_ahead_due(const struct cm_viewer *v);
void vsrc_read_ahead(struct cm_viewer *v);
/* v->annotating from the progress of v->st's lines. */
void vsrc_wait_text(struct cm_viewer *v);
void vlines_free(struct vlines *ls);

/* viewer_peek.c: the PEEK rows for level l. -1 on OOM. */
int vpeek_rows(struct cm_viewer *v, const struct vlevel *l);
void vpeek_free_rows(struct cm_viewer *v);

/* viewer_labels.c: the LABELS rows of v->st. -1 on OOM. */
int vlabels_rows(struct cm_viewer *v);
void vlabels_free_rows(struct cm_viewer *v);
/* viewer_flame.c: FLAME's frames found again after a rebuild (remember
 * before the swap: it turns ids into paths). -1 on OOM. */
void vflame_remember(struct cm_viewer *v);
int vflame_refresh(struct cm_viewer *v);
void vflame_free(struct cm_viewer *v);
void vflame_reset(struct cm_viewer *v); /* a new FLAME level: no zoom */
const char *vflame_selected_name(const struct cm_viewer *v);
uint32_t vflame_selected_node(const struct cm_viewer *v); /* CM_STACK_NONE: none */

/* viewer_tree.c: likewise for TREE; vtree_rows recomputes the rows and
 * puts l->sel on the remembered frame. */
void vtree_remember(struct cm_viewer *v);
int vtree_rows(struct cm_viewer *v, struct vlevel *l);
void vtree_free(struct cm_viewer *v);
uint32_t vtree_node(const struct cm_viewer *v, size_t row); /* CM_STACK_NONE: none */
bool vtree_open(struct cm_viewer *v, bool open, double now); /* cm_viewer_tree_open */

/* viewer_mycode.c: the owners of the pristine profile's functions into
 * *out (empty before a profile); -1 on OOM. */
int vmine_owners(const struct cm_viewer *v, struct cm_code_owners *out);
/* The hide regex for owners o under v's hide filter and hide_std: *out
 * NULL when filters[HIDE] alone is in force; -1 on OOM. */
int vmine_hide(const struct cm_viewer *v, const struct cm_code_owners *o, char **out);

/* viewer_common.c */
void viewer_msg(struct cm_viewer *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void viewer_clear_msg(struct cm_viewer *v);
/* The profile the views are built from: the diff when one is shown, else
 * the last loaded (NULL before the first). */
const struct cm_profile *viewer_pristine(const struct cm_viewer *v);
/* A copy of p for cm_report_prepare under ro (the caller frees it), or
 * NULL on OOM. */
struct cm_profile *viewer_work_copy(const struct cm_profile *p, const struct cm_report_opts *ro);
/* The units (table entries, samples) viewer_work_copy goes over. */
size_t viewer_copy_work(const struct cm_profile *p, const struct cm_report_opts *ro);
/* The stack tree of v->st, built on first use; NULL on OOM. */
const struct cm_stack_tree *viewer_stacks(struct cm_viewer *v);
/* The path of frame f ("" for the root; malloc'd, NULL on OOM), and the
 * deepest frame a path reaches in t (the root when none of it does). */
char *viewer_path_of(const struct cm_stack_tree *t, uint32_t f);
uint32_t viewer_path_find(const struct cm_stack_tree *t, const char *path);
/* How a value compares with the base: none outside a diff. */
enum cm_viewer_change viewer_change(const struct cm_viewer *v, int64_t x);
/* The current level: cm_viewer_new makes TOP, which is never popped. */
struct vlevel *viewer_cur(const struct cm_viewer *v);

#endif
