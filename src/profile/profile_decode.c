/* profile_decode: gzip or raw protobuf bytes -> validated struct cm_profile.
 *
 * The top level of a Profile is walked here field by field, straight out of a
 * sliding inflate window, and each sub-message (Sample, Location, ...) is
 * unpacked by protobuf-c into a scratch arena that is reset as we go. Only the
 * compact model is kept, so peak memory is the model plus one window (and
 * the compressed input, which inflate.c reads whole), never the whole
 * inflated body plus protobuf-c's object tree.
 *
 * Go writes the string table last and samples before locations, so strings
 * and ids are resolved at the end: ids get dense indices on first sight
 * (idmap) and every reference is checked once everything has been read. */
#include "cmon/profile/profile.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmon/base/hashset.h"
#include "cmon/base/idmap.h"
#include "cmon/base/inflate.h"
#include "cmon/base/inflate_pipe.h"
#include "cmon/profile/legacy.h"
#include "cmon/profile/location_wire.h"
#include "cmon/profile/sample_wire.h"
#include "cmon/profile/stacks.h"
#include "profile.pb-c.h"

enum { WINDOW_MIN = 1 << 20, SCRATCH_RESET = 32 << 10, RAW_KEEP = 4 << 20 };

/* ---- the field reader: a window of inflated (or raw) bytes ---- */

struct wire {
	const unsigned char *buf; /* window start: win, the input or a piece */
	size_t pos, end;          /* unread bytes are buf[pos..end) */
	bool gzip;
	bool eof;                 /* no more bytes will come */
	unsigned char *win; /* owned window when gzip or streamed */
	size_t wincap;
	uint64_t inflated; /* bytes produced so far */
	uint64_t dropped;  /* raw stream bytes no longer in the window */
	uint64_t max_inflated;
	cm_read_fn read; /* raw stream input, or NULL */
	void *read_ctx;
	unsigned char *gz;    /* a streamed gzip input, read whole (cm_big_resize) */
	size_t gzcap;
	const char *error; /* static message when a read failed */
	bool format_error; /* error is about the bytes read, not the reading */
	char error_buf[96];
	/* gzip inflated on a second thread (see wire_start_pipe); buf is
	 * then the piece it handed over last, or win (wire_fill_piped) */
	struct cm_inflate_pipe *pipe;
	bool release_input; /* the input maps a file: give back pages passed */
	size_t released;    /* inflating in line: input given back so far */
	const char *piece_error;
	struct cm_inflate inf; /* gzip: the whole compressed input is at hand */
};

/* Below this much gzip input a second thread is not worth starting. */
enum { PIPE_MIN_GZIP = 512 << 10 };

/* threads: 0 decides (two CPUs or more, and input big enough), 1 never,
 * more always. Without a thread (or when none can be had) the decoder
 * inflates by itself, as on a machine with one CPU. */
static void wire_start_pipe(struct wire *w, const unsigned char *data, size_t len, int threads)
{
	if (threads == 1 || (threads == 0 && (len < PIPE_MIN_GZIP || cm_inflate_pipe_cpus() < 2)))
		return;
	w->pipe = cm_inflate_pipe_start(data, len, w->release_input);
}

enum { INBUF_SIZE = 256 << 10 };
/* Inflate keeps a match's reach of earlier output before what it writes. */
enum { HISTORY = 32 << 10 };

static void wire_init_raw(struct wire *w, const unsigned char *data, size_t len)
{
	memset(w, 0, offsetof(struct wire, inf));
	w->buf = data;
	w->end = len;
	w->eof = true;
}

static int wire_init_gzip(struct wire *w, const unsigned char *data, size_t len,
			  uint64_t max_inflated, int threads, bool release_input)
{
	memset(w, 0, offsetof(struct wire, inf));
	w->gzip = true;
	w->release_input = release_input;
	w->max_inflated = max_inflated;
	w->win = malloc(WINDOW_MIN);
	if (!w->win)
		return -1;
	w->wincap = WINDOW_MIN;
	w->buf = w->win;
	cm_inflate_init(&w->inf, data, len, 1);
	wire_start_pipe(w, data, len, threads);
	return 0;
}

/* Reads the rest of a streamed input after its first got bytes in w->gz:
 * gzip input is inflated from memory (see inflate.h); it is a fraction
 * of what it inflates to. Bounded by max_inflated. */
static int read_whole(struct wire *w, size_t got)
{
	for (;;) {
		if (got == w->gzcap) {
			if (w->gzcap >= w->max_inflated) {
				w->error = "input exceeds the limit (-max_inflated)";
				return -1;
			}
			unsigned char *n = cm_big_resize(w->gz, w->gzcap, w->gzcap * 2);
			if (!n) {
				w->error = "out of memory";
				return -1;
			}
			w->gz = n;
			w->gzcap *= 2;
		}
		size_t n = w->read(w->read_ctx, w->gz + got, w->gzcap - got);
		if (n == SIZE_MAX) {
			w->error = "read error";
			return -1;
		}
		if (n == 0)
			return (int)got;
		got += n;
	}
}

/* A streamed source: the first bytes decide between gzip and raw. */
static int wire_init_stream(struct wire *w, cm_read_fn read, void *ctx, uint64_t max_inflated,
			    int threads)
{
	memset(w, 0, offsetof(struct wire, inf));
	w->read = read;
	w->read_ctx = ctx;
	w->max_inflated = max_inflated;
	w->gz = cm_big_resize(NULL, 0, INBUF_SIZE);
	w->gzcap = INBUF_SIZE;
	w->win = malloc(WINDOW_MIN);
	if (!w->gz || !w->win)
		goto fail;
	w->wincap = WINDOW_MIN;
	w->buf = w->win;
	size_t got = 0;
	bool in_eof = false;
	while (got < 2) { /* the magic may arrive in pieces */
		size_t n = read(ctx, w->gz + got, INBUF_SIZE - got);
		if (n == SIZE_MAX)
			w->error = "read error";
		if (n == SIZE_MAX || n == 0) {
			in_eof = true;
			break;
		}
		got += n;
	}
	if (got >= 2 && w->gz[0] == 0x1f && w->gz[1] == 0x8b) {
		w->gzip = true;
		int len = read_whole(w, got);
		if (len >= 0) {
			cm_inflate_init(&w->inf, w->gz, (size_t)len, 1);
			wire_start_pipe(w, w->gz, (size_t)len, threads);
		} else
			w->eof = true; /* decode_and_finish reports w->error */
	} else {
		memcpy(w->win, w->gz, got); /* got <= INBUF_SIZE < WINDOW_MIN */
		w->end = got;
		w->inflated = got;
		w->eof = in_eof;
		cm_big_free(w->gz, w->gzcap);
		w->gz = NULL;
	}
	return 0;
fail:
	cm_big_free(w->gz, w->gzcap);
	free(w->win);
	return -1;
}

static void wire_free(struct wire *w)
{
	cm_inflate_pipe_stop(w->pipe); /* before the input it reads goes */
	if (w->gzip || w->read)
		free(w->win);
	cm_big_free(w->gz, w->gzcap);
}

/* Raw bytes from a stream straight into the window. */
static int wire_read_raw(struct wire *w)
{
	size_t n = w->read(w->read_ctx, w->win + w->end, w->wincap - w->end);
	if (n == SIZE_MAX) {
		w->error = "read error";
		return -1;
	}
	if (n == 0)
		w->eof = true;
	w->end += n;
	w->inflated += n;
	if (w->inflated > w->max_inflated) {
		w->error = "input exceeds the limit (-max_inflated)";
		return -1;
	}
	return 0;
}

static void inflate_error(struct wire *w, const char *why)
{
	bool cut = strstr(why, "truncated") != NULL;
	snprintf(w->error_buf, sizeof(w->error_buf), "%s gzip stream (%s)",
		 cut ? "truncated" : "corrupt", why);
	w->error = w->error_buf;
}

/* Room for want bytes in the owned window (keeping its first end bytes).
 * Returns -1 with w->error set. */
static int window_reserve(struct wire *w, size_t want)
{
	if (want <= w->wincap)
		return 0;
	size_t ncap = w->wincap;
	while (ncap < want)
		ncap *= 2;
	unsigned char *n = realloc(w->win, ncap);
	if (!n) {
		w->error = "out of memory";
		return -1;
	}
	if (w->buf == w->win)
		w->buf = n;
	w->win = n;
	w->wincap = ncap;
	return 0;
}

/* wire_fill with the inflating thread. The unread bytes are read where
 * the thread left them: each piece comes with the stream's last
 * CM_INFLATE_PIPE_HISTORY bytes in front of it, so unread bytes up to
 * that many are there again before the next piece, and the window moves
 * onto it without a copy (a copy of every byte cost 3 ms of the 28 on
 * the 126k-sample benchmark profile). Only a field longer than that,
 * cut by a piece's end, is gathered in the owned window. The piece read
 * from stays valid until the next piece is asked for, which only a fill
 * does: a field's bytes last until the next wire_next, as before. */
