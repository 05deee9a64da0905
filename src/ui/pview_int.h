/* pview_int: what the pane's files share (src/ui/pview*.c only): its
 * state, its key table (which also writes the help screen), and the
 * drawing entry point. */
#ifndef CMON_UI_PVIEW_INT_H
#define CMON_UI_PVIEW_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"
#include "pview.h"

enum pv_action {
	PV_UP, PV_DOWN, PV_PAGE_UP, PV_PAGE_DOWN, PV_HOME, PV_END,
	PV_ENTER, PV_BACK, PV_QUIT, PV_INTERRUPT, PV_SUSPEND,
	PV_SEARCH, PV_NEXT, PV_PREV,
	PV_SORT, PV_SAMPLE, PV_SAMPLE_BACK, PV_GRAN, PV_GRAN_BACK,
	PV_FOCUS, PV_IGNORE, PV_HIDE, PV_CLEAR,
	PV_PEEK, PV_LABELS, PV_HOT_NEXT, PV_HOT_PREV,
	PV_REFETCH, PV_BASE, PV_WRITE, PV_HELP, PV_MINE, PV_HIDE_STD, PV_FLAME, PV_TREE, PV_SOURCE,
	/* the FLAME level's own keys (pv_flame_keys) */
	PV_FL_PARENT, PV_FL_CHILD, PV_FL_PREV, PV_FL_NEXT, PV_FL_ZOOM, PV_FL_OUT, PV_FL_MATCH_NEXT,
	PV_FL_MATCH_PREV,
	/* the TREE level's own keys (pv_tree_keys) */
	PV_TR_OPEN, PV_TR_CLOSE,
};


/* The tables and their lengths: every level's, then the keys the FLAME
 * and TREE levels read first. */
const struct cm_key *pv_keys(size_t *n);
const struct cm_key *pv_flame_keys(size_t *n);
const struct cm_key *pv_tree_keys(size_t *n);

enum pv_mode { PV_MODE_VIEW, PV_MODE_HELP, PV_MODE_PROMPT };
enum pv_prompt { PV_PROMPT_SEARCH, PV_PROMPT_FOCUS, PV_PROMPT_IGNORE, PV_PROMPT_HIDE,
		 PV_PROMPT_WRITE };

#define PV_INPUT_MAX 1024 /* a path for w */
#define PV_TEXT_MAX 512

struct cm_pview {
	struct cm_viewer *v; /* borrowed */
	struct cm_pview_opts o;
	enum pv_mode mode;
	enum pv_prompt prompt;
	char input[PV_INPUT_MAX]; /* the prompt's text */
	size_t ilen;
	bool prompt_failed;       /* the search text matches nothing */
	bool dim_others;          /* m: names outside "my code" dimmed */
	char status[PV_TEXT_MAX]; /* the host's, "" for none */
	char note[PV_TEXT_MAX];   /* the last action's error, "" for none */
	bool note_ok;             /* note is news (saved), not an error */
	size_t help_top;          /* first help line shown */
	int help_rows;            /* help lines the last frame showed */
	/* FLAME: where the last frame drew the graph (for mouse clicks) and
	 * its first layout row shown */
	int flame_y, flame_x, flame_h, flame_w, flame_top;
	double last_click;        /* when, and where, for a double click */
	int click_row, click_col;
};

/* One line of the help: a key's names and what it does, or a heading
 * (names NULL). */
struct pv_help_line {
	char names[32];
	const char *help;
	bool heading;
};

/* The help's lines as the keys work here: the host's keys under their
 * heading, then the pane's own minus the keys the host takes. Writes at
 * most cap lines into out (NULL: counts only); returns how many there are. */
size_t pv_help_lines(const struct cm_pview *pv, struct pv_help_line *out, size_t cap);

/* pview_draw.c */
void pv_draw(struct cm_pview *pv, struct cm_ui *ui, int y, int x, int h, int w, double now);

/* pview_flame.c: the FLAME level's body and footer in the rectangle
 * (title drawn; dim_others: frames outside "my code" dimmed), and a mouse
 * event (KEY_MOUSE) on it. */
struct cm_ui;
void pv_draw_flame(struct cm_pview *pv, struct cm_ui *ui, int y, int x, int h, int w,
		   bool dim_others);
int pv_flame_mouse(struct cm_pview *pv, double now);

#endif
