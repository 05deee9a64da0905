/* ui: the terminal's setup, colours, keys and resizes. Drawing is in
 * draw.c, the arithmetic in view.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ui_int.h"
#include "view.h"

/* Keys read in one call: enough for any burst a person types or pastes,
 * bounded so that a flood cannot keep the loop from polling. */
#define CM_UI_KEYS_PER_CALL 256

/* Esc alone must answer quickly; escape sequences from the terminal
 * arrive within a few milliseconds. */
#define CM_UI_ESCDELAY_MS 25

#define CTRL_C 3 /* what Ctrl-C is in raw mode */
#define ESC 27

static const struct cm_ui_key key_table[] = {
	{{'q', 'Q'}, "q", CM_ACT_QUIT, "quit (from the zoom or help: go back)"},
	{{CTRL_C}, "Ctrl-C", CM_ACT_INTERRUPT, "quit at once"},
	{{KEY_UP, 'k'}, "Up k", CM_ACT_UP, "previous service (one service: previous var)"},
	{{KEY_DOWN, 'j'}, "Down j", CM_ACT_DOWN, "next service (one service: next var)"},
	{{KEY_LEFT, 'h'}, "Left h", CM_ACT_LEFT, "previous var"},
	{{KEY_RIGHT, 'l'}, "Right l", CM_ACT_RIGHT, "next var"},
	{{KEY_PPAGE}, "PgUp", CM_ACT_PAGE_UP, "a page up"},
	{{KEY_NPAGE}, "PgDn", CM_ACT_PAGE_DOWN, "a page down"},
	{{KEY_HOME, 'g'}, "Home g", CM_ACT_HOME, "first row"},
	{{KEY_END, 'G'}, "End G", CM_ACT_END, "last row"},
	{{'\r', '\n', KEY_ENTER}, "Enter", CM_ACT_ZOOM, "zoom the selected var into a tall graph, or back"},
	{{ESC}, "Esc", CM_ACT_BACK, "leave the zoom"},
	{{' '}, "Space", CM_ACT_PAUSE, "pause or resume polling"},
	{{'?'}, "?", CM_ACT_HELP, "this help; any key leaves it"},
};

const struct cm_ui_key *cm_ui_keys(size_t *n)
{
	*n = sizeof(key_table) / sizeof(key_table[0]);
	return key_table;
}

static const struct cm_ui_key *find_key(int ch)
{
	for (size_t i = 0; i < sizeof(key_table) / sizeof(key_table[0]); i++)
		for (int k = 0; k < CM_UI_KEYS_PER_ACTION && key_table[i].keys[k]; k++)
			if (key_table[i].keys[k] == ch)
				return &key_table[i];
	return NULL;
}

static attr_t theme_attrs(unsigned a)
{
	attr_t r = 0;
	if (a & CM_ATTR_BOLD)
		r |= A_BOLD;
	if (a & CM_ATTR_DIM)
		r |= A_DIM;
	if (a & CM_ATTR_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & CM_ATTR_REVERSE)
		r |= A_REVERSE;
#ifdef A_ITALIC
	if (a & CM_ATTR_ITALIC)
		r |= A_ITALIC;
#endif
	return r;
}

/* One colour pair per theme element (pair 0 is curses' own). Colours the
 * terminal lacks fall back (view.c); without use_default_colors the
 * "default" colour is white on black, which is what such terminals show. */
static void setup_colors(struct cm_ui *ui)
{
	bool colors = has_colors() && start_color() == OK;
	bool defaults = colors && use_default_colors() == OK;
	for (int i = 0; i < CM_THEME_COUNT; i++) {
		const struct cm_style *st = &ui->opts.theme.style[i];
		ui->style[i] = theme_attrs(st->attrs);
		if (!colors || i + 1 >= COLOR_PAIRS)
			continue;
		short fg = cm_view_color(st->fg, COLORS), bg = cm_view_color(st->bg, COLORS);
		if (fg < 0 && bg < 0)
			continue; /* pair 0 is the terminal's defaults */
		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		if (init_pair((short)(i + 1), fg, bg) == OK)
			ui->style[i] |= (attr_t)COLOR_PAIR(i + 1);
	}
}

static struct cm_ui_marks choose_marks(enum cm_glyphs g)
{
	if (g == CM_GLYPHS_ASCII)
		return (struct cm_ui_marks){"+", "x", "!", "?", "^", "v", "<", ">", "~"};
	return (struct cm_ui_marks){"●", "✖", "↻", "…", "↑", "↓", "←", "→", "…"};
}

