/* pane: the monitor's profile pane. A title line (kind, service, when
 * fetched, live) over the viewer's own drawing (pview.c), or, before a
 * first profile, the fetch's state: the CPU capture's countdown, "fetching",
 * or why nothing came, in words. Also the chooser of kinds that p opens.
 * Everything drawn here comes from the app's struct cm_prof_pane. */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "pview.h"

/* What the pane's keys are, for the line under a pane with no profile. */
#define PANE_KEYS "r again  R live  Tab keys to the sparklines  q close"

/* The chooser's box: wide enough for "t  threadcreate" and a title. */
#define CHOOSER_W 36

/* The fetch's state in one line: "" when there is nothing to say. */
static void status_text(char *buf, size_t len, const struct cm_prof_pane *p, double mono)
{
	switch (p->phase) {
	case CM_PANE_CAPTURING:
		cm_prof_capture_text(buf, len, p->seconds, p->ends, mono);
		return;
	case CM_PANE_FETCHING:
		snprintf(buf, len, "fetching the %s profile (x cancels)", cm_prof_kind_name(p->kind));
		return;
	default:
		snprintf(buf, len, "%s", p->note);
		return;
	}
}

static void draw_title(struct cm_ui *ui, const struct cm_monitor *m, const struct cm_prof_pane *p,
		       int x, int w)
{
	enum cm_theme_element e = ui->pane_focus ? CM_THEME_selected : CM_THEME_title;
	char buf[224], t[32];
	if (ui->pane_focus)
		cm_fill(ui, 0, x, w, e);
	struct cm_segline l = {ui, 0, x + 1, x + w - 1};
	snprintf(buf, sizeof buf, "%s profile", cm_prof_kind_name(p->kind));
	cm_seg(&l, buf, e);
	if (p->svc < m->nsvc) {
		cm_svc_label(t, sizeof t, m, p->svc);
		snprintf(buf, sizeof buf, "  %s", t);
		cm_seg(&l, buf, e);
	}
	if (p->fetched_at > 0) {
		cm_clock(t, sizeof t, p->fetched_at);
		snprintf(buf, sizeof buf, "  fetched %s", t);
		cm_seg(&l, buf, e);
	}
	if (p->live) {
		cm_view_span(t, sizeof t, p->live_every);
		snprintf(buf, sizeof buf, "  live every %s", t);
		cm_seg(&l, buf, e);
	}
	if (p->captures > 1 && p->capture) {
		snprintf(buf, sizeof buf, "  capture %zu/%zu", p->capture, p->captures);
		cm_seg(&l, buf, e);
	}
	if (p->span[0]) {
		snprintf(buf, sizeof buf, "  %s", p->span);
		cm_seg(&l, buf, e);
	}
	if (p->rolling)
		cm_seg(&l, "  rolling", e);
	if (p->unsaved)
		cm_seg(&l, "  unsaved", e);
	if (!ui->pane_focus)
		cm_seg(&l, "  (Tab: keys here)", CM_THEME_dim);
}

/* The bytes of s's first line when wrapped at spaces into w columns (all
 * of a first word wider than w: cm_put cuts it). line gets them. */
static size_t wrap_at(const char *s, int w, char *line, size_t cap)
{
	size_t best = 0, k = 0;
	while (s[k]) {
		while (s[k] == ' ')
			k++;
		while (s[k] && s[k] != ' ')
			k++;
		if (k >= cap)
			break;
		memcpy(line, s, k);
		line[k] = '\0';
		if (cm_text_width(line) > w)
			break;
		best = k;
	}
	if (!best)
		best = k < cap ? k : cap - 1;
	memcpy(line, s, best);
	line[best] = '\0';
	return best;
}

/* text on lines y.. (at most maxl), wrapped at spaces into w columns.
 * The last line takes whatever is left (cut with an ellipsis). */
static void put_wrapped(struct cm_ui *ui, int y, int x, int w, const char *text,
			enum cm_theme_element e, int maxl)
{
	char line[512];
	for (int n = 0; *text && n < maxl; n++) {
		bool last = n + 1 == maxl;
		size_t used = last ? strlen(text) : wrap_at(text, w, line, sizeof line);
		cm_put(ui, y + n, x, w, last ? text : line, e);
		text += used;
		while (*text == ' ')
			text++;
	}
}

