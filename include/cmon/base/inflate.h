/* inflate: a DEFLATE (RFC 1951) and gzip (RFC 1952) decoder for an input
 * held whole in memory, writing its output in pieces.
 *
 * Why not zlib's inflate: on a big profile it was a third of cmon's time.
 * With the whole input at hand the decoder refills its bit buffer 8 bytes
 * at a time and copies matches in words, about twice zlib's speed; zlib
 * is still used for the CRC-32 where the CPU has no carry-less multiply.
 *
 * Output goes into a caller's buffer out[0..cap) from *pos on. A match may
 * reach up to 32 KiB back from the position it is written at: the caller
 * keeps the stream's previous output (its last 32 KiB, or all of it when
 * there is less) just before *pos whenever it moves or reuses the buffer.
 * cm_inflate_run stops at a symbol boundary when the room left might not
 * hold another symbol's output (a match is up to 258 bytes); the caller
 * makes room and calls again. A call with cap - *pos of at least
 * CM_INFLATE_MIN_ROOM always makes progress.
 *
 * No allocation; no state outside the struct. The input is borrowed: it
 * must stay unchanged until the stream ends or the struct is dropped. */
#ifndef CMON_INFLATE_H
#define CMON_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#define CM_INFLATE_MIN_ROOM 512

enum cm_inflate_status {
	CM_INFLATE_MORE = 0, /* out of room: make room, call again */
	CM_INFLATE_END = 1,  /* the last member ended and its trailer checked */
	CM_INFLATE_ERROR = -1,
};

/* Decoding tables: a first-level lookup with second-level tables for
 * longer codes (sizes as in zlib's ENOUGH_LENS/ENOUGH_DISTS). */
enum { CM_INFLATE_LITLEN_ENTRIES = 2342, CM_INFLATE_DIST_ENTRIES = 402 };

struct cm_inflate {
	const uint8_t *in, *in_end; /* unread input (borrowed) */
	const uint8_t *in_start;
	uint64_t bits;     /* bit buffer, low bits first */
	unsigned nbits;    /* valid bits in it */
	unsigned overread; /* zero bytes fed past the input's end */
	int state;         /* private */
	int gzip;          /* 1: gzip members; 0: one raw DEFLATE stream */
	int final_block;
	uint32_t stored_left;
	uint32_t crc;      /* of the current member's output so far */
	uint64_t member_out; /* bytes of the current member's output */
	const char *error; /* static text when CM_INFLATE_ERROR */
	uint32_t litlen[CM_INFLATE_LITLEN_ENTRIES];
	uint32_t dist[CM_INFLATE_DIST_ENTRIES];
};

/* gzip: 1 for a gzip file (one or more members back to back, each with
 * its CRC-32 and length checked), 0 for a raw DEFLATE stream. */
void cm_inflate_init(struct cm_inflate *z, const uint8_t *in, size_t len, int gzip);

/* Decodes into out[*pos..cap), advancing *pos. See the top of the file for
 * what out[0..*pos) must hold. On CM_INFLATE_ERROR, z->error names the
 * problem ("invalid distance too far back", "truncated stream", "gzip
 * CRC-32 mismatch", ...); calling again keeps answering the error. */
enum cm_inflate_status cm_inflate_run(struct cm_inflate *z, uint8_t *out, size_t *pos,
				      size_t cap);

/* For an input that is a read-only mapping of a file: gives back to the
 * kernel the pages of input the decoder has passed, in steps of at least
 * a megabyte (*released counts what went before; start it at 0). Their
 * contents come back from the file if read again (a second decode from
 * the start), so nothing changes but the resident memory: a big profile's
 * compressed file is not held whole while it inflates. Never for input in
 * anonymous memory, whose pages would come back as zeros. */
void cm_inflate_release_input(const struct cm_inflate *z, size_t *released);

/* Input bytes consumed so far (for a gzip bomb's ratio). */
size_t cm_inflate_consumed(const struct cm_inflate *z);

#endif
