/* lists: the two main screens. One service: every var as a row with its
 * sparkline. Several: a table (a row per service, a column per var) over
 * the selected var's sparklines, one per service. Both scroll to follow
 * the selection and say how much is out of view. */
#include <stdio.h>
#include <string.h>

#include "draw.h"

#define KEYS_LINE "q quit  ? help  Enter zoom  Space pause"

/* Rows above and below a list: single: header (2) + headings + footer;
 * several: header + table headings + sparkline title and headings +
 * footer. */
#define SINGLE_CHROME 4
#define MULTI_CHROME 5

/* Widths a column of names or values may take on the several-services
 * table: wide enough for "1023.5MB" or "PauseTotalNs", narrow enough
 * for many columns. */
#define NAME_W_MIN 8
#define NAME_W_MAX 20
#define COL_W_MIN 8
#define COL_W_MAX 14

static int clampi(int x, int lo, int hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static int widest_label(const struct cm_monitor *m)
{
	char label[160];
	int w = 0;
	for (size_t j = 0; j < m->vars.n; j++) {
		cm_var_label(label, sizeof(label), &m->vars.v[j]);
		int lw = cm_text_width(label);
		w = lw > w ? lw : w;
	}
	return w;
}

static int widest_name(const struct cm_monitor *m)
{
	char name[160];
	int w = 0;
	for (size_t i = 0; i < m->nsvc; i++) {
		cm_svc_label(name, sizeof(name), m, i);
		int nw = cm_text_width(name);
		w = nw > w ? nw : w;
	}
	return w;
}

/* The widest host name over the table's headings. */
static int widest_host(const struct cm_svc_order *o, const struct cm_monitor *m)
{
	int w = 0;
	for (size_t l = 0; l < o->nlines; l++) {
		if (!o->lines[l].heading)
			continue;
		int hw = cm_text_width(cm_svc_host(m, o->rows[o->lines[l].row]));
		w = hw > w ? hw : w;
	}
	return w;
}

/* Why a cell has nothing to draw, when the monitor knows. */
static const char *cell_note(const struct cm_service *s, const struct cm_var *v)
{
	if (v->kind == CM_KIND_STRING)
		return NULL;
	if (v->source == CM_SOURCE_GOROUTINES && s->count_error[0][0])
		return s->count_error[0];
	if (v->source == CM_SOURCE_THREADS && s->count_error[1][0])
		return s->count_error[1];
	return NULL;
}

/* The ssh tunnels' state ("ssh app2: up"), when the app has any, a
 * followed list's trouble ("ports.txt:3: bad ...; last list kept") and the
 * app's note (a recording's trouble, a replay's position). */
static void seg_tunnels(struct cm_segline *l, const struct cm_monitor *m)
{
	if (m->tunnels[0]) {
		cm_seg(l, "  ", CM_THEME_normal);
		cm_seg(l, m->tunnels, m->tunnels_bad ? CM_THEME_down : CM_THEME_dim);
	}
	if (m->sources[0]) {
		cm_seg(l, "  ", CM_THEME_normal);
		cm_seg(l, m->sources, CM_THEME_down);
	}
	if (m->note[0]) {
		cm_seg(l, "  ", CM_THEME_normal);
		cm_seg(l, m->note, m->note_bad ? CM_THEME_down : CM_THEME_label);
	}
}

/* The single service's second header line: where it is, what is wrong
 * with it, and its ssh tunnel. */
static void draw_detail(struct cm_ui *ui, int y, const struct cm_monitor *m, double now)
{
	const struct cm_service *s = &m->svc[0];
	char buf[224];
	struct cm_segline l = {ui, y, 2, ui->cols - 1};
	cm_seg(&l, s->target->display, CM_THEME_dim);
	cm_seg(&l, "  ", CM_THEME_normal);
	switch (cm_look_of(s, now)) {
	case CM_LOOK_DOWN:
		snprintf(buf, sizeof(buf), "down: %s", s->error);
		cm_seg(&l, buf, CM_THEME_down);
		break;
	case CM_LOOK_WAITING:
		cm_seg(&l, "waiting for the first answer", CM_THEME_dim);
		break;
	case CM_LOOK_RESTARTED:
		cm_seg(&l, "a new process answers", CM_THEME_restarted);
		break;
	default:
		break;
	}
	seg_tunnels(&l, m);
}

/* The footer: the keys, or, while a var the person named is on no
 * service, that line instead (a typo is the likeliest reason for N/A). */
static void draw_footer(struct cm_ui *ui, const struct cm_monitor *m, size_t top, size_t visible,
			size_t n, const char *what)
{
	char missing[320];
	bool miss = cm_monitor_missing_var(m, 0, missing, sizeof(missing));
	if (miss)
		cm_draw_footer_as(ui, missing, CM_THEME_down, top, visible, n, what);
	else
		cm_draw_footer(ui, KEYS_LINE, top, visible, n, what);
}

void cm_draw_single(struct cm_ui *ui, const struct cm_monitor *m, double now)
{
	const struct cm_service *s = &m->svc[0];
	size_t n = m->vars.n;
	struct cm_row_layout lay = cm_view_row_layout(ui->cols, widest_label(m), cm_max_spark(ui));
	size_t visible = (size_t)((LINES - SINGLE_CHROME) / lay.lines);

	cm_draw_service_line(ui, 0, m, 0, now);
	draw_detail(ui, 1, m, now);
	cm_draw_headings(ui, 2, &lay, "var");
	ui->sel_var = cm_view_move(ui->sel_var, 0, n);
	ui->top_var = cm_view_follow(ui->top_var, ui->sel_var, visible, n);
	ui->page = visible;
	if (!n)
		cm_put(ui, 3, 1, ui->cols - 2, "waiting for the service's vars", CM_THEME_dim);
	for (size_t i = ui->top_var; i < n && i - ui->top_var < visible; i++) {
		const struct cm_var *v = &m->vars.v[i];
		char label[160];
		cm_var_label(label, sizeof(label), v);
		struct cm_row r = {label, v, cm_cell_of(s, i), cell_note(s, v), i == ui->sel_var, NULL};
		cm_draw_row(ui, 3 + (int)(i - ui->top_var) * lay.lines, &lay, &r);
	}
	if (ui->note[0])
		cm_draw_footer_as(ui, ui->note, CM_THEME_dim, ui->top_var, visible, n, "vars");
	else
		draw_footer(ui, m, ui->top_var, visible, n, "vars");
}

/* The several-services screen's geometry for this frame. */
struct multi_geom {
	int name_w;           /* service name column */
	int col_x, col_w;     /* first var column, width of each */
	size_t ncols;         /* var columns that fit */
	bool totals;          /* a totals row under the headings */
	int body_y;           /* the table's first service (or host) line */
	struct cm_multi_split split; /* table_rows: the lines after the totals */
	struct cm_row_layout lay; /* the sparkline rows */
};

/* The totals row only when the screen has room for it beside a few
 * services and a sparkline (not on the smallest terminals). */
#define TOTALS_MIN_AVAIL 6
/* Columns the heat map's ranges are kept for: wider than any terminal. */
#define HEAT_COLS_MAX 128

/* Call after the order's update: the table has its lines. */
static struct multi_geom multi_geom(struct cm_ui *ui, const struct cm_monitor *m)
{
	struct multi_geom g;
	g.name_w = clampi(widest_name(m), NAME_W_MIN, NAME_W_MAX);
	if (cm_svc_order_grouped(&ui->order)) /* the hosts' headings start 2 columns left */
		g.name_w = clampi(widest_host(&ui->order, m) - 2, g.name_w, NAME_W_MAX);
	g.col_x = 2 + g.name_w + 1;
	g.col_w = clampi(widest_label(m) + 2, COL_W_MIN, COL_W_MAX);
	int room = ui->cols - 1 - g.col_x;
	g.ncols = room > g.col_w ? (size_t)(room / g.col_w) : 1;
	g.ncols = g.ncols > HEAT_COLS_MAX ? HEAT_COLS_MAX : g.ncols;
	g.lay = cm_view_row_layout(ui->cols, g.name_w, cm_max_spark(ui));
	int avail = LINES - MULTI_CHROME;
	g.totals = avail >= TOTALS_MIN_AVAIL;
	g.body_y = 2 + g.totals;
	g.split = cm_view_multi_split(avail - g.totals, ui->order.nlines ? ui->order.nlines : 1,
				      g.lay.lines);
	return g;
}

/* Each shown var column's range over the services shown, for the heat
 * map: one pass over the rows a column. */
struct heat {
	bool on[HEAT_COLS_MAX];
	double lo[HEAT_COLS_MAX], hi[HEAT_COLS_MAX];
};

static void heat_ranges(struct heat *h, const struct cm_ui *ui, const struct cm_monitor *m,
			const struct multi_geom *g)
{
	for (size_t c = 0; c < g->ncols; c++) {
		size_t j = ui->left_var + c;
		h->on[c] = ui->heat && j < m->vars.n &&
			   cm_fleet_range(m, ui->order.rows, ui->order.n, j, &h->lo[c], &h->hi[c]);
	}
}

/* The element a cell of column c with value x is drawn in. */
static enum cm_theme_element heat_element(const struct heat *h, size_t c, double x)
{
	static const enum cm_theme_element steps[CM_HEAT_STEPS + 1] = {
		CM_THEME_value, CM_THEME_heat1, CM_THEME_heat2, CM_THEME_heat3, CM_THEME_heat4};
	return h->on[c] ? steps[cm_heat_step(x, h->lo[c], h->hi[c])] : CM_THEME_value;
}

/* "  /demo:1/ 3 matches": the search and how many rows shown it marks. */
static void seg_search(struct cm_segline *l, const struct cm_ui *ui, const struct cm_monitor *m)
{
	const struct cm_svc_order *o = &ui->order;
	if (!o->search)
		return;
	size_t hits = 0;
	char buf[320];
	for (size_t r = 0; r < o->n; r++)
		hits += cm_svc_order_hit(o, m, o->rows[r]);
	snprintf(buf, sizeof(buf), "  /%s/ %zu match%s", o->search_text, hits, hits == 1 ? "" : "es");
	cm_seg(l, buf, CM_THEME_match);
}

static void draw_header(struct cm_ui *ui, const struct cm_monitor *m, double now)
{
	size_t count[4] = {0};
	double last = 0;
	char buf[96];
	for (size_t i = 0; i < m->nsvc; i++) {
		count[cm_look_of(&m->svc[i], now)]++;
		last = m->svc[i].last_update > last ? m->svc[i].last_update : last;
	}
	int end = ui->cols - 1;
	if (m->paused)
		end -= cm_put_right(ui, 0, ui->cols - 1, 8, "PAUSED", CM_THEME_selected) + 2;
	struct cm_segline l = {ui, 0, 0, end};
	int w;
	if (ui->order.filter)
		w = snprintf(buf, sizeof(buf), "cmon  %zu of %zu services", ui->order.n, m->nsvc);
	else
		w = snprintf(buf, sizeof(buf), "cmon  %zu services", m->nsvc);
	if (cm_svc_order_grouped(&ui->order) && w > 0 && (size_t)w < sizeof(buf))
		snprintf(buf + w, sizeof(buf) - (size_t)w, " on %zu hosts", ui->order.ngroups);
	cm_seg(&l, buf, CM_THEME_title);
	cm_svc_order_describe(&ui->order, m, buf, sizeof(buf));
	if (*buf) {
		cm_seg(&l, "  ", CM_THEME_title);
		cm_seg(&l, buf, CM_THEME_label);
	}
	seg_search(&l, ui, m);
	static const enum cm_look order[] = {CM_LOOK_UP, CM_LOOK_DOWN, CM_LOOK_RESTARTED,
					      CM_LOOK_WAITING};
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		enum cm_look k = order[o];
		if (!count[k])
			continue;
		snprintf(buf, sizeof(buf), "  %zu %s", count[k], cm_look_word(k));
		cm_seg(&l, buf, cm_look_element(k));
	}
	seg_tunnels(&l, m);
	cm_seg_timing(&l, last);
}

