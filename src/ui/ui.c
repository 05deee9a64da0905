/* ui: the terminal's setup, colours, keys and resizes. Drawing is in
 * draw.c, the arithmetic in src/monitor/view.c. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cmon/monitor/view.h"
#include "pview.h"
#include "ui_int.h"

/* Keys read in one call: enough for any burst a person types or pastes,
 * bounded so that a flood cannot keep the loop from polling. */
#define CM_UI_KEYS_PER_CALL 256

/* How long curses waits after an Esc for the rest of a key's sequence:
 * what Esc alone costs before it answers (issue 15: a key within a 16 ms
 * frame; 25 ms made Esc the slowest key). A terminal writes a key's
 * sequence at once (one write, one ssh packet), so its bytes are there
 * together; 5 ms still covers a 9600-baud line (a byte a millisecond). */
#define CM_UI_ESCDELAY_MS 5

#define CTRL_C 3 /* what Ctrl-C is in raw mode */
#define CTRL_U 21
#define DEL 127
#define CM_UI_ORDER_HOLD 1.0 /* seconds the services' order holds after a move */
#define CTRL_Z 26 /* and Ctrl-Z: raw mode sends no SIGTSTP */
#define TAB 9
#define ESC 27

static const struct cm_key key_table[] = {
	{{'q', 'Q'}, "q", CM_ACT_QUIT, "quit (an unsaved capture: asks once; zoom, help: back)"},
	{{CTRL_C}, "Ctrl-C", CM_ACT_INTERRUPT, "quit at once"},
	{{CTRL_Z}, "Ctrl-Z", CM_ACT_SUSPEND, "suspend to the shell (fg comes back)"},
	/* an entry without names shares the help line of the one before */
	{{KEY_UP, 'k'}, "Up Down k j", CM_ACT_UP, "previous / next service (one service: var)"},
	{{KEY_DOWN, 'j'}, NULL, CM_ACT_DOWN, NULL},
	{{KEY_LEFT, 'h'}, "Left Right", CM_ACT_LEFT, "previous / next var (also h l)"},
	{{KEY_RIGHT, 'l'}, NULL, CM_ACT_RIGHT, NULL},
	{{KEY_PPAGE}, "PgUp PgDn", CM_ACT_PAGE_UP, "a page up / down"},
	{{KEY_NPAGE}, NULL, CM_ACT_PAGE_DOWN, NULL},
	{{KEY_HOME, 'g'}, "Home End", CM_ACT_HOME, "first / last row (also g G)"},
	{{KEY_END, 'G'}, NULL, CM_ACT_END, NULL},
	{{'\r', '\n', KEY_ENTER}, "Enter", CM_ACT_ZOOM, "zoom the selected var into a tall graph, or back (? there: its keys)"},
	{{ESC}, "Esc", CM_ACT_BACK, "leave the zoom"},
	{{' '}, "Space", CM_ACT_PAUSE, "pause or resume polling"},
	{{'?'}, "?", CM_ACT_HELP, "this help; any key leaves it"},
	{{'p'}, "p", CM_ACT_PROFILE, "profile the selected service: choose a kind (below)"},
	{{'s'}, "s o", CM_ACT_SORT, "sort: s by the selected var (highest, then lowest first), "
	 "o by name, by state"},
	{{'o'}, NULL, CM_ACT_SORT_OTHER, NULL},
	{{'/'}, "/ n N", CM_ACT_FILTER, "a regex over services' names and addresses: Enter filters, "
	 "Esc searches (marks; n N next / previous match)"},
	{{'n'}, NULL, CM_ACT_NEXT_MATCH, NULL},
	{{'N'}, NULL, CM_ACT_PREV_MATCH, NULL},
	{{'e'}, "e", CM_ACT_SCALE, "sparklines: one scale for every service, or each its own range"},
	{{'c'}, "c t H", CM_ACT_HEAT, "table: c heat map on / off, t totals of gauges (sum, mean, "
	 "max), H group by host"},
	{{'t'}, NULL, CM_ACT_TOTALS, NULL},
	{{'H'}, NULL, CM_ACT_GROUP, NULL},
	{{TAB}, "Tab", CM_ACT_FOCUS, "keys to the profile pane, or back to the sparklines"},
};