static int wire_fill_piped(struct wire *w, size_t need)
{
	while (w->end - w->pos < need && !w->eof) {
		size_t unread = w->end - w->pos;
		if (unread > CM_INFLATE_PIPE_HISTORY && w->buf != w->win) {
			if (window_reserve(w, unread) < 0) /* the piece goes with the next call */
				return -1;
			memcpy(w->win, w->buf + w->pos, unread);
			w->buf = w->win, w->pos = 0, w->end = unread;
		}
		const uint8_t *data;
		size_t n;
		enum cm_inflate_status rc = cm_inflate_pipe_next(w->pipe, &data, &n, &w->piece_error);
		w->inflated += n;
		if (rc == CM_INFLATE_ERROR) {
			inflate_error(w, w->piece_error);
			return -1;
		}
		if (w->inflated > w->max_inflated) {
			w->error = "inflated size exceeds the limit (-max_inflated)";
			return -1;
		}
		w->eof = rc == CM_INFLATE_END;
		if (unread <= CM_INFLATE_PIPE_HISTORY) {
			w->buf = data - unread, w->pos = 0, w->end = unread + n;
			continue;
		}
		/* buf is the owned window: gather the piece behind the unread bytes */
		if (w->pos) {
			memmove(w->win, w->win + w->pos, unread);
			w->pos = 0, w->end = unread;
		}
		if (window_reserve(w, w->end + n) < 0)
			return -1;
		memcpy(w->win + w->end, data, n);
		w->end += n;
	}
	return 0;
}

/* Inflates once more into the window. Returns -1 with w->error set. */
static int wire_inflate(struct wire *w)
{
	size_t before = w->end;
	enum cm_inflate_status rc = cm_inflate_run(&w->inf, w->win, &w->end, w->wincap);
	if (w->release_input)
		cm_inflate_release_input(&w->inf, &w->released);
	w->inflated += w->end - before;
	if (rc == CM_INFLATE_ERROR) {
		inflate_error(w, w->inf.error);
		return -1;
	}
	if (w->inflated > w->max_inflated) {
		w->error = "inflated size exceeds the limit (-max_inflated)";
		return -1;
	}
	if (rc == CM_INFLATE_END)
		w->eof = true;
	return 0;
}

/* Makes need unread bytes available (or all there are): the unread bytes
 * move to the window's start (for gzip, with the HISTORY bytes before
 * them that inflate may still copy from), the window grows if need asks
 * for it, and then it is filled. Returns -1 with w->error set. */
static int wire_fill(struct wire *w, size_t need)
{
	/* need comes from a length in the input: bound it before adding. */
	if (need > w->max_inflated || need > SIZE_MAX / 4) {
		w->error = "inflated size exceeds the limit (-max_inflated)";
		return -1;
	}
	if (w->pipe)
		return wire_fill_piped(w, need);
	size_t keep_from = w->pos;
	if (w->gzip) {
		size_t history = w->end > HISTORY ? w->end - HISTORY : 0;
		keep_from = history < keep_from ? history : keep_from;
	} else if (need <= w->wincap && w->pos <= w->wincap - need) {
		keep_from = 0; /* room enough: the input's start stays, for try_legacy */
	} else if (!w->gzip && !w->dropped && w->end <= RAW_KEEP) {
		/* A raw stream keeps its start while it is small, as the
		 * window grows: a text profile that looked like protobuf for a
		 * while (a long field) must reach try_legacy whole, as it does
		 * when decoded from memory. */
		keep_from = 0;
	}
	if (keep_from > 0) {
		w->dropped += keep_from;
		memmove(w->win, w->win + keep_from, w->end - keep_from);
		w->end -= keep_from;
		w->pos -= keep_from;
	}
	if (window_reserve(w, w->pos + need + (w->gzip ? CM_INFLATE_MIN_ROOM : 0)) < 0)
		return -1;
	while (w->end < w->pos + need && !w->eof) {
		if (w->gzip ? wire_inflate(w) : wire_read_raw(w))
			return -1;
	}
	return 0;
}

/* Makes at least need unread bytes available, or all that remain. */
static int wire_ensure(struct wire *w, size_t need)
{
	if (w->end - w->pos >= need || w->eof || (!w->gzip && !w->read))
		return 0;
	return wire_fill(w, need);
}

/* Reads a varint from p[0..n); returns bytes used, 0 when malformed. */
static size_t read_varint(const unsigned char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 10; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

struct field {
	uint32_t number;
	unsigned wiretype;
	uint64_t varint;             /* wire type 0 */
	const unsigned char *data;   /* wire type 2 */
	size_t len;
};

/* Next top-level field. Returns 1 with f filled, 0 at the end, -1 on error. */
static int wire_next(struct wire *w, struct field *f)
{
	if (wire_ensure(w, 20) < 0)
		return -1;
	if (w->pos == w->end)
		return 0;
	const unsigned char *p = w->buf + w->pos;
	size_t avail = w->end - w->pos;
	uint64_t tag;
	size_t n = read_varint(p, avail, &tag);
	if (!n || (tag >> 3) == 0 || (tag >> 3) > 0x1fffffff) {
		w->format_error = true, w->error = "malformed field tag";
		return -1;
	}
	f->number = (uint32_t)(tag >> 3);
	f->wiretype = (unsigned)(tag & 7);
	size_t hdr = n;
	switch (f->wiretype) {
	case 0:
		n = read_varint(p + hdr, avail - hdr, &f->varint);
		if (!n) {
			w->format_error = true, w->error = "truncated or malformed varint";
			return -1;
		}
		w->pos += hdr + n;
		return 1;
	case 1:
	case 5: {
		size_t sz = f->wiretype == 1 ? 8 : 4;
		if (avail - hdr < sz) {
			w->format_error = true, w->error = "truncated fixed-width field";
			return -1;
		}
		w->pos += hdr + sz;
		return 1;
	}
	case 2: {
		uint64_t len;
		n = read_varint(p + hdr, avail - hdr, &len);
		if (!n) {
			w->format_error = true, w->error = "truncated or malformed length";
			return -1;
		}
		hdr += n;
		/* Past the limit with its header, a field cannot be in the input
		 * (the window would refuse it with the limit's error, and a text
		 * profile behind a long "field" must reach try_legacy). */
		if (len > SIZE_MAX - hdr || ((w->gzip || w->read) && hdr + len > w->max_inflated)) {
			w->format_error = true, w->error = "field length exceeds the input";
			return -1;
		}
		if (wire_ensure(w, hdr + (size_t)len) < 0)
			return -1;
		if (w->end - w->pos < hdr + len) {
			w->format_error = true, w->error = "field length exceeds the input";
			return -1;
		}
		f->data = w->buf + w->pos + hdr;
		f->len = (size_t)len;
		w->pos += hdr + (size_t)len;
		return 1;
	}
	default:
		w->format_error = true, w->error = "unsupported wire type (groups or invalid)";
		return -1;
	}
}

/* ---- the decoder's state ---- */

struct raw_label { int64_t key, str, num, unit; };
_Static_assert(sizeof(struct raw_label) == sizeof(struct cm_label),
	       "raw labels are resolved in place into cm_label");
struct raw_strings3 { int64_t a, b, c; }; /* name/system/file or file/build */

struct growvec {
	void *data;
	size_t count, cap, elem;
	bool big; /* grown with cm_big_resize (the samples), else realloc */
	/* Or grown in this arena, the old copy left behind (as much again
	 * at most): the profile's own tables (locations, functions) are
	 * built where they stay, in its arena's huge pages, not in 4 KiB
	 * pages and copied there at the end (the 126k-sample benchmark
	 * profile: 130 page faults fewer, of 480). */
	struct cm_arena *arena;
};

/* Slot index, zeroed when it is new, as is every slot up to it. Only
 * slots below count are ever zeroed: the capacity past them (up to half
 * of it, and hundreds of MB for a big profile's samples) is left
 * untouched, so its pages are never faulted in. */
static void *vec_slot(struct growvec *v, size_t index)
{
	if (index >= v->cap) {
		size_t ncap = v->cap ? v->cap : 256;
		while (ncap <= index)
			ncap *= 2;
		void *n;
		if (v->arena) {
			if ((n = cm_arena_array(v->arena, ncap, v->elem)) && v->count)
				memcpy(n, v->data, v->count * v->elem);
		} else {
			n = v->big ? cm_big_resize(v->data, v->cap * v->elem, ncap * v->elem)
				   : realloc(v->data, ncap * v->elem);
		}
		if (!n)
			return NULL;
		v->data = n;
		v->cap = ncap;
	}
	if (index >= v->count) {
		memset((char *)v->data + v->count * v->elem, 0, (index + 1 - v->count) * v->elem);
		v->count = index + 1;
	}
	return (char *)v->data + index * v->elem;
}

/* Capacity for n slots in an empty vector, none of it touched; nothing
 * when memory cannot be had (the vector grows as it would). */
static void vec_reserve(struct growvec *v, size_t n)
{
	if (v->data || n == 0 || n > SIZE_MAX / v->elem)
		return;
	void *data = v->arena ? cm_arena_array(v->arena, n, v->elem)
		   : v->big   ? cm_big_resize(NULL, 0, n * v->elem)
			      : malloc(n * v->elem);
	if (data) {
		v->data = data;
		v->cap = n;
	}
}

/* The vector's memory, unless an arena holds it. */
static void vec_free(struct growvec *v)
{
	if (v->arena)
		return;
	if (v->big)
		cm_big_free(v->data, v->cap * v->elem);
	else
		free(v->data);
}

static void *vec_push(struct growvec *v)
{
	return vec_slot(v, v->count);
}

/* vec_push for a caller that fills every byte of the slot itself (a
 * sample on the fast path): no zeroing while there is room. */
static inline void *vec_push_fast(struct growvec *v)
{
	if (v->count < v->cap)
		return (char *)v->data + v->count++ * v->elem;
	return vec_push(v);
}

struct decoder {
	struct cm_profile *p;
	struct cm_arena scratch;
	ProtobufCAllocator alloc;
	char *err;
	size_t errlen;
	bool failed;

	struct growvec strings;      /* const char * */
	struct growvec sample_types; /* int64_t[2] */
	struct growvec samples;      /* struct cm_sample */
	size_t nvalues;              /* values per sample, all samples alike */
	struct growvec comments;     /* int64_t */

	struct cm_idmap loc_ids, fn_ids, map_ids;
	struct growvec locations;    /* struct cm_location, by dense index */
	struct growvec loc_defined;  /* bool */
	struct growvec functions;    /* struct cm_function */
	struct growvec fn_raw;       /* struct raw_strings3 */
	struct growvec fn_defined;   /* bool */
	struct growvec mappings;     /* struct cm_mapping */
	struct growvec map_raw;      /* struct raw_strings3 */
	struct growvec map_order;    /* uint32_t dense index, in definition order */

	struct value_tuples {
		int64_t **slots; /* interned values arrays, NULL = free */
		size_t cap, count;
		bool off;        /* gave up: too many distinct tuples to gain */
	} tuples;

	uint64_t size_hint; /* the expected inflated size, 0 when unknown */
	bool drop_labels;
	bool compact_stacks; /* limits->compact_stacks */
	unsigned char *stack_bytes; /* compact stacks: a run's varints before the arena */
	size_t stack_bytes_cap;
	bool refused; /* by check_growth: a memory bound, not a format error */
	struct cm_sample_wire sample_wire; /* reused for every Sample */
	struct cm_location_wire location_wire; /* and Location */
	/* Range of the label string indices Go's parser would check, over the
	 * labels dropped unread: a bad index is an error even when unused. */
	bool dropped_labels;
	int64_t dropped_min, dropped_max;
	/* The (key, unit) string indices of the dropped numeric labels that
	 * have a unit, each pair once, at most CM_MAX_LABEL_UNITS: pprof warns
	 * about a key seen with two units whatever the report. */
	int64_t (*unit_pairs)[2];
	size_t n_unit_pairs;
	uint16_t *unit_slots; /* 2 * CM_MAX_LABEL_UNITS: pair index + 1, 0 = free */
	int64_t drop_frames, keep_frames, default_sample_type, doc_url;
	int64_t period_type[2];
};

static int fail(struct decoder *d, const char *fmt, ...)
{
	if (!d->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->err, d->errlen, fmt, ap);
		va_end(ap);
		d->failed = true;
	}
	return -1;
}

