/* viewer_flame: the FLAME level: the stack tree laid out as an icicle for
 * a width, the selection and zoom stack (frames of the tree, kept as paths
 * of names across rebuilds), and the regex highlight with its share.
 *
 * The layout is breadth first: the boxes array is its own work queue, so
 * rows come out in order and left to right, and no recursion follows a
 * hostile depth. Columns are floor(start * width / zoomed weight) of each
 * box's start in weight units: a frame at least one cell wide always gets
 * one; the narrower ones of a parent go into its pool box. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/goregex.h"
#include "cmon/base/measure.h"
#include "cmon/profile/gopkg.h"
#include "viewer_int.h"

#define MAX_ROWS 4096 /* deeper frames are not laid out */

static const struct cm_stack_tree *tree(const struct cm_viewer *v)
{
	return v->st && v->st->stacks_built ? &v->st->stacks : NULL;
}

/* ---- remembering frames across rebuilds ---- */

static void forget_paths(struct vflame *f)
{
	free(f->zoom_path);
	free(f->sel_path);
	free(f->zdepths);
	f->zoom_path = f->sel_path = NULL;
	f->zdepths = NULL;
}

void vflame_remember(struct cm_viewer *v)
{
	struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = tree(v);
	if (!f->resolved || !t)
		return;
	forget_paths(f);
	f->zoom_path = viewer_path_of(t, f->zoom);
	f->sel_path = viewer_path_of(t, f->sel);
	if (f->nz && (f->zdepths = malloc(f->nz * sizeof(*f->zdepths))))
		for (size_t i = 0; i < f->nz; i++)
			f->zdepths[i] = t->frames[f->zstack[i]].depth;
	if (!f->zdepths)
		f->nz = 0;
	f->resolved = false;
}

/* The ancestor of x at depth d (x itself when it is not deeper). */
static uint32_t ancestor_at(const struct cm_stack_tree *t, uint32_t x, uint32_t d)
{
	while (t->frames[x].depth > d)
		x = t->frames[x].parent;
	return x;
}

static bool is_ancestor(const struct cm_stack_tree *t, uint32_t a, uint32_t x)
{
	return ancestor_at(t, x, t->frames[a].depth) == a;
}

/* Matches of the regex over the tree's nodes. -1 on OOM. */
static int compute_match(struct cm_viewer *v)
{
	struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = tree(v);
	free(f->match);
	f->match = NULL;
	if (!f->re || !t)
		return 0;
	if (!(f->match = calloc(t->nodes->count + 1, sizeof(bool))))
		return -1;
	for (uint32_t i = 0; i < t->nodes->count; i++)
		f->match[i] = cm_goregex_match(f->re, t->nodes->printable[i]);
	return 0;
}

int vflame_refresh(struct cm_viewer *v)
{
	struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = viewer_stacks(v);
	if (!t)
		return -1;
	f->nboxes = 0;
	if (f->resolved)
		return f->re && !f->match ? compute_match(v) : 0;
	f->zoom = viewer_path_find(t, f->zoom_path);
	f->sel = viewer_path_find(t, f->sel_path);
	if (!is_ancestor(t, f->zoom, f->sel))
		f->sel = f->zoom;
	size_t k = 0;
	for (size_t i = 0; i < f->nz && f->zdepths; i++)
		if (f->zdepths[i] < t->frames[f->zoom].depth)
			f->zstack[k++] = ancestor_at(t, f->zoom, f->zdepths[i]);
	f->nz = k;
	forget_paths(f);
	f->resolved = true;
	return compute_match(v);
}

void vflame_reset(struct cm_viewer *v)
{
	struct vflame *f = &v->flame;
	forget_paths(f);
	f->resolved = false;
	f->nz = 0;
	f->sel_pool = false;
	f->nboxes = 0;
}

void vflame_free(struct cm_viewer *v)
{
	struct vflame *f = &v->flame;
	forget_paths(f);
	free(f->zstack);
	free(f->match);
	free(f->boxes);
	free(f->box_at);
	free(f->re_text);
	if (f->re)
		cm_goregex_free(f->re);
	memset(f, 0, sizeof(*f));
}

/* ---- layout ---- */

struct lay {
	struct cm_viewer *v;
	const struct cm_stack_tree *t;
	double scale; /* cells per weight unit */
	uint64_t origin; /* the zoomed frame's start: 0 */
};

static int col(const struct lay *L, uint64_t at)
{
	return (int)floor((double)at * L->scale);
}

/* The package's hue: a hash of its path (the whole name when it has no
 * Go package), FNV-1a: the same on every run and host. */