/* Taken before the viewer sees a key, while the pane has the keys. Esc
 * cancels a CPU capture or a first fetch; otherwise it belongs to the
 * viewer (back a level, and at the first level: close). Tab and R are the
 * viewer's too (next hot line, fetch again): here they are these, and
 * the viewer's ] and r still do its part. < and > are no viewer key. The
 * pane's help lists this table, then the viewer's without Tab and R. */
static const struct cm_key pane_table[] = {
	{{TAB}, "Tab", CM_ACT_FOCUS, "switch panes: keys back to the sparklines"},
	{{ESC, 'x'}, "Esc x", CM_ACT_PANE_CANCEL, "stop the running CPU capture or fetch"},
	{{'r'}, "r", CM_ACT_PANE_REFETCH, "fetch the profile again (CPU: a new capture)"},
	{{'R'}, "R", CM_ACT_PANE_LIVE, "live: fetch it again every interval (not CPU)"},
	/* O shares < >'s line: the help fits 30 rows */
	{{'<', '>'}, "< > O", CM_ACT_PANE_HISTORY, "the previous / next capture of this kind (this "
	 "run's); O rolling CPU captures on / off"},
	{{'O'}, NULL, CM_ACT_PANE_ROLLING, NULL},
	{{'q', ESC}, "q Esc", CM_ACT_PANE_CLOSE, "close the pane (from the viewer's first level; "
	 "an unsaved capture asks once)"},
};

/* In the zoom, before the monitor's: the window on the run. h and l
 * still change the var on a fleet's zoom (Left and Right pan). */
static const struct cm_key zoom_table[] = {
	{{KEY_LEFT}, "Left Right", CM_ACT_ZOOM_BACK, "pan back / forward in time (a column)"},
	{{KEY_RIGHT}, NULL, CM_ACT_ZOOM_FORWARD, NULL},
	{{KEY_PPAGE}, "PgUp PgDn", CM_ACT_ZOOM_PAGE_BACK, "a screen back / forward"},
	{{KEY_NPAGE}, NULL, CM_ACT_ZOOM_PAGE_FORWARD, NULL},
	{{KEY_HOME}, "Home End", CM_ACT_ZOOM_OLDEST, "the start of the run / live again (follows "
	 "new samples)"},
	{{KEY_END}, NULL, CM_ACT_ZOOM_LIVE, NULL},
	{{'-'}, "- +", CM_ACT_ZOOM_OUT, "zoom out / in: more polls a dot, up to the whole run "
	 "(min..max band), or one"},
	{{'+', '='}, NULL, CM_ACT_ZOOM_IN, NULL},
	{{','}, ", .", CM_ACT_ZOOM_PREV_MARK, "the previous / next mark on the timeline (capture, "
	 "restart, down): the cursor"},
	{{'.'}, NULL, CM_ACT_ZOOM_NEXT_MARK, NULL},
	{{'v'}, "v", CM_ACT_ZOOM_OPEN_MARK, "open the capture at the cursor in the profile pane"},
	{{'V'}, "V", CM_ACT_ZOOM_SPAN, "start a span at the cursor (a mark, else the right edge); "
	 "V again ends it: the service's CPU captures in it open merged in the pane"},
};

/* After p: one key a kind; help is what the chooser lists. */
static const struct cm_key chooser_table[] = {
	{{'c'}, "c", CM_ACT_KIND_FIRST + CM_PROF_CPU, "cpu"},
	{{'h'}, "h", CM_ACT_KIND_FIRST + CM_PROF_HEAP, "heap"},
	{{'a'}, "a", CM_ACT_KIND_FIRST + CM_PROF_ALLOCS, "allocs"},
	{{'g'}, "g", CM_ACT_KIND_FIRST + CM_PROF_GOROUTINE, "goroutine"},
	{{'b'}, "b", CM_ACT_KIND_FIRST + CM_PROF_BLOCK, "block"},
	{{'m'}, "m", CM_ACT_KIND_FIRST + CM_PROF_MUTEX, "mutex"},
	{{'t'}, "t", CM_ACT_KIND_FIRST + CM_PROF_THREADCREATE, "threadcreate"},
	{{ESC, 'q', 'p'}, "Esc", CM_ACT_CHOOSER_BACK, "back"},
};

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

