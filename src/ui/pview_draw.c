/* pview_draw: the pane drawn into its rectangle: a title line, the view's
 * own lines (the -top header, a routine's summary, a peek's subject), the
 * column headings, the rows, and a footer (prompt, message, the host's
 * status, key hints and how much is out of view). Nothing outside the
 * rectangle is touched. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "pview_int.h"

#define TAB_WIDTH 4

/* The rectangle being drawn. */
struct rect {
	struct cm_ui *ui;
	int y, x, h, w;
	bool dim_others; /* names outside "my code" dimmed */
};

static void put(const struct rect *r, int row, const char *s, enum cm_theme_element e)
{
	cm_put(r->ui, r->y + row, r->x, r->w, s, e);
}

static void fill(const struct rect *r, int row, enum cm_theme_element e)
{
	cm_fill(r->ui, r->y + row, r->x, r->w, e);
}

static void too_small(const struct rect *r)
{
	char msg[96];
	snprintf(msg, sizeof(msg), "too small: need %dx%d", CM_PVIEW_MIN_COLS,
		 CM_PVIEW_MIN_ROWS);
	for (int i = 0; i < r->h; i++)
		fill(r, i, CM_THEME_normal);
	put(r, r->h / 2, msg, CM_THEME_dim);
}

/* "top · inuse_space · functions · by flat", and on the right what is
 * special about the rows (a diff, a held order). */
static void draw_title(const struct rect *r, const struct cm_viewer *v)
{
	const struct cm_viewer_level *l = cm_viewer_level(v);
	const char *kind = l->kind == CM_VIEWER_SOURCE ? "source: " : l->kind == CM_VIEWER_PEEK ? "peek: " : "";
	const char *type = cm_viewer_sample_name(v, cm_viewer_sample_index(v));
	char left[PV_TEXT_MAX], right[64];
	const char *dot = r->ui->opts.glyphs == CM_GLYPHS_ASCII ? "|" : "\xc2\xb7";
	snprintf(left, sizeof(left), " %s%s %s %s %s %s %s by %s", kind, l->title, dot,
		 type ? type : "no profile", dot, cm_viewer_granularity_name(cm_viewer_granularity(v)),
		 dot, cm_viewer_cum_sort(v) ? "cum" : "flat");
	snprintf(right, sizeof(right), "%s%s%s%s%s ", cm_viewer_is_diff(v) ? "diff vs base" :
		 cm_viewer_has_base(v) ? "base marked" : "", cm_viewer_hide_std(v) ? "  no std" : "",
		 r->dim_others ? "  my code" : "", cm_viewer_held(v) ? "  held" : "",
		 l->depth ? "  Esc: back" : "");
	fill(r, 0, CM_THEME_title);
	int rw = cm_put_right(r->ui, r->y, r->x + r->w, r->w / 2, right, CM_THEME_title);
	cm_put(r->ui, r->y, r->x, r->w - rw, left, CM_THEME_title);
}

/* ---- rows ---- */

static enum cm_theme_element change_element(enum cm_viewer_change c)
{
	return c == CM_CHANGE_GROWTH ? CM_THEME_growth : c == CM_CHANGE_SHRINK ? CM_THEME_shrink
									  : CM_THEME_value;
}

/* How a row's name is drawn: in the search's colour when it matches (every
 * match, not only the selected row); else e, or dim when it is not "my
 * code" and the person asked for that (m). name NULL: no function. */
static enum cm_theme_element name_element(const struct rect *r, const struct cm_viewer *v,
					  size_t i, const char *name, enum cm_theme_element e)
{
	if (cm_viewer_search_matches(v, i))
		return CM_THEME_match;
	return r->dim_others && name && cm_viewer_code_owner(v, name) != CM_CODE_MINE ? CM_THEME_dim : e;
}

/* Numbers then a name, the selection as a bar across the rectangle. */
static void draw_pair(const struct rect *r, int row, const char *nums, const char *name,
		      enum cm_theme_element ne, enum cm_theme_element te, bool selected)
{
	if (selected) {
		fill(r, row, CM_THEME_selected);
		ne = te = CM_THEME_selected;
	}
	int used = cm_put(r->ui, r->y + row, r->x, r->w, nums, ne);
	cm_put(r->ui, r->y + row, r->x + used, r->w - used, name, te);
}

