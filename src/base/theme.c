#include "cmon/base/theme.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest word worth reading: the longest valid one is "bright-magenta". */
#define THEME_WORD_MAX 32
/* A theme is a dozen lines; a longer one is not a theme. */
#define THEME_LINES_MAX 10000

static const char *const element_names[CM_THEME_COUNT] = {
#define CM_THEME_NAME(name, help) #name,
	CM_THEME_ELEMENTS(CM_THEME_NAME)
#undef CM_THEME_NAME
};

static const char *const color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static const struct {
	const char *name;
	unsigned attr;
} attr_names[] = {
	{"bold", CM_ATTR_BOLD},
	{"dim", CM_ATTR_DIM},
	{"underline", CM_ATTR_UNDERLINE},
	{"reverse", CM_ATTR_REVERSE},
	{"italic", CM_ATTR_ITALIC},
};

#define D CM_COLOR_DEFAULT
/* Keep in step with themes/default.theme: test_theme parses the file and
 * compares it with this table. Colours 0-7 only where it matters, so the
 * theme reads the same on 8-colour terminals, dark or light. */
static const struct cm_style default_styles[CM_THEME_COUNT] = {
	[CM_THEME_normal] = {D, D, 0},
	[CM_THEME_title] = {D, D, CM_ATTR_BOLD},
	[CM_THEME_label] = {6, D, 0},
	[CM_THEME_value] = {D, D, CM_ATTR_BOLD},
	[CM_THEME_dim] = {D, D, CM_ATTR_DIM},
	[CM_THEME_spark] = {2, D, 0},
	[CM_THEME_selected] = {6, D, CM_ATTR_REVERSE},
	[CM_THEME_up] = {2, D, CM_ATTR_BOLD},
	[CM_THEME_down] = {1, D, CM_ATTR_BOLD},
	[CM_THEME_restarted] = {3, D, CM_ATTR_BOLD},
	[CM_THEME_help] = {D, D, 0},
	[CM_THEME_growth] = {1, D, 0},
	[CM_THEME_shrink] = {2, D, 0},
	[CM_THEME_match] = {3, D, CM_ATTR_BOLD | CM_ATTR_UNDERLINE},
	[CM_THEME_flame1] = {0, 1, 0},
	[CM_THEME_flame2] = {0, 3, 0},
	[CM_THEME_flame3] = {0, 2, 0},
	[CM_THEME_flame4] = {0, 6, 0},
	[CM_THEME_flame5] = {7, 4, 0},
	[CM_THEME_flame6] = {0, 5, 0},
	[CM_THEME_flame_pool] = {D, D, CM_ATTR_DIM},
	[CM_THEME_flame_match] = {D, D, CM_ATTR_BOLD | CM_ATTR_UNDERLINE | CM_ATTR_REVERSE},
	[CM_THEME_flame_growth] = {0, 1, 0},
	[CM_THEME_flame_shrink] = {0, 2, 0},
	[CM_THEME_heat1] = {D, D, CM_ATTR_DIM},
	[CM_THEME_heat2] = {D, D, 0},
	[CM_THEME_heat3] = {0, 3, 0},
	[CM_THEME_heat4] = {7, 1, CM_ATTR_BOLD},
	[CM_THEME_line1] = {1, D, CM_ATTR_BOLD},
	[CM_THEME_line2] = {3, D, CM_ATTR_BOLD},
	[CM_THEME_line3] = {6, D, CM_ATTR_BOLD},
	[CM_THEME_line4] = {5, D, CM_ATTR_BOLD},
	[CM_THEME_line5] = {2, D, CM_ATTR_BOLD},
	[CM_THEME_line6] = {D, D, CM_ATTR_DIM},
	[CM_THEME_mark] = {3, D, CM_ATTR_BOLD},
};
#undef D

void cm_theme_default(struct cm_theme *t)
{
	memcpy(t->style, default_styles, sizeof(t->style));
}

void cm_theme_strip_colors(struct cm_theme *t)
{
	for (int i = 0; i < CM_THEME_COUNT; i++) {
		t->style[i].fg = CM_COLOR_DEFAULT;
		t->style[i].bg = CM_COLOR_DEFAULT;
	}
	/* A theme that marks the selection by colour alone would leave no
	 * visible cursor: reverse video is what colourless terminals use. */
	if (!t->style[CM_THEME_selected].attrs)
		t->style[CM_THEME_selected].attrs = CM_ATTR_REVERSE;
}

const char *cm_theme_element_name(enum cm_theme_element e)
{
	if ((int)e < 0 || e >= CM_THEME_COUNT)
		return "?";
	return element_names[e];
}

static int find_element(const char *w)
{
	for (int i = 0; i < CM_THEME_COUNT; i++)
		if (!strcasecmp(w, element_names[i]))
			return i;
	return -1;
}

