/* viewer: the model's lifecycle, its profiles (raw, base, diff), its
 * options and the rebuild that every change of them goes through; see
 * viewer.h and viewer_int.h. */
#include "cmon/viewer/viewer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/strbuf.h"
#include "cmon/profile/profile_ops.h"
#include "viewer_int.h"

#define DEFAULT_HOLD 1.0

void cm_viewer_opts_init(struct cm_viewer_opts *o)
{
	memset(o, 0, sizeof(*o));
	cm_report_opts_init(&o->ro);
	o->hold = DEFAULT_HOLD;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (errlen)
		snprintf(err, errlen, "%s", msg);
}

/* Replaces *slot with a copy of s (NULL or "" clears). -1 on OOM. */
static int set_str(char **slot, const char *s)
{
	char *c = NULL;
	if (s && *s && !(c = strdup(s)))
		return -1;
	free(*slot);
	*slot = c;
	return 0;
}

/* Points the report options at the viewer's own copies of its strings. */
static void sync_opts(struct cm_viewer *v)
{
	v->ro.sample_index = v->sample_index;
	v->ro.focus = v->filters[CM_VFILTER_FOCUS];
	v->ro.ignore = v->filters[CM_VFILTER_IGNORE];
	v->ro.hide = v->hide_eff ? v->hide_eff : v->filters[CM_VFILTER_HIDE];
	v->ro.show = v->filters[CM_VFILTER_SHOW];
	v->ro.tagfocus = v->filters[CM_VFILTER_TAGFOCUS];
	v->ro.tagignore = v->filters[CM_VFILTER_TAGIGNORE];
	v->ro.source_path = v->source_path;
	v->ro.trim_path = v->trim_path;
}

/* A filter's regex compiled once to check it; the message names it. */
static int check_filter(enum cm_viewer_filter f, const char *re, char *err, size_t errlen)
{
	if (f == CM_VFILTER_TAGFOCUS || f == CM_VFILTER_TAGIGNORE) {
		struct cm_tag_filter tf;
		struct cm_num_units none = {0};
		char note[256];
		int rc = cm_tag_filter_compile(&tf, cm_viewer_filter_name(f), re, &none, note,
					       sizeof(note), err, errlen);
		if (rc == 0)
			cm_tag_filter_free(&tf);
		return rc;
	}
	struct cm_filter cf = {0};
	int rc = cm_filter_compile(&cf, cm_viewer_filter_name(f), re, err, errlen);
	cm_filter_free(&cf);
	return rc;
}

static int copy_opts(struct cm_viewer *v, const struct cm_viewer_opts *o, char *err, size_t errlen)
{
	const struct cm_report_opts *r = &o->ro;
	const char *pats[CM_VFILTER_COUNT] = {r->focus, r->ignore, r->hide, r->show, r->tagfocus,
					      r->tagignore};
	for (int i = 0; i < CM_VFILTER_COUNT; i++) {
		if (check_filter((enum cm_viewer_filter)i, pats[i], err, errlen) < 0)
			return -1;
		if (set_str(&v->filters[i], pats[i]) < 0)
			goto oom;
	}
	if (set_str(&v->sample_index, r->sample_index) < 0 ||
	    set_str(&v->source_path, r->source_path) < 0 || set_str(&v->trim_path, r->trim_path) < 0)
		goto oom;
	if (o->module && *o->module && !(v->module = strdup(o->module)))
		goto oom;
	/* NULL means "from the environment", "" means "nowhere": keep both */
	if ((o->goroot && !(v->goroot = strdup(o->goroot))) ||
	    (o->gomodcache && !(v->gomodcache = strdup(o->gomodcache))))
		goto oom;
	v->ro = *r;
	v->ro.kind = CM_REPORT_TOP;
	v->ro.symbol = NULL;
	v->ro.node_count = -1;
	sync_opts(v);
	return 0;
oom:
	set_err(err, errlen, "out of memory");
	return -1;
}

struct cm_viewer *cm_viewer_new(const struct cm_viewer_opts *o, char *err, size_t errlen)
{
	struct cm_viewer *v = calloc(1, sizeof(*v));
	if (!v) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	v->max_inflated = o->max_inflated ? o->max_inflated : CM_DEFAULT_MAX_INFLATED;
	v->hold = o->hold < 0 ? DEFAULT_HOLD : o->hold;
	v->sym = o->sym;
	v->background = o->background;
	v->last_move = -INFINITY;
	v->levels = calloc(4, sizeof(*v->levels));
	v->levels_cap = 4;
	if (!v->levels) {
		set_err(err, errlen, "out of memory");
		cm_viewer_free(v);
		return NULL;
	}
	v->depth = 1;
	v->levels[0].kind = CM_VIEWER_TOP;
	if (copy_opts(v, o, err, errlen) < 0) {
		cm_viewer_free(v);
		return NULL;
	}
	return v;
}

/* ---- the built state ---- */

/* Drops a state's lazily built parts (they come back on first use): what
 * a kept state needs is its table. */
static void vstate_strip(struct vstate *st)
{
	vlines_free(&st->lines);
	if (st->tags_built)
		cm_tag_table_free(&st->tags);
	if (st->stacks_built)
		cm_stack_tree_free(&st->stacks);
	if (st->peek_built) {
		cm_adjacency_free(&st->peek_adj);
		cm_graph_free(&st->peek_g);
	}
	st->tags_built = st->stacks_built = st->peek_built = false;
}

static void vstate_free(struct vstate *st)
{
	if (!st)
		return;
	vstate_strip(st);
	for (size_t i = 0; i < st->nheader; i++)
		free(st->header[i]);
	free(st->header);
	cm_top_free(&st->top);
	cm_profile_free(st->work);
	free(st);
}

