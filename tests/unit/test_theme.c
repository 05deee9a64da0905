/* test_theme: the theme format (themes/README.md), the shipped themes, and
 * the screen's pure arithmetic that goes with them (src/monitor/view.c: colour
 * fallback, scrolling, layout sizes, time spans), which needs no terminal. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmon/base/theme.h"
#include "cmon/monitor/view.h"

#ifndef CMON_SOURCE_DIR
#error "CMON_SOURCE_DIR must name the source tree (tests/unit/meson.build)"
#endif

#define THEME_FILE_MAX (64 * 1024)

/* The file's text in buf; its length, or -1 (reported) when unreadable. */
static long read_file(const char *name, char *buf, size_t cap)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/themes/%s", CMON_SOURCE_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		CHECK_MSG(0, "cannot open %s", path);
		return -1;
	}
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	CHECK_MSG(n < cap, "%s is larger than %zu bytes", path, cap);
	return (long)n;
}

static bool style_eq(struct cm_style a, struct cm_style b)
{
	return a.fg == b.fg && a.bg == b.bg && a.attrs == b.attrs;
}

static void fill(struct cm_theme *t, short c, unsigned attrs)
{
	for (int i = 0; i < CM_THEME_COUNT; i++)
		t->style[i] = (struct cm_style){c, c, attrs};
}

/* Parses a shipped file over two different themes: when every element is
 * set by the file both come out the same. Leaves the result in out. */
static void parse_complete(const char *name, struct cm_theme *out)
{
	char err[128] = "";
	char *text = malloc(THEME_FILE_MAX);
	long n = text ? read_file(name, text, THEME_FILE_MAX) : -1;
	if (n < 0) {
		free(text);
		return;
	}
	struct cm_theme a, b;
	fill(&a, 100, CM_ATTR_ITALIC);
	fill(&b, 200, CM_ATTR_UNDERLINE);
	CHECK_MSG(cm_theme_parse(&a, text, (size_t)n, err, sizeof(err)) == 0, "%s: %s", name, err);
	CHECK_MSG(cm_theme_parse(&b, text, (size_t)n, err, sizeof(err)) == 0, "%s: %s", name, err);
	for (int i = 0; i < CM_THEME_COUNT; i++)
		CHECK_MSG(style_eq(a.style[i], b.style[i]), "%s does not set %s", name,
			  cm_theme_element_name((enum cm_theme_element)i));
	*out = a;
	free(text);
}

static void test_shipped_themes(void)
{
	struct cm_theme file, builtin, t;
	cm_theme_default(&builtin);
	parse_complete("default.theme", &file);
	for (int i = 0; i < CM_THEME_COUNT; i++)
		CHECK_MSG(style_eq(file.style[i], builtin.style[i]),
			  "default.theme and cm_theme_default differ on %s",
			  cm_theme_element_name((enum cm_theme_element)i));
	parse_complete("light.theme", &t);
	parse_complete("mono.theme", &t);
	for (int i = 0; i < CM_THEME_COUNT; i++)
		CHECK_MSG(t.style[i].fg == CM_COLOR_DEFAULT && t.style[i].bg == CM_COLOR_DEFAULT,
			  "mono.theme gives %s a colour",
			  cm_theme_element_name((enum cm_theme_element)i));
	CHECK(t.style[CM_THEME_selected].attrs & CM_ATTR_REVERSE);
}

static int parse(struct cm_theme *t, const char *text, char *err, size_t errlen)
{
	return cm_theme_parse(t, text, strlen(text), err, errlen);
}

