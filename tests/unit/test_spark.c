/* Sparkline glyphs: braille, blocks, ASCII; one row and tall; gaps,
 * alignment, scaling, short buffers; and the choice of glyphs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "cmon/monitor/spark.h"

/* Appends a codepoint (or ' ') as UTF-8, for building expected strings. */
static void put(char *s, uint32_t cp)
{
	size_t n = strlen(s);
	if (cp < 0x80) {
		s[n++] = (char)cp;
	} else {
		s[n++] = (char)(0xE0 | (cp >> 12));
		s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[n++] = (char)(0x80 | (cp & 0x3F));
	}
	s[n] = '\0';
}

/* The expected string from a list of codepoints ending in 0. */
static const char *cps(char *out, const uint32_t *list)
{
	out[0] = '\0';
	for (; *list; list++)
		put(out, *list);
	return out;
}

static void fill(struct cm_series *s, const double *v, size_t n)
{
	cm_series_free(s);
	for (size_t i = 0; i < n; i++)
		cm_series_push(s, v[i]);
}

static void render(const struct cm_series *s, int cells, enum cm_glyphs g, double lo, double hi,
		   int row, int rows, const uint32_t *want, const char *what)
{
	char buf[256], exp[256];
	size_t n = cm_spark_render(buf, sizeof buf, s, cells, g, lo, hi, row, rows);
	CHECK_STR(buf, cps(exp, want), what);
	CHECK_MSG(n == strlen(buf), "%s: returned %zu", what, n);
}

static void test_braille(void)
{
	struct cm_series s = {0};
	fill(&s, (const double[]){0, 1, 2, 3}, 4);
	/* levels 1..4: (1,2) and (3,4) */
	render(&s, 2, CM_GLYPHS_BRAILLE, 0, 3, 0, 1, (const uint32_t[]){0x28E0, 0x28FE, 0},
	       "braille 0..3");
	render(&s, 4, CM_GLYPHS_BRAILLE, 0, 3, 0, 1,
	       (const uint32_t[]){' ', ' ', 0x28E0, 0x28FE, 0}, "braille right aligned");
	render(&s, 1, CM_GLYPHS_BRAILLE, 0, 3, 0, 1, (const uint32_t[]){0x28FE, 0},
	       "braille newest only");
	/* an odd count: the oldest cell's left half is history not yet seen */
	fill(&s, (const double[]){0, 1, 2}, 3);
	render(&s, 2, CM_GLYPHS_BRAILLE, 0, 2, 0, 1, (const uint32_t[]){0x2880, 0x28FE, 0},
	       "braille odd");
	/* gaps are blank dots; both gaps: a space */
	fill(&s, (const double[]){NAN, NAN, 3, NAN}, 4);
	render(&s, 2, CM_GLYPHS_BRAILLE, 0, 3, 0, 1, (const uint32_t[]){' ', 0x2847, 0},
	       "braille gaps");
	/* tall: levels 1, 4, 5, 8 over two rows of four */
	fill(&s, (const double[]){0, 3, 4, 7}, 4);
	render(&s, 2, CM_GLYPHS_BRAILLE, 0, 7, 0, 2, (const uint32_t[]){' ', 0x28F8, 0},
	       "braille tall top");
	render(&s, 2, CM_GLYPHS_BRAILLE, 0, 7, 1, 2, (const uint32_t[]){0x28F8, 0x28FF, 0},
	       "braille tall bottom");
	cm_series_free(&s);
}

