/* outq: text for a reader that may be slow, stalled or gone (-dummy's and
 * -once's stdout). Blocks are queued whole and written as the descriptor
 * takes them, never waiting: a stalled reader cannot stall the caller's
 * loop, which goes on polling and reading its signals. Past a bound, new
 * blocks are dropped whole and counted. A failed write is kept for the
 * caller to report and end on. No curses, no curl. */
#ifndef CMON_OUTQ_H
#define CMON_OUTQ_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/base/strbuf.h"

struct cm_outq {
	int fd;             /* where the bytes go: the caller's, or our own open of it */
	int own_fd;         /* our non-blocking open of the caller's file, -1 = none */
	int caller_fd;      /* the caller's fd, when its flags must be put back */
	int restore_flags;  /* caller_fd's file status flags before, -1 = untouched */
	struct cm_strbuf buf; /* the queued bytes; [off, len) are not written yet */
	size_t off;
	size_t max_pending; /* a block is dropped when this many bytes wait */
	int error;          /* errno of the write that failed, 0 = none */
};

/* Sets q up to write to fd without blocking. A pipe, FIFO, terminal or
 * socket is written without waiting: through a non-blocking open of the
 * same file of our own when the system gives one (so the file's other
 * users, a shell sharing the terminal, keep their blocking writes), else
 * by making fd non-blocking until cm_outq_close. A regular file or a block
 * device, which never waits on a reader, is written as it is. Never fails:
 * a bad fd shows at the first write. */
void cm_outq_open(struct cm_outq *q, int fd, size_t max_pending);

/* Queues the n bytes at s, whole, and writes what the fd takes now.
 * Returns false when the block was dropped: max_pending bytes are waiting
 * (the reader fell behind), or there is no memory for it. */
bool cm_outq_add(struct cm_outq *q, const char *s, size_t n);

/* True while queued bytes wait: poll the fd for POLLOUT. */
bool cm_outq_pending(const struct cm_outq *q);

/* Writes what the fd takes now. 0, or -1 once a write failed (EPIPE,
 * ENOSPC, EBADF...): q->error says why, and nothing more is written. */
int cm_outq_flush(struct cm_outq *q);

/* Drops what is still queued, closes our own fd, puts the caller's fd's
 * flags back and frees the queue. */
void cm_outq_close(struct cm_outq *q);

#endif
