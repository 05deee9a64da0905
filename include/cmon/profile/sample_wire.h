/* sample_wire: a hand-written decoder for the Sample message alone.
 *
 * A big profile is almost all Sample messages; protobuf-c spent about half of
 * all instructions on them (a descriptor-driven unpack and an object per
 * message). This reads the three fields straight into reusable buffers.
 * Every other message still goes through protobuf-c, and the unit tests and
 * the fuzzer check that both decoders agree on every Sample. */
#ifndef CMON_SAMPLE_WIRE_H
#define CMON_SAMPLE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/base/idmap.h"

struct cm_wire_label {
	int64_t key, str, num, num_unit; /* string indices, as on the wire */
};

/* Reusable buffers: owned by the struct, valid until the next decode. */
struct cm_sample_wire {
	/* Set by the caller to have a Sample's location ids, when they come
	 * as one packed run (as every encoder writes them), left unread at
	 * loc_run: cm_sample_wire_locs16 reads them straight into dense
	 * 16-bit indices, a third of the decoder's instructions saved on a
	 * big profile. loc_run points into the message given to decode;
	 * NULL when the ids are in location_id instead. */
	bool defer_loc_run;
	const unsigned char *loc_run;
	size_t loc_run_len;
	uint64_t *location_id;
	size_t n_location_id, cap_location_id;
	int64_t *value;
	size_t n_value, cap_value;
	struct cm_wire_label *label;
	size_t n_label, cap_label;
};

enum cm_sample_wire_status {
	CM_WIRE_OK = 0,
	CM_WIRE_MALFORMED = -1,
	CM_WIRE_NOMEM = -2,
	CM_WIRE_ZERO_ID = -3, /* cm_sample_wire_locs16: location id 0 */
	CM_WIRE_WIDE = -4,    /* cm_sample_wire_locs16: an index past 65535 */
};

/* Decodes one Sample message from p[0..n). Fields come packed or unpacked,
 * unknown fields are skipped, as protobuf requires. */
int cm_sample_wire_decode(struct cm_sample_wire *s, const unsigned char *p, size_t n);

/* How many varints the packed run run[0..len) holds (each ends in a byte
 * under 0x80): the size of cm_sample_wire_locs16's output. */
size_t cm_sample_wire_run_count(const unsigned char *run, size_t len);

/* Reads the packed location ids run[0..len) into out (room for
 * cm_sample_wire_run_count of them), each interned in ids and stored as
 * its dense index. CM_WIRE_ZERO_ID for an id 0, CM_WIRE_WIDE when an index
 * does not fit 16 bits (the caller then reads the run with
 * cm_sample_wire_expand_run: interning again is harmless), CM_WIRE_NOMEM
 * when ids cannot grow, CM_WIRE_MALFORMED for a bad varint. */
int cm_sample_wire_locs16(const unsigned char *run, size_t len, struct cm_idmap *ids,
			  uint16_t *out);

/* cm_sample_wire_locs16 for a compact stack: the dense indices as LEB128
 * varints, root first, written backwards so that the last byte lands at
 * out_end[-1] (room for 5 bytes an input byte: len * 5); *out_start is the
 * first, *count how many. No CM_WIRE_WIDE: every index fits. */
int cm_sample_wire_locs_varint(const unsigned char *run, size_t len, struct cm_idmap *ids,
			       unsigned char *out_end, unsigned char **out_start, size_t *count);

/* cm_sample_wire_locs_varint for ids 1..known only, whose indices are id
 * - 1 (the id map's identity): no map needed, and no index takes more
 * bytes than its id, so len bytes of room are enough. CM_WIRE_WIDE for any
 * other id (0 too). */
int cm_sample_wire_locs_known(const unsigned char *run, size_t len, uint64_t known,
			      unsigned char *out_end, unsigned char **out_start, size_t *count);

/* A Sample as Go writes it: fields 2 (the values, packed, at most
 * CM_FAST_VALUES) and 1 (the ids, one packed run), in either order, then
 * field 3 (labels of varint fields only, at most CM_FAST_LABELS), nothing
 * else. */
enum { CM_FAST_VALUES = 8, CM_FAST_LABELS = 4 };
struct cm_sample_fast {
	const unsigned char *run; /* into the message */
	size_t run_len;
	int64_t value[CM_FAST_VALUES];
	size_t n_value;
	struct cm_wire_label label[CM_FAST_LABELS];
	size_t n_label;
};

/* Reads such a Sample from p[0..n) without the general decoder's
 * buffers; false (f undefined) when it is not one, or malformed: the
 * caller then uses cm_sample_wire_decode, which says what is wrong. The
 * run is left unread: cm_sample_wire_locs_known checks it. */
bool cm_sample_wire_fast(struct cm_sample_fast *f, const unsigned char *p, size_t n);

/* Reads a deferred run into location_id, as if it had not been deferred. */
int cm_sample_wire_expand_run(struct cm_sample_wire *s);

void cm_sample_wire_free(struct cm_sample_wire *s);

#endif
