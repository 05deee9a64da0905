/* zoom: the selected var of the selected service as a graph as tall as
 * the screen, with its max at the top, its min at the bottom and the time
 * it spans underneath; with several services, that var for every service
 * shown, a line each, the five highest named beside the graph.
 *
 * The graph is a window on the whole run (series.h): live, or panned back
 * to a wall time that stays put as samples come; a dot one poll or many
 * (then the min..max band of each dot, said on the title line); the
 * timeline's marks (captures, restarts, outages) on the row under it,
 * and a cursor on one of them that , and . move. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmon/monitor/fleet.h"
#include "cmon/monitor/spark.h"
#include "draw.h"

/* Lines the legend names (line1..line5), and its width beside the graph. */
#define TOP_N 5
#define LEGEND_W 26

/* Rows that are not the graph: service line, var title, marks, time
 * axis, footer. */
#define ZOOM_CHROME 5
/* The coarsest zoom: 5e9 polls a dot is past any run. */
#define ZOOM_LEVEL_MAX 29
/* The colour number the single service's line is drawn in. */
#define SPARK_COLOUR 7
/* Columns for the value labels left of the graph. */
#define AXIS_W 9

/* The var's name and value; returns the column after them. */
static int draw_title(struct cm_ui *ui, int y, const struct cm_var *v,
		      const struct cm_cell *cell)
{
	char buf[400];
	struct cm_segline l = {ui, y, 1, ui->cols - 1};
	cm_var_label(buf, sizeof(buf), v);
	cm_seg(&l, buf, CM_THEME_label);
	if (strcmp(v->label, v->title)) {
		snprintf(buf, sizeof(buf), " (%s)", v->title);
		cm_seg(&l, buf, CM_THEME_dim);
	}
	cm_seg(&l, "  now ", CM_THEME_dim);
	if (cell)
		cm_format_value(buf, sizeof(buf), v, &cell->value);
	else
		snprintf(buf, sizeof(buf), "N/A");
	cm_seg(&l, buf, CM_THEME_value);
	return l.x;
}

static void axis_label(struct cm_ui *ui, int y, const struct cm_var *v, double x)
{
	char buf[64];
	cm_format_in_kind(buf, sizeof(buf), v, x);
	cm_put_right(ui, y, AXIS_W, AXIS_W, buf, CM_THEME_dim);
}

/* The rows of the TOP_N highest latest values among the services shown,
 * highest first, into top; returns how many. One pass, TOP_N compares a
 * service. */
static size_t top_rows(const struct cm_ui *ui, const struct cm_monitor *m, size_t j,
		       size_t top[TOP_N])
{
	const struct cm_svc_order *o = &ui->order;
	double val[TOP_N];
	size_t k = 0;
	for (size_t r = 0; r < o->n; r++) {
		double x;
		if (!cm_fleet_value(m, o->rows[r], j, &x))
			continue;
		size_t at = k;
		while (at > 0 && val[at - 1] < x)
			at--;
		if (at >= TOP_N)
			continue;
		size_t last = k < TOP_N ? k : TOP_N - 1;
		memmove(&val[at + 1], &val[at], (last - at) * sizeof(*val));
		memmove(&top[at + 1], &top[at], (last - at) * sizeof(*top));
		val[at] = x;
		top[at] = r;
		k += k < TOP_N;
	}
	return k;
}

/* The canvas drawn: runs of cells of one colour in one put each. */
static void put_plot(struct cm_ui *ui, int y0, int x0)
{
	static const enum cm_theme_element line_el[] = {
		CM_THEME_normal, CM_THEME_line1, CM_THEME_line2, CM_THEME_line3,
		CM_THEME_line4, CM_THEME_line5, CM_THEME_line6, CM_THEME_spark};
	const struct cm_plot *p = &ui->plot;
	char run[CM_SPARK_BUF], cell[5];
	for (int y = 0; y < p->h; y++) {
		int x = 0;
		while (x < p->w) {
			uint16_t c = cm_plot_cell(p, x, y, cell);
			size_t used = 0;
			int start = x;
			do {
				size_t cl = strlen(cell);
				if (used + cl >= sizeof(run))
					break;
				memcpy(run + used, cell, cl);
				used += cl;
				x++;
			} while (x < p->w && cm_plot_cell(p, x, y, cell) == c);
			run[used] = '\0';
			if (c) /* blank runs stay the background */
				cm_put(ui, y0 + y, x0 + start, x - start, run, line_el[c < 8 ? c : 6]);
		}
	}
}

