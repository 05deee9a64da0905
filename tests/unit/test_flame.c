/* test_flame: the viewer's FLAME and TREE levels, headless, on the
 * committed profiles, against the numbers the engine's -top and -peek
 * give for the same profile (the viewer's TOP and PEEK rows, which
 * test_viewer checks against go tool pprof's golden output):
 *   - the search share of each function alone equals its -top cum;
 *   - the callees of a root frame weigh what -peek's callee edges weigh;
 *   - every layout, at every width: boxes inside their parent, at least a
 *     cell wide, not overlapping, each row's values adding up to the
 *     children of its parent (narrow frames pooled, not dropped), a frame
 *     a cell wide or more drawn alone;
 *   - zoom and its breadcrumb, moving, a refresh keeping the zoom;
 *   - the call tree's rows, order, open/close and source. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "read_all.h"
#include "viewer_file.h"
#include "cmon/profile/stack_tree.h"
#include "cmon/viewer/viewer.h"

#define DATA CMON_SOURCE_DIR "/tests/data/"


static int load(struct cm_viewer *v, const char *profile)
{
	return viewer_load_file(v, profile);
}

static struct cm_viewer *open_viewer(const char *profile)
{
	char err[512];
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.goroot = o.gomodcache = "";
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	CHECK_MSG(v != NULL, "cm_viewer_new: %s", err);
	if (v && load(v, profile) < 0) {
		cm_viewer_free(v);
		return NULL;
	}
	return v;
}

/* ^QuoteMeta(name)$ */
static void exact_regex(const char *name, char *out, size_t len)
{
	size_t o = 0;
	out[o++] = '^';
	for (const char *p = name; *p && o + 4 < len; p++) {
		if (strchr("\\.+*?()|[]{}^$", *p))
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o++] = '$';
	out[o] = '\0';
}

static const char *trim(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* The share of every -top row's function alone: its -top cum. */
static void check_search_share(struct cm_viewer *v, const char *what)
{
	char re[1024], err[256];
	size_t n = cm_viewer_top_count(v), checked = 0;
	CHECK(cm_viewer_flame(v, 0));
	for (size_t i = 0; i < n; i++) {
		const struct cm_viewer_top_row *r = cm_viewer_top_row(v, i);
		exact_regex(r->name, re, sizeof(re));
		CHECK_MSG(cm_viewer_flame_search(v, re, err, sizeof(err)) == 0, "%s: %s", re, err);
		int64_t got = cm_viewer_flame_match_value(v);
		CHECK_MSG(got == r->cum, "%s %s: share %lld, -top cum %lld", what, r->name,
			  (long long)got, (long long)r->cum);
		checked++;
	}
	CHECK_MSG(checked > 0, "%s: no rows", what);
	/* the status line says the same percentage as -top's cum% */
	if (n) {
		const struct cm_viewer_top_row *r = cm_viewer_top_row(v, 0);
		exact_regex(r->name, re, sizeof(re));
		cm_viewer_flame_search(v, re, err, sizeof(err));
		cm_viewer_flame_layout(v, 100);
		char want[256];
		snprintf(want, sizeof(want), ": %s of total", trim(r->cum_pct));
		CHECK_MSG(strstr(cm_viewer_flame_status(v), want) != NULL, "%s: status %s, want %s",
			  what, cm_viewer_flame_status(v), want);
	}
	cm_viewer_flame_search(v, NULL, err, sizeof(err));
	cm_viewer_back(v);
}

/* The layout's invariants at width w. */
static void check_layout(struct cm_viewer *v, int w, const char *what)
{
	CHECK_MSG(cm_viewer_flame_layout(v, w) == 0, "%s: layout", what);
	size_t n = cm_viewer_flame_count(v);
	CHECK_MSG(n > 0, "%s: no boxes", what);
	int64_t total = n ? cm_viewer_flame_box(v, 0)->value : 0;
	(void)total;
	for (size_t i = 0; i < n; i++) {
		const struct cm_viewer_flame_box *b = cm_viewer_flame_box(v, i);
		CHECK_MSG(b->w >= 1 && b->x >= 0 && b->x + b->w <= w, "%s w=%d box %zu: x %d w %d",
			  what, w, i, b->x, b->w);
		if (i + 1 < n) {
			const struct cm_viewer_flame_box *c = cm_viewer_flame_box(v, i + 1);
			CHECK_MSG(c->row > b->row || (c->row == b->row && c->x >= b->x + b->w),
				  "%s w=%d: boxes %zu and %zu overlap", what, w, i, i + 1);
		}
		if (b->breadcrumb || b->pooled || b->row + 1 >= 4096)
			continue;
		/* children: within the box, values adding up to the callees' sum */
		int64_t sum = 0;
		size_t kids = 0;
		for (size_t j = i + 1; j < n; j++) {
			const struct cm_viewer_flame_box *c = cm_viewer_flame_box(v, j);
			if (c->row != b->row + 1 || c->parent != b->frame)
				continue;
			kids += c->nframes;
			sum += c->value;
			CHECK_MSG(c->x >= b->x && c->x + c->w <= b->x + b->w,
				  "%s w=%d: box %zu outside its parent %zu", what, w, j, i);
		}
		/* the children's sum is the frame's value minus its own (flat)
		 * part: narrow callees are pooled, never dropped */
		int64_t want = b->value - b->flat;
		CHECK_MSG(sum == want, "%s w=%d: callees of %s sum to %lld in %zu frames, want %lld",
			  what, w, b->full, (long long)sum, kids, (long long)want);
	}
}

static void test_layout(const char *profile)
{
	struct cm_viewer *v = open_viewer(profile);
	if (!v)
		return;
	CHECK(cm_viewer_flame(v, 0));
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_FLAME);
	for (int w = 1; w <= 300; w += (w < 20 ? 1 : 37))
		check_layout(v, w, profile);
	/* row 0 is the root, full width, the total */
	cm_viewer_flame_layout(v, 80);
	const struct cm_viewer_flame_box *root = cm_viewer_flame_box(v, 0);
	CHECK(root && root->row == 0 && root->x == 0 && root->w == 80 && !strcmp(root->full, "root"));
	/* pooled frames at a narrow width: the total stays right */
	cm_viewer_free(v);
}

