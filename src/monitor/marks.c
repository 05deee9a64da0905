/* marks: see marks.h. */
#include "cmon/monitor/marks.h"

#include <stdlib.h>
#include <string.h>

int cm_marks_add(struct cm_marks *ms, const struct cm_mark *mk)
{
	if (!ms->v) {
		ms->v = calloc(CM_MARKS_MAX, sizeof *ms->v);
		if (!ms->v)
			return -1;
	}
	struct cm_mark *slot = &ms->v[ms->head];
	*slot = *mk;
	slot->what[sizeof slot->what - 1] = '\0';
	ms->head = (ms->head + 1) % CM_MARKS_MAX;
	if (ms->n < CM_MARKS_MAX)
		ms->n++;
	return 0;
}

const struct cm_mark *cm_marks_get(const struct cm_marks *ms, uint32_t i)
{
	if (i >= ms->n)
		return NULL;
	uint32_t oldest = (ms->head + CM_MARKS_MAX - ms->n) % CM_MARKS_MAX;
	return &ms->v[(oldest + i) % CM_MARKS_MAX];
}

const struct cm_mark *cm_marks_near(const struct cm_marks *ms, double t, int dir, int kind)
{
	const struct cm_mark *best = NULL;
	for (uint32_t i = 0; i < ms->n; i++) {
		const struct cm_mark *mk = cm_marks_get(ms, i);
		if (kind >= 0 && (int)mk->kind != kind)
			continue;
		if (dir < 0 && mk->t <= t && (!best || mk->t >= best->t))
			best = mk;
		if (dir > 0 && mk->t >= t && (!best || mk->t < best->t))
			best = mk;
	}
	return best;
}

void cm_marks_free(struct cm_marks *ms)
{
	free(ms->v);
	memset(ms, 0, sizeof *ms);
}