/* Before a first profile: the state in words, the keys underneath. */
static void draw_state(struct cm_ui *ui, const struct cm_prof_pane *p, int x, int w, double mono)
{
	char buf[320];
	status_text(buf, sizeof buf, p, mono);
	bool failed = p->phase == CM_PANE_IDLE && p->note[0];
	put_wrapped(ui, 2, x + 1, w - 2, buf, failed ? CM_THEME_down : CM_THEME_normal,
		    LINES - 4);
	cm_put(ui, LINES - 1, x + 1, w - 2, PANE_KEYS, CM_THEME_dim);
}

static void draw_pane(struct cm_ui *ui, const struct cm_monitor *m, const struct cm_prof_pane *p,
		      int x, int w, double mono)
{
	draw_title(ui, m, p, x, w);
	if (!ui->pview) {
		if (p->viewer) /* the app has a profile, the screen no memory for it */
			cm_put(ui, 2, x + 1, w - 2, "out of memory", CM_THEME_down);
		else
			draw_state(ui, p, x, w, mono);
		return;
	}
	char buf[320];
	status_text(buf, sizeof buf, p, mono);
	cm_pview_set_status(ui->pview, buf[0] ? buf : NULL);
	cm_pview_draw(ui->pview, ui, 1, x, LINES - 1, w, mono);
}

bool cm_draw_pane_area(struct cm_ui *ui, const struct cm_monitor *m,
		       const struct cm_prof_pane *pane, double mono)
{
	if (!pane || !pane->open)
		return false;
	struct cm_pane_split sp = cm_view_pane_split(COLS);
	if (!sp.side_by_side) { /* one at a time: the one with the keys */
		if (!ui->pane_focus)
			return false;
		draw_pane(ui, m, pane, 0, COLS, mono);
		return true;
	}
	ui->cols = sp.mon_w;
	attrset(ui->style[CM_THEME_dim]);
	mvvline(0, sp.mon_w, ACS_VLINE, LINES);
	draw_pane(ui, m, pane, sp.pane_x, sp.pane_w, mono);
	return false;
}

static void draw_box(struct cm_ui *ui, int y, int x, int h, int w)
{
	for (int r = y; r < y + h; r++)
		cm_fill(ui, r, x, w, CM_THEME_normal);
	attrset(ui->style[CM_THEME_dim]);
	mvhline(y, x + 1, ACS_HLINE, w - 2);
	mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
	mvvline(y + 1, x, ACS_VLINE, h - 2);
	mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
}

void cm_draw_chooser(struct cm_ui *ui, const struct cm_monitor *m,
		     const struct cm_prof_pane *pane)
{
	size_t nk;
	const struct cm_key *k = cm_ui_chooser_keys(&nk);
	char name[128], buf[160];
	int w = CHOOSER_W < ui->cols ? CHOOSER_W : ui->cols;
	int h = (int)nk + 2 < LINES ? (int)nk + 2 : LINES;
	int x = (ui->cols - w) / 2, y = (LINES - h) / 2;
	draw_box(ui, y, x, h, w);
	cm_svc_label(name, sizeof name, m, ui->chooser_svc < m->nsvc ? ui->chooser_svc : 0);
	snprintf(buf, sizeof buf, " profile %s ", name);
	cm_put(ui, y, x + 2, w - 4, buf, CM_THEME_title);
	for (size_t i = 0; i < nk && (int)i + 2 < h; i++) {
		int row = y + 1 + (int)i;
		bool cpu = k[i].action == CM_ACT_KIND_FIRST + CM_PROF_CPU;
		cm_put(ui, row, x + 2, 4, k[i].names, CM_THEME_label);
		if (cpu && pane)
			snprintf(buf, sizeof buf, "%s (a %d s capture)", k[i].help, pane->seconds);
		else
			snprintf(buf, sizeof buf, "%s", k[i].help);
		cm_put(ui, row, x + 7, w - 9, buf, CM_THEME_help);
	}
}
