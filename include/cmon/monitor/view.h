/* view: the monitor screen's arithmetic, kept apart from curses (src/ui/
 * draws with it) so it can be tested headless: selection and scrolling,
 * layout sizes, colour fallback, time spans. Nothing here draws. */
#ifndef CMON_VIEW_H
#define CMON_VIEW_H

#include <stdbool.h>
#include <stddef.h>

/* The smallest usable terminal, for every layout. 40 columns hold a var's
 * label, value, min and max side by side (the sparkline then goes on a
 * line of its own); 8 rows hold the header (2), the column headings, two
 * vars with their sparklines (or two services and one sparkline) and the
 * footer; the zoom gets a graph 4 rows tall. */
#define CM_VIEW_MIN_COLS 40
#define CM_VIEW_MIN_ROWS 8

/* Below this many cells a sparkline beside the numbers says nothing: the
 * row breaks into two lines instead. */
#define CM_VIEW_SPARK_MIN 16

/* A colour number for a terminal with ncolors colours: as is when it has
 * it; bright-N (8-15) becomes N; 256-colour cube and grey entries become
 * the nearest of the 16 (or 8) basic ones; -1 (the terminal's default)
 * when the terminal has fewer than 8. -1 stays -1. */
short cm_view_color(short c, int ncolors);

/* The first visible index of a list of n entries showing `visible` of
 * them, moved as little as possible from top so that sel is in view and no
 * space is wasted past the end. sel must be < n (or n == 0). */
size_t cm_view_follow(size_t top, size_t sel, size_t visible, size_t n);

/* sel moved by delta and clamped to [0, n-1] (0 when n == 0). */
size_t cm_view_move(size_t sel, long delta, size_t n);

/* One list row: label, value, min, max, sparkline. When the sparkline
 * does not fit beside the numbers (CM_VIEW_SPARK_MIN), lines is 2 and the
 * sparkline has the second line. x positions are columns from the left. */
struct cm_row_layout {
	int lines;       /* 1 or 2 */
	int label_x, label_w;
	int value_x, value_w;
	int min_x, max_x, mm_w;
	int spark_x, spark_w; /* on line 0 or line 1 (lines == 2) */
};

/* The row layout for a screen cols wide whose labels want label_w columns
 * (clamped to what fits). spark_w is at most max_spark (the history a
 * sparkline can show). */
struct cm_row_layout cm_view_row_layout(int cols, int label_w, int max_spark);

/* The several-services screen splits its list rows between the table
 * (one row per service) and the sparklines of the selected var (spark_lines
 * rows each). avail is the rows for both. */
struct cm_multi_split {
	int table_rows;
	int spark_rows;
};
struct cm_multi_split cm_view_multi_split(int avail, size_t nsvc, int spark_lines);

/* The profile pane beside the sparklines: at least CM_VIEW_PANE_MIN_COLS
 * (a -top table's numbers and a function name), the sparklines at least
 * CM_VIEW_MIN_COLS, one column between them for a divider. */
#define CM_VIEW_PANE_MIN_COLS 50

/* How a screen cols wide shares its columns between the monitor's screens
 * (columns 0..mon_w-1) and the profile pane (pane_x..pane_x+pane_w-1).
 * Side by side when both fit, the sparklines taking two fifths; otherwise
 * one of them has the whole width at a time (side_by_side false, mon_w
 * and pane_w both cols, pane_x 0). */
struct cm_pane_split {
	bool side_by_side;
	int mon_w;
	int pane_x, pane_w;
};
struct cm_pane_split cm_view_pane_split(int cols);

/* A span of time for people: "500ms", "1s", "1.5s", "3m20s", "2m", "1h5m"
 * (seconds are dropped from an hour or more). */
void cm_view_span(char *buf, size_t len, double seconds);

#endif
