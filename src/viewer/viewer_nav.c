/* viewer_nav: the stack of levels, the selection and scroll of each,
 * Enter/back, search, and releasing a held row order. A level remembers
 * its selection by key (a row's name, a source line's number), so it finds
 * the same row again after its rows were rebuilt. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "viewer_int.h"

#define DEFAULT_PAGE 20

static size_t nrows(const struct cm_viewer *v)
{
	switch (viewer_cur(v)->kind) {
	case CM_VIEWER_TOP: return v->ntop;
	case CM_VIEWER_SOURCE: return v->nsrc;
	case CM_VIEWER_PEEK: return v->npeek;
	case CM_VIEWER_LABELS: return v->nlabel;
	case CM_VIEWER_TREE: return v->tree.nrows;
	case CM_VIEWER_FLAME: break; /* boxes, not rows: viewer_flame.c */
	}
	return 0;
}

const char *vnav_row_name(const struct cm_viewer *v, size_t i)
{
	switch (viewer_cur(v)->kind) {
	case CM_VIEWER_TOP: return i < v->ntop ? v->top[i].pub.name : NULL;
	case CM_VIEWER_PEEK: return i < v->npeek ? v->peek[i].pub.name : NULL;
	case CM_VIEWER_LABELS: return i < v->nlabel ? v->label[i].name : NULL;
	case CM_VIEWER_TREE: return i < v->tree.nrows ? v->tree.rows[i].pub.name : NULL;
	case CM_VIEWER_SOURCE:
	case CM_VIEWER_FLAME: break;
	}
	return NULL;
}

/* The first row shown: moved as little as possible so that sel shows. */
static size_t scroll_to(size_t top, size_t sel, size_t page, size_t n)
{
	if (page == 0 || n <= page)
		return 0;
	if (sel < top)
		return sel;
	if (sel >= top + page)
		top = sel + 1 - page;
	return top > n - page ? n - page : top;
}

static void sync_pub(struct cm_viewer *v)
{
	struct vlevel *l = viewer_cur(v);
	size_t n = nrows(v);
	if (l->sel >= n)
		l->sel = n ? n - 1 : 0;
	l->top = scroll_to(l->top, l->sel, v->page ? v->page : DEFAULT_PAGE, n);
	v->pub = (struct cm_viewer_level){
		.kind = l->kind,
		.title = l->kind == CM_VIEWER_TOP ? "top" : l->kind == CM_VIEWER_LABELS ? "labels"
			 : l->name ? l->name : l->file,
		.nrows = n, .sel = l->sel, .top = l->top, .depth = v->depth - 1,
	};
}

void vnav_remember(struct cm_viewer *v)
{
	struct vlevel *l = viewer_cur(v);
	if (l->kind == CM_VIEWER_FLAME || l->kind == CM_VIEWER_TREE)
		return; /* frames of the stack tree: vflame_remember, vtree_remember */
	if (l->sel >= nrows(v))
		return; /* nothing selected: keep what it had */
	if (l->kind == CM_VIEWER_SOURCE) {
		l->sel_line = v->src[l->sel].pub.lineno;
		return;
	}
	char *key = strdup(vnav_row_name(v, l->sel));
	if (!key)
		return;
	free(l->sel_key);
	l->sel_key = key;
	if (l->kind == CM_VIEWER_PEEK)
		l->sel_role = (int)v->peek[l->sel].pub.role;
}

/* The row that has the level's key, or SIZE_MAX. */
static size_t find_key(const struct cm_viewer *v, const struct vlevel *l)
{
	if (l->kind == CM_VIEWER_SOURCE) {
		for (size_t i = 0; i < v->nsrc; i++)
			if (v->src[i].pub.lineno == l->sel_line)
				return i;
		return SIZE_MAX;
	}
	if (!l->sel_key || l->kind == CM_VIEWER_FLAME || l->kind == CM_VIEWER_TREE)
		return SIZE_MAX;
	if (l->kind == CM_VIEWER_TOP)
		return vtop_find(v, l->sel_key);
	for (size_t i = 0; l->kind == CM_VIEWER_LABELS && i < v->nlabel; i++)
		if (!strcmp(v->label[i].name, l->sel_key))
			return i;
	for (size_t i = 0; l->kind == CM_VIEWER_PEEK && i < v->npeek; i++)
		if ((int)v->peek[i].pub.role == l->sel_role && !strcmp(v->peek[i].pub.name, l->sel_key))
			return i;
	return SIZE_MAX;
}

