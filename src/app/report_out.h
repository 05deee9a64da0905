/* report_out: where a `cmon pprof` report goes, for every report alike:
 * standard output (cleaned of control characters on a terminal), the
 * -output file, or Graphviz's dot first for the image formats. */
#ifndef CMON_REPORT_OUT_H
#define CMON_REPORT_OUT_H

#include <stddef.h>
#include <stdio.h>

struct cm_report_dest {
	const char *output; /* -output=FILE, or NULL for standard output */
	const char *image;  /* dot's -T format (svg, png...), or NULL */
	/* Not for a terminal (images, callgrind, a gzipped profile): to a
	 * terminal it goes to a new file profileNNN.SUFFIX in the current
	 * directory instead, as go tool pprof's awayFromTTY does. NULL for
	 * text. */
	const char *binary_suffix;
};

/* Writes the report to out; returns 0, or -1 with one line in err. */
typedef int (*cm_render_fn)(void *ctx, FILE *out, char *err, size_t errlen);

/* Renders the report and delivers it to dest ("Generating report in
 * FILE" on standard error when it goes to a file, as pprof says). Returns
 * 0, or -1 with one line in err. */
int cm_report_out(const struct cm_report_dest *dest, cm_render_fn render, void *ctx, char *err,
		  size_t errlen);

#endif
