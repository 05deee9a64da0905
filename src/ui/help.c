/* help: the ? screen, written from the key tables that bind the keys
 * (ui.c), so that the two cannot disagree: the monitor's keys, the
 * profile pane's, and the chooser's kinds on one line. */
#include <stdio.h>
#include <string.h>

#include "draw.h"

/* Room for every table's entries and two headings. */
#define HELP_LINES_MAX 48

/* One line of the help: a key's (names, help) or a heading (names NULL). */
struct help_line {
	const char *names, *help;
};

static size_t add_table(struct help_line *out, size_t n, const struct cm_key *k, size_t nk)
{
	for (size_t i = 0; i < nk && n < HELP_LINES_MAX; i++)
		if (k[i].names) /* else its keys are on the line before */
			out[n++] = (struct help_line){k[i].names, k[i].help};
	return n;
}

/* "c cpu  h heap  ...": the chooser's kinds, without its way back. */
static void kinds_line(char *buf, size_t len)
{
	size_t nk, used = 0;
	const struct cm_key *k = cm_ui_chooser_keys(&nk);
	buf[0] = '\0';
	for (size_t i = 0; i < nk && used < len; i++) {
		if (k[i].action == CM_ACT_CHOOSER_BACK)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s %s", used ? "  " : "", k[i].names,
				 k[i].help);
		used += w > 0 ? (size_t)w : 0;
	}
}

/* Every line of the help, in order; kinds is the buffer for the kinds.
 * From the zoom its own keys come first (they take Left, Right, PgUp,
 * PgDn, Home and End there); from the table they are left out (Enter's
 * line says where they are), so the table's help fits 30 rows. */
static size_t help_lines(const struct cm_ui *ui, struct help_line *out, char *kinds, size_t klen)
{
	size_t n = 0, nk;
	const struct cm_key *k;
	if (ui->help_from == CM_MODE_ZOOM) {
		out[n++] = (struct help_line){NULL, "the zoom: a window on the whole run"};
		k = cm_ui_zoom_keys(&nk);
		n = add_table(out, n, k, nk);
		out[n++] = (struct help_line){NULL, "the monitor"};
	}
	k = cm_ui_keys(&nk);
	n = add_table(out, n, k, nk);
	out[n++] = (struct help_line){NULL, "the profile pane (when Tab gives it the keys;"
					    " ? there: the viewer's keys)"};
	k = cm_ui_pane_keys(&nk);
	n = add_table(out, n, k, nk);
	kinds_line(kinds, klen);
	out[n++] = (struct help_line){"p, then", kinds};
	return n;
}

void cm_draw_help(struct cm_ui *ui)
{
	struct help_line lines[HELP_LINES_MAX];
	char kinds[256], legend[160];
	size_t n = help_lines(ui, lines, kinds, sizeof kinds);
	const struct cm_ui_marks *mk = &ui->marks;
	cm_put(ui, 0, 1, COLS - 2, "cmon: keys", CM_THEME_title);
	/* title, blank, legend, blank, "any key" around the table */
	int room = LINES - 5;
	size_t shown = n <= (size_t)room ? n : (size_t)(room > 1 ? room - 1 : 0);
	for (size_t i = 0; i < shown; i++) {
		int y = 2 + (int)i;
		if (!lines[i].names) {
			cm_put(ui, y, 1, COLS - 2, lines[i].help, CM_THEME_title);
			continue;
		}
		cm_put(ui, y, 2, 11, lines[i].names, CM_THEME_label);
		cm_put(ui, y, 14, COLS - 15, lines[i].help, CM_THEME_help);
	}
	if (shown < n) {
		snprintf(legend, sizeof(legend), "%s %zu more: make the terminal taller",
			 mk->more_down, n - shown);
		cm_put(ui, 2 + (int)shown, 2, COLS - 3, legend, CM_THEME_dim);
	}
	snprintf(legend, sizeof(legend), "%s up  %s down  %s restarted  %s waiting  %s captured",
		 mk->up, mk->down, mk->restarted, mk->waiting, mk->captured);
	cm_put(ui, LINES - 2, 2, COLS - 3, legend, CM_THEME_help);
	cm_put(ui, LINES - 1, 2, COLS - 3, "any key goes back", CM_THEME_dim);
}