int vnav_refresh(struct cm_viewer *v, bool keep_line)
{
	struct vlevel *l = viewer_cur(v);
	int rc = 0;
	if (l->kind == CM_VIEWER_SOURCE)
		rc = vsrc_rows(v, l);
	else if (l->kind == CM_VIEWER_PEEK)
		rc = vpeek_rows(v, l);
	else if (l->kind == CM_VIEWER_LABELS)
		rc = vlabels_rows(v);
	else if (l->kind == CM_VIEWER_FLAME)
		rc = vflame_refresh(v);
	else if (l->kind == CM_VIEWER_TREE)
		rc = vtree_rows(v, l);
	/* the selected row keeps its screen line when rows before it came or went */
	size_t at = find_key(v, l);
	if (at != SIZE_MAX && keep_line) {
		size_t line = l->sel >= l->top ? l->sel - l->top : 0;
		l->top = at >= line ? at - line : 0;
	}
	if (at != SIZE_MAX)
		l->sel = at;
	if (l->kind == CM_VIEWER_SOURCE && l->unplaced && v->nsrc) {
		/* its first rows: on the heaviest line, two lines of context above */
		l->unplaced = false;
		l->sel = v->nhot ? v->hot[0] : 0;
		l->top = l->sel > 2 ? l->sel - 2 : 0;
	}
	sync_pub(v);
	return rc;
}

void vnav_free(struct cm_viewer *v)
{
	vlabels_free_rows(v);
	for (size_t i = 0; i < v->depth; i++) {
		free(v->levels[i].name);
		free(v->levels[i].file);
		free(v->levels[i].sel_key);
	}
	free(v->levels);
	v->levels = NULL;
	v->depth = 0;
}

const struct cm_viewer_level *cm_viewer_level(const struct cm_viewer *v)
{
	return &v->pub;
}

/* ---- movement ---- */

void cm_viewer_set_page(struct cm_viewer *v, size_t rows)
{
	v->page = rows;
	sync_pub(v);
}

void cm_viewer_select(struct cm_viewer *v, size_t i, double now)
{
	viewer_clear_msg(v);
	viewer_cur(v)->sel = i;
	v->last_move = now;
	sync_pub(v);
}

void cm_viewer_move(struct cm_viewer *v, long delta, double now)
{
	size_t sel = viewer_cur(v)->sel, n = nrows(v);
	size_t mag = delta < 0 ? 0 - (size_t)delta : (size_t)delta; /* LONG_MIN too */
	if (delta < 0)
		sel = mag >= sel ? 0 : sel - mag;
	else
		sel = n - sel <= mag ? (n ? n - 1 : 0) : sel + mag;
	cm_viewer_select(v, sel, now);
}

void cm_viewer_page(struct cm_viewer *v, int pages, double now)
{
	size_t page = v->page ? v->page : DEFAULT_PAGE;
	cm_viewer_move(v, (long)pages * (long)(page > 1 ? page - 1 : 1), now);
}

/* ---- levels ---- */

static bool push(struct cm_viewer *v, enum cm_viewer_kind kind, const char *name,
		 const char *file)
{
	if (v->depth == v->levels_cap) {
		struct vlevel *nl = realloc(v->levels, 2 * v->levels_cap * sizeof(*nl));
		if (!nl)
			return false;
		v->levels = nl;
		v->levels_cap *= 2;
	}
	vnav_remember(v);
	struct vlevel *l = &v->levels[v->depth];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->name = name ? strdup(name) : NULL;
	l->file = file ? strdup(file) : NULL;
	if ((name && !l->name) || (file && !l->file)) {
		free(l->name);
		free(l->file);
		return false;
	}
	v->depth++;
	if (kind == CM_VIEWER_FLAME)
		vflame_reset(v);
	/* SOURCE starts on its heaviest line when its rows come: now, or
	 * from cm_viewer_step when they are built in the background */
	l->unplaced = kind == CM_VIEWER_SOURCE;
	if (vnav_refresh(v, false) < 0) {
		cm_viewer_back(v);
		viewer_msg(v, "out of memory");
		return false;
	}
	/* PEEK starts on the function's own row */
	for (size_t i = 0; kind == CM_VIEWER_PEEK && i < v->npeek; i++)
		if (v->peek[i].pub.role == CM_PEEK_SELF)
			l->sel = i;
	if (kind == CM_VIEWER_LABELS && v->nlabel > 1)
		l->sel = 1; /* the first key's biggest value */
	l->top = l->sel > 2 ? l->sel - 2 : 0;
	sync_pub(v);
	return true;
}

