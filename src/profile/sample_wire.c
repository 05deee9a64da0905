#include "cmon/profile/sample_wire.h"
#include "cmon/profile/wire_varint.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*buf, ncap * elem);
	if (!n)
		return false;
	*buf = n;
	*cap = ncap;
	return true;
}

/* The next varint of a packed run at *q (before stop). One- and two-byte
 * varints (location ids, small values) are read inline: this runs for
 * every location of every sample. */
static inline bool run_varint(const unsigned char **q, const unsigned char *stop, uint64_t *v)
{
	const unsigned char *c = *q;
	if (c[0] < 0x80) {
		*v = c[0];
		*q = c + 1;
		return true;
	}
	if (stop - c >= 2 && c[1] < 0x80) {
		*v = (uint64_t)(c[0] & 0x7f) | (uint64_t)c[1] << 7;
		*q = c + 2;
		return true;
	}
	return cm_wire_varint(q, stop, v);
}

/* The packed run q[0..len) appended to a uint64 array. */
static int packed_varints(const unsigned char *q, size_t len, uint64_t **arr, size_t *n,
			  size_t *cap)
{
	if (len == 0)
		return CM_WIRE_OK; /* and *arr may still be NULL */
	const unsigned char *stop = q + len;
	/* At most one element per byte: reserve once. */
	if (!grow((void **)arr, cap, *n + len, sizeof(**arr)))
		return CM_WIRE_NOMEM;
	/* A local, not *arr and *n: a store through out could alias them. */
	uint64_t *out = *arr + *n;
	while (q < stop)
		if (!run_varint(&q, stop, out++))
			return CM_WIRE_MALFORMED;
	*n = (size_t)(out - *arr);
	return CM_WIRE_OK;
}

/* One element or a packed run of varints into a uint64 array. */
static int repeated_varints(const unsigned char **p, const unsigned char *end, unsigned wt,
			    uint64_t **arr, size_t *n, size_t *cap)
{
	uint64_t v;
	if (wt == 0) {
		if (!cm_wire_varint(p, end, &v))
			return CM_WIRE_MALFORMED;
		if (!grow((void **)arr, cap, *n + 1, sizeof(**arr)))
			return CM_WIRE_NOMEM;
		(*arr)[(*n)++] = v;
		return CM_WIRE_OK;
	}
	if (wt != 2)
		return CM_WIRE_MALFORMED;
	uint64_t len;
	if (!cm_wire_varint(p, end, &len) || len > (uint64_t)(end - *p))
		return CM_WIRE_MALFORMED;
	int rc = packed_varints(*p, (size_t)len, arr, n, cap);
	*p += len;
	return rc;
}

int cm_sample_wire_expand_run(struct cm_sample_wire *s)
{
	const unsigned char *run = s->loc_run;
	s->loc_run = NULL;
	return run ? packed_varints(run, s->loc_run_len, &s->location_id, &s->n_location_id,
				    &s->cap_location_id)
		   : CM_WIRE_OK;
}

/* Field 1, location_id: a first packed run is left at loc_run when the
 * caller asked; anything after it reads that run into the array first. */
static int location_ids(struct cm_sample_wire *s, const unsigned char **p,
			const unsigned char *end, unsigned wt)
{
	uint64_t len;
	if (s->defer_loc_run && wt == 2 && !s->loc_run && s->n_location_id == 0) {
		if (!cm_wire_varint(p, end, &len) || len > (uint64_t)(end - *p))
			return CM_WIRE_MALFORMED;
		s->loc_run = *p;
		s->loc_run_len = (size_t)len;
		*p += len;
		return CM_WIRE_OK;
	}
	int rc = cm_sample_wire_expand_run(s);
	if (rc != CM_WIRE_OK)
		return rc;
	return repeated_varints(p, end, wt, &s->location_id, &s->n_location_id,
				&s->cap_location_id);
}