static void draw_table_headings(struct cm_ui *ui, const struct cm_monitor *m,
				const struct multi_geom *g)
{
	cm_put(ui, 1, 2, g->name_w, "service", CM_THEME_label);
	for (size_t c = 0; c < g->ncols && ui->left_var + c < m->vars.n; c++) {
		size_t j = ui->left_var + c;
		int x = g->col_x + (int)c * g->col_w;
		enum cm_theme_element e = j == ui->sel_var ? CM_THEME_selected : CM_THEME_label;
		char label[160];
		cm_var_label(label, sizeof(label), &m->vars.v[j]);
		if (j == ui->sel_var)
			cm_fill(ui, 1, x + 1, g->col_w - 1, e);
		cm_put_right(ui, 1, x + g->col_w, g->col_w - 1, label, e);
	}
}

static void draw_table_row(struct cm_ui *ui, int y, const struct cm_monitor *m, size_t i,
			   const struct multi_geom *g, const struct heat *h, double now)
{
	const struct cm_service *s = &m->svc[i];
	enum cm_look k = cm_look_of(s, now);
	bool sel = i == ui->sel_svc;
	cm_put(ui, y, 0, 1, cm_look_mark(ui, k), cm_look_element(k));
	if (sel)
		cm_fill(ui, y, 1, g->name_w + 2, CM_THEME_selected);
	if (cm_service_recent_capture(s, now)) /* a trigger fired on it lately */
		cm_put(ui, y, 1, 1, ui->marks.captured, sel ? CM_THEME_selected : CM_THEME_restarted);
	char name[160];
	cm_svc_label(name, sizeof(name), m, i);
	enum cm_theme_element ne = cm_svc_order_hit(&ui->order, m, i) ? CM_THEME_match
								       : CM_THEME_normal;
	cm_put(ui, y, 2, g->name_w, name, sel ? CM_THEME_selected : ne);
	if (k == CM_LOOK_DOWN) { /* the reason matters more than stale values */
		char buf[224];
		snprintf(buf, sizeof(buf), "down: %s", s->error);
		cm_put(ui, y, g->col_x + 1, ui->cols - 2 - g->col_x, buf, CM_THEME_down);
		return;
	}
	for (size_t c = 0; c < g->ncols && ui->left_var + c < m->vars.n; c++) {
		size_t j = ui->left_var + c;
		const struct cm_cell *cell = cm_cell_of(s, j);
		char buf[128];
		int x = g->col_x + (int)c * g->col_w;
		if (cell)
			cm_format_value(buf, sizeof(buf), &m->vars.v[j], &cell->value);
		else
			snprintf(buf, sizeof(buf), "N/A");
		double v;
		enum cm_theme_element e = cm_fleet_value(m, i, j, &v) ? heat_element(h, c, v)
								      : CM_THEME_value;
		if (sel && j == ui->sel_var)
			e = CM_THEME_selected;
		if (e != CM_THEME_value) /* a shade, or the selection: the whole cell */
			cm_fill(ui, y, x + 1, g->col_w - 1, e);
		cm_put_right(ui, y, x + g->col_w, g->col_w - 1, buf, e);
	}
}

