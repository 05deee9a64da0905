/* inflate: DEFLATE and gzip decoding for an input held whole (see
 * inflate.h).
 *
 * The shape is zlib's (two-level Huffman tables, a state to resume at
 * block and symbol boundaries) with libdeflate's speed tricks: the bit
 * buffer is refilled with one unaligned 8-byte load while 8 input bytes
 * remain, and a match of distance 8 or more is copied 8 bytes at a time,
 * which is why a symbol is only decoded while 266 bytes of room remain
 * (258, the longest match, plus the overshoot).
 *
 * Past the input's end the bit buffer is fed zero bytes, counted in
 * overread: a stream that ends inside a symbol reads them, and is
 * refused as truncated as soon as it has read one (the count is checked
 * whenever the bits are used up at the end of a member, and while
 * decoding it may not pass 8, so zeros never decode forever). */
#include "cmon/base/inflate.h"

#include "cmon/base/crc32.h"
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

enum { LITLEN_ROOT = 11, DIST_ROOT = 8, PRECODE_ROOT = 7, MAX_BITS = 15 };
enum { ROOM = 258 + 16 }; /* room a symbol needs: a whole match and the overshoot */
enum { MAX_OVERREAD = 8 };
_Static_assert(CM_INFLATE_MIN_ROOM >= ROOM, "a call must be able to decode a symbol");

enum state { S_MEMBER, S_BLOCK, S_HUFF, S_STORED, S_END, S_DONE, S_ERROR };

/* A table entry: bits to drop (0-3), extra bits (4-7), kind (8-10),
 * value (16-31): a literal, a length or distance base, or for E_SUB the
 * subtable's start (its index width in the extra field). */
enum kind { E_LIT, E_LEN, E_EOB, E_SUB, E_BAD };

static uint32_t entry(unsigned drop, unsigned extra, enum kind k, unsigned value)
{
	return drop | extra << 4 | (uint32_t)k << 8 | (uint32_t)value << 16;
}
#define E_DROP(e) ((e) & 15u)
#define E_EXTRA(e) (((e) >> 4) & 15u)
#define E_KIND(e) (((e) >> 8) & 7u)
#define E_VALUE(e) ((e) >> 16)

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
				      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
				       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
				       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,  4,  4,  5,  5,  6,
				       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint8_t precode_order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

enum code_kind { C_PRECODE, C_LITLEN, C_DIST };

/* What symbol sym of a code decodes to, the code length not yet set. */
static uint32_t symbol_entry(enum code_kind ck, unsigned sym)
{
	if (ck == C_PRECODE)
		return entry(0, 0, E_LIT, sym);
	if (ck == C_DIST)
		return sym < 30 ? entry(0, dist_extra[sym], E_LEN, dist_base[sym]) : entry(0, 0, E_BAD, 0);
	if (sym < 256)
		return entry(0, 0, E_LIT, sym);
	if (sym == 256)
		return entry(0, 0, E_EOB, 0);
	if (sym < 286)
		return entry(0, len_extra[sym - 257], E_LEN, len_base[sym - 257]);
	return entry(0, 0, E_BAD, 0);
}

static bool fail(struct cm_inflate *z, const char *why)
{
	z->error = why;
	z->state = S_ERROR;
	return false;
}

/* Builds the decoding table of a canonical code from its code lengths:
 * a root table of 2^root entries, indexed by the next root bits (the
 * code's first bit lowest), and after it subtables for longer codes.
 * Refuses over-subscribed codes, and incomplete ones but for a single
 * code of length 1 (litlen, distance), as zlib does. */
