/* draw: the shared drawing pieces, the frame's dispatch, help and the
 * "terminal too small" screen. */
#include "draw.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "cmon/monitor/spark.h"

/* wide characters buffered before each addnwstr */
#define PUT_CHUNK 64

/* The next character of s (left bytes), its width in *w. Invalid bytes
 * and control characters become '?'; zero-width ones get width 0 and are
 * skipped by the callers (a combining mark with nothing before it would
 * end up on the wrong cell). Returns the bytes used, 0 at the end. */
static size_t next_char(const char *s, size_t left, mbstate_t *st, wchar_t *wc, int *w)
{
	if (!left || !*s)
		return 0;
	/* ASCII needs no conversion: numbers, names and headings are most of
	 * a frame, and mbrtowc for each of their bytes was a third of the
	 * monitor's drawing at 100 services (callgrind). */
	unsigned char c = (unsigned char)*s;
	if (c < 0x80) {
		*wc = c >= 0x20 && c < 0x7f ? (wchar_t)c : L'?';
		*w = 1;
		return 1;
	}
	size_t n = mbrtowc(wc, s, left, st);
	if (n == 0)
		return 0;
	if (n == (size_t)-1 || n == (size_t)-2) {
		memset(st, 0, sizeof(*st));
		*w = 1;
		/* Go's "µs" in a locale without µ: "us", as cm_text_clean
		 * writes it for -dummy (not "??s") */
		if (left >= 2 && !memcmp(s, "\xc2\xb5", 2)) {
			*wc = L'u';
			return 2;
		}
		*wc = L'?';
		return 1;
	}
	int cw = wcwidth(*wc);
	if (cw < 0) {
		*wc = L'?';
		cw = 1;
	}
	*w = cw;
	return n;
}

int cm_text_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t left = strlen(s), n;
	wchar_t wc;
	int cw, total = 0;
	while ((n = next_char(s, left, &st, &wc, &cw)) > 0) {
		s += n;
		left -= n;
		total += cw;
	}
	return total;
}

/* Draws the characters of s that fit in w columns at the cursor. */
static int put_clipped(const char *s, int w)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	wchar_t buf[PUT_CHUNK], wc;
	int nb = 0, used = 0, cw;
	size_t left = strlen(s), n;
	while ((n = next_char(s, left, &st, &wc, &cw)) > 0) {
		s += n;
		left -= n;
		if (!cw)
			continue;
		if (used + cw > w)
			break;
		buf[nb++] = wc;
		used += cw;
		if (nb == PUT_CHUNK) {
			addnwstr(buf, nb);
			nb = 0;
		}
	}
	if (nb)
		addnwstr(buf, nb);
	return used;
}

int cm_put(struct cm_ui *ui, int y, int x, int w, const char *s, enum cm_theme_element e)
{
	if (w <= 0 || !s || !*s)
		return 0;
	attrset(ui->style[e]);
	move(y, x);
	if (w < 2 || cm_text_width(s) <= w)
		return put_clipped(s, w);
	/* cut text ends in an ellipsis: a cut number must not pass for a
	 * smaller one */
	int used = put_clipped(s, w - 1);
	return used + put_clipped(ui->marks.ellipsis, 1);
}

int cm_put_right(struct cm_ui *ui, int y, int end, int w, const char *s,
		 enum cm_theme_element e)
{
	int tw = cm_text_width(s);
	if (tw > w)
		tw = w;
	return cm_put(ui, y, end - tw, tw, s, e);
}

void cm_fill(struct cm_ui *ui, int y, int x, int w, enum cm_theme_element e)
{
	if (w > 0)
		mvhline(y, x, ' ' | ui->style[e], w);
}

void cm_seg(struct cm_segline *l, const char *s, enum cm_theme_element e)
{
	l->x += cm_put(l->ui, l->y, l->x, l->end - l->x, s, e);
}

enum cm_look cm_look_of(const struct cm_service *s, double now)
{
	switch (s->state) {
	case CM_SVC_UP:
		return cm_service_restarted(s, now) ? CM_LOOK_RESTARTED : CM_LOOK_UP;
	case CM_SVC_DOWN:
		return CM_LOOK_DOWN;
	default:
		return CM_LOOK_WAITING;
	}
}