/* The totals of services rows[0..n) in the var columns: counters and
 * rates summed (marked when gauges are not), gauges as ui->gauges says. */
static void draw_total_cells(struct cm_ui *ui, int y, const struct cm_monitor *m,
			     const struct multi_geom *g, const size_t *rows, size_t n)
{
	for (size_t c = 0; c < g->ncols && ui->left_var + c < m->vars.n; c++) {
		size_t j = ui->left_var + c;
		struct cm_total t = cm_fleet_total(m, rows, n, j, ui->gauges);
		if (!t.count)
			continue;
		char num[96], buf[128];
		cm_format_in_kind(num, sizeof(num), &m->vars.v[j], t.value);
		snprintf(buf, sizeof(buf), "%s%s", t.agg != ui->gauges ? ui->marks.sum : "", num);
		cm_put_right(ui, y, g->col_x + (int)(c + 1) * g->col_w, g->col_w - 1, buf,
			     CM_THEME_title);
	}
}

/* The row under the headings: every service shown, totalled. */
static void draw_totals(struct cm_ui *ui, int y, const struct cm_monitor *m,
			const struct multi_geom *g)
{
	char label[64];
	snprintf(label, sizeof(label), "%s of %zu", cm_agg_name(ui->gauges), ui->order.n);
	cm_put(ui, y, 2, g->name_w, label, CM_THEME_title);
	draw_total_cells(ui, y, m, g, ui->order.rows, ui->order.n);
}