static void test_grammar(void)
{
	struct cm_theme t;
	char err[128] = "";
	cm_theme_default(&t);
	const char *text = "# a comment\n"
			   "\n"
			   "   title = bright-white blue bold underline  # trailing comment\r\n"
			   "label=red\n"
			   "VALUE = 214 default reverse\n"
			   "spark\t=\tdefault 17\n"
			   "dim = bright-black default dim italic\n"
			   "down = 0 255";
	CHECK_MSG(parse(&t, text, err, sizeof(err)) == 0, "%s", err);
	CHECK(style_eq(t.style[CM_THEME_title],
		       (struct cm_style){15, 4, CM_ATTR_BOLD | CM_ATTR_UNDERLINE}));
	CHECK(style_eq(t.style[CM_THEME_label], (struct cm_style){1, CM_COLOR_DEFAULT, 0}));
	CHECK(style_eq(t.style[CM_THEME_value],
		       (struct cm_style){214, CM_COLOR_DEFAULT, CM_ATTR_REVERSE}));
	CHECK(style_eq(t.style[CM_THEME_spark], (struct cm_style){CM_COLOR_DEFAULT, 17, 0}));
	CHECK(style_eq(t.style[CM_THEME_dim],
		       (struct cm_style){8, CM_COLOR_DEFAULT, CM_ATTR_DIM | CM_ATTR_ITALIC}));
	CHECK(style_eq(t.style[CM_THEME_down], (struct cm_style){0, 255, 0}));
	/* untouched elements keep what they had */
	struct cm_theme d;
	cm_theme_default(&d);
	CHECK(style_eq(t.style[CM_THEME_up], d.style[CM_THEME_up]));
	/* a later line wins; an empty text changes nothing */
	CHECK(parse(&t, "up = red\nup = blue", err, sizeof(err)) == 0);
	CHECK(t.style[CM_THEME_up].fg == 4);
	CHECK(cm_theme_parse(&t, "", 0, err, sizeof(err)) == 0);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"titel = red", "line 1: unknown element \"titel\""},
		{"# ok\n\ntitle red", "line 3: expected '='"},
		{"title =", "line 1: no colour"},
		{"title = = red", "line 1: unknown colour"},
		{"title = purple", "line 1: unknown colour"},
		{"title = 256", "line 1: unknown colour"},
		{"title = -1", "line 1: unknown colour"},
		{"title = 0x10", "line 1: unknown colour"},
		{"title = bright-", "line 1: unknown colour"},
		{"title = red blue green", "line 1: a third colour \"green\""},
		{"title = red bold blue", "line 1: colour after an attribute \"blue\""},
		{"title = red blink", "line 1: unknown colour or attribute \"blink\""},
		{"title = red default bold blink", "unknown colour or attribute \"blink\""},
		{"title = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "word too long"},
		{"label = red\n= red", "line 2: unknown element \"=\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cm_theme t, before;
		char err[128] = "";
		cm_theme_default(&t);
		before = t;
		CHECK_MSG(parse(&t, cases[i].text, err, sizeof(err)) == -1, "%s", cases[i].text);
		CHECK_ERR(err, cases[i].want, cases[i].text);
		CHECK_MSG(!memcmp(&t, &before, sizeof(t)), "%s changed the theme", cases[i].text);
	}
	/* a NUL inside is not a text file; the good line before it is not kept */
	struct cm_theme t, before;
	char err[128] = "";
	cm_theme_default(&t);
	before = t;
	CHECK(cm_theme_parse(&t, "up = red\nlabel = b\0lue\n", 19, err, sizeof(err)) == -1);
	CHECK_ERR(err, "line 2: NUL byte", "NUL");
	CHECK(!memcmp(&t, &before, sizeof(t)));
}