static bool build_table(struct cm_inflate *z, uint32_t *table, size_t size, unsigned root,
			const uint8_t *lens, unsigned n, enum code_kind ck)
{
	unsigned count[MAX_BITS + 1] = {0}, offs[MAX_BITS + 2];
	uint16_t sorted[288];
	for (unsigned s = 0; s < n; s++)
		count[lens[s]]++;
	unsigned max = MAX_BITS;
	while (max > 0 && count[max] == 0)
		max--;
	for (size_t i = 0; i < ((size_t)1 << root); i++)
		table[i] = entry(1, 0, E_BAD, 0);
	if (max == 0)
		return true; /* no codes: any use of the table is an error */
	int left = 1;
	for (unsigned len = 1; len <= MAX_BITS; len++) {
		left = left * 2 - (int)count[len];
		if (left < 0)
			return fail(z, ck == C_PRECODE ? "invalid code lengths set (over-subscribed)"
				    : ck == C_LITLEN ? "invalid literal/lengths set (over-subscribed)"
						     : "invalid distances set (over-subscribed)");
	}
	if (left > 0 && (ck == C_PRECODE || max != 1))
		return fail(z, ck == C_PRECODE ? "invalid code lengths set (incomplete)"
			    : ck == C_LITLEN ? "invalid literal/lengths set (incomplete)"
					     : "invalid distances set (incomplete)");
	offs[1] = 0;
	for (unsigned len = 1; len <= MAX_BITS; len++)
		offs[len + 1] = offs[len] + count[len];
	for (unsigned s = 0; s < n; s++)
		if (lens[s])
			sorted[offs[lens[s]]++] = (uint16_t)s;
	unsigned ncodes = offs[MAX_BITS + 1];

	size_t root_size = (size_t)1 << root, next_sub = root_size, sub_start = 0;
	unsigned huff = 0, sub_bits = 0, prefix = 0;
	bool have_prefix = false;
	for (unsigned i = 0; i < ncodes; i++) {
		unsigned sym = sorted[i], len = lens[sym];
		uint32_t e = symbol_entry(ck, sym);
		if (len <= root) {
			for (size_t j = huff; j < root_size; j += (size_t)1 << len)
				table[j] = e | len;
		} else {
			unsigned p = huff & (unsigned)(root_size - 1);
			if (!have_prefix || p != prefix) {
				/* A new subtable, as wide as the codes it holds need. */
				have_prefix = true;
				prefix = p;
				sub_bits = len - root;
				int room = 1 << sub_bits;
				while (sub_bits + root < max) {
					room -= (int)count[sub_bits + root];
					if (room <= 0)
						break;
					sub_bits++;
					room <<= 1;
				}
				sub_start = next_sub;
				next_sub += (size_t)1 << sub_bits;
				if (next_sub > size)
					return fail(z, "Huffman table overflow");
				for (size_t j = sub_start; j < next_sub; j++)
					table[j] = entry(1, 0, E_BAD, 0);
				table[p] = entry(root, sub_bits, E_SUB, (unsigned)sub_start);
			}
			for (size_t j = huff >> root; j < ((size_t)1 << sub_bits); j += (size_t)1 << (len - root))
				table[sub_start + j] = e | (len - root);
		}
		count[len]--;
		/* The next code of this length, bit-reversed. */
		unsigned incr = 1u << (len - 1);
		while (huff & incr)
			incr >>= 1;
		huff = incr ? (huff & (incr - 1)) + incr : 0;
	}
	return true;
}

/* ---- the bit buffer ---- */

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* At least 56 bits in the buffer: bits above nbits are zero or already
 * the right ones, so OR-ing the next bytes in again is harmless. */
static void refill(struct cm_inflate *z)
{
	if (z->in_end - z->in >= 8) {
		z->bits |= load64(z->in) << z->nbits;
		z->in += (63 - z->nbits) >> 3;
		z->nbits |= 56;
		return;
	}
	while (z->nbits < 56) {
		if (z->in < z->in_end)
			z->bits |= (uint64_t)*z->in++ << z->nbits;
		else
			z->overread++;
		z->nbits += 8;
	}
}

static unsigned take(struct cm_inflate *z, unsigned n)
{
	unsigned v = (unsigned)(z->bits & ((1u << n) - 1));
	z->bits >>= n;
	z->nbits -= n;
	return v;
}