/* A host's heading, grouped: its name, its services, their totals. */
static void draw_group_heading(struct cm_ui *ui, int y, const struct cm_monitor *m,
			       const struct multi_geom *g, const struct cm_svc_line *l)
{
	const size_t *rows = ui->order.rows + l->row;
	cm_put(ui, y, 0, g->col_x - 1, cm_svc_host(m, rows[0]), CM_THEME_label);
	draw_total_cells(ui, y, m, g, rows, l->n);
}

/* What of the table is out of view: "↑ 2 more  ↓ 3 more services  ← 1
 * → 4 more vars", or compact ("↑2 ↓3 ←1 →4") when that takes more than
 * half the line. */
static void table_hint(struct cm_ui *ui, char *buf, size_t len, const struct cm_monitor *m,
		       const struct multi_geom *g)
{
	char vert[96], horiz[64];
	size_t left = ui->left_var, nv = m->vars.n;
	size_t right = nv > left + g->ncols ? nv - left - g->ncols : 0;
	const struct cm_ui_marks *mk = &ui->marks;
	for (int compact = 0; compact < 2; compact++) {
		cm_more_hint(ui, vert, sizeof(vert), ui->top_svc, (size_t)g->split.table_rows,
			     ui->order.nlines, compact ? NULL : "rows");
		horiz[0] = '\0';
		if (compact && left && right)
			snprintf(horiz, sizeof(horiz), "%s%zu %s%zu", mk->more_left, left,
				 mk->more_right, right);
		else if (compact && (left || right))
			snprintf(horiz, sizeof(horiz), "%s%zu", left ? mk->more_left : mk->more_right,
				 left ? left : right);
		else if (left && right)
			snprintf(horiz, sizeof(horiz), "%s %zu  %s %zu more vars", mk->more_left,
				 left, mk->more_right, right);
		else if (left || right)
			snprintf(horiz, sizeof(horiz), "%s %zu more vars",
				 left ? mk->more_left : mk->more_right, left ? left : right);
		snprintf(buf, len, "%s%s%s", vert, *vert && *horiz ? "  " : "", horiz);
		if (cm_text_width(buf) <= ui->cols / 2)
			return;
	}
}