size_t cm_sample_wire_run_count(const unsigned char *run, size_t len)
{
	size_t n = 0, i = 0;
	/* Eight bytes a step: each byte's top bit, clear where a varint
	 * ends, summed by the multiply into the top byte. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, run + i, 8);
		w = (~w & 0x8080808080808080u) >> 7;
		n += (w * 0x0101010101010101u) >> 56;
	}
	for (; i < len; i++)
		n += run[i] < 0x80;
	return n;
}

/* The dense index of the run's next id, at *q: CM_WIRE_OK with *li set,
 * or the run's error. direct and direct_cap are the id map's direct table,
 * kept in the caller's locals and refreshed here when the slow path grows
 * it. */
static inline int next_index(const unsigned char **q, const unsigned char *stop,
			     struct cm_idmap *ids, const uint32_t **direct, size_t *direct_cap,
			     uint32_t *li)
{
	uint64_t id;
	if (!run_varint(q, stop, &id))
		return CM_WIRE_MALFORMED;
	if (id - 1 < ids->identity) { /* id 0 wraps past it */
		*li = (uint32_t)(id - 1);
		return CM_WIRE_OK;
	}
	if (id < *direct_cap && (*direct)[id]) {
		*li = (*direct)[id] - 1;
		return CM_WIRE_OK;
	}
	if (id == 0)
		return CM_WIRE_ZERO_ID;
	*li = cm_idmap_intern_slow(ids, id);
	if (*li == UINT32_MAX)
		return CM_WIRE_NOMEM;
	*direct = ids->direct;
	*direct_cap = ids->direct_cap;
	return CM_WIRE_OK;
}

int cm_sample_wire_locs16(const unsigned char *run, size_t len, struct cm_idmap *ids,
			  uint16_t *out)
{
	const unsigned char *q = run, *stop = run + len;
	const uint32_t *direct = ids->direct;
	size_t direct_cap = ids->direct_cap;
	while (q < stop) {
		uint32_t li;
		int rc = next_index(&q, stop, ids, &direct, &direct_cap, &li);
		if (rc != CM_WIRE_OK)
			return rc;
		if (li > UINT16_MAX)
			return CM_WIRE_WIDE;
		*out++ = (uint16_t)li;
	}
	return CM_WIRE_OK;
}

/* Eight ids of one byte each, 1 to 127, at q, once ids 1..127 are known
 * to be indices 0..126 (the idmap's identity, as Go numbers them): their
 * indices are the bytes less one, written root first (reversed) in one
 * store. Most of a Go profile's frames are such runs: this is 8 ids in a
 * dozen instructions, where one at a time takes about 12 each. False,
 * with nothing written, when the eight are not all such. */
static inline bool eight_small_ids(const unsigned char *q, unsigned char *o)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t w;
	memcpy(&w, q, 8);
	if ((w & highs) || ((w - ones) & ~w & highs)) /* a long varint, or an id 0 */
		return false;
	uint64_t idx = __builtin_bswap64(w - ones);
	memcpy(o - 8, &idx, 8);
	return true;
#else
	(void)q, (void)o;
	return false;
#endif
}

/* An index written as a varint in front of o (a stack is root first:
 * each index goes in front of the one before it); the new front. */
static inline unsigned char *put_index(unsigned char *o, uint32_t li)
{
	if (li < 0x80) {
		*--o = (unsigned char)li;
		return o;
	}
	if (li < 0x4000) { /* most of the rest: written as such */
		o -= 2;
		o[0] = (unsigned char)(li | 0x80);
		o[1] = (unsigned char)(li >> 7);
		return o;
	}
	unsigned char bytes[5];
	size_t nb = 0;
	for (; li >= 0x80; li >>= 7)
		bytes[nb++] = (unsigned char)(li | 0x80);
	bytes[nb++] = (unsigned char)li;
	o -= nb;
	memcpy(o, bytes, nb);
	return o;
}

int cm_sample_wire_locs_varint(const unsigned char *run, size_t len, struct cm_idmap *ids,
			       unsigned char *out_end, unsigned char **out_start, size_t *count)
{
	size_t n = 0;
	const unsigned char *q = run, *stop = run + len;
	const uint32_t *direct = ids->direct;
	size_t direct_cap = ids->direct_cap;
	unsigned char *o = out_end;
	bool small_known = ids->identity >= 127;
	while (q < stop) {
		if (small_known && stop - q >= 8 && eight_small_ids(q, o)) {
			q += 8;
			o -= 8;
			n += 8;
			continue;
		}
		uint32_t li;
		int rc = next_index(&q, stop, ids, &direct, &direct_cap, &li);
		if (rc != CM_WIRE_OK)
			return rc;
		n++;
		o = put_index(o, li);
	}
	*out_start = o;
	*count = n;
	return CM_WIRE_OK;
}

/* As cm_sample_wire_locs_varint, with the id map's identity for a map:
 * one- and two-byte ids (a Go profile's, up to 16383 locations) each take
 * a branch on their first byte, and eight one-byte ids are tried at once
 * only where one starts. */
int cm_sample_wire_locs_known(const unsigned char *run, size_t len, uint64_t known,
			      unsigned char *out_end, unsigned char **out_start, size_t *count)
{
	size_t n = 0;
	const unsigned char *q = run, *stop = run + len;
	unsigned char *o = out_end;
	bool small_known = known >= 127;
	while (q < stop) {
		uint32_t b0 = q[0];
		if (b0 < 0x80) {
			if (small_known && stop - q >= 8 && eight_small_ids(q, o)) {
				q += 8;
				o -= 8;
				n += 8;
				continue;
			}
			if ((uint64_t)b0 - 1 >= known) /* id 0 wraps past it */
				return CM_WIRE_WIDE;
			*--o = (unsigned char)(b0 - 1);
			q++;
			n++;
			continue;
		}
		uint32_t li;
		if (stop - q >= 2 && q[1] < 0x80) {
			uint64_t id = (b0 & 0x7f) | (uint32_t)q[1] << 7; /* 80 00: 0 */
			if (id - 1 >= known) /* id 0 wraps past it */
				return CM_WIRE_WIDE;
			li = (uint32_t)(id - 1);
			q += 2;
		} else {
			uint64_t id;
			if (!cm_wire_varint(&q, stop, &id))
				return CM_WIRE_MALFORMED;
			if (id - 1 >= known)
				return CM_WIRE_WIDE;
			li = (uint32_t)(id - 1);
		}
		n++;
		o = put_index(o, li); /* 1 byte for id 128, or a varint longer than it needs */
	}
	*out_start = o;
	*count = n;
	return CM_WIRE_OK;
}

