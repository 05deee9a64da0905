/* viewer_source: the SOURCE rows of one function: -list's pipeline (lines
 * granularity, no trimming) and its numbers (cm_list_range,
 * cm_list_weights), the source text found as -list finds it and then under
 * the current directory, GOROOT and the module cache, each line's heat and
 * rank, and the heaviest function it calls. The lines graph is built in
 * steps (vlines_step), ahead of Enter when the host steps the viewer, and
 * the selected function's file is read ahead (issue 15). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/profile/profile_ops.h"
#include "viewer_int.h"

/* ---- the lines build, in steps ---- */

void vlines_free(struct vlines *ls)
{
	if (ls->stage == VLINES_PREPARING)
		cm_report_prepare_abort(&ls->pb);
	if (ls->stage == VLINES_NODES)
		cm_nodes_abort(&ls->nb);
	if (ls->stage >= VLINES_SAMPLES) {
		cm_adjacency_free(&ls->adj);
		cm_graph_free(&ls->g);
		cm_nodes_free(&ls->nodes);
	}
	cm_profile_free(ls->work);
	memset(ls, 0, sizeof(*ls));
}

/* -1 for vlines_step: what was built goes, the stage says why. */
static int lines_failed(struct vlines *ls, char *err, size_t errlen, const char *why)
{
	if (why)
		snprintf(err, errlen, "%s", why);
	vlines_free(ls);
	ls->stage = VLINES_FAILED;
	return -1;
}

/* The copy to prepare as -list prepares it, for st's sample index (the
 * options may already name the one a switch waits for); its passes are
 * lines_preparing's steps. */
static int lines_prepare(struct cm_viewer *v, struct vstate *st, char *err, size_t errlen)
{
	struct vlines *ls = &st->lines;
	struct cm_report_opts ro = v->ro;
	ro.kind = CM_REPORT_LIST;
	snprintf(ls->si, sizeof(ls->si), "%zu", st->rep.vi);
	ro.sample_index = ls->si;
	if (!(ls->work = viewer_work_copy(viewer_pristine(v), &ro)))
		return lines_failed(ls, err, errlen, "out of memory");
	ls->done += viewer_copy_work(viewer_pristine(v), &ro);
	if (cm_report_prepare_begin(&ls->pb, &ls->rep, ls->work, &ro, err, errlen) < 0)
		return lines_failed(ls, err, errlen, NULL);
	ls->stage = VLINES_PREPARING;
	return 0;
}

static int lines_preparing(struct vlines *ls, size_t n, char *err, size_t errlen)
{
	int rc = cm_report_prepare_step(&ls->pb, n, err, errlen);
	if (rc < 0) {
		ls->stage = VLINES_PREPARED; /* pb is done with */
		return lines_failed(ls, err, errlen, NULL);
	}
	if (rc == 1)
		ls->stage = VLINES_PREPARED;
	return 0;
}

static int lines_nodes(struct cm_viewer *v, struct vlines *ls, char *err, size_t errlen)
{
	struct cm_nodes_opts no = {.obj_names = true, .trim_path = v->ro.trim_path,
				   .source_path = v->ro.source_path};
	if (cm_nodes_begin(&ls->nb, &ls->nodes, ls->work, &no) < 0)
		return lines_failed(ls, err, errlen, "out of memory");
	ls->stage = VLINES_NODES;
	return 0;
}

/* Up to n entries of the node table; once complete, the graph begins. */
static int lines_node_step(struct vlines *ls, size_t n, char *err, size_t errlen)
{
	int rc = cm_nodes_step(&ls->nb, n);
	if (rc == 0)
		return 0;
	ls->stage = VLINES_SAMPLES; /* what failed is freed as it would be then */
	ls->next = 0;
	if (rc < 0 || cm_graph_begin(&ls->g, &ls->nodes, false) < 0)
		return lines_failed(ls, err, errlen, "out of memory");
	return 0;
}

/* Up to n samples into the graph; after the last, its end. */
static int lines_samples(struct vlines *ls, size_t n, char *err, size_t errlen)
{
	size_t ns = ls->work->nsamples, to = n < ns - ls->next ? ls->next + n : ns;
	if (cm_graph_add_samples(&ls->g, ls->work, ls->next, to, ls->rep.vi, NULL, true, false,
				 NULL) < 0)
		return lines_failed(ls, err, errlen, "out of memory");
	ls->done += to - ls->next;
	ls->next = to;
	if (to < ns)
		return 0;
	cm_graph_end(&ls->g);
	if (cm_adjacency_build(&ls->g, &ls->adj) < 0)
		return lines_failed(ls, err, errlen, "out of memory");
	ls->stage = VLINES_DONE;
	return 1;
}