/* Builds the stack tree of a profile directly, as the viewer does. */
static void test_pools_keep_total(void)
{
	struct cm_viewer *v = open_viewer("heap.pb.gz");
	if (!v)
		return;
	cm_viewer_flame(v, 0);
	/* the engine's tree, through the public layout: the root's row 1 at
	 * widths narrow enough to pool */
	size_t pools = 0;
	for (int w = 1; w <= 200; w++) {
		cm_viewer_flame_layout(v, w);
		int64_t sum = 0, root = cm_viewer_flame_box(v, 0)->value;
		int64_t flat_guess = 0;
		(void)flat_guess;
		for (size_t i = 0; i < cm_viewer_flame_count(v); i++) {
			const struct cm_viewer_flame_box *b = cm_viewer_flame_box(v, i);
			if (b->row == 1)
				sum += b->value;
			if (b->nframes > 1)
				pools++;
		}
		static int64_t first_sum = -1;
		if (first_sum < 0)
			first_sum = sum;
		CHECK_MSG(sum == first_sum, "w=%d: row 1 sums to %lld, at width 1 to %lld", w,
			  (long long)sum, (long long)first_sum);
		CHECK(sum <= root);
	}
	CHECK_MSG(pools > 0, "no pool at any width: the test proves nothing");
	cm_viewer_free(v);
}

/* The callees of a root frame F (a function seen only at the root of the
 * stacks) weigh what -peek's callee edges of F weigh. */
