/* location_wire: a hand-written decoder for the Location message.
 *
 * A profile of ten thousand locations spent 23M instructions in protobuf-c
 * on them (a descriptor-driven unpack, an object per Line): 5% of a
 * 126k-sample report. This reads the fields straight into reusable
 * buffers, as sample_wire does for samples; the fuzzer checks that it
 * agrees with protobuf-c on every Location. */
#ifndef CMON_LOCATION_WIRE_H
#define CMON_LOCATION_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cm_wire_line {
	uint64_t function_id;
	int64_t line, column;
};

/* Reusable: owned by the struct, valid until the next decode. */
struct cm_location_wire {
	uint64_t id, mapping_id, address;
	bool is_folded;
	struct cm_wire_line *line;
	size_t n_line, cap_line;
};

/* Decodes one Location message from p[0..n): CM_WIRE_OK, CM_WIRE_MALFORMED
 * or CM_WIRE_NOMEM (sample_wire.h). Unknown fields are skipped; a known
 * field with the wrong wire type is malformed, as protobuf-c has it. */
int cm_location_wire_decode(struct cm_location_wire *l, const unsigned char *p, size_t n);

void cm_location_wire_free(struct cm_location_wire *l);

#endif
