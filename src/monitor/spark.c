#include "cmon/monitor/spark.h"
#include "cmon/base/strbuf.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A tall graph higher than this is a caller's mistake; it also keeps the
 * level arithmetic far from overflow. */
#define SPARK_ROWS_MAX 1000

int cm_spark_per_cell(enum cm_glyphs g)
{
	return g == CM_GLYPHS_BRAILLE ? 2 : 1;
}

/* Levels one row of cells shows for one sample. */
static int levels_per_row(enum cm_glyphs g)
{
	return g == CM_GLYPHS_BLOCKS ? 8 : 4;
}

/* A sample's height in levels: 0 for a gap, else 1..maxlev, so the
 * window's minimum still shows as the lowest mark rather than nothing. */
static int sample_level(double x, double lo, double hi, int maxlev)
{
	if (isnan(x))
		return 0;
	if (!(hi > lo) || !isfinite(hi - lo))
		return 1; /* flat (or unusable) scale: the bottom level */
	double f = (x - lo) / (hi - lo);
	if (!(f > 0))
		return 1;
	if (f >= 1)
		return maxlev;
	return 1 + (int)(f * (maxlev - 1) + 0.5);
}

/* The part of a level that falls in a row counted from the bottom. */
static int row_portion(int level, int from_bottom, int per_row)
{
	int p = level - from_bottom * per_row;
	return p < 0 ? 0 : p > per_row ? per_row : p;
}

size_t cm_spark_utf8(char *out, uint32_t cp)
{
	/* Only code points below U+10000 are drawn here: 3 bytes at most. */
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | ((cp >> 12) & 0x0F));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

/* Braille: dots fill from the bottom, left column for the older sample.
 * A cell with no dots is a space: U+2800 is blank too, but a space is
 * blank in every font. */
static size_t braille_cell(char *out, int a, int b)
{
	static const uint32_t left[] = {0, 0x40, 0x44, 0x46, 0x47};
	static const uint32_t right[] = {0, 0x80, 0xA0, 0xB0, 0xB8};
	if (a == 0 && b == 0)
		return cm_spark_utf8(out, ' ');
	return cm_spark_utf8(out, 0x2800 + left[a] + right[b]);
}

/* Blocks: U+2581 (one eighth) to U+2588 (full). */
static size_t block_cell(char *out, int p)
{
	return cm_spark_utf8(out, p == 0 ? ' ' : 0x2580 + (uint32_t)p);
}

/* ASCII: one row climbs " _.-^"; a tall graph fills the rows below the top
 * with '#' so its columns read as bars. */
static size_t ascii_cell(char *out, int p, int per_row, bool tall)
{
	if (tall && p == per_row)
		return cm_spark_utf8(out, '#');
	return cm_spark_utf8(out, (uint32_t)" _.-^"[p]);
}

struct spark_ctx {
	const struct cm_series *s;
	enum cm_glyphs g;
	double lo, hi;
	int from_bottom, per_row, maxlev;
	uint64_t nsamples; /* cells * samples a cell */
	bool tall, blank;   /* blank: the row asked for is outside the graph */
};

/* The row's portion for sample j of the window, 0 = oldest (leftmost). */
static int portion_at(const struct spark_ctx *c, uint64_t j)
{
	if (c->blank)
		return 0;
	uint64_t back = c->nsamples - 1 - j;
	double x = back >= c->s->len ? NAN : cm_series_back(c->s, (uint32_t)back);
	return row_portion(sample_level(x, c->lo, c->hi, c->maxlev), c->from_bottom, c->per_row);
}

static size_t render_cell(const struct spark_ctx *c, uint64_t cell, char *out)
{
	switch (c->g) {
	case CM_GLYPHS_BRAILLE:
		return braille_cell(out, portion_at(c, 2 * cell), portion_at(c, 2 * cell + 1));
	case CM_GLYPHS_BLOCKS:
		return block_cell(out, portion_at(c, cell));
	case CM_GLYPHS_ASCII:
	default:
		return ascii_cell(out, portion_at(c, cell), c->per_row, c->tall);
	}
}

size_t cm_spark_render(char *buf, size_t len, const struct cm_series *s, int cells,
		       enum cm_glyphs g, double lo, double hi, int row, int rows)
{
	if (len == 0)
		return 0;
	if (rows < 1)
		rows = 1;
	if (rows > SPARK_ROWS_MAX)
		rows = SPARK_ROWS_MAX;
	struct spark_ctx c = {
		.s = s, .g = g, .lo = lo, .hi = hi,
		.from_bottom = rows - 1 - row,
		.per_row = levels_per_row(g),
		.tall = rows > 1,
		.blank = row < 0 || row >= rows,
	};
	c.maxlev = c.per_row * rows;
	c.nsamples = cells > 0 ? (uint64_t)cells * (uint64_t)cm_spark_per_cell(g) : 0;
	size_t w = 0;
	for (int i = 0; i < cells; i++) {
		char glyph[4];
		size_t n = render_cell(&c, (uint64_t)i, glyph);
		if (w + n + 1 > len)
			break; /* cut between cells: still valid UTF-8 */
		memcpy(buf + w, glyph, n);
		w += n;
	}
	buf[w] = '\0';
	return w;
}

int cm_glyphs_choose(const char *override, const char *codeset, const char *term,
		     enum cm_glyphs *out)
{
	static const struct {
		const char *name;
		enum cm_glyphs g;
	} names[] = {
		{"braille", CM_GLYPHS_BRAILLE},
		{"blocks", CM_GLYPHS_BLOCKS},
		{"ascii", CM_GLYPHS_ASCII},
	};
	if (override && *override) {
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			if (!strcmp(override, names[i].name)) {
				*out = names[i].g;
				return 0;
			}
		}
		return -1;
	}
	/* The Linux console's font has neither braille nor the eighth blocks. */
	if ((term && !strcmp(term, "linux")) || !cm_codeset_is_utf8(codeset))
		*out = CM_GLYPHS_ASCII;
	else
		*out = CM_GLYPHS_BRAILLE;
	return 0;
}