static void test_peek_weights(const char *profile, const char *fn)
{
	struct cm_viewer *v = open_viewer(profile);
	if (!v)
		return;
	CHECK(cm_viewer_flame(v, 0));
	cm_viewer_flame_layout(v, 10000);
	/* F's box in row 1 */
	size_t fbox = SIZE_MAX;
	for (size_t i = 0; i < cm_viewer_flame_count(v); i++)
		if (cm_viewer_flame_box(v, i)->row == 1 && !strcmp(cm_viewer_flame_box(v, i)->full, fn))
			fbox = i;
	CHECK_MSG(fbox != SIZE_MAX, "%s: %s is no root frame", profile, fn);
	if (fbox == SIZE_MAX) {
		cm_viewer_free(v);
		return;
	}
	const struct cm_viewer_flame_box *fb = cm_viewer_flame_box(v, fbox);
	uint32_t ff = fb->frame;
	int64_t fcum = fb->value;
	/* the children boxes of F, by name (width 10000: no pools here) */
	struct kid {
		char name[256];
		int64_t value;
	} kids[256];
	size_t nk = 0;
	for (size_t i = 0; i < cm_viewer_flame_count(v) && nk < 256; i++) {
		const struct cm_viewer_flame_box *b = cm_viewer_flame_box(v, i);
		if (b->row == 2 && b->parent == ff) {
			CHECK_MSG(b->nframes == 1, "%s: a pool at width 10000", profile);
			snprintf(kids[nk].name, sizeof(kids[nk].name), "%s", b->full);
			kids[nk++].value = b->value;
		}
	}
	cm_viewer_back(v);
	/* -peek F */
	size_t row = SIZE_MAX;
	for (size_t i = 0; i < cm_viewer_top_count(v); i++)
		if (!strcmp(cm_viewer_top_row(v, i)->name, fn))
			row = i;
	CHECK_MSG(row != SIZE_MAX, "%s: %s not in -top", profile, fn);
	if (row != SIZE_MAX) {
		CHECK(cm_viewer_top_row(v, row)->cum == fcum);
		cm_viewer_select(v, row, 0);
		CHECK(cm_viewer_peek(v, 0));
		size_t callees = 0;
		for (size_t i = 0; i < cm_viewer_level(v)->nrows; i++) {
			const struct cm_viewer_peek_row *p = cm_viewer_peek_row(v, i);
			if (p->role != CM_PEEK_CALLEE)
				continue;
			callees++;
			bool found = false;
			for (size_t k = 0; k < nk; k++)
				if (!strcmp(kids[k].name, p->name)) {
					found = true;
					CHECK_MSG(kids[k].value == p->weight, "%s -> %s: flame %lld, -peek %lld",
						  fn, p->name, (long long)kids[k].value, (long long)p->weight);
				}
			CHECK_MSG(found, "%s -> %s: in -peek, not in the flame graph", fn, p->name);
		}
		CHECK_MSG(callees == nk, "%s: %zu callees in -peek, %zu in the flame graph", fn, callees,
			  nk);
		CHECK(callees > 0);
	}
	cm_viewer_free(v);
}

static size_t find_box(struct cm_viewer *v, const char *full)
{
	for (size_t i = 0; i < cm_viewer_flame_count(v); i++)
		if (!strcmp(cm_viewer_flame_box(v, i)->full, full) && cm_viewer_flame_box(v, i)->nframes == 1)
			return i;
	return SIZE_MAX;
}

static void test_zoom_and_moves(void)
{
	struct cm_viewer *v = open_viewer("cpu.pb.gz");
	if (!v)
		return;
	CHECK(cm_viewer_flame(v, 0));
	cm_viewer_flame_layout(v, 120);
	CHECK(cm_viewer_flame_selected(v) == 0); /* the root */
	CHECK(!cm_viewer_flame_move(v, CM_DIR_PARENT, 0));
	CHECK(cm_viewer_flame_move(v, CM_DIR_CHILD, 0));
	size_t s = cm_viewer_flame_selected(v);
	CHECK(s != SIZE_MAX && cm_viewer_flame_box(v, s)->row == 1 && cm_viewer_flame_box(v, s)->x == 0);
	/* down twice, then zoom */
	cm_viewer_flame_move(v, CM_DIR_CHILD, 0);
	s = cm_viewer_flame_selected(v);
	const struct cm_viewer_flame_box *b = cm_viewer_flame_box(v, s);
	char name[512];
	snprintf(name, sizeof(name), "%s", b->full);
	int64_t value = b->value;
	int row = b->row;
	CHECK(row == 2);
	CHECK(cm_viewer_flame_zoom(v, 0));
	cm_viewer_flame_layout(v, 120);
	/* the breadcrumb: root and the caller; then the frame, full width */
	size_t z = find_box(v, name);
	CHECK(z != SIZE_MAX && cm_viewer_flame_box(v, z)->w == 120 && cm_viewer_flame_box(v, z)->row == 2);
	CHECK(cm_viewer_flame_box(v, 0)->breadcrumb && cm_viewer_flame_box(v, 1)->breadcrumb);
	CHECK(cm_viewer_flame_box(v, z)->value == value);
	CHECK(!strcmp(cm_viewer_selected_name(v), name));
	CHECK(strstr(cm_viewer_flame_status(v), "100% of") != NULL);
	check_layout(v, 120, "zoomed");
	/* a refresh keeps the zoom (the same profile again) */
	CHECK(load(v, "cpu.pb.gz") == 0);
	cm_viewer_flame_layout(v, 120);
	z = find_box(v, name);
	CHECK(z != SIZE_MAX && cm_viewer_flame_box(v, z)->w == 120);
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_FLAME);
	/* zoom out: back to the root at full width, the frame selected */
	CHECK(cm_viewer_flame_unzoom(v, 0));
	cm_viewer_flame_layout(v, 120);
	CHECK(cm_viewer_flame_box(v, 0)->w == 120 && !cm_viewer_flame_box(v, 0)->breadcrumb);
	s = cm_viewer_flame_selected(v);
	CHECK(s != SIZE_MAX && !strcmp(cm_viewer_flame_box(v, s)->full, name));
	CHECK(!cm_viewer_flame_unzoom(v, 0));
	/* L: the frame's source, as the table's Enter */
	CHECK(cm_viewer_source(v, 0));
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_SOURCE && !strcmp(cm_viewer_level(v)->title, name));
	cm_viewer_back(v);
	/* p: its peek */
	CHECK(cm_viewer_peek(v, 0));
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_PEEK);
	cm_viewer_back(v);
	/* a click selects */
	cm_viewer_flame_layout(v, 120);
	CHECK(cm_viewer_flame_select_at(v, 0, 5, 0));
	CHECK(cm_viewer_flame_selected(v) == 0);
	/* sample type and granularity changes keep the level */
	char err[256];
	CHECK(cm_viewer_cycle_granularity(v, 1, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_FLAME);
	CHECK(cm_viewer_flame_layout(v, 80) == 0 && cm_viewer_flame_count(v) > 0);
	cm_viewer_free(v);
}

