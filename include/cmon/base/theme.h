/* theme: colour themes as text files, layered over built-in defaults.
 *
 *   # comment
 *   ELEMENT = FG [BG] [ATTR...]
 *
 * ELEMENT is one of the names in CM_THEME_ELEMENTS. FG and BG are
 * "default" (the terminal's own colour), a colour name (black red green
 * yellow blue magenta cyan white, or bright-NAME), or a number 0-255.
 * ATTR is bold, dim, underline, reverse or italic. Elements a file leaves
 * out keep the default theme's style. Knows nothing of curses: the UI maps
 * these to colour pairs. */
#ifndef CMON_THEME_H
#define CMON_THEME_H

#include <stddef.h>

/* X(name, help) */
#define CM_THEME_ELEMENTS(X)                                           \
	X(normal, "ordinary text")                                     \
	X(title, "the header line")                                    \
	X(label, "var names and column headings")                      \
	X(value, "current values")                                     \
	X(dim, "min/max, times, hints")                                \
	X(spark, "sparklines")                                         \
	X(selected, "the selected row or var")                         \
	X(up, "a service that answers")                                \
	X(down, "a service that does not, and its error")              \
	X(restarted, "a service that restarted")                       \
	X(help, "the help screen")                                     \
	X(growth, "profile diffs: growth")                             \
	X(shrink, "profile diffs: shrink")                             \
	X(match, "the viewer's rows that match the search")                  \
	X(flame1, "flame graph: the first of six package hues")        \
	X(flame2, "flame graph: package hue 2")                        \
	X(flame3, "flame graph: package hue 3")                        \
	X(flame4, "flame graph: package hue 4")                        \
	X(flame5, "flame graph: package hue 5")                        \
	X(flame6, "flame graph: package hue 6")                        \
	X(flame_pool, "flame graph: frames too narrow, merged")        \
	X(flame_match, "flame graph: frames the search matches")       \
	X(flame_growth, "flame graph under a base: growth")            \
	X(flame_shrink, "flame graph under a base: shrink")            \
	X(heat1, "heat map: a cell in its column's lowest quarter")   \
	X(heat2, "heat map: the second quarter")                       \
	X(heat3, "heat map: the third quarter")                        \
	X(heat4, "heat map: the highest quarter")                      \
	X(line1, "zoom over services: the highest service's line")    \
	X(line2, "zoom over services: the second's")                   \
	X(line3, "zoom over services: the third's")                    \
	X(line4, "zoom over services: the fourth's")                   \
	X(line5, "zoom over services: the fifth's")                    \
	X(line6, "zoom over services: every other service's line") \
	X(mark, "zoom: a mark on the timeline (capture, restart, down)")

enum cm_theme_element {
#define CM_THEME_ENUM(name, help) CM_THEME_##name,
	CM_THEME_ELEMENTS(CM_THEME_ENUM)
#undef CM_THEME_ENUM
	CM_THEME_COUNT
};

enum { CM_ATTR_BOLD = 1, CM_ATTR_DIM = 2, CM_ATTR_UNDERLINE = 4, CM_ATTR_REVERSE = 8,
       CM_ATTR_ITALIC = 16 };

#define CM_COLOR_DEFAULT (-1)

struct cm_style {
	short fg, bg;   /* CM_COLOR_DEFAULT or 0-255 */
	unsigned attrs; /* CM_ATTR_* */
};

struct cm_theme {
	struct cm_style style[CM_THEME_COUNT];
};

/* The built-in default theme (the same as themes/default.theme). */
void cm_theme_default(struct cm_theme *t);

/* Drops every colour, keeps attributes: what NO_COLOR asks for. */
void cm_theme_strip_colors(struct cm_theme *t);

/* Layers the theme text over t. 0, or -1 with "line N: problem" in err;
 * t is unchanged on error. */
int cm_theme_parse(struct cm_theme *t, const char *text, size_t len, char *err, size_t errlen);

/* Name of an element, for messages and the format's documentation. */
const char *cm_theme_element_name(enum cm_theme_element e);

#endif
