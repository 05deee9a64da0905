/* marks: the moments on a service's timeline worth a symbol on the zoomed
 * graph and a jump key: a profile captured (by a key or a trigger), a
 * restart, the start of an outage. A bounded ring per service: the oldest
 * mark is forgotten past CM_MARKS_MAX, so a trigger firing all night costs
 * a fixed amount.
 *
 * Ownership: a cm_marks owns its array; cm_marks_get's pointer is valid
 * until the next add or free. */
#ifndef CMON_MARKS_H
#define CMON_MARKS_H

#include <stddef.h>
#include <stdint.h>

#define CM_MARKS_MAX 256

enum cm_mark_kind {
	CM_MARK_CAPTURE, /* a profile was captured: id names it (the app's store) */
	CM_MARK_RESTART, /* the service restarted */
	CM_MARK_DOWN,    /* the service went down (what says why) */
};

struct cm_mark {
	double t;             /* wall seconds: when it happened (a CPU capture: its end) */
	double t_start;       /* a span's start (a CPU capture's first second), else t */
	enum cm_mark_kind kind;
	uint32_t id;          /* CAPTURE: the capture's id in the app's store, 0 = none */
	char what[48];        /* short text: "cpu 10s", "heap (trigger rate:requests>500)" */
};

struct cm_marks {
	struct cm_mark *v; /* owned, CM_MARKS_MAX entries once the first is added */
	uint32_t n;        /* held, <= CM_MARKS_MAX */
	uint32_t head;     /* index of the next write */
};

/* Adds a copy of *mk (what is cut to fit). 0, or -1 when out of memory
 * (nothing added). Marks are expected in time order; one added out of
 * order is still kept, at the end. */
int cm_marks_add(struct cm_marks *ms, const struct cm_mark *mk);

/* The i-th mark, 0 the oldest; NULL when i >= n. */
const struct cm_mark *cm_marks_get(const struct cm_marks *ms, uint32_t i);

/* The newest mark at or before t (dir < 0) or the oldest at or after t
 * (dir > 0), of kind (or of any kind when kind < 0); NULL when none. The
 * zoom's and the replay's "jump to the previous / next capture". */
const struct cm_mark *cm_marks_near(const struct cm_marks *ms, double t, int dir, int kind);

void cm_marks_free(struct cm_marks *ms);

#endif