static int lines_next(struct cm_viewer *v, struct vstate *st, size_t n, char *err, size_t errlen)
{
	struct vlines *ls = &st->lines;
	switch (ls->stage) {
	case VLINES_NONE:
	case VLINES_FAILED: /* asked for again: tried again */
		ls->stage = VLINES_NONE;
		return lines_prepare(v, st, err, errlen);
	case VLINES_PREPARING: return lines_preparing(ls, n, err, errlen);
	case VLINES_PREPARED: return lines_nodes(v, ls, err, errlen);
	case VLINES_NODES: return lines_node_step(ls, n, err, errlen);
	case VLINES_SAMPLES: return lines_samples(ls, n, err, errlen);
	case VLINES_DONE: break;
	}
	return 1;
}

/* The units the lines' build did so far (0 once failed: freed). */
static size_t lines_work(const struct vlines *ls)
{
	return ls->done + ls->pb.work + ls->nb.work;
}

int vlines_step(struct cm_viewer *v, struct vstate *st, size_t n, char *err, size_t errlen)
{
	size_t w0 = lines_work(&st->lines);
	int rc = lines_next(v, st, n ? n : 1, err, errlen);
	size_t w1 = lines_work(&st->lines);
	v->step_work += w1 > w0 ? w1 - w0 : 0;
	return rc;
}

bool vlines_due(const struct vlines *ls)
{
	return ls->stage != VLINES_DONE && ls->stage != VLINES_FAILED;
}

/* How far the build is, 0..1: each stage by its share of the whole on
 * the big benchmark profile (callgrind: preparing 45%, the node table
 * 22%, the samples 33%). */
static double lines_progress(const struct vlines *ls)
{
	switch (ls->stage) {
	case VLINES_PREPARING: return 0.45 * cm_report_prepare_progress(&ls->pb);
	case VLINES_PREPARED:
	case VLINES_NODES: return 0.45;
	case VLINES_SAMPLES:
		return 0.67 + 0.33 * (ls->work->nsamples ? (double)ls->next / (double)ls->work->nsamples : 1);
	case VLINES_DONE: return 1;
	case VLINES_NONE:
	case VLINES_FAILED: break;
	}
	return 0;
}

void vsrc_wait_text(struct cm_viewer *v)
{
	const struct vlevel *l = viewer_cur(v);
	snprintf(v->annotating, sizeof(v->annotating), "annotating %s... %d%%",
		 l->name ? l->name : l->file ? l->file : "?",
		 (int)(lines_progress(&v->st->lines) * 100));
}

/* The complete lines of v->st, built now unless v builds in the
 * background (then NULL with v->src_wait set); NULL when the build
 * failed. */
static struct vlines *lines_of(struct cm_viewer *v)
{
	struct vstate *st = v->st;
	char err[VIEWER_MSG];
	if (st->lines.stage == VLINES_DONE)
		return &st->lines;
	if (v->background && st->lines.stage != VLINES_FAILED) {
		v->src_wait = true;
		vsrc_wait_text(v);
		return NULL;
	}
	int rc;
	while ((rc = vlines_step(v, st, SIZE_MAX, err, sizeof(err))) == 0)
		;
	return rc < 0 ? NULL : &st->lines;
}

/* ---- finding the file ---- */

/* GOROOT/src, from the option, else $GOROOT, else /usr/lib/go (Debian's). */
static char *goroot_src(const struct cm_viewer *v)
{
	const char *root = v->goroot;
	if (!root) {
		root = getenv("GOROOT");
		if (!root || !*root)
			root = "/usr/lib/go";
	}
	if (!*root)
		return NULL;
	size_t n = strlen(root) + 5;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/src", root);
	return s;
}

/* The module cache: the option, $GOMODCACHE, $GOPATH/pkg/mod (its first
 * element), ~/go/pkg/mod. */
static char *modcache(const struct cm_viewer *v)
{
	if (v->gomodcache)
		return *v->gomodcache ? strdup(v->gomodcache) : NULL;
	const char *env = getenv("GOMODCACHE");
	if (env && *env)
		return strdup(env);
	const char *gopath = getenv("GOPATH"), *home = getenv("HOME");
	size_t glen = gopath ? strcspn(gopath, ":") : 0;
	char buf[4096];
	if (glen)
		snprintf(buf, sizeof(buf), "%.*s/pkg/mod", (int)glen, gopath);
	else if (home && *home)
		snprintf(buf, sizeof(buf), "%s/go/pkg/mod", home);
	else
		return NULL;
	return strdup(buf);
}

