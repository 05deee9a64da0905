/* pview: the profile viewer's pane (ncursesw). It draws a cm_viewer (the
 * headless model, include/cmon/viewer/viewer.h) into a rectangle of a screen the
 * host has set up (struct cm_ui: cm_ui_open, theme styles, marks) and turns
 * keys, one at a time, into changes of the model or of its own state
 * (prompts, help). It never blocks and never fetches: a key that wants a
 * new profile returns CM_PVIEW_REFETCH, and the host fetches and hands the
 * bytes to cm_pview_load (or to cm_viewer_load) whenever they arrive.
 *
 * Ownership: the host owns the cm_ui and the cm_viewer; the pane borrows
 * both (the viewer for its lifetime, the ui during a draw call) and owns
 * only its own state. Used by `cmon pprof SOURCE...` (pview_app.c) and by
 * the live monitor's profile pane. */
#ifndef CMON_UI_PVIEW_H
#define CMON_UI_PVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/viewer/viewer.h"

struct cm_ui;
struct cm_pview;
struct cm_key;

/* `w`: how the host keeps the profile shown. The bytes are the host's
 * (it fetched or read them; the viewer only ever sees them decoded), so
 * the host proposes a path and writes the file; the pane only asks. */
struct cm_pview_saver {
	/* Writes into out the path w proposes at its prompt (where go tool
	 * pprof would save the profile). 0, or -1 with the reason in out. */
	int (*propose)(void *ctx, char *out, size_t len);
	/* Writes the profile shown, as fetched, to path (typed at the
	 * prompt). 0 with "saved PATH" in msg, or -1 with the reason. */
	int (*save)(void *ctx, const char *path, char *msg, size_t len);
	void *ctx;
};

struct cm_pview_opts {
	bool can_refetch; /* 'r' means something (the source is a URL): shown in help */
	bool can_close;   /* the pane sits in a host that can close it: q/Esc say
			   * "close" in help instead of "quit" */
	struct cm_pview_saver saver; /* save NULL: w says there is nothing to write */
	/* The host's own keys, taken before the pane's (the monitor's pane:
	 * Tab, R, ...): listed first in the help, and the keys in taken (0
	 * ends it) are left out of the pane's own lines. Borrowed: they must
	 * outlive the pane. NULL: none. */
	const struct cm_key *host_keys;
	size_t nhost_keys;
	const char *host_title;  /* the heading over host_keys */
	const int *taken;
};

/* NULL when memory runs out. v is borrowed and must outlive the pane. */
struct cm_pview *cm_pview_new(struct cm_viewer *v, const struct cm_pview_opts *o);
void cm_pview_free(struct cm_pview *pv);

/* The model the pane shows. */
struct cm_viewer *cm_pview_viewer(const struct cm_pview *pv);

/* What a key did (bits). */
enum {
	CM_PVIEW_REDRAW = 1,   /* draw the pane again */
	CM_PVIEW_CLOSE = 2,    /* q, or Esc/Backspace at the first level when can_close:
				* the host closes the pane (standalone: quits) */
	CM_PVIEW_REFETCH = 4,  /* the person asked for a fresh profile (r) */
	CM_PVIEW_UNHANDLED = 8, /* not the pane's key: the host may use it */
	CM_PVIEW_QUIT = 16,    /* Ctrl-C: leave the program at once */
	CM_PVIEW_SUSPEND = 32, /* Ctrl-Z: the host suspends (cm_ui_suspend) */
};

/* Handles one curses key (getch's value; KEY_RESIZE returns REDRAW).
 * now: monotonic seconds (pinning). Returns CM_PVIEW_* bits. */
int cm_pview_key(struct cm_pview *pv, int ch, double now);

/* True while a prompt (search, focus, ...) is open: every key belongs to
 * the pane, the host must not take any as its own. */
bool cm_pview_capturing(const struct cm_pview *pv);

/* Draws the pane into rows y..y+h-1, columns x..x+w-1 of ui's screen (no
 * refresh; nothing outside the rectangle is touched). Below
 * CM_PVIEW_MIN_ROWS x CM_PVIEW_MIN_COLS it draws a "too small" note. */
#define CM_PVIEW_MIN_ROWS 6
#define CM_PVIEW_MIN_COLS 40
void cm_pview_draw(struct cm_pview *pv, struct cm_ui *ui, int y, int x, int h, int w,
		   double now);

/* A new profile arrived (bytes of a fetch: only read). Keeps each level on
 * the same function. On a decoding error the old profile stays and the
 * error shows in the status line. Returns CM_PVIEW_REDRAW. */
int cm_pview_load(struct cm_pview *pv, const unsigned char *data, size_t len, double now);

/* The host's own status for the pane's bottom line ("fetching... 12 s",
 * "fetch failed: connection refused"), or NULL to clear it. Copied. */
void cm_pview_set_status(struct cm_pview *pv, const char *status);

/* A message of the host's on the status line until the next key: news
 * (good: "Saved profile in ...") or a question or an error; NULL clears
 * it. Copied. */
void cm_pview_set_note(struct cm_pview *pv, const char *note, bool good);

/* Call cm_pview_tick at this monotonic time (negative: no need); it
 * returns CM_PVIEW_REDRAW when the held row order was released. */
double cm_pview_next_tick(const struct cm_pview *pv);
int cm_pview_tick(struct cm_pview *pv, double now);

/* Work of the viewer's to do while the host is idle (cm_viewer_step:
 * tables built in slices); pending says whether there is some. step does
 * one slice of n samples and returns CM_PVIEW_REDRAW when the screen
 * changed (a switch completed, or its progress). */
bool cm_pview_pending(const struct cm_pview *pv);
int cm_pview_step(struct cm_pview *pv, size_t n, double now);

#endif
