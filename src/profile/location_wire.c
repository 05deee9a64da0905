#include "cmon/profile/location_wire.h"

#include <stdlib.h>

#include "cmon/profile/sample_wire.h"
#include "cmon/profile/wire_varint.h"

/* A field's tag: false when malformed, as sample_wire has it (field 0 and
 * tags past 32 bits are refused, as protobuf-c refuses them). */
static bool read_tag(const unsigned char **p, const unsigned char *end, unsigned *field,
		     unsigned *wt)
{
	uint64_t tag;
	if (!cm_wire_varint(p, end, &tag) || tag > UINT32_MAX || (tag >> 3) == 0)
		return false;
	*field = (unsigned)(tag >> 3);
	*wt = (unsigned)(tag & 7);
	return true;
}

static bool scalar(const unsigned char **p, const unsigned char *end, unsigned wt, uint64_t *v)
{
	return wt == 0 && cm_wire_varint(p, end, v);
}

/* protobuf-c's bool: true when any bit of the varint is set, even past the
 * 64th (which cm_wire_varint drops). */
static bool boolean(const unsigned char **p, const unsigned char *end, unsigned wt, bool *b)
{
	const unsigned char *start = *p;
	uint64_t v;
	if (!scalar(p, end, wt, &v))
		return false;
	*b = false;
	for (const unsigned char *c = start; c < *p; c++)
		*b |= (*c & 0x7f) != 0;
	return true;
}

static int decode_line(struct cm_wire_line *l, const unsigned char *p, const unsigned char *end)
{
	*l = (struct cm_wire_line){0};
	while (p < end) {
		unsigned field, wt;
		uint64_t v;
		if (!read_tag(&p, end, &field, &wt))
			return CM_WIRE_MALFORMED;
		if (field >= 1 && field <= 3) {
			if (!scalar(&p, end, wt, &v))
				return CM_WIRE_MALFORMED;
			if (field == 1)
				l->function_id = v;
			else if (field == 2)
				l->line = (int64_t)v;
			else
				l->column = (int64_t)v;
		} else if (!cm_wire_skip(&p, end, wt)) {
			return CM_WIRE_MALFORMED;
		}
	}
	return CM_WIRE_OK;
}

static int add_line(struct cm_location_wire *l, const unsigned char **p, const unsigned char *end,
		    unsigned wt)
{
	uint64_t len;
	if (wt != 2 || !cm_wire_varint(p, end, &len) || len > (uint64_t)(end - *p))
		return CM_WIRE_MALFORMED;
	if (l->n_line == l->cap_line) {
		size_t ncap = l->cap_line ? l->cap_line * 2 : 8;
		struct cm_wire_line *n = realloc(l->line, ncap * sizeof(*n));
		if (!n)
			return CM_WIRE_NOMEM;
		l->line = n;
		l->cap_line = ncap;
	}
	int rc = decode_line(&l->line[l->n_line++], *p, *p + len);
	*p += len;
	return rc;
}

int cm_location_wire_decode(struct cm_location_wire *l, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	l->id = l->mapping_id = l->address = 0;
	l->is_folded = false;
	l->n_line = 0;
	while (p < end) {
		unsigned field, wt;
		int rc = CM_WIRE_OK;
		if (!read_tag(&p, end, &field, &wt))
			return CM_WIRE_MALFORMED;
		switch (field) {
		case 1:
			rc = scalar(&p, end, wt, &l->id) ? CM_WIRE_OK : CM_WIRE_MALFORMED;
			break;
		case 2:
			rc = scalar(&p, end, wt, &l->mapping_id) ? CM_WIRE_OK : CM_WIRE_MALFORMED;
			break;
		case 3:
			rc = scalar(&p, end, wt, &l->address) ? CM_WIRE_OK : CM_WIRE_MALFORMED;
			break;
		case 4:
			rc = add_line(l, &p, end, wt);
			break;
		case 5:
			rc = boolean(&p, end, wt, &l->is_folded) ? CM_WIRE_OK : CM_WIRE_MALFORMED;
			break;
		default:
			rc = cm_wire_skip(&p, end, wt) ? CM_WIRE_OK : CM_WIRE_MALFORMED;
		}
		if (rc != CM_WIRE_OK)
			return rc;
	}
	return CM_WIRE_OK;
}

void cm_location_wire_free(struct cm_location_wire *l)
{
	free(l->line);
	*l = (struct cm_location_wire){0};
}
