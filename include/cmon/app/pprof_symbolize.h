/* pprof_symbolize: what go tool pprof says on stderr when it tries to
 * symbolize a profile whose mappings have no function names (legacy
 * profiles; a Go ?debug=1 text profile has no binary name at all).
 * cmon does not symbolize: a binary that exists is passed over in
 * silence, where pprof would read its symbols. */
#ifndef CMON_APP_PPROF_SYMBOLIZE_H
#define CMON_APP_PPROF_SYMBOLIZE_H

#include <stdio.h>

#include "cmon/profile/profile.h"

/* Writes pprof's lines ("Main binary filename not available.", "Local
 * symbolization failed for NAME: open FILE: ...") for p to out. */
void cm_pprof_symbolize_notes(const struct cm_profile *p, FILE *out);

#endif
