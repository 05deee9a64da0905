/* plot: several series in one tall graph; see plot.h. */
#include "cmon/monitor/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void cm_plot_init(struct cm_plot *p)
{
	memset(p, 0, sizeof(*p));
}

void cm_plot_free(struct cm_plot *p)
{
	free(p->dots);
	free(p->colour);
	memset(p, 0, sizeof(*p));
}

int cm_plot_per_cell(enum cm_glyphs g)
{
	return g == CM_GLYPHS_BRAILLE ? 2 : 1;
}

/* Dot rows one cell holds. */
static int dots_high(enum cm_glyphs g)
{
	return g == CM_GLYPHS_BRAILLE ? 4 : 2;
}

int cm_plot_reset(struct cm_plot *p, int w, int h, enum cm_glyphs g)
{
	p->w = p->h = 0;
	if (w <= 0 || h <= 0 || (long long)w * h > CM_PLOT_CELLS_MAX)
		return -1;
	size_t n = (size_t)w * (size_t)h;
	if (n > p->cap) {
		uint8_t *d = realloc(p->dots, n * sizeof(*d));
		if (d)
			p->dots = d;
		uint16_t *c = realloc(p->colour, n * sizeof(*c));
		if (c)
			p->colour = c;
		if (!d || !c)
			return -1; /* the one that grew stays: cap still says the smaller */
		p->cap = n;
	}
	memset(p->dots, 0, n * sizeof(*p->dots));
	memset(p->colour, 0, n * sizeof(*p->colour));
	p->w = w;
	p->h = h;
	p->glyphs = g;
	return 0;
}

/* The bit of dot (dx, dy) of a cell: braille's numbering (dots 1-3 and 7
 * down the left column, 4-6 and 8 down the right); 1 x 2 cells: 1 top,
 * 2 bottom. */
