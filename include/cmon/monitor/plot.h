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

/* Cell (x, y)'s glyph as UTF-8 in buf (at least 4 bytes and the NUL: a
 * space for an empty cell); returns its colour (0: empty). */
uint16_t cm_plot_cell(const struct cm_plot *p, int x, int y, char buf[5]);

#endif