bool cm_viewer_back(struct cm_viewer *v)
{
	if (v->depth <= 1)
		return false;
	struct vlevel *l = viewer_cur(v);
	free(l->name);
	free(l->file);
	free(l->sel_key);
	v->depth--;
	vsrc_free_rows(v);
	vpeek_free_rows(v);
	vlabels_free_rows(v);
	if (vnav_refresh(v, false) < 0)
		viewer_msg(v, "out of memory");
	return true;
}

/* The node info (function, file) of the selected TOP or PEEK row. */
static const struct cm_node_info *selected_info(const struct cm_viewer *v)
{
	const struct vlevel *l = viewer_cur(v);
	if (l->sel >= nrows(v) || !v->st)
		return NULL;
	if (l->kind == CM_VIEWER_TOP)
		return &v->st->top.nodes.info[v->top[l->sel].id];
	if (l->kind == CM_VIEWER_PEEK)
		return &v->st->top.nodes.info[v->peek[l->sel].id];
	return NULL;
}

int vnav_place(const struct cm_viewer *v, char **name, char **file)
{
	const struct vlevel *l = viewer_cur(v);
	const struct cm_node_info *ni = selected_info(v);
	const char *n = ni ? ni->name : l->kind == CM_VIEWER_SOURCE && l->name ? l->name : "";
	const char *f = ni ? ni->file : l->kind == CM_VIEWER_SOURCE && l->file ? l->file : "";
	*name = strdup(n);
	*file = strdup(f);
	if (*name && *file)
		return 0;
	free(*name);
	free(*file);
	*name = *file = NULL;
	return -1;
}

void vnav_goto_place(struct cm_viewer *v, const char *name, const char *file)
{
	struct vlevel *l = viewer_cur(v);
	size_t at = name && file ? vtop_find_place(v, name, file) : SIZE_MAX;
	if (at == SIZE_MAX) {
		l->sel = l->top = 0;
	} else {
		size_t line = l->sel >= l->top ? l->sel - l->top : 0;
		l->sel = at;
		l->top = at >= line ? at - line : 0;
	}
	sync_pub(v);
	vnav_remember(v);
}

/* The node info of the frame FLAME or TREE has selected. */
static const struct cm_node_info *frame_info(const struct cm_viewer *v)
{
	const struct vlevel *l = viewer_cur(v);
	uint32_t node = l->kind == CM_VIEWER_FLAME ? vflame_selected_node(v)
			: l->kind == CM_VIEWER_TREE ? vtree_node(v, l->sel) : CM_STACK_NONE;
	return node == CM_STACK_NONE || !v->st ? NULL : &v->st->top.nodes.info[node];
}

static bool push_source_of(struct cm_viewer *v, const struct cm_node_info *ni)
{
	if (*ni->name)
		return push(v, CM_VIEWER_SOURCE, ni->name, NULL);
	if (*ni->file)
		return push(v, CM_VIEWER_SOURCE, NULL, ni->file);
	viewer_msg(v, "no function or file to show the source of");
	return false;
}

/* SOURCE: the function the selected line calls. */
static const char *selected_callee(const struct cm_viewer *v)
{
	const struct vlevel *l = viewer_cur(v);
	return l->sel < v->nsrc ? v->src[l->sel].pub.callee : NULL;
}

bool cm_viewer_source(struct cm_viewer *v, double now)
{
	(void)now;
	viewer_clear_msg(v);
	if (viewer_cur(v)->kind == CM_VIEWER_SOURCE) {
		const char *callee = selected_callee(v);
		if (callee)
			return push(v, CM_VIEWER_SOURCE, callee, NULL);
		viewer_msg(v, "this line calls no function");
		return false;
	}
	const struct cm_node_info *ni = selected_info(v);
	if (!ni)
		ni = frame_info(v);
	if (!ni) {
		viewer_msg(v, "nothing selected");
		return false;
	}
	return push_source_of(v, ni);
}

