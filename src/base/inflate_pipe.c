/* inflate_pipe: see inflate_pipe.h.
 *
 * The ring: NSLOTS buffers, each filled by the worker and then read by the
 * caller. A buffer starts with the last HISTORY bytes of the stream's
 * output so far (copied from the buffer before it, which only ever gets
 * read meanwhile), since a match may copy from that far back; the piece
 * is what follows. One mutex and two condition variables: the worker
 * waits for an empty buffer, the caller for a full one. */
#include "cmon/base/inflate_pipe.h"

#include "cmon/base/arena.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
	NSLOTS = 4,
	HISTORY = CM_INFLATE_PIPE_HISTORY, /* DEFLATE's window, and what callers rely on */
	PIECE = 256 << 10,   /* output per buffer: a few fit in a core's cache */
	SLOT_CAP = HISTORY + PIECE + CM_INFLATE_MIN_ROOM,
};

struct slot {
	uint8_t *buf;       /* SLOT_CAP bytes */
	size_t start, end;  /* the piece: buf[start..end) */
	bool full;          /* filled, not yet handed back */
	enum cm_inflate_status status;
	const char *error;
};

struct cm_inflate_pipe {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	bool stop;               /* the caller is done: the worker leaves */
	struct slot slots[NSLOTS];
	uint8_t *ring;           /* the slots' buffers, one after another */
	size_t next_fill;        /* the worker's next slot (counts up) */
	size_t next_read;        /* the caller's next slot (counts up) */
	bool holding;            /* the caller holds slot next_read - 1 */
	bool finished;           /* the caller saw END or ERROR */
	enum cm_inflate_status last;
	const char *last_error;
	struct cm_inflate z;     /* the worker's only */
	bool release_input;      /* give back input pages passed (a file map) */
	size_t released;         /* the worker's: input given back so far */
};

int cm_inflate_pipe_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		return n > 0 ? n : 1;
	}
	return 1;
}

/* The worker: waits for slot i to be empty, or for stop. */
static bool wait_empty(struct cm_inflate_pipe *p, struct slot *s)
{
	pthread_mutex_lock(&p->lock);
	while (s->full && !p->stop)
		pthread_cond_wait(&p->emptied, &p->lock);
	bool go = !p->stop;
	pthread_mutex_unlock(&p->lock);
	return go;
}

/* The first pieces are small, growing to PIECE: the caller waits for the
 * first one, and 256 KiB took 2 ms to come (a fresh buffer's pages
 * faulted in, and the tables built) on the 126k-sample benchmark profile,
 * where the caller waited 3.5 to 5.7 ms for the pipe in all. */
static size_t piece_size(size_t nth)
{
	size_t shift = nth < 4 ? 4 - nth : 0;
	return (PIECE >> shift) + CM_INFLATE_MIN_ROOM;
}

static void *worker(void *arg)
{
	struct cm_inflate_pipe *p = arg;
	uint64_t total = 0; /* output so far, for how much history there is */
	const struct slot *prev = NULL;
	for (;;) {
		struct slot *s = &p->slots[p->next_fill % NSLOTS];
		if (!wait_empty(p, s))
			return NULL;
		/* prev is not handed back to the worker before s is filled
		 * (NSLOTS > 1), so its bytes stay while they are copied. */
		size_t h = total < HISTORY ? (size_t)total : HISTORY;
		if (prev && h)
			memcpy(s->buf, prev->buf + prev->end - h, h);
		size_t pos = h;
		enum cm_inflate_status rc = cm_inflate_run(&p->z, s->buf, &pos, h + piece_size(p->next_fill));
		total += pos - h;
		if (p->release_input)
			cm_inflate_release_input(&p->z, &p->released);
		pthread_mutex_lock(&p->lock);
		s->start = h;
		s->end = pos;
		s->status = rc;
		s->error = rc == CM_INFLATE_ERROR ? p->z.error : NULL;
		s->full = true;
		p->next_fill++;
		pthread_cond_signal(&p->filled);
		pthread_mutex_unlock(&p->lock);
		if (rc != CM_INFLATE_MORE)
			return NULL;
		prev = s;
	}
}

static void free_pipe(struct cm_inflate_pipe *p)
{
	cm_huge_free(p->ring, (size_t)NSLOTS * SLOT_CAP);
	free(p);
}

struct cm_inflate_pipe *cm_inflate_pipe_start(const uint8_t *in, size_t len, bool release_input)
{
	struct cm_inflate_pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->release_input = release_input;
	/* One huge page for the ring: in 4 KiB pages its first filling took
	 * 290 faults, 3 ms of the worker's 14.5 on the 126k-sample benchmark
	 * profile. */
	if (!(p->ring = cm_huge_alloc((size_t)NSLOTS * SLOT_CAP))) {
		free_pipe(p);
		return NULL;
	}
	for (int i = 0; i < NSLOTS; i++)
		p->slots[i].buf = p->ring + (size_t)i * SLOT_CAP;
	cm_inflate_init(&p->z, in, len, 1);
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free_pipe(p);
		return NULL;
	}
	if (pthread_cond_init(&p->filled, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free_pipe(p);
		return NULL;
	}
	if (pthread_cond_init(&p->emptied, NULL) != 0) {
		pthread_cond_destroy(&p->filled);
		pthread_mutex_destroy(&p->lock);
		free_pipe(p);
		return NULL;
	}
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		pthread_cond_destroy(&p->emptied);
		pthread_cond_destroy(&p->filled);
		pthread_mutex_destroy(&p->lock);
		free_pipe(p);
		return NULL;
	}
	return p;
}

enum cm_inflate_status cm_inflate_pipe_next(struct cm_inflate_pipe *p, const uint8_t **data,
					    size_t *n, const char **error)
{
	*data = NULL;
	*n = 0;
	*error = NULL;
	if (p->finished) {
		*error = p->last_error;
		return p->last;
	}
	pthread_mutex_lock(&p->lock);
	if (p->holding) { /* hand the last piece's buffer back */
		p->slots[(p->next_read - 1) % NSLOTS].full = false;
		p->holding = false;
		pthread_cond_signal(&p->emptied);
	}
	struct slot *s = &p->slots[p->next_read % NSLOTS];
	while (!s->full)
		pthread_cond_wait(&p->filled, &p->lock);
	pthread_mutex_unlock(&p->lock);
	p->next_read++;
	p->holding = true;
	*data = s->buf + s->start;
	*n = s->end - s->start;
	if (s->status != CM_INFLATE_MORE) {
		p->finished = true;
		p->last = s->status;
		p->last_error = s->error;
		*error = s->error;
	}
	return s->status;
}

void cm_inflate_pipe_stop(struct cm_inflate_pipe *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->emptied);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->emptied);
	pthread_cond_destroy(&p->filled);
	pthread_mutex_destroy(&p->lock);
	free_pipe(p);
}