/* "default", NAME, bright-NAME or 0-255 into *c; false when w is none. */
static bool parse_color(const char *w, short *c)
{
	if (!strcasecmp(w, "default")) {
		*c = CM_COLOR_DEFAULT;
		return true;
	}
	if (isdigit((unsigned char)w[0])) {
		char *end;
		long n = strtol(w, &end, 10);
		if (*end || n > 255 || strlen(w) > 3)
			return false;
		*c = (short)n;
		return true;
	}
	int base = 0;
	if (!strncasecmp(w, "bright-", 7)) {
		base = 8;
		w += 7;
	}
	for (int i = 0; i < 8; i++) {
		if (!strcasecmp(w, color_names[i])) {
			*c = (short)(base + i);
			return true;
		}
	}
	return false;
}

static bool parse_attr(const char *w, unsigned *a)
{
	for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
		if (!strcasecmp(w, attr_names[i].name)) {
			*a |= attr_names[i].attr;
			return true;
		}
	}
	return false;
}

/* A line being read: [p, end) with comments already cut off. */
struct cursor {
	const char *p, *end;
};

/* The next word (run of non-blanks, '=' a word of its own) into w. 0 at
 * the end of the line, 1 for a word, -1 when it is too long. */
static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r'; /* \r: files saved on Windows */
}

static int next_word(struct cursor *c, char w[THEME_WORD_MAX + 1])
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
	if (c->p == c->end)
		return 0;
	size_t n = 0;
	if (*c->p == '=') {
		c->p++;
		w[n++] = '=';
	} else {
		while (c->p < c->end && !is_blank(*c->p) && *c->p != '=') {
			if (n == THEME_WORD_MAX)
				return -1;
			w[n++] = *c->p++;
		}
	}
	w[n] = '\0';
	return 1;
}

static int line_error(char *err, size_t errlen, int line, const char *what, const char *word)
{
	if (word)
		snprintf(err, errlen, "line %d: %s \"%s\"", line, what, word);
	else
		snprintf(err, errlen, "line %d: %s", line, what);
	return -1;
}

/* The colours and attributes after '=': FG [BG] [ATTR...]. */
static int parse_style(struct cursor *c, struct cm_style *st, int line, char *err,
		       size_t errlen)
{
	char w[THEME_WORD_MAX + 1];
	int ncolors = 0, r;
	struct cm_style s = {CM_COLOR_DEFAULT, CM_COLOR_DEFAULT, 0};
	while ((r = next_word(c, w)) > 0) {
		short col;
		if (parse_attr(w, &s.attrs))
			continue;
		if (!parse_color(w, &col)) {
			const char *why = ncolors ? "unknown colour or attribute"
						  : "unknown colour (default, black..white, "
						    "bright-NAME or 0-255)";
			return line_error(err, errlen, line, why, w);
		}
		if (s.attrs)
			return line_error(err, errlen, line, "colour after an attribute", w);
		if (ncolors == 2)
			return line_error(err, errlen, line, "a third colour", w);
		if (ncolors++ == 0)
			s.fg = col;
		else
			s.bg = col;
	}
	if (r < 0)
		return line_error(err, errlen, line, "word too long", NULL);
	if (!ncolors)
		return line_error(err, errlen, line, "no colour after '=' (use default)", NULL);
	*st = s;
	return 0;
}

/* One line, comment and CR already cut: blank, or ELEMENT = STYLE. */
static int parse_line(struct cm_theme *t, struct cursor c, int line, char *err, size_t errlen)
{
	char w[THEME_WORD_MAX + 1];
	int r = next_word(&c, w);
	if (r == 0)
		return 0;
	if (r < 0)
		return line_error(err, errlen, line, "word too long", NULL);
	int e = find_element(w);
	if (e < 0)
		return line_error(err, errlen, line, "unknown element", w);
	if (next_word(&c, w) != 1 || strcmp(w, "="))
		return line_error(err, errlen, line, "expected '=' after the element", NULL);
	return parse_style(&c, &t->style[e], line, err, errlen);
}

int cm_theme_parse(struct cm_theme *t, const char *text, size_t len, char *err, size_t errlen)
{
	/* Work on a copy so that t is untouched unless the whole text is good. */
	struct cm_theme work = *t;
	const char *p = text, *end = text + len;
	for (int line = 1; p < end; line++) {
		if (line > THEME_LINES_MAX)
			return line_error(err, errlen, line, "too many lines", NULL);
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if (memchr(p, '\0', (size_t)(eol - p)))
			return line_error(err, errlen, line, "NUL byte: not a text file", NULL);
		const char *hash = memchr(p, '#', (size_t)(eol - p));
		struct cursor c = {p, hash ? hash : eol};
		if (parse_line(&work, c, line, err, errlen))
			return -1;
		p = nl ? nl + 1 : end;
	}
	*t = work;
	return 0;
}