static int readers_init(struct cm_viewer *v)
{
	char err[VIEWER_MSG];
	char **paths = v->reader_paths;
	paths[VREADER_GOROOT] = goroot_src(v);
	paths[VREADER_MODCACHE] = modcache(v);
	for (int i = 0; i < VREADER_COUNT; i++) {
		struct cm_source_reader *r = &v->readers[i];
		int rc = 0;
		if (i == VREADER_PRIMARY)
			rc = cm_source_reader_init(r, v->ro.source_path, v->ro.trim_path, err, sizeof(err));
		else if (i == VREADER_CWD && v->ro.source_path && *v->ro.source_path)
			rc = cm_source_reader_init(r, NULL, v->ro.trim_path, err, sizeof(err));
		else if (paths[i])
			rc = cm_source_reader_init(r, paths[i], "", err, sizeof(err));
		if (rc < 0)
			memset(r, 0, sizeof(*r)); /* no current dir: that reader is skipped */
	}
	v->readers_ready = true;
	return 0;
}

void vsrc_readers_free(struct cm_viewer *v)
{
	for (int i = 0; i < VREADER_COUNT; i++) {
		if (v->readers[i].search_path)
			cm_source_reader_free(&v->readers[i]);
		free(v->reader_paths[i]);
		v->reader_paths[i] = NULL;
	}
	v->readers_ready = false;
	free(v->src_ahead);
	v->src_ahead = NULL;
}

/* The file through each reader in turn. NULL when none has it; *looked
 * gets the search paths tried. */
static const struct cm_source_file *find_file(struct cm_viewer *v, const char *name,
					      char *looked, size_t len)
{
	if (!v->readers_ready)
		readers_init(v);
	size_t off = 0;
	looked[0] = '\0';
	for (int i = 0; i < VREADER_COUNT; i++) {
		struct cm_source_reader *r = &v->readers[i];
		if (!r->search_path)
			continue;
		struct cm_source_file *e = cm_source_entry(r, name);
		if (!e)
			return NULL;
		if (!e->loaded)
			e->need = UINT64_MAX;
		const struct cm_source_file *f = cm_source_get(r, name);
		if (f && !f->error && f->loaded)
			return f;
		if (off < len)
			off += (size_t)snprintf(looked + off, len - off, "%s%s", off ? ", " : "",
						r->search_path);
	}
	return NULL;
}

/* ---- the routine ---- */

static bool node_matches(const struct cm_node_info *ni, const struct vlevel *l)
{
	return *ni->file && (l->name ? !strcmp(ni->name, l->name) : !strcmp(ni->file, l->file));
}

/* The function's nodes in the lines graph (those with weight), of the file
 * with the most weight when it has several, in -list's order (node id). */
static size_t routine_nodes(const struct vlines *ls, const struct vlevel *l, uint32_t *ids)
{
	const struct cm_graph *g = &ls->g;
	size_t n = 0;
	for (uint32_t id = 0; id < ls->nodes.count; id++)
		if ((g->flat[id] || g->cum[id]) && node_matches(&ls->nodes.info[id], l))
			ids[n++] = id;
	const char *best = NULL;
	int64_t best_w = -1;
	for (size_t i = 0; i < n; i++) {
		const char *file = ls->nodes.info[ids[i]].file;
		int64_t w = 0;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(ls->nodes.info[ids[k]].file, file))
				w = cm_add64(w, cm_abs64(g->cum[ids[k]]));
		if (w > best_w || (w == best_w && strcmp(file, best) < 0)) {
			best_w = w;
			best = file;
		}
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ls->nodes.info[ids[i]].file, best))
			ids[m++] = ids[i];
	return m;
}

/* The heaviest function called from line ln of the routine. */
static const char *callee_at(const struct vlines *ls, const uint32_t *ids, size_t n, int64_t ln)
{
	const char *best = NULL;
	int64_t best_w = 0;
	for (size_t i = 0; i < n; i++) {
		if (ls->nodes.info[ids[i]].lineno != ln)
			continue;
		const struct cm_adjacency *a = &ls->adj;
		for (uint32_t k = a->first_out[ids[i]]; k < a->first_out[ids[i] + 1]; k++) {
			const struct cm_edge *e = &ls->g.edges[a->out[k]];
			const char *name = ls->nodes.info[e->dst].name;
			if (*name && (!best || cm_abs64(e->weight) > best_w)) {
				best = name;
				best_w = cm_abs64(e->weight);
			}
		}
	}
	return best;
}