/* "━ demo:6061  113/s" for each of the top lines, in their colours. */
static void draw_legend(struct cm_ui *ui, const struct cm_monitor *m, size_t j, int y0,
			int x, int w, const size_t *top, size_t ntop)
{
	static const enum cm_theme_element el[TOP_N] = {
		CM_THEME_line1, CM_THEME_line2, CM_THEME_line3, CM_THEME_line4, CM_THEME_line5};
	const char *dash = ui->opts.glyphs == CM_GLYPHS_ASCII ? "-" : "━";
	for (size_t k = 0; k < ntop; k++) {
		size_t i = ui->order.rows[top[k]];
		char name[160], value[64], line[256];
		double v;
		cm_svc_label(name, sizeof(name), m, i);
		cm_fleet_value(m, i, j, &v);
		cm_format_in_kind(value, sizeof(value), &m->vars.v[j], v);
		cm_put(ui, y0 + (int)k, x, 2, dash, el[k]);
		int vw = cm_put_right(ui, y0 + (int)k, x + w, w - 3, value, CM_THEME_value);
		snprintf(line, sizeof(line), "%s", name);
		cm_put(ui, y0 + (int)k, x + 2, w - 3 - vw, line,
		       i == ui->sel_svc ? CM_THEME_selected : el[k]);
	}
}

double cm_zoom_step(int level)
{
	static const double mant[3] = {1, 2, 5};
	level = level < 0 ? 0 : level > ZOOM_LEVEL_MAX ? ZOOM_LEVEL_MAX : level;
	return mant[level % 3] * pow(10, level / 3);
}

/* What the zoom draws this frame: var j's series of one service, or of
 * every service shown, in drawing order (the others first, then the top
 * five from the fifth to the first, so the highest is on top). */
struct zoom_set {
	const struct cm_ui *ui;
	const struct cm_monitor *m;
	size_t j, si;
	bool multi;
	size_t top[TOP_N], ntop;
};

typedef void (*series_fn)(void *ctx, const struct cm_series *s, uint16_t colour);

static bool in_top(const struct zoom_set *z, size_t r)
{
	for (size_t k = 0; k < z->ntop; k++)
		if (z->top[k] == r)
			return true;
	return false;
}

static void each_series(const struct zoom_set *z, series_fn f, void *ctx)
{
	if (!z->multi) {
		const struct cm_cell *c = cm_cell_of(&z->m->svc[z->si], z->j);
		if (c)
			f(ctx, &c->series, SPARK_COLOUR);
		return;
	}
	const struct cm_svc_order *o = &z->ui->order;
	for (size_t r = 0; r < o->n; r++) {
		const struct cm_cell *c = cm_cell_of(&z->m->svc[o->rows[r]], z->j);
		if (c && !in_top(z, r))
			f(ctx, &c->series, TOP_N + 1);
	}
	for (size_t k = z->ntop; k-- > 0;) {
		const struct cm_cell *c = cm_cell_of(&z->m->svc[o->rows[z->top[k]]], z->j);
		if (c)
			f(ctx, &c->series, (uint16_t)(k + 1));
	}
}

/* The run's edges: the newest sample's wall time, the oldest kept. */
struct edges {
	double newest, oldest;
	bool any;
};

static void edges_of(void *ctx, const struct cm_series *s, uint16_t colour)
{
	(void)colour;
	struct edges *e = ctx;
	if (!s->pushed || !(s->dt > 0))
		return;
	double newest = s->t_last, oldest = cm_series_time_of(s, cm_series_oldest(s));
	if (!e->any || newest > e->newest)
		e->newest = newest;
	if (!e->any || oldest < e->oldest)
		e->oldest = oldest;
	e->any = true;
}

struct ranging {
	struct cm_plot_window w;
	int dots;
	double lo, hi;
	bool any;
};