static uint32_t hue_of(const char *full)
{
	size_t n = cm_go_package_len(full);
	if (!n)
		n = strlen(full);
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)full[i]) * 16777619u;
	return h;
}

static struct cm_viewer_flame_box *new_box(struct lay *L, uint64_t at)
{
	struct vflame *f = &L->v->flame;
	if (f->nboxes == f->boxes_cap) {
		size_t cap = f->boxes_cap ? 2 * f->boxes_cap : 256;
		struct cm_viewer_flame_box *b = realloc(f->boxes, cap * sizeof(*b));
		if (!b)
			return NULL;
		f->boxes = b;
		uint64_t *a = realloc(f->box_at, cap * sizeof(*a));
		if (!a)
			return NULL;
		f->box_at = a;
		f->boxes_cap = cap;
	}
	f->box_at[f->nboxes] = at;
	return &f->boxes[f->nboxes++];
}

/* A box for frame x at row, cells [x0, x1). */
static int frame_box(struct lay *L, uint32_t x, int row, int x0, int x1, uint64_t at, bool crumb)
{
	struct cm_viewer_flame_box *b = new_box(L, at);
	if (!b)
		return -1;
	const struct cm_stack_frame *fr = &L->t->frames[x];
	const char *full = cm_stack_tree_name(L->t, x);
	*b = (struct cm_viewer_flame_box){
		.row = row, .x = x0, .w = x1 - x0, .frame = x, .parent = fr->parent, .nframes = 1,
		.value = fr->cum, .flat = fr->flat, .name = cm_stack_tree_short(L->t, x), .full = full,
		.hue = x ? hue_of(full) : 0, .change = viewer_change(L->v, fr->cum),
		.match = fr->node != CM_STACK_NONE && L->v->flame.match && L->v->flame.match[fr->node],
		.breadcrumb = crumb,
	};
	return 0;
}

/* The pool of p's narrow children: count, sum, heaviest, matches. */
struct pool {
	uint32_t n, heaviest;
	int64_t value;
	uint64_t weight;
	bool match;
};

static void pool_add(struct pool *p, const struct lay *L, uint32_t k)
{
	const struct cm_stack_frame *fr = &L->t->frames[k];
	if (!p->n || fr->weight > L->t->frames[p->heaviest].weight)
		p->heaviest = k;
	p->n++;
	p->value = cm_add64(p->value, fr->cum);
	p->weight += fr->weight;
	if (L->v->flame.match && L->v->flame.match[fr->node])
		p->match = true;
}

static int pool_box(struct lay *L, const struct pool *p, uint32_t parent, int row, int x0,
		    int x1)
{
	struct cm_viewer_flame_box *b = new_box(L, UINT64_MAX);
	if (!b)
		return -1;
	bool one = p->n == 1; /* a single narrow frame shows as itself */
	*b = (struct cm_viewer_flame_box){
		.row = row, .x = x0, .w = x1 - x0, .frame = p->heaviest, .parent = parent,
		.nframes = p->n, .value = p->value, .pooled = true,
		.flat = one ? L->t->frames[p->heaviest].flat : 0, .name = one ? cm_stack_tree_short(L->t, p->heaviest) : "",
		.full = cm_stack_tree_name(L->t, p->heaviest),
		.hue = one ? hue_of(cm_stack_tree_name(L->t, p->heaviest)) : 0,
		.change = viewer_change(L->v, p->value), .match = p->match,
	};
	return 0;
}

#define NO_CHILDREN UINT64_MAX /* box_at of a pool: its frames are not laid out */

/* The pool goes after the wide children; when it rounds to no cell it
 * takes the next cell of the parent's own part; when the children fill
 * the parent, the last cell of the last of them (a wide one keeps the
 * rest), or, when that one is a single cell, it joins it (a pool). */
static int place_pool(struct lay *L, const struct pool *pool, size_t i, int row, uint64_t at)
{
	struct vflame *f = &L->v->flame;
	const struct cm_viewer_flame_box *pb = &f->boxes[i];
	int end = pb->x + pb->w, x0 = col(L, at), x1 = col(L, at + pool->weight);
	if (x1 > end)
		x1 = end;
	if (x1 <= x0 && x0 < end)
		x1 = x0 + 1;
	if (x1 > x0)
		return pool_box(L, pool, pb->frame, row, x0, x1);
	struct cm_viewer_flame_box *last = &f->boxes[f->nboxes - 1];
	if (last->w >= 2) {
		/* no cell left: the last wide child gives up its last one, so a
		 * big frame never becomes a pool (its callees stay drawn) */
		last->w--;
		return pool_box(L, pool, pb->frame, row, last->x + last->w, last->x + last->w + 1);
	}
	const struct cm_stack_frame *lf = &L->t->frames[last->frame];
	if (pool->n && (uint64_t)lf->weight < L->t->frames[pool->heaviest].weight)
		last->frame = pool->heaviest;
	last->nframes += pool->n;
	last->pooled = true;
	last->flat = 0;
	last->value = cm_add64(last->value, pool->value);
	last->match = last->match || pool->match;
	last->name = "";
	last->full = cm_stack_tree_name(L->t, last->frame);
	last->hue = 0;
	last->change = viewer_change(L->v, last->value);
	f->box_at[f->nboxes - 1] = NO_CHILDREN;
	return 0;
}

