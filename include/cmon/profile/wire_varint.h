/* wire_varint: protobuf's varints and field skipping, for the hand-written
 * decoders of the messages a big profile is made of (sample_wire,
 * location_wire). Inline: they run for every field of every message. */
#ifndef CMON_WIRE_VARINT_H
#define CMON_WIRE_VARINT_H

#include <stdbool.h>
#include <stdint.h>

/* Reads a varint at *p (before end); false when truncated or longer than
 * ten bytes. Like Go's pprof and protobuf-c, bits past the 64th are dropped. */
static inline bool cm_wire_varint(const unsigned char **p, const unsigned char *end,
				  uint64_t *out)
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

/* Skips a field of the given wire type; false when malformed. */
static inline bool cm_wire_skip(const unsigned char **p, const unsigned char *end, unsigned wt)
{
	uint64_t v;
	switch (wt) {
	case 0:
		return cm_wire_varint(p, end, &v);
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
		if (!cm_wire_varint(p, end, &v) || v > (uint64_t)(end - *p))
			return false;
		*p += v;
		return true;
	default:
		return false; /* groups and invalid wire types */
	}
}

#endif
