/* pprof_cli: the `cmon pprof` command line, mirroring go tool pprof's flags. */
#ifndef CMON_PPROF_CLI_H
#define CMON_PPROF_CLI_H

#include <stdio.h>

/* Runs `cmon pprof` with argv[0..argc) (the words after "pprof").
 * Returns the process exit status: 0, 1 for bad input, 2 for bad usage. */
int cm_pprof_main(int argc, char **argv);

void cm_pprof_usage(FILE *out);

#endif
