#include "cmon/monitor/view.h"

#include <stdio.h>
#include <string.h>

/* The 6x6x6 cube of xterm's 256 colours: which of r, g, b dominate gives
 * the basic colour (ANSI numbering: red 1, green 2, blue 4). */
static short cube_color(int idx, int ncolors)
{
	int rgb[3] = {idx / 36, idx / 6 % 6, idx % 6};
	int maxc = rgb[0] > rgb[1] ? rgb[0] : rgb[1];
	if (rgb[2] > maxc)
		maxc = rgb[2];
	if (maxc == 0)
		return 0;
	int basic = 0, on = 0;
	for (int i = 0; i < 3; i++) {
		if (rgb[i] * 2 >= maxc + 1) {
			basic |= 1 << i;
			on++;
		}
	}
	if (on == 3) { /* a grey: how bright decides */
		if (maxc >= 4)
			return (short)(maxc == 5 && ncolors >= 16 ? 15 : 7);
		return (short)(ncolors >= 16 ? 8 : maxc >= 2 ? 7 : 0);
	}
	return (short)(basic + (maxc == 5 && ncolors >= 16 ? 8 : 0));
}

/* The 24 greys 232-255 (brightness 8 to 238). */
static short grey_color(int level, int ncolors)
{
	if (level < 6)
		return 0;
	if (level < 14)
		return (short)(ncolors >= 16 ? 8 : 0);
	if (level < 20)
		return 7;
	return (short)(ncolors >= 16 ? 15 : 7);
}

short cm_view_color(short c, int ncolors)
{
	if (c < 0 || ncolors < 8)
		return -1;
	if (c < ncolors)
		return c;
	if (c < 16) {
		/* Bright black is grey: on 8 colours it would become black,
		 * unreadable on a dark background, so it is the default. */
		return (short)(c == 8 ? -1 : c - 8);
	}
	if (c < 232)
		return cube_color(c - 16, ncolors);
	return grey_color(c - 232, ncolors);
}

size_t cm_view_follow(size_t top, size_t sel, size_t visible, size_t n)
{
	if (!visible || visible >= n)
		return 0;
	if (sel >= n)
		sel = n - 1;
	if (sel < top)
		top = sel;
	else if (sel - top >= visible)
		top = sel - visible + 1;
	if (top > n - visible)
		top = n - visible;
	return top;
}

size_t cm_view_move(size_t sel, long delta, size_t n)
{
	if (!n)
		return 0;
	if (sel >= n)
		sel = n - 1;
	if (delta < 0)
		return (size_t)-delta >= sel ? 0 : sel - (size_t)-delta;
	if ((size_t)delta >= n - 1 - sel)
		return n - 1;
	return sel + (size_t)delta;
}

static int clamp(int x, int lo, int hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

struct cm_row_layout cm_view_row_layout(int cols, int label_w, int max_spark)
{
	struct cm_row_layout l = {.lines = 1, .label_x = 1, .value_w = 10, .mm_w = 9};
	/* label, value, min, max, one blank column between each */
	int numbers = 1 + l.value_w + 1 + l.mm_w + 1 + l.mm_w;
	l.label_w = clamp(label_w, 4, 24);
	/* two blank columns before the sparkline, one after (the last column
	 * of the last line cannot be written without scrolling) */
	if (cols - (l.label_x + l.label_w + numbers) - 3 < CM_VIEW_SPARK_MIN) {
		/* Two lines: numbers a column narrower ("1023.5KB" still fits),
		 * so that a name such as "demo:34567" keeps its port at 40
		 * columns. */
		l.lines = 2;
		l.value_w--;
		l.mm_w--;
		numbers -= 3;
		l.label_w = clamp(cols - 1 - l.label_x - numbers, 1, l.label_w);
	}
	l.value_x = l.label_x + l.label_w + 1;
	l.min_x = l.value_x + l.value_w + 1;
	l.max_x = l.min_x + l.mm_w + 1;
	if (l.lines == 1)
		l.spark_x = l.max_x + l.mm_w + 2;
	else
		l.spark_x = 3;
	l.spark_w = clamp(cols - l.spark_x - 1, 0, max_spark > 0 ? max_spark : 0);
	return l;
}

struct cm_multi_split cm_view_multi_split(int avail, size_t nsvc, int spark_lines)
{
	struct cm_multi_split s = {0, avail > 0 ? avail : 0};
	if (!nsvc || avail <= 0)
		return s;
	if (spark_lines < 1)
		spark_lines = 1;
	if (nsvc <= (size_t)avail / (size_t)(1 + spark_lines)) {
		s.table_rows = (int)nsvc; /* everything fits */
	} else {
		s.table_rows = avail / 2;
		if (avail - s.table_rows < spark_lines)
			s.table_rows = avail - spark_lines;
		if (s.table_rows < 1)
			s.table_rows = 1;
		/* rows a sparkline cannot use go to the table */
		s.table_rows += (avail - s.table_rows) % spark_lines;
		if ((size_t)s.table_rows > nsvc)
			s.table_rows = (int)nsvc;
	}
	s.spark_rows = avail - s.table_rows;
	return s;
}

struct cm_pane_split cm_view_pane_split(int cols)
{
	struct cm_pane_split s = {false, cols, 0, cols};
	if (cols < CM_VIEW_MIN_COLS + 1 + CM_VIEW_PANE_MIN_COLS)
		return s;
	s.side_by_side = true;
	s.mon_w = clamp(cols * 2 / 5, CM_VIEW_MIN_COLS, cols - 1 - CM_VIEW_PANE_MIN_COLS);
	s.pane_x = s.mon_w + 1;
	s.pane_w = cols - s.pane_x;
	return s;
}

/* "%.3f" without the zeros a person would not write. */
static void trim_seconds(char *buf, size_t len, double s)
{
	snprintf(buf, len, "%.3f", s);
	char *dot = strchr(buf, '.');
	if (!dot)
		return;
	char *e = buf + strlen(buf);
	while (e > dot + 1 && e[-1] == '0')
		e--;
	if (e == dot + 1)
		e = dot;
	snprintf(e, len - (size_t)(e - buf), "s");
}

void cm_view_span(char *buf, size_t len, double seconds)
{
	if (!len)
		return;
	if (!(seconds > 0) || seconds > 1e9) { /* NaN, negative, absurd */
		snprintf(buf, len, "0s");
		return;
	}
	if (seconds < 1) {
		long ms = (long)(seconds * 1000 + 0.5);
		snprintf(buf, len, "%ldms", ms ? ms : 1);
		return;
	}
	if (seconds < 60) {
		trim_seconds(buf, len, seconds);
		return;
	}
	long long t = (long long)(seconds + 0.5);
	long long h = t / 3600, m = t % 3600 / 60, s = t % 60;
	if (h)
		snprintf(buf, len, m ? "%lldh%lldm" : "%lldh", h, m);
	else
		snprintf(buf, len, s ? "%lldm%llds" : "%lldm", m, s);
}
