/* inflate_pipe: a gzip input inflated on a second thread, handed to the
 * caller in pieces, so that inflating overlaps with what the caller does
 * with the bytes (decoding a profile: issue 15). On a machine with one
 * CPU the caller inflates itself (cm_inflate_run); cm_inflate_pipe_cpus
 * says how many there are to use.
 *
 * The worker thread owns a ring of a few buffers; a piece returned by
 * cm_inflate_pipe_next stays valid until the next call (or stop), which
 * hands its buffer back. The worker touches nothing but the ring, its own
 * struct cm_inflate and the input, which is borrowed: it must stay
 * unchanged until cm_inflate_pipe_stop returns. The worker runs ahead by
 * the ring's size at most, so a gzip bomb costs no more than that before
 * the caller's own limit stops it. */
#ifndef CMON_INFLATE_PIPE_H
#define CMON_INFLATE_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/base/inflate.h"

struct cm_inflate_pipe;

/* CPUs this process may run on (its affinity mask), at least 1. */
int cm_inflate_pipe_cpus(void);

/* Starts inflating in[0..len) (gzip) on a new thread. NULL when memory or
 * a thread cannot be had: the caller inflates by itself then. With
 * release_input (in maps a file), the pages passed are given back as it
 * goes (cm_inflate_release_input). */
struct cm_inflate_pipe *cm_inflate_pipe_start(const uint8_t *in, size_t len, bool release_input);

/* Before each piece, its buffer holds the stream's output right before
 * it: the CM_INFLATE_PIPE_HISTORY bytes before *data (all of the output
 * so far, when there is less), so a caller whose unread bytes at the end
 * of one piece are no more than that finds them again in front of the
 * next one and needs no copy of its own. */
enum { CM_INFLATE_PIPE_HISTORY = 32 << 10 };

/* The next piece of output, in *data[0..*n) (*n may be 0). Returns
 * CM_INFLATE_MORE when more may follow, CM_INFLATE_END with the last
 * piece, or CM_INFLATE_ERROR with the piece before the error and *error
 * set (static text, as struct cm_inflate's); after END or ERROR every
 * call answers the same with an empty piece. */
enum cm_inflate_status cm_inflate_pipe_next(struct cm_inflate_pipe *p, const uint8_t **data,
					    size_t *n, const char **error);

/* Stops the worker (wherever it is), joins it and frees everything. NULL
 * is fine. */
void cm_inflate_pipe_stop(struct cm_inflate_pipe *p);

#endif