static void range_of(void *ctx, const struct cm_series *s, uint16_t colour)
{
	(void)colour;
	struct ranging *r = ctx;
	cm_plot_window_range(s, &r->w, r->dots, &r->lo, &r->hi, &r->any);
}

struct plotting {
	struct cm_plot *p;
	struct cm_plot_window w;
	double lo, hi;
	uint64_t widest;
};

static void plot_of(void *ctx, const struct cm_series *s, uint16_t colour)
{
	struct plotting *pl = ctx;
	uint64_t w = cm_plot_history(pl->p, s, &pl->w, pl->lo, pl->hi, colour);
	if (w > pl->widest)
		pl->widest = w;
}

/* The window's right edge: the wall time panned to, or the newest. */
static double zoom_right(const struct cm_zoom_view *z)
{
	return z->panned ? z->right : z->newest;
}

static double dot_seconds(const struct cm_zoom_view *z)
{
	return z->dt * cm_zoom_step(z->level);
}

/* "03:12:04", or "05/12 03:12:04" when the window spans days. */
static void clock_label(char *buf, size_t len, double t, bool date)
{
	time_t tt = (time_t)floor(t);
	struct tm tm;
	if (!localtime_r(&tt, &tm) || !strftime(buf, len, date ? "%d/%m %H:%M:%S" : "%H:%M:%S", &tm))
		snprintf(buf, len, "?");
}

static bool same_day(double a, double b)
{
	time_t ta = (time_t)floor(a), tb = (time_t)floor(b);
	struct tm x, y;
	return localtime_r(&ta, &x) && localtime_r(&tb, &y) && x.tm_yday == y.tm_yday &&
	       x.tm_year == y.tm_year;
}

/* Wall clock labels under the graph's left edge, middle and right edge. */
static void draw_time_axis(struct cm_ui *ui, int y, int gx, int gw)
{
	const struct cm_zoom_view *z = &ui->zoom;
	double right = zoom_right(z), left = right - (z->dots - 1) * dot_seconds(z);
	bool date = !same_day(left, right);
	char label[40];
	clock_label(label, sizeof label, left, date);
	int lw = cm_put(ui, y, gx, gw, label, CM_THEME_dim);
	clock_label(label, sizeof label, right, date);
	int rw = cm_put_right(ui, y, gx + gw, gw - lw - 1, label, CM_THEME_dim);
	clock_label(label, sizeof label, (left + right) / 2, date);
	int mw = cm_text_width(label), mx = gx + gw / 2 - mw / 2;
	if (mx > gx + lw + 2 && mx + mw + 2 < gx + gw - rw)
		cm_put(ui, y, mx, mw, label, CM_THEME_dim);
}

/* The cell column of wall time t in the window, or -1 outside it. */
static int column_of(const struct cm_ui *ui, double t, int gw)
{
	const struct cm_zoom_view *z = &ui->zoom;
	double i = floor((zoom_right(z) - t) / dot_seconds(z) + 0.5);
	if (!(i >= 0) || i >= z->dots)
		return -1;
	int cell = (z->dots - 1 - (int)i) / cm_per_cell(ui);
	return cell < gw ? cell : -1;
}

static const char *mark_glyph(const struct cm_ui *ui, enum cm_mark_kind k)
{
	bool ascii = ui->opts.glyphs == CM_GLYPHS_ASCII;
	switch (k) {
	case CM_MARK_CAPTURE: return ascii ? "*" : "◆";
	case CM_MARK_RESTART: return ui->marks.restarted;
	default: return ui->marks.down;
	}
}

static bool same_mark(const struct cm_mark *a, const struct cm_mark *b)
{
	return a->t == b->t && a->kind == b->kind && a->id == b->id;
}

/* Service si's marks in the window, on row y; the cursor's highlighted. */
static void draw_marks(struct cm_ui *ui, const struct cm_service *s, int y, int gx, int gw)
{
	for (uint32_t i = 0; i < s->marks.n; i++) {
		const struct cm_mark *mk = cm_marks_get(&s->marks, i);
		int x = column_of(ui, mk->t, gw);
		bool sel = ui->zoom.has_mark && same_mark(mk, &ui->zoom.mark);
		if (x >= 0)
			cm_put(ui, y, gx + x, 1, mark_glyph(ui, mk->kind),
			       sel ? CM_THEME_selected : CM_THEME_mark);
	}
}