struct cm_ui *cm_ui_open(const struct cm_ui_opts *o, char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the screen needs a terminal (use -dummy or -once)");
		return NULL;
	}
	struct cm_ui *ui = calloc(1, sizeof(*ui));
	if (!ui) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ui->opts = *o;
	ui->marks = choose_marks(o->glyphs);
	/* newterm, not initscr: initscr exits the process when TERM is bad. */
	ui->screen = newterm(NULL, stdout, stdin);
	if (!ui->screen) {
		const char *term = getenv("TERM");
		snprintf(err, errlen, "cannot use the terminal type \"%s\"", term ? term : "");
		free(ui);
		return NULL;
	}
	raw();
	noecho();
	nonl();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	set_escdelay(CM_UI_ESCDELAY_MS);
	curs_set(0);
	setup_colors(ui);
	bkgdset(' ' | ui->style[CM_THEME_normal]);
	return ui;
}

void cm_ui_close(struct cm_ui *ui)
{
	if (!ui)
		return;
	endwin();
	delscreen(ui->screen);
	free(ui);
}

void cm_ui_resize(struct cm_ui *ui)
{
	(void)ui;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		resizeterm(ws.ws_row, ws.ws_col);
	} else {
		/* curses asks the terminal again on the next refresh */
		endwin();
		refresh();
	}
}

/* The selected var and service can point past the end after the monitor
 * changed; every move starts from a valid one. */
static size_t nvars(const struct cm_monitor *m)
{
	return m->vars.n;
}

static void move_sel(struct cm_ui *ui, const struct cm_monitor *m, enum cm_ui_action a)
{
	bool multi = m->nsvc > 1;
	long page = ui->page > 1 ? (long)ui->page - 1 : 1;
	long d = 0;
	switch (a) {
	case CM_ACT_UP: d = -1; break;
	case CM_ACT_DOWN: d = 1; break;
	case CM_ACT_PAGE_UP: d = -page; break;
	case CM_ACT_PAGE_DOWN: d = page; break;
	case CM_ACT_HOME: d = -LONG_MAX; break;
	case CM_ACT_END: d = LONG_MAX; break;
	case CM_ACT_LEFT: ui->sel_var = cm_view_move(ui->sel_var, -1, nvars(m)); return;
	case CM_ACT_RIGHT: ui->sel_var = cm_view_move(ui->sel_var, 1, nvars(m)); return;
	default: return;
	}
	if (multi)
		ui->sel_svc = cm_view_move(ui->sel_svc, d, m->nsvc);
	else
		ui->sel_var = cm_view_move(ui->sel_var, d, nvars(m));
}

/* One key in the list or zoom. Returns CM_UI_* flags. */
static int act(struct cm_ui *ui, struct cm_monitor *m, enum cm_ui_action a)
{
	switch (a) {
	case CM_ACT_INTERRUPT:
		return CM_UI_QUIT;
	case CM_ACT_QUIT:
		if (ui->mode == CM_MODE_LIST)
			return CM_UI_QUIT;
		ui->mode = CM_MODE_LIST;
		break;
	case CM_ACT_BACK:
		ui->mode = CM_MODE_LIST;
		break;
	case CM_ACT_ZOOM:
		ui->mode = ui->mode == CM_MODE_ZOOM || !nvars(m) ? CM_MODE_LIST : CM_MODE_ZOOM;
		break;
	case CM_ACT_PAUSE:
		m->paused = !m->paused;
		break;
	case CM_ACT_HELP:
		ui->help_from = ui->mode;
		ui->mode = CM_MODE_HELP;
		break;
	default:
		move_sel(ui, m, a);
		break;
	}
	return CM_UI_DIRTY;
}

static int key(struct cm_ui *ui, struct cm_monitor *m, int ch)
{
	if (ch == KEY_RESIZE) /* curses' own SIGWINCH handling: already resized */
		return CM_UI_DIRTY;
	const struct cm_ui_key *k = find_key(ch);
	if (k && k->action == CM_ACT_INTERRUPT)
		return CM_UI_QUIT;
	if (ui->mode == CM_MODE_HELP) {
		ui->mode = ui->help_from;
		return CM_UI_DIRTY;
	}
	return k ? act(ui, m, k->action) : 0;
}

int cm_ui_input(struct cm_ui *ui, struct cm_monitor *m)
{
	int flags = 0;
	for (int i = 0; i < CM_UI_KEYS_PER_CALL; i++) {
		int ch = getch();
		if (ch == ERR)
			break;
		flags |= key(ui, m, ch);
		if (flags & CM_UI_QUIT)
			break;
	}
	return flags;
}

void cm_ui_draw(struct cm_ui *ui, const struct cm_monitor *m, double now)
{
	erase();
	cm_ui_draw_frame(ui, m, now);
	wnoutrefresh(stdscr);
	doupdate();
}