/* One scale for the selected var's sparklines: the lowest and highest
 * sample any shown service has in the window they draw, so a busy
 * service's line stands tall beside an idle one's. False when none has a
 * sample. */
static bool shared_scale(const struct cm_ui *ui, const struct cm_monitor *m,
			 const struct multi_geom *g, double scale[2])
{
	uint32_t n = (uint32_t)(g->lay.spark_w * cm_per_cell(ui));
	return cm_fleet_window_range(m, ui->order.rows, ui->order.n, ui->sel_var, n, &scale[0],
				     &scale[1]);
}

/* The line between the table and the sparklines: which var they show,
 * and what of the table is out of view. */
static void draw_spark_title(struct cm_ui *ui, int y, const struct cm_monitor *m,
			     const struct multi_geom *g)
{
	char hint[192];
	table_hint(ui, hint, sizeof(hint), m, g);
	int hw = cm_put_right(ui, y, ui->cols - 1, ui->cols - 1, hint, CM_THEME_dim);
	if (!m->vars.n)
		return;
	const struct cm_var *v = &m->vars.v[ui->sel_var];
	char label[160], title[400], range[128] = "", lo[48], hi[48];
	cm_var_label(label, sizeof(label), v);
	double scale[2];
	if (ui->own_scale) {
		snprintf(range, sizeof(range), ", each its own range (e: one scale)");
	} else if (v->kind != CM_KIND_STRING && shared_scale(ui, m, g, scale)) {
		cm_format_in_kind(lo, sizeof(lo), v, scale[0]);
		cm_format_in_kind(hi, sizeof(hi), v, scale[1]);
		snprintf(range, sizeof(range), ", one scale %s to %s", lo, hi);
	}
	if (strcmp(v->label, v->title))
		snprintf(title, sizeof(title), "%s (%s) per service%s", label, v->title, range);
	else
		snprintf(title, sizeof(title), "%s per service%s", label, range);
	cm_put(ui, y, 1, ui->cols - 2 - hw - (hw ? 2 : 0), title, CM_THEME_title);
}

static void draw_sparks(struct cm_ui *ui, int y0, const struct cm_monitor *m,
			const struct multi_geom *g, size_t visible)
{
	if (!m->vars.n)
		return;
	const struct cm_var *v = &m->vars.v[ui->sel_var];
	const struct cm_svc_order *o = &ui->order;
	double scale[2];
	bool shared = !ui->own_scale && shared_scale(ui, m, g, scale);
	for (size_t row = ui->top_spark; row < o->n && row - ui->top_spark < visible; row++) {
		size_t i = o->rows[row];
		const struct cm_service *s = &m->svc[i];
		char name[160];
		cm_svc_label(name, sizeof(name), m, i);
		struct cm_row r = {name, v, cm_cell_of(s, ui->sel_var), cell_note(s, v),
				   i == ui->sel_svc, shared ? scale : NULL};
		cm_draw_row(ui, y0 + (int)(row - ui->top_spark) * g->lay.lines, &g->lay, &r);
	}
}

