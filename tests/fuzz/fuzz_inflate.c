/* libFuzzer target: src/base/inflate.c against zlib's inflate.
 *
 * The first input byte says how to read the rest:
 *   bit 0     gzip (1) or raw DEFLATE (0)
 *   bits 1-3  the output buffer's capacity (32 KiB + 512 + a little ... 1 MiB)
 *   bit 4     on making room, copy the kept 32 KiB to another buffer and
 *             poison the old one (else memmove them to the start)
 *   bit 5     some calls get less than CM_INFLATE_MIN_ROOM of room
 *   bit 6     the first call starts at *pos > 0, over unrelated bytes
 *   bit 7     keep more than 32 KiB when making room
 * The rest is decoded by cm_inflate_run the way cmon's reader calls it
 * (see inflate.h) and by zlib (gzip: one or more members and nothing
 * after; raw: one stream). Output past 4 MiB stops either side.
 *
 * Aborts when: cm ends but zlib refuses, or their outputs differ; cm
 * refuses what zlib takes (a raw stream with bytes after it excepted);
 * their outputs differ anywhere both wrote; cm writes past cap or moves
 * *pos backwards or past cap; a call with CM_INFLATE_MIN_ROOM of room
 * makes no progress; an error has no one-line text or is not repeated;
 * cm_inflate_consumed disagrees with where zlib's stream ended. */
#define ZLIB_CONST
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cmon/base/inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_inflate"
#include "fuzz_check.h"

#define WINDOW ((size_t)32768)
#define LIMIT ((size_t)4 << 20)
#define GUARD 64
#define GUARD_BYTE 0xa5
#define MAX_CAP ((size_t)1 << 20)

static const size_t caps[8] = {
	WINDOW + CM_INFLATE_MIN_ROOM,       WINDOW + CM_INFLATE_MIN_ROOM + 1,
	WINDOW + CM_INFLATE_MIN_ROOM + 7,   WINDOW + CM_INFLATE_MIN_ROOM + 258,
	WINDOW + CM_INFLATE_MIN_ROOM + 511, 65536,
	200000,                             MAX_CAP,
};

/* Output of either side: up to LIMIT plus one buffer's worth. */
static uint8_t *cm_out, *z_out, *bufs[2];
static size_t cm_len, z_len;
static struct cm_inflate *st;

static uint32_t rng;

static uint32_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static int guard_ok(const uint8_t *p)
{
	for (int i = 0; i < GUARD; i++)
		if (p[i] != GUARD_BYTE)
			return 0;
	return 1;
}

enum { R_LIMIT = 10 };

/* cmon's reader: returns CM_INFLATE_END, CM_INFLATE_ERROR or R_LIMIT. */
static int cm_decode(const uint8_t *in, size_t len, int gzip, size_t cap, unsigned mode)
{
	cm_inflate_init(st, in, len, gzip);
	int cur = 0;
	uint8_t *out = bufs[0];
	memset(out + cap, GUARD_BYTE, GUARD);
	memset(bufs[1] + cap, GUARD_BYTE, GUARD);
	size_t pos = 0;
	if (mode & 0x40) {
		pos = 1 + rnd() % 4000;
		for (size_t i = 0; i < pos; i++)
			out[i] = (uint8_t)rnd();
	}
	size_t mark = pos;
	cm_len = 0;
	for (;;) {
		size_t c = cap;
		if ((mode & 0x20) && rnd() % 3 == 0) {
			c = pos + rnd() % CM_INFLATE_MIN_ROOM;
			if (c > cap)
				c = cap;
		}
		uint8_t after[GUARD];
		size_t nafter = cap - c < GUARD ? cap - c : GUARD;
		memcpy(after, out + c, nafter);
		size_t before = pos;
		enum cm_inflate_status s = cm_inflate_run(st, out, &pos, c);
		CHECK(pos >= before && pos <= c, "*pos went from %zu to %zu, cap %zu", before, pos, c);
		CHECK(guard_ok(out + cap) && !memcmp(after, out + c, nafter),
		      "wrote past cap %zu (*pos %zu)", c, pos);
		memcpy(cm_out + cm_len, out + mark, pos - mark);
		cm_len += pos - mark;
		mark = pos;
		if (cm_len > LIMIT && s != CM_INFLATE_ERROR)
			return R_LIMIT; /* even if it ended in this call */
		if (s == CM_INFLATE_END)
			return CM_INFLATE_END;
		if (s == CM_INFLATE_ERROR) {
			const char *e = st->error;
			CHECK(e && e[0] && !strchr(e, '\n'), "bad error text");
			size_t p2 = pos;
			CHECK(cm_inflate_run(st, out, &p2, cap) == CM_INFLATE_ERROR && p2 == pos,
			      "a call after an error (%s) did not fail", e);
			return CM_INFLATE_ERROR;
		}
		CHECK(s == CM_INFLATE_MORE, "status %d", (int)s);
		CHECK(pos > before || c - before < CM_INFLATE_MIN_ROOM,
		      "no progress with %zu bytes of room", c - before);
		if (cap - pos >= CM_INFLATE_MIN_ROOM)
			continue;
		size_t keep = pos < WINDOW ? pos : WINDOW;
		if ((mode & 0x80) && pos > keep) {
			size_t extra = rnd() % (pos - keep + 1);
			if (cap - (keep + extra) >= CM_INFLATE_MIN_ROOM)
				keep += extra;
		}
		if (mode & 0x10) {
			uint8_t *other = bufs[cur ^ 1];
			memcpy(other, out + pos - keep, keep);
			memset(out, 0xcc, pos);
			cur ^= 1;
			out = other;
		} else {
			memmove(out, out + pos - keep, keep);
		}
		pos = mark = keep;
	}
}