static void test_tree(void)
{
	struct cm_viewer *v = open_viewer("cpu.pb.gz");
	if (!v)
		return;
	CHECK(cm_viewer_calltree(v, 0));
	const struct cm_viewer_level *l = cm_viewer_level(v);
	CHECK(l->kind == CM_VIEWER_TREE && l->nrows > 1);
	/* the hot path is open: the first row is the heaviest, open */
	const struct cm_viewer_tree_row *r0 = cm_viewer_tree_row(v, 0);
	CHECK(r0 && r0->depth == 0 && r0->open);
	/* rows: each open row's callees follow it sorted by cum */
	for (size_t i = 0; i + 1 < l->nrows; i++) {
		const struct cm_viewer_tree_row *a = cm_viewer_tree_row(v, i);
		const struct cm_viewer_tree_row *b = cm_viewer_tree_row(v, i + 1);
		CHECK(b->depth <= a->depth + 1);
		if (b->depth == a->depth + 1)
			CHECK(a->open);
	}
	for (size_t i = 0; i < l->nrows; i++) {
		const struct cm_viewer_tree_row *a = cm_viewer_tree_row(v, i);
		for (size_t j = i + 1; j < l->nrows; j++) {
			const struct cm_viewer_tree_row *b = cm_viewer_tree_row(v, j);
			if (b->depth < a->depth)
				break;
			if (b->depth == a->depth)
				CHECK_MSG(llabs(b->cum) <= llabs(a->cum), "%s before %s", a->name, b->name);
		}
	}
	/* the top-level rows' cum sum to the total of -top's header */
	size_t n0 = l->nrows;
	cm_viewer_select(v, 0, 0);
	CHECK(cm_viewer_tree_open(v, false, 0)); /* closes the first row */
	CHECK(cm_viewer_level(v)->nrows < n0);
	CHECK(!cm_viewer_tree_row(v, 0)->open);
	CHECK(cm_viewer_tree_open(v, true, 0));  /* opens it */
	CHECK(cm_viewer_tree_row(v, 0)->open);
	CHECK(cm_viewer_tree_open(v, true, 0));  /* open: to the first callee */
	CHECK(cm_viewer_level(v)->sel == 1);
	CHECK(cm_viewer_tree_open(v, false, 0) || true);
	/* Enter: the source of the row's function */
	char name[512];
	snprintf(name, sizeof(name), "%s", cm_viewer_tree_row(v, cm_viewer_level(v)->sel)->name);
	CHECK(cm_viewer_enter(v, 0));
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_SOURCE && !strcmp(cm_viewer_level(v)->title, name));
	cm_viewer_back(v);
	/* a refresh keeps the selection */
	size_t sel = cm_viewer_level(v)->sel;
	CHECK(load(v, "cpu.pb.gz") == 0);
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_TREE && cm_viewer_level(v)->sel == sel);
	cm_viewer_free(v);
}

static void test_diff(void)
{
	struct cm_viewer *v = open_viewer("heap.pb.gz");
	if (!v)
		return;
	char err[256];
	CHECK(cm_viewer_mark_base(v, err, sizeof(err)) == 0);
	CHECK(load(v, "heap2.pb.gz") == 0);
	CHECK(cm_viewer_is_diff(v));
	CHECK(cm_viewer_flame(v, 0));
	for (int w = 1; w <= 200; w += 13)
		check_layout(v, w, "diff");
	size_t growth = 0;
	for (size_t i = 0; i < cm_viewer_flame_count(v); i++)
		growth += cm_viewer_flame_box(v, i)->change != CM_CHANGE_NONE;
	CHECK(growth > 0);
	check_search_share(v, "diff");
	cm_viewer_free(v);
}