const struct cm_key *cm_ui_keys(size_t *n)
{
	*n = COUNT(key_table);
	return key_table;
}

const struct cm_key *cm_ui_pane_keys(size_t *n)
{
	*n = COUNT(pane_table);
	return pane_table;
}

const struct cm_key *cm_ui_zoom_keys(size_t *n)
{
	*n = COUNT(zoom_table);
	return zoom_table;
}

const struct cm_key *cm_ui_chooser_keys(size_t *n)
{
	*n = COUNT(chooser_table);
	return chooser_table;
}

/* True when the pane's table binds ch to action a. */
static bool pane_bound(enum cm_ui_action a, int ch)
{
	for (size_t i = 0; i < COUNT(pane_table); i++)
		if (pane_table[i].action == (int)a && cm_key_binds(&pane_table[i], ch))
			return true;
	return false;
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
		return (struct cm_ui_marks){"+", "x", "!", "?", "^", "v", "<", ">", "~", "+", "*"};
	return (struct cm_ui_marks){"●", "✖", "↻", "…", "↑", "↓", "←", "→", "…", "Σ", "◆"};
}

struct cm_ui *cm_ui_open(const struct cm_ui_opts *o, char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the screen needs a terminal");
		return NULL;
	}
	const char *term = getenv("TERM");
	if (!term || !*term) {
		snprintf(err, errlen, "TERM is not set");
		return NULL;
	}
	struct cm_ui *ui = calloc(1, sizeof(*ui));
	if (ui) {
		cm_svc_order_init(&ui->order, CM_UI_ORDER_HOLD);
		ui->order.group = true; /* grouped as soon as there are two hosts */
		ui->heat = true;
		cm_plot_init(&ui->plot);
	}
	if (!ui) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ui->opts = *o;
	ui->marks = choose_marks(o->glyphs);
	/* newterm, not initscr: initscr exits the process when TERM is bad. */
	ui->screen = newterm(NULL, stdout, stdin);
	if (!ui->screen) {
		snprintf(err, errlen, "TERM=%s: unknown terminal type", term);
		free(ui);
		return NULL;
	}
	/* A terminal without cursor addressing (TERM=dumb, a printing one)
	 * passes newterm and draws one garbled line: refuse it before any
	 * drawing, as an unknown one. */
	const char *cup = tigetstr("cup");
	if (!cup || cup == (const char *)-1) {
		snprintf(err, errlen, "TERM=%s: the terminal cannot move the cursor", term);
		endwin();
		delscreen(ui->screen);
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

void cm_ui_mouse(bool on)
{
	mousemask(on ? BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED : 0, NULL);
}

void cm_ui_close(struct cm_ui *ui)
{
	if (!ui)
		return;
	cm_ui_pane_forget(ui);
	endwin();
	delscreen(ui->screen);
	cm_svc_order_free(&ui->order);
	cm_plot_free(&ui->plot);
	free(ui);
}

void cm_ui_suspend(struct cm_ui *ui)
{
	endwin();
	/* The default action for the time of the stop: curses may have put
	 * its own handler there, which would end the screen a second time.
	 * The whole process group stops, as for a Ctrl-Z the tty sent. */
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, &old);
	kill(0, SIGTSTP);
	/* SIGCONT (fg): the terminal may have changed size meanwhile, and
	 * the shell wrote over the screen. */
	sigaction(SIGTSTP, &old, NULL);
	cm_ui_resize(ui);
	clearok(curscr, TRUE);
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

/* An index of a service after the change, or SIZE_MAX when it left. */
static size_t remapped(const size_t *to, size_t nold, size_t i)
{
	return i < nold ? to[i] : SIZE_MAX;
}

void cm_ui_services_changed(struct cm_ui *ui, const size_t *to, size_t nold)
{
	size_t row = cm_svc_order_row_of(&ui->order, ui->sel_svc);
	cm_svc_order_remap(&ui->order, to, nold);
	size_t sel = remapped(to, nold, ui->sel_svc);
	if (sel == SIZE_MAX && ui->order.n) /* it left: the one now on its row */
		sel = ui->order.rows[row < ui->order.n ? row : ui->order.n - 1];
	ui->sel_svc = sel == SIZE_MAX ? 0 : sel;
	size_t chosen = remapped(to, nold, ui->chooser_svc);
	if (chosen == SIZE_MAX)
		ui->chooser = false; /* its service left: nothing to profile */
	ui->chooser_svc = chosen == SIZE_MAX ? 0 : chosen;
}

/* Several services: the selection moves along the rows as shown (sorted,
 * filtered), and the order holds while it moves. */
static void move_row(struct cm_ui *ui, long d, double now)
{
	const struct cm_svc_order *o = &ui->order;
	if (!o->n)
		return;
	size_t row = cm_svc_order_row_of(o, ui->sel_svc);
	row = cm_view_move(row == SIZE_MAX ? 0 : row, d, o->n);
	ui->sel_svc = o->rows[row];
	cm_svc_order_moved(&ui->order, now);
}

static void move_sel(struct cm_ui *ui, const struct cm_monitor *m, enum cm_ui_action a,
		     double now)
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
		move_row(ui, d, now);
	else
		ui->sel_var = cm_view_move(ui->sel_var, d, nvars(m));
}