/* Goes to a byte boundary and gives the whole bytes left in the buffer
 * back to the input; false when some of them were the zeros past its end
 * (the stream is cut short). */
static bool unread_bytes(struct cm_inflate *z)
{
	z->nbits -= z->nbits & 7;
	unsigned nbytes = z->nbits >> 3;
	if (nbytes < z->overread)
		return fail(z, "truncated stream");
	z->in -= nbytes - z->overread;
	z->bits = 0;
	z->nbits = 0;
	z->overread = 0;
	return true;
}

/* ---- gzip members ---- */

/* The gzip header at in; false with the error set. */
static bool read_gzip_header(struct cm_inflate *z)
{
	const uint8_t *p = z->in, *end = z->in_end;
	if (end - p < 10)
		return fail(z, "truncated gzip header");
	if (p[0] != 0x1f || p[1] != 0x8b)
		return fail(z, "not gzip (bad magic)");
	if (p[2] != 8)
		return fail(z, "unknown gzip compression method");
	unsigned flags = p[3];
	if (flags & 0xe0)
		return fail(z, "unknown gzip header flags set");
	p += 10;
	if (flags & 4) { /* FEXTRA */
		if (end - p < 2)
			return fail(z, "truncated gzip header");
		size_t xlen = (size_t)p[0] | (size_t)p[1] << 8;
		if ((size_t)(end - p - 2) < xlen)
			return fail(z, "truncated gzip header");
		p += 2 + xlen;
	}
	for (unsigned f = 8; f <= 16; f <<= 1) { /* FNAME, FCOMMENT: zero-terminated */
		if (!(flags & f))
			continue;
		const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
		if (!nul)
			return fail(z, "truncated gzip header");
		p = nul + 1;
	}
	if (flags & 2) { /* FHCRC: the low half of the header's CRC-32 */
		if (end - p < 2)
			return fail(z, "truncated gzip header");
		uLong crc = crc32_z(0, z->in, (z_size_t)(p - z->in));
		if ((crc & 0xffff) != ((unsigned)p[0] | (unsigned)p[1] << 8))
			return fail(z, "gzip header crc mismatch");
		p += 2;
	}
	z->in = p;
	z->crc = 0;
	z->member_out = 0;
	return true;
}

static uint32_t load32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The member's trailer, after its last block: CRC-32 and length. */
static bool read_gzip_trailer(struct cm_inflate *z)
{
	if (!unread_bytes(z))
		return false;
	if (z->in_end - z->in < 8)
		return fail(z, "truncated gzip trailer");
	if (load32le(z->in) != z->crc)
		return fail(z, "gzip CRC-32 mismatch");
	if (load32le(z->in + 4) != (uint32_t)z->member_out)
		return fail(z, "gzip length mismatch");
	z->in += 8;
	return true;
}

/* ---- block headers ---- */

static bool fixed_tables(struct cm_inflate *z)
{
	uint8_t lens[288 + 32];
	memset(lens, 8, 144);
	memset(lens + 144, 9, 112);
	memset(lens + 256, 7, 24);
	memset(lens + 280, 8, 8);
	memset(lens + 288, 5, 32);
	return build_table(z, z->litlen, CM_INFLATE_LITLEN_ENTRIES, LITLEN_ROOT, lens, 288, C_LITLEN) &&
	       build_table(z, z->dist, CM_INFLATE_DIST_ENTRIES, DIST_ROOT, lens + 288, 32, C_DIST);
}

/* Decodes one symbol with table (root bits wide); the buffer holds enough. */
static uint32_t decode(struct cm_inflate *z, const uint32_t *table, unsigned root)
{
	uint32_t e = table[z->bits & ((1u << root) - 1)];
	if (E_KIND(e) == E_SUB) {
		take(z, root);
		e = table[E_VALUE(e) + (z->bits & ((1u << E_EXTRA(e)) - 1))];
	}
	take(z, E_DROP(e));
	return e;
}