enum cm_theme_element cm_look_element(enum cm_look k)
{
	static const enum cm_theme_element el[] = {
		[CM_LOOK_WAITING] = CM_THEME_dim,
		[CM_LOOK_UP] = CM_THEME_up,
		[CM_LOOK_DOWN] = CM_THEME_down,
		[CM_LOOK_RESTARTED] = CM_THEME_restarted,
	};
	return el[k];
}

const char *cm_look_mark(const struct cm_ui *ui, enum cm_look k)
{
	const struct cm_ui_marks *mk = &ui->marks;
	const char *marks[] = {mk->waiting, mk->up, mk->down, mk->restarted};
	return marks[k];
}

const char *cm_look_word(enum cm_look k)
{
	static const char *const words[] = {"waiting", "up", "down", "restarted"};
	return words[k];
}

void cm_clock(char *buf, size_t len, double t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

void cm_var_label(char *buf, size_t len, const struct cm_var *v)
{
	snprintf(buf, len, v->rate ? "%s/s" : "%s", v->label);
}

const struct cm_cell *cm_cell_of(const struct cm_service *s, size_t j)
{
	return j < s->ncells ? &s->cells[j] : NULL;
}

int cm_per_cell(const struct cm_ui *ui)
{
	int p = cm_spark_per_cell(ui->opts.glyphs);
	return p > 0 ? p : 1;
}

int cm_max_spark(const struct cm_ui *ui)
{
	return CM_SERIES_CAP / cm_per_cell(ui);
}

/* The row's numbers: current value, and min/max (which *lo, *hi get) of
 * the samples its sparkline shows. false when there is nothing to graph. */
static bool row_numbers(struct cm_ui *ui, int y, const struct cm_row_layout *lay,
			const struct cm_row *r, double *lo, double *hi)
{
	char buf[128];
	if (r->cell)
		cm_format_value(buf, sizeof(buf), r->var, &r->cell->value);
	else
		snprintf(buf, sizeof(buf), "N/A");
	if (r->var->kind == CM_KIND_STRING) { /* text: all the room there is */
		cm_put(ui, y, lay->value_x, ui->cols - 1 - lay->value_x, buf, CM_THEME_value);
		return false;
	}
	cm_put_right(ui, y, lay->value_x + lay->value_w, lay->value_w, buf, CM_THEME_value);
	uint32_t n = (uint32_t)(lay->spark_w * cm_per_cell(ui));
	if (!r->cell || !n || !cm_series_minmax(&r->cell->series, n, lo, hi))
		return false;
	cm_format_in_kind(buf, sizeof(buf), r->var, *lo);
	cm_put_right(ui, y, lay->min_x + lay->mm_w, lay->mm_w, buf, CM_THEME_dim);
	cm_format_in_kind(buf, sizeof(buf), r->var, *hi);
	cm_put_right(ui, y, lay->max_x + lay->mm_w, lay->mm_w, buf, CM_THEME_dim);
	return true;
}

void cm_draw_row(struct cm_ui *ui, int y, const struct cm_row_layout *lay,
		 const struct cm_row *r)
{
	enum cm_theme_element le = r->selected ? CM_THEME_selected : CM_THEME_label;
	if (r->selected)
		cm_fill(ui, y, 0, lay->label_x + lay->label_w, le);
	cm_put(ui, y, lay->label_x, lay->label_w, r->label, le);
	double lo, hi;
	int sy = y + lay->lines - 1;
	if (row_numbers(ui, y, lay, r, &lo, &hi)) {
		char spark[CM_SPARK_BUF];
		if (r->scale) {
			lo = r->scale[0];
			hi = r->scale[1];
		}
		cm_spark_render(spark, sizeof(spark), &r->cell->series, lay->spark_w,
				ui->opts.glyphs, lo, hi, 0, 1);
		cm_put(ui, sy, lay->spark_x, lay->spark_w, spark, CM_THEME_spark);
	} else if (r->note && *r->note) {
		cm_put(ui, sy, lay->spark_x, lay->spark_w, r->note, CM_THEME_dim);
	}
}

void cm_draw_headings(struct cm_ui *ui, int y, const struct cm_row_layout *lay,
		      const char *first)
{
	char span[32], left[40];
	cm_put(ui, y, lay->label_x, lay->label_w, first, CM_THEME_label);
	cm_put_right(ui, y, lay->value_x + lay->value_w, lay->value_w, "value", CM_THEME_label);
	cm_put_right(ui, y, lay->min_x + lay->mm_w, lay->mm_w, "min", CM_THEME_label);
	cm_put_right(ui, y, lay->max_x + lay->mm_w, lay->mm_w, "max", CM_THEME_label);
	if (lay->lines != 1 || lay->spark_w < 12)
		return; /* two-line rows: the sparkline has no column to head */
	cm_view_span(span, sizeof(span),
		     lay->spark_w * cm_per_cell(ui) * ui->opts.interval);
	snprintf(left, sizeof(left), "-%s", span);
	cm_put(ui, y, lay->spark_x, lay->spark_w, left, CM_THEME_dim);
	cm_put_right(ui, y, lay->spark_x + lay->spark_w, 3, "now", CM_THEME_dim);
}

/* The bottom line: text on the left as e, the hint on the right; bar
 * fills the line with e (the side that has the keys). */
static void footer(struct cm_ui *ui, const char *text, enum cm_theme_element e, bool bar,
		   size_t top, size_t visible, size_t n, const char *what)
{
	char hint[96];
	int y = LINES - 1;
	cm_more_hint(ui, hint, sizeof(hint), top, visible, n, what);
	if (cm_text_width(hint) > ui->cols / 2)
		cm_more_hint(ui, hint, sizeof(hint), top, visible, n, NULL);
	if (bar)
		cm_fill(ui, y, 0, ui->cols, e);
	/* the last column of the last line stays empty: writing it scrolls
	 * some terminals */
	int hw = cm_put_right(ui, y, ui->cols - 1, ui->cols - 1, hint, bar ? e : CM_THEME_dim);
	int room = ui->cols - 1 - hw - (hw ? 2 : 0);
	cm_put(ui, y, 0, room, text, e);
}

void cm_draw_footer(struct cm_ui *ui, const char *keys, size_t top, size_t visible, size_t n,
		    const char *what)
{
	/* With the profile pane open, which side has the keys shows: the
	 * pane's title, or this line, drawn as a selection bar. */
	bool focus = ui->pane_open && !ui->pane_focus;
	char line[256];
	snprintf(line, sizeof(line), "p profile  %s%s", !ui->pane_open ? "" : focus ?
		 "Tab keys to the pane  " : "Tab keys here  ", keys);
	footer(ui, line, focus ? CM_THEME_selected : CM_THEME_dim, focus, top, visible, n, what);
}

void cm_draw_footer_as(struct cm_ui *ui, const char *text, enum cm_theme_element e, size_t top,
		       size_t visible, size_t n, const char *what)
{
	footer(ui, text, e, false, top, visible, n, what);
}

void cm_more_hint(const struct cm_ui *ui, char *buf, size_t len, size_t top, size_t visible,
		  size_t n, const char *what)
{
	size_t below = n > top + visible ? n - top - visible : 0;
	buf[0] = '\0';
	if (!what) { /* compact: "↑2 ↓11" */
		if (top)
			snprintf(buf, len, "%s%zu%s", ui->marks.more_up, top, below ? " " : "");
		if (below)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%zu", ui->marks.more_down,
				 below);
		return;
	}
	if (top && below)
		snprintf(buf, len, "%s %zu more  %s %zu more %s", ui->marks.more_up, top,
			 ui->marks.more_down, below, what);
	else if (top)
		snprintf(buf, len, "%s %zu more %s", ui->marks.more_up, top, what);
	else if (below)
		snprintf(buf, len, "%s %zu more %s", ui->marks.more_down, below, what);
}