static int decode_label(struct cm_wire_label *l, const unsigned char *p, const unsigned char *end)
{
	*l = (struct cm_wire_label){0};
	while (p < end) {
		uint64_t tag, v;
		if (!cm_wire_varint(&p, end, &tag))
			return CM_WIRE_MALFORMED;
		unsigned field = (unsigned)(tag >> 3), wt = (unsigned)(tag & 7);
		if (tag > UINT32_MAX || field == 0)
			return CM_WIRE_MALFORMED;
		if (field >= 1 && field <= 4) {
			if (wt != 0 || !cm_wire_varint(&p, end, &v))
				return CM_WIRE_MALFORMED;
			int64_t *dst = field == 1 ? &l->key : field == 2 ? &l->str
				     : field == 3 ? &l->num : &l->num_unit;
			*dst = (int64_t)v;
		} else if (!cm_wire_skip(&p, end, wt)) {
			return CM_WIRE_MALFORMED;
		}
	}
	return CM_WIRE_OK;
}

int cm_sample_wire_decode(struct cm_sample_wire *s, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	s->n_location_id = s->n_value = s->n_label = 0;
	s->loc_run = NULL;
	while (p < end) {
		uint64_t tag, len;
		if (!cm_wire_varint(&p, end, &tag))
			return CM_WIRE_MALFORMED;
		unsigned field = (unsigned)(tag >> 3), wt = (unsigned)(tag & 7);
		int rc = CM_WIRE_OK;
		/* Field 0 does not exist; tags past 32 bits are refused, as
		 * protobuf-c refuses them. */
		if (tag > UINT32_MAX || field == 0) {
			return CM_WIRE_MALFORMED;
		} else if (field == 1) {
			rc = location_ids(s, &p, end, wt);
		} else if (field == 2) {
			rc = repeated_varints(&p, end, wt, (uint64_t **)&s->value, &s->n_value,
					      &s->cap_value);
		} else if (field == 3) {
			if (wt != 2 || !cm_wire_varint(&p, end, &len) || len > (uint64_t)(end - p))
				return CM_WIRE_MALFORMED;
			if (!grow((void **)&s->label, &s->cap_label, s->n_label + 1, sizeof(*s->label)))
				return CM_WIRE_NOMEM;
			rc = decode_label(&s->label[s->n_label++], p, p + len);
			p += len;
		} else if (!cm_wire_skip(&p, end, wt)) {
			return CM_WIRE_MALFORMED;
		}
		if (rc != CM_WIRE_OK)
			return rc;
	}
	return CM_WIRE_OK;
}

/* A label of varint fields only, into l; false for anything else. */
static bool fast_label(struct cm_wire_label *l, const unsigned char *p, const unsigned char *end)
{
	*l = (struct cm_wire_label){0};
	while (p < end) {
		unsigned tag = *p++;
		uint64_t v;
		if (tag < 0x08 || tag > 0x20 || (tag & 7) || p == end || !run_varint(&p, end, &v))
			return false; /* fields 1 to 4, wire type 0 */
		int64_t *dst = tag == 0x08 ? &l->key : tag == 0x10 ? &l->str
			     : tag == 0x18 ? &l->num : &l->num_unit;
		*dst = (int64_t)v;
	}
	return true;
}

bool cm_sample_wire_fast(struct cm_sample_fast *f, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	bool ids = false, values = false;
	f->n_value = f->n_label = 0;
	/* the values and the ids, one packed field each, in either order (Go
	 * writes the values first) */
	while (!(ids && values)) {
		uint64_t len;
		if (p == end)
			return false;
		unsigned tag = *p++;
		if (!cm_wire_varint(&p, end, &len) || len > (uint64_t)(end - p))
			return false;
		const unsigned char *fend = p + len;
		if (tag == 0x0a && !ids) {
			ids = true;
			f->run = p;
			f->run_len = (size_t)len;
			p = fend;
			continue;
		}
		if (tag != 0x12 || values)
			return false;
		values = true;
		while (p < fend) {
			uint64_t v;
			if (f->n_value == CM_FAST_VALUES || !run_varint(&p, fend, &v))
				return false;
			f->value[f->n_value++] = (int64_t)v;
		}
	}
	/* field 3: labels, to the end */
	while (p < end) {
		uint64_t len;
		if (*p++ != 0x1a || f->n_label == CM_FAST_LABELS || !cm_wire_varint(&p, end, &len) ||
		    len > (uint64_t)(end - p) || !fast_label(&f->label[f->n_label++], p, p + len))
			return false;
		p += len;
	}
	return true;
}

void cm_sample_wire_free(struct cm_sample_wire *s)
{
	free(s->location_id);
	free(s->value);
	free(s->label);
	*s = (struct cm_sample_wire){0};
}
