/* profile_encode: a profile written as pprof's Profile.Write writes it,
 * gzipped protobuf (what -proto and -topproto print). Core: no I/O. */
#ifndef CMON_PROFILE_ENCODE_H
#define CMON_PROFILE_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "cmon/profile/profile.h"

/* Encodes p. On success returns 0 and *out (malloc'd, the caller frees
 * it) holds *outlen bytes of gzip. A profile whose protobuf would pass
 * max_bytes (cmon's -max_inflated, so that cmon can read back what it
 * writes) is refused: -1 with one line in err, as when memory runs out. */
int cm_profile_encode(const struct cm_profile *p, uint64_t max_bytes, unsigned char **out,
		      size_t *outlen, char *err, size_t errlen);

#endif