static void build_abort(struct cm_viewer *v)
{
	if (!v->build.st)
		return;
	cm_report_prepare_abort(&v->build.pb);
	if (v->build.begun)
		cm_top_abort(&v->build.tb);
	vstate_free(v->build.st);
	v->build.st = NULL;
}

/* Every kept state, the running build and a waiting switch go (the
 * profile or an option changed). */
static void kept_flush(struct cm_viewer *v)
{
	build_abort(v);
	v->wanting = false;
	for (int i = 0; i < VIEWER_KEPT; i++) {
		vstate_free(v->kept[i]);
		v->kept[i] = NULL;
	}
}

struct vkey {
	size_t vi;
	enum cm_granularity g;
};

/* The keys built ahead of (vi, g), in the order they are built: the
 * next and previous sample type and granularity (t, a, T, A), then
 * further ones, VIEWER_AHEAD at most. Returns how many. */
static size_t ahead_keys(size_t ns, size_t vi, enum cm_granularity g, struct vkey *out)
{
	size_t n = 0;
	for (size_t d = 1; d < 5 && n < VIEWER_AHEAD; d++) {
		struct vkey cand[4] = {{(vi + d) % ns, g}, {vi, (enum cm_granularity)((g + d) % 5)},
				       {(vi + ns - d % ns) % ns, g},
				       {vi, (enum cm_granularity)((g + 5 - d) % 5)}};
		for (int c = 0; c < 4 && n < VIEWER_AHEAD; c++) {
			bool dup = cand[c].vi == vi && cand[c].g == g;
			for (size_t k = 0; k < n && !dup; k++)
				dup = out[k].vi == cand[c].vi && out[k].g == cand[c].g;
			if (!dup)
				out[n++] = cand[c];
		}
	}
	return n;
}

static bool key_in(const struct vkey *keys, size_t n, size_t vi, enum cm_granularity g)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].vi == vi && keys[i].g == g)
			return true;
	return false;
}

/* The keys built ahead of what shows (or of the switch waiting). */
static size_t ahead_of_shown(const struct cm_viewer *v, struct vkey *out)
{
	const struct cm_profile *p = viewer_pristine(v);
	if (!v->st || !p || !p->nsample_types)
		return 0;
	return v->wanting ? ahead_keys(p->nsample_types, v->want_vi, v->want_g, out)
			  : ahead_keys(p->nsample_types, v->st->key_vi, v->st->key_g, out);
}

/* Keeps st (stripped). When all places are used, the oldest state that is
 * not built ahead of what shows goes (there are fewer of those than
 * places). */
static void kept_put(struct cm_viewer *v, struct vstate *st)
{
	struct vkey ahead[VIEWER_AHEAD];
	size_t na = ahead_of_shown(v, ahead);
	int drop = VIEWER_KEPT - 1;
	for (int i = VIEWER_KEPT - 1; i >= 0; i--) {
		if (!v->kept[i]) {
			drop = i;
			break;
		}
		if (!key_in(ahead, na, v->kept[i]->key_vi, v->kept[i]->key_g)) {
			drop = i;
			break;
		}
	}
	vstate_strip(st);
	vstate_free(v->kept[drop]);
	memmove(&v->kept[1], &v->kept[0], (size_t)drop * sizeof(v->kept[0]));
	v->kept[0] = st;
}

static struct vstate *kept_find(const struct cm_viewer *v, size_t vi, enum cm_granularity g)
{
	for (int i = 0; i < VIEWER_KEPT; i++)
		if (v->kept[i] && v->kept[i]->key_vi == vi && v->kept[i]->key_g == g)
			return v->kept[i];
	return NULL;
}

/* The kept state for (vi, g), taken out of the keep, or NULL. It comes
 * back sorted as v is. (granularity_set tells only -list's default: not
 * the table's.) */
static struct vstate *kept_take(struct cm_viewer *v, size_t vi, enum cm_granularity g)
{
	for (int i = 0; i < VIEWER_KEPT; i++) {
		struct vstate *st = v->kept[i];
		if (!st || st->key_vi != vi || st->key_g != g)
			continue;
		if (cm_top_sort(&st->top, v->ro.cum_sort) < 0)
			return NULL;
		st->rep.opts.cum_sort = v->ro.cum_sort;
		memmove(&v->kept[i], &v->kept[i + 1], (size_t)(VIEWER_KEPT - 1 - i) * sizeof(v->kept[0]));
		v->kept[VIEWER_KEPT - 1] = NULL;
		return st;
	}
	return NULL;
}

/* -top's header lines, split. */
static int vstate_header(struct vstate *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -1;
	cm_top_labels(&st->rep, &st->top, f);
	/* a memstream that ran out of memory may close fine with no text, or
	 * with part of it */
	bool failed = ferror(f) != 0;
	if (fclose(f) != 0 || failed || !text) {
		free(text);
		return -1;
	}
	int rc = 0;
	for (char *line = text, *nl; rc == 0 && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line) - 1;
		char **h = realloc(st->header, (st->nheader + 1) * sizeof(*h));
		if (!h || !(h[st->nheader] = strndup(line, (size_t)(nl - line + (*nl != '\n'))))) {
			if (h)
				st->header = h;
			rc = -1;
			break;
		}
		st->header = h;
		st->nheader++;
	}
	free(text);
	return rc;
}

/* A state for a copy of p as -top would prepare it: under ro, or, with
 * vi < SIZE_MAX, under ro with sample index vi and granularity g (a state
 * built ahead). Its report is prepared by pb's steps (vstate_prepare_step),
 * its table begun by vstate_begin_table and summed by cm_top_step: in the
 * background each is a step of bounded work, so a key waits for one at
 * most. *work grows by the copy's. */
