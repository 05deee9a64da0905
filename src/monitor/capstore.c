/* capstore: see capstore.h. A flat array, oldest first: a store holds at
 * most CM_CAPSTORE_MAX captures and is walked by a key press at a time. */
#include "cmon/monitor/capstore.h"

#include <stdlib.h>
#include <string.h>

void cm_capstore_init(struct cm_capstore *s, size_t max, size_t budget)
{
	memset(s, 0, sizeof *s);
	s->max = max ? max : 1;
	s->budget = budget;
	s->next_id = 1;
}

static void drop_oldest(struct cm_capstore *s)
{
	s->bytes -= s->v[0].len;
	free(s->v[0].data);
	memmove(s->v, s->v + 1, (s->n - 1) * sizeof *s->v);
	s->n--;
}

/* Room in the array for one more (its capacity grows by doubling up to
 * max). 0, or -1 when out of memory. */
static int ensure_slot(struct cm_capstore *s)
{
	if (s->n < s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 16;
	if (cap > s->max)
		cap = s->max;
	if (cap <= s->n)
		return 0; /* full: the caller drops the oldest */
	struct cm_capture *v = realloc(s->v, cap * sizeof *v);
	if (!v)
		return -1;
	s->v = v;
	s->cap = cap;
	return 0;
}

uint32_t cm_capstore_add(struct cm_capstore *s, const struct cm_capture *c,
			 const unsigned char *data, size_t len)
{
	if (len > s->budget || s->next_id == 0 || ensure_slot(s) < 0)
		return 0;
	unsigned char *copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, len);
	while (s->n > 0 && (s->n >= s->max || s->n >= s->cap || s->bytes + len > s->budget))
		drop_oldest(s);
	struct cm_capture *slot = &s->v[s->n++];
	*slot = *c;
	slot->what[sizeof slot->what - 1] = '\0';
	slot->data = copy;
	slot->len = len;
	slot->id = s->next_id++;
	s->bytes += len;
	return slot->id;
}

/* Index of id, or n. */
static size_t index_of(const struct cm_capstore *s, uint32_t id)
{
	size_t lo = 0, hi = s->n; /* ids grow with the index */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->v[lo].id == id ? lo : s->n;
}

struct cm_capture *cm_capstore_get(const struct cm_capstore *s, uint32_t id)
{
	size_t i = id ? index_of(s, id) : s->n;
	return i < s->n ? &s->v[i] : NULL;
}

struct cm_capture *cm_capstore_step(const struct cm_capstore *s, uint32_t id, int dir,
				    size_t svc, enum cm_prof_kind kind)
{
	size_t i = id ? index_of(s, id) : s->n;
	if (i == s->n && id && dir > 0)
		return NULL; /* dropped: nothing is known to be after it */
	for (;;) {
		if (dir < 0 ? i == 0 : i + 1 >= s->n)
			return NULL;
		i = dir < 0 ? i - 1 : i + 1;
		if (s->v[i].svc == svc && s->v[i].kind == kind)
			return &s->v[i];
	}
}

void cm_capstore_services_changed(struct cm_capstore *s, const size_t *to, size_t nold)
{
	for (size_t i = 0; i < s->n; i++)
		s->v[i].svc = s->v[i].svc < nold ? to[s->v[i].svc] : SIZE_MAX;
}

void cm_capstore_free(struct cm_capstore *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].data);
	free(s->v);
	memset(s, 0, sizeof *s);
}