/* "10s a dot: min..max", "1s a dot", and whether it follows the run. */
static void draw_resolution(struct cm_ui *ui, int y, int from, uint64_t widest)
{
	const struct cm_zoom_view *z = &ui->zoom;
	char dot[32], kept[32], buf[128];
	cm_view_span(dot, sizeof dot, dot_seconds(z));
	double kept_s = (double)widest * z->dt;
	if (widest > 1 && kept_s > dot_seconds(z) * 1.5) {
		cm_view_span(kept, sizeof kept, kept_s);
		snprintf(buf, sizeof buf, "%s a dot, kept as %s: min..max", dot, kept);
	} else {
		snprintf(buf, sizeof buf, "%s a dot%s", dot, widest > 1 ? ": min..max" : "");
	}
	snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "  %s",
		 z->panned ? "panned (End: live)" : "live");
	cm_put_right(ui, y, ui->cols - 1, ui->cols - 1 - from - 2, buf, CM_THEME_dim);
}

/* The graph of zs's series over the window, rows tall at y0, gw wide. */
static bool draw_window(struct cm_ui *ui, const struct zoom_set *zs, int y0, int rows, int gx,
			int gw, int title_end)
{
	const struct cm_var *v = &zs->m->vars.v[zs->j];
	struct cm_zoom_view *z = &ui->zoom;
	struct edges e = {0};
	if (v->kind == CM_KIND_STRING) {
		cm_put(ui, y0, gx, gw, "a str: var has no graph", CM_THEME_dim);
		return false;
	}
	each_series(zs, edges_of, &e);
	z->dt = zs->m->dt > 0 ? zs->m->dt : ui->opts.interval;
	z->newest = e.newest;
	z->oldest = e.oldest;
	if (!e.any || cm_plot_reset(&ui->plot, gw, rows, ui->opts.glyphs) < 0) {
		cm_put(ui, y0, gx, gw, "no samples yet", CM_THEME_dim);
		return false;
	}
	z->dots = cm_plot_dots(&ui->plot);
	struct ranging r = {{zoom_right(z), dot_seconds(z)}, z->dots, 0, 0, false};
	each_series(zs, range_of, &r);
	if (!r.any) {
		cm_put(ui, y0, gx, gw, z->panned ? "no samples in this window (End: live)"
						  : "no samples yet", CM_THEME_dim);
		return true;
	}
	struct plotting pl = {&ui->plot, r.w, r.lo, r.hi, 1};
	each_series(zs, plot_of, &pl);
	put_plot(ui, y0, gx);
	axis_label(ui, y0, v, r.hi);
	axis_label(ui, y0 + rows - 1, v, r.lo);
	if (rows >= 5)
		axis_label(ui, y0 + rows / 2, v, r.lo + (r.hi - r.lo) / 2);
	draw_resolution(ui, 1, title_end, pl.widest);
	return true;
}

/* The graph's width beside the value labels (and the legend). */
static int graph_width(const struct cm_ui *ui, int legend)
{
	int gw = ui->cols - (AXIS_W + 2) - 1 - legend;
	return gw > cm_max_spark(ui) ? cm_max_spark(ui) : gw;
}

/* "cpu 10s captured 03:12:04": what the cursor's mark is. */
static void mark_text(char *buf, size_t len, const struct cm_mark *mk)
{
	char when[40];
	clock_label(when, sizeof when, mk->t, false);
	snprintf(buf, len, "%s%s %s", mk->what, mk->kind == CM_MARK_CAPTURE ? " captured" : "",
		 when);
}

