/* viewer_tree: the TREE level: the stack tree top-down as rows, a row per
 * frame whose caller is open, callees sorted by cum. Which frames are open
 * is a flag per frame; across rebuilds it is kept as the open frames'
 * paths, and the selection as its frame's path. */
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "viewer_int.h"

#define HOT_DEPTH 64 /* the hot path opens this deep at most */

static const struct cm_stack_tree *tree(const struct cm_viewer *v)
{
	return v->st && v->st->stacks_built ? &v->st->stacks : NULL;
}

static void forget_paths(struct vtree *tr)
{
	for (size_t i = 0; i < tr->nopen_paths; i++)
		free(tr->open_paths[i]);
	free(tr->open_paths);
	free(tr->sel_path);
	tr->open_paths = NULL;
	tr->nopen_paths = 0;
	tr->sel_path = NULL;
}

void vtree_remember(struct cm_viewer *v)
{
	struct vtree *tr = &v->tree;
	const struct cm_stack_tree *t = tree(v);
	if (!tr->resolved || !t)
		return;
	forget_paths(tr);
	size_t n = 0;
	for (size_t i = 0; i < t->nframes; i++)
		n += tr->open[i];
	tr->open_paths = calloc(n + 1, sizeof(*tr->open_paths));
	for (size_t i = 0; tr->open_paths && i < t->nframes; i++)
		if (tr->open[i] && (tr->open_paths[tr->nopen_paths] = viewer_path_of(t, (uint32_t)i)))
			tr->nopen_paths++;
	const struct vlevel *l = NULL;
	for (size_t i = 0; i < v->depth; i++)
		if (v->levels[i].kind == CM_VIEWER_TREE)
			l = &v->levels[i];
	if (l && l->sel < tr->nrows)
		tr->sel_path = viewer_path_of(t, tr->rows[l->sel].frame);
	free(tr->open);
	tr->open = NULL;
	tr->resolved = false;
}

void vtree_free(struct cm_viewer *v)
{
	struct vtree *tr = &v->tree;
	forget_paths(tr);
	free(tr->open);
	free(tr->rows);
	memset(tr, 0, sizeof(*tr));
}

/* Children by cum, largest first (by |cum| under a base), then name;
 * reversed for the stack of the walk below, which pops the last first. */
static int by_cum_reversed(const void *ctx, uint32_t y, uint32_t x)
{
	const struct cm_stack_tree *t = ctx;
	uint64_t wx = t->frames[x].weight, wy = t->frames[y].weight;
	if (wx != wy)
		return wx > wy ? -1 : 1;
	return strcmp(cm_stack_tree_name(t, x), cm_stack_tree_name(t, y));
}

/* The heaviest child of f, or CM_STACK_NONE. */
static uint32_t heaviest(const struct cm_stack_tree *t, uint32_t f)
{
	uint32_t best = CM_STACK_NONE;
	for (uint32_t j = 0; j < t->frames[f].nchildren; j++) {
		uint32_t k = t->kids[t->frames[f].first_child + j];
		if (best == CM_STACK_NONE || t->frames[k].weight > t->frames[best].weight)
			best = k;
	}
	return best;
}

/* Opens the hot path; returns its last frame. */
static uint32_t open_hot_path(struct vtree *tr, const struct cm_stack_tree *t)
{
	uint32_t x = heaviest(t, 0), last = x;
	for (int d = 0; x != CM_STACK_NONE && d < HOT_DEPTH; d++) {
		last = x;
		uint32_t c = heaviest(t, x);
		if (c == CM_STACK_NONE || 2 * t->frames[c].weight < t->frames[x].weight)
			break;
		tr->open[x] = true;
		x = c;
	}
	return last;
}

static void fill_row(struct cm_viewer *v, const struct cm_stack_tree *t, struct vtree_row *r,
		     uint32_t x)
{
	const struct cm_report *rep = &v->st->rep;
	const struct cm_stack_frame *f = &t->frames[x];
	cm_report_value(rep, f->flat, r->flat, sizeof(r->flat));
	cm_report_value(rep, f->cum, r->cum, sizeof(r->cum));
	cm_percentage(f->cum, rep->total, r->pct, sizeof(r->pct));
	uint64_t tw = t->frames[0].weight;
	r->frame = x;
	r->pub = (struct cm_viewer_tree_row){
		.name = cm_stack_tree_name(t, x), .depth = f->depth - 1,
		.has_children = f->nchildren > 0, .open = v->tree.open[x], .flat = f->flat,
		.cum = f->cum, .flat_s = r->flat, .cum_s = r->cum, .cum_pct = r->pct,
		.heat = tw ? (double)f->weight / (double)tw : 0, .change = viewer_change(v, f->cum),
	};
}

/* The rows: a walk of the open frames with an explicit stack of pending
 * frames (children pushed in reverse order). -1 on OOM. */
