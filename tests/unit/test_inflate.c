/* src/base/inflate.c against zlib: every kind of stream zlib's deflate makes
 * (levels, strategies, window and memory sizes, flushes, gzip headers,
 * several members), read the way cmon's reader reads them (an output
 * buffer slid to keep the last 32 KiB), must decode to zlib's output; every
 * truncation, bit flip and hand-made bad stream must be refused whenever
 * zlib refuses it, and must never crash, hang or write out of bounds.
 *
 * Inputs are handed to the decoder in buffers of their exact size, so
 * under ASan a read past the input's end is caught; the output buffer has
 * a guard zone after cap, checked after every call. */
#define ZLIB_CONST
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "cmon/base/crc32.h"
#include "cmon/base/inflate.h"

#ifndef CM_TEST_DATA_DIR
#define CM_TEST_DATA_DIR "tests/data"
#endif

#define KIB ((size_t)1024)
#define MIB (KIB * KIB)
#define WINDOW ((size_t)32768)
#define BASE_CAP (WINDOW + CM_INFLATE_MIN_ROOM) /* the smallest workable buffer */
#define LIMIT (16 * MIB) /* output cap of both decoders */
#define GUARD 64
#define GUARD_BYTE 0xa5

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "test_inflate: out of memory\n");
		abort();
	}
	return p;
}

/* ---- growing byte buffers ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->cap - b->len >= more)
		return;
	size_t c = b->cap ? b->cap : 4096;
	while (c - b->len < more)
		c *= 2;
	uint8_t *np = realloc(b->p, c);
	if (!np) {
		fprintf(stderr, "test_inflate: out of memory\n");
		abort();
	}
	b->p = np;
	b->cap = c;
}

static void buf_put(struct buf *b, const void *d, size_t n)
{
	if (!n)
		return;
	buf_reserve(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void buf_byte(struct buf *b, unsigned c)
{
	uint8_t x = (uint8_t)c;
	buf_put(b, &x, 1);
}

static void buf_le32(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		buf_byte(b, (v >> (8 * i)) & 0xff);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int buf_eq(const struct buf *a, const uint8_t *p, size_t n)
{
	return a->len == n && (n == 0 || memcmp(a->p, p, n) == 0);
}

/* ---- a deterministic generator ---- */

static uint64_t rng_state = 0x243f6a8885a308d3u;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* ---- test data ---- */

static void gen_random(struct buf *b, size_t n)
{
	buf_reserve(b, n);
	for (size_t i = 0; i < n; i++)
		b->p[b->len++] = (uint8_t)rnd();
}

static const char *const words[] = {
	"runtime.mallocgc", "runtime.gcBgMarkWorker", "main.(*server).handle", "net/http.(*conn).serve",
	"sync.(*Mutex).Lock", "github.com/example/cmon/", "/usr/local/go/src/runtime/proc.go",
	" ", "\n", "\t", "0x", "1", "42", "1024", "samples", "alloc_space", "inuse_objects",
	"nanoseconds", "cpu", "{", "}", "(", ")", ":", ",", "the ", "and ", "of ", "profile"};

static void gen_text(struct buf *b, size_t n)
{
	size_t end = b->len + n;
	while (b->len < end) {
		const char *w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
		buf_put(b, w, strlen(w));
	}
	b->len = end;
}

static void gen_run(struct buf *b, size_t n, unsigned c)
{
	buf_reserve(b, n);
	memset(b->p + b->len, (int)c, n);
	b->len += n;
}

static void gen_period(struct buf *b, size_t n, unsigned period)
{
	uint8_t pat[64];
	for (unsigned i = 0; i < period; i++)
		pat[i] = (uint8_t)rnd();
	buf_reserve(b, n);
	for (size_t i = 0; i < n; i++)
		b->p[b->len++] = pat[i % period];
}

/* Copies n bytes from dist back (overlapping when dist < n), as a match. */
static void gen_copy(struct buf *b, size_t dist, size_t n)
{
	buf_reserve(b, n);
	for (size_t i = 0; i < n; i++, b->len++)
		b->p[b->len] = b->p[b->len - dist];
}

/* A mix of all of the above, with repeats from anywhere in the window. */
static void gen_mixed(struct buf *b, size_t n)
{
	size_t end = b->len + n;
	while (b->len < end) {
		size_t have = b->len;
		switch (rnd() % 7) {
		case 0:
			gen_random(b, 1 + rnd() % 300);
			break;
		case 1:
			gen_text(b, 100 + rnd() % 3000);
			break;
		case 2:
			gen_run(b, 3 + rnd() % 1000, rnd() & 0xff);
			break;
		case 3:
			gen_period(b, 10 + rnd() % 2000, 2 + rnd() % 6);
			break;
		case 4: /* far: anywhere in the window, up to 32768 back */
			if (have > 0)
				gen_copy(b, 1 + rnd() % (have < WINDOW ? have : WINDOW), 3 + rnd() % 300);
			break;
		case 5:
			if (have >= WINDOW)
				gen_copy(b, WINDOW - rnd() % 300, 3 + rnd() % 258);
			break;
		default:
			if (have > 0)
				gen_copy(b, 1 + rnd() % (have < 64 ? have : 64), 3 + rnd() % 600);
			break;
		}
	}
	b->len = end;
}

/* ---- producers: zlib's deflate ---- */

/* Compresses in one deflate(Z_FINISH), appending to out. */
static int zcompress(const uint8_t *in, size_t len, int gzip, int level, int wbits, int mem,
		     int strategy, gz_header *head, struct buf *out)
{
	z_stream s;
	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, level, Z_DEFLATED, gzip ? wbits + 16 : -wbits, mem, strategy) != Z_OK)
		return -1;
	if (head && deflateSetHeader(&s, head) != Z_OK) {
		deflateEnd(&s);
		return -1;
	}
	size_t bound = deflateBound(&s, (uLong)len) + 4096;
	buf_reserve(out, bound);
	s.next_in = in;
	s.avail_in = (uInt)len;
	s.next_out = out->p + out->len;
	s.avail_out = (uInt)bound;
	int rc = deflate(&s, Z_FINISH);
	out->len += bound - s.avail_out;
	deflateEnd(&s);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* Compresses in pieces with every kind of flush (empty stored blocks,
 * empty fixed blocks, unaligned block ends) and changes of level and
 * strategy midway. */