/* A frame whose wide children fill it and narrow ones follow (the demo's
 * net/http.(*conn).serve: readRequest, ServeHTTP, finishRequest): the
 * narrow ones take the last cell of the wide one, which stays a frame
 * with its callees drawn, not a pool. */
static void test_full_row(void)
{
	struct cm_viewer *v = open_viewer("flame_full_row.pb.gz");
	if (!v)
		return;
	CHECK(cm_viewer_flame(v, 0));
	CHECK(cm_viewer_flame_layout(v, 100) == 0);
	bool seen = false, below = false;
	for (size_t i = 0; i < cm_viewer_flame_count(v); i++) {
		const struct cm_viewer_flame_box *b = cm_viewer_flame_box(v, i);
		if (!strcmp(b->full, "net/http.serverHandler.ServeHTTP") && b->row == 2) {
			seen = true;
			CHECK_MSG(b->nframes == 1 && !b->pooled && b->w >= 70, "ServeHTTP: %u frames, %d cells",
				  b->nframes, b->w);
		}
		below |= b->row == 3 && !strcmp(b->full, "net/http.(*ServeMux).ServeHTTP");
	}
	CHECK(seen && below);
	cm_viewer_free(v);
}

/* n and N walk the boxes the search matches, row by row, wrapping. */
static void test_next_match(void)
{
	struct cm_viewer *v = open_viewer("cpu.pb.gz");
	char err[256];
	if (!v)
		return;
	CHECK(cm_viewer_flame(v, 0));
	CHECK(cm_viewer_flame_search(v, "runtime\\.", err, sizeof(err)) == 0);
	CHECK(cm_viewer_flame_layout(v, 200) == 0);
	size_t n = cm_viewer_flame_count(v), matches = 0, first = SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		if (cm_viewer_flame_box(v, i)->match) {
			matches++;
			first = first == SIZE_MAX ? i : first;
		}
	CHECK_MSG(matches >= 2, "cpu.pb.gz: %zu runtime frames laid out", matches);
	size_t prev = cm_viewer_flame_selected(v), seen = 0;
	for (size_t k = 0; k < matches; k++) {
		CHECK(cm_viewer_flame_next_match(v, 1, 0));
		cm_viewer_flame_layout(v, 200);
		size_t s = cm_viewer_flame_selected(v);
		const struct cm_viewer_flame_box *b = cm_viewer_flame_box(v, s);
		CHECK_MSG(b && b->match, "n %zu: box %zu does not match", k, s);
		/* in reading order: after the last one, or the first when wrapping */
		CHECK_MSG(k == 0 || s > prev || s == first, "n %zu: box %zu after %zu", k, s, prev);
		seen += s != prev;
		prev = s;
	}
	CHECK_MSG(seen == matches, "n visited %zu of %zu matches", seen, matches);
	size_t at = cm_viewer_flame_selected(v);
	CHECK(cm_viewer_flame_next_match(v, -1, 0) && cm_viewer_flame_next_match(v, 1, 0));
	cm_viewer_flame_layout(v, 200);
	CHECK(cm_viewer_flame_selected(v) == at); /* N then n: back where it was */
	CHECK(cm_viewer_flame_search(v, "^no such frame$", err, sizeof(err)) == 0);
	cm_viewer_flame_layout(v, 200);
	CHECK(!cm_viewer_flame_next_match(v, 1, 0));
	cm_viewer_free(v);
}

int main(void)
{
	if (chdir(CMON_SOURCE_DIR) != 0)
		return 1;
	test_full_row();
	test_next_match();
	static const char *const profiles[] = {"cpu.pb.gz", "heap.pb.gz", "allocs.pb.gz",
		"block.pb.gz", "mutex.pb.gz", "goroutine.pb.gz", "labels.pb.gz", "extreme.pb.gz"};
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		struct cm_viewer *v = open_viewer(profiles[i]);
		if (!v)
			continue;
		for (size_t s = 0; s < cm_viewer_sample_count(v); s++) {
			char err[256], what[128];
			CHECK(cm_viewer_set_sample(v, s, 0, err, sizeof(err)) == 0);
			snprintf(what, sizeof(what), "%s %s", profiles[i], cm_viewer_sample_name(v, s));
			check_search_share(v, what);
		}
		cm_viewer_free(v);
		test_layout(profiles[i]);
	}
	test_pools_keep_total();
	test_peek_weights("cpu.pb.gz", "runtime/pprof.Do");
	test_peek_weights("heap.pb.gz", "runtime.main");
	test_zoom_and_moves();
	test_tree();
	test_diff();
	return check_status("test_flame");
}