static int make_rows(struct cm_viewer *v, const struct cm_stack_tree *t)
{
	struct vtree *tr = &v->tree;
	size_t n = 0, cap = 64, sp = 0;
	struct vtree_row *rows = NULL;
	uint32_t *stack = malloc(t->nframes * sizeof(*stack));
	uint32_t *tmp = malloc(t->nframes * sizeof(*tmp));
	if (!stack || !tmp)
		goto oom;
	stack[sp++] = 0;
	while (sp) {
		uint32_t x = stack[--sp];
		if (x) {
			if (!rows || n == cap) {
				struct vtree_row *nr = realloc(rows, (cap *= 2) * sizeof(*rows));
				if (!nr)
					goto oom;
				rows = nr;
			}
			fill_row(v, t, &rows[n++], x);
		}
		const struct cm_stack_frame *f = &t->frames[x];
		if (x && !tr->open[x])
			continue;
		uint32_t *kids = stack + sp;
		memcpy(kids, t->kids + f->first_child, f->nchildren * sizeof(*kids));
		cm_sort_ids(kids, tmp, f->nchildren, by_cum_reversed, t);
		sp += f->nchildren;
	}
	free(stack);
	free(tmp);
	free(tr->rows);
	tr->rows = rows;
	tr->nrows = n;
	return 0;
oom:
	free(stack);
	free(tmp);
	free(rows);
	return -1;
}

/* The open flags of a new tree: from the remembered paths, or the hot
 * path the first time. Returns the frame to select (0: none known). */
static uint32_t resolve(struct cm_viewer *v, const struct cm_stack_tree *t)
{
	struct vtree *tr = &v->tree;
	uint32_t sel = 0;
	if (!tr->started) {
		sel = open_hot_path(tr, t);
		tr->started = true;
		return sel == CM_STACK_NONE ? 0 : sel;
	}
	for (size_t i = 0; i < tr->nopen_paths; i++) {
		uint32_t x = viewer_path_find(t, tr->open_paths[i]);
		if (x)
			tr->open[x] = true;
	}
	if (tr->sel_path)
		sel = viewer_path_find(t, tr->sel_path);
	/* the selection shows: its callers are open */
	for (uint32_t x = sel ? t->frames[sel].parent : 0; x; x = t->frames[x].parent)
		tr->open[x] = true;
	return sel;
}

int vtree_rows(struct cm_viewer *v, struct vlevel *l)
{
	struct vtree *tr = &v->tree;
	const struct cm_stack_tree *t = viewer_stacks(v);
	if (!t)
		return -1;
	uint32_t sel = CM_STACK_NONE;
	if (!tr->resolved) {
		if (!(tr->open = calloc(t->nframes + 1, sizeof(bool))))
			return -1;
		sel = resolve(v, t);
		forget_paths(tr);
		tr->resolved = true;
	} else if (l->sel < tr->nrows) {
		sel = tr->rows[l->sel].frame;
	}
	if (make_rows(v, t) < 0)
		return -1;
	for (size_t i = 0; sel != CM_STACK_NONE && i < tr->nrows; i++)
		if (tr->rows[i].frame == sel)
			l->sel = i;
	return 0;
}

uint32_t vtree_node(const struct cm_viewer *v, size_t row)
{
	const struct cm_stack_tree *t = tree(v);
	if (!t || row >= v->tree.nrows)
		return CM_STACK_NONE;
	return t->frames[v->tree.rows[row].frame].node;
}

const struct cm_viewer_tree_row *cm_viewer_tree_row(const struct cm_viewer *v, size_t i)
{
	if (viewer_cur(v)->kind != CM_VIEWER_TREE || i >= v->tree.nrows)
		return NULL;
	return &v->tree.rows[i].pub;
}

bool vtree_open(struct cm_viewer *v, bool open, double now)
{
	struct vtree *tr = &v->tree;
	struct vlevel *l = viewer_cur(v);
	const struct cm_stack_tree *t = tree(v);
	if (l->kind != CM_VIEWER_TREE || !t || l->sel >= tr->nrows)
		return false;
	viewer_clear_msg(v);
	v->last_move = now;
	uint32_t x = tr->rows[l->sel].frame;
	const struct cm_stack_frame *f = &t->frames[x];
	if (open && (!f->nchildren || tr->open[x])) {
		if (!f->nchildren || l->sel + 1 >= tr->nrows)
			return false;
		l->sel++; /* open already: on to the first callee */
		return true;
	}
	if (!open && !tr->open[x]) {
		for (size_t i = l->sel; f->parent && i-- > 0;)
			if (tr->rows[i].frame == f->parent) {
				l->sel = i; /* closed: up to the caller */
				return true;
			}
		return false;
	}
	tr->open[x] = open;
	if (vtree_rows(v, l) < 0) {
		tr->open[x] = !open;
		viewer_msg(v, "out of memory");
		return false;
	}
	return true;
}
