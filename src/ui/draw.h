/* draw: the pieces every screen is drawn with (text that is clipped to a
 * width, header and footer lines, one var's row) and the screens. Only
 * src/ui/ includes it. */
#ifndef CMON_UI_DRAW_H
#define CMON_UI_DRAW_H

#include "cmon/monitor/format.h"
#include "cmon/monitor/view.h"
#include "ui_int.h"

/* Bytes for a rendered sparkline: 4 a cell, at most one cell a sample. */
#define CM_SPARK_BUF (CM_SERIES_CAP * 4 + 1)

/* Text at (y, x) in at most w columns, in the element's style. Bytes that
 * are not a character in the locale and control characters are drawn as
 * '?': service names and values come from the network. Returns the
 * columns used. */
int cm_put(struct cm_ui *ui, int y, int x, int w, const char *s, enum cm_theme_element e);

/* The same, right-aligned so that it ends at column end (exclusive). */
int cm_put_right(struct cm_ui *ui, int y, int end, int w, const char *s,
		 enum cm_theme_element e);

/* Display width of UTF-8 text, as cm_put would draw it. */
int cm_text_width(const char *s);

/* w blank columns in the element's style (the selection's bar). */
void cm_fill(struct cm_ui *ui, int y, int x, int w, enum cm_theme_element e);

/* A line drawn left to right in segments. */
struct cm_segline {
	struct cm_ui *ui;
	int y, x, end;
};
void cm_seg(struct cm_segline *l, const char *s, enum cm_theme_element e);

/* How a service looks right now. */
enum cm_look { CM_LOOK_WAITING, CM_LOOK_UP, CM_LOOK_DOWN, CM_LOOK_RESTARTED };
enum cm_look cm_look_of(const struct cm_service *s, double now);
enum cm_theme_element cm_look_element(enum cm_look k);
const char *cm_look_mark(const struct cm_ui *ui, enum cm_look k);
const char *cm_look_word(enum cm_look k);

/* "HH:MM:SS" local time. */
void cm_clock(char *buf, size_t len, double t);

/* What the screen calls a var: its label, "/s" added for rates (so that
 * requests and rate:requests can be told apart). */
void cm_var_label(char *buf, size_t len, const struct cm_var *v);

/* The cell of var j in service s, NULL when the service has none yet. */
const struct cm_cell *cm_cell_of(const struct cm_service *s, size_t j);

/* Samples a sparkline can show in one cell, and the cells at most. */
int cm_per_cell(const struct cm_ui *ui);
int cm_max_spark(const struct cm_ui *ui);

/* One var's row (label, value, min and max of the visible window,
 * sparkline scaled to them) at y in the layout; note (may be NULL) is
 * shown where the sparkline would be when there is nothing to draw. */
struct cm_row {
	const char *label;
	const struct cm_var *var;
	const struct cm_cell *cell; /* may be NULL */
	const char *note;
	bool selected;
	const double *scale; /* {lo, hi} the sparkline is drawn to (shared by
			      * several rows), or NULL for its own min and max */
};
void cm_draw_row(struct cm_ui *ui, int y, const struct cm_row_layout *lay,
		 const struct cm_row *r);

/* The headings over cm_draw_row's columns: first names the label column. */
void cm_draw_headings(struct cm_ui *ui, int y, const struct cm_row_layout *lay,
		      const char *first);

/* The bottom line: key reminders on the left; on the right, how much of
 * a list of n entries (top..top+visible shown) is out of view, see
 * cm_more_hint. The hint wins when both do not fit. */
void cm_draw_footer(struct cm_ui *ui, const char *keys, size_t top, size_t visible, size_t n,
		    const char *what);
/* The same with text (a message rather than keys) drawn as e. */
void cm_draw_footer_as(struct cm_ui *ui, const char *text, enum cm_theme_element e, size_t top,
		       size_t visible, size_t n, const char *what);

/* "↑ 2 more  ↓ 3 more vars" for a list of n with top..top+visible
 * shown; "" when everything shows. what names the entries ("vars");
 * NULL asks for the compact "↑2 ↓3" of narrow screens. */
void cm_more_hint(const struct cm_ui *ui, char *buf, size_t len, size_t top, size_t visible,
		  size_t n, const char *what);

/* "  every 5s  updated 12:00:01" (last: wall time of the last update, 0
 * for none) at the end of a header line; without the interval when both
 * do not fit. */
void cm_seg_timing(struct cm_segline *l, double last);

/* A service's first header line: mark, name, state, interval, last
 * update, PAUSED. */
void cm_draw_service_line(struct cm_ui *ui, int y, const struct cm_monitor *m, size_t i,
			  double now);

/* The screens. */
void cm_draw_single(struct cm_ui *ui, const struct cm_monitor *m, double now);
void cm_draw_multi(struct cm_ui *ui, const struct cm_monitor *m, double now);
void cm_draw_zoom(struct cm_ui *ui, const struct cm_monitor *m, double now);
void cm_draw_help(struct cm_ui *ui);

/* The profile pane (pane.c): when pane is open, draws it beside the
 * monitor's screen (narrowing ui->cols to what the monitor keeps) or, on a
 * narrow terminal with the keys in the pane, in its place; mono is the
 * monotonic time its countdown counts by. Returns true when the pane took
 * the whole screen. */
bool cm_draw_pane_area(struct cm_ui *ui, const struct cm_monitor *m,
		       const struct cm_prof_pane *pane, double mono);

/* The chooser of profile kinds, over the monitor's screen. */
void cm_draw_chooser(struct cm_ui *ui, const struct cm_monitor *m,
		     const struct cm_prof_pane *pane);

#endif
