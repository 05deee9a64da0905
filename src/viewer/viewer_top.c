/* viewer_top: the TOP rows, formatted by the report's own -top code, in
 * the graph's order or, while the person is moving, in the order the rows
 * had before a refresh (new names go after the old ones). */
#include <stdlib.h>
#include <string.h>

#include "viewer_int.h"

struct name_id {
	const char *name;
	uint32_t id;
};

static int name_id_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name_id *)a)->name, ((const struct name_id *)b)->name);
}

/* The member ids of g, in the order the old rows had them first. order has
 * room for g->nmembers. -1 on OOM. */
static int held_order(const struct cm_viewer *v, const struct cm_graph *g, uint32_t *order)
{
	size_t n = g->nmembers, k = 0;
	struct name_id *by_name = malloc((n + 1) * sizeof(*by_name));
	bool *used = calloc(g->nodes->count + 1, sizeof(bool));
	if (!by_name || !used) {
		free(by_name);
		free(used);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		by_name[i] = (struct name_id){g->nodes->printable[g->members[i]], g->members[i]};
	qsort(by_name, n, sizeof(*by_name), name_id_cmp);
	for (size_t i = 0; i < v->ntop; i++) {
		struct name_id key = {v->top[i].pub.name, 0};
		const struct name_id *hit = bsearch(&key, by_name, n, sizeof(*by_name), name_id_cmp);
		if (hit && !used[hit->id]) {
			used[hit->id] = true;
			order[k++] = hit->id;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!used[g->members[i]])
			order[k++] = g->members[i];
	free(by_name);
	free(used);
	return 0;
}

int vtop_rows(struct cm_viewer *v, bool hold)
{
	const struct vstate *st = v->st;
	const struct cm_graph *g = &st->top.g;
	size_t n = g->nmembers;
	uint32_t *order = malloc((n + 1) * sizeof(*order));
	struct vtop_row *rows = calloc(n + 1, sizeof(*rows));
	if (!order || !rows || (hold && held_order(v, g, order) < 0)) {
		free(order);
		free(rows);
		return -1;
	}
	if (!hold)
		memcpy(order, g->members, n * sizeof(*order));
	int64_t flat_sum = 0;
	for (size_t i = 0; i < n; i++) {
		struct vtop_row *r = &rows[i];
		uint32_t id = order[i];
		int64_t flat = cm_graph_flat_value(g, id), cum = cm_graph_cum_value(g, id);
		flat_sum = cm_add64(flat_sum, flat);
		cm_top_format(&st->rep, flat, cum, flat_sum, &r->cols);
		r->id = id;
		r->pub = (struct cm_viewer_top_row){
			.name = g->nodes->printable[id], .inline_label = st->top.labels[id],
			.flat = flat, .cum = cum, .flat_s = r->cols.flat, .flat_pct = r->cols.flat_pct,
			.sum_pct = r->cols.sum_pct, .cum_s = r->cols.cum, .cum_pct = r->cols.cum_pct,
			.change = viewer_change(v, flat ? flat : cum),
		};
	}
	free(order);
	vtop_free(v);
	v->top = rows;
	v->ntop = n;
	return 0;
}

void vtop_free(struct cm_viewer *v)
{
	free(v->top);
	v->top = NULL;
	v->ntop = 0;
}

size_t vtop_find(const struct cm_viewer *v, const char *name)
{
	for (size_t i = 0; i < v->ntop; i++)
		if (!strcmp(v->top[i].pub.name, name))
			return i;
	return SIZE_MAX;
}

/* Row i's node is in the function name (in file, when both rows know it)
 * or, without a name, in the file. */
static bool row_in_place(const struct cm_viewer *v, size_t i, const char *name, const char *file,
			 bool by_file)
{
	const struct cm_node_info *ni = &v->st->top.nodes.info[v->top[i].id];
	if (!*name)
		return *file && !strcmp(ni->file, file);
	if (strcmp(ni->name, name))
		return false;
	return !by_file || !*file || !*ni->file || !strcmp(ni->file, file);
}

size_t vtop_find_place(const struct cm_viewer *v, const char *name, const char *file)
{
	if (!v->st)
		return SIZE_MAX;
	/* the same function in the same file first (a name may be in two files
	 * at filefunctions), then the name alone */
	for (int by_file = 1; by_file >= 0; by_file--)
		for (size_t i = 0; i < v->ntop; i++)
			if (row_in_place(v, i, name, file, by_file))
				return i;
	return SIZE_MAX;
}

const struct cm_viewer_top_row *cm_viewer_top_row(const struct cm_viewer *v, size_t i)
{
	return i < v->ntop ? &v->top[i].pub : NULL;
}

size_t cm_viewer_top_count(const struct cm_viewer *v)
{
	return v->ntop;
}

char *cm_viewer_top_text(const struct cm_viewer *v, size_t i, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	if (i >= v->ntop)
		return buf;
	const struct vtop_row *r = &v->top[i];
	const char *label = r->pub.inline_label;
	snprintf(buf, len, CM_TOP_ROW_FORMAT, r->cols.flat, r->cols.flat_pct, r->cols.sum_pct,
		 r->cols.cum, r->cols.cum_pct, r->pub.name, *label ? " " : "", label);
	return buf;
}

const char *cm_viewer_top_headings(void)
{
	return CM_TOP_HEADINGS;
}
