/* monitor_app: `cmon -ports=... [-vars=...]`, the live monitor: flags, the
 * one poll loop (fetches, keys, signals, timers), -once and -dummy output,
 * and the screen. */
#ifndef CMON_MONITOR_APP_H
#define CMON_MONITOR_APP_H

#include <stdio.h>

/* argv[0..argc) are the flags (no program name). Returns the exit status:
 * 0, 1 (-once: a service did not answer; or a runtime failure), 2 (bad
 * command line). */
int cm_monitor_main(int argc, char **argv);

void cm_monitor_usage(FILE *out);

/* SIGINT, SIGTERM, SIGHUP and SIGWINCH blocked and read from the
 * returned signalfd (SIGPIPE ignored: a write error says it); -1 with
 * errno on failure. The monitor's loop and the replay's. */
int cm_monitor_signalfd(void);

/* -glyphs and -theme into the screen's options (interval: for its
 * header); 2 with the reason on stderr when one is bad. */
struct cm_ui_opts;
int cm_monitor_choose_look(const char *glyphs, const char *theme, double interval,
			   struct cm_ui_opts *o);

#endif