bool cm_viewer_labels(struct cm_viewer *v, double now)
{
	(void)now;
	viewer_clear_msg(v);
	if (viewer_cur(v)->kind == CM_VIEWER_LABELS || !v->st)
		return false;
	if (!push(v, CM_VIEWER_LABELS, NULL, NULL))
		return false;
	if (!v->nlabel)
		viewer_msg(v, "no labels in this profile (pprof.Do, pprof.SetGoroutineLabels; heap: bytes)");
	return true;
}

bool cm_viewer_peek(struct cm_viewer *v, double now)
{
	(void)now;
	viewer_clear_msg(v);
	const struct vlevel *l = viewer_cur(v);
	if (l->kind == CM_VIEWER_LABELS) {
		viewer_msg(v, "labels: Enter focuses on a value, i ignores it");
		return false;
	}
	const char *name = cm_viewer_selected_name(v);
	if (l->kind == CM_VIEWER_SOURCE && !selected_callee(v))
		name = l->name;
	if (!name) {
		viewer_msg(v, "nothing selected");
		return false;
	}
	return push(v, CM_VIEWER_PEEK, name, NULL);
}

bool cm_viewer_enter(struct cm_viewer *v, double now)
{
	const struct vlevel *l = viewer_cur(v);
	if (l->kind == CM_VIEWER_FLAME)
		return cm_viewer_flame_zoom(v, now);
	if (l->kind == CM_VIEWER_PEEK && l->sel < v->npeek &&
	    v->peek[l->sel].pub.role != CM_PEEK_SELF) {
		viewer_clear_msg(v);
		return push(v, CM_VIEWER_PEEK, v->peek[l->sel].pub.name, NULL);
	}
	return cm_viewer_source(v, now);
}

const char *cm_viewer_selected_name(const struct cm_viewer *v)
{
	const struct vlevel *l = viewer_cur(v);
	if (l->kind == CM_VIEWER_SOURCE) {
		const char *callee = selected_callee(v);
		return callee ? callee : l->name;
	}
	if (l->kind == CM_VIEWER_FLAME)
		return vflame_selected_name(v);
	return vnav_row_name(v, l->sel);
}

/* F and C: back to the level of that kind when one is on the stack. */
static bool show_level(struct cm_viewer *v, enum cm_viewer_kind kind, const char *title)
{
	viewer_clear_msg(v);
	if (!v->st) {
		viewer_msg(v, "no profile loaded");
		return false;
	}
	for (size_t i = 1; i < v->depth; i++)
		if (v->levels[i].kind == kind) {
			while (v->depth > i + 1)
				cm_viewer_back(v);
			return true;
		}
	return push(v, kind, title, NULL);
}

bool cm_viewer_flame(struct cm_viewer *v, double now)
{
	(void)now;
	return show_level(v, CM_VIEWER_FLAME, "flame graph");
}

bool cm_viewer_calltree(struct cm_viewer *v, double now)
{
	(void)now;
	return show_level(v, CM_VIEWER_TREE, "call tree");
}

bool cm_viewer_tree_open(struct cm_viewer *v, bool open, double now)
{
	bool moved = vtree_open(v, open, now);
	sync_pub(v);
	return moved;
}

void vnav_drop_function_levels(struct cm_viewer *v)
{
	size_t k = 1;
	for (size_t i = 1; i < v->depth; i++) {
		struct vlevel *l = &v->levels[i];
		if (l->kind == CM_VIEWER_SOURCE || l->kind == CM_VIEWER_PEEK) {
			free(l->name);
			free(l->file);
			free(l->sel_key);
			continue;
		}
		v->levels[k++] = *l;
	}
	v->depth = k;
	vsrc_free_rows(v);
	vpeek_free_rows(v);
	if (vnav_refresh(v, false) < 0)
		viewer_msg(v, "out of memory");
}