/* The rows of this frame (sorted, filtered; held while the person moves),
 * and the row of the selected service, which moves to the first row when
 * the filter hid it. */
static size_t select_row(struct cm_ui *ui, const struct cm_monitor *m)
{
	cm_svc_order_update(&ui->order, m, ui->mono, ui->order_changed);
	ui->order_changed = false;
	size_t row = cm_svc_order_row_of(&ui->order, ui->sel_svc);
	if (row == SIZE_MAX) {
		row = 0;
		if (ui->order.n)
			ui->sel_svc = ui->order.rows[0];
	}
	return row;
}

/* "/regex" being typed, and why it is not a regex yet. */
static void draw_filter_prompt(struct cm_ui *ui)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "/%s_%s%s", ui->filter_input, ui->filter_err[0] ? "   " : "",
		 ui->filter_err);
	cm_put(ui, LINES - 1, 0, ui->cols - 1, buf, ui->filter_err[0] ? CM_THEME_down : CM_THEME_normal);
}

/* The table's first line shown: the selected row's line in view, with
 * its group's heading when the row is the group's first. */
static size_t follow_line(const struct cm_ui *ui, size_t sel, size_t visible)
{
	const struct cm_svc_order *o = &ui->order;
	size_t line = cm_svc_order_line_of(o, sel);
	if (line == SIZE_MAX)
		line = 0;
	size_t top = cm_view_follow(ui->top_svc, line, visible, o->nlines);
	if (top == line && line > 0 && o->lines[line - 1].heading && visible > 1)
		top--;
	return top;
}

static void draw_table_body(struct cm_ui *ui, const struct cm_monitor *m,
			    const struct multi_geom *g, double now)
{
	const struct cm_svc_order *o = &ui->order;
	size_t trows = (size_t)g->split.table_rows;
	struct heat h;
	heat_ranges(&h, ui, m, g);
	if (g->totals)
		draw_totals(ui, 2, m, g);
	for (size_t l = ui->top_svc; l < o->nlines && l - ui->top_svc < trows; l++) {
		int y = g->body_y + (int)(l - ui->top_svc);
		if (o->lines[l].heading)
			draw_group_heading(ui, y, m, g, &o->lines[l]);
		else
			draw_table_row(ui, y, m, o->rows[o->lines[l].row], g, &h, now);
	}
	if (!o->n)
		cm_put(ui, g->body_y, 2, ui->cols - 3, "no service matches the filter (/ changes it)",
		       CM_THEME_dim);
}

void cm_draw_multi(struct cm_ui *ui, const struct cm_monitor *m, double now)
{
	ui->sel_var = cm_view_move(ui->sel_var, 0, m->vars.n);
	size_t sel = select_row(ui, m);
	struct multi_geom g = multi_geom(ui, m);
	size_t trows = (size_t)g.split.table_rows;
	size_t srows = (size_t)(g.split.spark_rows / g.lay.lines);
	size_t nrows = ui->order.n;
	ui->top_svc = follow_line(ui, sel, trows);
	ui->top_spark = cm_view_follow(ui->top_spark, sel, srows, nrows);
	ui->left_var = cm_view_follow(ui->left_var, ui->sel_var, g.ncols, m->vars.n);
	ui->page = trows;

	draw_header(ui, m, now);
	draw_table_headings(ui, m, &g);
	draw_table_body(ui, m, &g, now);
	int ty = g.body_y + g.split.table_rows;
	draw_spark_title(ui, ty, m, &g);
	cm_draw_headings(ui, ty + 1, &g.lay, "service");
	draw_sparks(ui, ty + 2, m, &g, srows);
	if (ui->filtering)
		draw_filter_prompt(ui);
	else if (ui->note[0])
		cm_draw_footer_as(ui, ui->note, CM_THEME_dim, ui->top_spark, srows, nrows, "sparklines");
	else
		draw_footer(ui, m, ui->top_spark, srows, nrows, "sparklines");
}
