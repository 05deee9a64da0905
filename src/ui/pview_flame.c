/* pview_flame: the FLAME level drawn: a status line (the selected frame:
 * name, value, shares; the search's share), the icicle's rows (scrolled so
 * the selection shows), and a footer; and mouse clicks on it. The layout
 * is the model's (cm_viewer_flame_layout), one box a frame: the frame's
 * package hue from the theme (flame1..flame6), or growth/shrink under a
 * base, the search's matches and the selection over it. Each box leaves
 * its last cell blank when it is wider than one, so frames stay apart
 * without colours (NO_COLOR, the mono theme). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "pview_int.h"

#define HUES 6
#define DOUBLE_CLICK 0.4 /* seconds */

static enum cm_theme_element box_element(const struct cm_viewer *v,
					 const struct cm_viewer_flame_box *b, bool sel, bool dim_others)
{
	if (sel)
		return CM_THEME_selected;
	if (b->match)
		return CM_THEME_flame_match;
	if (b->breadcrumb || b->frame == 0 ||
	    (dim_others && cm_viewer_code_owner(v, b->full) != CM_CODE_MINE))
		return CM_THEME_dim;
	if (cm_viewer_is_diff(v))
		return b->change == CM_CHANGE_GROWTH ? CM_THEME_flame_growth
		       : b->change == CM_CHANGE_SHRINK ? CM_THEME_flame_shrink : CM_THEME_flame_pool;
	if (b->nframes > 1)
		return CM_THEME_flame_pool;
	return (enum cm_theme_element)(CM_THEME_flame1 + (int)(b->hue % HUES));
}

static void draw_box(struct cm_ui *ui, const struct cm_viewer *v,
		     const struct cm_viewer_flame_box *b, int y, int x, bool sel, bool dim_others)
{
	enum cm_theme_element e = box_element(v, b, sel, dim_others);
	int w = b->w > 1 ? b->w - 1 : 1; /* a gap after each box */
	cm_fill(ui, y, x + b->x, w, e);
	char text[PV_TEXT_MAX];
	if (b->nframes > 1)
		snprintf(text, sizeof(text), "+%u", b->nframes);
	else
		snprintf(text, sizeof(text), "%s", b->frame == 0 ? "root" : b->name);
	if (b->w > 1 || b->nframes > 1)
		cm_put(ui, y, x + b->x, w, text, e);
}

/* Scrolls so that the selected box's row shows among rows lines. */
static void follow(struct cm_pview *pv, int sel_row, int rows)
{
	if (sel_row < 0)
		return;
	if (sel_row < pv->flame_top)
		pv->flame_top = sel_row;
	if (sel_row >= pv->flame_top + rows)
		pv->flame_top = sel_row - rows + 1;
	if (pv->flame_top < 0)
		pv->flame_top = 0;
}

static void footer(struct cm_pview *pv, struct cm_ui *ui, int y, int x, int w)
{
	if (pv->mode == PV_MODE_PROMPT) {
		char buf[PV_INPUT_MAX + 32];
		snprintf(buf, sizeof(buf), "/%s", pv->input);
		int used = cm_put(ui, y, x, w - 1, buf, pv->prompt_failed ? CM_THEME_down : CM_THEME_normal);
		cm_put(ui, y, x + used, 1, "_", CM_THEME_selected);
		return;
	}
	const char *msg = cm_viewer_message(pv->v);
	const char *text = *pv->note ? pv->note : msg;
	enum cm_theme_element e = CM_THEME_down;
	if (!text) {
		text = *pv->status ? pv->status
			: "hjkl/arrows move  Enter zoom  Esc out  / search  L source  p peek  C tree  ? help";
		e = CM_THEME_dim;
	}
	cm_put(ui, y, x, w - 1, text, e);
}

void pv_draw_flame(struct cm_pview *pv, struct cm_ui *ui, int y, int x, int h, int w,
		   bool dim_others)
{
	struct cm_viewer *v = pv->v;
	int rows = h - 2;
	pv->flame_y = y + 1;
	pv->flame_x = x;
	pv->flame_h = rows;
	pv->flame_w = w;
	if (cm_viewer_flame_layout(v, w) < 0 || !cm_viewer_flame_count(v)) {
		cm_put(ui, y + 1, x, w, cm_viewer_has_profile(v) ? "(nothing to show)"
				     : "waiting for a profile...", CM_THEME_dim);
		footer(pv, ui, y + h - 1, x, w);
		return;
	}
	size_t sel = cm_viewer_flame_selected(v);
	follow(pv, sel == SIZE_MAX ? -1 : cm_viewer_flame_box(v, sel)->row, rows);
	cm_put(ui, y, x, w, cm_viewer_flame_status(v), CM_THEME_label);
	for (size_t i = 0; i < cm_viewer_flame_count(v); i++) {
		const struct cm_viewer_flame_box *b = cm_viewer_flame_box(v, i);
		int line = b->row - pv->flame_top;
		if (line >= 0 && line < rows)
			draw_box(ui, v, b, pv->flame_y + line, x, i == sel, dim_others);
	}
	if (pv->flame_top + rows < cm_viewer_flame_rows(v)) {
		char more[64];
		snprintf(more, sizeof(more), " %s %d more rows", ui->marks.more_down,
			 cm_viewer_flame_rows(v) - pv->flame_top - rows);
		cm_put_right(ui, y + h - 1, x + w - 1, w / 3, more, CM_THEME_dim);
		footer(pv, ui, y + h - 1, x, w - 1 - cm_text_width(more));
		return;
	}
	footer(pv, ui, y + h - 1, x, w);
}

int pv_flame_mouse(struct cm_pview *pv, double now)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return 0;
	int row = ev.y - pv->flame_y, col = ev.x - pv->flame_x;
	if (row < 0 || row >= pv->flame_h || col < 0 || col >= pv->flame_w)
		return 0;
	row += pv->flame_top;
	bool dbl = (ev.bstate & BUTTON1_DOUBLE_CLICKED) ||
		   ((ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) && now - pv->last_click < DOUBLE_CLICK &&
		    pv->click_row == row && pv->click_col == col);
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return 0;
	pv->last_click = now;
	pv->click_row = row;
	pv->click_col = col;
	if (!cm_viewer_flame_select_at(pv->v, row, col, now))
		return 0;
	if (dbl)
		cm_viewer_flame_zoom(pv->v, now);
	return CM_PVIEW_REDRAW;
}