/* Records a dropped label's (key, unit) pair unless already seen: a
 * small hash of the pairs, so that hostile input costs no scans. */
static int note_unit_pair(struct decoder *d, int64_t key, int64_t unit)
{
	if (!d->unit_pairs) {
		d->unit_pairs = malloc(CM_MAX_LABEL_UNITS * sizeof(*d->unit_pairs));
		d->unit_slots = calloc(2 * CM_MAX_LABEL_UNITS, sizeof(*d->unit_slots));
		if (!d->unit_pairs || !d->unit_slots)
			return -1;
	}
	size_t j = ((uint64_t)key * 0x9e3779b97f4a7c15ULL ^ (uint64_t)unit) % (2 * CM_MAX_LABEL_UNITS);
	for (; d->unit_slots[j]; j = (j + 1) % (2 * CM_MAX_LABEL_UNITS)) {
		const int64_t *pair = d->unit_pairs[d->unit_slots[j] - 1];
		if (pair[0] == key && pair[1] == unit)
			return 0;
	}
	if (d->n_unit_pairs == CM_MAX_LABEL_UNITS)
		return 0;
	d->unit_pairs[d->n_unit_pairs][0] = key;
	d->unit_pairs[d->n_unit_pairs++][1] = unit;
	d->unit_slots[j] = (uint16_t)d->n_unit_pairs;
	return 0;
}

static void *scratch_alloc(void *data, size_t size)
{
	return cm_arena_alloc(data, size);
}

static void scratch_free(void *data, void *ptr)
{
	(void)data;
	(void)ptr; /* released in bulk by cm_arena_reset */
}

/* Past SCRATCH_RESET the scratch arena starts again at its newest
 * block's start: the pages touched stay few (at 256 KiB, the mid
 * benchmark profile's Function messages faulted in 64 of them). */
static void scratch_maybe_reset(struct decoder *d)
{
	if (d->scratch.used > SCRATCH_RESET)
		cm_arena_reset(&d->scratch);
}

#define UNPACK(d, type, f)                                                      \
	perftools__profiles__##type##__unpack(&(d)->alloc, (f)->len, (f)->data)

static int decode_value_type(struct decoder *d, const struct field *f, int64_t out[2])
{
	Perftools__Profiles__ValueType *vt = UNPACK(d, value_type, f);
	if (!vt)
		return fail(d, "malformed ValueType message");
	out[0] = vt->type;
	out[1] = vt->unit;
	return 0;
}

/* Most samples of a profile repeat a few value tuples ({1, 32, 1, 32} in
 * a heap profile sampled at every allocation), so equal tuples share one
 * array in the profile's arena. The table gives up when the tuples turn
 * out mostly distinct, where it would cost more than it saves. */
enum { TUPLES_TRIAL = 1 << 14 };

static uint64_t tuple_hash(const int64_t *v, size_t n)
{
	uint64_t h = n;
	for (size_t i = 0; i < n; i++)
		h = cm_hash_mix(h, (uint64_t)v[i]);
	return h;
}

static void tuples_free(struct value_tuples *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->count = 0;
}

static int tuples_grow(struct value_tuples *t, size_t n)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	int64_t **ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		size_t j = tuple_hash(t->slots[i], n) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

/* The values array for v[0..n): an interned one, or a new private one when
 * the table is off. NULL when memory runs out. */
static int64_t *intern_values(struct decoder *d, const int64_t *v, size_t n, size_t index)
{
	struct value_tuples *t = &d->tuples;
	if (!t->off && index >= TUPLES_TRIAL && t->count > index / 4) {
		t->off = true; /* mostly distinct: private arrays from now on */
		tuples_free(t);
	}
	if (t->off || n == 0) {
		int64_t *own = cm_arena_array(&d->p->arena, n, sizeof(int64_t));
		if (own && n)
			memcpy(own, v, n * sizeof(int64_t));
		return own;
	}
	if (2 * (t->count + 1) > t->cap && tuples_grow(t, n) < 0)
		return NULL;
	size_t j = tuple_hash(v, n) & (t->cap - 1);
	for (; t->slots[j]; j = (j + 1) & (t->cap - 1)) {
		const int64_t *u = t->slots[j];
		size_t k = 0; /* a few values: no memcmp call */
		while (k < n && u[k] == v[k])
			k++;
		if (k == n)
			return t->slots[j];
	}
	int64_t *own = cm_arena_array(&d->p->arena, n, sizeof(int64_t));
	if (!own)
		return NULL;
	memcpy(own, v, n * sizeof(int64_t));
	t->slots[j] = own;
	t->count++;
	d->p->values_shared = true;
	return own;
}

/* A hand-written message decoder's status (sample_wire.h) as the
 * decoder's error: -1 with d->err set, or 0. */
static int wire_status(struct decoder *d, int wrc, const char *message)
{
	if (wrc == CM_WIRE_NOMEM)
		return fail(d, "out of memory");
	if (wrc != CM_WIRE_OK)
		return fail(d, "malformed %s message", message);
	return 0;
}

/* Location ids from the uint64 array: they become dense indices in place,
 * and the widest decides the width. */
