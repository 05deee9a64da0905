/* ui: the monitor's screen (ncursesw). It only draws the monitor's state
 * and turns keys into changes of its own view state (selection, zoom, help)
 * or of m->paused; it never fetches. The app's loop calls it. */
#ifndef CMON_UI_H
#define CMON_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor.h"
#include "cmon/spark.h"
#include "cmon/theme.h"

struct cm_ui;

struct cm_ui_opts {
	enum cm_glyphs glyphs;
	struct cm_theme theme;  /* already loaded, NO_COLOR already applied */
	double interval;        /* seconds, for the header */
};

/* Takes the terminal (initscr, raw keys, no echo, nodelay, keypad,
 * use_default_colors). NULL with the reason in err when there is no usable
 * terminal. */
struct cm_ui *cm_ui_open(const struct cm_ui_opts *o, char *err, size_t errlen);

/* Gives the terminal back as it was. */
void cm_ui_close(struct cm_ui *ui);

enum { CM_UI_QUIT = 1, CM_UI_DIRTY = 2 };

/* Reads every pending key (stdin is readable, or the loop just woke up)
 * and acts on it. Returns CM_UI_* flags. */
int cm_ui_input(struct cm_ui *ui, struct cm_monitor *m);

/* The terminal changed size (SIGWINCH). */
void cm_ui_resize(struct cm_ui *ui);

/* Draws everything once (at wall time now) and refreshes the terminal. */
void cm_ui_draw(struct cm_ui *ui, const struct cm_monitor *m, double now);

#endif