static struct vstate *vstate_new(const struct cm_profile *p, const struct cm_report_opts *ro,
				 size_t vi, enum cm_granularity g, struct cm_prep_builder *pb,
				 size_t *work, char *err, size_t errlen)
{
	struct vstate *st = calloc(1, sizeof(*st));
	struct cm_report_opts o = *ro;
	if (st && vi != SIZE_MAX) {
		snprintf(st->key_si, sizeof(st->key_si), "%zu", vi);
		o.sample_index = st->key_si;
		o.granularity_set |= o.granularity != g;
		o.granularity = g;
		st->key_vi = vi; /* what the report's will be */
	}
	if (!st || !(st->work = viewer_work_copy(p, &o))) {
		set_err(err, errlen, "out of memory");
		vstate_free(st);
		return NULL;
	}
	*work += viewer_copy_work(p, &o);
	if (cm_report_prepare_begin(pb, &st->rep, st->work, &o, err, errlen) < 0) {
		vstate_free(st);
		return NULL;
	}
	st->key_g = o.granularity;
	return st;
}

/* Up to n samples of st's report's preparation: 1 once prepared, 0 while
 * not, -1 with err (st freed). */
static int vstate_prepare_step(struct vstate *st, struct cm_prep_builder *pb, size_t n,
			       char *err, size_t errlen)
{
	int rc = cm_report_prepare_step(pb, n, err, errlen);
	if (rc < 0)
		vstate_free(st);
	else if (rc == 1)
		st->key_vi = st->rep.vi;
	return rc;
}

/* Begins st's table in tb (its node table); frees st on OOM. */
static int vstate_begin_table(struct vstate *st, struct cm_top_builder *tb, char *err,
			      size_t errlen)
{
	if (cm_top_begin(tb, &st->rep, &st->top) == 0)
		return 0;
	set_err(err, errlen, "out of memory");
	vstate_free(st);
	return -1;
}

/* The header, once the table is complete; frees st on OOM. */
static int vstate_finish(struct vstate *st)
{
	if (vstate_header(st) < 0) {
		vstate_free(st);
		return -1;
	}
	return 0;
}

/* Prepares a copy of p as -top would, builds its graph and header. */
static struct vstate *vstate_build(const struct cm_profile *p, const struct cm_report_opts *ro,
				   char *err, size_t errlen)
{
	struct cm_top_builder tb;
	struct cm_prep_builder pb;
	size_t work = 0;
	struct vstate *st = vstate_new(p, ro, SIZE_MAX, ro->granularity, &pb, &work, err, errlen);
	int rc = st ? 0 : -1;
	while (rc == 0)
		rc = vstate_prepare_step(st, &pb, SIZE_MAX, err, errlen);
	if (rc < 0 || vstate_begin_table(st, &tb, err, errlen) < 0)
		return NULL;
	while ((rc = cm_top_step(&tb, SIZE_MAX)) == 0)
		; /* a second pass */
	if (rc < 0) {
		vstate_free(st);
		st = NULL;
	}
	if (!st || vstate_finish(st) < 0) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	return st;
}

/* Warnings of the prepared report ("Focus expression matched no samples")
 * become the message. */
static void report_warnings(struct cm_viewer *v)
{
	const struct cm_report *r = &v->st->rep;
	if (r->warnings[0])
		viewer_msg(v, "%s%s%s", r->warnings[0], r->warnings[1] ? "; " : "",
			   r->warnings[1] ? r->warnings[1] : "");
}

/* Puts ns in place of what shows, the rows and levels following; the
 * old state is kept when keep_old (a switch), else freed. -1 on OOM: ns
 * freed, nothing changed. */