static int sample_locations_array(struct decoder *d, struct cm_sample *out, size_t index)
{
	struct cm_sample_wire *s = &d->sample_wire;
	uint32_t widest = 0;
	for (size_t i = 0; i < s->n_location_id; i++) {
		if (s->location_id[i] == 0)
			return fail(d, "sample %zu references location id 0", index);
		uint32_t li = cm_idmap_intern(&d->loc_ids, s->location_id[i]);
		if (li == UINT32_MAX)
			return fail(d, "too many location ids");
		s->location_id[i] = li;
		widest = li > widest ? li : widest;
	}
	out->nlocs = (uint32_t)s->n_location_id;
	out->locs_wide = widest > UINT16_MAX;
	out->locs = cm_arena_array(&d->p->arena, s->n_location_id, out->locs_wide ? 4 : 2);
	if (!out->locs)
		return fail(d, "out of memory");
	for (uint32_t i = 0; i < out->nlocs; i++)
		cm_sample_set_loc(out, i, (uint32_t)s->location_id[i]);
	return 0;
}

/* Rewrites out's fixed-width indices as a varint stack in the arena. The
 * fixed-width array stays there unused: only for ids that do not come as
 * one packed run, which no encoder known to us writes. */
static int compact_stack(struct decoder *d, struct cm_sample *out)
{
	size_t len = cm_stack_encode(NULL, out->locs, out->nlocs, out->locs_wide);
	unsigned char *bytes = cm_arena_alloc_bytes(&d->p->arena, len, 1);
	if (!bytes)
		return fail(d, "out of memory");
	cm_stack_encode(bytes, out->locs, out->nlocs, out->locs_wide);
	out->locs = bytes;
	out->locs_wide = 0;
	out->locs_varint = 1;
	return 0;
}

/* A packed run's failed status (not CM_WIRE_WIDE) as the decoder's error. */
static int run_status(struct decoder *d, int rc, size_t index)
{
	if (rc == CM_WIRE_ZERO_ID)
		return fail(d, "sample %zu references location id 0", index);
	if (rc == CM_WIRE_NOMEM)
		return fail(d, "too many location ids");
	return fail(d, "malformed Sample message");
}

/* A packed run as a compact stack: varints written into the decoder's
 * scratch (5 bytes an id at most, an id at least a byte of the run), then
 * copied to the arena exactly. */
static int run_as_varints(struct decoder *d, struct cm_sample *out, size_t index)
{
	struct cm_sample_wire *s = &d->sample_wire;
	size_t room = s->loc_run_len;
	if (room > SIZE_MAX / 5)
		return fail(d, "sample %zu is absurdly large", index);
	room *= 5;
	if (!d->stack_bytes || room > d->stack_bytes_cap) { /* an empty run too */
		size_t cap = room < 1024 ? 1024 : room;
		unsigned char *grown = realloc(d->stack_bytes, cap);
		if (!grown)
			return fail(d, "out of memory");
		d->stack_bytes = grown;
		d->stack_bytes_cap = cap;
	}
	unsigned char *end = d->stack_bytes + room, *start;
	size_t n;
	int rc = cm_sample_wire_locs_varint(s->loc_run, s->loc_run_len, &d->loc_ids, end, &start, &n);
	if (rc != CM_WIRE_OK)
		return run_status(d, rc, index);
	if (n > UINT32_MAX)
		return fail(d, "sample %zu is absurdly large", index);
	unsigned char *bytes = cm_arena_alloc_bytes(&d->p->arena, (size_t)(end - start), 1);
	if (!bytes)
		return fail(d, "out of memory");
	memcpy(bytes, start, (size_t)(end - start));
	out->nlocs = (uint32_t)n;
	out->locs = bytes;
	out->locs_wide = 0;
	out->locs_varint = 1;
	return 0;
}

/* The sample's locations: a packed run straight into 16-bit indices, or
 * (wide indices, unpacked or split ids) through the array. A run found
 * wide part way leaves its 16-bit copy in the arena, unused: rare (over
 * 65536 locations) and bounded by the run. */
static int sample_locations(struct decoder *d, struct cm_sample *out, size_t index)
{
	struct cm_sample_wire *s = &d->sample_wire;
	if (s->loc_run && d->compact_stacks)
		return run_as_varints(d, out, index);
	if (s->loc_run) {
		size_t n = cm_sample_wire_run_count(s->loc_run, s->loc_run_len);
		if (n > UINT32_MAX)
			return fail(d, "sample %zu is absurdly large", index);
		uint16_t *locs = n > SIZE_MAX / 2 ? NULL : cm_arena_alloc_bytes(&d->p->arena, n * 2, 2);
		if (!locs)
			return fail(d, "out of memory");
		int rc = cm_sample_wire_locs16(s->loc_run, s->loc_run_len, &d->loc_ids, locs);
		if (rc == CM_WIRE_OK) {
			out->nlocs = (uint32_t)n;
			out->locs_wide = false;
			out->locs = locs;
			return 0;
		}
		if (rc != CM_WIRE_WIDE)
			return run_status(d, rc, index);
		if (wire_status(d, cm_sample_wire_expand_run(s), "Sample") < 0)
			return -1;
		if (s->n_location_id > UINT32_MAX)
			return fail(d, "sample %zu is absurdly large", index);
	}
	if (sample_locations_array(d, out, index) < 0)
		return -1;
	return d->compact_stacks ? compact_stack(d, out) : 0;
}

/* A dropped label's string indices, as pprof checks them. */
static int drop_label(struct decoder *d, const struct cm_wire_label *l)
{
	if (!l->str && l->num_unit && note_unit_pair(d, l->key, l->num_unit) < 0)
		return fail(d, "out of memory");
	/* Go checks key always, str when set, else num_unit when set. */
	int64_t ix[2] = {l->key, l->str ? l->str : l->num_unit};
	for (int k = 0; k < 2; k++) {
		if (!d->dropped_labels || ix[k] < d->dropped_min)
			d->dropped_min = ix[k];
		if (!d->dropped_labels || ix[k] > d->dropped_max)
			d->dropped_max = ix[k];
		d->dropped_labels = true;
	}
	return 0;
}

/* decode_sample for the usual case, a compact stack of ids the map knows
 * in a Sample as Go writes it (sample_wire.h), without the general
 * decoder's buffers and copies: about a fifth of the instructions of a
 * report on the 126k-sample benchmark profile. 1 when done, 0 when the
 * sample is not such (nothing done but some bytes of the arena, if the
 * ids were not all known), -1 on error. */
static int decode_sample_fast(struct decoder *d, const struct field *f)
{
	struct cm_sample_fast s;
	size_t index = d->samples.count;
	if (!d->compact_stacks || index == 0 || d->loc_ids.count != d->loc_ids.identity ||
	    (!d->drop_labels && f->len > 0) || !cm_sample_wire_fast(&s, f->data, f->len) ||
	    s.n_value != d->nvalues || s.run_len > UINT32_MAX)
		return 0;
	/* No index takes more bytes than its id: run_len bytes are room. */
	unsigned char *bytes = cm_arena_alloc_bytes(&d->p->arena, s.run_len, 1), *start;
	if (!bytes)
		return fail(d, "out of memory");
	size_t n;
	if (cm_sample_wire_locs_known(s.run, s.run_len, d->loc_ids.identity, bytes + s.run_len,
				      &start, &n) != CM_WIRE_OK)
		return 0;
	struct cm_sample *out = vec_push_fast(&d->samples);
	if (!out)
		return fail(d, "out of memory");
	*out = (struct cm_sample){.locs = start, .nlocs = (uint32_t)n, .locs_varint = 1};
	if (!(out->values = intern_values(d, s.value, s.n_value, index)))
		return fail(d, "out of memory");
	for (size_t i = 0; i < s.n_label; i++)
		if (drop_label(d, &s.label[i]) < 0)
			return -1;
	return 1;
}