bool cm_viewer_next_hot(struct cm_viewer *v, int dir, double now)
{
	const struct vlevel *l = viewer_cur(v);
	if (l->kind != CM_VIEWER_SOURCE || !v->nhot)
		return false;
	size_t rank = l->sel < v->nsrc ? v->src[l->sel].pub.hot_rank : 0;
	size_t want = dir > 0 ? rank + 1 : rank - 1; /* ranks are 1-based */
	if (rank == 0 && dir < 0)
		return false;
	if (want == 0 || want > v->nhot)
		return false;
	cm_viewer_select(v, v->hot[want - 1], now);
	return true;
}

/* ---- search ---- */

/* Row i of the current level against the compiled search. */
static bool row_matches(const struct cm_viewer *v, size_t i)
{
	if (!v->search_re || i >= nrows(v))
		return false;
	if (viewer_cur(v)->kind == CM_VIEWER_SOURCE)
		return cm_goregex_match_n(v->search_re, v->src[i].pub.text, v->src[i].pub.text_len);
	const char *name = vnav_row_name(v, i);
	return name && cm_goregex_match(v->search_re, name);
}

/* The first match from row `from` in direction dir (wrapping), or SIZE_MAX. */
static size_t find_match(const struct cm_viewer *v, size_t from, int dir)
{
	size_t n = nrows(v);
	for (size_t k = 0; k < n; k++) {
		size_t i = dir > 0 ? (from + k) % n : (from + n - k % n) % n;
		if (row_matches(v, i))
			return i;
	}
	return SIZE_MAX;
}

bool cm_viewer_search(struct cm_viewer *v, const char *text, double now)
{
	viewer_clear_msg(v);
	struct vlevel *l = viewer_cur(v);
	if (!v->search_typing) {
		v->search_from = l->sel;
		v->search_typing = true;
	}
	char *copy = strdup(text ? text : "");
	if (!copy)
		return false;
	free(v->search);
	v->search = copy;
	cm_goregex_free(v->search_re);
	v->search_re = NULL;
	char why[VIEWER_MSG - 16];
	if (*copy && !(v->search_re = cm_goregex_compile(copy, why, sizeof(why)))) {
		/* half typed ("main.(") is normal: said, and the selection waits */
		cm_viewer_select(v, v->search_from, now);
		viewer_msg(v, "search: %s", why);
		return false;
	}
	size_t at = *copy ? find_match(v, v->search_from, 1) : SIZE_MAX;
	cm_viewer_select(v, at == SIZE_MAX ? v->search_from : at, now);
	return !*copy || at != SIZE_MAX;
}

bool cm_viewer_search_matches(const struct cm_viewer *v, size_t i)
{
	return row_matches(v, i);
}

void cm_viewer_search_done(struct cm_viewer *v, bool cancel)
{
	if (cancel && v->search_typing) {
		viewer_cur(v)->sel = v->search_from;
		free(v->search);
		v->search = NULL;
		cm_goregex_free(v->search_re);
		v->search_re = NULL;
		sync_pub(v);
	}
	v->search_typing = false;
}

bool cm_viewer_search_next(struct cm_viewer *v, int dir, double now)
{
	viewer_clear_msg(v);
	size_t n = nrows(v);
	if (!v->search || !*v->search || !n)
		return false;
	size_t from = (viewer_cur(v)->sel + (size_t)(dir > 0 ? 1 : n - 1)) % n;
	if (!v->search_re) {
		viewer_msg(v, "not a regular expression: %s", v->search);
		return false;
	}
	size_t at = find_match(v, from, dir);
	if (at == SIZE_MAX) {
		viewer_msg(v, "not found: %s", v->search);
		return false;
	}
	cm_viewer_select(v, at, now);
	return true;
}

const char *cm_viewer_search_text(const struct cm_viewer *v)
{
	return v->search ? v->search : "";
}

/* ---- pinning ---- */

bool cm_viewer_held(const struct cm_viewer *v)
{
	return v->held;
}

double cm_viewer_next_tick(const struct cm_viewer *v)
{
	return v->held ? v->last_move + v->hold : -1;
}

bool cm_viewer_tick(struct cm_viewer *v, double now)
{
	if (!v->held || now - v->last_move < v->hold)
		return false;
	vnav_remember(v);
	if (vtop_rows(v, false) < 0)
		return false; /* stays held; tried again next tick */
	v->held = false;
	if (vnav_refresh(v, true) < 0)
		viewer_msg(v, "out of memory");
	return true;
}