/* The service p would profile: the selected one. */
static size_t selected_service(const struct cm_ui *ui, const struct cm_monitor *m)
{
	return m->nsvc > 1 ? cm_view_move(ui->sel_svc, 0, m->nsvc) : 0;
}

/* ---- the services' filter: a prompt on the bottom line ---- */

/* The prompt starts with the filter, else the search: Enter makes a
 * search a filter, Esc keeps it a search. */
static void open_filter(struct cm_ui *ui)
{
	const struct cm_svc_order *o = &ui->order;
	ui->filtering = true;
	snprintf(ui->filter_before, sizeof(ui->filter_before), "%s", o->filter_text);
	snprintf(ui->filter_input, sizeof(ui->filter_input), "%s",
		 o->filter ? o->filter_text : o->search_text);
	ui->filter_len = strlen(ui->filter_input);
	ui->filter_err[0] = '\0';
}

/* The text typed so far filters at once when it is a regex; when it is not
 * yet one (a bracket still open), the rows stay and the prompt says why. */
static void filter_apply(struct cm_ui *ui, const char *re)
{
	char err[sizeof(ui->filter_err)];
	if (cm_svc_order_set_filter(&ui->order, re, err, sizeof(err)) < 0) {
		snprintf(ui->filter_err, sizeof(ui->filter_err), "%s", err);
		return;
	}
	ui->filter_err[0] = '\0';
	ui->order_changed = true;
}

/* Esc at the prompt: the filter goes back to what it was, and the text
 * typed (else its last good regex) searches instead: nothing hidden, the
 * matches marked, n and N jump between them. */
static void filter_to_search(struct cm_ui *ui)
{
	char err[sizeof(ui->filter_err)];
	ui->filtering = false;
	if (cm_svc_order_set_search(&ui->order, ui->filter_input, err, sizeof(err)) < 0 &&
	    cm_svc_order_set_search(&ui->order, ui->order.filter_text, err, sizeof(err)) < 0)
		cm_svc_order_set_search(&ui->order, NULL, NULL, 0);
	filter_apply(ui, ui->filter_before);
	ui->filter_err[0] = '\0';
}

/* n / N: the selection to the next (dir 1) or previous match. */
static void jump_match(struct cm_ui *ui, const struct cm_monitor *m, int dir, double now)
{
	struct cm_svc_order *o = &ui->order;
	if (m->nsvc < 2)
		return;
	if (!o->search) {
		snprintf(ui->note, sizeof(ui->note), "no search: / then Esc searches");
		return;
	}
	size_t r = cm_svc_order_next_hit(o, m, cm_svc_order_row_of(o, ui->sel_svc), dir);
	if (r == SIZE_MAX) {
		snprintf(ui->note, sizeof(ui->note), "no service shown matches /%.100s/", o->search_text);
		return;
	}
	ui->sel_svc = o->rows[r];
	cm_svc_order_moved(o, now);
	size_t nth = 0, hits = 0; /* which match this is, for the footer */
	for (size_t k = 0; k < o->n; k++) {
		bool hit = cm_svc_order_hit(o, m, o->rows[k]);
		hits += hit;
		nth += hit && k <= r;
	}
	snprintf(ui->note, sizeof(ui->note), "/%.100s/: match %zu of %zu (n N)", o->search_text,
		 nth, hits);
}

