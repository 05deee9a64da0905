/* plot: several series as lines in one tall graph (the zoom of a var over
 * every service shown). A canvas of w x h cells, each a grid of dots as
 * the glyphs allow (braille 2 x 4, blocks and ASCII 1 x 2: ▀ ▄ █ and
 * ' . :); each series plots its newest samples, the one at the right edge
 * the newest, consecutive samples joined by a vertical run so that a line
 * stays a line. A cell takes the colour of the last series that drew in
 * it: plot the ones that matter last.
 *
 * Ownership: the plot owns its canvas, grown (never shrunk) by reset, so
 * that a frame of the same size allocates nothing. */
#ifndef CMON_PLOT_H
#define CMON_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/monitor/series.h"
#include "cmon/monitor/spark.h"

/* Bigger is a caller's mistake; bounds the canvas. */
#define CM_PLOT_CELLS_MAX (1000 * 1000)

struct cm_plot {
	int w, h;            /* cells */
	enum cm_glyphs glyphs;
	uint8_t *dots;       /* w * h dot masks */
	uint16_t *colour;    /* w * h: the last series' colour, 0 for none */
	size_t cap;          /* cells allocated */
};

void cm_plot_init(struct cm_plot *p);
void cm_plot_free(struct cm_plot *p);

/* An empty canvas of w x h cells. 0, or -1 when out of memory or w * h
 * is not in 1..CM_PLOT_CELLS_MAX (the canvas is then 0 x 0). */
int cm_plot_reset(struct cm_plot *p, int w, int h, enum cm_glyphs g);

/* Samples one cell spans across (2 for braille, else 1). */
int cm_plot_per_cell(enum cm_glyphs g);

/* Plots s's newest w * cm_plot_per_cell samples scaled to [lo, hi] (lo
 * at the bottom; values outside are clamped, gaps break the line; lo ==
 * hi puts every sample on the bottom row) in colour c (1 or more). */
void cm_plot_series(struct cm_plot *p, const struct cm_series *s, double lo, double hi,
		    uint16_t c);

/* A window on the whole run (series.h's time): the right edge's wall
 * time and the seconds a dot spans. Each dot shows what its slots held:
 * one sample a dot is a line as above; more (or a tier's buckets) is the
 * min..max band of the dot, joined to the next dot through the means. */
struct cm_plot_window {
	double right;  /* wall seconds at the right edge (its slot is the last dot's) */
	double dot_s;  /* seconds a dot: a whole number of s->dt */
};

/* Min and max of s over the window of dots dots, merged into *lo, *hi
 * when *any (then set). */
void cm_plot_window_range(const struct cm_series *s, const struct cm_plot_window *w, int dots,
			  double *lo, double *hi, bool *any);

/* Plots s's window as cm_plot_series does. Returns the widest bucket (in
 * slots) a dot was read from: 1 when every dot is a sample. */
uint64_t cm_plot_history(struct cm_plot *p, const struct cm_series *s,
			 const struct cm_plot_window *w, double lo, double hi, uint16_t c);

/* Dots across the canvas. */
int cm_plot_dots(const struct cm_plot *p);

/* Cell (x, y)'s glyph as UTF-8 in buf (at least 4 bytes and the NUL: a
 * space for an empty cell); returns its colour (0: empty). */
uint16_t cm_plot_cell(const struct cm_plot *p, int x, int y, char buf[5]);

#endif