static void draw_zoom_footer(struct cm_ui *ui, bool multi)
{
	char line[256];
	if (ui->note[0]) {
		cm_draw_footer(ui, ui->note, 0, 0, 0, NULL);
		return;
	}
	if (ui->zoom.has_mark) {
		mark_text(line, 120, &ui->zoom.mark);
		snprintf(line + strlen(line), sizeof line - strlen(line), "%s  , . marks  End live",
			 ui->zoom.mark.kind == CM_MARK_CAPTURE && ui->zoom.mark.id ? "  v opens it" : "");
		cm_draw_footer(ui, line, 0, 0, 0, NULL);
		return;
	}
	cm_draw_footer(ui, multi ? "Esc back  Up/Down service  h/l var  Left/Right PgUp/PgDn "
				   "Home/End pan  -/+ zoom  , . marks  ? help"
				 : "Esc back  Up/Down var  Left/Right PgUp/PgDn Home/End pan  -/+ "
				   "zoom  , . marks  ? help",
		       0, 0, 0, NULL);
}

void cm_draw_zoom(struct cm_ui *ui, const struct cm_monitor *m, double now)
{
	bool multi = m->nsvc > 1;
	ui->sel_svc = cm_view_move(ui->sel_svc, 0, m->nsvc);
	ui->sel_var = cm_view_move(ui->sel_var, 0, m->vars.n);
	size_t si = multi ? ui->sel_svc : 0;
	const struct cm_service *s = &m->svc[si];
	const struct cm_var *v = &m->vars.v[ui->sel_var];
	const struct cm_cell *cell = cm_cell_of(s, ui->sel_var);
	int rows = LINES - ZOOM_CHROME, gx = AXIS_W + 2;

	cm_draw_service_line(ui, 0, m, si, now);
	int title_end = draw_title(ui, 1, v, cell);
	struct zoom_set zs = {.ui = ui, .m = m, .j = ui->sel_var, .si = si, .multi = multi};
	int legend = multi && ui->cols - gx - 1 >= 60 ? LEGEND_W + 1 : 0, gw = graph_width(ui, legend);
	if (multi) {
		/* the rows the table shows (its order; held while moving) */
		cm_svc_order_update(&ui->order, m, ui->mono, false);
		zs.ntop = top_rows(ui, m, ui->sel_var, zs.top);
	}
	if (rows > 0 && gw > 0 && draw_window(ui, &zs, 2, rows, gx, gw, title_end)) {
		draw_marks(ui, s, 2 + rows, gx, gw);
		draw_time_axis(ui, 3 + rows, gx, gw);
		if (legend)
			draw_legend(ui, m, ui->sel_var, 2, gx + gw + 2, LEGEND_W - 1, zs.top, zs.ntop);
		else if (multi && zs.ntop) /* narrow: the highest only, over the graph's top right */
			draw_legend(ui, m, ui->sel_var, 2, gx + gw - (LEGEND_W - 1), LEGEND_W - 1,
				    zs.top, 1);
	}
	draw_zoom_footer(ui, multi);
}

/* ---- the zoom's keys ---- */

/* The right edge at r: live again at or past the newest sample, never
 * before the oldest. */
static void set_right(struct cm_zoom_view *z, double r)
{
	if (!(r < z->newest)) {
		z->panned = false;
		return;
	}
	z->panned = true;
	z->right = r > z->oldest ? r : z->oldest;
}

/* Moves the window by dots dots (negative: back in time). */
static void pan(struct cm_zoom_view *z, double dots)
{
	set_right(z, zoom_right(z) + dots * dot_seconds(z));
}

/* The mark before (dir < 0) or after the cursor in the ring (time
 * order); without a cursor (or once its mark left the ring), the newest
 * at the window's right edge or the oldest after it. */
static const struct cm_mark *mark_step(const struct cm_marks *ms, const struct cm_zoom_view *z,
				       int dir)
{
	for (uint32_t i = 0; z->has_mark && i < ms->n; i++) {
		if (!same_mark(cm_marks_get(ms, i), &z->mark))
			continue;
		if (dir < 0)
			return i ? cm_marks_get(ms, i - 1) : NULL;
		return cm_marks_get(ms, i + 1);
	}
	double right = zoom_right(z);
	if (dir < 0)
		return cm_marks_near(ms, right + dot_seconds(z) / 2, -1, -1);
	return cm_marks_near(ms, right + dot_seconds(z) / 2, 1, -1);
}

