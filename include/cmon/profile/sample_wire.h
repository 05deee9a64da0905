/* sample_wire: a hand-written decoder for the Sample message alone.
 *
 * A big profile is almost all Sample messages; protobuf-c spent about half of
 * all instructions on them (a descriptor-driven unpack and an object per
 * message). This reads the three fields straight into reusable buffers.
 * Every other message still goes through protobuf-c, and the unit tests and
 * the fuzzer check that both decoders agree on every Sample. */
#ifndef CMON_SAMPLE_WIRE_H
#define CMON_SAMPLE_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct cm_wire_label {
	int64_t key, str, num, num_unit; /* string indices, as on the wire */
};

/* Reusable buffers: owned by the struct, valid until the next decode. */
struct cm_sample_wire {
	uint64_t *location_id;
	size_t n_location_id, cap_location_id;
	int64_t *value;
	size_t n_value, cap_value;
	struct cm_wire_label *label;
	size_t n_label, cap_label;
};

enum cm_sample_wire_status { CM_WIRE_OK = 0, CM_WIRE_MALFORMED = -1, CM_WIRE_NOMEM = -2 };

/* Decodes one Sample message from p[0..n). Fields come packed or unpacked,
 * unknown fields are skipped, as protobuf requires. */
int cm_sample_wire_decode(struct cm_sample_wire *s, const unsigned char *p, size_t n);

void cm_sample_wire_free(struct cm_sample_wire *s);

#endif
