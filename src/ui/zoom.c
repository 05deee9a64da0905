/* zoom: the selected var of the selected service as a graph as tall as
 * the screen, with its max at the top, its min at the bottom and the time
 * it spans underneath. */
#include <stdio.h>
#include <string.h>

#include "cmon/monitor/spark.h"
#include "draw.h"

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
	draw_graph(ui, 2, LINES - ZOOM_CHROME, v, cell);
	cm_draw_footer(ui,
		       multi ? "Esc back  Up/Down service  Left/Right var  Space pause  ? help"
			     : "Esc back  Up/Down var  Space pause  ? help",
		       0, 0, 0, NULL);
}
