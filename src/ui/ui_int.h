/* ui_int: what the screen's files share: the view state and the drawing
 * entry points. Only src/ui/ includes it. */
#ifndef CMON_UI_INT_H
#define CMON_UI_INT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor/fleet.h"
#include "cmon/monitor/plot.h"
#include "cmon/monitor/svc_order.h"
#include "keys.h"
#include "pview.h"
#include "ui.h"

struct cm_pview;

enum cm_ui_mode { CM_MODE_LIST, CM_MODE_ZOOM, CM_MODE_HELP };

/* The key bindings: one table that both dispatches keys and writes the
 * help screen, so the two cannot disagree. */
enum cm_ui_action {
	CM_ACT_QUIT,
	CM_ACT_INTERRUPT,
	CM_ACT_SUSPEND,
	CM_ACT_UP,
	CM_ACT_DOWN,
	CM_ACT_LEFT,
	CM_ACT_RIGHT,
	CM_ACT_PAGE_UP,
	CM_ACT_PAGE_DOWN,
	CM_ACT_HOME,
	CM_ACT_END,
	CM_ACT_ZOOM,
	CM_ACT_BACK,
	CM_ACT_PAUSE,
	CM_ACT_HELP,
	CM_ACT_PROFILE,     /* open the profile chooser */
	CM_ACT_SORT,        /* sort services by the selected var's column */
	CM_ACT_SORT_OTHER,  /* by name, by state */
	CM_ACT_FILTER,      /* a regex over names and addresses */
	CM_ACT_SCALE,       /* one scale for every service's sparkline, or each its own */
	CM_ACT_NEXT_MATCH,  /* the next service the search matches */
	CM_ACT_PREV_MATCH,
	CM_ACT_HEAT,        /* the table's heat map on or off */
	CM_ACT_TOTALS,      /* the totals row's gauges: sum, mean, max */
	CM_ACT_GROUP,       /* group the services by host, or not */
	CM_ACT_FOCUS,       /* keys to the profile pane, or back */
	/* the profile pane's own (host) keys, taken before the viewer's */
	CM_ACT_PANE_CANCEL, /* stop the fetch or capture running */
	CM_ACT_PANE_LIVE,   /* toggle live refresh */
	CM_ACT_PANE_REFETCH,
	CM_ACT_PANE_CLOSE,
	CM_ACT_PANE_HISTORY, /* < the capture before the one shown, > after */
	CM_ACT_PANE_ROLLING, /* O: rolling CPU captures of the pane's service on / off */
	/* the chooser's: one a profile kind, in enum cm_prof_kind's order */
	CM_ACT_KIND_FIRST,
	CM_ACT_KIND_LAST = CM_ACT_KIND_FIRST + CM_PROF_KINDS - 1,
	CM_ACT_CHOOSER_BACK,
	/* the zoom's own, taken before the monitor's in the zoom */
	CM_ACT_ZOOM_BACK,      /* pan back in time a cell (Left), forward (Right) */
	CM_ACT_ZOOM_FORWARD,
	CM_ACT_ZOOM_PAGE_BACK, /* a screen back, forward */
	CM_ACT_ZOOM_PAGE_FORWARD,
	CM_ACT_ZOOM_OLDEST,    /* the start of the run at the left edge */
	CM_ACT_ZOOM_LIVE,      /* follow the newest sample again */
	CM_ACT_ZOOM_OUT,       /* more time a dot (-), less (+) */
	CM_ACT_ZOOM_IN,
	CM_ACT_ZOOM_PREV_MARK, /* , . the timeline's previous / next mark */
	CM_ACT_ZOOM_NEXT_MARK,
	CM_ACT_ZOOM_OPEN_MARK, /* v: the selected capture mark's profile in the pane */
	CM_ACT_ZOOM_SPAN,      /* V: start / end a span of time; its CPU captures merged */
};

/* The zoom's window on the run: live (its right edge the newest sample)
 * or panned back (its right edge a wall time that stays as samples come),
 * and a dot's width; the cursor on a timeline mark. The last frame's
 * edges of the run are kept for the keys. */
struct cm_zoom_view {
	bool panned;
	double right;        /* panned: wall seconds at the right edge */
	int level;           /* a dot is cm_zoom_step(level) polls */
	bool has_mark;       /* , or . chose mark (a copy: the ring moves on) */
	struct cm_mark mark;
	double newest, oldest; /* the last frame's run: wall seconds */
	double dt;           /* seconds a poll */
	int dots;            /* dots across the last frame's graph */
};