static int filter_key(struct cm_ui *ui, int ch)
{
	switch (ch) {
	case '\r':
	case '\n':
	case KEY_ENTER: /* the filter stays; one regex at a time: no search */
		ui->filtering = false;
		if (ui->filter_err[0]) /* Enter on a broken regex keeps the last good one */
			ui->filter_err[0] = '\0';
		cm_svc_order_set_search(&ui->order, NULL, NULL, 0);
		return CM_UI_DIRTY;
	case ESC:
		filter_to_search(ui);
		return CM_UI_DIRTY;
	case KEY_BACKSPACE:
	case DEL:
	case 8: /* Ctrl-H */
		while (ui->filter_len > 0 &&
		       ((unsigned char)ui->filter_input[--ui->filter_len] & 0xc0) == 0x80)
			; /* a whole UTF-8 character */
		break;
	case CTRL_U:
		ui->filter_len = 0;
		break;
	default:
		if (ch < ' ' || ch > 0xff || ch == DEL || ui->filter_len + 1 >= sizeof(ui->filter_input))
			return 0;
		ui->filter_input[ui->filter_len++] = (char)ch;
		break;
	}
	ui->filter_input[ui->filter_len] = '\0';
	filter_apply(ui, ui->filter_input);
	return CM_UI_DIRTY;
}

/* One key in the list or zoom. Returns CM_UI_* flags. */
static int act(struct cm_ui *ui, struct cm_monitor *m, const struct cm_prof_pane *p,
	       enum cm_ui_action a, double now)
{
	ui->note[0] = '\0'; /* the last key's answer is old news */
	switch (a) {
	case CM_ACT_INTERRUPT:
		return CM_UI_QUIT;
	case CM_ACT_QUIT:
		if (ui->mode != CM_MODE_LIST) {
			ui->mode = CM_MODE_LIST;
			break;
		}
		if (p && p->open && p->unsaved && !ui->quit_armed) {
			/* as closing the pane asks: a capture cannot be taken again */
			ui->quit_asked = true;
			snprintf(ui->note, sizeof ui->note, "unsaved capture: q again quits");
			break;
		}
		return CM_UI_QUIT;
	case CM_ACT_BACK:
		ui->mode = CM_MODE_LIST;
		break;
	case CM_ACT_ZOOM:
		ui->mode = ui->mode == CM_MODE_ZOOM || !nvars(m) ? CM_MODE_LIST : CM_MODE_ZOOM;
		ui->zoom.panned = ui->zoom.has_mark = false; /* a new zoom starts live */
		break;
	case CM_ACT_PAUSE:
		m->paused = !m->paused;
		break;
	case CM_ACT_HELP:
		ui->help_from = ui->mode;
		ui->mode = CM_MODE_HELP;
		break;
	case CM_ACT_PROFILE:
		ui->chooser = m->nsvc > 0;
		ui->chooser_svc = selected_service(ui, m);
		break;
	case CM_ACT_FOCUS:
		ui->pane_focus = p && p->open && !ui->pane_focus;
		break;
	case CM_ACT_SORT:
		cm_svc_order_cycle_var(&ui->order, ui->sel_var);
		ui->order_changed = true;
		break;
	case CM_ACT_SORT_OTHER:
		cm_svc_order_cycle_other(&ui->order);
		ui->order_changed = true;
		break;
	case CM_ACT_FILTER:
		open_filter(ui);
		break;
	case CM_ACT_SCALE:
		ui->own_scale = !ui->own_scale;
		break;
	case CM_ACT_NEXT_MATCH:
	case CM_ACT_PREV_MATCH:
		jump_match(ui, m, a == CM_ACT_NEXT_MATCH ? 1 : -1, now);
		break;
	case CM_ACT_HEAT:
		ui->heat = !ui->heat;
		break;
	case CM_ACT_TOTALS:
		ui->gauges = (enum cm_agg)((ui->gauges + 1) % CM_AGG_COUNT);
		break;
	case CM_ACT_GROUP:
		ui->order.group = !ui->order.group;
		ui->order_changed = true;
		break;
	default:
		move_sel(ui, m, a, now);
		break;
	}
	if (ui->mode != CM_MODE_ZOOM)
		ui->span_start = 0; /* leaving the zoom drops a span half selected */
	return CM_UI_DIRTY;
}