static int decode_sample(struct decoder *d, const struct field *f)
{
	int fast = decode_sample_fast(d, f);
	if (fast)
		return fast < 0 ? -1 : 0;
	struct cm_sample_wire *s = &d->sample_wire;
	if (wire_status(d, cm_sample_wire_decode(s, f->data, f->len), "Sample") < 0)
		return -1;
	size_t index = d->samples.count;
	struct cm_sample *out = vec_push(&d->samples);
	if (!out)
		return fail(d, "out of memory");
	if (s->n_location_id > UINT32_MAX || s->n_value > UINT32_MAX ||
	    s->n_label > CM_MAX_SAMPLE_LABELS)
		return fail(d, "sample %zu is absurdly large", index);
	if (sample_locations(d, out, index) < 0)
		return -1;
	out->values = intern_values(d, s->value, s->n_value, index);
	if (!out->values)
		return fail(d, "out of memory");
	/* Every sample must have one value per sample type; the types may come
	 * later in the stream, so check here that all samples agree and at the
	 * end that they agree with the types. */
	if (index == 0)
		d->nvalues = s->n_value;
	else if (s->n_value != d->nvalues)
		return fail(d, "sample %zu has %zu values but sample 0 has %zu", index,
			    s->n_value, d->nvalues);
	/* Labels stay raw string indices, in the very memory that becomes the
	 * resolved cm_label array once the string table is known. */
	out->nlabels = d->drop_labels ? 0 : (uint32_t)s->n_label;
	for (size_t i = 0; d->drop_labels && i < s->n_label; i++)
		if (drop_label(d, &s->label[i]) < 0)
			return -1;
	struct raw_label *raw = NULL;
	if (out->nlabels &&
	    !(raw = cm_arena_array(&d->p->arena, s->n_label, sizeof(struct cm_label))))
		return fail(d, "out of memory");
	out->labels = (struct cm_label *)(void *)raw;
	for (size_t i = 0; i < out->nlabels; i++) {
		struct raw_label *l = &raw[i];
		l->key = s->label[i].key;
		l->str = s->label[i].str;
		l->num = s->label[i].num;
		l->unit = s->label[i].num_unit;
	}
	return 0;
}

static int decode_mapping(struct decoder *d, const struct field *f)
{
	Perftools__Profiles__Mapping *m = UNPACK(d, mapping, f);
	if (!m)
		return fail(d, "malformed Mapping message");
	if (m->id == 0)
		return fail(d, "found mapping with reserved id 0");
	uint32_t mi = cm_idmap_intern(&d->map_ids, m->id);
	if (mi == UINT32_MAX)
		return fail(d, "too many mapping ids");
	struct cm_mapping *out = vec_slot(&d->mappings, mi);
	struct raw_strings3 *raw = vec_slot(&d->map_raw, mi);
	uint32_t *order = vec_push(&d->map_order);
	if (!out || !raw || !order)
		return fail(d, "out of memory");
	if (out->id)
		return fail(d, "multiple mappings with id %" PRIu64, m->id);
	*order = mi;
	out->id = m->id;
	out->start = m->memory_start;
	out->limit = m->memory_limit;
	out->offset = m->file_offset;
	out->has_functions = m->has_functions;
	out->has_filenames = m->has_filenames;
	out->has_line_numbers = m->has_line_numbers;
	out->has_inline_frames = m->has_inline_frames;
	raw->a = m->filename;
	raw->b = m->build_id;
	return 0;
}

static int decode_location(struct decoder *d, const struct field *f)
{
	struct cm_location_wire *l = &d->location_wire;
	if (wire_status(d, cm_location_wire_decode(l, f->data, f->len), "Location") < 0)
		return -1;
	if (l->id == 0)
		return fail(d, "found location with reserved id 0");
	uint32_t li = cm_idmap_intern(&d->loc_ids, l->id);
	if (li == UINT32_MAX)
		return fail(d, "too many location ids");
	struct cm_location *out = vec_slot(&d->locations, li);
	bool *defined = vec_slot(&d->loc_defined, li);
	if (!out || !defined)
		return fail(d, "out of memory");
	if (*defined)
		return fail(d, "multiple locations with id %" PRIu64, l->id);
	*defined = true;
	out->id = l->id;
	out->address = l->address;
	out->is_folded = l->is_folded;
	out->mapping = CM_NONE;
	if (l->mapping_id) {
		/* The mapping's dense index; checked against definitions at the end. */
		out->mapping = cm_idmap_intern(&d->map_ids, l->mapping_id);
		if (out->mapping == UINT32_MAX || !vec_slot(&d->mappings, out->mapping) ||
		    !vec_slot(&d->map_raw, out->mapping))
			return fail(d, "too many mapping ids");
	}
	if (l->n_line > UINT32_MAX)
		return fail(d, "location %" PRIu64 " has too many lines", l->id);
	out->nlines = (uint32_t)l->n_line;
	out->lines = cm_arena_array(&d->p->arena, l->n_line, sizeof(struct cm_line));
	if (!out->lines)
		return fail(d, "out of memory");
	for (size_t i = 0; i < l->n_line; i++) {
		out->lines[i].line = l->line[i].line;
		out->lines[i].function = CM_NONE;
		if (l->line[i].function_id) {
			uint32_t fi = cm_idmap_intern(&d->fn_ids, l->line[i].function_id);
			if (fi == UINT32_MAX)
				return fail(d, "too many function ids");
			out->lines[i].function = fi;
		}
	}
	return 0;
}

static int decode_function(struct decoder *d, const struct field *f)
{
	Perftools__Profiles__Function *fn = UNPACK(d, function, f);
	if (!fn)
		return fail(d, "malformed Function message");
	if (fn->id == 0)
		return fail(d, "found function with reserved id 0");
	uint32_t fi = cm_idmap_intern(&d->fn_ids, fn->id);
	if (fi == UINT32_MAX)
		return fail(d, "too many function ids");
	struct cm_function *out = vec_slot(&d->functions, fi);
	struct raw_strings3 *raw = vec_slot(&d->fn_raw, fi);
	bool *defined = vec_slot(&d->fn_defined, fi);
	if (!out || !raw || !defined)
		return fail(d, "out of memory");
	if (*defined)
		return fail(d, "multiple functions with id %" PRIu64, fn->id);
	*defined = true;
	out->id = fn->id;
	out->start_line = fn->start_line;
	raw->a = fn->name;
	raw->b = fn->system_name;
	raw->c = fn->filename;
	return 0;
}

/* Real profiles have a few comments and sample types; each costs 8 or 16
 * bytes of model per 2 bytes of input, which the model's bound per input
 * byte (check_growth) lets through: a gzip stream of nothing else would
 * take gigabytes before -max_inflated stops it. */
enum { MAX_COMMENTS = 1 << 16, MAX_SAMPLE_TYPES = 1 << 16 };

/* Reads packed or unpacked repeated int64 (the comment field). */
static int decode_comment(struct decoder *d, const struct field *f)
{
	if (d->comments.count >= MAX_COMMENTS)
		return d->refused = true, fail(d, "over %d comments: not a plausible profile", MAX_COMMENTS);
	if (f->wiretype == 0) {
		int64_t *c = vec_push(&d->comments);
		if (!c)
			return fail(d, "out of memory");
		*c = (int64_t)f->varint;
		return 0;
	}
	size_t off = 0;
	while (off < f->len) {
		uint64_t v;
		size_t n = read_varint(f->data + off, f->len - off, &v);
		if (!n)
			return fail(d, "malformed packed comment list");
		if (d->comments.count >= MAX_COMMENTS)
			return d->refused = true, fail(d, "over %d comments: not a plausible profile", MAX_COMMENTS);
		int64_t *c = vec_push(&d->comments);
		if (!c)
			return fail(d, "out of memory");
		*c = (int64_t)v;
		off += n;
	}
	return 0;
}

static int want_wiretype(struct decoder *d, const struct field *f, unsigned wt)
{
	if (f->wiretype != wt)
		return fail(d, "Profile field %u has wire type %u, expected %u",
			    f->number, f->wiretype, wt);
	return 0;
}

static int decode_field(struct decoder *d, const struct field *f)
{
	switch (f->number) {
	case 1: {
		if (d->sample_types.count >= MAX_SAMPLE_TYPES)
			return d->refused = true, fail(d, "over %d sample types: not a plausible profile",
				    MAX_SAMPLE_TYPES);
		int64_t *st = vec_push(&d->sample_types);
		if (!st)
			return fail(d, "out of memory");
		return want_wiretype(d, f, 2) ? -1 : decode_value_type(d, f, st);
	}
	case 2:
		return want_wiretype(d, f, 2) ? -1 : decode_sample(d, f);
	case 3:
		return want_wiretype(d, f, 2) ? -1 : decode_mapping(d, f);
	case 4:
		return want_wiretype(d, f, 2) ? -1 : decode_location(d, f);
	case 5:
		return want_wiretype(d, f, 2) ? -1 : decode_function(d, f);
	case 6: {
		if (want_wiretype(d, f, 2))
			return -1;
		const char **s = vec_push(&d->strings);
		if (!s || !(*s = cm_arena_strndup(&d->p->arena, (const char *)f->data, f->len)))
			return fail(d, "out of memory");
		return 0;
	}
	case 7: case 8: case 9: case 10: case 12: case 14: case 15: {
		if (want_wiretype(d, f, 0))
			return -1;
		int64_t v = (int64_t)f->varint;
		switch (f->number) {
		case 7: d->drop_frames = v; break;
		case 8: d->keep_frames = v; break;
		case 9: d->p->time_nanos = v; break;
		case 10: d->p->duration_nanos = v; break;
		case 12: d->p->period = v; break;
		case 14: d->default_sample_type = v; break;
		default: d->doc_url = v; break;
		}
		return 0;
	}
	case 11:
		if (want_wiretype(d, f, 2))
			return -1;
		d->p->has_period_type = true;
		return decode_value_type(d, f, d->period_type);
	case 13:
		if (f->wiretype != 0 && f->wiretype != 2)
			return want_wiretype(d, f, 2);
		return decode_comment(d, f);
	default:
		return 0; /* unknown fields are skipped, as the format requires */
	}
}

