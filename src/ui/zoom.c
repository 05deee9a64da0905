/* zoom: the selected var of the selected service as a graph as tall as
 * the screen, with its max at the top, its min at the bottom and the time
 * it spans underneath; with several services, that var for every service
 * shown, a line each, the five highest named beside the graph. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmon/monitor/fleet.h"
#include "cmon/monitor/spark.h"
#include "draw.h"

/* Lines the legend names (line1..line5), and its width beside the graph. */
#define TOP_N 5
#define LEGEND_W 26

/* Rows that are not the graph: service line, var title, time axis, footer. */
#define ZOOM_CHROME 4
/* Columns for the value labels left of the graph. */
#define AXIS_W 9

static void draw_title(struct cm_ui *ui, int y, const struct cm_var *v,
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
}

/* "-3m20s" under the graph's left edge, the middle's time when there is
 * room, "now" under its right edge. */
static void draw_time_axis(struct cm_ui *ui, int y, int gx, int gw)
{
	char span[32], label[40];
	double seconds = gw * cm_per_cell(ui) * ui->opts.interval;
	cm_view_span(span, sizeof(span), seconds);
	snprintf(label, sizeof(label), "-%s", span);
	int lw = cm_put(ui, y, gx, gw, label, CM_THEME_dim);
	int nw = cm_put_right(ui, y, gx + gw, 3, "now", CM_THEME_dim);
	cm_view_span(span, sizeof(span), seconds / 2);
	snprintf(label, sizeof(label), "-%s", span);
	int mw = cm_text_width(label), mx = gx + gw / 2 - mw / 2;
	if (mx > gx + lw + 2 && mx + mw + 2 < gx + gw - nw)
		cm_put(ui, y, mx, mw, label, CM_THEME_dim);
}

static void axis_label(struct cm_ui *ui, int y, const struct cm_var *v, double x)
{
	char buf[64];
	cm_format_in_kind(buf, sizeof(buf), v, x);
	cm_put_right(ui, y, AXIS_W, AXIS_W, buf, CM_THEME_dim);
}

static void draw_graph(struct cm_ui *ui, int y0, int rows, const struct cm_var *v,
		       const struct cm_cell *cell)
{
	int gx = AXIS_W + 2;
	int gw = ui->cols - gx - 1;
	if (gw > cm_max_spark(ui))
		gw = cm_max_spark(ui);
	double lo, hi;
	if (v->kind == CM_KIND_STRING) {
		cm_put(ui, y0, gx, gw, "a str: var has no graph", CM_THEME_dim);
		return;
	}
	uint32_t n = (uint32_t)(gw * cm_per_cell(ui));
	if (!cell || !cm_series_minmax(&cell->series, n, &lo, &hi)) {
		cm_put(ui, y0, gx, gw, "no samples yet", CM_THEME_dim);
		return;
	}
	char row[CM_SPARK_BUF];
	for (int r = 0; r < rows; r++) {
		cm_spark_render(row, sizeof(row), &cell->series, gw, ui->opts.glyphs, lo, hi, r,
				rows);
		cm_put(ui, y0 + r, gx, gw, row, CM_THEME_spark);
	}
	axis_label(ui, y0, v, hi);
	axis_label(ui, y0 + rows - 1, v, lo);
	if (rows >= 5)
		axis_label(ui, y0 + rows / 2, v, lo + (hi - lo) / 2);
	draw_time_axis(ui, y0 + rows, gx, gw);
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
		CM_THEME_line4, CM_THEME_line5, CM_THEME_line6};
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
				cm_put(ui, y0 + y, x0 + start, x - start, run, line_el[c < 7 ? c : 6]);
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

/* Every shown service's line of var j: the others first in line6, then
 * the top five from the fifth to the first, so the highest is on top. */
static void draw_fleet_graph(struct cm_ui *ui, const struct cm_monitor *m, int y0, int rows,
			     size_t j)
{
	const struct cm_var *v = &m->vars.v[j];
	int gx = AXIS_W + 2, legend = ui->cols - gx - 1 >= 60 ? LEGEND_W + 1 : 0;
	int gw = ui->cols - gx - 1 - legend;
	gw = gw > cm_max_spark(ui) ? cm_max_spark(ui) : gw;
	double lo, hi;
	uint32_t n = (uint32_t)(gw * cm_per_cell(ui));
	if (v->kind == CM_KIND_STRING || !cm_fleet_window_range(m, ui->order.rows, ui->order.n, j, n, &lo, &hi) ||
	    cm_plot_reset(&ui->plot, gw, rows, ui->opts.glyphs) < 0) {
		cm_put(ui, y0, gx, gw, v->kind == CM_KIND_STRING ? "a str: var has no graph"
								 : "no samples yet", CM_THEME_dim);
		return;
	}
	size_t top[TOP_N], ntop = top_rows(ui, m, j, top);
	for (size_t r = 0; r < ui->order.n; r++) {
		bool t = false;
		for (size_t k = 0; k < ntop; k++)
			t |= top[k] == r;
		const struct cm_cell *c = cm_cell_of(&m->svc[ui->order.rows[r]], j);
		if (!t && c)
			cm_plot_series(&ui->plot, &c->series, lo, hi, TOP_N + 1);
	}
	for (size_t k = ntop; k-- > 0;) {
		const struct cm_cell *c = cm_cell_of(&m->svc[ui->order.rows[top[k]]], j);
		if (c)
			cm_plot_series(&ui->plot, &c->series, lo, hi, (uint16_t)(k + 1));
	}
	put_plot(ui, y0, gx);
	axis_label(ui, y0, v, hi);
	axis_label(ui, y0 + rows - 1, v, lo);
	if (rows >= 5)
		axis_label(ui, y0 + rows / 2, v, lo + (hi - lo) / 2);
	draw_time_axis(ui, y0 + rows, gx, gw);
	if (legend)
		draw_legend(ui, m, j, y0, gx + gw + 2, LEGEND_W - 1, top, ntop);
	else if (ntop) /* narrow: the highest only, over the graph's top right */
		draw_legend(ui, m, j, y0, gx + gw - (LEGEND_W - 1), LEGEND_W - 1, top, 1);
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

	cm_draw_service_line(ui, 0, m, si, now);
	draw_title(ui, 1, v, cell);
	if (multi) {
		/* the rows the table shows (its order; held while moving) */
		cm_svc_order_update(&ui->order, m, ui->mono, false);
		draw_fleet_graph(ui, m, 2, LINES - ZOOM_CHROME, ui->sel_var);
	}
	else
		draw_graph(ui, 2, LINES - ZOOM_CHROME, v, cell);
	if (ui->note[0]) /* a key's answer: V's span, a capture's news */
		cm_draw_footer_as(ui, ui->note, CM_THEME_dim, 0, 0, 0, NULL);
	else
		cm_draw_footer(ui,
			       multi ? "Esc back  Up/Down service  Left/Right var  Space pause  ? help"
				     : "Esc back  Up/Down var  Space pause  ? help",
			       0, 0, 0, NULL);
}