static int swap_in(struct cm_viewer *v, struct vstate *ns, bool hold, bool refresh,
		   bool keep_old, char *err, size_t errlen)
{
	vnav_remember(v);
	vflame_remember(v);
	vtree_remember(v);
	struct vstate *old = v->st;
	v->st = ns;
	if (vtop_rows(v, hold && old && v->ntop) < 0) {
		v->st = old;
		vstate_free(ns);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	vsrc_free_rows(v);
	vpeek_free_rows(v);
	vlabels_free_rows(v); /* they point into old's table */
	if (keep_old && old)
		kept_put(v, old);
	else
		vstate_free(old);
	report_warnings(v);
	if (vnav_refresh(v, refresh) < 0)
		viewer_msg(v, "out of memory");
	return 0;
}

/* swap_in for a switch of sample type or granularity: with another
 * granularity the names change, so the function levels go (the flame
 * graph and call tree stay, on the frames they still find) and TOP
 * selects the same function (its heaviest row), not the same row. */
static int switch_in(struct cm_viewer *v, struct vstate *ns, char *err, size_t errlen)
{
	bool gran = v->st && v->st->key_g != ns->key_g;
	char *name = NULL, *file = NULL; /* NULL on OOM: then the first row */
	if (gran)
		vnav_place(v, &name, &file);
	int rc = swap_in(v, ns, false, false, true, err, errlen);
	if (rc == 0 && gran) {
		vnav_drop_function_levels(v);
		if (viewer_cur(v)->kind == CM_VIEWER_TOP)
			vnav_goto_place(v, name, file);
	}
	free(name);
	free(file);
	return rc;
}

/* Starts building (vi, g) in slices: the copy and the preparation's
 * start. -1 with err on failure. */
static int build_start(struct cm_viewer *v, size_t vi, enum cm_granularity g, char *err,
		       size_t errlen)
{
	build_abort(v);
	struct vbuild *b = &v->build;
	memset(&b->tb, 0, sizeof(b->tb)); /* nothing to abort yet */
	b->prepared = b->begun = false;
	b->st = vstate_new(viewer_pristine(v), &v->ro, vi, g, &b->pb, &v->step_work, err, errlen);
	return b->st ? 0 : -1;
}

/* The units the running build's builders did so far. */
static size_t build_work(const struct vbuild *b)
{
	return b->pb.work + cm_top_work(&b->tb);
}

/* A step of the running build: up to n samples of its report's
 * preparation, its table's begin, or up to n entries or samples of its
 * table; a complete state goes to the keep. -1 on OOM or a bad option
 * (the build dropped, err set). */
static int build_next(struct cm_viewer *v, size_t n, char *err, size_t errlen)
{
	struct vbuild *b = &v->build;
	if (!b->prepared) {
		int rc = vstate_prepare_step(b->st, &b->pb, n, err, errlen);
		if (rc < 0)
			b->st = NULL;
		b->prepared = rc == 1;
		return rc < 0 ? -1 : 0;
	}
	if (!b->begun) {
		if (vstate_begin_table(b->st, &b->tb, err, errlen) < 0) {
			b->st = NULL;
			return -1;
		}
		b->begun = true;
		return 0;
	}
	int rc = cm_top_step(&b->tb, n);
	if (rc == 0)
		return 0;
	struct vstate *st = b->st;
	b->st = NULL;
	if (rc < 0) {
		vstate_free(st);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	if (vstate_finish(st) < 0) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	kept_put(v, st);
	return 0;
}

/* build_next, its work counted in v->step_work. */
static int build_step(struct cm_viewer *v, size_t n, char *err, size_t errlen)
{
	size_t w0 = build_work(&v->build);
	int rc = build_next(v, n, err, errlen);
	size_t w1 = build_work(&v->build);
	v->step_work += w1 > w0 ? w1 - w0 : 0;
	return rc;
}

/* What cm_viewer_building says of the switch waiting. */
static void building_text(struct cm_viewer *v)
{
	const struct vstate *b = v->build.st;
	bool running = b && b->key_vi == v->want_vi && b->key_g == v->want_g;
	/* the preparation's passes are a fifth of a table's work (callgrind,
	 * the big benchmark profile), the node table a small part */
	double done = !running ? 0
		      : !v->build.prepared ? 0.2 * cm_report_prepare_progress(&v->build.pb)
		      : !v->build.begun ? 0.2
					: 0.2 + 0.8 * cm_top_progress(&v->build.tb);
	int pct = (int)(done * 100);
	const char *name = cm_viewer_sample_name(v, v->want_vi);
	snprintf(v->building, sizeof(v->building), "building %s (%s)... %d%%", name ? name : "?",
		 cm_viewer_granularity_name(v->want_g), pct);
}

/* A change of sample type or granularity alone (the options say to
 * what): a kept state swaps in; in the background a state not built yet
 * is waited for (cm_viewer_step), else it is built now. */
static int switch_to(struct cm_viewer *v, char *err, size_t errlen)
{
	const struct cm_profile *p = viewer_pristine(v);
	int vi = cm_profile_sample_index(p, v->ro.sample_index, err, errlen);
	if (vi < 0)
		return -1;
	enum cm_granularity g = v->ro.granularity;
	v->wanting = false;
	struct vstate *ns = kept_take(v, (size_t)vi, g);
	if (!ns && v->st && v->st->key_vi == (size_t)vi && v->st->key_g == g)
		return 0; /* back to what shows, before its build finished */
	if (!ns && v->background) {
		v->wanting = true;
		v->want_vi = (size_t)vi;
		v->want_g = g;
		building_text(v);
		return 0;
	}
	bool running = v->build.st && v->build.st->key_vi == (size_t)vi && v->build.st->key_g == g;
	if (!ns && running) {
		int rc;
		while ((rc = build_step(v, SIZE_MAX, err, errlen)) == 0 && v->build.st)
			;
		if (rc < 0 || !(ns = kept_take(v, (size_t)vi, g))) {
			set_err(err, errlen, "out of memory");
			return -1;
		}
	}
	if (!ns && !(ns = vstate_build(p, &v->ro, err, errlen)))
		return -1;
	return switch_in(v, ns, err, errlen);
}

int viewer_rebuild(struct cm_viewer *v, bool hold, bool refresh, char *err, size_t errlen)
{
	const struct cm_profile *p = viewer_pristine(v);
	if (!p) {
		set_err(err, errlen, "no profile loaded");
		return -1;
	}
	/* Only a change of sample type or granularity may reuse a kept
	 * state, and keep the one it replaces; any other change (a new
	 * profile, a filter, an option) makes them all stale. */
	bool switching = v->switch_only && v->st;
	v->switch_only = false;
	if (switching)
		return switch_to(v, err, errlen);
	kept_flush(v);
	struct vstate *ns = vstate_build(p, &v->ro, err, errlen);
	if (!ns)
		return -1;
	return swap_in(v, ns, hold, refresh, false, err, errlen);
}

/* ---- building in slices ---- */

/* The next key to build: the one a switch waits for, else the first of
 * those ahead that is neither kept nor shown. */
static bool next_build(const struct cm_viewer *v, struct vkey *k)
{
	if (v->wanting) {
		*k = (struct vkey){v->want_vi, v->want_g};
		return true;
	}
	struct vkey ahead[VIEWER_AHEAD];
	size_t na = ahead_of_shown(v, ahead);
	for (size_t i = 0; i < na; i++) {
		if (!kept_find(v, ahead[i].vi, ahead[i].g)) {
			*k = ahead[i];
			return true;
		}
	}
	return false;
}

bool cm_viewer_pending(const struct cm_viewer *v)
{
	struct vkey k;
	return v->st && (vlines_due(&v->st->lines) || vsrc_ahead_due(v) || v->build.st ||
			 next_build(v, &k));
}

/* The options back to what shows (a waited-for build failed). */
static void want_drop(struct cm_viewer *v, const char *why)
{
	v->wanting = false;
	const struct cm_profile *p = viewer_pristine(v);
	char num[32];
	snprintf(num, sizeof(num), "%zu", v->st->key_vi);
	if (p && set_str(&v->sample_index, num) == 0)
		sync_opts(v);
	v->ro.granularity = v->st->key_g;
	viewer_msg(v, "%s", why);
}

/* A step of the lines of what shows (the source of any function comes
 * from them): a SOURCE level waiting for them shows its progress (true:
 * redraw), then its rows; when they fail, it goes with the message. */
static bool lines_step(struct cm_viewer *v, size_t n)
{
	char err[VIEWER_MSG];
	int rc = vlines_step(v, v->st, n, err, sizeof(err));
	if (!v->src_wait || viewer_cur(v)->kind != CM_VIEWER_SOURCE)
		return false; /* built ahead, or for a SOURCE level under PEEK */
	if (rc < 0) {
		cm_viewer_back(v);
		viewer_msg(v, "%s", err);
	} else if (rc == 0) {
		vsrc_wait_text(v);
	} else if (vnav_refresh(v, false) < 0) {
		viewer_msg(v, "out of memory");
	}
	return true;
}

size_t cm_viewer_step_work(const struct cm_viewer *v)
{
	return v->step_work;
}

bool cm_viewer_step(struct cm_viewer *v, size_t n, double now)
{
	(void)now;
	struct vkey k;
	char err[VIEWER_MSG];
	v->step_work = 0;
	if (!v->st)
		return false;
	/* after a switch waited for, before the tables ahead: the lines cost
	 * a seventh of a table, and Enter is as likely as t or a */
	if (!v->wanting && vlines_due(&v->st->lines))
		return lines_step(v, n);
	if (!v->wanting && vsrc_ahead_due(v)) {
		vsrc_read_ahead(v); /* nothing shown changes */
		return false;
	}
	if (!next_build(v, &k))
		return false;
	bool for_want = v->wanting;
	struct vstate *b = v->build.st;
	/* a build ahead gives way to the one a switch waits for */
	if (b && for_want && (b->key_vi != k.vi || b->key_g != k.g))
		build_abort(v);
	if (!v->build.st) { /* preparing the report is a step of its own */
		if (build_start(v, k.vi, k.g, err, sizeof(err)) < 0 && for_want)
			want_drop(v, err);
		return for_want;
	}
	if (build_step(v, n ? n : 1, err, sizeof(err)) < 0) {
		if (for_want)
			want_drop(v, err);
		return for_want;
	}
	if (!for_want || v->build.st) {
		if (for_want)
			building_text(v);
		return for_want; /* the progress changed */
	}
	struct vstate *ns = kept_take(v, k.vi, k.g);
	v->wanting = false;
	if (!ns || switch_in(v, ns, err, sizeof(err)) < 0)
		want_drop(v, "out of memory");
	return true;
}

const char *cm_viewer_building(const struct cm_viewer *v)
{
	if (v->wanting)
		return v->building;
	return v->src_wait && viewer_cur(v)->kind == CM_VIEWER_SOURCE ? v->annotating : NULL;
}

/* ---- my code: owners and the standard library's hide ---- */

/* The owners and hide regex a change is about to replace, kept until the
 * rebuild under the new ones succeeded. */
struct mine_swap {
	struct cm_code_owners owners;
	char *hide_eff;
	bool failed; /* mine_swap_in ran out of memory: nothing was swapped */
};

/* Puts in the owners of the pristine profile and the hide regex that goes
 * with them and v's filters; -1 on OOM (v unchanged). */
static int mine_swap_in(struct cm_viewer *v, struct mine_swap *ms)
{
	struct cm_code_owners o;
	char *eff;
	ms->failed = true;
	if (vmine_owners(v, &o) < 0)
		return -1;
	if (vmine_hide(v, &o, &eff) < 0) {
		cm_code_owners_free(&o);
		return -1;
	}
	ms->failed = false;
	ms->owners = v->owners;
	ms->hide_eff = v->hide_eff;
	v->owners = o;
	v->hide_eff = eff;
	sync_opts(v);
	return 0;
}

static void mine_swap_back(struct cm_viewer *v, struct mine_swap *ms)
{
	cm_code_owners_free(&v->owners);
	free(v->hide_eff);
	v->owners = ms->owners;
	v->hide_eff = ms->hide_eff;
	sync_opts(v);
}

static void mine_swap_done(struct mine_swap *ms)
{
	cm_code_owners_free(&ms->owners);
	free(ms->hide_eff);
}

/* ---- loading ---- */

/* raw minus base, as -diff_base (labelled) or -base merges them. */
static struct cm_profile *make_diff(struct cm_viewer *v, char *err, size_t errlen)
{
	struct cm_profile *a = cm_profile_clone(v->raw), *b = cm_profile_clone(v->base);
	if (!a || !b || (v->base_labelled && cm_profile_add_label(b, "pprof::base", "true") < 0) ||
	    cm_profile_negate(b) < 0) {
		cm_profile_free(a);
		cm_profile_free(b);
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	struct cm_profile *both[2] = {a, b};
	return cm_profile_merge(both, 2, err, errlen);
}

static void free_raw(struct cm_viewer *v, struct cm_profile *raw)
{
	if (raw != v->base)
		cm_profile_free(raw);
}

/* Names demangled, then drop_frames applied, as pprof does after fetching;
 * frees p on failure. */
static int viewer_prune(struct cm_viewer *v, struct cm_profile *p, char *err, size_t errlen)
{
	if (cm_profile_demangle(p, &v->sym) < 0) {
		set_err(err, errlen, "out of memory");
		cm_profile_free(p);
		return -1;
	}
	if (cm_profile_remove_uninteresting(p, err, errlen) < 0) {
		cm_profile_free(p);
		return -1;
	}
	return 0;
}

int cm_viewer_load_profile(struct cm_viewer *v, struct cm_profile *p, double now, char *err,
			   size_t errlen)
{
	viewer_clear_msg(v);
	if (viewer_prune(v, p, err, errlen) < 0)
		return -1;
	struct cm_profile *old_raw = v->raw, *old_diff = v->diff;
	v->raw = p;
	v->diff = NULL;
	if (v->base && !(v->diff = make_diff(v, err, errlen))) {
		v->raw = old_raw;
		v->diff = old_diff;
		cm_profile_free(p);
		return -1;
	}
	struct mine_swap ms;
	bool moving = now - v->last_move < v->hold;
	if (mine_swap_in(v, &ms) < 0 || viewer_rebuild(v, moving, true, err, errlen) < 0) {
		if (!ms.failed)
			mine_swap_back(v, &ms);
		else
			set_err(err, errlen, "out of memory");
		cm_profile_free(v->diff);
		v->raw = old_raw;
		v->diff = old_diff;
		cm_profile_free(p);
		return -1;
	}
	mine_swap_done(&ms);
	v->held = moving && v->ntop > 0;
	cm_profile_free(old_diff);
	free_raw(v, old_raw);
	v->generation++;
	return 0;
}

int cm_viewer_load(struct cm_viewer *v, const unsigned char *data, size_t len, double now,
		   char *err, size_t errlen)
{
	/* labels kept: the LABELS level and tag filters read them; stacks
	 * fixed-width (see pprof_cli's compact_stacks) */
	struct cm_decode_limits lim = {.max_inflated = v->max_inflated};
	char msg[VIEWER_MSG];
	struct cm_profile *p = cm_profile_decode(data, len, &lim, msg, sizeof(msg));
	if (!p) {
		if (errlen)
			snprintf(err, errlen, "parsing profile: %s", msg);
		return -1;
	}
	return cm_viewer_load_profile(v, p, now, err, errlen);
}

bool cm_viewer_has_profile(const struct cm_viewer *v)
{
	return v->st != NULL;
}

unsigned long cm_viewer_generation(const struct cm_viewer *v)
{
	return v->generation;
}

void cm_viewer_free(struct cm_viewer *v)
{
	if (!v)
		return;
	vtop_free(v);
	vsrc_free_rows(v);
	vpeek_free_rows(v);
	vstate_free(v->st);
	kept_flush(v);
	vsrc_readers_free(v);
	vnav_free(v);
	vflame_free(v);
	vtree_free(v);
	cm_profile_free(v->diff);
	free_raw(v, v->raw);
	cm_profile_free(v->base);
	for (int i = 0; i < CM_VFILTER_COUNT; i++)
		free(v->filters[i]);
	free(v->sample_index);
	free(v->source_path);
	free(v->trim_path);
	free(v->goroot);
	free(v->gomodcache);
	free(v->module);
	free(v->hide_eff);
	cm_code_owners_free(&v->owners);
	free(v->search);
	cm_goregex_free(v->search_re);
	free(v);
}

/* ---- base / diff ---- */

/* Shows raw alone again (after the base changed). */
static void drop_diff(struct cm_viewer *v)
{
	if (!v->diff)
		return;
	struct cm_profile *d = v->diff;
	v->diff = NULL;
	char err[VIEWER_MSG];
	if (viewer_rebuild(v, false, false, err, sizeof(err)) < 0) {
		v->diff = d; /* still shown: keep it */
		viewer_msg(v, "%s", err);
		return;
	}
	cm_profile_free(d);
}

int cm_viewer_mark_base(struct cm_viewer *v, char *err, size_t errlen)
{
	viewer_clear_msg(v);
	if (!v->raw) {
		set_err(err, errlen, "no profile to mark as the base");
		return -1;
	}
	drop_diff(v);
	if (v->diff) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	if (v->base != v->raw)
		cm_profile_free(v->base);
	v->base = v->raw;
	v->base_labelled = true;
	return 0;
}

int cm_viewer_set_base(struct cm_viewer *v, struct cm_profile *base, bool diff_base, char *err,
		       size_t errlen)
{
	if (viewer_prune(v, base, err, errlen) < 0)
		return -1;
	drop_diff(v);
	if (v->diff) {
		cm_profile_free(base);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	if (v->base != v->raw)
		cm_profile_free(v->base);
	v->base = base;
	v->base_labelled = diff_base;
	return 0;
}

void cm_viewer_clear_base(struct cm_viewer *v)
{
	viewer_clear_msg(v);
	drop_diff(v);
	if (v->diff)
		return;
	if (v->base != v->raw)
		cm_profile_free(v->base);
	v->base = NULL;
}

bool cm_viewer_has_base(const struct cm_viewer *v)
{
	return v->base != NULL;
}

const struct cm_profile *cm_viewer_base(const struct cm_viewer *v)
{
	return v->base;
}

bool cm_viewer_is_diff(const struct cm_viewer *v)
{
	return v->diff != NULL;
}

/* ---- options ---- */

/* Rebuilds after an option changed; an option change re-sorts at once. */
static int apply(struct cm_viewer *v, char *err, size_t errlen)
{
	v->held = false;
	if (!v->st)
		return 0; /* used by the first load */
	return viewer_rebuild(v, false, false, err, errlen);
}

/* apply, for a change of the sample type or the granularity alone: a
 * state kept from before may come back (see cm_viewer.kept). */
static int apply_switch(struct cm_viewer *v, char *err, size_t errlen)
{
	v->switch_only = true;
	int rc = apply(v, err, errlen);
	v->switch_only = false;
	return rc;
}

/* apply, for a change of what is hidden (the hide filter, hide_std): the
 * hide regex in force is made again first. */
static int apply_hide(struct cm_viewer *v, char *err, size_t errlen)
{
	struct mine_swap ms;
	if (mine_swap_in(v, &ms) < 0) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	if (apply(v, err, errlen) < 0) {
		mine_swap_back(v, &ms);
		return -1;
	}
	mine_swap_done(&ms);
	return 0;
}

void cm_viewer_toggle_sort(struct cm_viewer *v, double now)
{
	(void)now;
	viewer_clear_msg(v);
	v->ro.cum_sort = !v->ro.cum_sort;
	if (!v->st)
		return;
	vnav_remember(v);
	if (cm_top_sort(&v->st->top, v->ro.cum_sort) < 0 || vtop_rows(v, false) < 0 ||
	    vnav_refresh(v, false) < 0)
		viewer_msg(v, "out of memory");
	v->st->rep.opts.cum_sort = v->ro.cum_sort;
	v->held = false;
}

bool cm_viewer_cum_sort(const struct cm_viewer *v)
{
	return v->ro.cum_sort;
}

size_t cm_viewer_sample_count(const struct cm_viewer *v)
{
	const struct cm_profile *p = viewer_pristine(v);
	return p ? p->nsample_types : 0;
}

const char *cm_viewer_sample_name(const struct cm_viewer *v, size_t i)
{
	const struct cm_profile *p = viewer_pristine(v);
	return p && i < p->nsample_types ? p->sample_types[i].type : NULL;
}

size_t cm_viewer_sample_index(const struct cm_viewer *v)
{
	return v->st ? v->st->rep.vi : 0;
}

int cm_viewer_set_sample(struct cm_viewer *v, size_t i, double now, char *err, size_t errlen)
{
	(void)now;
	viewer_clear_msg(v);
	const struct cm_profile *p = viewer_pristine(v);
	if (!p || i >= p->nsample_types) {
		set_err(err, errlen, "no such sample type");
		return -1;
	}
	/* by name, so that a refresh keeps it; by number when names repeat */
	char num[32], why[256];
	const char *spec = p->sample_types[i].type;
	if ((size_t)cm_profile_sample_index(p, spec, why, sizeof(why)) != i) {
		snprintf(num, sizeof(num), "%zu", i);
		spec = num;
	}
	char *old = v->sample_index;
	if (!(v->sample_index = strdup(spec))) {
		v->sample_index = old;
		set_err(err, errlen, "out of memory");
		return -1;
	}
	sync_opts(v);
	if (apply_switch(v, err, errlen) < 0) {
		free(v->sample_index);
		v->sample_index = old;
		sync_opts(v);
		return -1;
	}
	free(old);
	return 0;
}

int cm_viewer_cycle_sample(struct cm_viewer *v, int step, double now, char *err, size_t errlen)
{
	size_t n = cm_viewer_sample_count(v);
	if (n == 0) {
		set_err(err, errlen, "no profile loaded");
		return -1;
	}
	/* from the one a switch waits for, when one does */
	long cur = (long)(v->wanting ? v->want_vi : cm_viewer_sample_index(v)), ln = (long)n;
	size_t next = (size_t)((cur + step % ln + ln) % ln);
	return cm_viewer_set_sample(v, next, now, err, errlen);
}

enum cm_granularity cm_viewer_granularity(const struct cm_viewer *v)
{
	return v->st ? v->st->key_g : v->ro.granularity; /* what shows */
}

const char *cm_viewer_granularity_name(enum cm_granularity g)
{
	static const char *const names[] = {"functions", "filefunctions", "files", "lines",
					    "addresses"};
	return (unsigned)g < 5 ? names[g] : "?";
}

int cm_viewer_set_granularity(struct cm_viewer *v, enum cm_granularity g, double now, char *err,
			      size_t errlen)
{
	(void)now;
	viewer_clear_msg(v);
	enum cm_granularity old = v->ro.granularity;
	bool old_set = v->ro.granularity_set;
	v->ro.granularity = g;
	v->ro.granularity_set = true;
	/* the function levels and the selection follow in switch_in */
	if (apply_switch(v, err, errlen) < 0) {
		v->ro.granularity = old;
		v->ro.granularity_set = old_set;
		return -1;
	}
	return 0;
}

int cm_viewer_cycle_granularity(struct cm_viewer *v, int step, double now, char *err,
				size_t errlen)
{
	int g = ((int)v->ro.granularity + step % 5 + 5) % 5;
	return cm_viewer_set_granularity(v, (enum cm_granularity)g, now, err, errlen);
}

const char *cm_viewer_filter_name(enum cm_viewer_filter f)
{
	static const char *const names[] = {"focus", "ignore", "hide", "show", "tagfocus",
					    "tagignore"};
	return (unsigned)f < CM_VFILTER_COUNT ? names[f] : "?";
}

const char *cm_viewer_filter(const struct cm_viewer *v, enum cm_viewer_filter f)
{
	return (unsigned)f < CM_VFILTER_COUNT ? v->filters[f] : NULL;
}

int cm_viewer_set_filter(struct cm_viewer *v, enum cm_viewer_filter f, const char *re,
			 double now, char *err, size_t errlen)
{
	(void)now;
	viewer_clear_msg(v);
	if ((unsigned)f >= CM_VFILTER_COUNT || check_filter(f, re, err, errlen) < 0)
		return -1;
	char *old = v->filters[f];
	v->filters[f] = NULL;
	if (re && *re && !(v->filters[f] = strdup(re))) {
		v->filters[f] = old;
		set_err(err, errlen, "out of memory");
		return -1;
	}
	sync_opts(v);
	if (apply_hide(v, err, errlen) < 0) {
		free(v->filters[f]);
		v->filters[f] = old;
		sync_opts(v);
		return -1;
	}
	free(old);
	return 0;
}

void cm_viewer_clear_filters(struct cm_viewer *v, double now)
{
	(void)now;
	viewer_clear_msg(v);
	char *old[CM_VFILTER_COUNT];
	memcpy(old, v->filters, sizeof(old));
	memset(v->filters, 0, sizeof(v->filters));
	sync_opts(v);
	char err[VIEWER_MSG];
	if (apply_hide(v, err, sizeof(err)) < 0) {
		memcpy(v->filters, old, sizeof(old));
		sync_opts(v);
		viewer_msg(v, "%s", err);
		return;
	}
	for (int i = 0; i < CM_VFILTER_COUNT; i++)
		free(old[i]);
}

/* ---- tag filters from the LABELS level ---- */

/* A Go regex that matches exactly s: metacharacters escaped; ',' (which
 * separates -tagfocus's regexes) as \x2c. */
static void quote_regex(struct cm_strbuf *b, const char *s)
{
	cm_strbuf_add(b, "^", 1);
	for (; *s; s++) {
		if (*s == ',')
			cm_strbuf_str(b, "\\x2c");
		else if (strchr("\\.+*?()|[]{}^$", *s))
			cm_strbuf_add(b, "\\", 1);
		if (*s != ',')
			cm_strbuf_add(b, s, 1);
	}
	cm_strbuf_add(b, "$", 1);
}

/* The filter cur ("" when unset) with row t added: see cm_viewer_label_filter.
 * *replaced: cur was about something else and is gone. NULL on OOM. */
static char *tag_filter_with(const char *cur, const struct cm_tag_row *t, const char *unit,
			     bool *replaced)
{
	struct cm_strbuf b = {0};
	size_t klen = strlen(t->key);
	bool same_key = !strncmp(cur, t->key, klen) && cur[klen] == '=' && cur[klen + 1] == '^';
	*replaced = *cur && (t->numeric || !same_key);
	if (t->numeric) {
		char range[160];
		if (t->lo == t->hi)
			snprintf(range, sizeof(range), "%lld%s", (long long)t->lo, unit);
		else
			snprintf(range, sizeof(range), "%lld%s:%lld%s", (long long)t->lo, unit,
				 (long long)t->hi, unit);
		cm_strbuf_str(&b, t->key);
		cm_strbuf_add(&b, "=", 1);
		cm_strbuf_str(&b, range);
	} else {
		cm_strbuf_str(&b, same_key ? cur : t->key);
		cm_strbuf_str(&b, same_key ? "," : "=");
		quote_regex(&b, t->value);
	}
	if (b.oom)
		cm_strbuf_free(&b);
	return b.s;
}

int cm_viewer_label_filter(struct cm_viewer *v, bool ignore, double now, char *err,
			   size_t errlen)
{
	viewer_clear_msg(v);
	const struct vlevel *l = viewer_cur(v);
	if (l->kind != CM_VIEWER_LABELS || l->sel >= v->nlabel || !v->label[l->sel].tag) {
		set_err(err, errlen, "choose a label's value (a key row is no value)");
		return -1;
	}
	const struct cm_tag_row *t = v->label[l->sel].tag;
	if (strchr(t->key, '=')) {
		set_err(err, errlen, "a key with '=' in it cannot be a tag filter");
		return -1;
	}
	enum cm_viewer_filter f = ignore ? CM_VFILTER_TAGIGNORE : CM_VFILTER_TAGFOCUS;
	const char *cur = v->filters[f] ? v->filters[f] : "";
	bool replaced;
	char *expr = tag_filter_with(cur, t, cm_num_units_get(&v->st->rep.num_units, t->key),
				     &replaced);
	if (!expr) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	char *was = replaced ? strdup(cur) : NULL;
	int rc = cm_viewer_set_filter(v, f, expr, now, err, errlen);
	if (rc == 0 && was)
		viewer_msg(v, "%s=%s replaced %s (-%s takes one key, or one range)",
			   cm_viewer_filter_name(f), expr, was, cm_viewer_filter_name(f));
	free(was);
	free(expr);
	return rc;
}

int cm_viewer_set_hide_std(struct cm_viewer *v, bool on, double now, char *err, size_t errlen)
{
	(void)now;
	viewer_clear_msg(v);
	bool old = v->hide_std;
	v->hide_std = on;
	if (apply_hide(v, err, errlen) < 0) {
		v->hide_std = old;
		return -1;
	}
	return 0;
}

bool cm_viewer_hide_std(const struct cm_viewer *v)
{
	return v->hide_std;
}

enum cm_code_owner cm_viewer_code_owner(const struct cm_viewer *v, const char *name)
{
	return name ? cm_code_owner_of(&v->owners, name) : CM_CODE_MINE;
}

/* ---- what shows ---- */

size_t cm_viewer_header_count(const struct cm_viewer *v)
{
	return v->st ? v->st->nheader : 0;
}

const char *cm_viewer_header(const struct cm_viewer *v, size_t i)
{
	return v->st && i < v->st->nheader ? v->st->header[i] : NULL;
}

const char *cm_viewer_message(const struct cm_viewer *v)
{
	if (v->has_msg)
		return v->msg;
	if (viewer_cur(v)->kind == CM_VIEWER_SOURCE && v->src_msg)
		return v->src_msg;
	return NULL;
}