/* ---- resolution and validation once everything is read ---- */

static int string_at(struct decoder *d, int64_t index, const char **out, const char *what)
{
	if (index < 0 || (uint64_t)index >= d->strings.count)
		return fail(d, "string index %" PRId64 " of %s is outside the string table (%zu entries)",
			    index, what, d->strings.count);
	*out = ((const char **)d->strings.data)[index];
	return 0;
}

static int resolve_header(struct decoder *d)
{
	struct cm_profile *p = d->p;
	const char **strs = d->strings.data;
	if (d->strings.count > 0 && strs[0][0] != '\0')
		return fail(d, "string_table[0] must be \"\"");
	p->nsample_types = d->sample_types.count;
	p->sample_types = cm_arena_array(&p->arena, p->nsample_types, sizeof(*p->sample_types));
	if (!p->sample_types)
		return fail(d, "out of memory");
	const int64_t *st = d->sample_types.data;
	for (size_t i = 0; i < p->nsample_types; i++) {
		if (string_at(d, st[2 * i], &p->sample_types[i].type, "sample_type.type") ||
		    string_at(d, st[2 * i + 1], &p->sample_types[i].unit, "sample_type.unit"))
			return -1;
	}
	if (string_at(d, d->period_type[0], &p->period_type.type, "period_type.type") ||
	    string_at(d, d->period_type[1], &p->period_type.unit, "period_type.unit") ||
	    string_at(d, d->drop_frames, &p->drop_frames, "drop_frames") ||
	    string_at(d, d->keep_frames, &p->keep_frames, "keep_frames") ||
	    string_at(d, d->default_sample_type, &p->default_sample_type, "default_sample_type") ||
	    string_at(d, d->doc_url, &p->doc_url, "doc_url"))
		return -1;
	p->ncomments = d->comments.count;
	p->comments = cm_arena_array(&p->arena, p->ncomments, sizeof(char *));
	if (!p->comments)
		return fail(d, "out of memory");
	for (size_t i = 0; i < p->ncomments; i++)
		if (string_at(d, ((int64_t *)d->comments.data)[i], &p->comments[i], "comment"))
			return -1;
	return 0;
}

static int resolve_functions(struct decoder *d)
{
	struct cm_profile *p = d->p;
	p->nfunctions = d->fn_ids.count;
	p->functions = d->functions.data;
	const bool *defined = d->fn_defined.data;
	const struct raw_strings3 *raw = d->fn_raw.data;
	for (size_t i = 0; i < p->nfunctions; i++) {
		if (i >= d->fn_defined.count || !defined[i])
			return fail(d, "a location line references function id %" PRIu64
				    ", which is not defined", cm_idmap_id(&d->fn_ids, i));
		struct cm_function *f = &p->functions[i];
		if (string_at(d, raw[i].a, &f->name, "function.name") ||
		    string_at(d, raw[i].b, &f->system_name, "function.system_name") ||
		    string_at(d, raw[i].c, &f->filename, "function.filename"))
			return -1;
	}
	return 0;
}

static int resolve_mappings(struct decoder *d)
{
	struct cm_profile *p = d->p;
	size_t n = d->map_ids.count;
	if (d->map_order.count != n) {
		/* Some referenced mapping id was never defined: find it. */
		const struct cm_mapping *m = d->mappings.data;
		for (size_t i = 0; i < n; i++)
			if (i >= d->mappings.count || m[i].id == 0)
				return fail(d, "a location references mapping id %" PRIu64
					    ", which is not defined", cm_idmap_id(&d->map_ids, i));
	}
	/* Keep the file's order: "File:" names the first mapping written. */
	p->nmappings = n;
	p->mappings = cm_arena_array(&p->arena, n, sizeof(*p->mappings));
	uint32_t *rank = malloc((n ? n : 1) * sizeof(*rank));
	if (!p->mappings || !rank) {
		free(rank);
		return fail(d, "out of memory");
	}
	const uint32_t *order = d->map_order.data;
	const struct raw_strings3 *raw = d->map_raw.data;
	int rc = 0;
	for (size_t k = 0; k < n && !rc; k++) {
		uint32_t i = order[k];
		rank[i] = (uint32_t)k;
		p->mappings[k] = ((struct cm_mapping *)d->mappings.data)[i];
		rc = string_at(d, raw[i].a, &p->mappings[k].file, "mapping.filename") ||
		     string_at(d, raw[i].b, &p->mappings[k].build_id, "mapping.build_id");
	}
	if (!rc) {
		struct cm_location *locs = d->locations.data;
		for (size_t i = 0; i < d->locations.count; i++)
			if (locs[i].mapping != CM_NONE)
				locs[i].mapping = rank[locs[i].mapping];
	}
	free(rank);
	return rc ? -1 : 0;
}

static int resolve_locations(struct decoder *d)
{
	struct cm_profile *p = d->p;
	p->nlocations = d->loc_ids.count;
	const bool *defined = d->loc_defined.data;
	for (size_t i = 0; i < p->nlocations; i++)
		if (i >= d->loc_defined.count || !defined[i])
			return fail(d, "a sample references location id %" PRIu64
				    ", which is not defined", cm_idmap_id(&d->loc_ids, i));
	/* The table was built in the profile's arena (see struct growvec). */
	p->locations = p->nlocations ? d->locations.data
				     : cm_arena_array(&p->arena, 1, sizeof(*p->locations));
	if (!p->locations)
		return fail(d, "out of memory");
	return 0;
}

static int resolve_label(struct decoder *d, const struct raw_label *r, struct cm_label *l)
{
	if (string_at(d, r->key, &l->key, "label.key"))
		return -1;
	l->str = NULL;
	l->num = r->num;
	l->num_unit = "";
	if (r->str != 0)
		return string_at(d, r->str, &l->str, "label.str");
	if (r->unit != 0)
		return string_at(d, r->unit, &l->num_unit, "label.num_unit");
	return 0;
}

/* The dropped labels' units, checked by the range test before this. */
static int resolve_unit_pairs(struct decoder *d)
{
	struct cm_profile *p = d->p;
	if (!d->n_unit_pairs)
		return 0;
	p->dropped_units = cm_arena_array(&p->arena, d->n_unit_pairs, sizeof(*p->dropped_units));
	if (!p->dropped_units)
		return fail(d, "out of memory");
	for (size_t i = 0; i < d->n_unit_pairs; i++)
		if (string_at(d, d->unit_pairs[i][0], &p->dropped_units[i].key, "label.key") ||
		    string_at(d, d->unit_pairs[i][1], &p->dropped_units[i].unit, "label.num_unit"))
			return -1;
	p->ndropped_units = d->n_unit_pairs;
	return 0;
}

static int resolve_samples(struct decoder *d)
{
	struct cm_profile *p = d->p;
	/* The vector becomes the profile's: no copy of the largest table. */
	p->nsamples = d->samples.count;
	p->samples = d->samples.data;
	p->samples_heap = d->samples.data;
	p->samples_heap_size = d->samples.cap * d->samples.elem;
	d->samples.data = NULL;
	if (p->nsamples && d->nvalues != p->nsample_types)
		return fail(d, "samples have %zu values but the profile has %zu sample types",
			    d->nvalues, p->nsample_types);
	for (size_t i = 0; i < p->nsamples; i++) {
		struct cm_sample *s = &p->samples[i];
		uint32_t kept = 0;
		struct raw_label *raw = (struct raw_label *)(void *)s->labels;
		for (uint32_t k = 0; k < s->nlabels; k++) {
			struct raw_label r = raw[k]; /* copy: resolving overwrites it */
			/* A label with neither string nor number carries nothing. */
			if (r.str == 0 && r.num == 0 && r.unit == 0) {
				if (r.key < 0 || (uint64_t)r.key >= d->strings.count)
					return fail(d, "string index %" PRId64 " of label.key is outside the string table", r.key);
				continue;
			}
			if (resolve_label(d, &r, &s->labels[kept++]))
				return -1;
		}
		s->nlabels = kept;
	}
	if (d->dropped_labels) {
		int64_t bad = d->dropped_min < 0 ? d->dropped_min : d->dropped_max;
		if (bad < 0 || (uint64_t)bad >= d->strings.count)
			return fail(d, "string index %" PRId64 " of a sample label is outside the string table (%zu entries)",
				    bad, d->strings.count);
	}
	return resolve_unit_pairs(d);
}