/* zlib: 1 when the whole input is valid (raw: a stream, maybe with bytes
 * after it; *used says where it ended), 0 when refused, R_LIMIT. */
static int z_decode(const uint8_t *in, size_t len, int gzip, size_t *used)
{
	static z_stream s;
	static int have;
	if (!have) {
		if (inflateInit2(&s, -15) != Z_OK)
			abort();
		have = 1;
	}
	z_len = 0;
	size_t at = 0;
	for (;;) {
		if (inflateReset2(&s, gzip ? 15 + 16 : -15) != Z_OK)
			abort();
		s.next_in = in + at;
		s.avail_in = (uInt)(len - at);
		int rc;
		do {
			s.next_out = z_out + z_len;
			s.avail_out = 65536;
			rc = inflate(&s, Z_NO_FLUSH);
			z_len += 65536 - s.avail_out;
			if (z_len > LIMIT)
				return R_LIMIT;
		} while (rc == Z_OK);
		if (rc != Z_STREAM_END)
			return 0;
		at = len - s.avail_in;
		if (!gzip || at == len) {
			*used = at;
			return 1;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!st) {
		st = malloc(sizeof(*st));
		cm_out = malloc(LIMIT + MAX_CAP + 65536);
		z_out = malloc(LIMIT + 65536);
		bufs[0] = malloc(MAX_CAP + GUARD);
		bufs[1] = malloc(MAX_CAP + GUARD);
		if (!st || !cm_out || !z_out || !bufs[0] || !bufs[1])
			abort();
	}
	if (size < 1)
		return 0;
	unsigned mode = data[0];
	int gzip = mode & 1;
	size_t cap = caps[(mode >> 1) & 7];
	const uint8_t *in = data + 1;
	size_t len = size - 1;
	rng = (uint32_t)size * 2654435761u;
	for (size_t i = 0; i < len && i < 16; i++)
		rng = rng * 31 + in[i];

	int c = cm_decode(in, len, gzip, cap, mode);
	size_t used = 0;
	int zr = z_decode(in, len, gzip, &used);

	size_t n = cm_len < z_len ? cm_len : z_len;
	size_t at = 0;
	while (at < n && cm_out[at] == z_out[at])
		at++;
	CHECK(at == n, "outputs differ at byte %zu (cm %zu bytes, zlib %zu)", at, cm_len, z_len);
	if (c == CM_INFLATE_END) {
		CHECK(zr == 1, "cm ends (%zu bytes), zlib %s", cm_len, zr ? "goes past the limit" : "refuses");
		CHECK(cm_len == z_len, "cm %zu bytes, zlib %zu", cm_len, z_len);
		CHECK(cm_inflate_consumed(st) == used, "cm consumed %zu, zlib's stream %zu of %zu",
		      cm_inflate_consumed(st), used, len);
	} else if (c == CM_INFLATE_ERROR) {
		CHECK(zr != 1 || (!gzip && used < len), "cm refuses (%s), zlib accepts", st->error);
		CHECK(zr != R_LIMIT, "cm refuses (%s) after %zu bytes, zlib goes on past %zu", st->error,
		      cm_len, LIMIT);
	} else {
		CHECK(zr != 1, "cm goes past the limit, zlib ends with %zu bytes", z_len);
	}
	return 0;
}