static void test_blocks(void)
{
	struct cm_series s = {0};
	fill(&s, (const double[]){0, 1, 2, 3, 4, 5, 6, 7}, 8);
	render(&s, 8, CM_GLYPHS_BLOCKS, 0, 7, 0, 1,
	       (const uint32_t[]){0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587, 0x2588, 0},
	       "blocks 0..7");
	fill(&s, (const double[]){0, NAN, 7}, 3);
	render(&s, 3, CM_GLYPHS_BLOCKS, 0, 7, 0, 1, (const uint32_t[]){0x2581, ' ', 0x2588, 0},
	       "blocks gap");
	/* a flat scale: the bottom level, whatever the values */
	fill(&s, (const double[]){5, 5, 9}, 3);
	render(&s, 3, CM_GLYPHS_BLOCKS, 5, 5, 0, 1, (const uint32_t[]){0x2581, 0x2581, 0x2581, 0},
	       "blocks flat");
	render(&s, 3, CM_GLYPHS_BLOCKS, NAN, NAN, 0, 1,
	       (const uint32_t[]){0x2581, 0x2581, 0x2581, 0}, "blocks NaN scale");
	render(&s, 3, CM_GLYPHS_BLOCKS, 9, 5, 0, 1, (const uint32_t[]){0x2581, 0x2581, 0x2581, 0},
	       "blocks upside-down scale");
	/* outside the window's scale: held at the edges */
	fill(&s, (const double[]){-10, 100}, 2);
	render(&s, 2, CM_GLYPHS_BLOCKS, 0, 7, 0, 1, (const uint32_t[]){0x2581, 0x2588, 0},
	       "blocks clamped");
	/* tall: levels 1, 8, 16 over two rows of eight */
	fill(&s, (const double[]){0, 7, 15}, 3);
	render(&s, 3, CM_GLYPHS_BLOCKS, 0, 15, 0, 2, (const uint32_t[]){' ', ' ', 0x2588, 0},
	       "blocks tall top");
	render(&s, 3, CM_GLYPHS_BLOCKS, 0, 15, 1, 2, (const uint32_t[]){0x2581, 0x2588, 0x2588, 0},
	       "blocks tall bottom");
	render(&s, 3, CM_GLYPHS_BLOCKS, 0, 15, 2, 2, (const uint32_t[]){' ', ' ', ' ', 0},
	       "blocks row past the graph");
	render(&s, 3, CM_GLYPHS_BLOCKS, 0, 15, -1, 2, (const uint32_t[]){' ', ' ', ' ', 0},
	       "blocks negative row");
	cm_series_free(&s);
}

static void test_ascii(void)
{
	struct cm_series s = {0};
	fill(&s, (const double[]){0, 1, 2, 3, NAN}, 5);
	render(&s, 6, CM_GLYPHS_ASCII, 0, 3, 0, 1, (const uint32_t[]){' ', '_', '.', '-', '^', ' ', 0},
	       "ascii");
	fill(&s, (const double[]){0, 7, 3}, 3);
	render(&s, 3, CM_GLYPHS_ASCII, 0, 7, 0, 2, (const uint32_t[]){' ', '#', ' ', 0},
	       "ascii tall top");
	render(&s, 3, CM_GLYPHS_ASCII, 0, 7, 1, 2, (const uint32_t[]){'_', '#', '#', 0},
	       "ascii tall bottom");
	cm_series_free(&s);
}

static void test_edges(void)
{
	struct cm_series empty = {0}, s = {0};
	char buf[64];
	render(&empty, 3, CM_GLYPHS_BRAILLE, 0, 1, 0, 1, (const uint32_t[]){' ', ' ', ' ', 0},
	       "no history");
	CHECK(cm_spark_render(buf, sizeof buf, &empty, 0, CM_GLYPHS_BLOCKS, 0, 1, 0, 1) == 0 &&
	      buf[0] == '\0');
	CHECK(cm_spark_render(buf, sizeof buf, &empty, -5, CM_GLYPHS_BLOCKS, 0, 1, 0, 1) == 0 &&
	      buf[0] == '\0');
	/* short buffers: whole cells only, still terminated */
	fill(&s, (const double[]){0, 1, 2, 3, 4, 5, 6, 7}, 8);
	memset(buf, 'z', sizeof buf);
	CHECK(cm_spark_render(buf, 0, &s, 4, CM_GLYPHS_BRAILLE, 0, 7, 0, 1) == 0 && buf[0] == 'z');
	CHECK(cm_spark_render(buf, 1, &s, 4, CM_GLYPHS_BRAILLE, 0, 7, 0, 1) == 0 && buf[0] == '\0');
	CHECK(cm_spark_render(buf, 7, &s, 4, CM_GLYPHS_BRAILLE, 0, 7, 0, 1) == 6 && strlen(buf) == 6);
	CHECK(cm_spark_render(buf, 9, &s, 4, CM_GLYPHS_BLOCKS, 0, 7, 0, 1) == 6);
	/* 4 bytes a cell (and the NUL) always suffice */
	CHECK(cm_spark_render(buf, 4 * 4 + 1, &s, 4, CM_GLYPHS_BRAILLE, 0, 7, 0, 1) == 12);
	/* a graph taller than reason still draws: the top value reaches row 0 */
	CHECK(cm_spark_render(buf, sizeof buf, &s, 4, CM_GLYPHS_BLOCKS, 0, 7, 0, 1 << 30) == 6);
	cm_series_free(&s);
	CHECK(cm_spark_per_cell(CM_GLYPHS_BRAILLE) == 2);
	CHECK(cm_spark_per_cell(CM_GLYPHS_BLOCKS) == 1);
	CHECK(cm_spark_per_cell(CM_GLYPHS_ASCII) == 1);
}

