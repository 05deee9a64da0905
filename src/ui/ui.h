/* ui: the monitor's screen (ncursesw). It only draws the monitor's state
 * and turns keys into changes of its own view state (selection, zoom, help)
 * or of m->paused; it never fetches. The app's loop calls it.
 *
 * The profile pane: p opens a chooser of profile kinds; a choice, r, Esc
 * during a fetch and the like become a cm_pane_request the app carries
 * out (fetching, cancelling). The pane's state (cmon/prof_pane.h) is the
 * app's; the screen draws it beside the sparklines (or, on a narrow
 * terminal, in their place) and moves the viewer's selection. */
#ifndef CMON_UI_H
#define CMON_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/base/theme.h"
#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prof_pane.h"
#include "cmon/monitor/spark.h"

struct cm_ui;

struct cm_ui_opts {
	enum cm_glyphs glyphs;
	struct cm_theme theme;  /* already loaded, NO_COLOR already applied */
	double interval;        /* seconds, for the header */
};

/* Takes the terminal (initscr, raw keys, no echo, nodelay, keypad,
 * use_default_colors). NULL with the reason in err when there is no usable
 * terminal: not a tty, TERM unset or unknown, or a terminal that cannot
 * move the cursor (TERM=dumb). The caller adds what to use instead. */
struct cm_ui *cm_ui_open(const struct cm_ui_opts *o, char *err, size_t errlen);

/* Mouse clicks as keys (KEY_MOUSE, read with getmouse): on while a
 * profile viewer is on screen (its flame graph takes clicks), off
 * otherwise, so the terminal's own text selection works in the monitor. */
void cm_ui_mouse(bool on);

/* Gives the terminal back as it was. */
void cm_ui_close(struct cm_ui *ui);

enum { CM_UI_QUIT = 1, CM_UI_DIRTY = 2, CM_UI_PANE = 4, CM_UI_HOST = 8 };

/* Keys the app takes itself (a replay's ] [ J { }), unless the pane, a
 * prompt or the filter has the keys: cm_ui_input stops at one with
 * CM_UI_HOST, and cm_ui_host_key says which. keys is borrowed. */
void cm_ui_set_host_keys(struct cm_ui *ui, const char *keys);

/* A line of input on the bottom row after label ("jump to: "): Enter ends
 * it with CM_UI_HOST and the host key CM_UI_PROMPT_DONE, Esc drops it. */
#define CM_UI_PROMPT_DONE (-2)
void cm_ui_prompt(struct cm_ui *ui, const char *label);

/* The last host key (or CM_UI_PROMPT_DONE with the prompt's text in
 * text). */
int cm_ui_host_key(const struct cm_ui *ui, char *text, size_t cap);

/* Reads every pending key (stdin is readable, or the loop just woke up)
 * and acts on it; now is monotonic seconds. Returns CM_UI_* flags. With
 * CM_UI_PANE a key asked the app for something about the profile pane
 * (*req) and reading stopped there: carry it out, then call again for the
 * keys that remain. pane is the app's (its viewer's selection moves). */
int cm_ui_input(struct cm_ui *ui, struct cm_monitor *m, struct cm_prof_pane *pane,
		struct cm_pane_request *req, double now);

/* How the profile pane's w writes what it shows (the app has the
 * bytes). Copied; ctx must outlive the screen. */
struct cm_pview_saver;
void cm_ui_set_pane_saver(struct cm_ui *ui, const struct cm_pview_saver *s);

/* The app is about to free pane->viewer (closed, or another profile
 * opened): the screen lets go of it first. */
void cm_ui_pane_forget(struct cm_ui *ui);

/* When the screen needs cm_ui_tick next (monotonic; negative: no need),
 * and the tick itself: the viewer's held row order lets go. Returns
 * CM_UI_DIRTY when the screen changed. */
double cm_ui_next_tick(const struct cm_ui *ui);
int cm_ui_tick(struct cm_ui *ui, double now);

/* One line for the footer until the next key (what a trigger captured,
 * where it was saved): text from services must be cleaned already. */
void cm_ui_note(struct cm_ui *ui, const char *text);

/* The terminal changed size (SIGWINCH). */
void cm_ui_resize(struct cm_ui *ui);

/* The monitor's services changed (cm_monitor_set_targets' to, of nold
 * entries): the selection stays on its service (on the first row when it
 * left), and so do the rows' order and the profile chooser's service. */
void cm_ui_services_changed(struct cm_ui *ui, const size_t *to, size_t nold);

/* Ctrl-Z, which raw mode turns into a key: gives the terminal back, stops
 * the process group with SIGTSTP and, once continued (fg), takes the
 * terminal again at its current size; the caller redraws everything. */
void cm_ui_suspend(struct cm_ui *ui);

/* Draws everything once (at wall time now, monotonic mono: the pane's
 * countdown) and refreshes the terminal. pane may be NULL. */
void cm_ui_draw(struct cm_ui *ui, const struct cm_monitor *m, const struct cm_prof_pane *pane,
		double now, double mono);

#endif