static uint8_t dot_bit(enum cm_glyphs g, int dx, int dy)
{
	static const uint8_t braille[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
	if (g == CM_GLYPHS_BRAILLE)
		return braille[dx & 1][dy & 3];
	return dy ? 2 : 1;
}

/* Sets dot (px, py) of the whole canvas, in dots from the top left. */
static void set_dot(struct cm_plot *p, int px, int py, uint16_t c)
{
	int sx = cm_plot_per_cell(p->glyphs), sy = dots_high(p->glyphs);
	int x = px / sx, y = py / sy;
	if (px < 0 || py < 0 || x >= p->w || y >= p->h)
		return;
	size_t k = (size_t)y * (size_t)p->w + (size_t)x;
	p->dots[k] |= dot_bit(p->glyphs, px % sx, py % sy);
	p->colour[k] = c;
}

/* The dot row of x: 0 at the top (hi), H - 1 at the bottom (lo). */
static int dot_row(double x, double lo, double hi, int H)
{
	if (!(hi > lo) || !isfinite(hi - lo))
		return H - 1;
	double f = (x - lo) / (hi - lo);
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return (H - 1) - (int)(f * (H - 1) + 0.5);
}

void cm_plot_series(struct cm_plot *p, const struct cm_series *s, double lo, double hi,
		    uint16_t c)
{
	if (!p->w || !p->h)
		return;
	int W = p->w * cm_plot_per_cell(p->glyphs), H = p->h * dots_high(p->glyphs);
	int prev = -1; /* the dot row of the sample to the right, -1 after a gap */
	for (int i = 0; i < W && (uint32_t)i < s->len; i++) {
		double x = cm_series_back(s, (uint32_t)i);
		if (isnan(x)) {
			prev = -1;
			continue;
		}
		int px = W - 1 - i, py = dot_row(x, lo, hi, H);
		set_dot(p, px, py, c);
		/* the join: this column runs up or down towards the newer
		 * sample's row (exclusive: that one has its own dot) */
		for (int y = py; prev >= 0 && y != prev; y += prev > y ? 1 : -1)
			set_dot(p, px, y, c);
		prev = py;
	}
}

int cm_plot_dots(const struct cm_plot *p)
{
	return p->w * cm_plot_per_cell(p->glyphs);
}

/* Slots a dot of w spans in s, and the block (of that many slots, counted
 * from slot 0 so that a window does not shimmer as it moves) at the
 * right edge. */
static int64_t dot_slots(const struct cm_series *s, const struct cm_plot_window *w,
			 int64_t *right_block)
{
	double n = s->dt > 0 ? floor(w->dot_s / s->dt + 0.5) : 1;
	int64_t d = n < 1 ? 1 : n > 1e12 ? (int64_t)1e12 : (int64_t)n;
	int64_t r = cm_series_slot_at(s, w->right);
	*right_block = r >= 0 ? r / d : -1 - (-1 - r) / d;
	return d;
}

/* Dot i from the right's aggregate. */
static bool dot_agg(const struct cm_series *s, int64_t d, int64_t block, int i,
		    struct cm_series_agg *g)
{
	int64_t a = (block - i) * d;
	return cm_series_range(s, a, a + d, g);
}

void cm_plot_window_range(const struct cm_series *s, const struct cm_plot_window *w, int dots,
			  double *lo, double *hi, bool *any)
{
	int64_t block, d = dot_slots(s, w, &block);
	for (int i = 0; i < dots; i++) {
		struct cm_series_agg g;
		if (!dot_agg(s, d, block, i, &g))
			continue;
		if (!*any || g.min < *lo)
			*lo = g.min;
		if (!*any || g.max > *hi)
			*hi = g.max;
		*any = true;
	}
}

/* A vertical run of dots in column px from row y0 to y1 (either order). */
static void set_run(struct cm_plot *p, int px, int y0, int y1, uint16_t c)
{
	for (int y = y0;; y += y1 > y ? 1 : -1) {
		set_dot(p, px, y, c);
		if (y == y1)
			break;
	}
}

uint64_t cm_plot_history(struct cm_plot *p, const struct cm_series *s,
			 const struct cm_plot_window *w, double lo, double hi, uint16_t c)
{
	if (!p->w || !p->h)
		return 1;
	int W = cm_plot_dots(p), H = p->h * dots_high(p->glyphs);
	int64_t block, d = dot_slots(s, w, &block);
	uint64_t widest = 1;
	int prev = -1; /* the mean's row of the dot to the right, -1 after a gap */
	for (int i = 0; i < W; i++) {
		struct cm_series_agg g;
		if (!dot_agg(s, d, block, i, &g)) {
			prev = -1;
			continue;
		}
		if (g.width > widest)
			widest = g.width;
		if ((uint64_t)d > widest)
			widest = (uint64_t)d;
		int px = W - 1 - i, mean = dot_row(g.mean, lo, hi, H);
		set_run(p, px, dot_row(g.min, lo, hi, H), dot_row(g.max, lo, hi, H), c);
		if (prev >= 0)
			set_run(p, px, mean, prev, c);
		prev = mean;
	}
	return widest;
}

uint16_t cm_plot_cell(const struct cm_plot *p, int x, int y, char buf[5])
{
	size_t n = 1;
	buf[0] = ' ';
	if (x < 0 || y < 0 || x >= p->w || y >= p->h) {
		buf[1] = '\0';
		return 0;
	}
	size_t k = (size_t)y * (size_t)p->w + (size_t)x;
	uint8_t d = p->dots[k];
	if (d && p->glyphs == CM_GLYPHS_BRAILLE)
		n = cm_spark_utf8(buf, 0x2800u + d);
	else if (d && p->glyphs == CM_GLYPHS_BLOCKS)
		n = cm_spark_utf8(buf, d == 1 ? 0x2580u : d == 2 ? 0x2584u : 0x2588u); /* ▀ ▄ █ */
	else if (d)
		buf[0] = d == 1 ? '\'' : d == 2 ? '.' : ':';
	buf[n] = '\0';
	return d ? p->colour[k] : 0;
}
