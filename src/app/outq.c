#include "cmon/app/outq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A non-blocking descriptor of fd's file that is ours alone. Opening
 * /proc/self/fd/N opens the pipe, FIFO or terminal again, with a file
 * description of its own, so O_NONBLOCK on it changes nothing for the
 * processes that share fd's (the shell on a terminal, a 2>&1 stderr). A
 * socket cannot be opened so, nor a pipe whose reader is gone. */
static int own_nonblocking(int fd)
{
	char path[40];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

void cm_outq_open(struct cm_outq *q, int fd, size_t max_pending)
{
	*q = (struct cm_outq){.fd = fd, .own_fd = -1, .caller_fd = fd, .restore_flags = -1,
			      .max_pending = max_pending};
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	/* fd not open for writing (main.c holds a closed stdout so): left
	 * as it is, for its first write to fail and say so. */
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return;
	if (fstat(fd, &st) < 0 || S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
		return;
	q->own_fd = own_nonblocking(fd);
	if (q->own_fd >= 0) {
		q->fd = q->own_fd;
		return;
	}
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0)
		q->restore_flags = fl;
}

bool cm_outq_pending(const struct cm_outq *q)
{
	return q->off < q->buf.len && !q->error;
}

int cm_outq_flush(struct cm_outq *q)
{
	while (cm_outq_pending(q)) {
		ssize_t w = write(q->fd, q->buf.s + q->off, q->buf.len - q->off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			q->error = w < 0 ? errno : EIO;
			break;
		}
		q->off += (size_t)w;
	}
	if (q->off == q->buf.len) { /* all out: start again at the front */
		q->off = 0;
		q->buf.len = 0;
	}
	return q->error ? -1 : 0;
}

/* Moves the unwritten bytes to the front, so the buffer does not grow by
 * what was written. */
static void compact(struct cm_outq *q)
{
	if (q->off == 0)
		return;
	memmove(q->buf.s, q->buf.s + q->off, q->buf.len - q->off);
	q->buf.len -= q->off;
	q->off = 0;
}

bool cm_outq_add(struct cm_outq *q, const char *s, size_t n)
{
	if (q->error)
		return true; /* the caller is told by cm_outq_flush */
	if (q->buf.len - q->off >= q->max_pending)
		return false;
	compact(q);
	cm_strbuf_add(&q->buf, s, n);
	if (q->buf.oom) {
		/* the queued bytes are still there, the block is not */
		q->buf.oom = false;
		return false;
	}
	cm_outq_flush(q);
	return true;
}

void cm_outq_close(struct cm_outq *q)
{
	if (q->own_fd >= 0)
		close(q->own_fd);
	if (q->restore_flags >= 0)
		fcntl(q->caller_fd, F_SETFL, q->restore_flags);
	cm_strbuf_free(&q->buf);
	*q = (struct cm_outq){.fd = -1, .own_fd = -1, .caller_fd = -1, .restore_flags = -1};
}