static bool dynamic_tables(struct cm_inflate *z)
{
	refill(z);
	unsigned nlit = take(z, 5) + 257, ndist = take(z, 5) + 1, nprecode = take(z, 4) + 4;
	if (nlit > 286 || ndist > 30)
		return fail(z, "too many length or distance symbols");
	uint8_t pre[19] = {0};
	for (unsigned i = 0; i < nprecode; i++) {
		refill(z);
		pre[precode_order[i]] = (uint8_t)take(z, 3);
	}
	/* The precode's table borrows the litlen one, built only afterwards. */
	if (!build_table(z, z->litlen, CM_INFLATE_LITLEN_ENTRIES, PRECODE_ROOT, pre, 19, C_PRECODE))
		return false;
	uint8_t lens[286 + 30];
	unsigned n = 0;
	while (n < nlit + ndist) {
		refill(z);
		if (z->overread > MAX_OVERREAD)
			return fail(z, "truncated stream");
		uint32_t e = decode(z, z->litlen, PRECODE_ROOT);
		if (E_KIND(e) == E_BAD)
			return fail(z, "invalid code lengths set");
		unsigned sym = E_VALUE(e), rep;
		uint8_t val = 0;
		if (sym < 16) {
			lens[n++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (n == 0)
				return fail(z, "invalid bit length repeat");
			val = lens[n - 1];
			rep = 3 + take(z, 2);
		} else if (sym == 17) {
			rep = 3 + take(z, 3);
		} else {
			rep = 11 + take(z, 7);
		}
		if (n + rep > nlit + ndist)
			return fail(z, "invalid bit length repeat");
		memset(lens + n, val, rep);
		n += rep;
	}
	if (lens[256] == 0)
		return fail(z, "invalid code -- missing end-of-block");
	return build_table(z, z->litlen, CM_INFLATE_LITLEN_ENTRIES, LITLEN_ROOT, lens, nlit, C_LITLEN) &&
	       build_table(z, z->dist, CM_INFLATE_DIST_ENTRIES, DIST_ROOT, lens + nlit, ndist, C_DIST);
}

/* The header of the next block; sets the state to decode it. */
static bool block_header(struct cm_inflate *z)
{
	refill(z);
	if (z->overread > MAX_OVERREAD)
		return fail(z, "truncated stream");
	z->final_block = (int)take(z, 1);
	switch (take(z, 2)) {
	case 0: {
		if (!unread_bytes(z))
			return false;
		if (z->in_end - z->in < 4)
			return fail(z, "truncated stream");
		unsigned len = (unsigned)z->in[0] | (unsigned)z->in[1] << 8;
		unsigned nlen = (unsigned)z->in[2] | (unsigned)z->in[3] << 8;
		if (len != (~nlen & 0xffff))
			return fail(z, "invalid stored block lengths");
		z->in += 4;
		z->stored_left = len;
		z->state = S_STORED;
		return true;
	}
	case 1:
		z->state = S_HUFF;
		return fixed_tables(z);
	case 2:
		z->state = S_HUFF;
		return dynamic_tables(z);
	default:
		return fail(z, "invalid block type");
	}
}

/* ---- block bodies ---- */

/* Copies a match of length len from dist bytes back; room for len + 16. */
static uint8_t *copy_match(uint8_t *op, unsigned dist, unsigned len)
{
	const uint8_t *src = op - dist;
	uint8_t *end = op + len;
	if (dist >= 16) {
		do {
			memcpy(op, src, 16);
			op += 16;
			src += 16;
		} while (op < end);
	} else if (dist >= 8) {
		do {
			memcpy(op, src, 8);
			op += 8;
			src += 8;
		} while (op < end);
	} else if (dist == 1) {
		memset(op, *src, len);
	} else {
		while (op < end)
			*op++ = *src++;
	}
	return end;
}

/* Decodes a Huffman block's symbols into [*op, out_end) until its end,
 * or until fewer than ROOM bytes are left (the state kept); floor is the
 * earliest byte a match may copy from. false on an error.
 *
 * The hot loop: the bit buffer lives in locals (stores through op may
 * alias anything, so struct fields would be reloaded after every byte),
 * and while 8 input bytes remain the refill is one load. */
static bool huff_block(struct cm_inflate *z, uint8_t **opp, uint8_t *out_end, const uint8_t *floor)
{
	uint8_t *op = *opp;
	const uint8_t *in = z->in, *in_end = z->in_end;
	uint64_t bits = z->bits;
	unsigned nbits = z->nbits;
	const uint32_t *litlen = z->litlen, *distt = z->dist;
	const char *error = NULL;
	/* Zero bits past the input's end in the buffer: a symbol that ends in
	 * them (nbits falls below) is cut short, and none of it is written. */
	unsigned fake = z->overread * 8;
#define TAKE(n) (bits >>= (n), nbits -= (n))
#define PEEK(n) ((unsigned)bits & ((1u << (n)) - 1))
	while (out_end - op >= ROOM) {
		if (in_end - in >= 8) {
			bits |= load64(in) << nbits;
			in += (63 - nbits) >> 3;
			nbits |= 56;
		} else {
			z->in = in, z->bits = bits, z->nbits = nbits;
			refill(z);
			in = z->in, bits = z->bits, nbits = z->nbits;
			fake = z->overread * 8;
			if (z->overread > MAX_OVERREAD) {
				error = "truncated stream";
				break;
			}
		}
		uint32_t e = litlen[bits & ((1u << LITLEN_ROOT) - 1)];
		if (E_KIND(e) == E_SUB) {
			TAKE(LITLEN_ROOT);
			e = litlen[E_VALUE(e) + PEEK(E_EXTRA(e))];
		}
		TAKE(E_DROP(e));
		if (nbits < fake) {
			error = "truncated stream";
			break;
		}
		if (E_KIND(e) == E_LIT) {
			*op++ = (uint8_t)E_VALUE(e);
			/* 56 bits were there: room for another literal. */
			e = litlen[bits & ((1u << LITLEN_ROOT) - 1)];
			if (E_KIND(e) != E_LIT || nbits < E_DROP(e) + fake)
				continue;
			TAKE(E_DROP(e));
			*op++ = (uint8_t)E_VALUE(e);
			continue;
		}
		if (E_KIND(e) == E_EOB) {
			z->state = z->final_block ? S_END : S_BLOCK;
			break;
		}
		if (E_KIND(e) != E_LEN) {
			error = "invalid literal/length code";
			break;
		}
		/* 56 bits at the refill; at most 15 + 5 + 15 + 13 used here. */
		unsigned len = E_VALUE(e) + PEEK(E_EXTRA(e));
		TAKE(E_EXTRA(e));
		uint32_t d = distt[bits & ((1u << DIST_ROOT) - 1)];
		if (E_KIND(d) == E_SUB) {
			TAKE(DIST_ROOT);
			d = distt[E_VALUE(d) + PEEK(E_EXTRA(d))];
		}
		TAKE(E_DROP(d));
		if (E_KIND(d) != E_LEN) {
			error = "invalid distance code";
			break;
		}
		unsigned dist = E_VALUE(d) + PEEK(E_EXTRA(d));
		TAKE(E_EXTRA(d));
		if (nbits < fake) {
			error = "truncated stream";
			break;
		}
		if ((size_t)(op - floor) < dist) {
			error = "invalid distance too far back";
			break;
		}
		op = copy_match(op, dist, len);
	}
#undef TAKE
#undef PEEK
	z->in = in, z->bits = bits, z->nbits = nbits;
	*opp = op;
	return error ? fail(z, error) : true;
}

/* Copies a stored block's bytes; false only on an error. */
static bool stored_block(struct cm_inflate *z, uint8_t **opp, uint8_t *out_end)
{
	size_t n = z->stored_left;
	if (n > (size_t)(out_end - *opp))
		n = (size_t)(out_end - *opp);
	if (n > (size_t)(z->in_end - z->in)) {
		n = (size_t)(z->in_end - z->in);
		if (n == 0 && z->stored_left > 0)
			return fail(z, "truncated stream");
	}
	memcpy(*opp, z->in, n);
	*opp += n;
	z->in += n;
	z->stored_left -= (uint32_t)n;
	if (z->stored_left == 0)
		z->state = z->final_block ? S_END : S_BLOCK;
	return true;
}

/* ---- the driver ---- */

void cm_inflate_init(struct cm_inflate *z, const uint8_t *in, size_t len, int gzip)
{
	memset(z, 0, offsetof(struct cm_inflate, litlen));
	z->in = z->in_start = in;
	z->in_end = len ? in + len : in; /* NULL + 0 is undefined */
	z->gzip = gzip;
	z->state = gzip ? S_MEMBER : S_BLOCK;
}

void cm_inflate_release_input(const struct cm_inflate *z, size_t *released)
{
	enum { STEP = 1 << 20 };
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)z->in_start + *released + page - 1) & ~(page - 1);
	uintptr_t to = (uintptr_t)z->in & ~(page - 1); /* bytes before z->in are read */
	if (to <= from || to - from < STEP)
		return;
	if (madvise((void *)from, to - from, MADV_DONTNEED) == 0)
		*released = to - (uintptr_t)z->in_start;
}