/* Valid UTF-8 of exactly cells characters, each a space, braille, a block
 * or printable ASCII. */
static bool well_formed(const char *s, int cells)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if (p[0] != 0xE2 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return false;
		uint32_t cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
		if (!(cp >= 0x2581 && cp <= 0x2588) && !(cp > 0x2800 && cp <= 0x28FF))
			return false;
		p += 3;
	}
	return n == cells;
}

static void test_random(void)
{
	struct cm_series s = {.cap = 300};
	unsigned seed = 12345;
	char buf[4 * 200 + 1];
	for (int i = 0; i < 500; i++) {
		seed = seed * 1103515245u + 12345u;
		double x = (seed >> 16) % 7 == 0 ? NAN : (double)((seed >> 8) % 1000) - 300;
		cm_series_push(&s, x);
	}
	double lo, hi;
	CHECK(cm_series_minmax(&s, 300, &lo, &hi));
	for (int g = CM_GLYPHS_BRAILLE; g <= CM_GLYPHS_ASCII; g++)
		for (int rows = 1; rows <= 3; rows++)
			for (int row = 0; row < rows; row++)
				for (int cells = 1; cells <= 200; cells += 37) {
					cm_spark_render(buf, sizeof buf, &s, cells, (enum cm_glyphs)g, lo, hi,
							row, rows);
					CHECK_MSG(well_formed(buf, cells), "glyphs %d rows %d row %d cells %d",
						  g, rows, row, cells);
				}
	cm_series_free(&s);
}

static void choose(const char *override, const char *codeset, const char *term, int rc,
		   enum cm_glyphs want)
{
	enum cm_glyphs g = (enum cm_glyphs)-1;
	int got = cm_glyphs_choose(override, codeset, term, &g);
	CHECK_MSG(got == rc && (rc < 0 || g == want), "choose(%s, %s, %s): rc %d glyphs %d",
		  override ? override : "NULL", codeset ? codeset : "NULL", term ? term : "NULL", got,
		  (int)g);
}

static void test_choose(void)
{
	choose(NULL, "UTF-8", "xterm-256color", 0, CM_GLYPHS_BRAILLE);
	choose("", "utf8", NULL, 0, CM_GLYPHS_BRAILLE);
	choose(NULL, "utf-8", "screen", 0, CM_GLYPHS_BRAILLE);
	choose(NULL, "ANSI_X3.4-1968", "xterm", 0, CM_GLYPHS_ASCII);
	choose(NULL, "ISO-8859-1", "xterm", 0, CM_GLYPHS_ASCII);
	choose(NULL, "UTF-8", "linux", 0, CM_GLYPHS_ASCII);
	choose(NULL, NULL, NULL, 0, CM_GLYPHS_ASCII);
	choose("blocks", "ANSI_X3.4-1968", "linux", 0, CM_GLYPHS_BLOCKS);
	choose("braille", NULL, "linux", 0, CM_GLYPHS_BRAILLE);
	choose("ascii", "UTF-8", "xterm", 0, CM_GLYPHS_ASCII);
	choose("fancy", "UTF-8", "xterm", -1, CM_GLYPHS_ASCII);
	choose("Braille", "UTF-8", "xterm", -1, CM_GLYPHS_ASCII);
}

int main(void)
{
	test_braille();
	test_blocks();
	test_ascii();
	test_edges();
	test_random();
	test_choose();
	return check_status("spark");
}