void cm_draw_service_line(struct cm_ui *ui, int y, const struct cm_monitor *m, size_t i,
			  double now)
{
	const struct cm_service *s = &m->svc[i];
	char buf[160], t[16];
	enum cm_look k = cm_look_of(s, now);
	int end = ui->cols - 1;
	if (m->paused)
		end -= cm_put_right(ui, y, ui->cols - 1, 8, "PAUSED", CM_THEME_selected) + 2;
	struct cm_segline l = {ui, y, 0, end};
	cm_seg(&l, cm_look_mark(ui, k), cm_look_element(k));
	cm_seg(&l, " ", CM_THEME_title);
	cm_svc_label(buf, sizeof(buf), m, i);
	cm_seg(&l, buf, CM_THEME_title);
	cm_seg(&l, "  ", CM_THEME_normal);
	cm_seg(&l, cm_look_word(k), cm_look_element(k));
	if (k == CM_LOOK_RESTARTED) {
		cm_clock(t, sizeof(t), s->restarted_at);
		snprintf(buf, sizeof(buf), " at %s", t);
		cm_seg(&l, buf, CM_THEME_restarted);
	}
	cm_seg_timing(&l, s->last_update);
}

void cm_seg_timing(struct cm_segline *l, double last)
{
	char every[48], updated[48], t[16];
	updated[0] = '\0';
	if (last > 0) {
		cm_clock(t, sizeof(t), last);
		snprintf(updated, sizeof(updated), "  updated %s", t);
	}
	/* the interval goes first when both do not fit (beside the profile
	 * pane): the time of the last update shows that polls go on */
	cm_view_span(t, sizeof(t), l->ui->opts.interval);
	snprintf(every, sizeof(every), "  every %s", t);
	if (l->x + cm_text_width(every) + cm_text_width(updated) <= l->end || !updated[0])
		cm_seg(l, every, CM_THEME_dim);
	cm_seg(l, updated, CM_THEME_dim);
}

