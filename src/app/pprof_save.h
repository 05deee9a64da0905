/* pprof_save: the copy of each fetched profile that go tool pprof keeps,
 * so that today's capture can be compared with yesterday's. */
#ifndef CMON_APP_PPROF_SAVE_H
#define CMON_APP_PPROF_SAVE_H

#include <stddef.h>

#include "cmon/profile/profile.h"

/* Writes data[0..len) (a profile as served; gzipped first when it is raw
 * protobuf) to $PPROF_TMPDIR, else $HOME/pprof, else $TMPDIR or /tmp (each
 * made when missing; one that cannot be made is skipped with pprof's
 * "Could not use temp dir" line), named as pprof names it:
 * pprof.[EXE.]TYPE1.TYPE2....NNN.pb.gz, EXE the base name of exec_name or
 * else of p's first mapping, NNN the first free number from 001. Prints
 * pprof's "Saved profile in PATH" or "Could not save profile: REASON" on
 * stderr. Returns -1 only when no directory could be used (pprof's "failed
 * to identify temp dir", which ends it), else 0. */
int cm_pprof_save(const unsigned char *data, size_t len, const struct cm_profile *p,
		  const char *exec_name);

#endif