/* The children of box i, one row below it. */
static int children_of(struct lay *L, size_t i)
{
	struct vflame *f = &L->v->flame;
	uint64_t at = f->box_at[i];
	const struct cm_viewer_flame_box pb = f->boxes[i];
	if (at == NO_CHILDREN || pb.row + 1 >= MAX_ROWS)
		return 0;
	const struct cm_stack_frame *fr = &L->t->frames[pb.frame];
	int end = pb.x + pb.w, row = pb.row + 1;
	struct pool pool = {0};
	bool wide = false;
	for (uint32_t j = 0; j < fr->nchildren; j++) {
		uint32_t k = L->t->kids[fr->first_child + j];
		uint64_t w = L->t->frames[k].weight;
		int x0 = col(L, at), x1 = col(L, at + w);
		if (x1 > end)
			x1 = end;
		if (x1 <= x0) {
			pool_add(&pool, L, k);
			continue;
		}
		if (frame_box(L, k, row, x0, x1, at, false) < 0)
			return -1;
		wide = true;
		at += w;
	}
	if (!pool.n)
		return 0;
	if (!wide && col(L, at) >= end) /* cannot happen: the parent has a cell */
		return 0;
	return place_pool(L, &pool, i, row, at);
}

int cm_viewer_flame_layout(struct cm_viewer *v, int width)
{
	struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = viewer_stacks(v);
	if (width < 1)
		width = 1;
	f->width = width;
	f->nboxes = 0;
	f->rows = 0;
	if (!t || vflame_refresh(v) < 0) {
		viewer_msg(v, "out of memory");
		return -1;
	}
	struct lay L = {v, t, 0, 0};
	uint64_t zw = t->frames[f->zoom].weight;
	L.scale = zw ? (double)width / (double)zw : 0;
	/* the breadcrumb: the zoomed frame's ancestors, root first */
	uint32_t depth = t->frames[f->zoom].depth;
	for (uint32_t d = 0; d < depth && d < MAX_ROWS; d++)
		if (frame_box(&L, ancestor_at(t, f->zoom, d), (int)d, 0, width, 0, true) < 0)
			goto oom;
	size_t first = f->nboxes;
	if (frame_box(&L, f->zoom, (int)f->nboxes, 0, width, 0, false) < 0)
		goto oom;
	for (size_t i = first; zw && i < f->nboxes; i++)
		if (children_of(&L, i) < 0)
			goto oom;
	f->rows = f->nboxes ? f->boxes[f->nboxes - 1].row + 1 : 0;
	return 0;
oom:
	f->nboxes = 0;
	viewer_msg(v, "out of memory");
	return -1;
}

size_t cm_viewer_flame_count(const struct cm_viewer *v)
{
	return v->flame.nboxes;
}

const struct cm_viewer_flame_box *cm_viewer_flame_box(const struct cm_viewer *v, size_t i)
{
	return i < v->flame.nboxes ? &v->flame.boxes[i] : NULL;
}

int cm_viewer_flame_rows(const struct cm_viewer *v)
{
	return v->flame.rows;
}

/* ---- selection ---- */

/* The box showing the selection: the selected frame's (or pool's), else
 * the pool that holds it or its ancestor, else its nearest shown
 * ancestor's. */
size_t cm_viewer_flame_selected(const struct cm_viewer *v)
{
	const struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = tree(v);
	if (!t || !f->nboxes)
		return SIZE_MAX;
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < f->nboxes; i++) {
		const struct cm_viewer_flame_box *b = &f->boxes[i];
		if (f->sel_pool ? b->nframes > 1 && b->parent == f->sel
				: b->nframes == 1 && b->frame == f->sel)
			return i;
		if (b->nframes == 1 && f->box_at[i] != NO_CHILDREN && is_ancestor(t, b->frame, f->sel))
			best = i; /* boxes come row by row: the last is the deepest */
	}
	for (size_t i = best + 1; best != SIZE_MAX && i < f->nboxes; i++) {
		const struct cm_viewer_flame_box *b = &f->boxes[i];
		if (b->row == f->boxes[best].row + 1 && b->parent == f->boxes[best].frame &&
		    f->box_at[i] == NO_CHILDREN && b->frame != f->sel)
			return i; /* the pool under the ancestor holds the frame's line */
	}
	return best;
}