/* , and .: the cursor to the previous or next mark of the service shown,
 * the window moved to show it. */
static void to_mark(struct cm_ui *ui, const struct cm_monitor *m, int dir)
{
	struct cm_zoom_view *z = &ui->zoom;
	if (!m->nsvc)
		return;
	const struct cm_service *s = &m->svc[m->nsvc > 1 ? ui->sel_svc : 0];
	const struct cm_mark *mk = mark_step(&s->marks, z, dir);
	if (!mk) {
		snprintf(ui->note, sizeof ui->note, "no %s mark on this service's timeline",
			 dir < 0 ? "earlier" : "later");
		return;
	}
	z->mark = *mk;
	z->has_mark = true;
	double width = z->dots * dot_seconds(z), right = zoom_right(z);
	if (mk->t > right + dot_seconds(z) / 2 || mk->t <= right - width)
		set_right(z, mk->t + width / 2);
}

/* V: the first marks the span's start at the cursor (the mark chosen
 * with , and ., else the window's right edge), the second asks the app
 * for the selected service's CPU captures within the span, merged. */
static int span_key(struct cm_ui *ui, const struct cm_monitor *m, struct cm_pane_request *req)
{
	struct cm_zoom_view *z = &ui->zoom;
	char t[16];
	if (!m->nsvc)
		return CM_UI_DIRTY;
	double at = z->has_mark ? z->mark.t : zoom_right(z);
	if (!ui->span_start) {
		ui->span_start = at;
		cm_clock(t, sizeof t, at);
		snprintf(ui->note, sizeof ui->note, "span from %s: V again ends it (at the cursor)", t);
		return CM_UI_DIRTY;
	}
	req->what = CM_PANE_REQ_SPAN;
	req->svc = m->nsvc > 1 ? ui->sel_svc : 0;
	req->t0 = ui->span_start;
	req->t1 = at;
	ui->span_start = 0;
	return CM_UI_DIRTY | CM_UI_PANE;
}

int cm_zoom_act(struct cm_ui *ui, const struct cm_monitor *m, enum cm_ui_action a,
		struct cm_pane_request *req)
{
	struct cm_zoom_view *z = &ui->zoom;
	ui->note[0] = '\0';
	double page = z->dots > 1 ? z->dots : 1, cell = cm_per_cell(ui);
	switch (a) {
	case CM_ACT_ZOOM_BACK: pan(z, -cell); break;
	case CM_ACT_ZOOM_FORWARD: pan(z, cell); break;
	case CM_ACT_ZOOM_PAGE_BACK: pan(z, -page); break;
	case CM_ACT_ZOOM_PAGE_FORWARD: pan(z, page); break;
	case CM_ACT_ZOOM_OLDEST: set_right(z, z->oldest + (page - 1) * dot_seconds(z)); break;
	case CM_ACT_ZOOM_LIVE:
		z->panned = false;
		z->has_mark = false;
		break;
	case CM_ACT_ZOOM_OUT:
		/* as far as the whole run on one screen */
		if (z->level < ZOOM_LEVEL_MAX && page * dot_seconds(z) < z->newest - z->oldest + z->dt)
			z->level++;
		break;
	case CM_ACT_ZOOM_IN:
		if (z->level > 0)
			z->level--;
		break;
	case CM_ACT_ZOOM_PREV_MARK:
	case CM_ACT_ZOOM_NEXT_MARK:
		to_mark(ui, m, a == CM_ACT_ZOOM_PREV_MARK ? -1 : 1);
		break;
	case CM_ACT_ZOOM_OPEN_MARK:
		if (!z->has_mark || z->mark.kind != CM_MARK_CAPTURE || !z->mark.id) {
			snprintf(ui->note, sizeof ui->note, "no capture at the cursor: , and . choose a "
				 "mark");
			break;
		}
		req->what = CM_PANE_REQ_CAPTURE;
		req->id = z->mark.id;
		return CM_UI_DIRTY | CM_UI_PANE;
	case CM_ACT_ZOOM_SPAN:
		return span_key(ui, m, req);
	default:
		return 0;
	}
	return CM_UI_DIRTY;
}