/* Bytes the decoder holds that grow with the input. */
static uint64_t model_bytes(const struct decoder *d)
{
	const struct growvec *v[] = {
		&d->strings, &d->sample_types, &d->samples, &d->comments, &d->locations,
		&d->loc_defined, &d->functions, &d->fn_raw, &d->fn_defined, &d->mappings,
		&d->map_raw, &d->map_order,
	};
	uint64_t n = d->p->arena.used + d->scratch.used + d->stack_bytes_cap;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!v[i]->arena) /* else counted in arena.used */
			n += (uint64_t)v[i]->cap * v[i]->elem;
	const struct cm_idmap *m[] = {&d->loc_ids, &d->fn_ids, &d->map_ids};
	for (size_t i = 0; i < 3; i++)
		n += m[i]->cap * 12 + m[i]->ids_cap * 8 + m[i]->direct_cap * 4;
	const struct cm_sample_wire *s = &d->sample_wire;
	n += s->cap_location_id * 8 + s->cap_value * 8 + s->cap_label * sizeof(*s->label);
	n += d->location_wire.cap_line * sizeof(*d->location_wire.line);
	return n;
}

/* The model may take MODEL_FLOOR plus MODEL_RATIO bytes per input byte. Real
 * profiles need under 4 (a 42 MB heap profile, 2.7; 500k equal samples
 * that gzip shrinks 340 times, 2.8); a stream of tiny fields (empty
 * strings, empty samples: 2 bytes each) needs 12 to 32 and would exhaust
 * memory long before -max_inflated stops it. How well the input compresses
 * is no measure: that refused valid repetitive profiles. upcoming is the
 * length of a field about to be unpacked, which may cost 12 bytes per byte
 * (a packed list of 1-byte ids). */
#define MODEL_FLOOR ((uint64_t)64 << 20)
enum { MODEL_RATIO = 8 };

static int check_growth(struct decoder *d, const struct wire *w, size_t upcoming)
{
	uint64_t read = (w->gzip || w->read) ? w->inflated : w->pos;
	uint64_t model = model_bytes(d) + 12 * (uint64_t)upcoming;
	if (model > MODEL_FLOOR + MODEL_RATIO * read)
		return d->refused = true, fail(d, "the profile needs over %d bytes of memory per byte of input "
			    "(%" PRIu64 " MB after %" PRIu64 " MB): not a plausible profile",
			    MODEL_RATIO, model >> 20, read >> 20);
	return 0;
}

/* Text where a profile should be (an HTML error page, goroutine?debug=2)
 * fails on some odd field; saying it is text tells the user what is wrong. */
static int fail_maybe_text(struct decoder *d, const unsigned char *head, size_t n)
{
	if (n < 8)
		return -1;
	char quote[24];
	size_t q = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = head[i];
		if ((c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t')
			return -1;
		if (q < sizeof(quote) - 1)
			quote[q++] = c < 0x20 ? ' ' : (char)c;
	}
	quote[q] = '\0';
	snprintf(d->err, d->errlen, "not a protobuf profile: the input is text (\"%s...\")", quote);
	return -1;
}

static int decode_all(struct decoder *d, struct wire *w)
{
	struct field f = {0};
	int rc;
	size_t nfields = 0;
	unsigned char head[64]; /* the first bytes, to recognise text */
	size_t nhead = 0;
	while ((rc = wire_next(w, &f)) == 1 || nfields == 0) {
		if (nfields == 0) {
			/* The window still starts at the input's first byte. */
			nhead = w->end < sizeof(head) ? w->end : sizeof(head);
			if (nhead)
				memcpy(head, w->buf, nhead);
			if (rc != 1)
				break;
		}
		size_t big = f.wiretype == 2 && f.len > (1 << 20) ? f.len : 0;
		if ((++nfields % 1024 == 0 || big) && check_growth(d, w, big) < 0)
			return -1;
		if (decode_field(d, &f) < 0)
			return fail_maybe_text(d, head, nhead);
		scratch_maybe_reset(d);
	}
	if (rc < 0) {
		fail(d, "%s", w->error ? w->error : "malformed profile");
		return fail_maybe_text(d, head, nhead);
	}
	if (w->gzip && w->inflated == 0) /* else: string index 0 of period_type... */
		return fail(d, "empty input (the gzip stream inflates to nothing)");
	if (resolve_header(d) || resolve_functions(d) || resolve_mappings(d) ||
	    resolve_locations(d) || resolve_samples(d))
		return -1;
	if (d->p->nsample_types == 0 && d->p->nsamples > 0)
		return fail(d, "profile has samples but no sample types");
	return 0;
}

static void decoder_free(struct decoder *d)
{
	cm_sample_wire_free(&d->sample_wire);
	free(d->stack_bytes);
	cm_location_wire_free(&d->location_wire);
	tuples_free(&d->tuples);
	free(d->unit_pairs);
	free(d->unit_slots);
	cm_arena_free(&d->scratch);
	free(d->strings.data);
	free(d->sample_types.data);
	vec_free(&d->samples);
	free(d->comments.data);
	cm_idmap_free(&d->loc_ids);
	cm_idmap_free(&d->fn_ids);
	cm_idmap_free(&d->map_ids);
	vec_free(&d->locations); /* the profile's arena has it: nothing */
	free(d->loc_defined.data);
	vec_free(&d->functions); /* the same */
	free(d->fn_raw.data);
	free(d->fn_defined.data);
	free(d->mappings.data);
	free(d->map_raw.data);
	free(d->map_order.data);
}

struct cm_profile *cm_profile_new(void)
{
	struct cm_profile *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	cm_arena_init(&p->arena);
	p->period_type.type = p->period_type.unit = "";
	p->drop_frames = p->keep_frames = p->default_sample_type = p->doc_url = "";
	return p;
}

void cm_profile_free(struct cm_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nowned; i++)
		cm_profile_free(p->owned[i]);
	free(p->owned);
	cm_big_free(p->samples_heap, p->samples_heap_size);
	cm_arena_free(&p->arena);
	free(p);
}

static void decoder_init(struct decoder *d, const struct cm_decode_limits *limits,
			 char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->err = err;
	d->errlen = errlen;
	cm_arena_init(&d->scratch);
	d->alloc = (ProtobufCAllocator){scratch_alloc, scratch_free, &d->scratch};
	d->strings.elem = sizeof(const char *);
	d->sample_types.elem = 2 * sizeof(int64_t);
	d->samples.elem = sizeof(struct cm_sample);
	d->samples.big = true;
	d->comments.elem = sizeof(int64_t);
	d->locations.elem = sizeof(struct cm_location);
	d->loc_defined.elem = sizeof(bool);
	d->functions.elem = sizeof(struct cm_function);
	d->fn_raw.elem = sizeof(struct raw_strings3);
	d->fn_defined.elem = sizeof(bool);
	d->mappings.elem = sizeof(struct cm_mapping);
	d->map_raw.elem = sizeof(struct raw_strings3);
	d->map_order.elem = sizeof(uint32_t);
	d->drop_labels = limits && limits->drop_labels;
	d->compact_stacks = limits && limits->compact_stacks;
	d->sample_wire.defer_loc_run = true;
}

static uint64_t max_inflated(const struct cm_decode_limits *limits)
{
	return limits && limits->max_inflated ? limits->max_inflated : CM_DEFAULT_MAX_INFLATED;
}

/* The whole (inflated) input again, for the legacy parsers: the bytes
 * themselves for raw input in memory, the window plus the rest of the
 * stream for raw streamed input (unless the window has moved past the
 * start: nothing legacy gets that far as protobuf), gzip inflated whole.
 * Returns 0 with *out (*owned when it must be freed), or -1. */
static int whole_input(struct wire *w, const unsigned char **out, size_t *len, unsigned char **owned,
		       size_t *owned_size, uint64_t max)
{
	*owned = NULL;
	*owned_size = 0;
	if (!w->gzip && !w->read) {
		*out = w->buf;
		*len = w->end;
		return 0;
	}
	if (!w->gzip) {
		if (w->dropped)
			return -1;
		while (!w->eof) {
			if (w->end == w->wincap) {
				unsigned char *n = realloc(w->win, w->wincap * 2);
				if (!n)
					return -1;
				w->win = n;
				w->buf = n;
				w->wincap *= 2;
			}
			if (wire_read_raw(w) < 0)
				return -1;
		}
		*out = w->win;
		*len = w->end;
		return 0;
	}
	struct cm_inflate *z = malloc(sizeof(*z));
	size_t cap = WINDOW_MIN, pos = 0;
	unsigned char *buf = cm_big_resize(NULL, 0, cap);
	if (!z || !buf)
		goto fail;
	cm_inflate_init(z, w->inf.in_start, (size_t)(w->inf.in_end - w->inf.in_start), 1);
	for (;;) {
		enum cm_inflate_status rc = cm_inflate_run(z, buf, &pos, cap);
		if (rc == CM_INFLATE_ERROR || pos > w->max_inflated)
			goto fail;
		if (rc == CM_INFLATE_END || pos >= max)
			break;
		if (cap - pos < CM_INFLATE_MIN_ROOM) {
			unsigned char *n = cm_big_resize(buf, cap, cap * 2);
			if (!n)
				goto fail;
			buf = n;
			cap *= 2;
		}
	}
	free(z);
	*out = *owned = buf;
	*len = pos;
	*owned_size = cap;
	return 0;
fail:
	free(z);
	cm_big_free(buf, cap);
	return -1;
}