static void select_box(struct cm_viewer *v, size_t i, double now)
{
	struct vflame *f = &v->flame;
	const struct cm_viewer_flame_box *b = &f->boxes[i];
	f->sel_pool = b->nframes > 1;
	f->sel = f->sel_pool ? b->parent : b->frame;
	v->last_move = now;
	viewer_clear_msg(v);
}

/* The first box of row whose cells overlap [x0, x1), from index from. */
static size_t box_in(const struct vflame *f, int row, int x0, int x1)
{
	for (size_t i = 0; i < f->nboxes; i++) {
		const struct cm_viewer_flame_box *b = &f->boxes[i];
		if (b->row == row && b->x < x1 && b->x + b->w > x0)
			return i;
	}
	return SIZE_MAX;
}

bool cm_viewer_flame_move(struct cm_viewer *v, enum cm_viewer_dir d, double now)
{
	struct vflame *f = &v->flame;
	size_t s = cm_viewer_flame_selected(v), to = SIZE_MAX;
	if (s == SIZE_MAX)
		return false;
	const struct cm_viewer_flame_box *b = &f->boxes[s];
	switch (d) {
	case CM_DIR_PARENT: to = b->row ? box_in(f, b->row - 1, b->x, b->x + 1) : SIZE_MAX; break;
	case CM_DIR_CHILD: to = b->nframes == 1 ? box_in(f, b->row + 1, b->x, b->x + b->w) : SIZE_MAX; break;
	case CM_DIR_PREV: to = s && f->boxes[s - 1].row == b->row ? s - 1 : SIZE_MAX; break;
	case CM_DIR_NEXT: to = s + 1 < f->nboxes && f->boxes[s + 1].row == b->row ? s + 1 : SIZE_MAX; break;
	}
	if (to == SIZE_MAX)
		return false;
	select_box(v, to, now);
	return true;
}

bool cm_viewer_flame_next_match(struct cm_viewer *v, int dir, double now)
{
	const struct vflame *f = &v->flame;
	size_t n = f->nboxes, s = cm_viewer_flame_selected(v);
	if (!n)
		return false;
	/* boxes come row by row, left to right: the reading order */
	size_t at = s == SIZE_MAX ? (dir > 0 ? n - 1 : 0) : s;
	for (size_t k = 1; k <= n; k++) {
		size_t i = dir > 0 ? (at + k) % n : (at + n - k) % n; /* k == n: at again */
		if (f->boxes[i].match) {
			select_box(v, i, now);
			return true;
		}
	}
	return false;
}

bool cm_viewer_flame_select_at(struct cm_viewer *v, int row, int x, double now)
{
	size_t i = box_in(&v->flame, row, x, x + 1);
	if (i == SIZE_MAX)
		return false;
	select_box(v, i, now);
	return true;
}

static int push_zoom(struct vflame *f, uint32_t z)
{
	if (f->nz == f->zcap) {
		size_t cap = f->zcap ? 2 * f->zcap : 8;
		uint32_t *n = realloc(f->zstack, cap * sizeof(*n));
		if (!n)
			return -1;
		f->zstack = n;
		f->zcap = cap;
	}
	f->zstack[f->nz++] = z;
	return 0;
}

bool cm_viewer_flame_zoom(struct cm_viewer *v, double now)
{
	struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = tree(v);
	size_t s = cm_viewer_flame_selected(v);
	if (!t || s == SIZE_MAX)
		return false;
	const struct cm_viewer_flame_box *b = &f->boxes[s];
	uint32_t z = b->frame;
	v->last_move = now;
	if (b->breadcrumb) {
		/* out to an ancestor: the zooms inside it are dropped */
		while (f->nz && t->frames[f->zstack[f->nz - 1]].depth >= t->frames[z].depth)
			f->nz--;
		f->zoom = z;
		f->sel = z;
		f->sel_pool = false;
		return true;
	}
	if (z == f->zoom)
		return false;
	if (push_zoom(f, f->zoom) < 0) {
		viewer_msg(v, "out of memory");
		return false;
	}
	f->zoom = z;
	f->sel = z;
	f->sel_pool = false;
	return true;
}