static int zcompress_chunked(const uint8_t *in, size_t len, int gzip, struct buf *out)
{
	static const int flushes[] = {Z_NO_FLUSH, Z_NO_FLUSH, Z_SYNC_FLUSH, Z_FULL_FLUSH,
				      Z_PARTIAL_FLUSH, Z_BLOCK};
	z_stream s;
	memset(&s, 0, sizeof(s));
	if (deflateInit2(&s, 6, Z_DEFLATED, gzip ? 31 : -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t room = 2 * len + 100000;
	buf_reserve(out, room);
	s.next_out = out->p + out->len;
	s.avail_out = (uInt)room;
	size_t at = 0;
	int rc = Z_OK;
	while (rc == Z_OK) {
		size_t piece = rnd() % 5000;
		if (piece > len - at)
			piece = len - at;
		s.next_in = in + at;
		s.avail_in = (uInt)piece;
		at += piece;
		int flush = at == len ? Z_FINISH : flushes[rnd() % 6];
		rc = deflate(&s, flush);
		if (rc == Z_OK && s.avail_in)
			break;
		if (rc == Z_OK && rnd() % 8 == 0 && flush != Z_NO_FLUSH)
			rc = deflateParams(&s, (int)(rnd() % 10), (int)(rnd() % 5));
	}
	out->len += room - s.avail_out;
	deflateEnd(&s);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* ---- the reference: zlib's inflate ---- */

struct zres {
	int ok;      /* the whole input is valid (for raw: a stream, maybe followed by more) */
	int too_big; /* output passed LIMIT */
	size_t used; /* input bytes the stream(s) took, when ok */
	struct buf out;
};

/* gzip: one or more members back to back, nothing after them; raw: one
 * DEFLATE stream (zlib says where it ends: used). */
static z_stream zs; /* one for all: reset for each stream */
static int have_zs;

static void zdecode(const uint8_t *in, size_t len, int gzip, struct zres *r)
{
	memset(r, 0, sizeof(*r));
	if (!have_zs && inflateInit2(&zs, -15) != Z_OK)
		abort();
	have_zs = 1;
	size_t at = 0;
	for (;;) {
		if (inflateReset2(&zs, gzip ? 15 + 16 : -15) != Z_OK)
			abort();
		zs.next_in = in + at;
		zs.avail_in = (uInt)(len - at);
		int rc;
		do {
			size_t chunk = r->out.len < 65536 ? 16384 : 65536;
			buf_reserve(&r->out, chunk);
			zs.next_out = r->out.p + r->out.len;
			zs.avail_out = (uInt)chunk;
			rc = inflate(&zs, Z_NO_FLUSH);
			r->out.len += chunk - zs.avail_out;
			if (r->out.len > LIMIT) {
				r->too_big = 1;
				return;
			}
		} while (rc == Z_OK);
		if (rc != Z_STREAM_END)
			return;
		at = len - zs.avail_in;
		if (!gzip || at == len) {
			r->ok = 1;
			r->used = at;
			return;
		}
	}
}

/* ---- cmon's reader, as the header describes it ---- */

enum {
	M_SLIDE = 0,       /* memmove the last 32 KiB to the start */
	M_MOVE = 1,        /* copy them to another buffer, poison the old one */
	M_SHORT = 2,       /* sometimes call with less than CM_INFLATE_MIN_ROOM */
	M_OFFSET = 4,      /* start at *pos > 0 over unrelated bytes */
	M_HISTORY = 8,     /* check that a call leaves out[0..*pos) alone */
	M_KEEPMORE = 16,   /* keep more than 32 KiB when sliding */
};

enum { R_LIMIT = 10, R_BROKEN = 11 };

struct cres {
	int st;            /* CM_INFLATE_END, CM_INFLATE_ERROR, R_LIMIT or R_BROKEN */
	const char *error; /* z->error on CM_INFLATE_ERROR */
	size_t consumed;
	unsigned long calls;
	char why[200]; /* what the reader saw go wrong (R_BROKEN) */
	struct buf out;
};

static int guard_ok(const uint8_t *p)
{
	for (int i = 0; i < GUARD; i++)
		if (p[i] != GUARD_BYTE)
			return 0;
	return 1;
}

/* The reader's output buffers, kept between calls: cap bytes (filled
 * when new), then the guard. */
static uint8_t *out_bufs[2];
static size_t out_caps[2];

static uint8_t *out_buf(int i, size_t cap)
{
	if (out_caps[i] < cap) {
		free(out_bufs[i]);
		out_bufs[i] = xmalloc(cap + GUARD);
		out_caps[i] = cap;
		memset(out_bufs[i], 0xee, cap);
	}
	memset(out_bufs[i] + cap, GUARD_BYTE, GUARD);
	return out_bufs[i];
}

static void cm_decode(const uint8_t *src, size_t len, int gzip, size_t cap, unsigned mode,
		      struct cres *r)
{
	memset(r, 0, sizeof(*r));
	static const uint8_t none[1];
	uint8_t *in = malloc(len); /* exact size: ASan sees any read past the end */
	const uint8_t *inp = in ? in : none;
	if (in && len)
		memcpy(in, src, len);
	else if (len)
		abort();

	struct cm_inflate *z = xmalloc(sizeof(*z));
	memset(z, 0x5a, sizeof(*z)); /* init must set whatever it needs */
	cm_inflate_init(z, inp, len, gzip);

	uint8_t *bufs[2] = {out_buf(0, cap), (mode & M_MOVE) ? out_buf(1, cap) : NULL};
	uint8_t *hist = (mode & M_HISTORY) ? xmalloc(cap) : NULL;
	int cur = 0;
	uint8_t *out = bufs[0];
	size_t pos = 0;
	if (mode & M_OFFSET) {
		/* bytes that are not the stream's: a match into them is an error */
		pos = 1 + rnd() % 3000;
		for (size_t i = 0; i < pos; i++)
			out[i] = (uint8_t)rnd();
	}
	size_t mark = pos; /* out[mark..pos) not yet collected */
	size_t consumed = 0;
	for (;;) {
		size_t c = cap;
		if ((mode & M_SHORT) && rnd() % 3 == 0) {
			c = pos + rnd() % CM_INFLATE_MIN_ROOM;
			if (c > cap)
				c = cap;
		}
		uint8_t after[GUARD]; /* out[c..) when the call's cap is short */
		size_t nafter = cap - c < GUARD ? cap - c : GUARD;
		memcpy(after, out + c, nafter);
		if (hist)
			memcpy(hist, out, pos);
		size_t before = pos;
		enum cm_inflate_status st = cm_inflate_run(z, out, &pos, c);
		r->calls++;
		if (pos > c || pos < before) {
			snprintf(r->why, sizeof(r->why), "*pos went from %zu to %zu (cap %zu)", before,
				 pos, c);
			r->st = R_BROKEN;
			break;
		}
		if (!guard_ok(out + cap) || memcmp(after, out + c, nafter)) {
			snprintf(r->why, sizeof(r->why), "wrote past cap %zu (*pos %zu)", c, pos);
			r->st = R_BROKEN;
			break;
		}
		size_t now = cm_inflate_consumed(z);
		if (now < consumed || now > len) {
			snprintf(r->why, sizeof(r->why), "consumed went from %zu to %zu (input %zu)",
				 consumed, now, len);
			r->st = R_BROKEN;
			break;
		}
		consumed = now;
		if (hist && memcmp(hist, out, before)) {
			snprintf(r->why, sizeof(r->why), "changed out[0..%zu) (the history)", before);
			r->st = R_BROKEN;
			break;
		}
		buf_put(&r->out, out + mark, pos - mark);
		mark = pos;
		if (r->out.len > LIMIT && st != CM_INFLATE_ERROR) {
			r->st = R_LIMIT; /* even if it ended in this call */
			break;
		}
		if (st == CM_INFLATE_END) {
			r->st = CM_INFLATE_END;
			break;
		}
		if (st == CM_INFLATE_ERROR) {
			r->st = CM_INFLATE_ERROR;
			r->error = z->error;
			/* It keeps answering the error. */
			size_t p2 = pos;
			if (cm_inflate_run(z, out, &p2, cap) != CM_INFLATE_ERROR || p2 != pos) {
				snprintf(r->why, sizeof(r->why), "a call after an error did not fail");
				r->st = R_BROKEN;
			}
			if (!z->error || !z->error[0]) {
				snprintf(r->why, sizeof(r->why), "no error text");
				r->st = R_BROKEN;
			}
			break;
		}
		if (st != CM_INFLATE_MORE) {
			snprintf(r->why, sizeof(r->why), "status %d", (int)st);
			r->st = R_BROKEN;
			break;
		}
		if (pos == before && c - before >= CM_INFLATE_MIN_ROOM) {
			snprintf(r->why, sizeof(r->why),
				 "no progress with %zu bytes of room (*pos %zu, cap %zu)", c - before,
				 pos, c);
			r->st = R_BROKEN;
			break;
		}
		if (cap - pos >= CM_INFLATE_MIN_ROOM)
			continue;
		/* Make room: keep the last 32 KiB (or all there is) before *pos. */
		size_t keep = pos < WINDOW ? pos : WINDOW;
		if ((mode & M_KEEPMORE) && pos - keep > 0) {
			size_t extra = rnd() % (pos - keep + 1);
			if (cap - (keep + extra) >= CM_INFLATE_MIN_ROOM)
				keep += extra;
		}
		if (mode & M_MOVE) {
			uint8_t *other = bufs[cur ^ 1];
			memcpy(other, out + pos - keep, keep);
			memset(out, 0xcc, pos); /* a stale pointer into it reads junk */
			cur ^= 1;
			out = other;
		} else {
			memmove(out, out + pos - keep, keep);
			memset(out + keep, 0xdd, pos - keep);
		}
		pos = mark = keep;
	}
	r->consumed = cm_inflate_consumed(z);
	free(hist);
	free(z);
	free(in);
}

/* ---- judging ---- */

static void hexdump(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "  %s (%zu bytes):", what, n);
	for (size_t i = 0; i < n && i < 512; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", p[i]);
	fprintf(stderr, "%s\n", n > 512 ? " ..." : "");
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Checks cm against zlib on one input; returns cm's status. On a
 * failure, shows the input (when small). */
static int differential(const uint8_t *in, size_t len, int gzip, size_t cap, unsigned mode,
			int truncated, const char *what)
{
	int before = check_failures;
	struct cres c;
	struct zres zr;
	cm_decode(in, len, gzip, cap, mode, &c);
	zdecode(in, len, gzip, &zr);
	const char *kind = gzip ? "gzip" : "raw";
	CHECK_MSG(c.st != R_BROKEN, "%s (%s, cap %zu, mode %u): %s", what, kind, cap, mode, c.why);
	if (c.st == CM_INFLATE_END) {
		CHECK_MSG(zr.ok, "%s (%s): cm ends (%zu bytes out), zlib refuses", what, kind, c.out.len);
		if (zr.ok) {
			CHECK_MSG(buf_eq(&c.out, zr.out.p, zr.out.len),
				  "%s (%s, cap %zu, mode %u): cm %zu bytes, zlib %zu, differ at %zu", what,
				  kind, cap, mode, c.out.len, zr.out.len,
				  first_diff(c.out.p, zr.out.p, c.out.len < zr.out.len ? c.out.len : zr.out.len));
			CHECK_MSG(c.consumed == zr.used, "%s (%s): consumed %zu, zlib used %zu of %zu", what,
				  kind, c.consumed, zr.used, len);
		}
	}
	if (c.st == CM_INFLATE_ERROR) {
		/* A raw stream followed by more bytes: cm may refuse the extra. */
		CHECK_MSG(!zr.ok || (!gzip && zr.used < len), "%s (%s): cm refuses (\"%s\"), zlib accepts",
			  what, kind, c.error);
	}
	size_t n = c.out.len < zr.out.len ? c.out.len : zr.out.len;
	CHECK_MSG(n == 0 || !memcmp(c.out.p, zr.out.p, n), "%s (%s): outputs differ at %zu", what, kind,
		  first_diff(c.out.p, zr.out.p, n));
	if (truncated && !zr.ok) {
		CHECK_MSG(c.st == CM_INFLATE_ERROR, "%s (%s): a truncated stream gives %d", what, kind, c.st);
		CHECK_MSG(c.out.len <= zr.out.len, "%s (%s): cm wrote %zu bytes, zlib only %zu", what, kind,
			  c.out.len, zr.out.len);
	}
	if (check_failures > before) {
		fprintf(stderr, "  cm: status %d%s%s, %zu bytes out, consumed %zu; zlib: %s, %zu bytes out\n",
			c.st, c.error ? ", " : "", c.error ? c.error : "", c.out.len, c.consumed,
			zr.ok ? "ok" : zr.too_big ? "too big" : "refused", zr.out.len);
		hexdump("input", in, len);
	}
	int st = c.st;
	buf_free(&c.out);
	buf_free(&zr.out);
	return st;
}

/* cm alone must decode in to want (which zlib also produced). */
static void expect_decode(const uint8_t *in, size_t len, int gzip, const uint8_t *want,
			  size_t wantlen, size_t cap, unsigned mode, const char *what)
{
	struct cres c;
	cm_decode(in, len, gzip, cap, mode, &c);
	CHECK_MSG(c.st == CM_INFLATE_END, "%s (%s, cap %zu, mode %u): status %d (%s)", what,
		  gzip ? "gzip" : "raw", cap, mode, c.st, c.st == R_BROKEN ? c.why : c.error ? c.error : "");
	if (c.st == CM_INFLATE_END) {
		CHECK_MSG(buf_eq(&c.out, want, wantlen), "%s (%s, cap %zu, mode %u): %zu bytes, want %zu, differ at %zu",
			  what, gzip ? "gzip" : "raw", cap, mode, c.out.len, wantlen,
			  first_diff(c.out.p, want, c.out.len < wantlen ? c.out.len : wantlen));
		CHECK_MSG(c.consumed == len, "%s (%s): consumed %zu of %zu", what, gzip ? "gzip" : "raw",
			  c.consumed, len);
	}
	buf_free(&c.out);
}

/* Both must refuse in, cm with an error text. */
static void expect_error(const uint8_t *in, size_t len, int gzip, const char *what)
{
	int before = check_failures;
	struct zres zr;
	zdecode(in, len, gzip, &zr);
	CHECK_MSG(!zr.ok, "%s: zlib accepts it (the test is wrong)", what);
	static const size_t caps[] = {BASE_CAP, MIB};
	static const unsigned modes[] = {M_SLIDE, M_OFFSET | M_SHORT};
	for (int i = 0; i < 2; i++) {
		struct cres c;
		cm_decode(in, len, gzip, caps[i], modes[i], &c);
		CHECK_MSG(c.st == CM_INFLATE_ERROR, "%s (cap %zu): status %d (%s)", what, caps[i], c.st,
			  c.st == R_BROKEN ? c.why : "");
		if (c.st == CM_INFLATE_ERROR)
			CHECK_MSG(c.error && c.error[0], "%s: no error text", what);
		/* Nothing past the point where zlib found the error. */
		CHECK_MSG(c.out.len <= zr.out.len, "%s: cm wrote %zu bytes, zlib %zu", what, c.out.len,
			  zr.out.len);
		size_t n = c.out.len < zr.out.len ? c.out.len : zr.out.len;
		CHECK_MSG(n == 0 || !memcmp(c.out.p, zr.out.p, n), "%s: output differs from zlib's", what);
		buf_free(&c.out);
	}
	if (check_failures > before)
		hexdump("input", in, len);
	buf_free(&zr.out);
}

/* ---- inputs of every shape, default settings ---- */

static void check_data(const uint8_t *data, size_t len, const char *what, int many_caps)
{
	static const size_t caps[] = {BASE_CAP, BASE_CAP + 1, BASE_CAP + 7, BASE_CAP + 258, MIB};
	static const unsigned modes[] = {M_SLIDE, M_MOVE, M_SHORT | M_OFFSET, M_KEEPMORE, M_OFFSET};
	for (int gzip = 0; gzip < 2; gzip++) {
		struct buf z = {0};
		CHECK(zcompress(data, len, gzip, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
		int n = many_caps ? 5 : 2;
		for (int i = 0; i < n; i++) {
			int k = many_caps ? i : i * 4; /* BASE_CAP and 1 MiB at least */
			expect_decode(z.p, z.len, gzip, data, len, caps[k], modes[k], what);
		}
		/* zlib agrees with itself here: the data round-trips. */
		struct zres zr;
		zdecode(z.p, z.len, gzip, &zr);
		CHECK_MSG(zr.ok && buf_eq(&zr.out, data, len), "%s: zlib round trip", what);
		buf_free(&zr.out);
		buf_free(&z);
	}
}

static void test_shapes(void)
{
	struct buf b = {0};
	check_data(NULL, 0, "empty", 1);
	uint8_t one = 'x';
	check_data(&one, 1, "one byte", 1);

	gen_random(&b, 100);
	check_data(b.p, b.len, "100 random bytes", 1);
	b.len = 0;
	gen_random(&b, 200 * KIB);
	check_data(b.p, b.len, "200 KiB random", 1);
	b.len = 0;
	gen_text(&b, 300 * KIB);
	check_data(b.p, b.len, "300 KiB text", 1);
	b.len = 0;
	gen_run(&b, 400 * KIB, 'a');
	check_data(b.p, b.len, "400 KiB of one byte", 1);
	for (unsigned p = 2; p <= 7; p++) {
		char what[64];
		snprintf(what, sizeof(what), "period %u", p);
		b.len = 0;
		gen_period(&b, 70 * KIB + p, p);
		check_data(b.p, b.len, what, 0);
	}
	b.len = 0;
	gen_mixed(&b, 3 * MIB + 123);
	check_data(b.p, b.len, "3 MiB mixed", 0);

	/* The same shapes through other strategies and levels. */
	static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED};
	for (unsigned p = 1; p <= 7; p++) {
		b.len = 0;
		gen_period(&b, 20 * KIB, p);
		gen_run(&b, 5000, 0);
		gen_period(&b, 3 * KIB, p + 1);
		for (int s = 0; s < 5; s++)
			for (int level = 1; level <= 9; level += 4) {
				struct buf z = {0};
				CHECK(zcompress(b.p, b.len, (int)(p & 1), level, 15, 8, strategies[s], NULL, &z) == 0);
				char what[80];
				snprintf(what, sizeof(what), "period %u, strategy %d, level %d", p, strategies[s], level);
				expect_decode(z.p, z.len, (int)(p & 1), b.p, b.len, BASE_CAP + p, M_SLIDE, what);
				buf_free(&z);
			}
	}
	buf_free(&b);
}

/* ---- every producer setting ---- */

static void test_producers(void)
{
	static const int strategies[] = {Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED};
	static const unsigned modes[] = {M_SLIDE, M_MOVE, M_SHORT, M_OFFSET, M_KEEPMORE};
	struct buf data = {0};
	gen_mixed(&data, 48 * KIB);
	/* Every level with every strategy, raw and gzip, each with 3 of the 14
	 * (windowBits 9..15, memLevel 1 or 9) in turn, so that every setting
	 * meets every other. */
	unsigned n = 0;
	for (int gzip = 0; gzip < 2; gzip++)
		for (int level = 0; level <= 9; level++)
			for (int s = 0; s < 5; s++)
				for (int k = 0; k < 3; k++) {
					unsigned turn = n++;
					int wbits = 9 + (int)(turn * 5 % 7), mem = (turn / 7) % 2 ? 9 : 1;
					if (level == 0 && s > 0)
						continue; /* level 0 stores whatever the strategy */
					struct buf z = {0};
					int rc = zcompress(data.p, data.len, gzip, level, wbits, mem, strategies[s],
							   NULL, &z);
					char what[120];
					snprintf(what, sizeof(what), "level %d strategy %d windowBits %d memLevel %d",
						 level, strategies[s], wbits, mem);
					CHECK_MSG(rc == 0, "%s: deflate failed", what);
					expect_decode(z.p, z.len, gzip, data.p, data.len, BASE_CAP + turn % 13,
						      modes[turn % 5], what);
					buf_free(&z);
				}
	/* Every window and memory size at a few levels. */
	for (int wbits = 9; wbits <= 15; wbits++)
		for (int mem = 1; mem <= 9; mem += 8)
			for (int level = 1; level <= 9; level += 4) {
				struct buf z = {0};
				int gzip = (wbits + level) & 1;
				CHECK(zcompress(data.p, data.len, gzip, level, wbits, mem, Z_DEFAULT_STRATEGY, NULL,
						&z) == 0);
				char what[120];
				snprintf(what, sizeof(what), "level %d windowBits %d memLevel %d", level, wbits, mem);
				expect_decode(z.p, z.len, gzip, data.p, data.len, BASE_CAP + (size_t)wbits, M_SLIDE,
					      what);
				buf_free(&z);
			}

	/* Streams made with flushes of every kind and settings changed midway. */
	for (int i = 0; i < 40; i++) {
		int gzip = i & 1;
		data.len = 0;
		gen_mixed(&data, 20 * KIB + rnd() % (200 * KIB));
		struct buf z = {0};
		CHECK(zcompress_chunked(data.p, data.len, gzip, &z) == 0);
		char what[64];
		snprintf(what, sizeof(what), "flushes, stream %d", i);
		expect_decode(z.p, z.len, gzip, data.p, data.len, BASE_CAP + (size_t)i, modes[i % 5], what);
		buf_free(&z);
	}
	buf_free(&data);
}

/* ---- gzip: members and headers ---- */

static Bytef hdr_extra[] = "AB\x06\0extra!CD\0\0";
static Bytef hdr_name[] = "cpu.pb";
static Bytef hdr_comment[] = "a profile, with a comment";

static void header_with_everything(gz_header *h)
{
	memset(h, 0, sizeof(*h));
	h->text = 1;
	h->time = 0x5f5e1000;
	h->os = 3;
	h->extra = hdr_extra;
	h->extra_len = 14;
	h->name = hdr_name;
	h->comment = hdr_comment;
	h->hcrc = 1;
}

static void test_gzip(void)
{
	struct buf a = {0}, b = {0}, z = {0}, want = {0};
	gen_text(&a, 50 * KIB);
	gen_mixed(&b, 70 * KIB);

	/* Two members: the output is both. */
	CHECK(zcompress(a.p, a.len, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
	CHECK(zcompress(b.p, b.len, 1, 9, 12, 9, Z_FILTERED, NULL, &z) == 0);
	buf_put(&want, a.p, a.len);
	buf_put(&want, b.p, b.len);
	expect_decode(z.p, z.len, 1, want.p, want.len, BASE_CAP + 3, M_SLIDE, "two members");
	expect_decode(z.p, z.len, 1, want.p, want.len, MIB, M_MOVE | M_HISTORY, "two members");
	differential(z.p, z.len, 1, BASE_CAP, M_SHORT, 0, "two members");

	/* Many members, some empty, one with a header full of fields. */
	z.len = want.len = 0;
	for (int i = 0; i < 60; i++) {
		size_t n = i % 5 == 0 ? 0 : rnd() % 3000;
		size_t from = rnd() % (a.len - n);
		gz_header h;
		header_with_everything(&h);
		CHECK(zcompress(a.p + from, n, 1, i % 10, 15, 8, Z_DEFAULT_STRATEGY, i % 7 == 3 ? &h : NULL,
				&z) == 0);
		buf_put(&want, a.p + from, n);
	}
	expect_decode(z.p, z.len, 1, want.p, want.len, BASE_CAP, M_SLIDE, "60 members");
	expect_decode(z.p, z.len, 1, want.p, want.len, BASE_CAP + 100, M_SHORT | M_OFFSET, "60 members");

	/* FTEXT, FEXTRA, FNAME, FCOMMENT and FHCRC all set. */
	gz_header h;
	header_with_everything(&h);
	z.len = 0;
	CHECK(zcompress(b.p, b.len, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, &h, &z) == 0);
	CHECK(z.len > 4 && z.p[3] == 0x1f);
	expect_decode(z.p, z.len, 1, b.p, b.len, BASE_CAP, M_SLIDE, "header with every field");
	differential(z.p, z.len, 1, BASE_CAP, M_SHORT, 0, "header with every field");

	/* The empty member alone. */
	z.len = 0;
	CHECK(zcompress(NULL, 0, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
	expect_decode(z.p, z.len, 1, NULL, 0, BASE_CAP, M_SLIDE, "empty gzip");

	buf_free(&a);
	buf_free(&b);
	buf_free(&z);
	buf_free(&want);
}

/* ---- the committed profiles, against zlib's gzip reader ---- */

static int read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_put(b, tmp, n);
	fclose(f);
	return 0;
}

static int gunzip_file(const char *path, struct buf *b)
{
	gzFile g = gzopen(path, "rb");
	if (!g)
		return -1;
	uint8_t tmp[65536];
	int n;
	while ((n = gzread(g, tmp, sizeof(tmp))) > 0)
		buf_put(b, tmp, (size_t)n);
	int rc = n < 0 ? -1 : 0;
	gzclose(g);
	return rc;
}

static void test_profiles(void)
{
	DIR *d = opendir(CM_TEST_DATA_DIR);
	CHECK_MSG(d != NULL, "cannot open %s", CM_TEST_DATA_DIR);
	if (!d)
		return;
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl < 6 || strcmp(e->d_name + nl - 6, ".pb.gz"))
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", CM_TEST_DATA_DIR, e->d_name);
		struct buf gz = {0}, raw = {0};
		CHECK_MSG(read_file(path, &gz) == 0, "cannot read %s", path);
		CHECK_MSG(gunzip_file(path, &raw) == 0, "gzread %s", path);
		expect_decode(gz.p, gz.len, 1, raw.p, raw.len, BASE_CAP + 5, M_SLIDE, e->d_name);
		expect_decode(gz.p, gz.len, 1, raw.p, raw.len, MIB, M_MOVE, e->d_name);
		differential(gz.p, gz.len, 1, BASE_CAP, M_SHORT, 0, e->d_name);
		files++;
		buf_free(&gz);
		buf_free(&raw);
	}
	closedir(d);
	CHECK_MSG(files >= 5, "only %d profiles in %s", files, CM_TEST_DATA_DIR);
}

/* ---- the caller contract ---- */

static void test_contract(void)
{
	struct buf data = {0};
	gen_mixed(&data, 160 * KIB);
	static const size_t ks[] = {0, 1, 2, 3, 5, 7, 8, 9, 13, 64, 255, 257, 258, 511, 1000, 4096};
	static const unsigned modes[] = {M_SLIDE,  M_MOVE,     M_SHORT | M_HISTORY, M_OFFSET | M_HISTORY,
					 M_KEEPMORE | M_SHORT, M_MOVE | M_SHORT | M_OFFSET};
	for (int gzip = 0; gzip < 2; gzip++) {
		struct buf z = {0};
		CHECK(zcompress(data.p, data.len, gzip, 9, 15, 9, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
		for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++)
			for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
				if ((modes[m] & M_HISTORY) && i % 3)
					continue; /* slow; some capacities are enough */
				expect_decode(z.p, z.len, gzip, data.p, data.len, BASE_CAP + ks[i], modes[m],
					      "contract");
			}
		expect_decode(z.p, z.len, gzip, data.p, data.len, MIB, M_SHORT | M_HISTORY, "contract");
		buf_free(&z);
	}

	/* A call with no room at all, or less than CM_INFLATE_MIN_ROOM, writes
	 * nothing past cap and the stream goes on from there. */
	struct buf z = {0};
	CHECK(zcompress(data.p, 5000, 0, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
	struct cm_inflate *st = xmalloc(sizeof(*st));
	cm_inflate_init(st, z.p, z.len, 0);
	uint8_t *out = xmalloc(BASE_CAP + GUARD);
	memset(out, GUARD_BYTE, BASE_CAP + GUARD);
	size_t pos = 0;
	enum cm_inflate_status s = CM_INFLATE_MORE;
	for (size_t c = 0; c < CM_INFLATE_MIN_ROOM && s == CM_INFLATE_MORE; c += 37) {
		size_t p = pos;
		s = cm_inflate_run(st, out, &p, pos + c);
		CHECK_MSG(s != CM_INFLATE_ERROR && p <= pos + c, "room %zu: status %d, pos %zu", c, s, p);
		CHECK_MSG(guard_ok(out + pos + c), "room %zu: wrote past cap", c);
		pos = p;
		memset(out + pos, GUARD_BYTE, BASE_CAP + GUARD - pos);
	}
	while (s == CM_INFLATE_MORE && pos + CM_INFLATE_MIN_ROOM <= BASE_CAP)
		s = cm_inflate_run(st, out, &pos, BASE_CAP);
	CHECK_MSG(s == CM_INFLATE_END && pos == 5000 && !memcmp(out, data.p, 5000),
		  "after short calls: status %d, %zu bytes", s, pos);
	CHECK(cm_inflate_consumed(st) == z.len);
	free(out);
	free(st);
	buf_free(&z);
	buf_free(&data);
}

/* Two streams decoded call by call in turn (no state outside the struct),
 * one of them moving its struct to a new place after every call. */
static void test_two_at_once(void)
{
	struct buf d[2] = {{0}}, z[2] = {{0}}, got[2] = {{0}};
	gen_mixed(&d[0], 200 * KIB);
	gen_text(&d[1], 150 * KIB);
	CHECK(zcompress(d[0].p, d[0].len, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z[0]) == 0);
	CHECK(zcompress(d[1].p, d[1].len, 0, 9, 15, 9, Z_RLE, NULL, &z[1]) == 0);
	struct cm_inflate *st[2];
	uint8_t *out[2];
	size_t pos[2] = {0, 0}, mark[2] = {0, 0};
	int done[2] = {0, 0};
	for (int i = 0; i < 2; i++) {
		st[i] = xmalloc(sizeof(*st[i]));
		cm_inflate_init(st[i], z[i].p, z[i].len, i == 0);
		out[i] = xmalloc(BASE_CAP + 3);
	}
	for (int turn = 0; !(done[0] && done[1]) && turn < 100000; turn++) {
		int i = turn & 1;
		if (done[i])
			continue;
		enum cm_inflate_status s = cm_inflate_run(st[i], out[i], &pos[i], BASE_CAP + 3);
		buf_put(&got[i], out[i] + mark[i], pos[i] - mark[i]);
		if (s != CM_INFLATE_MORE) {
			CHECK_MSG(s == CM_INFLATE_END, "stream %d: %s", i, st[i]->error ? st[i]->error : "?");
			done[i] = 1;
			continue;
		}
		if (BASE_CAP + 3 - pos[i] < CM_INFLATE_MIN_ROOM) {
			size_t keep = pos[i] < WINDOW ? pos[i] : WINDOW;
			memmove(out[i], out[i] + pos[i] - keep, keep);
			pos[i] = keep;
		}
		mark[i] = pos[i];
		if (i == 0) {
			struct cm_inflate *moved = xmalloc(sizeof(*moved));
			memcpy(moved, st[0], sizeof(*moved));
			memset(st[0], 0x5a, sizeof(*st[0]));
			free(st[0]);
			st[0] = moved;
		}
	}
	for (int i = 0; i < 2; i++) {
		CHECK_MSG(done[i] && buf_eq(&got[i], d[i].p, d[i].len), "stream %d of two at once", i);
		CHECK(cm_inflate_consumed(st[i]) == z[i].len);
		free(st[i]);
		free(out[i]);
		buf_free(&d[i]);
		buf_free(&z[i]);
		buf_free(&got[i]);
	}
}

/* ---- cm_inflate_consumed ---- */

static void test_consumed(void)
{
	struct buf data = {0}, z = {0};
	gen_mixed(&data, 10 * KIB);
	for (int gzip = 0; gzip < 2; gzip++)
		for (int level = 0; level <= 9; level += 3) {
			z.len = 0;
			CHECK(zcompress(data.p, data.len, gzip, level, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
			/* expect_decode checks consumed == len */
			expect_decode(z.p, z.len, gzip, data.p, data.len, BASE_CAP, M_SLIDE, "consumed");
			struct cm_inflate *st = xmalloc(sizeof(*st));
			cm_inflate_init(st, z.p, z.len, gzip);
			CHECK(cm_inflate_consumed(st) == 0);
			free(st);
		}

	/* No input at all, as NULL. */
	for (int gzip = 0; gzip < 2; gzip++) {
		struct cm_inflate *st = xmalloc(sizeof(*st));
		uint8_t out[BASE_CAP];
		size_t pos = 0;
		cm_inflate_init(st, NULL, 0, gzip);
		CHECK(cm_inflate_run(st, out, &pos, sizeof(out)) == CM_INFLATE_ERROR && pos == 0);
		CHECK(st->error != NULL);
		CHECK(cm_inflate_consumed(st) == 0);
		free(st);
	}

	/* A raw stream followed by other bytes: zlib stops at the stream's end.
	 * cm may refuse the rest; if it ends, it must say where. */
	z.len = 0;
	CHECK(zcompress(data.p, data.len, 0, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
	size_t clean = z.len;
	buf_put(&z, "trailing", 8);
	struct cres c;
	cm_decode(z.p, z.len, 0, BASE_CAP, M_SLIDE, &c);
	CHECK(c.st == CM_INFLATE_END || c.st == CM_INFLATE_ERROR);
	if (c.st == CM_INFLATE_END)
		CHECK_MSG(c.consumed == clean && buf_eq(&c.out, data.p, data.len),
			  "raw + trailing bytes: consumed %zu, stream is %zu", c.consumed, clean);
	printf("test_inflate: a raw stream with 8 bytes after it: %s (consumed %zu of %zu)\n",
	       c.st == CM_INFLATE_END ? "ends" : c.error ? c.error : "?", c.consumed, z.len);
	buf_free(&c.out);
	differential(z.p, z.len, 0, BASE_CAP, M_SLIDE, 0, "raw + trailing bytes");
	buf_free(&z);
	buf_free(&data);
}

/* ---- hostile input: truncations, bit flips, mangling ---- */

/* A few small streams of each kind. */
static void small_streams(struct buf out[6], int gzips[6])
{
	struct buf d = {0};
	gen_text(&d, 3000);
	gen_mixed(&d, 1500);
	/* dynamic blocks */
	CHECK(zcompress(d.p, d.len, 0, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &out[0]) == 0);
	gzips[0] = 0;
	/* fixed blocks */
	CHECK(zcompress(d.p, 800, 0, 9, 15, 8, Z_FIXED, NULL, &out[1]) == 0);
	gzips[1] = 0;
	/* stored blocks */
	CHECK(zcompress(d.p, 200, 0, 0, 15, 8, Z_DEFAULT_STRATEGY, NULL, &out[2]) == 0);
	gzips[2] = 0;
	/* gzip, header with every field */
	gz_header h;
	header_with_everything(&h);
	CHECK(zcompress(d.p + 1000, 1200, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, &h, &out[3]) == 0);
	gzips[3] = 1;
	/* two gzip members, the first stored */
	CHECK(zcompress(d.p, 60, 1, 0, 15, 8, Z_DEFAULT_STRATEGY, NULL, &out[4]) == 0);
	CHECK(zcompress(d.p + 2000, 700, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &out[4]) == 0);
	gzips[4] = 1;
	/* Huffman only, with a flush in the middle */
	struct buf t = {0};
	gen_period(&t, 900, 3);
	CHECK(zcompress_chunked(t.p, t.len, 0, &out[5]) == 0);
	gzips[5] = 0;
	buf_free(&t);
	buf_free(&d);
}

static void test_truncations(void)
{
	struct buf s[6] = {{0}};
	int gz[6];
	small_streams(s, gz);
	for (int i = 0; i < 6; i++) {
		int before = check_failures;
		for (size_t n = 0; n < s[i].len; n++) {
			char what[64];
			snprintf(what, sizeof(what), "stream %d cut at %zu of %zu", i, n, s[i].len);
			static const size_t caps[] = {BASE_CAP, BASE_CAP + 1, MIB};
			differential(s[i].p, n, gz[i], caps[n % 3], (n & 4) ? M_OFFSET : M_SLIDE, 1, what);
			if (check_failures > before + 2)
				break;
		}
		buf_free(&s[i]);
	}
}

static void test_bitflips(void)
{
	struct buf s[6] = {{0}};
	int gz[6];
	small_streams(s, gz);
	for (int i = 0; i < 6; i++) {
		int before = check_failures;
		uint8_t *m = xmalloc(s[i].len);
		/* Every bit of the small ones, a sample of the bigger ones. */
		size_t step = s[i].len > 400 ? 3 : 1;
		for (size_t bit = 0; bit < s[i].len * 8; bit += step) {
			memcpy(m, s[i].p, s[i].len);
			m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			char what[64];
			snprintf(what, sizeof(what), "stream %d, bit %zu flipped", i, bit);
			differential(m, s[i].len, gz[i], bit % 5 ? BASE_CAP : BASE_CAP + 511,
				     bit % 7 ? M_SLIDE : M_OFFSET, 0, what);
			if (check_failures > before + 10)
				break;
		}
		/* Random bytes overwritten, and a random cut. */
		for (int t = 0; t < 600 && check_failures <= before + 10; t++) {
			memcpy(m, s[i].p, s[i].len);
			int k = 1 + (int)(rnd() % 6);
			for (int j = 0; j < k; j++)
				m[rnd() % s[i].len] = (uint8_t)rnd();
			size_t n = t % 3 ? s[i].len : rnd() % (s[i].len + 1);
			char what[64];
			snprintf(what, sizeof(what), "stream %d, mangled %d", i, t);
			differential(m, n, gz[i], BASE_CAP + (size_t)t % 600, t % 4 ? M_SLIDE : M_SHORT, 0, what);
		}
		free(m);
		buf_free(&s[i]);
	}

	/* Random bytes, as raw and as gzip (with the magic in front). */
	uint8_t r[300];
	for (int t = 0; t < 3000; t++) {
		size_t n = rnd() % sizeof(r);
		for (size_t j = 0; j < n; j++)
			r[j] = (uint8_t)rnd();
		int gzip = t & 1;
		if (gzip && n >= 10) {
			r[0] = 0x1f, r[1] = 0x8b, r[2] = 8;
			r[3] &= 0x1f;
		}
		differential(r, n, gzip, BASE_CAP, M_SLIDE, 0, "random bytes");
	}
}

/* ---- hand-made streams ---- */

struct bw {
	struct buf b;
	uint64_t acc;
	unsigned n;
};

static void bw_bits(struct bw *w, uint32_t v, unsigned n)
{
	w->acc |= (uint64_t)v << w->n;
	w->n += n;
	while (w->n >= 8) {
		buf_byte(&w->b, w->acc & 0xff);
		w->acc >>= 8;
		w->n -= 8;
	}
}

/* A Huffman code: sent most significant bit first. */
static void bw_code(struct bw *w, uint32_t code, unsigned n)
{
	uint32_t r = 0;
	for (unsigned i = 0; i < n; i++)
		r |= ((code >> i) & 1) << (n - 1 - i);
	bw_bits(w, r, n);
}

static void bw_align(struct bw *w)
{
	if (w->n)
		bw_bits(w, 0, 8 - w->n);
}

static const uint16_t lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
				   31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dbase[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
				   33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
				   1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dext[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
				 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint8_t clorder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

static void fx_sym(struct bw *w, unsigned sym)
{
	if (sym < 144)
		bw_code(w, 0x30 + sym, 8);
	else if (sym < 256)
		bw_code(w, 0x190 + sym - 144, 9);
	else if (sym < 280)
		bw_code(w, sym - 256, 7);
	else
		bw_code(w, 0xc0 + sym - 280, 8);
}

static unsigned len_code(unsigned len)
{
	unsigned i = 28;
	while (lbase[i] > len)
		i--;
	return i;
}

static unsigned dist_code(unsigned dist)
{
	unsigned j = 29;
	while (dbase[j] > dist)
		j--;
	return j;
}

/* A match in a fixed block. */
static void fx_match(struct bw *w, unsigned len, unsigned dist)
{
	unsigned i = len_code(len), j = dist_code(dist);
	fx_sym(w, 257 + i);
	bw_bits(w, len - lbase[i], lext[i]);
	bw_code(w, j, 5);
	bw_bits(w, dist - dbase[j], dext[j]);
}

static void block_header(struct bw *w, int final, int type)
{
	bw_bits(w, (uint32_t)final, 1);
	bw_bits(w, (uint32_t)type, 2);
}

/* Canonical codes from code lengths (RFC 1951 3.2.2). */
static void canon(const uint8_t *lens, unsigned n, uint32_t *codes)
{
	unsigned count[16] = {0}, next[16] = {0};
	for (unsigned i = 0; i < n; i++)
		count[lens[i]]++;
	count[0] = 0;
	unsigned code = 0;
	for (unsigned bits = 1; bits < 16; bits++) {
		code = (code + count[bits - 1]) << 1;
		next[bits] = code;
	}
	for (unsigned i = 0; i < n; i++)
		codes[i] = lens[i] ? next[lens[i]]++ : 0;
}

/* The code-length code the writer uses: complete, all 19 symbols. */
static const uint8_t std_cl[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5};

/* A dynamic block's header up to the code lengths. */
static void dyn_head(struct bw *w, int final, unsigned nlit, unsigned ndist, const uint8_t cl[19])
{
	block_header(w, final, 2);
	bw_bits(w, nlit - 257, 5);
	bw_bits(w, ndist - 1, 5);
	bw_bits(w, 15, 4); /* all 19 code length code lengths */
	for (int i = 0; i < 19; i++)
		bw_bits(w, cl[clorder[i]], 3);
}

/* One code-length symbol (with its repeat count's extra bits). */
static void cl_sym(struct bw *w, const uint8_t cl[19], unsigned sym, unsigned extra)
{
	uint32_t codes[19];
	canon(cl, 19, codes);
	bw_code(w, codes[sym], cl[sym]);
	if (sym == 16)
		bw_bits(w, extra, 2);
	else if (sym == 17)
		bw_bits(w, extra, 3);
	else if (sym == 18)
		bw_bits(w, extra, 7);
}

/* A whole dynamic header: lens[0..nlit) then lens[nlit..nlit+ndist), sent
 * one by one. */
static void dyn_block(struct bw *w, int final, unsigned nlit, unsigned ndist, const uint8_t *lens)
{
	dyn_head(w, final, nlit, ndist, std_cl);
	for (unsigned i = 0; i < nlit + ndist; i++)
		cl_sym(w, std_cl, lens[i], 0);
}

struct dcodes {
	uint32_t lit[288], dist[32];
	uint8_t litlen[288], distlen[32];
};

static void dyn_codes(struct dcodes *c, unsigned nlit, unsigned ndist, const uint8_t *lens)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->litlen, lens, nlit);
	memcpy(c->distlen, lens + nlit, ndist);
	canon(c->litlen, 288, c->lit);
	canon(c->distlen, 32, c->dist);
}

static void dyn_sym(struct bw *w, const struct dcodes *c, unsigned sym)
{
	bw_code(w, c->lit[sym], c->litlen[sym]);
}

static void dyn_match(struct bw *w, const struct dcodes *c, unsigned len, unsigned dist)
{
	unsigned i = len_code(len), j = dist_code(dist);
	dyn_sym(w, c, 257 + i);
	bw_bits(w, len - lbase[i], lext[i]);
	bw_code(w, c->dist[j], c->distlen[j]);
	bw_bits(w, dist - dbase[j], dext[j]);
}

/* A complete literal/length code over 0..256 plus one length symbol,
 * with a complete distance code of two symbols. */
static void good_lens(uint8_t *lens, unsigned *nlit, unsigned *ndist)
{
	memset(lens, 0, 320);
	for (int i = 0; i < 256; i++)
		lens[i] = 9; /* 1/2 */
	lens[256] = 2;       /* 1/4 */
	lens[257] = 2;       /* 1/4: length 3 */
	*nlit = 258;
	lens[258] = 1; /* distance 1 */
	lens[259] = 1; /* distance 2 */
	*ndist = 2;
}

static void finish(struct bw *w)
{
	bw_align(w);
}

/* Both decoders must agree on a hand-made stream that zlib takes though
 * a strict reading of RFC 1951 might not. */
static void expect_same(struct bw *w, int gzip, const char *what)
{
	finish(w);
	struct zres zr;
	zdecode(w->b.p, w->b.len, gzip, &zr);
	CHECK_MSG(zr.ok, "%s: zlib refuses it (the test is wrong)", what);
	buf_free(&zr.out);
	differential(w->b.p, w->b.len, gzip, BASE_CAP, M_SLIDE, 0, what);
	differential(w->b.p, w->b.len, gzip, MIB, M_OFFSET, 0, what);
	buf_free(&w->b);
	memset(w, 0, sizeof(*w));
}

static void bad(struct bw *w, const char *what)
{
	finish(w);
	/* Some zero bytes after: a refusal must not be for want of input. */
	for (int i = 0; i < 16; i++)
		buf_byte(&w->b, 0);
	expect_error(w->b.p, w->b.len, 0, what);
	buf_free(&w->b);
	memset(w, 0, sizeof(*w));
}

static void good(struct bw *w, const uint8_t *want, size_t wantlen, const char *what)
{
	finish(w);
	struct zres zr;
	zdecode(w->b.p, w->b.len, 0, &zr);
	CHECK_MSG(zr.ok && buf_eq(&zr.out, want, wantlen), "%s: zlib says otherwise (the test is wrong)",
		  what);
	buf_free(&zr.out);
	expect_decode(w->b.p, w->b.len, 0, want, wantlen, BASE_CAP, M_SLIDE, what);
	expect_decode(w->b.p, w->b.len, 0, want, wantlen, MIB, M_OFFSET | M_SHORT, what);
	buf_free(&w->b);
	memset(w, 0, sizeof(*w));
}

static void test_handmade_blocks(void)
{
	struct bw w = {0};
	uint8_t lens[320];
	unsigned nlit, ndist;
	struct dcodes dc;

	/* Block type 3, final and not. */
	block_header(&w, 1, 3);
	bad(&w, "block type 3");
	block_header(&w, 0, 3);
	bad(&w, "block type 3, not final");
	block_header(&w, 0, 1);
	fx_sym(&w, 'a');
	fx_sym(&w, 256);
	block_header(&w, 1, 3);
	bad(&w, "block type 3 after a fixed block");

	/* Stored: LEN != ~NLEN. */
	block_header(&w, 1, 0);
	bw_align(&w);
	bw_bits(&w, 5, 16);
	bw_bits(&w, 0, 16);
	bw_bits(&w, 0x41414141, 32);
	bw_bits(&w, 0x41, 8);
	bad(&w, "stored LEN != ~NLEN");
	block_header(&w, 1, 0);
	bw_align(&w);
	bw_bits(&w, 0, 16);
	bw_bits(&w, 0xfffe, 16);
	bad(&w, "stored LEN 0, NLEN 0xfffe");
	/* Stored, LEN longer than the input. */
	block_header(&w, 1, 0);
	bw_align(&w);
	bw_bits(&w, 100, 16);
	bw_bits(&w, 0xffff ^ 100, 16);
	for (int i = 0; i < 50; i++)
		bw_bits(&w, 'x', 8);
	finish(&w);
	expect_error(w.b.p, w.b.len, 0, "stored block longer than the input");
	buf_free(&w.b);
	memset(&w, 0, sizeof(w));

	/* Good stored blocks: empty ones, then data, then a match into them. */
	{
		block_header(&w, 0, 0);
		bw_align(&w);
		bw_bits(&w, 0, 16);
		bw_bits(&w, 0xffff, 16);
		block_header(&w, 0, 0);
		bw_align(&w);
		bw_bits(&w, 3, 16);
		bw_bits(&w, 0xffff ^ 3, 16);
		bw_bits(&w, 'a', 8);
		bw_bits(&w, 'b', 8);
		bw_bits(&w, 'c', 8);
		block_header(&w, 1, 1);
		fx_match(&w, 10, 3);
		fx_sym(&w, 256);
		good(&w, (const uint8_t *)"abcabcabcabca", 13, "stored blocks then a match");
	}

	/* Dynamic header: HLIT > 286, HDIST > 30, in blocks otherwise good. */
	for (unsigned extra = 1; extra <= 2; extra++) {
		good_lens(lens, &nlit, &ndist);
		memmove(lens + 286 + extra, lens + nlit, ndist);
		memset(lens + nlit, 0, 286 + extra - nlit);
		dyn_block(&w, 1, 286 + extra, ndist, lens);
		dyn_codes(&dc, 286 + extra, ndist, lens);
		dyn_sym(&w, &dc, 'a');
		dyn_sym(&w, &dc, 256);
		bad(&w, extra == 1 ? "HLIT 287" : "HLIT 288");
		good_lens(lens, &nlit, &ndist);
		dyn_block(&w, 1, nlit, 30 + extra, lens);
		dyn_codes(&dc, nlit, ndist, lens);
		dyn_sym(&w, &dc, 'a');
		dyn_match(&w, &dc, 3, 1);
		dyn_sym(&w, &dc, 256);
		bad(&w, extra == 1 ? "HDIST 31" : "HDIST 32");
	}

	/* The code length code: over-subscribed, incomplete, empty. */
	{
		uint8_t cl[19];
		memset(cl, 1, sizeof(cl));
		dyn_head(&w, 1, 257, 1, cl);
		bw_bits(&w, 0, 32);
		bad(&w, "over-subscribed code length code");
		memset(cl, 0, sizeof(cl));
		cl[8] = 1; /* one code of one bit: incomplete */
		dyn_head(&w, 1, 257, 1, cl);
		for (int i = 0; i < 258; i++)
			bw_bits(&w, 0, 1);
		bad(&w, "incomplete code length code (one symbol)");
		memset(cl, 0, sizeof(cl));
		cl[0] = 2, cl[8] = 2, cl[9] = 2; /* 3/4 */
		dyn_head(&w, 1, 257, 1, cl);
		bw_bits(&w, 0, 32);
		bad(&w, "incomplete code length code (three symbols of 2 bits)");
		memset(cl, 0, sizeof(cl));
		dyn_head(&w, 1, 257, 1, cl);
		bw_bits(&w, 0, 32);
		bad(&w, "empty code length code");
		/* Fewer than 19 code length code lengths sent (HCLEN 4): a code of
		 * 16, 17, 18 and 0 only, which cannot say a non-zero length. */
		block_header(&w, 1, 2);
		bw_bits(&w, 0, 5);
		bw_bits(&w, 0, 5);
		bw_bits(&w, 0, 4);
		bw_bits(&w, 2, 3), bw_bits(&w, 2, 3), bw_bits(&w, 2, 3), bw_bits(&w, 2, 3);
		memset(cl, 0, sizeof(cl));
		cl[16] = cl[17] = cl[18] = cl[0] = 2;
		cl_sym(&w, cl, 18, 127); /* 138 */
		cl_sym(&w, cl, 18, 108); /* 257 */
		cl_sym(&w, cl, 0, 0);    /* 258: every length zero */
		bad(&w, "code lengths all zero (HCLEN 4)");
	}

	/* Repeat 16 with no previous length; repeats past HLIT + HDIST. */
	dyn_head(&w, 1, 257, 1, std_cl);
	cl_sym(&w, std_cl, 16, 3);
	bad(&w, "repeat 16 first");
	dyn_head(&w, 1, 257, 1, std_cl);
	cl_sym(&w, std_cl, 18, 127); /* 138 zeros */
	cl_sym(&w, std_cl, 18, 127); /* 276 > 258 */
	bad(&w, "18 repeats past the end");
	dyn_head(&w, 1, 257, 1, std_cl);
	cl_sym(&w, std_cl, 18, 127);
	cl_sym(&w, std_cl, 18, 107); /* 138 + 118 = 256 */
	cl_sym(&w, std_cl, 17, 0);   /* 3 more: 259 > 258 */
	bad(&w, "17 repeats past the end");
	dyn_head(&w, 1, 257, 1, std_cl);
	cl_sym(&w, std_cl, 18, 127);
	cl_sym(&w, std_cl, 18, 106); /* 255 */
	cl_sym(&w, std_cl, 8, 0);    /* 256 */
	cl_sym(&w, std_cl, 16, 3);   /* 6 more: 262 > 258 */
	bad(&w, "16 repeats past the end");

	/* 16 overrunning the distance lengths by 2, in a block otherwise good. */
	dyn_head(&w, 1, 258, 2, std_cl);
	cl_sym(&w, std_cl, 9, 0);
	for (int i = 0; i < 42; i++)
		cl_sym(&w, std_cl, 16, 3);
	cl_sym(&w, std_cl, 16, 0); /* up to 255 */
	cl_sym(&w, std_cl, 2, 0);
	cl_sym(&w, std_cl, 2, 0);
	cl_sym(&w, std_cl, 1, 0);  /* distance 1 */
	cl_sym(&w, std_cl, 16, 0); /* 3 more: 2 past the end */
	good_lens(lens, &nlit, &ndist);
	dyn_codes(&dc, nlit, ndist, lens);
	dyn_sym(&w, &dc, 'z');
	dyn_match(&w, &dc, 3, 1);
	dyn_sym(&w, &dc, 256);
	bad(&w, "16 repeats 2 past the end");

	/* A literal/length code without end-of-block. */
	memset(lens, 0, sizeof(lens));
	lens['a'] = 1, lens['b'] = 1, lens[257 + 1] = 0;
	lens[258] = 1, lens[259] = 1;
	dyn_block(&w, 1, 258, 2, lens);
	bw_bits(&w, 0, 32);
	bad(&w, "no end-of-block code");

	/* Over-subscribed and incomplete literal/length and distance codes. */
	good_lens(lens, &nlit, &ndist);
	lens['a'] = 1;
	dyn_block(&w, 1, nlit, ndist, lens);
	bw_bits(&w, 0, 32);
	bad(&w, "over-subscribed literal/length code");
	good_lens(lens, &nlit, &ndist);
	lens[257] = 0;
	dyn_block(&w, 1, nlit, ndist, lens);
	bw_bits(&w, 0, 32);
	bad(&w, "incomplete literal/length code");
	good_lens(lens, &nlit, &ndist);
	lens[nlit + 2] = 1; /* a third 1-bit distance code */
	dyn_block(&w, 1, nlit, ndist + 1, lens);
	bw_bits(&w, 0, 32);
	bad(&w, "over-subscribed distance code");
	good_lens(lens, &nlit, &ndist);
	lens[nlit] = 2, lens[nlit + 1] = 2; /* 1/2 */
	dyn_block(&w, 1, nlit, ndist, lens);
	bw_bits(&w, 0, 32);
	bad(&w, "incomplete distance code");

	/* Good dynamic blocks: a literal, matches at distance 1 and 2. */
	good_lens(lens, &nlit, &ndist);
	dyn_block(&w, 1, nlit, ndist, lens);
	dyn_codes(&dc, nlit, ndist, lens);
	dyn_sym(&w, &dc, 'a');
	dyn_sym(&w, &dc, 'b');
	dyn_match(&w, &dc, 3, 2);
	dyn_match(&w, &dc, 3, 1);
	dyn_sym(&w, &dc, 256);
	good(&w, (const uint8_t *)"ababaaaa", 8, "dynamic block");

	/* Zero repeats (17, 18) and 16 running from the literal/length lengths
	 * into the distance lengths: one sequence (RFC 1951 3.2.7). */
	{
		memset(lens, 0, sizeof(lens));
		/* literal lengths: 0..255 = 9, 256 = 2, 257 = 2, then distances 1,1 */
		dyn_head(&w, 1, 258, 2, std_cl);
		cl_sym(&w, std_cl, 9, 0);
		for (int i = 0; i < 42; i++)
			cl_sym(&w, std_cl, 16, 3); /* 1 + 42 * 6: up to 252 */
		cl_sym(&w, std_cl, 16, 0);         /* 3 more: up to 255 */
		cl_sym(&w, std_cl, 2, 0);          /* 256 */
		cl_sym(&w, std_cl, 2, 0);          /* 257 */
		cl_sym(&w, std_cl, 1, 0);          /* distance 1 */
		cl_sym(&w, std_cl, 1, 0);          /* distance 2 */
		good_lens(lens, &nlit, &ndist);
		dyn_codes(&dc, nlit, ndist, lens);
		dyn_sym(&w, &dc, 'z');
		dyn_match(&w, &dc, 3, 1);
		dyn_sym(&w, &dc, 256);
		good(&w, (const uint8_t *)"zzzz", 4, "repeat codes");

		/* 16 repeating the last literal/length length into the distances. */
		memset(lens, 0, sizeof(lens));
		lens[256] = 1;
		lens['q'] = 2;
		lens[257] = 2; /* literal/length: 1/2 + 1/4 + 1/4 */
		lens[258] = 2;
		lens[259] = 2;
		lens[260] = 2;
		lens[261] = 2; /* four distance codes of 2 bits */
		dyn_head(&w, 1, 258, 4, std_cl);
		cl_sym(&w, std_cl, 18, 'q' - 11); /* 'q' zeros */
		cl_sym(&w, std_cl, 2, 0);         /* 'q' */
		cl_sym(&w, std_cl, 18, 127);      /* 138 zeros: up to 251 */
		cl_sym(&w, std_cl, 17, 1);        /* 4 zeros: up to 255 */
		cl_sym(&w, std_cl, 1, 0);         /* 256 */
		cl_sym(&w, std_cl, 2, 0);         /* 257 */
		cl_sym(&w, std_cl, 16, 1);        /* 4 x 2 bits: the distances */
		dyn_codes(&dc, 258, 4, lens);
		dyn_sym(&w, &dc, 'q');
		dyn_match(&w, &dc, 3, 1);
		dyn_sym(&w, &dc, 'q');
		dyn_match(&w, &dc, 3, 4);
		dyn_sym(&w, &dc, 256);
		good(&w, (const uint8_t *)"qqqqqqqq", 8, "16 across the two codes");
	}

	/* Codes zlib accepts though incomplete: one distance code of one bit,
	 * no distance code at all, only an end-of-block code. */
	{
		memset(lens, 0, sizeof(lens));
		for (int i = 0; i < 256; i++)
			lens[i] = 9;
		lens[256] = 2, lens[257] = 2;
		lens[258] = 1; /* distance 1 only */
		dyn_block(&w, 1, 258, 1, lens);
		dyn_codes(&dc, 258, 1, lens);
		dyn_sym(&w, &dc, 'k');
		dyn_match(&w, &dc, 3, 1);
		dyn_sym(&w, &dc, 256);
		expect_same(&w, 0, "one distance code of one bit");

		lens[258] = 0; /* no distance code */
		dyn_block(&w, 1, 258, 1, lens);
		dyn_codes(&dc, 258, 1, lens);
		dyn_sym(&w, &dc, 'k');
		dyn_sym(&w, &dc, 'l');
		dyn_sym(&w, &dc, 256);
		expect_same(&w, 0, "no distance code, literals only");

		dyn_block(&w, 1, 258, 1, lens);
		dyn_codes(&dc, 258, 1, lens);
		dyn_sym(&w, &dc, 'k');
		dyn_sym(&w, &dc, 257); /* a length, but no distance code */
		bw_bits(&w, 0, 16);
		bad(&w, "a match with no distance code");

		memset(lens, 0, sizeof(lens));
		lens[256] = 1;
		dyn_block(&w, 1, 257, 1, lens);
		bw_bits(&w, 0, 1); /* end-of-block */
		expect_same(&w, 0, "only an end-of-block code");
	}

	/* Fixed blocks: length codes 286 and 287, distance codes 30 and 31. */
	for (unsigned sym = 286; sym <= 287; sym++) {
		block_header(&w, 1, 1);
		fx_sym(&w, 'a');
		fx_sym(&w, sym);
		bw_bits(&w, 0, 16);
		bad(&w, sym == 286 ? "length code 286" : "length code 287");
	}
	for (unsigned d = 30; d <= 31; d++) {
		block_header(&w, 1, 1);
		fx_sym(&w, 'a');
		fx_sym(&w, 'b');
		fx_sym(&w, 257);
		bw_code(&w, d, 5);
		bw_bits(&w, 0, 16);
		bad(&w, d == 30 ? "distance code 30" : "distance code 31");
	}

	/* Distances: too far back, at the very start, exactly all the output. */
	block_header(&w, 1, 1);
	fx_sym(&w, 'a');
	fx_match(&w, 3, 2);
	fx_sym(&w, 256);
	bad(&w, "distance 2 after 1 byte");
	block_header(&w, 1, 1);
	fx_match(&w, 3, 1);
	fx_sym(&w, 256);
	bad(&w, "distance 1 at the start");
	block_header(&w, 1, 1);
	fx_match(&w, 258, 32768);
	fx_sym(&w, 256);
	bad(&w, "distance 32768 at the start");
	block_header(&w, 1, 1);
	fx_sym(&w, 'a');
	fx_sym(&w, 'b');
	fx_match(&w, 5, 2);
	fx_sym(&w, 256);
	good(&w, (const uint8_t *)"abababa", 7, "distance 2, overlapping");

	/* The longest distance: 32768, after 32768 stored bytes; one more byte
	 * back is refused. */
	{
		struct buf want = {0};
		gen_random(&want, WINDOW);
		for (int far = 0; far < 2; far++) {
			block_header(&w, 0, 0);
			bw_align(&w);
			size_t skip = far ? 1 : 0; /* far: one byte short */
			bw_bits(&w, (uint32_t)(WINDOW - skip), 16);
			bw_bits(&w, (uint32_t)(0xffff ^ (WINDOW - skip)), 16);
			buf_put(&w.b, want.p + skip, WINDOW - skip);
			block_header(&w, 1, 1);
			fx_match(&w, 258, 32768);
			fx_sym(&w, 256);
			if (far) {
				bad(&w, "distance 32768 after 32767 bytes");
				continue;
			}
			struct buf all = {0};
			buf_put(&all, want.p, want.len);
			gen_copy(&all, WINDOW, 258);
			good(&w, all.p, all.len, "distance 32768");
			buf_free(&all);
		}
		buf_free(&want);
	}

	/* Length 258 spelled as code 284 with extra 31: zlib takes it. */
	block_header(&w, 1, 1);
	fx_sym(&w, 'a');
	fx_sym(&w, 284);
	bw_bits(&w, 31, 5);
	bw_code(&w, 0, 5);
	fx_sym(&w, 256);
	expect_same(&w, 0, "length 258 as code 284 + 31");

	/* Every length at every small distance, each from the start of the
	 * output and all in one stream, fixed blocks (word copies at short
	 * distances are where a decoder slips). */
	{
		struct bw all = {0};
		struct buf want = {0};
		block_header(&all, 0, 1);
		for (unsigned d = 1; d <= 40; d++) {
			static const unsigned longer[] = {64, 100, 127, 128, 129, 200, 255, 256, 257, 258};
			for (unsigned li = 0; li < 38 + 10; li++) {
				unsigned len = li < 38 ? 3 + li : longer[li - 38];
				struct buf one = {0};
				block_header(&w, 1, 1);
				gen_random(&one, d);
				for (unsigned i = 0; i < d; i++) {
					fx_sym(&w, one.p[i]);
					fx_sym(&all, one.p[i]);
				}
				fx_match(&w, len, d);
				fx_match(&all, len, d);
				fx_sym(&w, 256);
				gen_copy(&one, d, len);
				buf_put(&want, one.p, one.len);
				int before = check_failures;
				finish(&w);
				expect_decode(w.b.p, w.b.len, 0, one.p, one.len, BASE_CAP, M_SLIDE,
					      "short distance");
				buf_free(&w.b);
				memset(&w, 0, sizeof(w));
				if (check_failures > before)
					fprintf(stderr, "  (distance %u, length %u)\n", d, len);
				buf_free(&one);
			}
		}
		fx_sym(&all, 256);
		block_header(&all, 1, 1);
		fx_sym(&all, 256);
		good(&all, want.p, want.len, "all short distances in one stream");
		buf_free(&want);
	}
}

/* gzip wrapped around hand-made or zlib deflate data. */
static void gz_wrap(struct buf *out, unsigned flg, const uint8_t *raw, size_t rawlen, uint32_t crc,
		    uint32_t isize)
{
	static const uint8_t head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	buf_put(out, head, 10);
	out->p[out->len - 7] = (uint8_t)flg;
	buf_put(out, raw, rawlen);
	buf_le32(out, crc);
	buf_le32(out, isize);
}

static void test_handmade_gzip(void)
{
	struct buf data = {0}, z = {0}, m = {0};
	gen_text(&data, 5000);
	CHECK(zcompress(data.p, data.len, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
	expect_decode(z.p, z.len, 1, data.p, data.len, BASE_CAP, M_SLIDE, "plain gzip");

#define MANGLED(what, ...)                                                                         \
	do {                                                                                       \
		m.len = 0;                                                                         \
		buf_put(&m, z.p, z.len);                                                           \
		__VA_ARGS__;                                                                       \
		expect_error(m.p, m.len, 1, what);                                                 \
	} while (0)

	MANGLED("bad magic 1", m.p[0] = 0x1e);
	MANGLED("bad magic 2", m.p[1] = 0x8c);
	MANGLED("zlib header, not gzip", m.p[0] = 0x78, m.p[1] = 0x9c);
	MANGLED("CM 7", m.p[2] = 7);
	MANGLED("CM 0", m.p[2] = 0);
	MANGLED("FLG bit 5", m.p[3] |= 0x20);
	MANGLED("FLG bit 6", m.p[3] |= 0x40);
	MANGLED("FLG bit 7", m.p[3] |= 0x80);
	MANGLED("wrong CRC", m.p[m.len - 8] ^= 1);
	MANGLED("wrong CRC high byte", m.p[m.len - 5] ^= 0x80);
	MANGLED("wrong ISIZE", m.p[m.len - 4] ^= 1);
	MANGLED("wrong ISIZE high byte", m.p[m.len - 1] ^= 0x80);
	MANGLED("trailing zero byte", buf_byte(&m, 0));
	MANGLED("trailing garbage", buf_put(&m, "garbage!", 8));
	MANGLED("trailing magic", buf_byte(&m, 0x1f), buf_byte(&m, 0x8b));
	MANGLED("trailing header", buf_put(&m, z.p, 10));
	MANGLED("trailing member cut short", buf_put(&m, z.p, z.len - 1));
	MANGLED("trailing zeros", buf_put(&m, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20));
	MANGLED("no trailer", m.len -= 8);
	MANGLED("half a trailer", m.len -= 3);
	MANGLED("only the header", m.len = 10);

	/* Header fields cut short or lying. */
	gz_header h;
	header_with_everything(&h);
	z.len = 0;
	CHECK(zcompress(data.p, data.len, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, &h, &z) == 0);
	size_t hcrc_at = 10 + 2 + h.extra_len + strlen((const char *)h.name) + 1 +
			 strlen((const char *)h.comment) + 1;
	CHECK(z.len > hcrc_at + 2 && z.p[3] == 0x1f);
	expect_decode(z.p, z.len, 1, data.p, data.len, BASE_CAP, M_SLIDE, "gzip header fields");
	MANGLED("wrong header CRC", m.p[hcrc_at] ^= 1);
	MANGLED("FEXTRA XLEN too long", m.p[10] = 0xff, m.p[11] = 0xff);
	MANGLED("FNAME without its end", m.len = 12 + h.extra_len + 3);
	MANGLED("FEXTRA cut", m.len = 12 + 3);
	MANGLED("FHCRC cut", m.len = hcrc_at + 1);

	/* Hand-made gzip: an empty fixed block, then members. */
	struct bw w = {0};
	block_header(&w, 1, 1);
	fx_sym(&w, 256);
	bw_align(&w);
	z.len = 0;
	gz_wrap(&z, 0, w.b.p, w.b.len, 0, 0);
	expect_decode(z.p, z.len, 1, NULL, 0, BASE_CAP, M_SLIDE, "hand-made empty member");
	MANGLED("empty member, ISIZE 1", m.p[m.len - 4] = 1);
	MANGLED("empty member, CRC 1", m.p[m.len - 8] = 1);
	buf_free(&w.b);
	memset(&w, 0, sizeof(w));

	/* FTEXT and odd XFL/OS are fine. */
	block_header(&w, 1, 1);
	fx_sym(&w, 'h');
	fx_sym(&w, 'i');
	fx_sym(&w, 256);
	bw_align(&w);
	z.len = 0;
	gz_wrap(&z, 1, w.b.p, w.b.len, (uint32_t)crc32(0, (const Bytef *)"hi", 2), 2);
	z.p[8] = 0xff, z.p[9] = 0xee;
	expect_decode(z.p, z.len, 1, (const uint8_t *)"hi", 2, BASE_CAP, M_SLIDE, "FTEXT");
	buf_free(&w.b);
	memset(&w, 0, sizeof(w));

	/* A second member whose first match reaches into the first member's
	 * output: each member is its own stream, so it is too far back. */
	{
		size_t first_len = z.len;
		block_header(&w, 1, 1);
		fx_match(&w, 3, 1);
		fx_sym(&w, 256);
		bw_align(&w);
		/* the trailer of what a decoder sharing the window would make */
		gz_wrap(&z, 0, w.b.p, w.b.len, (uint32_t)crc32(0, (const Bytef *)"iii", 3), 3);
		expect_error(z.p, z.len, 1, "second member reaching into the first");
		buf_free(&w.b);
		memset(&w, 0, sizeof(w));
		/* The same second member reaching only into its own output. */
		z.len = first_len;
		block_header(&w, 1, 1);
		fx_sym(&w, 'x');
		fx_match(&w, 3, 1);
		fx_sym(&w, 256);
		bw_align(&w);
		gz_wrap(&z, 0, w.b.p, w.b.len, (uint32_t)crc32(0, (const Bytef *)"xxxx", 4), 4);
		expect_decode(z.p, z.len, 1, (const uint8_t *)"hixxxx", 6, BASE_CAP, M_OFFSET,
			      "second member, its own match");
		buf_free(&w.b);
	}
	/* Big first member, second member reaching back: the caller's buffer
	 * holds the first member's output right before *pos. */
	{
		z.len = 0;
		CHECK(zcompress(data.p, data.len, 1, 6, 15, 8, Z_DEFAULT_STRATEGY, NULL, &z) == 0);
		memset(&w, 0, sizeof(w));
		block_header(&w, 1, 1);
		fx_sym(&w, 'y');
		fx_match(&w, 3, 2);
		fx_sym(&w, 256);
		bw_align(&w);
		uint8_t shared[4] = {'y', data.p[data.len - 1], 'y', data.p[data.len - 1]};
		gz_wrap(&z, 0, w.b.p, w.b.len, (uint32_t)crc32(0, shared, 4), 4);
		expect_error(z.p, z.len, 1, "second member, distance 2 after 1 byte");
		buf_free(&w.b);
	}
#undef MANGLED
	buf_free(&data);
	buf_free(&z);
	buf_free(&m);
}

/* The folding CRC-32 against zlib's, at every length around its edges
 * (64 bytes, multiples of 16), at odd addresses, and in pieces. */
static void test_crc32(void)
{
	enum { N = 4096 };
	static unsigned char buf[N + 16];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	int bad = 0;
	for (size_t off = 0; off < 16; off += 3)
		for (size_t len = 0; len <= 300; len++) {
			uint32_t seed = (uint32_t)(len * 2654435761u);
			if (cm_crc32(seed, buf + off, len) != cm_crc32_tables(seed, buf + off, len))
				bad++;
		}
	for (size_t len = 300; len <= N; len += 97)
		if (cm_crc32(0, buf + 1, len) != (uint32_t)crc32_z(0, buf + 1, len))
			bad++;
	uint32_t whole = cm_crc32(0, buf, N), pieces = 0;
	for (size_t at = 0, step = 1; at < N; at += step, step = step * 3 % 301 + 1)
		pieces = cm_crc32(pieces, buf + at, at + step <= N ? step : N - at);
	CHECK_MSG(bad == 0, "%d CRC-32 disagreements with zlib", bad);
	CHECK(whole == pieces && whole == (uint32_t)crc32_z(0, buf, N));
}

int main(void)
{
	test_crc32();
	test_shapes();
	test_producers();
	test_gzip();
	test_profiles();
	test_contract();
	test_two_at_once();
	test_consumed();
	test_truncations();
	test_bitflips();
	test_handmade_blocks();
	test_handmade_gzip();
	free(out_bufs[0]);
	free(out_bufs[1]);
	if (have_zs)
		inflateEnd(&zs);
	return check_status("test_inflate");
}
