#include "cmon/profile/sample_wire.h"

#include <stdbool.h>
#include <stdlib.h>

/* Reads a varint at *p (before end); false when truncated or longer than
 * ten bytes. Like Go's pprof and protobuf-c, bits past the 64th are dropped. */
static inline bool varint(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
	const unsigned char *q = *p;
	if (end - q >= 10) {
		/* Ten bytes are there: no bounds checks, and the usual one or two
		 * byte values (location ids, small counts) leave at once. */
		uint64_t b = *q++, v = b & 0x7f;
		if (b < 0x80)
			goto done;
		b = *q++;
		v |= (b & 0x7f) << 7;
		if (b < 0x80)
			goto done;
		for (unsigned shift = 14; shift < 70; shift += 7) {
			b = *q++;
			v |= (b & 0x7f) << shift; /* bits past 64 drop, as Go's pprof does */
			if (b < 0x80)
				goto done;
		}
		return false;
done:
		*out = v;
		*p = q;
		return true;
	}
	uint64_t v = 0;
	for (unsigned shift = 0; q < end && shift < 70; shift += 7) {
		unsigned char b = *q++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			*p = q;
			return true;
		}
	}
	return false;
}

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

/* Skips a field of the given wire type; false when malformed. */
static bool skip_field(const unsigned char **p, const unsigned char *end, unsigned wt)
{
	uint64_t v;
	switch (wt) {
	case 0:
		return varint(p, end, &v);
	case 1:
		if (end - *p < 8)
			return false;
		*p += 8;
		return true;
	case 5:
		if (end - *p < 4)
			return false;
		*p += 4;
		return true;
	case 2:
		if (!varint(p, end, &v) || v > (uint64_t)(end - *p))
			return false;
		*p += v;
		return true;
	default:
		return false; /* groups and invalid wire types */
	}
}

/* One element or a packed run of varints into a uint64 array. */
static int repeated_varints(const unsigned char **p, const unsigned char *end, unsigned wt,
			    uint64_t **arr, size_t *n, size_t *cap)
{
	uint64_t v;
	if (wt == 0) {
		if (!varint(p, end, &v))
			return CM_WIRE_MALFORMED;
		if (!grow((void **)arr, cap, *n + 1, sizeof(**arr)))
			return CM_WIRE_NOMEM;
		(*arr)[(*n)++] = v;
		return CM_WIRE_OK;
	}
	if (wt != 2)
		return CM_WIRE_MALFORMED;
	uint64_t len;
	if (!varint(p, end, &len) || len > (uint64_t)(end - *p))
		return CM_WIRE_MALFORMED;
	if (len == 0)
		return CM_WIRE_OK; /* and *arr may still be NULL */
	const unsigned char *q = *p, *stop = q + len;
	/* At most one element per byte: reserve once. */
	if (!grow((void **)arr, cap, *n + len, sizeof(**arr)))
		return CM_WIRE_NOMEM;
	/* Locals, not *arr and *n: a store through out could alias them, and
	 * this loop runs for every location of every sample. One- and two-byte
	 * varints (location ids, small values) are read inline. */
	uint64_t *out = *arr + *n;
	while (q < stop) {
		if (q[0] < 0x80) {
			*out++ = q[0];
			q++;
		} else if (stop - q >= 2 && q[1] < 0x80) {
			*out++ = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
			q += 2;
		} else if (varint(&q, stop, &v)) {
			*out++ = v;
		} else {
			return CM_WIRE_MALFORMED;
		}
	}
	*n = (size_t)(out - *arr);
	*p = q;
	return CM_WIRE_OK;
}

static int decode_label(struct cm_wire_label *l, const unsigned char *p, const unsigned char *end)
{
	*l = (struct cm_wire_label){0};
	while (p < end) {
		uint64_t tag, v;
		if (!varint(&p, end, &tag))
			return CM_WIRE_MALFORMED;
		unsigned field = (unsigned)(tag >> 3), wt = (unsigned)(tag & 7);
		if (tag > UINT32_MAX || field == 0)
			return CM_WIRE_MALFORMED;
		if (field >= 1 && field <= 4) {
			if (wt != 0 || !varint(&p, end, &v))
				return CM_WIRE_MALFORMED;
			int64_t *dst = field == 1 ? &l->key : field == 2 ? &l->str
				     : field == 3 ? &l->num : &l->num_unit;
			*dst = (int64_t)v;
		} else if (!skip_field(&p, end, wt)) {
			return CM_WIRE_MALFORMED;
		}
	}
	return CM_WIRE_OK;
}

int cm_sample_wire_decode(struct cm_sample_wire *s, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	s->n_location_id = s->n_value = s->n_label = 0;
	while (p < end) {
		uint64_t tag, len;
		if (!varint(&p, end, &tag))
			return CM_WIRE_MALFORMED;
		unsigned field = (unsigned)(tag >> 3), wt = (unsigned)(tag & 7);
		int rc = CM_WIRE_OK;
		/* Field 0 does not exist; tags past 32 bits are refused, as
		 * protobuf-c refuses them. */
		if (tag > UINT32_MAX || field == 0) {
			return CM_WIRE_MALFORMED;
		} else if (field == 1) {
			rc = repeated_varints(&p, end, wt, &s->location_id, &s->n_location_id,
					      &s->cap_location_id);
		} else if (field == 2) {
			rc = repeated_varints(&p, end, wt, (uint64_t **)&s->value, &s->n_value,
					      &s->cap_value);
		} else if (field == 3) {
			if (wt != 2 || !varint(&p, end, &len) || len > (uint64_t)(end - p))
				return CM_WIRE_MALFORMED;
			if (!grow((void **)&s->label, &s->cap_label, s->n_label + 1, sizeof(*s->label)))
				return CM_WIRE_NOMEM;
			rc = decode_label(&s->label[s->n_label++], p, p + len);
			p += len;
		} else if (!skip_field(&p, end, wt)) {
			return CM_WIRE_MALFORMED;
		}
		if (rc != CM_WIRE_OK)
			return rc;
	}
	return CM_WIRE_OK;
}

void cm_sample_wire_free(struct cm_sample_wire *s)
{
	free(s->location_id);
	free(s->value);
	free(s->label);
	*s = (struct cm_sample_wire){0};
}