size_t cm_inflate_consumed(const struct cm_inflate *z)
{
	size_t in_buffer = z->nbits >> 3;
	size_t real = in_buffer > z->overread ? in_buffer - z->overread : 0;
	return (size_t)(z->in - z->in_start) - real;
}

/* Output from seg to op joins the member: its CRC-32 and length. */
static void account(struct cm_inflate *z, const uint8_t *seg, const uint8_t *op)
{
	if (z->gzip)
		z->crc = cm_crc32(z->crc, seg, (size_t)(op - seg));
	z->member_out += (uint64_t)(op - seg);
}

enum cm_inflate_status cm_inflate_run(struct cm_inflate *z, uint8_t *out, size_t *pos, size_t cap)
{
	uint8_t *op = out + *pos, *out_end = out + cap, *seg = op;
	/* The caller keeps the last 32 KiB of output (or all) before *pos. */
	const uint8_t *floor = seg - (z->member_out < *pos ? (size_t)z->member_out : *pos);
	bool ok = true, more = false;
	while (ok && !more && z->state != S_DONE) {
		switch (z->state) {
		case S_MEMBER:
			if (z->in == z->in_end && z->in != z->in_start) {
				z->state = S_DONE; /* the last member is behind us */
				break;
			}
			ok = read_gzip_header(z);
			floor = seg = op;
			if (ok)
				z->state = S_BLOCK;
			break;
		case S_BLOCK:
			if (out_end - op < ROOM)
				more = true;
			else
				ok = block_header(z);
			break;
		case S_HUFF:
			ok = huff_block(z, &op, out_end, floor);
			more = ok && z->state == S_HUFF;
			break;
		case S_STORED:
			ok = stored_block(z, &op, out_end);
			more = ok && z->state == S_STORED;
			break;
		case S_END:
			account(z, seg, op);
			seg = op;
			ok = z->gzip ? read_gzip_trailer(z) : unread_bytes(z);
			if (ok)
				z->state = z->gzip ? S_MEMBER : S_DONE;
			break;
		default: /* S_ERROR: answered again */
			ok = false;
			break;
		}
	}
	if (ok)
		account(z, seg, op);
	*pos = (size_t)(op - out);
	if (!ok)
		return CM_INFLATE_ERROR;
	return z->state == S_DONE ? CM_INFLATE_END : CM_INFLATE_MORE;
}