static void top_row(const struct rect *r, const struct cm_viewer *v, size_t i, int row, bool sel)
{
	const struct cm_viewer_top_row *t = cm_viewer_top_row(v, i);
	char nums[160], name[PV_TEXT_MAX];
	snprintf(nums, sizeof(nums), "%10s %s %s %10s %s  ", t->flat_s, t->flat_pct, t->sum_pct,
		 t->cum_s, t->cum_pct);
	snprintf(name, sizeof(name), "%s%s%s", t->name, *t->inline_label ? " " : "", t->inline_label);
	draw_pair(r, row, nums, name, change_element(t->change),
		  name_element(r, v, i, t->name, CM_THEME_normal), sel);
}

/* Source text with tabs expanded; control characters are cm_put's '?'. */
static void expand_tabs(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0, col = 0;
	for (size_t i = 0; i < n && o + TAB_WIDTH + 1 < cap; i++) {
		if (s[i] == '\t') {
			do
				out[o++] = ' ';
			while (++col % TAB_WIDTH);
			continue;
		}
		out[o++] = s[i];
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	}
	out[o] = '\0';
}

/* A heat glyph: eight levels of blocks, or ASCII. */
static const char *heat_mark(const struct cm_ui *ui, double heat)
{
	static const char *const blocks[] = {" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
		"\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
	static const char *const ascii[] = {" ", ".", ".", ":", ":", "+", "+", "#", "#"};
	int level = heat <= 0 ? 0 : 1 + (int)(heat * 7.999);
	return ui->opts.glyphs == CM_GLYPHS_ASCII ? ascii[level] : blocks[level];
}

static void src_row(const struct rect *r, const struct cm_viewer *v, size_t i, int row, bool sel)
{
	const struct cm_viewer_src_line *s = cm_viewer_src_line(v, i);
	char nums[160], text[PV_TEXT_MAX * 2];
	snprintf(nums, sizeof(nums), "%10s %10s %6lld", s->flat_s, s->cum_s, (long long)s->lineno);
	expand_tabs(s->text, s->text_len, text + 1, sizeof(text) - 1);
	text[0] = ' ';
	enum cm_theme_element ne = s->hot_rank ? change_element(s->change) : CM_THEME_dim;
	enum cm_theme_element te = name_element(r, v, i, NULL, s->hot_rank ? CM_THEME_normal : CM_THEME_dim);
	if (sel) {
		fill(r, row, CM_THEME_selected);
		ne = te = CM_THEME_selected;
	}
	struct cm_segline l = {r->ui, r->y + row, r->x, r->x + r->w};
	cm_seg(&l, nums, ne);
	cm_seg(&l, " ", te);
	cm_seg(&l, heat_mark(r->ui, s->heat), sel ? CM_THEME_selected : CM_THEME_spark);
	cm_seg(&l, text, te);
	if (s->callee && r->w - (l.x - r->x) > 8) {
		char call[PV_TEXT_MAX];
		snprintf(call, sizeof(call), "  %s %s", r->ui->marks.more_right, s->callee);
		cm_seg(&l, call, sel ? CM_THEME_selected : CM_THEME_dim);
	}
}

static void peek_row(const struct rect *r, const struct cm_viewer *v, size_t i, int row, bool sel)
{
	const struct cm_viewer_peek_row *p = cm_viewer_peek_row(v, i);
	const struct cm_ui_marks *m = &r->ui->marks;
	char nums[160], name[PV_TEXT_MAX];
	const char *mark = p->role == CM_PEEK_CALLER ? m->more_up : p->role == CM_PEEK_CALLEE
								    ? m->more_down : "*";
	snprintf(nums, sizeof(nums), "%10s %s  %s ", p->weight_s, p->pct, mark);
	if (p->role == CM_PEEK_SELF)
		snprintf(name, sizeof(name), "%s   (flat %s, %s)", p->name, p->flat_s, p->flat_pct);
	else
		snprintf(name, sizeof(name), "%s%s", p->name, p->inline_call ? " (inline)" : "");
	draw_pair(r, row, nums, name, change_element(p->change),
		  name_element(r, v, i, p->name,
			       p->role == CM_PEEK_SELF ? CM_THEME_label : CM_THEME_normal), sel);
}

/* A key as -tags heads it ("user: Total 470.0ms"), a value indented under
 * it with its amount and share ("240.0ms (51.06%)  carol"). */
static void label_row(const struct rect *r, const struct cm_viewer *v, size_t i, int row, bool sel)
{
	const struct cm_viewer_label_row *t = cm_viewer_label_row(v, i);
	char nums[400], name[PV_TEXT_MAX];
	if (!t->value) {
		snprintf(nums, sizeof(nums), "%s: ", t->key);
		draw_pair(r, row, nums, t->amount, name_element(r, v, i, NULL, CM_THEME_label), CM_THEME_dim,
			  sel);
		return;
	}
	snprintf(nums, sizeof(nums), "  %10s %8s  ", t->amount, *t->pct ? t->pct : "");
	snprintf(name, sizeof(name), "%s", t->value);
	draw_pair(r, row, nums, name, CM_THEME_value, name_element(r, v, i, NULL, CM_THEME_normal), sel);
}

/* The call tree's row: numbers, heat, indentation, marker, name. */
static void tree_row(const struct rect *r, const struct cm_viewer *v, size_t i, int row, bool sel)
{
	const struct cm_viewer_tree_row *t = cm_viewer_tree_row(v, i);
	bool ascii = r->ui->opts.glyphs == CM_GLYPHS_ASCII;
	char nums[160], name[PV_TEXT_MAX];
	snprintf(nums, sizeof(nums), "%10s %10s %s ", t->flat_s, t->cum_s, t->cum_pct);
	const char *mark = !t->has_children ? " " : t->open ? (ascii ? "-" : "\xe2\x96\xbe")
					      : (ascii ? "+" : "\xe2\x96\xb8");
	int indent = (int)(t->depth > 40 ? 40 : t->depth) * 2;
	snprintf(name, sizeof(name), " %*s%s %s", indent, "", mark, t->name);
	enum cm_theme_element ne = change_element(t->change);
	enum cm_theme_element te = name_element(r, v, i, t->name, CM_THEME_normal);
	if (sel) {
		fill(r, row, CM_THEME_selected);
		ne = te = CM_THEME_selected;
	}
	struct cm_segline l = {r->ui, r->y + row, r->x, r->x + r->w};
	cm_seg(&l, nums, ne);
	cm_seg(&l, heat_mark(r->ui, t->heat), sel ? CM_THEME_selected : CM_THEME_spark);
	cm_seg(&l, name, te);
}

/* ---- the view's own lines ---- */

/* The lines above the headings: TOP's header (all of it when there is
 * room, else its last line), SOURCE's routine, PEEK's legend. Returns the
 * rows used. */
static int draw_intro(const struct rect *r, const struct cm_viewer *v, int row, int room)
{
	const struct cm_viewer_level *l = cm_viewer_level(v);
	char buf[PV_TEXT_MAX * 2];
	if (l->kind == CM_VIEWER_TOP) {
		size_t n = cm_viewer_header_count(v), from = 0;
		if ((int)n > room / 3)
			from = n ? n - 1 : 0;
		for (size_t i = from; i < n; i++)
			put(r, row++, cm_viewer_header(v, i), CM_THEME_dim);
		return (int)(n - from);
	}
	if (l->kind == CM_VIEWER_TREE) { /* -top's last header line: the total */
		size_t n = cm_viewer_header_count(v);
		put(r, row, n ? cm_viewer_header(v, n - 1) : "", CM_THEME_dim);
		return 1;
	}
	if (l->kind == CM_VIEWER_SOURCE) {
		if (!cm_viewer_src_file(v))
			return 0;
		snprintf(buf, sizeof(buf), "ROUTINE %s in %s", l->title, cm_viewer_src_file(v));
		put(r, row, buf, CM_THEME_label);
		put(r, row + 1, cm_viewer_src_summary(v), CM_THEME_dim);
		return 2;
	}
	if (l->kind == CM_VIEWER_LABELS) {
		const char *f = cm_viewer_filter(v, CM_VFILTER_TAGFOCUS);
		const char *g = cm_viewer_filter(v, CM_VFILTER_TAGIGNORE);
		if (!f && !g)
			snprintf(buf, sizeof(buf), "Enter: a tag focus on the value, i: a tag ignore");
		else
			snprintf(buf, sizeof(buf), "%s%s%s%s%s", f ? "tagfocus=" : "", f ? f : "",
				 f && g ? "  " : "", g ? "tagignore=" : "", g ? g : "");
		put(r, row, buf, f || g ? CM_THEME_label : CM_THEME_dim);
		return 1;
	}
	snprintf(buf, sizeof(buf), "callers %s above, callees %s below; Enter moves to one",
		 r->ui->marks.more_up, r->ui->marks.more_down);
	put(r, row, buf, CM_THEME_dim);
	return 1;
}

static const char *headings(const struct cm_viewer *v)
{
	switch (cm_viewer_level(v)->kind) {
	case CM_VIEWER_TOP: return CM_TOP_HEADINGS "  name";
	case CM_VIEWER_SOURCE: return "      flat        cum   line";
	case CM_VIEWER_LABELS: return "key: total / value: share of the key's total";
	case CM_VIEWER_TREE: return "      flat        cum   cum%   function (Right/l opens, Left/h closes)";
	case CM_VIEWER_PEEK:
	case CM_VIEWER_FLAME: break;
	}
	return "    weight  share   function";
}

static void draw_rows(const struct rect *r, struct cm_viewer *v, int row, int n)
{
	cm_viewer_set_page(v, n > 0 ? (size_t)n : 1);
	const struct cm_viewer_level *l = cm_viewer_level(v);
	for (int i = 0; i < n && l->top + (size_t)i < l->nrows; i++) {
		size_t k = l->top + (size_t)i;
		bool sel = k == l->sel;
		switch (l->kind) {
		case CM_VIEWER_TOP: top_row(r, v, k, row + i, sel); break;
		case CM_VIEWER_SOURCE: src_row(r, v, k, row + i, sel); break;
		case CM_VIEWER_PEEK: peek_row(r, v, k, row + i, sel); break;
		case CM_VIEWER_LABELS: label_row(r, v, k, row + i, sel); break;
		case CM_VIEWER_TREE: tree_row(r, v, k, row + i, sel); break;
		case CM_VIEWER_FLAME: break;
		}
	}
	/* a source being annotated says so in the footer */
	if (l->nrows == 0 && !(l->kind == CM_VIEWER_SOURCE && cm_viewer_building(v)))
		put(r, row, cm_viewer_has_profile(v) ? "(nothing to show)" : "waiting for a profile...",
		    CM_THEME_dim);
}

/* ---- footer ---- */

static void draw_prompt(const struct rect *r, const struct cm_pview *pv, int row)
{
	static const char *const label[] = {"/", "focus: ", "ignore: ", "hide: ", "write to: "};
	char buf[PV_INPUT_MAX + 32];
	snprintf(buf, sizeof(buf), "%s%s", label[pv->prompt], pv->input);
	/* a long path: its end, where the typing is, stays in view */
	const char *shown = buf;
	while (*shown && cm_text_width(shown) > r->w - 2) {
		shown++;
		while (((unsigned char)*shown & 0xc0) == 0x80)
			shown++;
	}
	int used = cm_put(r->ui, r->y + row, r->x, r->w - 1, shown,
			  pv->prompt_failed ? CM_THEME_down : CM_THEME_normal);
	cm_put(r->ui, r->y + row, r->x + used, 1, "_", CM_THEME_selected);
	/* a regex not complete yet says why, beside what is typed */
	const char *msg = cm_viewer_message(pv->v);
	if (pv->prompt == PV_PROMPT_SEARCH && msg && r->w - used - 4 > 0)
		cm_put(r->ui, r->y + row, r->x + used + 3, r->w - used - 4, msg, CM_THEME_down);
}

/* The left part of the footer: a message, the host's status, or hints. */
static void footer_text(const struct rect *r, const struct cm_pview *pv, int row, int room)
{
	const char *msg = cm_viewer_message(pv->v);
	const char *text = *pv->note ? pv->note : msg;
	enum cm_theme_element e = *pv->note && pv->note_ok ? CM_THEME_up : CM_THEME_down;
	const char *building = cm_viewer_building(pv->v);
	if (!text && building) {
		text = building;
		e = CM_THEME_dim;
	} else if (!text && *pv->status) {
		text = pv->status;
		e = CM_THEME_dim;
	} else if (!text && cm_viewer_level(pv->v)->kind == CM_VIEWER_LABELS) {
		text = "Enter tag focus  i tag ignore  c clear filters  / search  Esc back";
		e = CM_THEME_dim;
	} else if (!text) {
		text = cm_viewer_level(pv->v)->kind == CM_VIEWER_TREE
			? "? help  Right/l open  Left/h close  Enter source  p peek  F flame  Esc back"
			: pv->o.can_close
			? "? help  / search  Enter source  p peek  F flame  C tree  t type  Esc back"
			: "q quit  ? help  / search  Enter source  p peek  F flame  C tree  t type  a granularity";
		e = CM_THEME_dim;
	}
	cm_put(r->ui, r->y + row, r->x, room, text, e);
}

/* visible: the rows the list showed. */
static void draw_footer(const struct rect *r, const struct cm_pview *pv, int row, int visible)
{
	if (pv->mode == PV_MODE_PROMPT) {
		draw_prompt(r, pv, row);
		return;
	}
	const struct cm_viewer_level *l = cm_viewer_level(pv->v);
	char hint[96];
	cm_more_hint(r->ui, hint, sizeof(hint), l->top, (size_t)visible, l->nrows, NULL);
	/* the last column stays empty: writing the screen's last cell scrolls
	 * some terminals */
	int hw = cm_put_right(r->ui, r->y + row, r->x + r->w - 1, r->w / 3, hint, CM_THEME_dim);
	footer_text(r, pv, row, r->w - 1 - hw - (hw ? 2 : 0));
}

/* ---- help ---- */

/* Room for the pane's table, the host's and two headings. */
#define PV_HELP_LINES_MAX 96

static void draw_help(const struct rect *r, struct cm_pview *pv)
{
	struct pv_help_line lines[PV_HELP_LINES_MAX];
	size_t n = pv_help_lines(pv, lines, PV_HELP_LINES_MAX);
	n = n < PV_HELP_LINES_MAX ? n : PV_HELP_LINES_MAX;
	fill(r, 0, CM_THEME_title);
	put(r, 0, " profile viewer: keys", CM_THEME_title);
	int rows = r->h - 2;
	pv->help_rows = rows;
	for (int i = 0; i < rows && pv->help_top + (size_t)i < n; i++) {
		const struct pv_help_line *e = &lines[pv->help_top + (size_t)i];
		char line[PV_TEXT_MAX];
		if (e->heading) {
			put(r, 1 + i, e->help, CM_THEME_title);
			continue;
		}
		snprintf(line, sizeof(line), " %-11s %s", e->names, e->help);
		put(r, 1 + i, line, CM_THEME_help);
	}
	put(r, r->h - 1, "Up/Down scroll, any other key goes back", CM_THEME_dim);
}

void pv_draw(struct cm_pview *pv, struct cm_ui *ui, int y, int x, int h, int w, double now)
{
	(void)now;
	struct rect r = {ui, y, x, h, w, pv->dim_others};
	for (int i = 0; i < h; i++)
		fill(&r, i, CM_THEME_normal);
	if (h < CM_PVIEW_MIN_ROWS || w < CM_PVIEW_MIN_COLS) {
		too_small(&r);
		return;
	}
	if (pv->mode == PV_MODE_HELP) {
		draw_help(&r, pv);
		return;
	}
	draw_title(&r, pv->v);
	if (cm_viewer_level(pv->v)->kind == CM_VIEWER_FLAME) {
		pv_draw_flame(pv, ui, y + 1, x, h - 1, w, r.dim_others);
		return;
	}
	int row = 1;
	row += draw_intro(&r, pv->v, row, h - 3);
	put(&r, row++, headings(pv->v), CM_THEME_label);
	int visible = h - row - 1;
	draw_rows(&r, pv->v, row, visible);
	draw_footer(&r, pv, h - 1, visible);
}
