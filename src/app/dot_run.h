/* dot_run: Graphviz's dot as go tool pprof runs it for -svg, -png, -pdf,
 * -ps and -gif: `dot -TFORMAT`, the -dot text on its standard input. */
#ifndef CMON_DOT_RUN_H
#define CMON_DOT_RUN_H

#include <stddef.h>

/* Runs dot -T<format> (found on PATH; no shell) with dot[0..len) on its
 * standard input and its standard output on out_fd; dot's own messages go
 * to cmon's standard error. Gives up after timeout_s seconds (dot is
 * killed). Returns 0, or -1 with one line in err: pprof's "failed to
 * execute dot. Is Graphviz installed? Error: ..." when it cannot start or
 * fails. */
int cm_dot_run(const char *format, const char *dot, size_t len, int out_fd, int timeout_s,
	       char *err, size_t errlen);

#endif