bool cm_viewer_flame_unzoom(struct cm_viewer *v, double now)
{
	struct vflame *f = &v->flame;
	if (!f->resolved || (!f->nz && f->zoom == 0))
		return false;
	uint32_t was = f->zoom;
	f->zoom = f->nz ? f->zstack[--f->nz] : 0;
	f->sel = was; /* the frame zoomed out of stays selected */
	f->sel_pool = false;
	v->last_move = now;
	return true;
}

/* ---- search ---- */

/* The search selects its heaviest match under the zoomed frame, so that
 * Enter zooms into it (as less moves to a match). */
static void select_heaviest_match(struct cm_viewer *v)
{
	struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = tree(v);
	if (!t || !f->match || !f->resolved)
		return;
	uint32_t best = CM_STACK_NONE;
	for (uint32_t i = f->zoom + 1; i < t->nframes; i++) {
		const struct cm_stack_frame *fr = &t->frames[i];
		if (f->match[fr->node] && (best == CM_STACK_NONE || fr->weight > t->frames[best].weight) &&
		    is_ancestor(t, f->zoom, i))
			best = i;
	}
	if (best != CM_STACK_NONE) {
		f->sel = best;
		f->sel_pool = false;
	}
}

int cm_viewer_flame_search(struct cm_viewer *v, const char *re, char *err, size_t errlen)
{
	struct vflame *f = &v->flame;
	struct cm_goregex *rx = NULL;
	char *text = NULL;
	if (re && *re) {
		if (!(rx = cm_goregex_compile(re, err, errlen)))
			return -1;
		if (!(text = strdup(re))) {
			cm_goregex_free(rx);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (f->re)
		cm_goregex_free(f->re);
	free(f->re_text);
	f->re = rx;
	f->re_text = text;
	if (compute_match(v) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	select_heaviest_match(v);
	return 0;
}

int64_t cm_viewer_flame_match_value(struct cm_viewer *v)
{
	const struct cm_stack_tree *t = viewer_stacks(v);
	if (!t || !v->flame.match)
		return 0;
	return cm_stack_tree_match_sum(t, 0, v->flame.match);
}

/* ---- the status line ---- */

static const char *trim(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

const char *cm_viewer_flame_status(struct cm_viewer *v)
{
	struct vflame *f = &v->flame;
	const struct cm_stack_tree *t = tree(v);
	size_t s = cm_viewer_flame_selected(v);
	f->status[0] = '\0';
	if (!t || s == SIZE_MAX)
		return f->status;
	const struct cm_viewer_flame_box *b = &f->boxes[s];
	const struct cm_report *r = &v->st->rep;
	char val[64], pct[32], zpct[32], what[VIEWER_MSG / 2], search[VIEWER_MSG / 4] = "";
	cm_report_value(r, b->value, val, sizeof(val));
	cm_percentage(b->value, r->total, pct, sizeof(pct));
	cm_percentage(b->value, t->frames[f->zoom].cum, zpct, sizeof(zpct));
	if (b->nframes > 1)
		snprintf(what, sizeof(what), "%u frames merged (under %s)", b->nframes,
			 cm_stack_tree_short(t, b->parent));
	else
		snprintf(what, sizeof(what), "%s", b->full);
	if (f->re_text) {
		char sp[32];
		cm_percentage(cm_viewer_flame_match_value(v), r->total, sp, sizeof(sp));
		snprintf(search, sizeof(search), "  /%s: %s of total", f->re_text, trim(sp));
	}
	const char *diff = v->diff ? (b->value > 0 ? "+" : "") : "";
	if (f->zoom && !b->breadcrumb)
		snprintf(f->status, sizeof(f->status), "%s  %s%s  %s of total, %s of %s%s", what, diff,
			 trim(val), trim(pct), trim(zpct), cm_stack_tree_short(t, f->zoom), search);
	else
		snprintf(f->status, sizeof(f->status), "%s  %s%s  %s of total%s", what, diff, trim(val),
			 trim(pct), search);
	return f->status;
}

const char *vflame_selected_name(const struct cm_viewer *v)
{
	const struct cm_stack_tree *t = tree(v);
	const struct vflame *f = &v->flame;
	if (!t || !f->resolved || f->sel_pool || f->sel == 0 || f->sel >= t->nframes)
		return NULL;
	return cm_stack_tree_name(t, f->sel);
}

uint32_t vflame_selected_node(const struct cm_viewer *v)
{
	const struct cm_stack_tree *t = tree(v);
	const struct vflame *f = &v->flame;
	if (!t || !f->resolved || f->sel_pool || f->sel >= t->nframes)
		return CM_STACK_NONE;
	return t->frames[f->sel].node;
}