static void test_strip_and_names(void)
{
	struct cm_theme t;
	cm_theme_default(&t);
	unsigned up_attrs = t.style[CM_THEME_up].attrs;
	cm_theme_strip_colors(&t);
	for (int i = 0; i < CM_THEME_COUNT; i++)
		CHECK(t.style[i].fg == CM_COLOR_DEFAULT && t.style[i].bg == CM_COLOR_DEFAULT);
	CHECK(t.style[CM_THEME_up].attrs == up_attrs);
	/* a selection shown by colour alone would vanish: it gets reverse */
	fill(&t, 3, 0);
	cm_theme_strip_colors(&t);
	CHECK(t.style[CM_THEME_selected].attrs == CM_ATTR_REVERSE);
	CHECK(t.style[CM_THEME_label].attrs == 0);

	CHECK_STR(cm_theme_element_name(CM_THEME_normal), "normal", "first name");
	CHECK_STR(cm_theme_element_name(CM_THEME_restarted), "restarted", "a name");
	CHECK_STR(cm_theme_element_name(CM_THEME_match), "match", "last name");
	CHECK_STR(cm_theme_element_name(CM_THEME_COUNT), "?", "past the end");
}

static void test_color_fallback(void)
{
	CHECK(cm_view_color(-1, 256) == -1);
	CHECK(cm_view_color(200, 256) == 200);
	CHECK(cm_view_color(3, 8) == 3);
	CHECK(cm_view_color(12, 16) == 12);
	CHECK(cm_view_color(12, 8) == 4);  /* bright blue -> blue */
	CHECK(cm_view_color(8, 8) == -1);  /* grey: default, not black */
	CHECK(cm_view_color(3, 2) == -1);  /* monochrome: default */
	CHECK(cm_view_color(3, 0) == -1);
	CHECK(cm_view_color(160, 8) == 1); /* a red */
	CHECK(cm_view_color(28, 8) == 2);  /* a green */
	CHECK(cm_view_color(25, 8) == 4);  /* a blue */
	CHECK(cm_view_color(214, 8) == 3); /* orange: yellow */
	CHECK(cm_view_color(201, 16) == 13); /* full magenta: bright */
	CHECK(cm_view_color(16, 16) == 0);   /* cube black */
	CHECK(cm_view_color(231, 16) == 15); /* cube white */
	CHECK(cm_view_color(231, 8) == 7);
	CHECK(cm_view_color(232, 16) == 0);  /* greys by brightness */
	CHECK(cm_view_color(243, 16) == 8);
	CHECK(cm_view_color(243, 8) == 0);
	CHECK(cm_view_color(250, 8) == 7);
	CHECK(cm_view_color(255, 16) == 15);
}

static void test_scrolling(void)
{
	CHECK(cm_view_follow(0, 0, 10, 5) == 0);   /* everything fits */
	CHECK(cm_view_follow(0, 12, 10, 30) == 3); /* down past the bottom */
	CHECK(cm_view_follow(3, 5, 10, 30) == 3);  /* in view: no move */
	CHECK(cm_view_follow(8, 2, 10, 30) == 2);  /* up past the top */
	CHECK(cm_view_follow(25, 29, 10, 30) == 20); /* no room wasted at the end */
	CHECK(cm_view_follow(5, 3, 0, 30) == 0);
	CHECK(cm_view_follow(5, 99, 10, 30) == 20); /* a stale selection */
	CHECK(cm_view_follow(0, 0, 10, 0) == 0);

	CHECK(cm_view_move(0, -1, 5) == 0);
	CHECK(cm_view_move(4, 1, 5) == 4);
	CHECK(cm_view_move(2, 1, 5) == 3);
	CHECK(cm_view_move(2, -9, 5) == 0);
	CHECK(cm_view_move(2, 9, 5) == 4);
	CHECK(cm_view_move(7, 0, 5) == 4); /* the list shrank */
	CHECK(cm_view_move(3, 1, 0) == 0);
	CHECK(cm_view_move(3, -2147483647L, 10) == 0);
	CHECK(cm_view_move(3, 2147483647L, 10) == 9);
}

