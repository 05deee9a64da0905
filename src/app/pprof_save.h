/* pprof_save: the copy of each fetched profile that go tool pprof keeps,
 * so that today's capture can be compared with yesterday's. */
#ifndef CMON_APP_PPROF_SAVE_H
#define CMON_APP_PPROF_SAVE_H

#include <stddef.h>
#include <stdint.h>

#include "cmon/base/strbuf.h"
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

/* cm_pprof_save with its lines (each ending in a newline) appended to out
 * instead of printed: for a screen that is up. */
int cm_pprof_save_to(const unsigned char *data, size_t len, const struct cm_profile *p,
		     const char *exec_name, struct cm_strbuf *out);

/* Where cm_pprof_save would save a copy of p now (the same directory and
 * name, the first free number), without creating the file; the directory
 * is made as cm_pprof_save makes it. `w`'s proposal in the viewer. 0, or
 * -1 with one line in msg. */
int cm_pprof_save_path(const struct cm_profile *p, const char *exec_name, char *path,
		       size_t len, char *msg, size_t msglen);

/* cm_pprof_save_path for a profile's bytes as fetched (decoded here, up
 * to max_inflated bytes inflated): the viewer's w has only the bytes.
 * 0, or -1 with the reason in path. */
int cm_pprof_save_path_of(const unsigned char *data, size_t len, uint64_t max_inflated,
			  const char *exec_name, char *path, size_t pathlen);

/* Writes data (a profile as fetched; gzipped first when raw protobuf) to a
 * new file at path. An existing file is never overwritten (O_EXCL): the
 * person chose the name, a name already there is more likely a mistake
 * than a wish. A file that could not be written whole is removed. 0 with
 * "saved NAME in DIR" in msg (the name first: a narrow status line cuts
 * the end), or -1 with the reason in msg. */
int cm_pprof_write_new(const char *path, const unsigned char *data, size_t len, char *msg,
		       size_t msglen);

#endif