/* A key asks the app for something. */
static int pane_request(struct cm_ui *ui, struct cm_pane_request *req, enum cm_pane_req_kind what)
{
	req->what = what;
	if (ui->pview) /* the last key's message is old news now */
		cm_pview_set_note(ui->pview, NULL, false);
	if (what == CM_PANE_REQ_CLOSE)
		ui->pane_focus = false;
	return CM_UI_DIRTY | CM_UI_PANE;
}

static int chooser_key(struct cm_ui *ui, struct cm_pane_request *req, int ch)
{
	const struct cm_key *k = cm_key_find(chooser_table, COUNT(chooser_table), ch);
	if (!k)
		return 0;
	ui->chooser = false;
	if (k->action == CM_ACT_CHOOSER_BACK)
		return CM_UI_DIRTY;
	req->kind = (enum cm_prof_kind)(k->action - CM_ACT_KIND_FIRST);
	req->svc = ui->chooser_svc;
	ui->pane_focus = true;
	return pane_request(ui, req, CM_PANE_REQ_OPEN);
}

/* Keys the pane leaves alone that still mean something with it focused:
 * pausing the polls and the help screen. */
static int global_key(struct cm_ui *ui, struct cm_monitor *m, const struct cm_prof_pane *p,
		      int ch)
{
	const struct cm_key *k = cm_key_find(key_table, COUNT(key_table), ch);
	if (k && (k->action == CM_ACT_PAUSE || k->action == CM_ACT_HELP))
		return act(ui, m, p, (enum cm_ui_action)k->action, 0);
	return 0;
}

/* The viewer has a profile on screen and the pane the keys: it decides. */
static int pview_key(struct cm_ui *ui, struct cm_monitor *m, const struct cm_prof_pane *p,
		     struct cm_pane_request *req, int ch, double now, bool asked)
{
	int r = cm_pview_key(ui->pview, ch, now);
	if (r & CM_PVIEW_QUIT)
		return CM_UI_QUIT;
	if ((r & CM_PVIEW_CLOSE) && p->unsaved && !asked) {
		/* a capture cannot be taken again: one more key to lose it */
		ui->close_asked = true;
		cm_pview_set_note(ui->pview, "unsaved capture: w saves, q/Esc again closes "
				  "(< brings it back this run)", false);
		return CM_UI_DIRTY;
	}
	if (r & CM_PVIEW_CLOSE)
		return pane_request(ui, req, CM_PANE_REQ_CLOSE);
	if (r & CM_PVIEW_REFETCH)
		return pane_request(ui, req, CM_PANE_REQ_REFETCH);
	if (r & CM_PVIEW_UNHANDLED)
		return global_key(ui, m, p, ch);
	return r & CM_PVIEW_REDRAW ? CM_UI_DIRTY : 0;
}

/* Esc stops a fetch only when the viewer has nothing better to do with
 * it: during a CPU capture (the slow one, worth a quick key) or before a
 * first profile. x always does. */
static bool cancel_applies(const struct cm_ui *ui, const struct cm_prof_pane *p, int ch)
{
	if (p->phase == CM_PANE_IDLE)
		return false;
	return ch != ESC || p->phase == CM_PANE_CAPTURING || !ui->pview;
}