static void test_layout(void)
{
	/* wide: one line a var, the sparkline fills the rest */
	struct cm_row_layout l = cm_view_row_layout(100, 12, 300);
	CHECK(l.lines == 1);
	CHECK(l.label_w == 12);
	CHECK(l.value_x == l.label_x + 13);
	CHECK(l.spark_x > l.max_x + l.mm_w);
	CHECK(l.spark_x + l.spark_w == 99);
	/* the history caps the sparkline */
	l = cm_view_row_layout(1000, 12, 300);
	CHECK(l.spark_w == 300);
	/* long labels are clamped */
	CHECK(cm_view_row_layout(200, 80, 300).label_w == 24);
	/* narrow: the sparkline gets a line of its own, everything fits */
	l = cm_view_row_layout(CM_VIEW_MIN_COLS, 12, 300);
	CHECK(l.lines == 2);
	CHECK(l.max_x + l.mm_w <= CM_VIEW_MIN_COLS - 1);
	CHECK(l.label_w >= 4);
	CHECK(l.spark_w >= CM_VIEW_SPARK_MIN);
	CHECK(l.spark_x + l.spark_w <= CM_VIEW_MIN_COLS - 1);

	struct cm_multi_split s = cm_view_multi_split(20, 3, 1);
	CHECK(s.table_rows == 3 && s.spark_rows == 17);
	s = cm_view_multi_split(20, 100, 1);
	CHECK(s.table_rows == 10 && s.spark_rows == 10);
	s = cm_view_multi_split(3, 100, 2); /* the smallest screen: 1 + one sparkline */
	CHECK(s.table_rows == 1 && s.spark_rows == 2);
	s = cm_view_multi_split(5, 2, 2); /* the table takes the odd row */
	CHECK(s.table_rows == 2 && s.spark_rows == 3);
	s = cm_view_multi_split(9, 100, 2);
	CHECK(s.table_rows == 5 && s.spark_rows == 4);
	s = cm_view_multi_split(6, 2, 2);
	CHECK(s.table_rows == 2 && s.spark_rows == 4);
}

/* The profile pane beside the sparklines, or one of them at a time. */
static void test_pane_split(void)
{
	int need = CM_VIEW_MIN_COLS + 1 + CM_VIEW_PANE_MIN_COLS;
	struct cm_pane_split s = cm_view_pane_split(need - 1);
	CHECK(!s.side_by_side && s.mon_w == need - 1 && s.pane_x == 0 && s.pane_w == need - 1);
	for (int cols = need; cols <= 400; cols++) {
		s = cm_view_pane_split(cols);
		CHECK_MSG(s.side_by_side, "%d columns", cols);
		CHECK_MSG(s.mon_w >= CM_VIEW_MIN_COLS, "%d columns", cols);
		CHECK_MSG(s.pane_w >= CM_VIEW_PANE_MIN_COLS, "%d columns", cols);
		CHECK_MSG(s.pane_x == s.mon_w + 1 && s.pane_x + s.pane_w == cols, "%d columns", cols);
	}
	s = cm_view_pane_split(100); /* the screen tests' size */
	CHECK(s.mon_w == 40 && s.pane_x == 41 && s.pane_w == 59);
	s = cm_view_pane_split(200);
	CHECK(s.mon_w == 80 && s.pane_w == 119);
}

static void test_span(void)
{
	static const struct {
		double s;
		const char *want;
	} cases[] = {
		{0.5, "500ms"}, {0.0001, "1ms"}, {1, "1s"}, {1.5, "1.5s"}, {2.25, "2.25s"},
		{59, "59s"}, {60, "1m"}, {200, "3m20s"}, {3600, "1h"}, {3900, "1h5m"},
		{3959, "1h5m"}, {0, "0s"}, {-3, "0s"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		cm_view_span(buf, sizeof(buf), cases[i].s);
		CHECK_STR(buf, cases[i].want, "span");
	}
}

int main(void)
{
	test_shipped_themes();
	test_pane_split();
	test_grammar();
	test_errors();
	test_strip_and_names();
	test_color_fallback();
	test_scrolling();
	test_layout();
	test_span();
	return check_status("theme");
}