/* pprof tries the legacy formats when the protobuf decoder fails on the
 * content (not on a read, inflate or size error). Returns the profile, or
 * NULL with d->err set: a legacy parser's error, or when none knows the
 * input, pprof's words followed by what the protobuf decoder found. */
static struct cm_profile *try_legacy(struct decoder *d, struct wire *w)
{
	const unsigned char *data;
	size_t len, owned_size;
	unsigned char *owned;
	char lerr[512] = "";
	struct cm_profile *p = NULL;
	enum cm_legacy_result rc = CM_LEGACY_OK;
	if (w->gzip) {
		/* The head first: it rules most inputs out, or decides, without
		 * inflating a gzip bomb whole once more. */
		if (whole_input(w, &data, &len, &owned, &owned_size, CM_LEGACY_PROBE_LEN) < 0)
			return NULL;
		rc = cm_legacy_probe(data, len, len < CM_LEGACY_PROBE_LEN, lerr, sizeof(lerr));
		cm_big_free(owned, owned_size);
	}
	if (rc == CM_LEGACY_OK) {
		if (whole_input(w, &data, &len, &owned, &owned_size, UINT64_MAX) < 0)
			return NULL; /* the protobuf decoder's error stands */
		rc = cm_legacy_parse(data, len, d->drop_labels, &p, lerr, sizeof(lerr));
		cm_big_free(owned, owned_size);
	}
	if (rc == CM_LEGACY_ERROR) {
		snprintf(d->err, d->errlen, "%s", lerr);
	} else if (rc == CM_LEGACY_UNRECOGNIZED) {
		static const char text[] = "not a protobuf profile: ";
		char pb[512];
		snprintf(pb, sizeof(pb), "%s", d->err);
		if (!strncmp(pb, text, sizeof(text) - 1))
			snprintf(d->err, d->errlen, "unrecognized profile format: %s", pb + sizeof(text) - 1);
		else
			snprintf(d->err, d->errlen, "unrecognized profile format (as protobuf: %s)", pb);
	}
	return p;
}

/* Decodes from an initialised wire, frees the decoder, returns the profile. */
/* Room for the profile the input promises, reserved before decoding: the
 * samples table and the arena (2-byte location indices, values, labels)
 * in one piece each, not grown by doubling and copying from small blocks
 * faulted in 4 KiB at a time (on the 126k-sample benchmark profile, 1800
 * of its 2600 page faults). Heap profiles hold about 55 input bytes a
 * sample and an arena of 1.1 times the input; what is reserved and not
 * used is never touched. Failing here is no failure: growth goes on as
 * without. */
static void reserve_for(struct decoder *d)
{
	if (d->size_hint < (4 << 20))
		return;
	cm_arena_reserve(&d->p->arena, (size_t)(d->size_hint + d->size_hint / 4));
	/* Not the locations and functions: their number does not follow the
	 * input's size (12k and 2k in both of bench/speed.sh's profiles, 6.9
	 * and 43 MB); they grow by doubling in the arena. */
	vec_reserve(&d->samples, (size_t)(d->size_hint / 40));
}

static struct cm_profile *decode_and_finish(struct decoder *d, struct wire *w, bool wire_ok)
{
	d->p = cm_profile_new();
	int rc;
	if (d->p) {
		d->locations.arena = d->functions.arena = &d->p->arena;
		reserve_for(d);
	}
	if (!d->p)
		rc = fail(d, "out of memory");
	else if (!wire_ok)
		rc = fail(d, "out of memory");
	else if (w->error)
		rc = fail(d, "%s", w->error);
	else if (w->read && w->end == 0 && w->eof && !w->gzip)
		rc = fail(d, "empty input");
	else
		rc = decode_all(d, w);
	struct cm_profile *legacy = NULL;
	if (rc < 0 && d->p && wire_ok && !d->refused && (!w->error || w->format_error) &&
	    !(w->gzip && w->inflated == 0))
		legacy = try_legacy(d, w);
	decoder_free(d);
	struct cm_profile *p = d->p;
	if (rc < 0) {
		cm_profile_free(p);
		return legacy;
	}
	/* The function table was built in the arena (see struct growvec). */
	if (!p->nfunctions && !(p->functions = cm_arena_array(&p->arena, 1, sizeof(*p->functions)))) {
		cm_profile_free(p);
		snprintf(d->err, d->errlen, "out of memory");
		return NULL;
	}
	return p;
}

/* What the input will inflate to, as far as it says: a gzip file's last
 * member gives its size (mod 2^32) in its last four bytes. Untrusted: at
 * most 16 times the input (profiles inflate 3 to 5 times) and the limit. */
static uint64_t inflated_hint(const unsigned char *data, size_t len, bool gzip, uint64_t max)
{
	uint64_t n = len;
	if (gzip && len >= 18)
		n = (uint64_t)data[len - 4] | (uint64_t)data[len - 3] << 8 |
		    (uint64_t)data[len - 2] << 16 | (uint64_t)data[len - 1] << 24;
	if (gzip && n > (uint64_t)len * 16)
		n = (uint64_t)len * 16;
	return n < max ? n : max;
}

struct cm_profile *cm_profile_decode(const unsigned char *data, size_t len,
				     const struct cm_decode_limits *limits,
				     char *err, size_t errlen)
{
	struct decoder d;
	decoder_init(&d, limits, err, errlen);
	uint64_t max = max_inflated(limits);
	if (len == 0 || (len > max && !(len >= 2 && data[0] == 0x1f && data[1] == 0x8b))) {
		if (len == 0)
			snprintf(err, errlen, "empty input");
		else
			snprintf(err, errlen, "input of %zu bytes exceeds the limit (-max_inflated)", len);
		decoder_free(&d);
		return NULL;
	}
	struct wire w;
	bool gzip = len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	d.size_hint = inflated_hint(data, len, gzip, max);
	bool ok = true;
	if (gzip)
		ok = wire_init_gzip(&w, data, len, max, limits ? limits->threads : 0,
				    limits && limits->input_maps_file) == 0;
	else
		wire_init_raw(&w, data, len);
	struct cm_profile *p = decode_and_finish(&d, &w, ok);
	if (ok)
		wire_free(&w);
	return p;
}

struct cm_profile *cm_profile_decode_stream(cm_read_fn read, void *ctx,
					    const struct cm_decode_limits *limits,
					    char *err, size_t errlen)
{
	struct decoder d;
	decoder_init(&d, limits, err, errlen);
	struct wire w;
	bool ok = wire_init_stream(&w, read, ctx, max_inflated(limits), limits ? limits->threads : 0) == 0;
	struct cm_profile *p = decode_and_finish(&d, &w, ok);
	if (ok)
		wire_free(&w);
	return p;
}

int cm_profile_sample_index(const struct cm_profile *p, const char *spec,
			    char *err, size_t errlen)
{
	if (p->nsample_types == 0) {
		snprintf(err, errlen, "profile has no samples");
		return -1;
	}
	if (!spec || !*spec) {
		for (size_t i = 0; *p->default_sample_type && i < p->nsample_types; i++)
			if (!strcmp(p->sample_types[i].type, p->default_sample_type))
				return (int)i;
		return (int)p->nsample_types - 1;
	}
	char *end;
	long v = strtol(spec, &end, 10);
	if (*end == '\0' && end != spec) {
		if (v < 0 || (size_t)v >= p->nsample_types) {
			snprintf(err, errlen, "sample_index %s is outside the range [0..%zu]",
				 spec, p->nsample_types - 1);
			return -1;
		}
		return (int)v;
	}
	const char *no_inuse = strncmp(spec, "inuse_", 6) ? spec : spec + 6;
	for (size_t i = 0; i < p->nsample_types; i++)
		if (!strcmp(p->sample_types[i].type, spec) ||
		    !strcmp(p->sample_types[i].type, no_inuse))
			return (int)i;
	size_t off = (size_t)snprintf(err, errlen, "sample_index \"%s\" must be one of: [", spec);
	for (size_t i = 0; i < p->nsample_types && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s%s", i ? " " : "",
					p->sample_types[i].type);
	if (off < errlen)
		snprintf(err + off, errlen - off, "]");
	return -1;
}