/* The viewer's pane exists as soon as the app has a viewer for it. */
static void ensure_pview(struct cm_ui *ui, const struct cm_prof_pane *p)
{
	if (ui->pview || !p || !p->viewer)
		return;
	/* what the pane takes whatever the viewer shows: Tab and R */
	size_t n = 0;
	for (size_t i = 0; i < COUNT(pane_table); i++) {
		if (pane_table[i].action != CM_ACT_FOCUS && pane_table[i].action != CM_ACT_PANE_LIVE)
			continue;
		for (int k = 0; k < CM_KEYS_PER_ACTION && pane_table[i].keys[k]; k++)
			if (n + 1 < COUNT(ui->pane_taken))
				ui->pane_taken[n++] = pane_table[i].keys[k];
	}
	ui->pane_taken[n] = 0;
	struct cm_pview_opts o = {.can_refetch = true, .can_close = true, .saver = ui->saver,
				  .host_keys = pane_table, .nhost_keys = COUNT(pane_table),
				  .host_title = "the profile pane's own keys", .taken = ui->pane_taken};
	ui->pview = cm_pview_new(p->viewer, &o);
	cm_ui_mouse(ui->pview != NULL);
}

void cm_ui_set_pane_saver(struct cm_ui *ui, const struct cm_pview_saver *s)
{
	ui->saver = *s;
}

static int pane_key(struct cm_ui *ui, struct cm_monitor *m, const struct cm_prof_pane *p,
		    struct cm_pane_request *req, int ch, double now)
{
	ensure_pview(ui, p);
	bool asked = ui->close_asked; /* only the very next key closes */
	ui->close_asked = false;
	if (ui->pview && cm_pview_capturing(ui->pview)) /* a prompt takes every key */
		return pview_key(ui, m, p, req, ch, now, asked);
	if (pane_bound(CM_ACT_FOCUS, ch)) {
		ui->pane_focus = false;
		return CM_UI_DIRTY;
	}
	if (pane_bound(CM_ACT_PANE_LIVE, ch))
		return pane_request(ui, req, CM_PANE_REQ_LIVE);
	if (pane_bound(CM_ACT_PANE_HISTORY, ch))
		return pane_request(ui, req, ch == '<' ? CM_PANE_REQ_OLDER : CM_PANE_REQ_NEWER);
	if (pane_bound(CM_ACT_PANE_ROLLING, ch))
		return pane_request(ui, req, CM_PANE_REQ_ROLLING);
	if (pane_bound(CM_ACT_PANE_CANCEL, ch) && cancel_applies(ui, p, ch))
		return pane_request(ui, req, CM_PANE_REQ_CANCEL);
	if (ui->pview)
		return pview_key(ui, m, p, req, ch, now, asked);
	if (pane_bound(CM_ACT_PANE_REFETCH, ch))
		return pane_request(ui, req, CM_PANE_REQ_REFETCH);
	if (pane_bound(CM_ACT_PANE_CLOSE, ch))
		return pane_request(ui, req, CM_PANE_REQ_CLOSE);
	return global_key(ui, m, p, ch);
}

void cm_ui_set_host_keys(struct cm_ui *ui, const char *keys)
{
	ui->host_keys = keys;
}

void cm_ui_prompt(struct cm_ui *ui, const char *label)
{
	ui->prompting = true;
	snprintf(ui->prompt_label, sizeof(ui->prompt_label), "%s", label);
	ui->prompt_len = 0;
	ui->prompt_input[0] = '\0';
}

int cm_ui_host_key(const struct cm_ui *ui, char *text, size_t cap)
{
	if (text && cap)
		snprintf(text, cap, "%s", ui->host_key == CM_UI_PROMPT_DONE ? ui->prompt_input : "");
	return ui->host_key;
}

/* The app's prompt: printable ASCII, Backspace, Ctrl-U; Enter gives it to
 * the app, Esc drops it. */
static int prompt_key(struct cm_ui *ui, int ch)
{
	switch (ch) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		ui->prompting = false;
		ui->host_key = CM_UI_PROMPT_DONE;
		return CM_UI_HOST | CM_UI_DIRTY;
	case ESC:
		ui->prompting = false;
		return CM_UI_DIRTY;
	case KEY_BACKSPACE:
	case DEL:
	case 8:
		if (ui->prompt_len)
			ui->prompt_len--;
		break;
	case CTRL_U:
		ui->prompt_len = 0;
		break;
	default:
		if (ch < ' ' || ch >= DEL || ui->prompt_len + 1 >= sizeof(ui->prompt_input))
			return 0;
		ui->prompt_input[ui->prompt_len++] = (char)ch;
		break;
	}
	ui->prompt_input[ui->prompt_len] = '\0';
	return CM_UI_DIRTY;
}