/* Polls a dot at zoom level: 1, 2, 5, 10, 20, 50, ... */
double cm_zoom_step(int level);

/* A zoom key's action on the view (zoom.c); CM_UI_* flags. m: the
 * services, for the marks; req: v's request for the pane. */
int cm_zoom_act(struct cm_ui *ui, const struct cm_monitor *m, enum cm_ui_action a,
		struct cm_pane_request *req);


/* The tables and their lengths: the monitor's keys, the profile pane's
 * (taken before the viewer gets a key), the chooser's. */
const struct cm_key *cm_ui_keys(size_t *n);
const struct cm_key *cm_ui_pane_keys(size_t *n);
const struct cm_key *cm_ui_chooser_keys(size_t *n);
const struct cm_key *cm_ui_zoom_keys(size_t *n);

/* Glyphs that depend on what the terminal can show. */
struct cm_ui_marks {
	const char *up, *down, *restarted, *waiting;
	const char *more_up, *more_down, *more_left, *more_right;
	const char *ellipsis; /* ends text that was cut */
	const char *sum;      /* marks a total that is a sum among means or maxima */
	const char *captured; /* a profile was captured from the service lately */
};

struct cm_ui {
	struct cm_ui_opts opts;
	SCREEN *screen;
	attr_t style[CM_THEME_COUNT]; /* attributes and colour pair per element */
	struct cm_ui_marks marks;

	/* view state */
	enum cm_ui_mode mode;
	enum cm_ui_mode help_from; /* where leaving help goes back to */
	size_t sel_svc, sel_var;   /* the selection */
	size_t top_var;            /* single service: first var row shown */
	size_t top_svc;            /* several: first table row shown */
	size_t top_spark;          /* several: first sparkline shown */
	size_t left_var;           /* several: first var column shown */
	size_t page;               /* rows the last frame's list showed, for PgUp/PgDn */
	int cols;                  /* columns the monitor's screens have this frame:
				    * COLS, or fewer beside the profile pane */
	double mono;               /* the monotonic time of this frame */

	/* several services: their order, filter and sparklines' scale */
	struct cm_svc_order order; /* rows of the table and of the sparklines */
	bool order_changed;        /* a sort or filter the person asked for: apply now */
	bool own_scale;            /* each sparkline its own range (else one for all) */
	bool filtering;            /* the filter prompt is open */
	char filter_input[256];
	size_t filter_len;
	char filter_before[256];   /* the filter when the prompt opened (Esc) */
	char filter_err[160];      /* why the text typed is not a regex yet */
	char note[160];            /* one key's answer on the footer ("no match") */
	const char *host_keys;     /* keys the app takes itself (borrowed), NULL: none */
	int host_key;              /* the last one taken, or CM_UI_PROMPT_DONE */
	bool prompting;            /* the app's prompt has the keys (cm_ui_prompt) */
	char prompt_label[64];
	char prompt_input[64];
	size_t prompt_len;
	bool heat;                 /* the table's cells shaded by their column's range */
	enum cm_agg gauges;        /* how the totals combine gauges */
	struct cm_plot plot;       /* the zoom's canvas, kept between frames */
	struct cm_zoom_view zoom;  /* the zoom's window on the run */
	double span_start;         /* V pressed once in the zoom: the span's start (wall
				    * seconds), 0 when no span is being selected */

	/* the profile pane */
	bool chooser;              /* the chooser of profile kinds is open */
	size_t chooser_svc;        /* the service it will profile */
	bool pane_focus;           /* keys go to the pane */
	bool pane_open;            /* this frame draws the pane */
	struct cm_pview *pview;    /* draws pane->viewer; NULL until it has one */
	struct cm_pview_saver saver; /* the app's, for the pane's w */
	bool close_asked;          /* the last key asked to close a pane with an
				    * unsaved capture: the next close closes */
	bool quit_asked;           /* the same for q with such a pane open */
	bool quit_armed;           /* this key follows that question */
	int pane_taken[8];         /* keys the pane takes from the viewer, 0-ended */
};

/* Draws one frame into stdscr (no refresh). */
void cm_ui_draw_frame(struct cm_ui *ui, const struct cm_monitor *m,
		      const struct cm_prof_pane *pane, double now, double mono);

#endif
