/* spark: a series drawn as text. Braille packs 2 samples x 4 levels a cell,
 * blocks 1 sample x 8 levels (U+2581..U+2588), ASCII 1 sample x 4 levels
 * (" _.-^" style). Scaling is to [lo, hi], the visible window's min and max,
 * chosen by the caller. */
#ifndef CMON_SPARK_H
#define CMON_SPARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/monitor/series.h"

enum cm_glyphs { CM_GLYPHS_BRAILLE, CM_GLYPHS_BLOCKS, CM_GLYPHS_ASCII };

/* Samples one cell shows: 2 for braille, else 1. */
int cm_spark_per_cell(enum cm_glyphs g);

/* Renders the newest cells*per_cell samples, oldest on the left, right
 * aligned (missing history is blank on the left), as a NUL-terminated UTF-8
 * string of exactly `cells` cells. rows > 1 draws a tall graph: row 0 is
 * the top row. Gaps (NaN) are blank. lo == hi draws a flat line at the
 * bottom level. Returns bytes written (the string is cut, still valid
 * UTF-8, when buf is too small; 4 bytes a cell always suffice). */
size_t cm_spark_render(char *buf, size_t len, const struct cm_series *s, int cells,
		       enum cm_glyphs g, double lo, double hi, int row, int rows);


/* A code point below U+10000 as UTF-8 into out (3 bytes at most, no
 * NUL); returns the bytes written. */
size_t cm_spark_utf8(char *out, uint32_t cp);

/* Picks glyphs: an override name ("braille", "blocks", "ascii") wins; else
 * TERM=linux (the console's font) or a non-UTF-8 codeset means ASCII; else
 * braille. -1 for an unknown override name. */
int cm_glyphs_choose(const char *override, const char *codeset, const char *term,
		     enum cm_glyphs *out);

#endif
