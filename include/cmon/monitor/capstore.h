/* capstore: the profiles this run captured (CPU captures from the pane,
 * every profile a trigger or the rolling mode took), each with an id the
 * timeline's marks name (marks.h's CM_MARK_CAPTURE). A capture cannot be
 * fetched again, so its bytes are kept as they came, within a budget: at
 * most `max` captures and `budget` bytes; the oldest go first. No curl,
 * no curses: unit-tested.
 *
 * Ownership: the store owns every capture's bytes; a pointer from
 * cm_capstore_get is valid until the next add, services change or free. */
#ifndef CMON_CAPSTORE_H
#define CMON_CAPSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/monitor/prof_pane.h"

#define CM_CAPSTORE_MAX 1024                      /* captures: 2.8 h of 10 s rolling */
#define CM_CAPSTORE_BYTES ((size_t)256 << 20)     /* bytes of them all */

struct cm_capture {
	uint32_t id;            /* 1, 2, ...: never reused in a run */
	unsigned char *data;    /* owned: the profile as fetched */
	size_t len;
	size_t svc;             /* whose (index into the monitor; SIZE_MAX: gone) */
	enum cm_prof_kind kind;
	double t_start, t;      /* wall seconds: a CPU capture's span, else t_start == t */
	bool saved;             /* written to a file (w, or a trigger's save) */
	bool rolling;           /* taken by the rolling CPU mode */
	char what[48];          /* "cpu 10s rate:requests>500" */
};

struct cm_capstore {
	struct cm_capture *v;   /* owned, oldest first */
	size_t n, cap;
	size_t bytes;           /* of every capture's data */
	size_t max, budget;
	uint32_t next_id;
};

/* An empty store of at most max captures and budget bytes. */
void cm_capstore_init(struct cm_capstore *s, size_t max, size_t budget);

/* Keeps a copy of data[0, len) with c's fields (its id and data are
 * set here), dropping the oldest captures to make room. Returns the new
 * id, or 0 when out of memory or when len alone is over the budget
 * (nothing changed). */
uint32_t cm_capstore_add(struct cm_capstore *s, const struct cm_capture *c,
			 const unsigned char *data, size_t len);

/* The capture of id, or NULL (never kept, or dropped for room). */
struct cm_capture *cm_capstore_get(const struct cm_capstore *s, uint32_t id);

/* The capture before (dir < 0) or after (dir > 0) id (0: from the
 * newest end) of service svc and kind; NULL when none. < and > in the
 * pane. */
struct cm_capture *cm_capstore_step(const struct cm_capstore *s, uint32_t id, int dir,
				    size_t svc, enum cm_prof_kind kind);

/* The services' indexes changed (to: old index -> new, SIZE_MAX gone, of
 * nold): every capture follows its service. */
void cm_capstore_services_changed(struct cm_capstore *s, const size_t *to, size_t nold);

void cm_capstore_free(struct cm_capstore *s);

#endif