static int key(struct cm_ui *ui, struct cm_monitor *m, struct cm_prof_pane *p,
	       struct cm_pane_request *req, int ch, double now)
{
	if (ch == KEY_RESIZE) /* curses' own SIGWINCH handling: already resized */
		return CM_UI_DIRTY;
	if (ch == KEY_MOUSE) { /* a click on the pane's flame graph gives it the keys */
		if (!ui->pview || !p || !p->open || !(cm_pview_key(ui->pview, ch, now) & CM_PVIEW_REDRAW))
			return 0;
		ui->pane_focus = true;
		return CM_UI_DIRTY;
	}
	ui->quit_armed = ui->quit_asked; /* only the very next key quits */
	ui->quit_asked = false;
	const struct cm_key *k = cm_key_find(key_table, COUNT(key_table), ch);
	if (k && k->action == CM_ACT_INTERRUPT) /* wherever the keys go */
		return CM_UI_QUIT;
	if (k && k->action == CM_ACT_SUSPEND) {
		cm_ui_suspend(ui);
		return CM_UI_DIRTY;
	}
	if (ui->mode == CM_MODE_HELP) {
		ui->mode = ui->help_from;
		return CM_UI_DIRTY;
	}
	if (ui->prompting)
		return prompt_key(ui, ch);
	if (ui->chooser)
		return chooser_key(ui, req, ch);
	if (ui->pane_focus)
		return pane_key(ui, m, p, req, ch, now);
	if (ui->filtering)
		return filter_key(ui, ch);
	if (ui->host_keys && ch > 0 && ch < 128 && strchr(ui->host_keys, ch)) {
		ui->host_key = ch;
		return CM_UI_HOST | CM_UI_DIRTY;
	}
	const struct cm_key *z = ui->mode == CM_MODE_ZOOM ? cm_key_find(zoom_table, COUNT(zoom_table), ch)
							   : NULL;
	if (z) {
		int r = cm_zoom_act(ui, m, (enum cm_ui_action)z->action, req);
		if (r & CM_UI_PANE) {
			ui->pane_focus = true;
			return pane_request(ui, req, req->what);
		}
		return r;
	}
	return k ? act(ui, m, p, (enum cm_ui_action)k->action, now) : 0;
}

int cm_ui_input(struct cm_ui *ui, struct cm_monitor *m, struct cm_prof_pane *pane,
		struct cm_pane_request *req, double now)
{
	int flags = 0;
	req->what = CM_PANE_REQ_NONE;
	if (!pane || !pane->open)
		ui->pane_focus = false;
	for (int i = 0; i < CM_UI_KEYS_PER_CALL; i++) {
		int ch = getch();
		if (ch == ERR)
			break;
		flags |= key(ui, m, pane, req, ch, now);
		if (flags & (CM_UI_QUIT | CM_UI_PANE | CM_UI_HOST))
			break;
	}
	return flags;
}

void cm_ui_note(struct cm_ui *ui, const char *text)
{
	snprintf(ui->note, sizeof ui->note, "%s", text);
}

void cm_ui_pane_forget(struct cm_ui *ui)
{
	if (ui && ui->pview) {
		cm_pview_free(ui->pview);
		ui->pview = NULL;
		cm_ui_mouse(false);
	}
}

double cm_ui_next_tick(const struct cm_ui *ui)
{
	return ui->pview ? cm_pview_next_tick(ui->pview) : -1;
}

int cm_ui_tick(struct cm_ui *ui, double now)
{
	if (!ui->pview)
		return 0;
	return cm_pview_tick(ui->pview, now) & CM_PVIEW_REDRAW ? CM_UI_DIRTY : 0;
}

void cm_ui_draw(struct cm_ui *ui, const struct cm_monitor *m, const struct cm_prof_pane *pane,
		double now, double mono)
{
	erase();
	ensure_pview(ui, pane);
	cm_ui_draw_frame(ui, m, pane, now, mono);
	wnoutrefresh(stdscr);
	doupdate();
}