/* Text centred on line y. */
static void put_centred(struct cm_ui *ui, int y, const char *s)
{
	int w = cm_text_width(s);
	cm_put(ui, y, w < COLS ? (COLS - w) / 2 : 0, COLS, s, CM_THEME_down);
}

/* "terminal too small: need 40x8, have 30x5": on one line when it fits,
 * else two, else word by word, so that the sizes show on any terminal. */
static void draw_small(struct cm_ui *ui)
{
	char need[32], have[32], both[64], all[96];
	snprintf(need, sizeof(need), "need %dx%d,", CM_VIEW_MIN_COLS, CM_VIEW_MIN_ROWS);
	snprintf(have, sizeof(have), "have %dx%d", COLS, LINES);
	snprintf(both, sizeof(both), "%s %s", need, have);
	snprintf(all, sizeof(all), "terminal too small: %s", both);
	if (cm_text_width(all) < COLS) {
		put_centred(ui, LINES / 2, all);
	} else if (cm_text_width(both) < COLS && LINES >= 2) {
		put_centred(ui, LINES / 2 - 1, "terminal too small:");
		put_centred(ui, LINES / 2, both);
	} else {
		const char *parts[] = {"terminal", "too small:", need, have};
		for (int i = 0; i < 4 && i < LINES; i++)
			cm_put(ui, i, 0, COLS, parts[i], CM_THEME_down);
	}
}

/* The monitor's screen in columns 0..ui->cols-1. */
static void draw_monitor(struct cm_ui *ui, const struct cm_monitor *m, double now)
{
	if (!m->nsvc) {
		cm_put(ui, 0, 0, ui->cols - 1, "no services", CM_THEME_dim);
		cm_put(ui, 1, 0, ui->cols - 1, m->sources, CM_THEME_down); /* why, if known */
	} else if (ui->mode == CM_MODE_ZOOM && m->vars.n)
		cm_draw_zoom(ui, m, now);
	else if (m->nsvc == 1)
		cm_draw_single(ui, m, now);
	else
		cm_draw_multi(ui, m, now);
}

void cm_ui_draw_frame(struct cm_ui *ui, const struct cm_monitor *m,
		      const struct cm_prof_pane *pane, double now, double mono)
{
	ui->cols = COLS;
	ui->mono = mono;
	ui->pane_open = pane && pane->open;
	if (COLS < CM_VIEW_MIN_COLS || LINES < CM_VIEW_MIN_ROWS) {
		draw_small(ui);
		return;
	}
	if (ui->mode == CM_MODE_HELP) {
		cm_draw_help(ui);
		return;
	}
	/* the pane takes its columns first: ui->cols says what is left */
	if (!cm_draw_pane_area(ui, m, pane, mono))
		draw_monitor(ui, m, now);
	if (ui->chooser)
		cm_draw_chooser(ui, m, pane);
	if (ui->prompting) { /* the app's prompt: the bottom row, whatever it held */
		char line[sizeof(ui->prompt_label) + sizeof(ui->prompt_input) + 8];
		snprintf(line, sizeof(line), "%s%s_", ui->prompt_label, ui->prompt_input);
		move(LINES - 1, 0);
		clrtoeol();
		cm_put(ui, LINES - 1, 0, COLS - 1, line, CM_THEME_selected);
	}
}