void vsrc_free_rows(struct cm_viewer *v)
{
	free(v->src);
	free(v->hot);
	free(v->src_file);
	free(v->src_summary);
	free(v->src_msg);
	v->src = NULL;
	v->hot = NULL;
	v->src_file = v->src_summary = v->src_msg = NULL;
	v->nsrc = v->nhot = 0;
	v->src_found = v->src_wait = false;
}

static int hot_cmp(const void *a, const void *b, void *ctx)
{
	const struct vsrc_line *rows = ctx;
	const struct cm_viewer_src_line *x = &rows[*(const size_t *)a].pub;
	const struct cm_viewer_src_line *y = &rows[*(const size_t *)b].pub;
	int64_t cx = cm_abs64(x->cum), cy = cm_abs64(y->cum);
	if (cx != cy)
		return cx > cy ? -1 : 1;
	int64_t fx = cm_abs64(x->flat), fy = cm_abs64(y->flat);
	if (fx != fy)
		return fx > fy ? -1 : 1;
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

/* Ranks the lines with weight and sets their heat. */
static int rank_lines(struct cm_viewer *v)
{
	int64_t max = 0;
	v->nhot = 0;
	if (!(v->hot = malloc((v->nsrc + 1) * sizeof(*v->hot))))
		return -1;
	for (size_t i = 0; i < v->nsrc; i++) {
		const struct cm_viewer_src_line *s = &v->src[i].pub;
		if (s->flat || s->cum)
			v->hot[v->nhot++] = i;
		if (cm_abs64(s->cum) > max)
			max = cm_abs64(s->cum);
	}
	qsort_r(v->hot, v->nhot, sizeof(*v->hot), hot_cmp, v->src);
	for (size_t k = 0; k < v->nhot; k++) {
		struct cm_viewer_src_line *s = &v->src[v->hot[k]].pub;
		s->hot_rank = k + 1;
		s->heat = max ? (double)cm_abs64(s->cum) / (double)max : 0;
	}
	return 0;
}

static void fill_line(struct cm_viewer *v, const struct vlines *ls, struct vsrc_line *row,
		      int64_t ln, const struct cm_list_line *w, const uint32_t *ids, size_t n)
{
	int64_t flat = w ? w->flat : 0, cum = w ? w->cum : 0;
	cm_list_value(&ls->rep, flat, row->flat, sizeof(row->flat));
	cm_list_value(&ls->rep, cum, row->cum, sizeof(row->cum));
	/* cm_list_value returns "." without writing it */
	if (!flat)
		snprintf(row->flat, sizeof(row->flat), ".");
	if (!cum)
		snprintf(row->cum, sizeof(row->cum), ".");
	int64_t x = cum ? cum : flat;
	row->pub = (struct cm_viewer_src_line){
		.lineno = ln, .text = "", .flat = flat, .cum = cum, .flat_s = row->flat,
		.cum_s = row->cum, .callee = w ? callee_at(ls, ids, n, ln) : NULL,
		.change = !v->diff || !x ? CM_CHANGE_NONE : x > 0 ? CM_CHANGE_GROWTH : CM_CHANGE_SHRINK,
	};
}

/* The rows: the file's lines from start to end when it was found, else
 * only the lines with weight. */
static int fill_rows(struct cm_viewer *v, const struct vlines *ls, const uint32_t *ids, size_t n,
		     const struct cm_list_line *lw, size_t nlw, const struct cm_source_file *f)
{
	int64_t start, end;
	cm_list_range(&ls->nodes, ids, n, &start, &end);
	if (f && (uint64_t)end > f->nlines)
		end = (int64_t)f->nlines;
	size_t cap = f ? (end >= start ? (size_t)(end - start + 1) : 0) : nlw;
	if (!(v->src = calloc(cap + 1, sizeof(*v->src))))
		return -1;
	size_t k = 0;
	if (!f) {
		for (; k < nlw; k++)
			fill_line(v, ls, &v->src[k], lw[k].lineno, &lw[k], ids, n);
		v->nsrc = nlw;
		return 0;
	}
	for (int64_t ln = start; ln <= end; ln++) {
		while (k < nlw && lw[k].lineno < ln)
			k++;
		const struct cm_list_line *w = k < nlw && lw[k].lineno == ln ? &lw[k] : NULL;
		struct vsrc_line *row = &v->src[v->nsrc++];
		fill_line(v, ls, row, ln, w, ids, n);
		row->pub.text = f->data + f->start[ln - 1];
		row->pub.text_len = f->len[ln - 1];
	}
	return 0;
}

/* The header's strings and, when the file was not found, the message. */
static int describe(struct cm_viewer *v, const struct vlines *ls, const char *file,
		    int64_t flat, int64_t cum, const char *looked)
{
	char a[64], b[64], pct[32], buf[VIEWER_MSG * 2];
	snprintf(buf, sizeof(buf), "%10s %10s (flat, cum) %s of Total",
		 cm_report_value(&ls->rep, flat, a, sizeof(a)),
		 cm_report_value(&ls->rep, cum, b, sizeof(b)),
		 cm_percentage(cum, ls->rep.total, pct, sizeof(pct)));
	if (!(v->src_file = strdup(file)) || !(v->src_summary = strdup(buf)))
		return -1;
	if (v->src_found)
		return 0;
	snprintf(buf, sizeof(buf), "source not found: %s (looked in %s); "
		 "point -source_path at the source tree or strip a prefix with -trim_path",
		 file, *looked ? looked : "nothing");
	return (v->src_msg = strdup(buf)) ? 0 : -1;
}

int vsrc_rows(struct cm_viewer *v, const struct vlevel *l)
{
	vsrc_free_rows(v);
	struct vlines *ls = lines_of(v);
	if (!ls)
		return v->src_wait ? 0 : -1;
	uint32_t *ids = malloc((ls->nodes.count + 1) * sizeof(*ids));
	struct cm_list_line *lw = malloc((ls->nodes.count + 1) * sizeof(*lw));
	int rc = -1;
	if (!ids || !lw)
		goto out;
	size_t n = routine_nodes(ls, l, ids);
	if (n == 0) {
		char buf[VIEWER_MSG];
		snprintf(buf, sizeof(buf), "no samples in %s", l->name ? l->name : l->file);
		rc = (v->src_msg = strdup(buf)) ? 0 : -1;
		goto out;
	}
	int64_t flat_sum, cum_sum;
	size_t nlw = cm_list_weights(&ls->g, ids, n, lw, &flat_sum, &cum_sum);
	const char *file = ls->nodes.info[ids[0]].file;
	char looked[VIEWER_MSG];
	const struct cm_source_file *f = find_file(v, file, looked, sizeof(looked));
	v->src_found = f != NULL;
	if (fill_rows(v, ls, ids, n, lw, nlw, f) < 0 || rank_lines(v) < 0 ||
	    describe(v, ls, file, flat_sum, cum_sum, looked) < 0)
		goto out;
	rc = 0;
out:
	free(ids);
	free(lw);
	return rc;
}

/* ---- reading ahead ---- */

/* TOP's selected function: the source Enter would show. */
static const char *ahead_name(const struct cm_viewer *v)
{
	const struct vlevel *l = viewer_cur(v);
	if (l->kind != CM_VIEWER_TOP || !v->st || l->sel >= v->ntop)
		return NULL;
	const char *name = v->st->top.nodes.info[v->top[l->sel].id].name;
	return *name ? name : NULL;
}

bool vsrc_ahead_due(const struct cm_viewer *v)
{
	const char *name = ahead_name(v);
	return name && v->st->lines.stage == VLINES_DONE &&
	       (!v->src_ahead || strcmp(v->src_ahead, name));
}

void vsrc_read_ahead(struct cm_viewer *v)
{
	char *name = strdup(ahead_name(v));
	struct vlines *ls = &v->st->lines;
	uint32_t *ids = malloc((ls->nodes.count + 1) * sizeof(*ids));
	if (!name || !ids) {
		free(name);
		free(ids);
		return;
	}
	free(v->src_ahead);
	v->src_ahead = name;
	struct vlevel l = {.kind = CM_VIEWER_SOURCE, .name = name};
	char looked[VIEWER_MSG];
	if (routine_nodes(ls, &l, ids) > 0)
		find_file(v, ls->nodes.info[ids[0]].file, looked, sizeof(looked));
	free(ids);
}

const struct cm_viewer_src_line *cm_viewer_src_line(const struct cm_viewer *v, size_t i)
{
	if (viewer_cur(v)->kind != CM_VIEWER_SOURCE || i >= v->nsrc)
		return NULL;
	return &v->src[i].pub;
}

const char *cm_viewer_src_file(const struct cm_viewer *v)
{
	return v->src_file;
}

const char *cm_viewer_src_summary(const struct cm_viewer *v)
{
	return v->src_summary;
}

bool cm_viewer_src_found(const struct cm_viewer *v)
{
	return v->src_found;
}
